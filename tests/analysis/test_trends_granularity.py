"""Keyword trends at the fine granularity: parts are counted, lengths and positions stay in coarse tokens."""

from __future__ import annotations

import pandas as pd

from huayu.analysis import trends
from huayu.pipeline.segment import fine_tokens


def _tables():
    def row(doc, index, start, token, punct=False):
        return {"doc_id": doc, "para_id": 0, "sent_id": 0, "token_index": index, "char_start": start,
                "char_end": start + len(token), "token": token, "pos": "n", "is_stop": False, "is_punct": punct,
                "is_formula": False}

    coarse = pd.DataFrame([row("a", 0, 0, "推进"), row("a", 1, 2, "农村人居环境整治"), row("a", 2, 10, "，", True),
                           row("a", 3, 11, "改善"), row("a", 4, 13, "人居环境"),
                           row("b", 0, 0, "发展"), row("b", 1, 2, "经济")])
    parts = pd.DataFrame([row("a", 1, 2, "农村"), row("a", 1, 4, "人居环境整治"), row("a", 1, 4, "人居环境"),
                          row("a", 1, 4, "人居"), row("a", 1, 6, "环境"), row("a", 1, 8, "整治"),
                          row("a", 4, 13, "人居"), row("a", 4, 15, "环境")])
    return coarse, fine_tokens(coarse, parts)


def test_fine_counts_include_parts_and_keep_coarse_lengths():
    coarse, fine = _tables()
    hits_coarse = trends.keyword_hits(coarse, ["人居环境"])
    hits_fine = trends.keyword_hits(fine, ["人居环境"])
    assert len(hits_coarse) == 1 and len(hits_fine) == 2
    # positions in coarse word tokens (推进 0, 农村人居环境整治 1, 改善 2, 人居环境 3), length 4 either way
    assert hits_fine["position"].tolist() == [1, 3] and set(hits_fine["length"]) == {4}
    assert hits_coarse["position"].tolist() == [3] and set(hits_coarse["length"]) == {4}


def test_fine_rates_divide_by_coarse_tokens():
    coarse, fine = _tables()
    documents = pd.DataFrame({"doc_id": ["a", "b"], "date": ["2020-01-01", "2021-01-01"],
                              "date_certainty": ["stated", "stated"]})
    by_doc = trends.keyword_by_document(fine, ["环境"], documents)
    row = by_doc.loc[by_doc["doc_id"] == "a"].iloc[0]
    assert row["count"] == 2 and row["n_tokens"] == 4 and row["per_1000"] == 500.0
    segments = trends.keyword_segments(fine, ["环境"], 2)
    a = segments.loc[segments["doc_id"] == "a"]
    assert a["n_tokens"].tolist() == [2, 2] and a["count"].tolist() == [1, 1]


def test_text_match_ignores_parts():
    coarse, fine = _tables()
    texts = pd.DataFrame({"doc_id": ["a", "b"], "text": ["推进农村人居环境整治，改善人居环境", "发展经济"]})
    assert trends.keyword_hits(fine, ["人居"], match="text", texts=texts).equals(
        trends.keyword_hits(coarse, ["人居"], match="text", texts=texts))
