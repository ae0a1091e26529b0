"""huayu.analysis.trends: a keyword's trend equals its hand count; bad keywords give one clear message."""

from __future__ import annotations

import re

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
