"""huayu.plot.trends: the segment-trends, document-trends and dispersion figures over a real NotebookContext,
in both languages (a missing glyph is an error); each saved table holds what its figure shows."""

from __future__ import annotations

import pytest

DOCS = {
    "changan_2023": [["改革", "，", "发展", "改革", "项目", "。"], ["创新", "改革", "安全", "民生", "。"]],
    "laixi_2021": [["乡村振兴", "发展", "项目", "。"], ["民生", "发展", "，", "乡村振兴", "。"]],
    "template_xx": [["发展", "改革", "落实", "项目", "。"]],
}
PLACES = {"changan_2023": ("长安区", "Chang'an"), "laixi_2021": ("莱西市", "Laixi"),
          "template_xx": ("模板", "Template")}
DATES = {"changan_2023": "2023-01-04", "laixi_2021": "2021"}  # template_xx is undated
KEYWORDS = ["改革", "乡村振兴", "项目"]


@pytest.fixture(params=["zh", "en"])
def ctx(request, tmp_path):
    from _stats_plots import make_context

    return make_context(tmp_path, DOCS, lang=request.param, places=PLACES, dates=DATES)


def test_trend_figures(ctx):
    from _stats_plots import table, written

    from huayu.analysis import trends
    from huayu.plot import trends as trend_plots

    tokens, docs = ctx.tokens, ctx.documents_table
    segments = trends.keyword_segments(tokens, KEYWORDS, 2, match="token", texts=docs)
    trend_plots.plot_segment_trends(ctx, segments)
    trend_plots.plot_document_trends(ctx, trends.keyword_by_document(tokens, KEYWORDS, docs, match="token"))
    hits = trends.dispersion_positions(tokens, KEYWORDS, match="token", texts=docs)
    trend_plots.plot_dispersion(ctx, hits, KEYWORDS, "all")
    for name in ("segment-trends", "document-trends", "dispersion"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]

    counts = {(d, k): sum(p.count(k) for p in paras) for d, paras in DOCS.items() for k in KEYWORDS}
    seg = table(ctx, "segment-trends")
    assert list(dict.fromkeys(seg["keyword"])) == KEYWORDS  # one panel per keyword
    assert set(seg["doc_id"]) == set(DOCS)  # one line per document
    assert seg.groupby(["doc_id", "keyword"])["count"].sum().to_dict() == counts
    by_doc = table(ctx, "document-trends")
    assert list(dict.fromkeys(by_doc["doc_id"])) == ["laixi_2021", "changan_2023", "template_xx"]  # by date
    assert by_doc.drop_duplicates("doc_id")["dated"].tolist() == [True, True, False]
    assert by_doc.set_index(["doc_id", "keyword"])["count"].to_dict() == counts
    dispersion = table(ctx, "dispersion")
    assert dispersion.groupby(["doc_id", "keyword"]).size().to_dict() == {k: v for k, v in counts.items() if v}
    assert ((dispersion["relative_position"] >= 0) & (dispersion["relative_position"] < 1)).all()


def test_dispersion_of_chosen_documents(ctx):
    from _stats_plots import table

    from huayu.analysis import trends
    from huayu.plot import trends as trend_plots

    hits = trends.dispersion_positions(ctx.tokens, ["乡村振兴"], doc_ids=["laixi_2021"])
    fig = trend_plots.plot_dispersion(ctx, hits, ["乡村振兴"], ["laixi_2021"])
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 1  # one panel per chosen document
    assert set(table(ctx, "dispersion")["doc_id"]) == {"laixi_2021"}


def test_bad_inputs_raise_clear_errors(ctx):
    from huayu.analysis import trends
    from huayu.errors import ParameterError
    from huayu.plot import trends as trend_plots

    hits = trends.dispersion_positions(ctx.tokens, KEYWORDS)
    with pytest.raises(ParameterError, match=r"doc_ids: unknown doc_id\(s\) 'nowhere_2020'"):
        trend_plots.plot_dispersion(ctx, hits, KEYWORDS, ["changan_2023", "nowhere_2020"])
    with pytest.raises(ParameterError, match="keywords is empty"):
        trends.keyword_segments(ctx.tokens, [], 2)
    with pytest.raises(ParameterError, match=r"keywords: \['量子纠缠'\] never occur"):
        trends.keyword_by_document(ctx.tokens, ["项目", "量子纠缠"], ctx.documents_table)


def test_document_trends_of_many_dated_documents_draw_period_means(ctx):
    import numpy as np
    import pandas as pd

    from huayu.plot import trends as trend_plots

    rng = np.random.default_rng(0)
    dates = pd.date_range("2019-01-01", periods=300, freq="5D")  # 300 dated documents over ~4 years
    rows = [{"doc_id": f"d{i}", "date": str(d.date()), "date_certainty": "", "dated": True, "keyword": k,
             "count": 1, "n_tokens": 1000, "per_1000": float(rng.integers(0, 5)), "order": i + 1}
            for i, d in enumerate(dates) for k in ("发展", "改革")]
    table = pd.DataFrame(rows)
    fig = trend_plots.plot_document_trends(ctx, table, name="many-trends")
    ax = fig.axes[0]
    assert trend_plots._mean_period(pd.Series(dates)) == "M"  # 50 months: monthly means
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]  # labelled: the keywords
    assert len(lines) == 2 and len(ax.collections) == 2  # a line of means and the points, per keyword
    part = table[table["keyword"] == "发展"].assign(when=pd.to_datetime(table["date"]))
    expected = part.groupby(part["when"].dt.to_period("M"))["per_1000"].mean()
    assert np.allclose(lines[0].get_ydata(), expected.to_numpy()) and len(expected) == 50
    assert "每月平均" in ax.get_title() or "monthly mean" in ax.get_title()
    assert trend_plots._mean_period(pd.Series(pd.date_range("1950", "2025", freq="7D"))) == "Y"
