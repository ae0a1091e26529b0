"""huayu.analysis.dispersion: range, Juilland's D, Gries' DP and DP_norm against published and hand values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_tokens
from huayu.errors import ParameterError
from huayu.analysis.dispersion import dispersion_measures, frequency_list, segment_tokens, term_positions

# Gries' example corpus: five parts of 9, 10, 10, 10 and 11 letters (Gries 2008, "Dispersions and
# adjusted frequencies in corpora", IJCL 13(4), section 3; the same corpus in Gries 2020, "Analyzing
# dispersion", Practical Handbook of Corpus Linguistics, Table 5.1).
GRIES_PARTS = [
    "b a m n i b e u p",
    "b a s a t b e w q n",
    "b c a g a b e s t a",
    "b a g h a b e a a t",
    "b a h a a b e a x a t",
]


def _gries_table() -> pd.DataFrame:
    tokens = make_tokens({f"part{i}": [p.split()] for i, p in enumerate(GRIES_PARTS)})
    return frequency_list(tokens).set_index("term")


def test_gries_example_published_values():
    """Published values for this corpus: DP(a) = 0.18 (Gries 2008); for b, i, q, x: range 5, 1, 1, 1;
    Juilland's D 0.968, 0, 0, 0; DP 0.02, 0.82, 0.80, 0.78; DP_norm 0.024, 1, 0.976, 0.951
    (Gries 2020, Table 5.1; DP_norm after Lijffijt & Gries 2012)."""
    table = _gries_table()
    assert [len(p.split()) for p in GRIES_PARTS] == [9, 10, 10, 10, 11]
    assert table.loc["a", "dp"] == pytest.approx(0.18, abs=5e-4)
    rows = table.loc[["b", "i", "q", "x"]]
    assert rows["range"].tolist() == [5, 1, 1, 1]
    assert rows["juilland_d"].tolist() == pytest.approx([0.968, 0, 0, 0], abs=5e-4)
    assert rows["dp"].tolist() == pytest.approx([0.02, 0.82, 0.80, 0.78], abs=5e-4)
    assert rows["dp_norm"].tolist() == pytest.approx([0.024, 1.0, 0.976, 0.951], abs=5e-4)
    assert table.loc["b", "freq"] == 10 and table.loc["b", "per_million"] == pytest.approx(10 / 50 * 1e6)


def test_lyne_allemand_juilland_d():
    """Lyne (1985), lemma ALLEMAND over ten parts of French business letters, as published in the
    README of the tlda R package (Sönning): D = 0.6038797, relative range 0.5."""
    counts = np.array([[2, 0, 1, 1, 3, 0, 3, 0, 0, 0]]).T
    sizes = [8143, 8058, 8271, 8125, 7959, 7941, 8146, 8001, 8003, 7930]
    row = dispersion_measures(counts, sizes).iloc[0]
    assert row["juilland_d"] == pytest.approx(0.6038797, abs=1e-7)
    assert row["range_pct"] == pytest.approx(50.0)


def test_juilland_d_by_hand():
    """Four parts of 100 tokens, counts 2, 0, 2, 0: R = .02, 0, .02, 0; mean .01, population SD .01,
    V = 1, D = 1 − 1/√3 = 0.42265. DP = ½(|.5−.25|·2 + .25·2) = 0.5, DP_norm = 0.5/0.75."""
    row = dispersion_measures(np.array([[2], [0], [2], [0]]), [100, 100, 100, 100]).iloc[0]
    assert row["juilland_d"] == pytest.approx(1 - 1 / math.sqrt(3))
    assert row["dp"] == pytest.approx(0.5)
    assert row["dp_norm"] == pytest.approx(0.5 / 0.75)
    assert row["range"] == 2


def test_term_spread_like_part_sizes_has_zero_dp():
    row = dispersion_measures(np.array([[1], [2], [3]]), [10, 20, 30]).iloc[0]
    assert row["dp"] == pytest.approx(0.0, abs=1e-12)
    assert row["juilland_d"] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=3, max_size=3), min_size=2, max_size=7))
def test_measures_agree_with_a_direct_computation(rows):
    counts = np.array(rows, dtype=float)
    sizes = counts.sum(axis=1) + 5  # other tokens in every part
    table = dispersion_measures(counts, sizes)
    n = len(sizes)
    s = sizes / sizes.sum()
    for j in range(counts.shape[1]):
        f = counts[:, j]
        row = table.iloc[j]
        if f.sum() == 0:
            assert row["freq"] == 0 and np.isnan(row["dp"])
            continue
        dp = 0.5 * np.abs(f / f.sum() - s).sum()
        r = f / sizes
        d = 1 - (r.std() / r.mean()) / math.sqrt(n - 1)
        assert row["dp"] == pytest.approx(dp, abs=1e-12)
        assert row["dp_norm"] == pytest.approx(min(dp / (1 - s.min()), 1.0), abs=1e-12)
        assert row["juilland_d"] == pytest.approx(min(max(d, 0.0), 1.0), abs=1e-7)  # float error in the variance
        assert row["range"] == int((f > 0).sum())
        assert 0 <= row["dp"] <= 1 and 0 <= row["juilland_d"] <= 1


def test_segments_within_one_document():
    words = ["改革"] * 3 + ["发展"] * 9 + ["改革"] * 0
    tokens = make_tokens({"d": [words], "e": [["改革"]]})
    seg = segment_tokens(tokens, 3, doc_id="d")
    assert seg["segment"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    table = frequency_list(tokens, doc_id="d", n_segments=3).set_index("term")
    assert table.attrs["n_parts"] == 3
    assert table.loc["改革", "range"] == 1  # all three in the first segment
    assert table.loc["改革", "dp"] == pytest.approx(0.5 * ((1 - 1 / 3) + 2 / 3))
    assert table.loc["发展", "range"] == 3


def test_frequency_list_order_min_freq_and_terms():
    tokens = make_tokens({"x": [["发展", "发展", "改革", "，"]], "y": [["发展", "创新", "。"]]})
    table = frequency_list(tokens)
    assert table["term"].tolist() == ["发展", "创新", "改革"]  # by frequency, then term
    assert table["rank"].tolist() == [1, 2, 3]
    assert table.attrs["n_tokens"] == 5
    assert frequency_list(tokens, min_freq=2)["term"].tolist() == ["发展"]
    chosen = frequency_list(tokens, terms=["改革", "开放"]).set_index("term")
    assert chosen.loc["开放", "freq"] == 0 and np.isnan(chosen.loc["开放", "dp"])


def test_errors():
    tokens = make_tokens({"x": [["发展", "改革"]]})
    with pytest.raises(ParameterError, match="at least 2 parts"):
        frequency_list(tokens)
    with pytest.raises(ParameterError, match="n_segments=5 is more than the 2 tokens"):
        frequency_list(tokens, n_segments=5)
    with pytest.raises(ParameterError, match="valid values: 'x'"):
        frequency_list(tokens, n_segments=2, doc_id="nope")
    with pytest.raises(ParameterError, match="n_segments"):
        segment_tokens(tokens, 1)
    with pytest.raises(ParameterError, match="none of them occurs"):
        term_positions(tokens, ["开放"])


def test_term_positions():
    tokens = make_tokens({"x": [["发展", "，", "改革", "发展"]], "y": [["改革", "发展"]]})
    pos = term_positions(tokens, ["发展", "改革"])
    assert pos["term"].tolist() == ["发展", "发展", "发展", "改革", "改革"]
    assert pos["doc_id"].tolist() == ["x", "x", "y", "x", "y"]
    # punctuation not counted: x has 3 word tokens
    assert pos["position"].tolist() == pytest.approx([0, 2 / 3, 1 / 2, 1 / 3, 0])


def test_dispersion_figure(tmp_path):
    import matplotlib.pyplot as plt

    from _stats_plots import make_context, table, written
    from huayu.plot.dispersion import plot_dispersion

    docs = {"x": [["发展", "，", "改革", "发展"]], "y": [["改革", "创新"]]}
    ctx = make_context(tmp_path, docs)
    positions = term_positions(ctx.tokens, ["发展", "改革"])
    fig = plot_dispersion(ctx, positions, doc_ids=["x", "y"])
    assert written(ctx, "dispersion-plot") == ["dispersion-plot.csv", "dispersion-plot.png"]
    assert len(table(ctx, "dispersion-plot")) == 4
    # one row per term and document, documents without hits included (y has no 发展)
    assert len(fig.axes[0].get_yticks()) == 4
    plt.close(fig)


def test_longest_document_rule():
    from huayu.analysis.dispersion import choose_document, longest_document
    from _token_tables import make_tokens

    tokens = make_tokens({"a": [["发展", "，", "。", "。"]], "b": [["发展", "改革"]], "c": [["安全", "创新"]]})
    assert longest_document(tokens) == "b"  # a has one word token; b and c tie: the first in corpus order
    assert longest_document(tokens, drop_punct=False) == "a"
    for empty in (None, ""):
        doc_id, how = choose_document(tokens, empty)
        assert doc_id == "b" and "longest document" in how and "2 word tokens" in how
    assert choose_document(tokens, "c") == ("c", "given")
    with pytest.raises(ParameterError, match="no word token"):
        longest_document(tokens[tokens["is_punct"]])


def test_term_positions_same_for_categorical_and_interleaved_tokens():
    from _token_tables import make_tokens

    from huayu.analysis.dispersion import term_positions

    tokens = make_tokens({"a": [["发展", "，", "项目", "发展"]], "b": [["项目", "发展", "。", "攻坚"]]})
    plain = term_positions(tokens, ["发展", "项目"])
    coded = term_positions(tokens.assign(token=tokens["token"].astype("category"),
                                         doc_id=tokens["doc_id"].astype("category")), ["发展", "项目"])
    interleaved = term_positions(tokens.iloc[[4, 0, 5, 1, 6, 2, 7, 3]], ["发展", "项目"])
    pd.testing.assert_frame_equal(plain, coded)
    assert plain["token_index"].tolist() == [0, 2, 1, 1, 0]  # 发展: a0 a2 b1; 项目: a1 b0 (punctuation not counted)
    assert interleaved.sort_values(["term", "doc_id", "token_index"])["token_index"].tolist() == \
        plain.sort_values(["term", "doc_id", "token_index"])["token_index"].tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("drop_punct", [True, False])
def test_term_positions_on_codes_equal_the_word_table_path(seed, drop_punct):
    """The categorical, contiguous table (no copy of the word rows) gives the table of the general path."""
    rng = np.random.default_rng(seed)
    vocab = ["发展", "改革", "项目", "，", "。", "的"]
    docs = {f"d{i}": [list(rng.choice(vocab, size=int(rng.integers(1, 30))))] for i in range(8)}
    docs["only_punct"] = [["，", "。"]]
    tokens = make_tokens(docs)
    coded = tokens.assign(doc_id=tokens["doc_id"].astype("category"), token=tokens["token"].astype("category"))
    terms = ["项目", "发展", "，"]
    if not drop_punct or (tokens["token"].isin(["项目", "发展"])).any():
        expected = term_positions(tokens, terms, drop_punct=drop_punct)
        pd.testing.assert_frame_equal(term_positions(coded, terms, drop_punct=drop_punct), expected, check_exact=True)
