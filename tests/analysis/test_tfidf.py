"""huayu.analysis.tfidf: weights, rankings, similarity and clustering against hand-computed values."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_tokens
from huayu.errors import ParameterError
from huayu.analysis.dfm import build_dfm, document_dfm
from huayu.analysis.tfidf import (choose_terms, cluster_units, cosine_similarity, idf, term_document_table,
                         tfidf_weights, top_terms)

DOCS = {"a": [["x", "x", "y"]], "b": [["y", "z"]], "c": [["x", "z", "z", "w"]]}


@pytest.fixture()
def dfm():
    return build_dfm(make_tokens(DOCS))


def test_idf_and_weights_hand_computed(dfm):
    # n = 3 units; df(x) = df(y) = df(z) = 2, df(w) = 1; smooth idf = ln((1+n)/(1+df)) + 1
    values = idf(dfm)
    assert values["x"] == pytest.approx(math.log(4 / 3) + 1)
    assert values["w"] == pytest.approx(math.log(4 / 2) + 1)
    weights = tfidf_weights(dfm).toarray()
    row_a = dict(zip(dfm.terms, weights[0], strict=True))
    # a = (x: 2·idf, y: 1·idf) with equal idf → (2, 1)/√5 after L2 normalisation
    assert row_a["x"] == pytest.approx(2 / math.sqrt(5))
    assert row_a["y"] == pytest.approx(1 / math.sqrt(5))
    assert np.linalg.norm(weights, axis=1) == pytest.approx([1, 1, 1])


def test_similarity_symmetric_unit_diagonal_and_hand_value(dfm):
    sim = cosine_similarity(dfm)
    values = sim.to_numpy()
    assert np.array_equal(values, values.T)
    assert np.diag(values).tolist() == [1.0, 1.0, 1.0]
    # a = (0, 2, 1, 0)/√5, b = (0, 0, 1, 1)/√2 in terms (w, x, y, z): cos = 1/√10
    assert sim.loc["a", "b"] == pytest.approx(1 / math.sqrt(10))
    counts = cosine_similarity(dfm, weighting="count")
    # raw counts a = (0,2,1,0), c = (1,1,0,2): 2/(√5·√6)
    assert counts.loc["a", "c"] == pytest.approx(2 / (math.sqrt(5) * math.sqrt(6)))


def test_top_terms_ranking_and_min_freq(dfm):
    top = top_terms(dfm, n=2, min_freq=1)
    a = top[top["unit"] == "a"]
    assert a["term"].tolist() == ["x", "y"]
    assert a["rank"].tolist() == [1, 2]
    c = top[top["unit"] == "c"]
    assert c["term"].tolist() == ["z", "w"]
    assert c.iloc[1]["n_units_with_term"] == 1
    strict = top_terms(dfm, n=5, min_freq=2)
    assert set(strict["term"]) == {"x", "z"}
    assert choose_terms(top, per_unit=1) == ["x", "y", "z"]
    assert choose_terms(top, ["w"]) == ["w"]


def test_term_document_table_values(dfm):
    table = term_document_table(dfm, ["x", "z"], value="per_1000")
    assert table.loc["x", "a"] == pytest.approx(1000 * 2 / 3)
    assert table.loc["z", "c"] == pytest.approx(500)
    assert term_document_table(dfm, ["z"], value="count").loc["z"].tolist() == [0, 1, 2]


def test_clustering_joins_the_most_similar_pair_first(dfm):
    sim = cosine_similarity(dfm)
    clustering = cluster_units(sim)
    first = clustering.linkage[0]
    joined = {sim.index[int(first[0])], sim.index[int(first[1])]}
    assert joined == {"b", "c"}  # cos(b, c) is the largest off-diagonal value
    assert first[2] == pytest.approx(1 - sim.loc["b", "c"])
    assert sorted(clustering.order) == ["a", "b", "c"]
    assert clustering.ordered(sim).index.tolist() == clustering.order


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.sampled_from(["d1", "d2", "d3", "d4"]),
                       st.lists(st.lists(st.sampled_from(list("甲乙丙丁戊")), min_size=1, max_size=10),
                                min_size=1, max_size=2), min_size=2))
def test_similarity_properties(docs):
    sim = cosine_similarity(build_dfm(make_tokens(docs))).to_numpy()
    assert np.array_equal(sim, sim.T)
    assert np.all(np.diag(sim) == 1.0)
    assert np.all((sim >= 0) & (sim <= 1))


def test_bad_parameters(dfm):
    with pytest.raises(ParameterError, match=r"terms: \['nope'\] never occur"):
        term_document_table(dfm, ["x", "nope"])
    with pytest.raises(ParameterError, match="terms is empty"):
        term_document_table(dfm, [])
    with pytest.raises(ParameterError, match="value='zscore'.*valid values: 'tfidf', 'count', 'per_1000'"):
        term_document_table(dfm, ["x"], value="zscore")
    with pytest.raises(ParameterError, match="method='ward'"):
        cluster_units(cosine_similarity(dfm), method="ward")
    with pytest.raises(ParameterError, match="at least 2 units"):
        cluster_units(cosine_similarity(dfm.select_units(["a"])))
    with pytest.raises(ParameterError, match="doc_ids: unknown doc_id"):
        document_dfm(make_tokens(DOCS), doc_ids=["a", "q"])
    with pytest.raises(ParameterError, match="n=0"):
        top_terms(dfm, n=0)


def test_unknown_doc_id_is_named():
    """Notebook 02 with ``doc_ids = ["jia_2022", "nowhere_2020"]`` stops with this message (document_dfm)."""
    with pytest.raises(ParameterError, match=re.escape("doc_ids: unknown doc_id(s) 'nowhere_2020'")):
        document_dfm(make_tokens(DOCS), doc_ids=["a", "nowhere_2020"])


def test_document_dfm_groups_and_selection():
    tokens = make_tokens(DOCS)
    grouped = document_dfm(tokens, groups={"a": "g", "b": "g"})
    assert list(grouped.units) == ["g", "c"]
    assert grouped.to_frame().loc["g", "y"] == 2
    only = document_dfm(tokens, doc_ids=["c"], min_term_chars=1)
    assert list(only.units) == ["c"]


def _top_terms_by_lookup(dfm, n, min_freq):
    """The previous implementation of :func:`top_terms` (a count looked up per cell, a pandas sort on the
    term strings), kept as the reference of the vectorised one."""
    import pandas as pd

    from huayu.analysis.tfidf import tfidf_weights as weights_of

    weights = weights_of(dfm).tocoo()
    counts = dfm.matrix.tocsr()
    count_values = np.asarray(counts[weights.row, weights.col]).ravel()
    table = pd.DataFrame({"u": weights.row, "t": weights.col, "tfidf": weights.data, "count": count_values})
    table = table[table["count"] >= min_freq]
    table["term"] = np.asarray(dfm.terms, dtype=object)[table["t"].to_numpy()]
    table = table.sort_values(["u", "tfidf", "count", "term"], ascending=[True, False, False, True], kind="stable")
    table = table.groupby("u", sort=True).head(n)
    table["rank"] = table.groupby("u").cumcount() + 1
    return list(zip(np.asarray(dfm.units, dtype=object)[table["u"].to_numpy()], table["rank"], table["term"],
                    table["tfidf"], table["count"], strict=True))


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["d1", "d2", "d3", "d4", "d5"]),
                       st.lists(st.lists(st.sampled_from(list("甲乙丙丁戊己庚")), min_size=1, max_size=12),
                                min_size=1, max_size=3), min_size=1),
       st.integers(1, 4), st.integers(1, 3))
def test_top_terms_equals_the_lookup_implementation(docs, n, min_freq):
    dfm = build_dfm(make_tokens(docs))
    top = top_terms(dfm, n, min_freq=min_freq)
    expected = _top_terms_by_lookup(dfm, n, min_freq)
    got = list(zip(top["unit"], top["rank"], top["term"], top["tfidf"], top["count"], strict=True))
    assert [row[:3] + (row[4],) for row in got] == [row[:3] + (row[4],) for row in expected]
    assert np.allclose([row[3] for row in got], [row[3] for row in expected], rtol=0, atol=1e-12)


def test_top_terms_with_unsorted_terms(dfm):
    """A dfm whose terms are not in code-point order (select_terms) ranks ties by the term string."""
    reordered = dfm.select_terms(["z", "y", "x", "w"])
    top = top_terms(reordered, n=4, min_freq=1)
    assert [tuple(r) for r in top[["unit", "rank", "term"]].itertuples(index=False)] == [
        tuple(r) for r in top_terms(dfm, n=4, min_freq=1)[["unit", "rank", "term"]].itertuples(index=False)]


def test_similarity_units_keeps_the_units_with_most_tokens():
    from huayu.analysis.tfidf import similarity_units

    docs = {"a": [["x", "y"]], "b": [["x", "y", "z", "w"]], "c": [["y", "z", "w"]], "d": [["x", "w", "z"]]}
    dfm = build_dfm(make_tokens(docs))
    assert similarity_units(dfm, 10) == ["a", "b", "c", "d"]
    assert similarity_units(dfm, 0) == ["a", "b", "c", "d"]
    assert similarity_units(dfm, None) == ["a", "b", "c", "d"]
    # b has 4 tokens, c and d 3 each (tie: the first), a 2; kept in the order of the dfm
    assert similarity_units(dfm, 2) == ["b", "c"]
    assert similarity_units(dfm, 3) == ["b", "c", "d"]
    with pytest.raises(ParameterError, match="max_units"):
        similarity_units(dfm, 1)


def test_similarity_of_chosen_units_equals_the_full_matrix(dfm):
    full = cosine_similarity(dfm)
    part = cosine_similarity(dfm, units=["c", "a"])
    assert part.index.tolist() == ["c", "a"] and part.columns.tolist() == ["c", "a"]
    assert part.to_numpy() == pytest.approx(full.loc[["c", "a"], ["c", "a"]].to_numpy(), abs=1e-12)
    assert part.attrs["n_units"] == 3
    with pytest.raises(ParameterError, match="units: unknown unit"):
        cosine_similarity(dfm, units=["a", "nope"])
