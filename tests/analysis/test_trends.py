"""huayu.analysis.trends: a keyword's trend equals its hand count; bad keywords give one clear message."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_documents, make_tokens
from huayu.errors import ParameterError
from huayu.analysis.trends import dispersion_positions, keyword_by_document, keyword_hits, keyword_segments

DOCS = {
    "a": [["改革", "，", "发展", "改革"], ["创新", "改革", "安全", "。"]],
    "b": [["安全", "发展"], ["高质量", "发展"]],
    "t": [["发展", "xx"]],
}
DATES = {"a": "2023-01-04", "b": "2021"}  # a year alone is a valid date


@pytest.fixture()
def tokens():
    return make_tokens(DOCS)


@pytest.fixture()
def documents():
    return make_documents(DOCS, dates=DATES)


def test_segment_trend_equals_hand_count(tokens):
    # document a, word tokens (punctuation excluded): 改革 发展 改革 | 创新 改革 安全  → 2 segments of 3
    table = keyword_segments(tokens, ["改革", "发展"], n_segments=2).set_index(["doc_id", "keyword", "segment"])
    assert table.loc[("a", "改革", 1), "count"] == 2
    assert table.loc[("a", "改革", 1), "n_tokens"] == 3
    assert table.loc[("a", "改革", 1), "per_1000"] == pytest.approx(2000 / 3)
    assert table.loc[("a", "改革", 2), "per_1000"] == pytest.approx(1000 / 3)
    assert table.loc[("a", "发展", 2), "count"] == 0
    assert table.loc[("b", "发展", 2), "per_1000"] == pytest.approx(500)
    assert len(table) == 3 * 2 * 2  # zeros are rows too


def test_by_document_is_ordered_by_date_with_undated_last(tokens, documents):
    table = keyword_by_document(tokens, ["改革", "发展"], documents)
    assert table["doc_id"].drop_duplicates().tolist() == ["b", "a", "t"]
    row = table[(table["doc_id"] == "a") & (table["keyword"] == "改革")].iloc[0]
    assert row["count"] == 3 and row["n_tokens"] == 6
    assert row["per_1000"] == pytest.approx(500)
    assert table[table["doc_id"] == "b"]["date"].iloc[0] == "2021"
    assert set(table["date_certainty"]) == {""}  # no date_certainty column in this documents table
    with_certainty = documents.assign(date_certainty=["stated", "inferred", "unknown"])
    marked = keyword_by_document(tokens, ["改革"], with_certainty).set_index("doc_id")["date_certainty"]
    assert marked.to_dict() == {"b": "inferred", "a": "stated", "t": "unknown"}
    template = table[table["doc_id"] == "t"].iloc[0]
    assert template["date"] == "undated" and not template["dated"]


def test_dispersion_positions(tokens):
    hits = dispersion_positions(tokens, ["改革"])
    assert hits["position"].tolist() == [0, 2, 4]
    assert hits["relative_position"].tolist() == pytest.approx([0, 2 / 6, 4 / 6])


def test_text_match_finds_multi_token_keywords(tokens, documents):
    hits = keyword_hits(tokens, ["高质量发展"], match="text", texts=documents)
    assert hits[["doc_id", "position"]].values.tolist() == [["b", 2]]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["改革", "发展", "安全", "，"]), min_size=6, max_size=40),
       st.integers(min_value=1, max_value=5))
def test_segment_counts_sum_to_document_count(words, n_segments):
    if sum(w != "，" for w in words) < n_segments or "改革" not in words:
        return
    tokens = make_tokens({"d": [words]})
    table = keyword_segments(tokens, ["改革"], n_segments=n_segments)
    assert table["count"].sum() == words.count("改革")
    assert table["n_tokens"].sum() == sum(w != "，" for w in words)
    assert table["n_tokens"].max() - table["n_tokens"].min() <= 1


def test_bad_parameters(tokens, documents):
    with pytest.raises(ParameterError, match="keywords is empty"):
        keyword_segments(tokens, [], n_segments=2)
    with pytest.raises(ParameterError, match=r"keywords: \['乡村振兴'\] never occur"):
        keyword_segments(tokens, ["改革", "乡村振兴"], n_segments=2)
    with pytest.raises(ParameterError, match="doc_ids: unknown doc_id.*'nowhere'.*valid values: 'a', 'b', 't'"):
        keyword_segments(tokens, ["改革"], n_segments=2, doc_ids=["a", "nowhere"])
    with pytest.raises(ParameterError, match="n_segments=5 is larger than the shortest"):
        keyword_segments(tokens, ["发展"], n_segments=5)


def test_empty_keywords_are_refused(tokens, documents):
    """Notebook 04 with ``keywords = []`` stops with this message (the first call, keyword_segments)."""
    for match in ("token", "text"):
        with pytest.raises(ParameterError, match=re.escape("keywords is empty")):
            keyword_segments(tokens, [], n_segments=2, match=match, texts=documents)
    with pytest.raises(ParameterError, match=re.escape("keywords is empty")):
        keyword_by_document(tokens, [], documents)
    with pytest.raises(ParameterError, match=re.escape("keywords is empty")):
        dispersion_positions(tokens, [])


def test_keyword_that_never_occurs_is_named():
    """Notebook 04 with ``keywords = ["项目", "量子纠缠"]`` stops with this message, naming only the absent one."""
    docs = {**DOCS, "c": [["项目", "建设"]]}
    tokens, documents = make_tokens(docs), make_documents(docs)
    for match in ("token", "text"):
        with pytest.raises(ParameterError, match=re.escape("keywords: ['量子纠缠'] never occur")):
            keyword_segments(tokens, ["项目", "量子纠缠"], n_segments=2, match=match, texts=documents)
    with pytest.raises(ParameterError, match=re.escape("keywords: ['量子纠缠'] never occur")):
        keyword_by_document(tokens, ["项目", "量子纠缠"], documents)
    with pytest.raises(ParameterError, match="use match='text'"):
        keyword_by_document(tokens, ["高质量发展"], documents)
    with pytest.raises(ParameterError, match="match='fuzzy'.*valid values: 'token', 'text'"):
        keyword_hits(tokens, ["改革"], match="fuzzy")
    with pytest.raises(ParameterError, match="needs texts"):
        keyword_hits(tokens, ["改革"], match="text")


def test_keywords_present_drops_missing_keywords_and_fails_only_when_none_occurs(tokens, documents):
    from huayu.analysis.trends import keywords_present

    present, missing = keywords_present(tokens, ["乡村振兴", "发展", "改革", "不存在"])
    assert present == ["发展", "改革"] and missing == ["乡村振兴", "不存在"]
    assert keyword_segments(tokens, present, n_segments=2) is not None  # the strict functions accept them
    with pytest.raises(ParameterError, match="never occur"):
        keywords_present(tokens, ["乡村振兴", "不存在"])
    present, missing = keywords_present(tokens, ["高质量发展", "乡村振兴"], match="text", texts=documents)
    assert present == ["高质量发展"] and missing == ["乡村振兴"]


# ------------------------------------------------------------------ rates by unit, over time


def test_exact_poisson_interval_against_published_values():
    from huayu.analysis.trends import poisson_interval

    # Garwood (1936) limits as tabulated e.g. by Ulm (1990): c = 0 → [0, 3.689]; 1 → [0.0253, 5.572];
    # 10 → [4.795, 18.39]; and for c = 0 the upper limit is −ln(α/2) exactly
    low, high = poisson_interval([0, 1, 10], ci=0.95)
    np.testing.assert_allclose(low, [0.0, 0.0253, 4.795], atol=5e-4)
    np.testing.assert_allclose(high, [3.689, 5.572, 18.39], atol=5e-3)
    assert high[0] == pytest.approx(-np.log(0.025))
    low90, high90 = poisson_interval([1], ci=0.90)
    assert low90[0] == pytest.approx(0.0513, abs=5e-4) and high90[0] == pytest.approx(4.744, abs=5e-3)
    with pytest.raises(ParameterError, match="ci="):
        poisson_interval([1], ci=1.5)


RATE_DOCS = {
    "a": [["改革", "发展", "改革", "。"]],
    "b": [["改革", "人民", "，", "人民"]],
    "c": [["发展", "人民"]],
}


def test_keyword_rates_by_period_are_the_hand_counts():
    from _token_tables import make_documents, make_tokens

    from huayu.analysis.trends import keyword_rates, poisson_interval

    documents = make_documents(RATE_DOCS, dates={"a": "1978-03", "b": "1979", "c": ""})
    rates = keyword_rates(make_tokens(RATE_DOCS), ["改革", "人民"], documents, unit="period",
                          period="five_year_plan")
    # a and b are both in the 5th plan (1976–1980): 改革 3 of 6 word tokens, 人民 2 of 6; c is undated
    assert rates["unit"].tolist() == ["1976–1980", "1976–1980", "unknown", "unknown"]
    row = rates.iloc[0]
    assert (row["keyword"], row["count"], row["n_tokens"], row["n_documents"]) == ("改革", 3, 6, 2)
    assert row["per_1000"] == pytest.approx(500.0)
    low, high = poisson_interval([3])
    assert row["ci_low"] == pytest.approx(1000 * low[0] / 6) and row["ci_high"] == pytest.approx(1000 * high[0] / 6)
    assert (row["start_year"], row["end_year"]) == (1976, 1980)
    unknown = rates[rates["unit"] == "unknown"].set_index("keyword")
    assert unknown.loc["改革", "count"] == 0 and unknown.loc["人民", "count"] == 1
    assert unknown.loc["改革", "ci_low"] == 0 and pd.isna(unknown.loc["改革", "start_year"])


def test_keyword_rates_by_a_metadata_column_and_by_year():
    from _token_tables import make_documents, make_tokens

    from huayu.analysis.trends import keyword_rates

    documents = make_documents(RATE_DOCS, dates={"a": "1978", "b": "1979", "c": "1979-05"})
    documents["genre"] = ["speech", "work_report", "speech"]
    by_genre = keyword_rates(make_tokens(RATE_DOCS), ["人民"], documents, unit="genre").set_index("unit")
    assert by_genre.loc["speech", "count"] == 1 and by_genre.loc["speech", "n_tokens"] == 5
    assert by_genre.loc["work_report", "count"] == 2 and by_genre.loc["speech", "start_year"] == 1978
    by_year = keyword_rates(make_tokens(RATE_DOCS), ["人民"], documents, unit="year")
    assert by_year["unit"].tolist() == ["1978", "1979"] and by_year["count"].tolist() == [0, 3]
    with pytest.raises(ParameterError, match="unit='genr'"):
        keyword_rates(make_tokens(RATE_DOCS), ["人民"], documents, unit="genr")


def test_hits_by_unit_lists_every_unit():
    from _token_tables import make_documents, make_tokens

    from huayu.analysis.trends import hits_by_unit

    documents = make_documents(RATE_DOCS, dates={"a": "1978", "b": "1979", "c": ""})
    lines = pd.DataFrame({"doc_id": ["b", "b", "a"]})
    out = hits_by_unit(lines, make_tokens(RATE_DOCS), documents, unit="year")
    assert out["unit"].tolist() == ["1978", "1979", "unknown"]
    assert out["count"].tolist() == [1, 2, 0] and out["n_tokens"].tolist() == [3, 3, 2]
    assert out["per_1000"].tolist() == pytest.approx([1000 / 3, 2000 / 3, 0.0])
