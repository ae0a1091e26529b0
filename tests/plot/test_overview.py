"""huayu.plot.overview: the lengths, cleaning and lexical-diversity figures over a real NotebookContext,
in both languages (a missing glyph is an error); each saved table holds what its figure shows."""

from __future__ import annotations

import pandas as pd
import pytest

DOCS = {
    "changan_2023": [["坚持", "改革", "创新", "，", "推动", "高质量", "发展", "。"],
                     ["全力", "实施", "项目", "建设", "，", "优化", "营商环境", "。"],
                     ["改革", "发展", "稳定", "，", "项目", "落实", "。"]],
    "laixi_2023": [["深化", "改革", "，", "推进", "乡村振兴", "。"], ["狠抓", "落实", "，", "保障", "民生", "。"]],
}
PLACES = {"changan_2023": ("长安区", "Chang'an"), "laixi_2023": ("莱西市", "Laixi")}


@pytest.fixture(params=["zh", "en"])
def ctx(request, tmp_path):
    from _stats_plots import make_context

    return make_context(tmp_path, DOCS, lang=request.param, places=PLACES)


def cleaning_log() -> pd.DataFrame:
    """Two watermark removals in changan_2023, none in laixi_2023 (so it appears as "(none)")."""
    return pd.DataFrame({"doc_id": ["changan_2023", "changan_2023"], "rule": ["watermark_url", "watermark_url"],
                         "removed_text": ["(www.example.com)", "(a.cn)"], "raw_char_start": [0, 40],
                         "raw_char_end": [17, 46]})


def test_overview_figures(ctx):
    from _stats_plots import table, written

    from huayu.analysis import overview
    from huayu.plot import overview as overview_plots

    docs, tokens = ctx.documents_table, ctx.tokens
    lengths = overview.document_lengths(docs, tokens)
    overview_plots.plot_lengths(ctx, lengths)
    removed = overview.cleaning_summary(cleaning_log(), docs)
    overview_plots.plot_cleaning(ctx, removed)
    diversity = overview.lexical_diversity(tokens, window=4)
    overview_plots.plot_diversity(ctx, diversity, overview.moving_ttr(tokens, window=4))
    for name in ("lengths", "cleaning", "lexical-diversity"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]

    saved = table(ctx, "lengths").set_index("doc_id")
    assert list(saved.index) == list(DOCS)  # every document, in corpus order
    words = {d: sum(w not in "，。" for p in paras for w in p) for d, paras in DOCS.items()}
    assert saved["n_tokens"].to_dict() == words
    assert saved["n_paragraphs"].to_dict() == {d: len(p) for d, p in DOCS.items()}
    cleaning = table(ctx, "cleaning")
    assert list(pd.unique(cleaning["doc_id"])) == list(DOCS)  # the document without removals is kept
    by_doc = cleaning.groupby("doc_id")["n_chars_removed"].sum().to_dict()
    assert by_doc == {"changan_2023": 17 + 6, "laixi_2023": 0}
    assert cleaning.loc[cleaning["doc_id"] == "laixi_2023", "rule"].tolist() == ["(none)"]
    div = table(ctx, "lexical-diversity")
    assert list(div["doc_id"]) == list(DOCS)
    assert ((div["ttr"] > 0) & (div["ttr"] <= 1) & (div["mattr"] > 0) & (div["mattr"] <= 1)).all()


def test_bad_inputs_raise_clear_errors(ctx):
    from huayu.analysis import overview
    from huayu.errors import ParameterError

    with pytest.raises(ParameterError, match="doc_ids: unknown doc_id.*'nowhere_2020'"):
        overview.document_lengths(ctx.documents_table, ctx.tokens, doc_ids=["nowhere_2020"])
    with pytest.raises(ParameterError, match="cleaning_log lacks the column"):
        overview.cleaning_summary(pd.DataFrame({"doc_id": []}), ctx.documents_table)


def test_profile_documents_are_the_lines_drawn(tmp_path):
    """With more documents than MAX_PANELS, the profile is needed (and drawn) for the longest MAX_PANELS only."""
    from _stats_plots import make_context

    from huayu.analysis import overview
    from huayu.plot import overview as overview_plots
    from huayu.plot.panels import MAX_PANELS

    docs = {f"d{i:02d}": [["改革", "发展", "项目"] * (i + 1) + ["。"]] for i in range(MAX_PANELS + 3)}
    ctx = make_context(tmp_path, docs, lang="en")
    diversity = overview.lexical_diversity(ctx.tokens, window=4)
    shown = overview_plots.profile_documents(ctx, diversity)
    assert shown == [f"d{i:02d}" for i in range(3, MAX_PANELS + 3)]  # the longest, in corpus order
    fig = overview_plots.plot_diversity(ctx, diversity, overview.moving_ttr(ctx.tokens, window=4, doc_ids=shown))
    assert len(fig.axes[1].get_lines()) == MAX_PANELS
