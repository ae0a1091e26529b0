"""huayu.analysis.keyness: G², chi-square, Log Ratio, %DIFF against hand-computed and published values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats.contingency import chi2_contingency

from _token_tables import make_documents, make_tokens
from huayu.errors import ParameterError
from huayu.analysis.dfm import build_dfm
from huayu.analysis.keyness import (describe_groups, group_labels, keyness, keyness_by_group, keyness_scores,
                           top_keywords)

# ------------------------------------------------------------------------------------- published examples


def test_rayson_learner_corpus_example():
    """Paul Rayson's worked example (Corpora mailing list, 18 Jan 2002, "statistics in learner English"):
    KEEP in a learner corpus vs a native-speaker corpus, both taken as 1,000,000 words; he reports
    LL rounded to 0 d.p.: keep 147, keeps 0, keeping 14, kept 0, lemma KEEP 90 (keep and lemma over-used,
    keeping under-used)."""
    table = keyness_scores([348, 15, 9, 21, 392], [99, 14, 32, 25, 170], 1_000_000, 1_000_000)
    assert np.round(table["g2"].abs()).tolist() == [147, 0, 14, 0, 90]
    assert table["direction"].tolist() == ["target", "target", "reference", "reference", "target"]


def test_rayson_garside_formula_by_hand():
    """Lancaster LL wizard (Rayson & Garside 2000): E1 = c(a+b)/(c+d), G² = 2(a ln(a/E1) + b ln(b/E2)).

    a = 348, b = 99, c = d = 10⁶: E1 = E2 = 223.5;
    G² = 2(348 ln(348/223.5) + 99 ln(99/223.5)) = 2(154.0913 − 80.6149) = 146.9529.
    """
    row = keyness_scores([348], [99], 1e6, 1e6).iloc[0]
    assert row["expected_target"] == pytest.approx(223.5)
    assert row["expected_reference"] == pytest.approx(223.5)
    expected = 2 * (348 * math.log(348 / 223.5) + 99 * math.log(99 / 223.5))
    assert row["g2"] == pytest.approx(expected, rel=1e-12)
    assert row["g2"] == pytest.approx(146.9529, abs=1e-4)
    assert row["p_value"] == pytest.approx(stats.chi2.sf(expected, 1))


def test_quanteda_chi2_yates_example():
    """quanteda.textstats' own test (tests/testthat/test-textstat_keyness.R, "keyness_textstat chi2
    computation is correct"): d1 = "b b b b b b b a a a", d2 = "a a a a a a a b b" must give R's
    chisq.test(correct = TRUE) statistic. By hand for b in d1: a=7, b=2, c=10, d=9, N=19;
    |a(d−b) − b(c−a)| = |49 − 6| = 43; an expected cell (10·9/19 = 4.74) is < 5 so Yates applies:
    χ² = 19 (43 − 9.5)² / (9 · 10 · 10 · 9) = 2.632438…"""
    tokens = make_tokens({"d1": [list("bbbbbbbaaa")], "d2": [list("aaaaaaabb")]})
    table = keyness(tokens, "d1", min_freq=1).set_index("term")
    by_hand = 19 * (43 - 9.5) ** 2 / (9 * 10 * 10 * 9)
    assert table.loc["b", "chi2"] == pytest.approx(by_hand, rel=1e-12)
    assert table.loc["a", "chi2"] == pytest.approx(-by_hand, rel=1e-12)  # signed: under-used in d1
    r_chisq = chi2_contingency([[7, 3], [2, 7]], correction=True)[0]  # same as R's chisq.test(correct=TRUE)
    assert table.loc["b", "chi2"] == pytest.approx(r_chisq, rel=1e-12)
    none = keyness(tokens, "d1", min_freq=1, correction="none").set_index("term")
    assert none.loc["b", "chi2"] == pytest.approx(chi2_contingency([[7, 3], [2, 7]], correction=False)[0])


def test_quanteda_yates_only_with_small_expected_cells():
    """quanteda applies Yates only when some expected cell is below 5; R/scipy always do ("always")."""
    a, b, c, d = 60, 20, 1000, 1000  # every expected cell ≥ 40
    table = [[a, b], [c - a, d - b]]
    yates = keyness_scores([a], [b], c, d, correction="yates").iloc[0]
    always = keyness_scores([a], [b], c, d, correction="always").iloc[0]
    assert yates["chi2"] == pytest.approx(chi2_contingency(table, correction=False)[0])
    assert always["chi2"] == pytest.approx(chi2_contingency(table, correction=True)[0])


def test_hardie_log_ratio():
    """Hardie (2014), "Log Ratio – an informal introduction": relative frequencies 0.0006 vs 0.0002 are
    a ratio of 3, Log Ratio log2(3) = 1.585; equal → 0; each doubling adds 1; half → −1."""
    table = keyness_scores([6, 5, 8, 2], [2, 5, 2, 4], 10_000, 10_000)
    assert table["log_ratio"].tolist() == pytest.approx([math.log2(3), 0.0, 2.0, -1.0])
    # different corpus sizes: 0.0006 = 12/20000, 0.0002 = 2/10000
    assert keyness_scores([12], [2], 20_000, 10_000)["log_ratio"].iloc[0] == pytest.approx(math.log2(3))


def test_log_ratio_zero_adjustment():
    """A zero frequency counts as 0.5 (CQPweb's adjustment): log2((0.5/1000)/(4/1000)) = −3."""
    table = keyness_scores([0, 4], [4, 0], 1000, 1000)
    assert table["log_ratio"].tolist() == pytest.approx([-3.0, 3.0])
    assert np.isfinite(table["g2"]).all()


def test_pct_diff():
    """%DIFF (Gabrielatos & Marchi 2012) = 100 (NF_t − NF_r)/NF_r: 0.0006 vs 0.0002 → 200 %; a term absent
    from the reference divides by 1e-18."""
    table = keyness_scores([6, 1, 3], [2, 2, 0], 10_000, 10_000)
    assert table["pct_diff"].iloc[0] == pytest.approx(200.0)
    assert table["pct_diff"].iloc[1] == pytest.approx(-50.0)
    assert table["pct_diff"].iloc[2] == pytest.approx(100 * 3 / 10_000 / 1e-18)


def test_per_million_and_expected():
    row = keyness_scores([5], [15], 10_000, 30_000).iloc[0]
    assert row["pm_target"] == pytest.approx(500.0)
    assert row["pm_reference"] == pytest.approx(500.0)
    assert row["expected_target"] == pytest.approx(5.0)
    assert row["g2"] == pytest.approx(0.0, abs=1e-12)
    assert row["direction"] == "reference"  # a = E1 is not over-use


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.integers(301, 5000), st.integers(301, 5000))
def test_dunning_form_equals_full_likelihood_ratio(a, b, c, d):
    """g2_form="dunning" is the 4-cell G² of scipy's chi2_contingency(lambda_="log-likelihood")."""
    if a + b == 0:
        return
    ours = keyness_scores([a], [b], c, d, g2_form="dunning").iloc[0]
    theirs = chi2_contingency([[a, b], [c - a, d - b]], correction=False, lambda_="log-likelihood")[0]
    assert abs(ours["g2"]) == pytest.approx(theirs, rel=1e-9, abs=1e-9)
    rayson = keyness_scores([a], [b], c, d).iloc[0]
    assert np.sign(rayson["g2"]) == np.sign(ours["g2"]) or rayson["g2"] == 0


def test_bonferroni():
    table = keyness_scores([30, 5, 1, 10], [5, 5, 1, 30], 1000, 1000, alpha=0.05)
    m = 4
    assert table["p_bonferroni"].tolist() == pytest.approx(np.minimum(table["p_value"] * m, 1).tolist())
    critical = stats.chi2.isf(0.05 / m, 1)
    assert (table["significant"] == (table["g2"].abs() > critical)).all()


def test_validation_of_scores():
    with pytest.raises(ParameterError, match="correction"):
        keyness_scores([1], [1], 10, 10, correction="williams")
    with pytest.raises(ParameterError, match="empty"):
        keyness_scores([0], [1], 0, 10)
    with pytest.raises(ParameterError, match="alpha"):
        keyness_scores([1], [1], 10, 10, alpha=2)


# --------------------------------------------------------------------------------------- corpus tables

DOCS = {
    "laixi": [["攻坚", "克难", "，", "攻坚", "发展", "。"], ["攻坚", "项目", "发展", "的"]],
    "xifeng": [["乡村", "振兴", "发展", "，", "乡村", "发展", "。"], ["的", "项目"]],
    "anyuan": [["营商", "环境", "发展", "。"], ["项目", "的", "发展"]],
}
DOCUMENTS = make_documents(DOCS, dates={"laixi": "2023-01-28", "xifeng": "2021-02-23", "anyuan": ""})
DOCUMENTS["genre"] = ["news_report", "speech", "news_report"]


def test_document_against_rest_counts():
    tokens = make_tokens(DOCS)
    table = keyness(tokens, "laixi", min_freq=1).set_index("term")
    # laixi: 8 word tokens; the rest: 7 + 6 = 13 (punctuation dropped)
    assert table.attrs["n_target"] == 8 and table.attrs["n_reference"] == 13
    assert table.loc["攻坚", "freq_target"] == 3 and table.loc["攻坚", "freq_reference"] == 0
    assert table.loc["发展", "freq_target"] == 2 and table.loc["发展", "freq_reference"] == 4
    assert table.loc["攻坚", "direction"] == "target" and table.loc["攻坚", "g2"] > 0
    assert table.loc["乡村", "direction"] == "reference" and table.loc["乡村", "g2"] < 0
    # by hand for 攻坚: a=3, b=0, c=8, d=13, N=21, E1 = 8·3/21
    e1 = 8 * 3 / 21
    assert table.loc["攻坚", "g2"] == pytest.approx(2 * 3 * math.log(3 / e1))
    assert table.attrs["n_terms"] == len(table)


def test_table_is_sorted_positive_first_and_has_required_columns():
    table = keyness(make_tokens(DOCS), "laixi", min_freq=1)
    for col in ("term", "g2", "log_ratio", "chi2", "p_value", "p_bonferroni", "pct_diff", "significant"):
        assert col in table.columns
    assert table["g2"].is_monotonic_decreasing
    assert (table["g2"] > 0).any() and (table["g2"] < 0).any()


def test_min_freq_filters_and_counts_tests():
    tokens = make_tokens(DOCS)
    table = keyness(tokens, "laixi", min_freq=3)
    assert set(table["term"]) == {"攻坚", "发展", "项目", "的"}
    assert table.attrs["n_terms"] == 4
    assert table.attrs["critical_g2"] == pytest.approx(stats.chi2.isf(0.05 / 4, 1))


def test_group_by_metadata_and_year():
    tokens = make_tokens(DOCS)
    by_genre = keyness(tokens, "news_report", by="genre", documents_table=DOCUMENTS, min_freq=1).set_index("term")
    assert by_genre.loc["攻坚", "freq_target"] == 3
    assert by_genre.loc["乡村", "freq_reference"] == 2
    assert by_genre.attrs["n_target"] == 8 + 6 and by_genre.attrs["n_reference"] == 7
    years = group_labels(DOCUMENTS, "year")
    assert years.to_dict() == {"laixi": "2023", "xifeng": "2021", "anyuan": "unknown"}
    assert describe_groups(DOCUMENTS, "genre") == {"news_report": ["laixi", "anyuan"], "speech": ["xifeng"]}
    chosen = keyness(tokens, "2023", reference="2021", by="year", documents_table=DOCUMENTS, min_freq=1)
    assert chosen.attrs["n_target"] == 8 and chosen.attrs["n_reference"] == 7
    assert chosen.attrs["reference"] == ["2021"]


def test_dfm_input_gives_the_same_table():
    tokens = make_tokens(DOCS)
    from_tokens = keyness(tokens, "xifeng", min_freq=1)
    from_dfm = keyness(build_dfm(tokens), "xifeng", min_freq=1)
    pd.testing.assert_frame_equal(from_tokens, from_dfm)


def test_bad_groups_give_clear_messages():
    tokens = make_tokens(DOCS)
    with pytest.raises(ParameterError, match="valid values: 'laixi', 'xifeng', 'anyuan'"):
        keyness(tokens, "changan")
    with pytest.raises(ParameterError, match="reference group is empty"):
        keyness(tokens, ["laixi", "xifeng", "anyuan"])
    with pytest.raises(ParameterError, match="target is empty"):
        keyness(tokens, [])
    with pytest.raises(ParameterError, match="share"):
        keyness(tokens, "laixi", reference=["laixi", "xifeng"])
    with pytest.raises(ParameterError, match="documents_table="):
        keyness(tokens, "speech", by="genre")
    with pytest.raises(ParameterError, match="by='party'.*valid values"):
        keyness(tokens, "speech", by="party", documents_table=DOCUMENTS)
    with pytest.raises(ParameterError, match="min_freq=99 leaves no term"):
        keyness(tokens, "laixi", min_freq=99)
    with pytest.raises(ParameterError, match="sort_by"):
        keyness(tokens, "laixi", sort_by="size")
    with pytest.raises(ParameterError, match="no tokens"):
        empty_doc = make_tokens({"x": [["，", "。"]], "y": [["发展"]]})
        keyness(empty_doc, "x", min_freq=1)
    with pytest.raises(ValueError):  # ParameterError is a ValueError
        keyness(tokens, "laixi", alpha=0)


def test_top_keywords_both_directions():
    table = keyness(make_tokens(DOCS), "laixi", min_freq=1)
    top = top_keywords(table, 2)
    assert top["direction"].tolist() == ["target", "target", "reference", "reference"]
    assert top["g2"].iloc[0] == table["g2"].max()
    assert top["g2"].iloc[-1] == table["g2"].min()  # strongest negative last


def test_keyness_by_group_matches_single_comparisons():
    tokens = make_tokens(DOCS)
    long = keyness_by_group(tokens, min_freq=1, top_n=None)
    assert list(dict.fromkeys(long["group"])) == ["laixi", "xifeng", "anyuan"]
    for doc in DOCS:
        single = keyness(tokens, doc, min_freq=1)
        positive = single[single["direction"] == "target"].set_index("term")
        part = long[long["group"] == doc].set_index("term")
        assert set(part.index) == set(positive.index)
        for col in ("g2", "chi2", "log_ratio", "pct_diff", "freq_reference"):
            assert part[col].to_numpy() == pytest.approx(positive.loc[part.index, col].to_numpy())
        # same Bonferroni m: every term with a + b ≥ min_freq
        assert part["p_bonferroni"].to_numpy() == pytest.approx(positive.loc[part.index, "p_bonferroni"].to_numpy())
    top = keyness_by_group(tokens, min_freq=1, top_n=1)
    assert top.groupby("group").size().max() == 1
    by_genre = keyness_by_group(tokens, by="genre", documents_table=DOCUMENTS, min_freq=1)
    assert set(by_genre["group"]) <= {"news_report", "speech"}


@pytest.mark.parametrize("chunk", [1, 2, 1_000_000])
def test_keyness_by_group_top_n_is_the_head_of_the_full_table(monkeypatch, chunk):
    """The top_n of each group are chosen on G² first (in chunks) and scored afterwards: the same rows and
    values as the first top_n rows of each group of the full table."""
    import huayu.analysis.keyness as module

    tokens = make_tokens(DOCS)
    full = keyness_by_group(tokens, min_freq=1, top_n=None)
    monkeypatch.setattr(module, "_CHUNK", chunk)
    for top_n in (1, 2, 3):
        top = module.keyness_by_group(tokens, min_freq=1, top_n=top_n)
        expected = full.groupby("group", sort=False).head(top_n).reset_index(drop=True)
        pd.testing.assert_frame_equal(top, expected)


# --------------------------------------------------------------------------------------------- figures

PLACES = {"laixi": ("莱西市", "Laixi"), "xifeng": ("西峰区", "Xifeng District"), "anyuan": ("安源区", "Anyuan District")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_keyness_figures(tmp_path, lang):
    import matplotlib.pyplot as plt

    from _stats_plots import make_context, table, written
    from huayu.plot.keyness import plot_keyness, plot_keyness_by_group

    ctx = make_context(tmp_path, DOCS, lang=lang, places=PLACES)
    kw = keyness(ctx.tokens, "laixi", documents_table=ctx.documents_table, min_freq=1)
    fig = plot_keyness(ctx, kw, n=3)
    assert written(ctx, "keyness-bars") == ["keyness-bars.csv", "keyness-bars.png"]
    shown = table(ctx, "keyness-bars")
    assert shown["direction"].tolist()[0] == "target" and shown["direction"].tolist()[-1] == "reference"
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert ctx.label.term("攻坚") in texts
    assert ("莱西市" if lang == "zh" else "Laixi") in fig.axes[0].get_title()
    plt.close(fig)
    fig = plot_keyness_by_group(ctx, keyness_by_group(ctx.tokens, min_freq=1), n=2, ncols=2)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    assert set(table(ctx, "keyness-by-group")["group"]) == {"laixi", "xifeng", "anyuan"}
    plt.close(fig)
    with pytest.raises(ParameterError, match="measure"):
        plot_keyness(ctx, kw, measure="size")


# ------------------------------------------------------------------ the target rule (empty target or group_target)

RULE_DOCS = {"short": [["改革", "发展", "。"]], "long": [["改革", "创新", "安全", "，", "发展"]],
             "tie": [["发展", "改革", "创新", "安全"]], "other": [["项目", "。"]]}


def _rule_tables(genres: dict[str, str]):
    from huayu.analysis.keyness import choose_target, group_sizes, largest_group

    tokens = make_tokens(RULE_DOCS)
    documents = make_documents(RULE_DOCS).assign(genre=[genres[d] for d in RULE_DOCS])
    return tokens, documents, choose_target, group_sizes, largest_group


def test_empty_target_is_the_longest_document_ties_first_in_corpus_order():
    tokens, documents, choose_target, group_sizes, largest_group = _rule_tables(
        {"short": "speech", "long": "speech", "tie": "news_report", "other": "news_report"})
    sizes = group_sizes(tokens, documents_table=documents)
    assert sizes.to_dict() == {"short": 2, "long": 4, "tie": 4, "other": 1}  # word tokens, punctuation out
    assert largest_group(tokens) == "long"  # 4 = 4: the first in corpus order
    for empty in (None, "", []):
        target, how = choose_target(tokens, empty, documents_table=documents)
        assert target == "long" and "longest document" in how
    assert choose_target(tokens, "short", documents_table=documents) == ("short", "given")
    # a given reference is never chosen as the target
    assert choose_target(tokens, "", reference=["long"], documents_table=documents)[0] == "tie"


def test_empty_group_target_is_the_largest_group_and_a_single_group_skips():
    tokens, documents, choose_target, group_sizes, _ = _rule_tables(
        {"short": "speech", "long": "speech", "tie": "news_report", "other": "news_report"})
    assert group_sizes(tokens, by="genre", documents_table=documents).to_dict() == {"speech": 6, "news_report": 5}
    target, how = choose_target(tokens, "", by="genre", documents_table=documents)
    assert target == "speech" and "largest group of by='genre'" in how
    table = keyness(tokens, target, [], by="genre", documents_table=documents, min_freq=1)  # the rule's value works
    assert len(table) > 0
    one = documents.assign(genre="speech")
    target, note = choose_target(tokens, "", by="genre", documents_table=one)
    assert target is None and "single group" in note and "skipped" in note
    assert choose_target(tokens, "speech", by="genre", documents_table=one)[0] is None


def test_unknown_group_is_not_chosen_while_a_known_one_exists():
    tokens, documents, choose_target, _, largest_group = _rule_tables(
        {"short": "", "long": "", "tie": "", "other": "template"})
    assert largest_group(tokens, by="genre", documents_table=documents) == "template"
    with pytest.raises(ParameterError, match="documents_table"):
        largest_group(tokens, by="genre")


def test_keyness_by_period_is_each_period_against_the_rest():
    from _token_tables import make_documents, make_tokens

    from huayu.analysis.keyness import keyness, keyness_by_group

    docs = {"a": [["阶级斗争"] * 6 + ["人民"] * 4], "b": [["阶级斗争"] * 4 + ["人民"] * 6],
            "c": [["改革"] * 8 + ["人民"] * 2], "d": [["改革"] * 7 + ["人民"] * 3]}
    documents = make_documents(docs, dates={"a": "1966", "b": "1970", "c": "1986", "d": "1990"})
    tokens = make_tokens(docs)
    table = keyness_by_group(tokens, by="period", period=[1978], documents_table=documents, min_freq=1)
    assert list(dict.fromkeys(table["group"])) == ["1966–1977", "1978–1990"]
    early = table[table["group"] == "1966–1977"].set_index("term")
    # 阶级斗争: a = 10 of c = 20 tokens, b = 0 of d = 20 → the same numbers as keyness() of that period
    direct = keyness(tokens, "1966–1977", by="period", period=[1978], documents_table=documents,
                     min_freq=1).set_index("term")
    assert early.loc["阶级斗争", "freq_target"] == 10 and early.loc["阶级斗争", "freq_reference"] == 0
    assert early.loc["阶级斗争", "g2"] == pytest.approx(direct.loc["阶级斗争", "g2"])
    assert table.attrs["group_sizes"] == {"1966–1977": 20, "1978–1990": 20}
