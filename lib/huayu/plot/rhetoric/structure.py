"""Figures of speech structure (notebook 07): each speech's enumerated outline as stacked sections.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import pandas as pd

from huayu.checks import check_columns
from huayu.plot.panels import (MAX_DOCUMENT_PANELS, doc_color, doc_order, facet_axes, is_zh, longest, shown_note, unit_label)

__all__ = ["plot_outline"]


def plot_outline(ctx, outline: pd.DataFrame, documents_table: pd.DataFrame, *, name: str = "outline",
                 label_min_share: float = 0.04):
    """Each speech's enumerated outline: one panel per document, the x axis its length in characters
    (scaled 0–1), one row per outline level; every section is a bar from its marker to its end, labelled
    with its marker (Chinese) or outline number (English) when the bar is wide enough.

    A document without ordinal markers is shown with an empty panel and a note. At most
    :data:`~huayu.plot.panels.MAX_DOCUMENT_PANELS` panels: of more documents, the longest, as the title says; the
    saved table holds every document's outline.
    """
    check_columns("outline", outline, ["doc_id", "level", "marker", "number", "char_start", "char_end"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    all_docs = doc_order(ctx, documents_table["doc_id"])
    docs = longest(ctx, all_docs, MAX_DOCUMENT_PANELS)
    lengths = dict(zip(documents_table["doc_id"].astype(str), documents_table["text"].astype(str).str.len()))
    max_level = int(outline["level"].max()) if len(outline) else 1
    fig, axes = facet_axes(ctx, len(docs), ncols=1, width="double", height=0.5 + len(docs) * (0.35 + 0.28 * max_level),
                           sharex=True)
    for ax, doc in zip(axes, docs, strict=False):
        sub = outline[outline["doc_id"] == doc]
        total = max(lengths.get(doc, 1), 1)
        color = doc_color(ctx, doc)
        for level, start, end, marker, number in zip(sub["level"], sub["char_start"], sub["char_end"],
                                                     sub["marker"], sub["number"]):
            x0, w = start / total, (end - start) / total
            alpha = max(0.25, 0.9 - 0.22 * (level - 1))
            ax.barh(level, w, left=x0, height=0.8, color=color, alpha=alpha, edgecolor="white", linewidth=0.8)
            if w >= label_min_share:
                text = marker if is_zh(ctx) else str(number)
                ax.text(x0 + 0.004, level, text, va="center", ha="left", fontsize=6, clip_on=True)
        if sub.empty:
            ax.text(0.5, (max_level + 1) / 2, ctx.label.text(zh="没有序号标记的提纲", en="no enumerated outline"),
                    ha="center", va="center", fontsize="small", color="0.4")
        ax.set_ylim(max_level + 0.6, 0.4)
        ax.set_yticks(range(1, max_level + 1), [str(i) for i in range(1, max_level + 1)], fontsize="x-small")
        ax.set_xlim(0, 1)
        ax.set_ylabel(unit_label(ctx, doc), rotation=0, ha="right", va="center", fontsize="small")
    axes[min(len(docs), len(axes)) - 1].set_xlabel(ctx.label.text(zh="在讲话中的位置（字数占比）",
                                                                  en="Position in the speech (share of characters)"))
    title = ctx.label.text(zh="讲话提纲：各层级的序号段落", en="Speech outlines: enumerated sections by level")
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    fig.suptitle(f"{title}\n{note}" if note else title, fontsize="medium")
    ctx.save(fig, name, table=outline)
    return fig
