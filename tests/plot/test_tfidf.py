"""huayu.plot.tfidf: the distinctive-terms, term-heatmap and similarity figures over a real NotebookContext,
in both languages (a missing glyph is an error); each saved table holds what its figure shows."""

from __future__ import annotations

import numpy as np
import pytest

DOCS = {
    "changan_2023": [["改革", "创新", "改革", "创新", "，", "项目", "项目", "发展", "。"],
                     ["改革", "创新", "项目", "建设", "发展", "。"]],
    "laixi_2023": [["乡村振兴", "乡村振兴", "民生", "民生", "，", "发展", "。"], ["民生", "乡村振兴", "落实", "。"]],
    "xifeng_2022": [["营商环境", "营商环境", "安全", "安全", "，", "发展", "项目", "。"],
                    ["营商环境", "安全", "稳定", "。"]],
}
PLACES = {"changan_2023": ("长安区", "Chang'an"), "laixi_2023": ("莱西市", "Laixi"),
          "xifeng_2022": ("息烽县", "Xifeng")}


@pytest.fixture(params=["zh", "en"])
def ctx(request, tmp_path):
    from _stats_plots import make_context

    return make_context(tmp_path, DOCS, lang=request.param, places=PLACES)


def test_tfidf_figures(ctx):
    from _stats_plots import table, written

    from huayu.analysis import dfm, tfidf
    from huayu.plot import tfidf as tfidf_plots

    counts = dfm.document_dfm(ctx.tokens, "all", {}, drop_stop=True, min_term_chars=2)
    top = tfidf.top_terms(counts, 3, min_freq=2)
    tfidf_plots.plot_top_terms(ctx, top)
    terms = tfidf.choose_terms(top, [], per_unit=2)
    term_table = tfidf.term_document_table(counts, terms, value="per_1000")
    tfidf_plots.plot_term_heatmap(ctx, term_table, value="per_1000")
    similarity = tfidf.cosine_similarity(counts, weighting="tfidf")
    clustering = tfidf.cluster_units(similarity, method="average")
    tfidf_plots.plot_similarity(ctx, similarity, clustering)
    for name in ("top-terms", "term-heatmap", "similarity"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]

    saved = table(ctx, "top-terms")
    assert list(dict.fromkeys(saved["unit"])) == list(DOCS)  # one panel per document
    assert set(saved["term"]) == set(top["term"])
    shown = saved.groupby("unit")["term"].apply(set).to_dict()
    assert {"改革", "创新"} <= shown["changan_2023"]
    assert {"乡村振兴", "民生"} <= shown["laixi_2023"]
    assert {"营商环境", "安全"} <= shown["xifeng_2022"]
    heat = table(ctx, "term-heatmap").set_index("term")
    assert list(heat.index) == terms and list(heat.columns) == list(DOCS)
    assert heat.loc["乡村振兴", "laixi_2023"] == pytest.approx(term_table.loc["乡村振兴", "laixi_2023"])
    assert heat.loc["乡村振兴", "changan_2023"] == 0
    sim = table(ctx, "similarity").set_index("unit")
    assert list(sim.index) == clustering.order and set(sim.index) == set(DOCS)  # dendrogram order
    values = sim.loc[:, list(sim.index)].to_numpy()
    np.testing.assert_allclose(values, values.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(values), 1.0)


def test_bad_inputs_raise_clear_errors(ctx):
    from huayu.analysis import dfm, tfidf
    from huayu.errors import ParameterError

    counts = dfm.document_dfm(ctx.tokens, "all", {}, drop_stop=True, min_term_chars=2)
    with pytest.raises(ParameterError, match=r"terms: \['量子纠缠'\] never occur"):
        tfidf.term_document_table(counts, ["改革", "量子纠缠"])
    with pytest.raises(ParameterError, match="clustering needs at least 2 units"):
        tfidf.cluster_units(tfidf.cosine_similarity(counts.select_units(["laixi_2023"])))


def test_similarity_of_some_units_says_how_many_of_how_many(ctx):
    from huayu.analysis import dfm, tfidf
    from huayu.plot import tfidf as tfidf_plots

    counts = dfm.document_dfm(ctx.tokens, "all", {}, drop_stop=True, min_term_chars=2)
    assert counts.shape[0] > 2
    units = tfidf.similarity_units(counts, 2)
    similarity = tfidf.cosine_similarity(counts, weighting="tfidf", units=units)
    fig = tfidf_plots.plot_similarity(ctx, similarity, tfidf.cluster_units(similarity), n_units=counts.shape[0],
                                      name="similarity-some")
    expected = {"zh": f"{counts.shape[0]} 个单位中词数最多的 2 个",
                "en": f"the 2 of {counts.shape[0]} units with the most words"}[ctx.lang]
    assert any(expected in ax.get_title() for ax in fig.axes)
