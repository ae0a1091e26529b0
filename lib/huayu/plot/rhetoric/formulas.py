"""Figures of formulas (notebook 07): which documents use which numbered formula or slogan (a dot chart).

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import check_int
from huayu.errors import ParameterError
from huayu.plot.panels import MAX_LABELS, doc_color, doc_order, shown_note, top_by, unit_label

__all__ = ["plot_presence", "plot_formula_timeline"]


def plot_presence(ctx, counts: pd.DataFrame, *, name: str, title_zh: str, title_en: str, max_rows: int = 40):
    """Items (rows: formulas or slogans) × documents (columns): a dot where a document uses the item,
    its size the number of occurrences, its colour the document's place.

    ``counts`` is an item × doc_id count table (:func:`huayu.analysis.rhetoric.formulas.formulas_by_document` or the
    document columns of :func:`huayu.analysis.rhetoric.slogans.slogan_frequencies` indexed by slogan). Rows are sorted by
    the number of documents, then by the first document that uses them (so each place's own items stand
    together), then total occurrences; at most ``max_rows`` are drawn (the saved table holds the drawn rows).
    """
    max_rows = check_int("max_rows", max_rows, minimum=1)
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ParameterError("counts is empty: there is nothing to draw (no formula or slogan was found)")
    counts = counts.astype("int64")
    all_docs = doc_order(ctx, counts.columns)
    # columns: at most MAX_LABELS documents, those using the most distinct items (the table keeps every document)
    docs = top_by(all_docs, (counts[all_docs] > 0).sum(axis=0).to_numpy(), MAX_LABELS)
    full = counts[all_docs]
    counts = counts[docs]
    present = counts.to_numpy() > 0
    order = pd.DataFrame({"n_docs": present.sum(axis=1), "total": counts.sum(axis=1).to_numpy(),
                          "first_doc": present.argmax(axis=1), "item": counts.index.astype(str)}, index=counts.index)
    order = order.sort_values(["n_docs", "first_doc", "total", "item"], ascending=[False, True, False, True],
                              kind="mergesort")
    shown = counts.loc[order.index[:max_rows]]
    shown_full = full.loc[shown.index]
    n_rows = len(shown)
    fig, ax = ctx.figure(width="double", height=1.2 + 0.2 * n_rows + (1.2 if len(docs) > 12 else 0))
    ys, xs = np.nonzero(shown.to_numpy() > 0)
    vals = shown.to_numpy()[ys, xs]
    colors = [doc_color(ctx, docs[x]) for x in xs]
    ax.scatter(xs, ys, s=28 + 22 * np.sqrt(vals), c=colors, edgecolors="0.25", linewidths=0.4, zorder=3)
    for x, y, v in zip(xs, ys, vals, strict=True):
        if v > 1:
            ax.annotate(str(v), (x, y), xytext=(7, 0), textcoords="offset points", va="center", fontsize="x-small")
    many = len(docs) > 12
    ax.set_xticks(range(len(docs)), [unit_label(ctx, d) for d in docs], rotation=90 if many else 30,
                  ha="center" if many else "right", fontsize="x-small" if many else None)
    ax.set_yticks(range(n_rows), [ctx.label.term(str(t)) for t in shown.index], fontsize="small")
    ax.set_xlim(-0.6, len(docs) - 0.4)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.grid(True, axis="both", color="0.9", lw=0.5)
    title = ctx.label.text(zh=title_zh, en=title_en)
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="用到条目最多的", criterion_en="most items used")
    ax.set_title(f"{title}\n{note}" if note else title, fontsize="medium")
    table = shown_full.copy()
    table.insert(0, "n_docs", order.loc[shown.index, "n_docs"].to_numpy())
    table.index.name = counts.index.name or "item"
    ctx.save(fig, name, table=table.reset_index())
    return fig


def plot_formula_timeline(ctx, timeline: pd.DataFrame, *, name: str = "formula-timeline", max_rows: int = MAX_LABELS):
    """When each numbered formula was first and last used: one row per formula, a line from its first to its
    last year (dots at both ends, the number of documents at the right), on a real time axis.

    ``timeline`` is :func:`huayu.analysis.rhetoric.formulas.formula_timeline`. At most ``max_rows`` rows: of more,
    the formulas used by the most documents (then the earliest), drawn in order of first appearance, as the
    title says; the saved table holds every formula. An empty timeline gives a figure that says so."""
    max_rows = check_int("max_rows", max_rows, minimum=1)
    if timeline.empty:  # a dated corpus without any formula: say so in the figure, keep the (empty) table
        fig, ax = ctx.figure(width="single", height=1.2)
        ax.set_axis_off()
        ax.text(0.5, 0.5, ctx.label.text(zh="没有数字式提法出现在有日期的文本中",
                                         en="No numbered formula occurs in a dated document"),
                ha="center", va="center", transform=ax.transAxes)
        ctx.save(fig, name, table=timeline)
        return fig
    ranked = timeline.sort_values(["n_docs", "first_year", "normalized"], ascending=[False, True, True],
                                  kind="mergesort").head(max_rows)
    shown = timeline.loc[timeline.index.isin(ranked.index)].sort_values(
        ["first_year", "last_year", "normalized"], kind="mergesort")
    n = len(shown)
    fig, ax = ctx.figure(width="double", height=1.3 + 0.19 * n)
    y = np.arange(n)
    first = shown["first_year"].to_numpy(dtype=float)
    last = shown["last_year"].to_numpy(dtype=float)
    ax.hlines(y, first, last, color="#0072B2", lw=1.6)
    ax.scatter(first, y, s=14, color="#0072B2", zorder=3, label=ctx.label.text(zh="首次出现", en="first use"))
    ax.scatter(last, y, s=14, color="#D55E00", zorder=3, label=ctx.label.text(zh="最后出现", en="last use"))
    span = max(float(last.max() - first.min()), 1.0)
    for yi, x, k in zip(y, last, shown["n_docs"], strict=True):
        ax.annotate(str(int(k)), (x, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=6,
                    color="0.35")
    labels = [ctx.label.term(str(t).split("; ")[0]) for t in shown["surfaces"]]
    ax.set_yticks(y, labels)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(first.min() - 0.03 * span - 0.5, last.max() + 0.08 * span + 0.5)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.set_xlabel(ctx.label.text(zh="年份（右侧数字 = 使用该提法的文本数）",
                                 en="Year (number at the right: documents using the formula)"))
    ax.grid(True, axis="x", color="0.9", lw=0.5)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    title = ctx.label.text(zh="数字式提法的首次与最后出现", en="First and last use of each numbered formula")
    note = shown_note(ctx, n, len(timeline), criterion_zh="使用文本最多的", criterion_en="used by the most documents",
                      what_zh="个提法", what_en="formulas")
    ax.set_title(f"{title}\n{note}" if note else title, fontsize="medium")
    ctx.save(fig, name, table=timeline)
    return fig
