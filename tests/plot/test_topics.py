"""huayu.plot.topics: the topic-terms, topic-shares, silhouette and paragraph-map figures over a real
NotebookContext, in both languages (a missing glyph is an error); each saved table holds what its figure shows."""

from __future__ import annotations

import numpy as np
import pytest

A = ["改革", "创新", "发展", "项目"]
B = ["安全", "稳定", "防范", "风险"]


def _docs() -> dict[str, list[list[str]]]:
    rng = np.random.default_rng(7)
    para = lambda words, n: [str(w) for w in rng.choice(words, n)] + ["。"]  # noqa: E731
    return {"changan_2023": [para(A, 8) for _ in range(4)] + [para(B, 6)],
            "laixi_2023": [para(B, 8) for _ in range(4)]}


DOCS = _docs()
PLACES = {"changan_2023": ("长安区", "Chang'an"), "laixi_2023": ("莱西市", "Laixi")}


@pytest.fixture(params=["zh", "en"])
def ctx(request, tmp_path):
    from _stats_plots import make_context

    return make_context(tmp_path, DOCS, lang=request.param, places=PLACES)


def test_topic_palette_gives_each_topic_its_own_colour():
    from huayu.plot.topics import topic_palette

    palette = topic_palette(["T1", "T2", "T3"])
    assert list(palette) == ["T1", "T2", "T3"] and len(set(palette.values())) == 3
    assert topic_palette([]) == {}


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_topic_figures(ctx, model):
    from _stats_plots import table, written

    from huayu.analysis import topics
    from huayu.plot import topics as topic_plots

    paragraphs = topics.paragraph_dfm(ctx.tokens, "all", min_freq=1, min_term_chars=2)
    fitted = topics.fit_topics(paragraphs, 2, model=model, random_state=0)
    terms = topics.topic_terms(fitted, 3)
    topic_plots.plot_topic_terms(ctx, terms, model=model, name=f"topic-terms-{model}")
    shares = topics.document_topic_shares(fitted)
    topic_plots.plot_topic_shares(ctx, shares, terms, model=model, name=f"topic-shares-{model}")
    for name in (f"topic-terms-{model}", f"topic-shares-{model}"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]

    saved_terms = table(ctx, f"topic-terms-{model}")
    assert set(saved_terms["topic"]) == set(shares.columns)  # one panel per topic
    assert saved_terms.groupby("topic").size().tolist() == [3, 3]
    assert set(saved_terms["term"]) <= set(A) | set(B)
    saved_shares = table(ctx, f"topic-shares-{model}").set_index("doc_id")
    assert list(saved_shares.index) == list(DOCS)  # one bar per document
    np.testing.assert_allclose(saved_shares.sum(axis=1).to_numpy(), 1.0, atol=1e-9)
    np.testing.assert_allclose(saved_shares.to_numpy(), shares.to_numpy(), atol=1e-12)


def test_cluster_figures(ctx):
    from _stats_plots import table, written

    from huayu.analysis import topics
    from huayu.plot import topics as topic_plots

    paragraphs = topics.paragraph_dfm(ctx.tokens, "all", min_freq=1, min_term_chars=2)
    silhouettes = topics.silhouette_by_k(paragraphs, [2, 3], random_state=0)
    topic_plots.plot_silhouette(ctx, silhouettes, 2)
    clusters = topics.kmeans_paragraphs(paragraphs, 2, random_state=0)
    points = topics.paragraph_map(paragraphs, random_state=0, clusters=clusters.labels)
    topic_plots.plot_paragraph_map(ctx, points)
    for name in ("silhouette", "paragraph-map"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]

    sil = table(ctx, "silhouette")
    assert sil["n_clusters"].tolist() == [2, 3]
    assert ((sil["silhouette"] >= -1) & (sil["silhouette"] <= 1)).all()
    saved = table(ctx, "paragraph-map")
    assert len(saved) == sum(len(p) for p in DOCS.values())  # every paragraph is a point
    assert saved.groupby("doc_id").size().to_dict() == {d: len(p) for d, p in DOCS.items()}
    assert set(saved["cluster"]) == {"C1", "C2"}


def test_bad_inputs_raise_clear_errors(ctx):
    from huayu.analysis import topics
    from huayu.errors import ParameterError

    paragraphs = topics.paragraph_dfm(ctx.tokens, "all", min_freq=1, min_term_chars=2)
    with pytest.raises(ParameterError, match="n_topics=100000 is larger than the number of paragraph units"):
        topics.fit_topics(paragraphs, 100_000)
    with pytest.raises(ParameterError, match="ks is empty"):
        topics.silhouette_by_k(paragraphs, [])
    with pytest.raises(ParameterError, match="a 2-D map needs at least 3 units"):
        topics.paragraph_map(paragraphs.select_units(list(paragraphs.units[:2])))
