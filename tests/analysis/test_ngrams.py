"""huayu.analysis.ngrams: cluster frequency and range against hand and brute-force counts."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_tokens
from huayu.errors import ParameterError
from huayu.analysis.ngrams import ngram_clusters

DOCS = {
    "x": [["推动", "高质量", "发展", "，", "推动", "高质量", "发展"], ["a", "a", "a"]],
    "y": [["推动", "高质量", "发展"]],
}


def test_hand_counts():
    table = ngram_clusters(make_tokens(DOCS), (2, 3), min_freq=1).set_index("cluster")
    assert table.loc["推动 高质量 发展", "freq"] == 3
    assert table.loc["推动 高质量 发展", "range"] == 2
    assert table.loc["推动 高质量 发展", "text"] == "推动高质量发展"
    assert table.loc["推动 高质量", "freq"] == 3
    assert table.loc["a a", "freq"] == 2  # overlapping occurrences count
    assert table.loc["a a", "range"] == 1 and table.loc["a a", "range_pct"] == 50.0
    assert "发展 推动" not in table.index  # across the comma
    assert "发展 a" not in table.index  # across the paragraph/sentence boundary
    assert table.attrs["n_tokens"] == 12  # word tokens: 6 + 3 + 3


def test_order_and_filters():
    tokens = make_tokens(DOCS)
    table = ngram_clusters(tokens, (2, 3), min_freq=1)
    assert table["cluster"].iloc[0] == "推动 高质量 发展"  # freq 3, range 2, longest first on ties
    assert ngram_clusters(tokens, 2, min_range=2)["cluster"].tolist() == ["推动 高质量", "高质量 发展"]
    only = ngram_clusters(tokens, (2, 3), min_freq=1, contains="发展")
    assert set(only["cluster"]) == {"推动 高质量 发展", "高质量 发展"}
    assert ngram_clusters(tokens, 2, sep="+")["cluster"].iloc[0] in ("推动+高质量", "高质量+发展")


def test_document_boundary_allows_crossing_paragraphs():
    tokens = make_tokens({"x": [["a", "b"], ["c", "d"]]})
    with pytest.raises(ParameterError, match="no cluster"):
        ngram_clusters(tokens, 4, min_freq=1)
    crossing = ngram_clusters(tokens, 4, min_freq=1, boundary="document")
    assert crossing["cluster"].tolist() == ["a b c d"]


def test_errors():
    tokens = make_tokens(DOCS)
    with pytest.raises(ParameterError, match="n=1 must be at least 2"):
        ngram_clusters(tokens, 1)
    with pytest.raises(ParameterError, match="n=7 must be at most 6"):
        ngram_clusters(tokens, 7)
    with pytest.raises(ParameterError, match=r"n\[1\]"):
        ngram_clusters(tokens, (3, 2))
    with pytest.raises(ParameterError, match="contains='改革' is not a token"):
        ngram_clusters(tokens, 2, contains="改革")
    with pytest.raises(ParameterError, match="boundary"):
        ngram_clusters(tokens, 2, boundary="page")


def _naive(paragraphs_by_doc, n):
    freq, docs = Counter(), {}
    punct = {"，", "。"}
    for doc, paragraphs in paragraphs_by_doc.items():
        for para in paragraphs:
            for i in range(len(para) - n + 1):
                gram = tuple(para[i:i + n])
                if punct & set(gram):
                    continue
                freq[gram] += 1
                docs.setdefault(gram, set()).add(doc)
    return {" ".join(g): (f, len(docs[g])) for g, f in freq.items()}


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["d1", "d2", "d3"]),
                       st.lists(st.lists(st.sampled_from(["甲", "乙", "丙", "，"]), min_size=1, max_size=10),
                                min_size=1, max_size=3), min_size=1, max_size=3),
       st.integers(2, 4))
def test_matches_brute_force(docs, n):
    expected = _naive(docs, n)
    tokens = make_tokens(docs)
    if not expected:
        with pytest.raises(ParameterError):
            ngram_clusters(tokens, n, min_freq=1)
        return
    table = ngram_clusters(tokens, n, min_freq=1)
    got = {c: (f, r) for c, f, r in zip(table["cluster"], table["freq"], table["range"])}
    assert got == expected
    assert isinstance(table, pd.DataFrame)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["d1", "d2", "d3", "d4"]),
                       st.lists(st.lists(st.sampled_from(["甲", "乙", "丙", "丁", "，"]), min_size=1, max_size=12),
                                min_size=1, max_size=3), min_size=1, max_size=4),
       st.integers(2, 4), st.integers(0, 2), st.integers(1, 3), st.integers(1, 2), st.booleans())
def test_filtered_ranges_and_categorical_codes_match_brute_force(docs, lo, extra, min_freq, min_range, categorical):
    """Sizes lo … lo + extra with min_freq/min_range (clusters are only extended from frequent, widespread
    prefixes: the filter must not lose a cluster), on string and on categorical tokens with an unused category."""
    hi = min(lo + extra, 6)
    expected = {}
    for n in range(lo, hi + 1):
        expected.update({c: fr for c, fr in _naive(docs, n).items() if fr[0] >= min_freq and fr[1] >= min_range})
    tokens = make_tokens(docs)
    if categorical:
        tokens = tokens.astype({"token": "category", "doc_id": "category"})
        tokens["token"] = tokens["token"].cat.add_categories(["戊"])
    if not expected:
        with pytest.raises(ParameterError, match="no cluster"):
            ngram_clusters(tokens, (lo, hi), min_freq=min_freq, min_range=min_range)
        return
    table = ngram_clusters(tokens, (lo, hi), min_freq=min_freq, min_range=min_range)
    assert {c: (f, r) for c, f, r in zip(table["cluster"], table["freq"], table["range"])} == expected
    assert table.attrs["n_documents"] == len(docs)
    first = {c: d for c, d in zip(table["cluster"], table["first_doc"])}
    for c in first:  # the first document in table order that has the cluster
        words = c.split(" ")
        having = [d for d, paras in docs.items()
                  if any(p[i:i + len(words)] == words for p in paras for i in range(len(p)))]
        assert first[c] == having[0]
