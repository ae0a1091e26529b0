"""huayu.analysis.collocations: window counts and PMI, t-score, log-likelihood, logDice computed by hand."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_tokens
from huayu.errors import ParameterError
from huayu.analysis.collocations import association_scores, collocates, collocation_network, cooccurrences


def _tiny():
    # one sentence of N = 6 tokens: a b c a b d
    return make_tokens({"doc": [["a", "b", "c", "a", "b", "d"]]})


def test_hand_computed_scores_window_1_1():
    """Node a (f=2), window 1 left / 1 right, N = 6, span k = 2.

    Windows: a@0 → right b; a@3 → left c, right b.  O(a,b) = 2 (both right), O(a,c) = 1 (left).
    b: E = 2·2·2/6 = 4/3; PMI = log2(2/(4/3)) = log2 1.5 = 0.5850; t = (2 − 4/3)/√2 = 0.4714;
       logDice = 14 + log2(2·2/(2+2)) = 14.
       G²: R1 = f(a)·k = 4; cells O11=2, O12=4−2=2, O21=2−2=0, O22=6−4−2+2=2; E11=4·2/6, E12=4·4/6,
       E21=2·2/6, E22=2·4/6 → G² = 2(2 ln 1.5 + 2 ln 0.75 + 0 + 2 ln 1.5) = 2.092993.
    c: E = 2·1·2/6 = 2/3; PMI = log2 1.5; t = (1 − 2/3)/1 = 1/3; logDice = 14 + log2(2/3).
    """
    table = collocates(_tiny(), "a", left=1, right=1, min_freq=1).set_index("collocate")
    assert set(table.index) == {"b", "c"}
    b, c = table.loc["b"], table.loc["c"]
    assert (b["observed"], b["left"], b["right"], b["f_node"], b["f_collocate"]) == (2, 0, 2, 2, 2)
    assert (c["observed"], c["left"], c["right"]) == (1, 1, 0)
    assert b["expected"] == pytest.approx(4 / 3)
    assert b["pmi"] == pytest.approx(math.log2(1.5))
    assert b["t_score"] == pytest.approx((2 - 4 / 3) / math.sqrt(2))
    assert b["log_dice"] == pytest.approx(14.0)
    g2 = 2 * (2 * math.log(1.5) + 2 * math.log(0.75) + 2 * math.log(1.5))
    assert b["log_likelihood"] == pytest.approx(g2)
    assert b["log_likelihood"] == pytest.approx(2.092993, abs=1e-6)
    assert c["expected"] == pytest.approx(2 / 3)
    assert c["t_score"] == pytest.approx(1 / 3)
    assert c["log_dice"] == pytest.approx(14 + math.log2(2 / 3))
    assert table.attrs["f_node"] == 2 and table.attrs["n_tokens"] == 6


def test_association_scores_repulsion_is_negative():
    # O = 1 far below E = 10·10·2/100 = 2 → PMI < 0, t < 0, signed G² < 0
    row = association_scores(np.array([1]), np.array([10]), np.array([10]), 100, 2).iloc[0]
    assert row["pmi"] == pytest.approx(-1.0)
    assert row["t_score"] == pytest.approx(-1.0)
    assert row["log_likelihood"] < 0
    assert row["log_dice"] == pytest.approx(14 + math.log2(2 / 20))


def test_one_sided_windows():
    right_only = collocates(_tiny(), "a", left=0, right=2, min_freq=1).set_index("collocate")
    # a@0 → b c ; a@3 → b d
    assert right_only["observed"].to_dict() == {"b": 2, "c": 1, "d": 1}
    assert (right_only["left"] == 0).all()
    assert right_only.loc["b", "expected"] == pytest.approx(2 * 2 * 2 / 6)
    left_only = collocates(_tiny(), "b", left=2, right=0, min_freq=1).set_index("collocate")
    # b@1 → a ; b@4 → c a
    assert left_only["observed"].to_dict() == {"a": 2, "c": 1}


def test_windows_stop_at_sentences_and_skip_punctuation():
    tokens = pd.DataFrame({
        "doc_id": ["d"] * 6, "para_id": [0] * 6, "sent_id": [0, 0, 0, 1, 1, 1],
        "token_index": range(6), "char_start": range(6), "char_end": range(1, 7),
        "token": ["x", "，", "y", "y", "x", "。"],
        "is_stop": [False] * 6, "is_punct": [False, True, False, False, False, True], "is_formula": [False] * 6,
    })
    within = collocates(tokens, "x", left=1, right=1, min_freq=1)
    # sentence 0: x , y → the comma is skipped, y is the right neighbour; sentence 1: y x → y left
    assert within.set_index("collocate")["observed"].to_dict() == {"y": 2}
    # across sentences, the stream is x y y x: each x sees both y and (3 away) the other x
    across = collocates(tokens, "x", left=3, right=3, min_freq=1, boundary="document")
    assert across.set_index("collocate")["observed"].to_dict() == {"y": 4, "x": 2}
    with_punct = collocates(tokens, "x", left=1, right=1, min_freq=1, drop_punct=False)
    assert set(with_punct["collocate"]) == {"，", "y", "。"}


def test_regex_node_merges_matching_words():
    tokens = make_tokens({"d": [["发展", "经济", "，", "发展观", "经济"]]})
    table = collocates(tokens, r"发展.*", match="regex", left=0, right=1, min_freq=1)
    assert table.attrs["matched_types"] == ["发展", "发展观"]
    assert table.attrs["f_node"] == 2
    assert table.set_index("collocate").loc["经济", "observed"] == 2


def test_min_freq_and_sorting():
    table = collocates(_tiny(), "a", left=1, right=1, min_freq=2)
    assert table["collocate"].tolist() == ["b"]
    by_t = collocates(_tiny(), "a", left=1, right=1, min_freq=1, sort_by="t_score")
    assert by_t["t_score"].is_monotonic_decreasing


def _naive_counts(sentences, left, right):
    counts = Counter()
    for sent in sentences:
        for i, node in enumerate(sent):
            for j in range(max(0, i - left), min(len(sent), i + right + 1)):
                if j != i:
                    counts[(node, sent[j])] += 1
    return counts


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcde"), min_size=1, max_size=12), min_size=1, max_size=5),
       st.integers(0, 3), st.integers(0, 3))
def test_all_pair_counts_match_a_naive_count(sentences, left, right):
    if left + right == 0:
        return
    tokens = make_tokens({"d": sentences})  # one sentence per paragraph
    table = cooccurrences(tokens, left=left, right=right, min_freq=1, drop_stop=False)
    got = {(n, c): o for n, c, o in zip(table["node"], table["collocate"], table["observed"])}
    assert got == dict(_naive_counts(sentences, left, right))
    n = sum(len(s) for s in sentences)
    freq = Counter(w for s in sentences for w in s)
    for row in table.itertuples():
        assert row.expected == pytest.approx(freq[row.node] * freq[row.collocate] * (left + right) / n)


def test_symmetric_window_gives_symmetric_counts():
    tokens = make_tokens({"d": [list("abcabdacb")]})
    table = cooccurrences(tokens, left=2, right=2, min_freq=1, drop_stop=False)
    obs = {(n, c): o for n, c, o in zip(table["node"], table["collocate"], table["observed"])}
    assert all(obs[(c, n)] == o for (n, c), o in obs.items())


def test_bad_input_messages():
    tokens = _tiny()
    with pytest.raises(ParameterError, match="left=0 and right=0 make an empty window"):
        collocates(tokens, "a", left=0, right=0)
    with pytest.raises(ParameterError, match="left=0 and right=0"):
        cooccurrences(tokens, left=0, right=0)
    with pytest.raises(ParameterError, match="node='z' has no hits"):
        collocates(tokens, "z")
    with pytest.raises(ParameterError, match="tokens that contain it"):
        collocates(make_tokens({"d": [["高质量发展", "推动"]]}), "发展")
    with pytest.raises(ParameterError, match="node is empty"):
        collocates(tokens, " ")
    with pytest.raises(ParameterError, match="boundary.*valid values"):
        collocates(tokens, "a", boundary="line")
    with pytest.raises(ParameterError, match="must be at least 0"):
        collocates(tokens, "a", left=-1)
    with pytest.raises(ParameterError, match="not a valid regular expression"):
        collocates(tokens, "(", match="regex")


def test_network():
    tokens = make_tokens({"d": [list("abcabdacbxyz")]})
    table = cooccurrences(tokens, left=1, right=1, min_freq=1, drop_stop=False)
    graph = collocation_network(table, n_nodes=3, n_edges=10, min_observed=1)
    assert set(graph.nodes) <= {"a", "b", "c"}
    assert graph.number_of_edges() >= 1
    for u, v, data in graph.edges(data=True):
        assert u != v and data["observed"] >= 1 and "weight" in data
    assert graph.nodes["a"]["freq"] == 3
    with pytest.raises(ParameterError, match="nodes"):
        collocation_network(table, nodes=["q"], min_observed=1)


def test_collocation_figures(tmp_path):
    import matplotlib.pyplot as plt

    from _stats_plots import make_context, table, written
    from huayu.plot.collocations import plot_collocates, plot_network

    docs = {"d": [["推动", "高质量", "发展", "，", "高质量", "发展", "新", "格局"], ["发展", "经济", "推动", "发展"]]}
    ctx = make_context(tmp_path, docs)
    coll = collocates(ctx.tokens, "发展", min_freq=1)
    fig = plot_collocates(ctx, coll, n=5)
    assert written(ctx, "collocates") == ["collocates.csv", "collocates.png"]
    plt.close(fig)
    graph = collocation_network(cooccurrences(ctx.tokens, min_freq=1, drop_stop=False), n_nodes=5, min_observed=1)
    fig = plot_network(ctx, graph, random_state=3)
    edges = table(ctx, "collocation-network")
    assert len(edges) == graph.number_of_edges()
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert set(graph.nodes) <= labels
    plt.close(fig)


def _naive_sides(docs, left, right):
    """``(node, collocate) → (observed, right)`` by a loop over every token of every sentence."""
    counts = Counter()
    rights = Counter()
    for sentences in docs.values():
        for sent in sentences:
            for i, node in enumerate(sent):
                for j in range(max(0, i - left), min(len(sent), i + right + 1)):
                    if j != i:
                        counts[(node, sent[j])] += 1
                        rights[(node, sent[j])] += j > i
    return {k: (o, rights[k]) for k, o in counts.items()}


def _random_docs(rng, n_docs=4, vocab="abcdefghij"):
    return {f"d{k}": [list(rng.choice(list(vocab), size=rng.integers(1, 15))) for _ in range(rng.integers(1, 5))]
            for k in range(n_docs)}


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("block", [3, 1 << 22])
def test_blocks_and_both_counting_paths_match_a_naive_count(monkeypatch, dense, block):
    """Small blocks (pairs that straddle a block edge) and the sparse path (sorted keys) count what the
    dense counters count: every window position once, by side, never across a sentence or document."""
    import huayu.analysis.collocations as C

    monkeypatch.setattr(C, "_BLOCK", block)
    if not dense:
        monkeypatch.setattr(C, "_DENSE_CELLS", 0)
    rng = np.random.default_rng(7)
    for left, right in [(1, 1), (2, 0), (0, 3), (3, 2)]:
        docs = _random_docs(rng)
        tokens = make_tokens(docs)
        for tok in (tokens, tokens.astype({"token": "category", "doc_id": "category"})):
            table = cooccurrences(tok, left=left, right=right, min_freq=1, drop_stop=False)
            got = {(n, c): (o, r) for n, c, o, r in zip(table["node"], table["collocate"], table["observed"],
                                                        table["right"])}
            assert got == _naive_sides(docs, left, right)
            assert (table["left"] + table["right"] == table["observed"]).all()


def test_max_types_keeps_the_pairs_among_the_most_frequent_types_unchanged():
    rng = np.random.default_rng(3)
    tokens = make_tokens(_random_docs(rng, n_docs=6))
    full = cooccurrences(tokens, left=2, right=2, min_freq=1, drop_stop=False)
    freq = Counter(tokens["token"])
    top = sorted(freq, key=lambda w: (-freq[w], w))[:4]  # by frequency, ties by the token
    part = cooccurrences(tokens, left=2, right=2, min_freq=1, drop_stop=False, max_types=4)
    expected = full[full["node"].isin(top) & full["collocate"].isin(top)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected)
    assert part.attrs["max_types"] == 4 and "max_types" not in full.attrs
    # as many types as there are (or more, or None): the whole table
    everything = cooccurrences(tokens, left=2, right=2, min_freq=1, drop_stop=False, max_types=len(freq) + 5)
    pd.testing.assert_frame_equal(everything, full)
    with pytest.raises(ParameterError, match="max_types"):
        cooccurrences(tokens, max_types=1)


def test_network_of_the_most_frequent_types_is_the_network_of_the_whole_table():
    rng = np.random.default_rng(11)
    tokens = make_tokens(_random_docs(rng, n_docs=8, vocab="abcdefghijklmnop"))
    full = collocation_network(cooccurrences(tokens, min_freq=2, drop_stop=False), n_nodes=5, n_edges=8)
    part = collocation_network(cooccurrences(tokens, min_freq=2, drop_stop=False, max_types=12), n_nodes=5,
                               n_edges=8)
    assert list(part.nodes(data=True)) == list(full.nodes(data=True))
    assert list(part.edges(data=True)) == list(full.edges(data=True))


def test_collocates_of_categorical_tokens_equal_those_of_strings():
    rng = np.random.default_rng(5)
    tokens = make_tokens(_random_docs(rng, n_docs=5))
    cat = tokens.astype({"token": "category", "doc_id": "category"})
    # a category no token uses any more (the tokens table after a filter): never a match, never counted
    cat["token"] = cat["token"].cat.add_categories(["aa"])
    for node, match in [("a", "token"), (["a", "b"], "token"), ("[ab]", "regex"), ("a.*", "regex")]:
        want = collocates(tokens, node, match=match, left=2, right=1, min_freq=1)
        got = collocates(cat, node, match=match, left=2, right=1, min_freq=1)
        pd.testing.assert_frame_equal(got, want)
        assert got.attrs == want.attrs
    with pytest.raises(ParameterError, match="no hits"):
        collocates(cat, "aa")
