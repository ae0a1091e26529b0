"""The rhetoric and text-reuse figures, drawn through a real NotebookContext over small tables, in both
languages (a missing glyph is an error)."""

from __future__ import annotations

import pandas as pd
import pytest

DOCS = {
    "changan_2023": [["一是", "要", "全力", "实施", "8大攻坚提升行动", "。"], ["二是", "要", "坚持", "“", "放管服", "”", "。"],
                     ["全面", "从严", "治党", "永远", "在", "路上", "。"]],
    "laixi_2023": [["要", "深化", "“", "放管服", "”", "改革", "。"], ["重要", "的", "是", "狠抓", "落实", "。"],
                   ["全面", "从严", "治党", "永远", "在", "路上", "。"]],
}


@pytest.fixture(params=["zh", "en"])
def ctx(request, tmp_path):
    from _stats_plots import make_context

    return make_context(tmp_path, DOCS, lang=request.param,
                        places={"changan_2023": ("长安区", "Chang'an"), "laixi_2023": ("莱西市", "Laixi")})


def test_rhetoric_figures(ctx):
    from _stats_plots import written

    from huayu.analysis.rhetoric import formulas, modality, slogans, structure, style
    from huayu.plot.rhetoric import formulas as formula_plots
    from huayu.plot.rhetoric import modality as modality_plots
    from huayu.plot.rhetoric import slogans as slogan_plots
    from huayu.plot.rhetoric import structure as structure_plots
    from huayu.plot.rhetoric import style as style_plots

    docs, tokens = ctx.documents_table, ctx.tokens
    table = formulas.formula_table(docs)
    formula_plots.plot_presence(ctx, formulas.formulas_by_document(table, form="surface"), name="formulas",
                                title_zh="数字式提法", title_en="Numbered formulas")
    st = slogans.slogan_table(docs)
    formula_plots.plot_presence(ctx, slogans.slogan_counts(st), name="slogans", title_zh="口号", title_en="Slogans")
    slogan_plots.plot_slogan_lengths(ctx, st)
    structure_plots.plot_outline(ctx, structure.outline(docs, tokens), docs)
    rates = modality.modality_rates(modality.modality_matches(docs, tokens), tokens, n_boot=50)
    modality_plots.plot_modality(ctx, rates)
    sentences = tokens.groupby(["doc_id", "sent_id"], sort=False)["token"].agg("".join).rename("text").reset_index()
    style_plots.plot_sentence_lengths(ctx, style.sentence_lengths(sentences, tokens))
    style_plots.plot_style_measures(ctx, style.four_char_shares(docs, tokens), style.parallelism_summary(tokens))
    for name in ("formulas", "slogans", "slogan-lengths", "outline", "modality", "sentence-lengths", "style"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]


def test_reuse_figures(ctx):
    from _stats_plots import table, written

    from huayu.analysis import reuse
    from huayu.plot import reuse as reuse_plots

    docs = ctx.documents_table
    passages = reuse.find_reuse(docs, n=8)
    assert len(passages) == 1  # 全面从严治党永远在路上
    matrix = reuse.share_matrix(passages, docs)
    reuse_plots.plot_share_matrix(ctx, matrix)
    reuse_plots.plot_reuse_map(ctx, passages, docs)
    reuse_plots.plot_reuse_coverage(ctx, reuse.coverage(passages, docs, baseline="laixi_2023"))
    for name in ("reuse-matrix", "reuse-map", "reuse-coverage"):
        assert written(ctx, name) == [f"{name}.csv", f"{name}.png"]
    saved = table(ctx, "reuse-matrix").set_index("doc_id")
    assert saved.loc["changan_2023", "laixi_2023"] == pytest.approx(matrix.loc["changan_2023", "laixi_2023"])


def test_empty_inputs_raise_clear_errors(ctx):
    from huayu.plot import reuse as reuse_plots
    from huayu.plot.rhetoric import formulas as formula_plots

    with pytest.raises(ValueError, match="nothing to draw"):
        formula_plots.plot_presence(ctx, pd.DataFrame(), name="x", title_zh="x", title_en="x")
    with pytest.raises(ValueError, match="matrix is empty"):
        reuse_plots.plot_share_matrix(ctx, pd.DataFrame())


def test_corpus_order_and_longest_by_hand():
    import random

    from huayu.plot import panels

    class Ctx:
        pass

    rng = random.Random(0)
    ctx = Ctx()
    ctx.doc_colors = {f"d{i}": "#000000" for i in range(300)}
    lengths = [rng.randint(1, 50) for _ in range(301)]
    ctx.documents_table = pd.DataFrame({"doc_id": [*ctx.doc_colors, "zz"], "text": ["字" * k for k in lengths]})
    docs = rng.sample(list(ctx.doc_colors), 200) + ["zz", "unknown", "d5"]
    order = panels.doc_order(ctx, docs)
    known = sorted(set(docs) & set(ctx.doc_colors), key=lambda d: int(d[1:]))
    assert order == known + ["zz", "unknown"]  # corpus order; documents without a colour last, as given
    for n in (10, 40, 500):
        length = dict(zip(ctx.documents_table["doc_id"], lengths))
        ranked = sorted(range(len(order)), key=lambda i: (-length.get(order[i], -1), i))[:n]
        assert panels.longest(ctx, docs, n) == [order[i] for i in sorted(ranked)]

def test_slogan_lengths_of_many_documents_are_one_bar_per_length(ctx):
    from _stats_plots import written

    from huayu.plot.rhetoric import slogans as slogan_plots

    many = pd.DataFrame({"doc_id": [f"d{i % 30}" for i in range(90)], "n_chars": [2 + i % 4 for i in range(90)]})
    fig = slogan_plots.plot_slogan_lengths(ctx, many, name="many-slogans")
    ax = fig.axes[0]
    assert len(ax.patches) == 4 and sorted(p.get_height() for p in ax.patches) == [22, 22, 23, 23]  # 90 slogans of 2, 3, 4, 5 characters in turn
    assert ax.get_legend() is None and "30" in ax.get_title()
    assert written(ctx, "many-slogans") == ["many-slogans.csv", "many-slogans.png"]
