"""The explorer's computations (huayu.explore.index) against the analysis modules and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from huayu.analysis import collocations, dispersion, keyness, kwic
from huayu.errors import ParameterError
from huayu.explore import index as ix
from huayu.pipeline import tables


@pytest.fixture(scope="module")
def corpus(bundled_out):
    docs = tables.read_documents(bundled_out / "interim")
    paras = tables.read_paragraphs(bundled_out / "interim")
    toks = tables.read_tokens(bundled_out / "processed")
    return ix.CorpusIndex(docs, paras, toks), docs, toks


def test_word_hits_are_the_tokens(corpus):
    index, _, toks = corpus
    hits = ix.search(index, "发展", "word")
    assert len(hits) == int((toks["token"] == "发展").sum()) > 10
    assert set(index.doc_ids[hits.doc]) == set(toks.loc[toks["token"] == "发展", "doc_id"])


def test_phrase_hits_are_consecutive_tokens(corpus):
    index, docs, toks = corpus
    words = toks["token"].tolist()
    expected = sum(1 for i in range(len(words) - 1) if words[i] == "全面" and words[i + 1] == "推进"
                   and toks["doc_id"].iat[i] == toks["doc_id"].iat[i + 1])
    hits = ix.search(index, "全面 推进", "word")
    assert len(hits) == expected
    table = ix.concordance(index, hits)
    assert all(k.startswith("全面") and k.endswith("推进") for k in table["keyword"])


def test_regex_and_text_agree_with_kwic(corpus):
    index, docs, toks = corpus
    assert len(ix.search(index, r"发展\w*", "regex")) == len(kwic.kwic(toks, docs, r"发展\w*", match="regex"))
    text = ix.search(index, "发展", "text")
    reference = kwic.kwic(toks, docs, "发展", match="chars")
    assert len(text) == len(reference) > len(ix.search(index, "发展", "word"))
    table = ix.concordance(index, text)
    assert set(table["keyword"]) == {"发展"}
    assert sorted(zip(table["doc_id"], table["char_start"])) == sorted(zip(reference["doc_id"], reference["char_start"]))


def test_formula_matches_every_numeral_form(corpus):
    index, docs, _ = corpus
    arabic = ix.search(index, "8大攻坚提升行动", "formula")
    chinese = ix.search(index, "八大攻坚提升行动", "formula")
    assert len(arabic) == len(chinese) == 1
    assert ix.concordance(index, chinese)["keyword"].iat[0] == "8大攻坚提升行动"
    assert len(ix.search(index, "二个维护", "formula")) == len(ix.search(index, "两个维护", "formula")) == 2
    assert "两个维护" in index.top_terms(50, formulas=True)


def test_no_hits_and_bad_patterns(corpus):
    index, _, _ = corpus
    assert len(ix.search(index, "不存在的词语", "word")) == 0
    assert "高质量发展" in ix.suggestions(index, "高质量")
    with pytest.raises(ParameterError, match="pattern is empty"):
        ix.search(index, "  ", "word")
    with pytest.raises(ParameterError, match="not a valid regular expression"):
        ix.search(index, "发展(", "regex")
    with pytest.raises(ParameterError, match="match"):
        ix.search(index, "发展", "lemma")


def test_concordance_context_and_sorting(corpus):
    index, docs, _ = corpus
    hits = ix.search(index, "发展", "word")
    table = ix.concordance(index, hits, context=7)
    text = dict(zip(docs["doc_id"], docs["text"]))
    for r in table.itertuples():
        t = text[r.doc_id]
        assert t[r.char_start:r.char_end] == r.keyword
        assert r.left == t[max(r.char_start - 7, 0):r.char_start] and r.right == t[r.char_end:r.char_end + 7]
        assert r.paragraph[r.char_start - r.para_start:r.char_end - r.para_start] == r.keyword
    left = ix.concordance(index, hits, sort_by="left")["left"].str[::-1].tolist()
    assert left == sorted(left)
    right = ix.concordance(index, hits, sort_by="right")["right"].tolist()
    assert right == sorted(right)
    dated = ix.concordance(index, hits, sort_by="date")
    assert dated["doc_id"].iat[0] == "xifeng_2021" and dated["doc_id"].iat[-1] == "template_xx"


def test_frequency_by_document_and_group(corpus):
    index, docs, toks = corpus
    hits = ix.search(index, "发展", "word")
    words = toks[~toks["is_punct"]]
    by_doc = ix.frequency_by(index, hits, "doc_id")
    expected = words.assign(h=words["token"] == "发展").groupby("doc_id", sort=False).agg(hits=("h", "sum"),
                                                                                       n=("h", "size"))
    got = by_doc.set_index("doc_id")
    assert got["hits"].to_dict() == expected["hits"].to_dict()
    assert got["n_tokens"].to_dict() == expected["n"].to_dict()
    laixi = got.loc["laixi_2023"]
    assert laixi["per_1000"] == pytest.approx(1000 * laixi["hits"] / laixi["n_tokens"])
    genre = ix.frequency_by(index, hits, "genre", doc_ids=["laixi_2023", "xifeng_2021"]).set_index("genre")
    assert list(genre.index) == ["speech", "news_report"]
    assert genre.loc["news_report", "hits"] == got.loc["laixi_2023", "hits"]


def test_over_time_orders_years_and_keeps_undated(corpus):
    index, _, _ = corpus
    table = ix.over_time(index, ix.search(index, "发展", "word"))
    assert table["year"].tolist() == ["2021", "2022", "2023", "undated"]
    assert table.loc[table["year"] == "2023", "n_docs"].iat[0] == 2


def test_dispersion_equals_frequency_list(corpus):
    index, _, toks = corpus
    measures, positions = ix.dispersion(index, ix.search(index, "发展", "word"))
    reference = dispersion.frequency_list(toks, terms=["发展"]).iloc[0]
    for col in ("freq", "range", "juilland_d", "dp", "dp_norm", "per_million"):
        assert measures[col].iat[0] == pytest.approx(reference[col]), col
    assert len(positions) == reference["freq"]
    assert positions["relative_position"].between(0, 1).all()


def test_collocates_equal_the_analysis(corpus):
    index, _, toks = corpus
    mine = ix.collocates(index, ix.search(index, "发展", "word"), drop_stop=False, n=None).set_index("collocate")
    ref = collocations.collocates(toks, "发展", min_freq=2).set_index("collocate")
    assert set(mine.index) == set(ref.index)
    cols = ["observed", "left", "right", "f_node", "f_collocate", "pmi", "t_score", "log_likelihood", "log_dice"]
    pd.testing.assert_frame_equal(mine.loc[ref.index, cols], ref[cols], check_dtype=False)
    no_stop = ix.collocates(index, ix.search(index, "发展", "word"), drop_stop=True, n=None)
    stop = set(toks.loc[toks["is_stop"], "token"])
    assert not set(no_stop["collocate"]) & stop


def test_keyness_equals_the_analysis_and_a_hand_computation(corpus):
    index, docs, toks = corpus
    hits = ix.search(index, "发展", "word")
    table = ix.keyness_of(index, hits, "doc_id", doc_ids=["laixi_2023", "anyuan_2022"])
    row = table.set_index("group").loc["laixi_2023"]
    ref = keyness.keyness(toks, "laixi_2023", min_freq=1).set_index("term").loc["发展"]
    assert row["g2"] == pytest.approx(ref["g2"]) and row["log_ratio"] == pytest.approx(ref["log_ratio"])
    sel = table.set_index("comparison").loc["selection"]
    ref2 = keyness.keyness(toks, ["laixi_2023", "anyuan_2022"], min_freq=1).set_index("term").loc["发展"]
    assert sel["g2"] == pytest.approx(ref2["g2"])
    # Rayson & Garside (2000) by hand: G² = 2 (a ln(a/E1) + b ln(b/E2)), signed by a > E1
    a, b, c, d = sel["freq_target"], sel["freq_reference"], sel["n_target"], sel["n_reference"]
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    g2 = 2 * (a * math.log(a / e1) + b * math.log(b / e2))
    assert abs(sel["g2"]) == pytest.approx(g2)
    assert np.sign(sel["g2"]) == np.sign(a - e1)
    assert table["p_bonferroni"].max() <= 1


def test_filter_documents(corpus):
    index, _, _ = corpus
    assert ix.filter_documents(index, {"genre": ["news_report"]}) == ["changan_2023", "laixi_2023", "anyuan_2022"]
    assert ix.filter_documents(index, {}, years=(2023, 2023)) == ["changan_2023", "template_xx", "laixi_2023"]
    assert ix.filter_documents(index, {}, years=(2023, 2023), include_undated=False) == ["changan_2023", "laixi_2023"]
    assert ix.filter_documents(index, {"genre": []}) == list(index.doc_ids)
    with pytest.raises(ParameterError, match="unknown doc_id"):
        index.doc_mask(["nope"])
    with pytest.raises(ParameterError, match="by='colour'"):
        index.group_values("colour")
