"""huayu.analysis.topics: topic shares sum to 1, document shares are token-weighted means, clear bad-parameter messages."""

from __future__ import annotations

import re

import numpy as np
import pytest

from _token_tables import make_tokens
from huayu.errors import ParameterError
from huayu.analysis.dfm import build_dfm
from huayu.analysis.topics import (document_topic_shares, fit_topics, kmeans_paragraphs, paragraph_dfm, paragraph_map,
                          silhouette_by_k, topic_terms, unit_documents)

A = ["改革", "创新", "发展", "项目"]
B = ["安全", "稳定", "防范", "风险"]


def corpus():
    rng = np.random.default_rng(7)
    para = lambda words, n: [str(w) for w in rng.choice(words, n)]  # noqa: E731
    return make_tokens({
        "d1": [para(A, 10) for _ in range(5)] + [para(B, 6) for _ in range(2)],
        "d2": [para(B, 8) for _ in range(6)],
    })


@pytest.fixture(scope="module")
def dfm():
    return paragraph_dfm(corpus(), drop_stop=False, min_freq=1)


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_topic_shares_sum_to_one_and_separate_the_blocks(dfm, model):
    tm = fit_topics(dfm, 2, model=model, random_state=1)
    assert tm.theta.sum(axis=1).to_numpy() == pytest.approx(np.ones(dfm.shape[0]))
    shares = document_topic_shares(tm)
    assert shares.sum(axis=1).to_numpy() == pytest.approx([1.0, 1.0])
    # the topic dominating d2 (all B paragraphs) is the one whose top terms are B words
    top = topic_terms(tm, n_terms=4)
    b_topic = shares.loc["d2"].idxmax()
    assert set(top[top["topic"] == b_topic]["term"]) == set(B)
    assert shares.loc["d2", b_topic] > 0.8
    # same random_state → same model
    again = fit_topics(dfm, 2, model=model, random_state=1)
    assert np.array_equal(again.theta.to_numpy(), tm.theta.to_numpy())


def test_document_share_is_token_weighted_mean(dfm):
    tm = fit_topics(dfm, 2, model="nmf", random_state=0)
    docs = unit_documents(tm.theta.index)
    d1 = docs == "d1"
    n = tm.unit_tokens[d1.to_numpy()]
    expected = (tm.theta[d1.to_numpy()].mul(n, axis=0).sum() / n.sum()).to_numpy()
    assert document_topic_shares(tm).loc["d1"].to_numpy() == pytest.approx(expected)
    # hand check of the weights: d1 has 5 paragraphs of 10 tokens and 2 of 6
    assert n.tolist() == [10] * 5 + [6] * 2


def test_topic_terms_weights_are_shares():
    dfm = build_dfm(make_tokens({"x": [["甲", "甲", "乙"], ["丙", "丙"]], "y": [["乙", "丙"]]}), unit="para_id")
    tm = fit_topics(dfm, 1, model="lda", random_state=0)
    table = topic_terms(tm, n_terms=10)
    assert table["weight"].sum() == pytest.approx(1.0)
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["label"].iloc[0].count("·") == 2


def test_silhouette_hand_computed():
    # two identical pairs of paragraphs with disjoint vocabularies: within distance 0, between 1 → s = 1
    dfm = build_dfm(make_tokens({"x": [["甲"], ["甲"], ["乙"], ["乙"]]}), unit="para_id")
    result = kmeans_paragraphs(dfm, 2, random_state=0)
    assert result.silhouette == pytest.approx(1.0)
    assert result.crosstab.to_numpy().ravel().tolist() == [2, 2]
    assert result.labels.tolist() in (["C1", "C1", "C2", "C2"], ["C2", "C2", "C1", "C1"])


def test_kmeans_on_blocks_and_map(dfm):
    result = kmeans_paragraphs(dfm, 2, random_state=3)
    assert result.silhouette > 0.3
    assert result.crosstab.sum().sum() == dfm.shape[0]
    assert result.crosstab.loc["C1"].sum() >= result.crosstab.loc["C2"].sum()  # C1 = largest
    table = silhouette_by_k(dfm, [2, 3])
    assert table["n_clusters"].tolist() == [2, 3]
    points = paragraph_map(dfm, clusters=result.labels)
    assert len(points) == dfm.shape[0]
    assert set(points["doc_id"]) == {"d1", "d2"}
    assert set(points["cluster"]) == {"C1", "C2"}
    ratio = points.attrs["explained_variance_ratio"]
    assert len(ratio) == 2 and ratio[0] >= ratio[1] > 0
    # the first principal axis separates the two vocabularies: A paragraphs on one side, B on the other
    is_a = points["unit"].isin([f"d1/{i}" for i in range(5)]).to_numpy()
    side_a, side_b = set(np.sign(points["x"][is_a])), set(np.sign(points["x"][~is_a]))
    assert len(side_a) == 1 and len(side_b) == 1 and side_a != side_b
    lsa = paragraph_map(dfm, method="svd")
    assert np.isfinite(lsa[["x", "y"]].to_numpy()).all()


def test_bad_parameters(dfm):
    n_units = dfm.shape[0]
    too_many = f"n_topics=99 is larger than the number of paragraph units \\({n_units}\\)"
    with pytest.raises(ParameterError, match=too_many):
        fit_topics(dfm, 99)
    with pytest.raises(ParameterError, match="n_topics=0 must be at least 1"):
        fit_topics(dfm, 0)
    with pytest.raises(ParameterError, match="model='lsa'.*valid values: 'nmf', 'lda'"):
        fit_topics(dfm, 2, model="lsa")
    with pytest.raises(ParameterError, match="n_clusters"):
        kmeans_paragraphs(dfm, n_units)
    with pytest.raises(ParameterError, match="n_topics='3' must be an integer"):
        fit_topics(dfm, "3")
    with pytest.raises(ParameterError, match="doc_ids: unknown doc_id"):
        paragraph_dfm(corpus(), ["d9"])


def test_too_many_topics_is_named(dfm):
    """Notebook 03 with ``n_topics = 100_000`` stops with this message (fit_topics checks it first)."""
    message = re.escape("n_topics=100000 is larger than the number of paragraph units")
    for model in ("nmf", "lda"):
        with pytest.raises(ParameterError, match=message):
            fit_topics(dfm, 100_000, model=model)


def test_sample_units_is_reproducible_in_corpus_order_and_whole_below_the_limit(dfm):
    from huayu.analysis.topics import sample_units

    assert sample_units(dfm, dfm.shape[0]) is dfm and sample_units(dfm, None) is dfm
    a, b = sample_units(dfm, 5, random_state=3), sample_units(dfm, 5, random_state=3)
    assert a.shape == (5, dfm.shape[1]) and list(a.units) == list(b.units)
    positions = dfm.units.get_indexer(a.units)
    assert list(positions) == sorted(positions)  # corpus order
    assert (a.matrix != dfm.matrix[positions]).nnz == 0


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_topics_fitted_on_a_sample_give_shares_for_every_paragraph(dfm, model):
    full = fit_topics(dfm, 2, model=model, random_state=0)
    assert full.n_fitted == dfm.shape[0]
    sampled = fit_topics(dfm, 2, model=model, random_state=0, max_units=8)
    assert sampled.n_fitted == 8 and sampled.theta.shape == (dfm.shape[0], 2)
    assert np.allclose(sampled.theta.sum(axis=1), 1.0)
    again = fit_topics(dfm, 2, model=model, random_state=0, max_units=8)
    assert np.allclose(again.theta.to_numpy(), sampled.theta.to_numpy())
    # the two blocks still separate: d2's paragraphs (block B only) share a dominant topic
    d2 = sampled.theta[sampled.theta.index.str.startswith("d2/")]
    assert d2.idxmax(axis=1).nunique() == 1


def test_kmeans_and_map_on_a_sample(dfm):
    from huayu.analysis.topics import kmeans_paragraphs, paragraph_map

    km = kmeans_paragraphs(dfm, 2, random_state=0, max_units=8)
    assert len(km.labels) == 8 and int(km.crosstab.to_numpy().sum()) == 8
    points = paragraph_map(dfm, random_state=0, max_units=8)
    assert len(points) == 8 and points.attrs["n_units"] == dfm.shape[0]
    assert set(points["unit"]) == set(km.labels.index)  # the same sample with the same seed
