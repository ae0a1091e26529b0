"""huayu.analysis.dfm: counts per unit against hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_tokens
from huayu.errors import ParameterError
from huayu.analysis.dfm import DocumentTermMatrix, build_dfm, group_dfm, unit_labels

DOCS = {
    "b": [["发展", "的", "发展", "。"], ["改革", "创新"]],
    "a": [["改革", "，", "改革", "发展"]],
}


def test_counts_per_document_match_hand_counts():
    dfm = build_dfm(make_tokens(DOCS))
    assert list(dfm.units) == ["b", "a"]  # corpus order, not sorted
    assert list(dfm.terms) == sorted(["发展", "的", "改革", "创新"])
    frame = dfm.to_frame()
    assert frame.loc["b", "发展"] == 2
    assert frame.loc["b", "的"] == 1
    assert frame.loc["a", "改革"] == 2
    assert frame.loc["a", "创新"] == 0
    assert dfm.matrix.dtype == np.int64
    assert dfm.totals().tolist() == [5, 3]  # punctuation dropped by default
    assert dfm.term_totals().sum() == 8


def test_flags_and_min_count():
    tokens = make_tokens(DOCS)
    with_punct = build_dfm(tokens, drop_punct=False)
    assert with_punct.totals().tolist() == [6, 4]
    no_stop = build_dfm(tokens, drop_stop=True)
    assert "的" not in no_stop.terms
    frequent = build_dfm(tokens, min_freq=3)
    assert list(frequent.terms) == sorted(["发展", "改革"])
    assert frequent.to_frame().to_numpy().tolist() == [[2, 1], [1, 2]]


def test_paragraph_units_are_prefixed_with_doc_id():
    tokens = make_tokens(DOCS)
    dfm = build_dfm(tokens, unit="para_id")
    assert list(dfm.units) == ["b/0", "b/1", "a/0"]
    assert dfm.totals().tolist() == [3, 2, 3]
    assert list(unit_labels(tokens, ["doc_id", "para_id"]))[:2] == ["b/0", "b/0"]


def test_group_dfm_sums_rows():
    dfm = build_dfm(make_tokens(DOCS), unit="para_id")
    grouped = group_dfm(dfm, {"b/0": "x", "b/1": "y", "a/0": "x"})
    assert list(grouped.units) == ["x", "y"]
    frame = grouped.to_frame()
    assert frame.loc["x", "发展"] == 3
    assert frame.loc["x", "改革"] == 2
    assert frame.loc["y", "创新"] == 1
    partial = group_dfm(dfm, {"a/0": "only"}, drop_unlabelled=True)
    assert partial.totals().tolist() == [3]


def test_select_terms_keeps_order_and_zero_fills():
    dfm = build_dfm(make_tokens(DOCS))
    sub = dfm.select_terms(["改革", "不存在"])
    assert sub.to_frame().to_numpy().tolist() == [[1, 0], [2, 0]]
    assert dfm.select_units(["a"]).totals().tolist() == [3]


def test_bad_parameters_give_one_clear_message():
    tokens = make_tokens(DOCS)
    with pytest.raises(ParameterError, match="min_freq"):
        build_dfm(tokens, min_freq=0)
    with pytest.raises(ParameterError, match="lacks the column"):
        build_dfm(tokens, unit="place")
    with pytest.raises(ParameterError, match="labels gives no group"):
        group_dfm(build_dfm(tokens), {"a": "x"})
    with pytest.raises(ParameterError, match="unknown unit"):
        group_dfm(build_dfm(tokens), {"zz": "x", "a": "x", "b": "y"})
    with pytest.raises(ParameterError, match="no token left"):
        build_dfm(tokens[tokens["is_punct"]])
    with pytest.raises(ParameterError, match="shape"):
        DocumentTermMatrix(build_dfm(tokens).matrix, pd.Index(["a"]), pd.Index(["x"]))
    assert issubclass(ParameterError, ValueError)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["d1", "d2", "d3"]),
                       st.lists(st.lists(st.sampled_from(["甲", "乙", "丙", "丁"]), min_size=1, max_size=8),
                                min_size=1, max_size=3),
                       min_size=1))
def test_counts_equal_value_counts(docs):
    tokens = make_tokens(docs)
    dfm = build_dfm(tokens)
    expected = tokens.groupby(["doc_id", "token"]).size()
    frame = dfm.to_frame()
    for (doc, term), n in expected.items():
        assert frame.loc[doc, term] == n
    assert dfm.totals().sum() == len(tokens)


def _dfm_by_coo(tokens, unit="doc_id"):
    """The previous construction (pandas factorize of the strings, a COO of int64 codes), the reference."""
    import scipy.sparse as sp

    cols = [unit] if isinstance(unit, str) else list(unit)
    labels = tokens[cols[0]].astype("str")
    for col in cols[1:]:
        labels = labels + "/" + tokens[col].astype("str")
    unit_codes, units = pd.factorize(labels, sort=False)
    term_codes, terms = pd.factorize(tokens["token"].astype("str"), sort=True)
    matrix = sp.coo_matrix((np.ones(len(unit_codes), dtype=np.int64), (unit_codes, term_codes)),
                           shape=(len(units), len(terms))).tocsr()
    return matrix.toarray(), [str(u) for u in units], [str(t) for t in terms]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c"]), st.integers(0, 2), st.sampled_from(list("甲乙丙丁戊x"))),
                min_size=1, max_size=40),
       st.booleans(), st.sampled_from(["doc_id", ["doc_id", "para_id"]]))
def test_build_dfm_equals_the_coo_construction(rows, categorical, unit):
    """Any order of rows (a unit's tokens need not be contiguous), categorical or plain columns."""
    tokens = pd.DataFrame(rows, columns=["doc_id", "para_id", "token"])
    if categorical:
        tokens["doc_id"] = tokens["doc_id"].astype("category")
        tokens["token"] = pd.Categorical(tokens["token"], categories=sorted(set("甲乙丙丁戊xyz")))
    dfm = build_dfm(tokens, unit, drop_punct=False)
    expected, units, terms = _dfm_by_coo(tokens, unit)
    assert list(dfm.units) == units and list(dfm.terms) == terms
    assert np.array_equal(dfm.matrix.toarray(), expected)
    assert dfm.matrix.dtype == np.int64


def test_min_term_chars_same_for_categorical_and_plain_tokens():
    from huayu.analysis.dfm import document_dfm

    tokens = make_tokens({"a": [["改革", "的", "发展", "。"]], "b": [["发展", "了", "乡村振兴"]]})
    plain = document_dfm(tokens, min_term_chars=2)
    cat = tokens.assign(token=tokens["token"].astype("category"), doc_id=tokens["doc_id"].astype("category"))
    coded = document_dfm(cat, min_term_chars=2)
    assert list(plain.terms) == list(coded.terms) == ["乡村振兴", "发展", "改革"]
    assert np.array_equal(plain.matrix.toarray(), coded.matrix.toarray())
    with pytest.raises(ParameterError, match="rows must be a boolean mask"):
        build_dfm(tokens, rows=np.ones(2, dtype=bool))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c"]), st.integers(0, 3), st.booleans()), min_size=1,
                max_size=40),
       st.booleans(), st.booleans())
def test_word_counts_equal_a_groupby(rows, categorical, ordered):
    from huayu.analysis.dfm import word_counts

    tokens = pd.DataFrame(rows, columns=["doc_id", "sent_id", "is_punct"]).astype({"sent_id": "int64"})
    if ordered:
        tokens = tokens.sort_values(["doc_id", "sent_id"], kind="stable").reset_index(drop=True)
    expected = (tokens[~tokens["is_punct"]].groupby(["doc_id", "sent_id"], sort=False).size()
                .rename("n_tokens").reset_index())
    if categorical:
        tokens["doc_id"] = tokens["doc_id"].astype("category")
    got = word_counts(tokens, ["doc_id", "sent_id"])
    assert list(got.columns) == ["doc_id", "sent_id", "n_tokens"]
    if expected.empty:
        assert got.empty
        return
    assert got["doc_id"].astype(str).tolist() == expected["doc_id"].astype(str).tolist()
    assert got["sent_id"].tolist() == expected["sent_id"].tolist()
    assert got["n_tokens"].tolist() == expected["n_tokens"].tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 5), max_size=60), st.integers(1, 12))
def test_first_appearance_equals_pandas_factorize(values, run):
    from huayu.analysis.dfm import first_appearance

    runs = np.repeat(np.asarray(values, dtype=np.int16), run)  # long runs (the doc_id codes) and short ones
    for array in (runs, np.asarray(values, dtype=np.int32)):
        codes, uniques = first_appearance(array)
        expected_codes, expected_uniques = pd.factorize(array, sort=False)
        assert codes.dtype == np.int64
        assert np.array_equal(codes, expected_codes) and np.array_equal(uniques, expected_uniques)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c"]), st.sampled_from(list("甲乙丙的，。x"))), min_size=1,
                max_size=50), st.booleans(), st.booleans())
def test_build_dfm_of_categorical_columns_with_flags_equals_plain(rows, drop_stop, drop_punct):
    """The codes of the kept rows taken from the categorical codes equal the filtered copy of the columns."""
    tokens = pd.DataFrame(rows, columns=["doc_id", "token"])
    tokens["is_stop"] = tokens["token"].isin(["的"])
    tokens["is_punct"] = tokens["token"].isin(["，", "。"])
    if (tokens["is_stop"] & drop_stop | tokens["is_punct"] & drop_punct).all():
        return
    coded = tokens.assign(doc_id=tokens["doc_id"].astype("category"),
                          token=pd.Categorical(tokens["token"], categories=sorted(set("甲乙丙的，。xyz"))))
    plain = build_dfm(tokens, drop_stop=drop_stop, drop_punct=drop_punct)
    fast = build_dfm(coded, drop_stop=drop_stop, drop_punct=drop_punct)
    assert list(fast.units) == list(plain.units) and list(fast.terms) == list(plain.terms)
    assert np.array_equal(fast.matrix.toarray(), plain.matrix.toarray()) and fast.matrix.dtype == np.int64
