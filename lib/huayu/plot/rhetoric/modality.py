"""Figures of modality (notebook 07): directive, mobilisation, commitment and evaluation rates per document
with bootstrap confidence intervals.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.analysis.rhetoric.modality import CATEGORIES
from huayu.checks import check_columns
from huayu.errors import ParameterError
from huayu.plot.panels import MAX_LABELS, MAX_PANELS, doc_color, doc_order, facet_axes, longest, shown_note, unit_label

__all__ = ["CATEGORY_LABELS", "plot_modality"]

CATEGORY_LABELS = {
    "directive": ("指令与义务", "Directive / obligation"),
    "mobilisation": ("动员动词", "Mobilisation verbs"),
    "commitment": ("承诺标记", "Commitment markers"),
    "evaluation": ("评价标记", "Evaluation markers"),
}


def plot_modality(ctx, rates: pd.DataFrame, *, name: str = "modality"):
    """One panel per category: each document's rate per 1,000 tokens (dot) and its bootstrap
    confidence interval (line), documents in corpus order, coloured by place."""
    check_columns("rates", rates, ["doc_id", "category", "rate", "ci_low", "ci_high"])
    cats = [c for c in CATEGORIES if c in set(rates["category"])]
    if not cats:
        raise ParameterError(f"rates holds no known category; expected some of {', '.join(CATEGORIES)}")
    all_docs = doc_order(ctx, rates["doc_id"])
    docs = longest(ctx, all_docs, MAX_LABELS)
    wide = len(docs) > MAX_PANELS  # many documents: one row of panels, each the page's height
    fig, axes = facet_axes(ctx, len(cats), ncols=len(cats) if wide else 2, width="double",
                           height=(1.2 + 0.2 * len(docs)) if wide else 0.8 + 1.6 * ((len(cats) + 1) // 2),
                           sharey=True)
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    if note:
        fig.suptitle(note, fontsize="small")
    y = np.arange(len(docs))
    level = float(rates["ci"].iloc[0]) if "ci" in rates else 0.95
    for ax, cat in zip(axes, cats, strict=False):
        sub = rates[rates["category"] == cat].set_index("doc_id").reindex(docs)
        for yi, doc in zip(y, docs, strict=True):
            r = sub.loc[doc]
            c = doc_color(ctx, doc)
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=c, lw=2.2, solid_capstyle="round", alpha=0.8)
            ax.plot(r["rate"], yi, "o", color=c, markeredgecolor="0.2", markeredgewidth=0.5, ms=4 if wide else 6)
        ax.set_yticks(y, [unit_label(ctx, d) for d in docs])
        ax.set_ylim(len(docs) - 0.5, -0.5)
        ax.set_xlim(left=0)
        zh, en = CATEGORY_LABELS[cat]
        ax.set_title(ctx.label.text(zh=zh, en=en), fontsize="medium")
        ax.grid(True, axis="x", color="0.9", lw=0.5)
    fig.supxlabel(ctx.label.text(zh=f"每千词出现次数（点）与 {level:.0%} 自助法置信区间（线，按句重抽样）",
                                 en=f"Per 1,000 tokens (dot) with {level:.0%} bootstrap CI "
                                    "(line; sentences resampled)"),
                  fontsize="small")
    ctx.save(fig, name, table=rates)
    return fig
