"""Dispersion figures (notebook 05): where in each document a term occurs (AntConc's concordance plot).

Each function draws through a :class:`huayu.notebook.context.NotebookContext` (``ctx``), saves the figure with its
table (``ctx.save``) and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import check_columns
from huayu.errors import ParameterError

__all__ = ["plot_dispersion"]


def plot_dispersion(ctx, positions: pd.DataFrame, *, doc_ids: list[str] | None = None,
                    name: str = "dispersion-plot"):
    """A barcode per term and document: one tick at the relative position of every occurrence.

    ``positions`` is a :func:`huayu.analysis.dispersion.term_positions` table. One panel row per term, one line
    per document (``doc_ids``, default: the documents of ``positions`` in corpus order — pass
    ``ctx.documents_table["doc_id"]`` to show documents without hits too). The x axis runs from the start (0)
    to the end (1) of each document, so documents of different lengths line up; the count of
    occurrences is printed at the right.
    """
    check_columns("positions", positions, ["doc_id", "term", "position"])
    if positions.empty:
        raise ParameterError("positions is empty: none of the terms occurs")
    from huayu.plot.panels import MAX_DOCUMENT_PANELS, MAX_LABELS, longest, shown_note

    terms = list(dict.fromkeys(positions["term"]))
    all_docs = list(doc_ids) if doc_ids is not None else list(dict.fromkeys(positions["doc_id"]))
    # one line per term and document: at most MAX_LABELS lines, of at most MAX_DOCUMENT_PANELS documents (the longest)
    per_term = max(1, min(MAX_DOCUMENT_PANELS, MAX_LABELS // max(len(terms), 1)))
    docs = longest(ctx, all_docs, per_term)
    n_rows = len(terms) * len(docs)
    fig, ax = ctx.figure(width="double", height=0.8 + 0.16 * n_rows + 0.1 * len(terms))
    colors = getattr(ctx, "doc_colors", {}) or {}
    grouped = {key: part["position"].to_numpy(dtype=float)
               for key, part in positions.groupby(["term", "doc_id"], sort=False)}
    events, offsets, line_colors, labels, counts = [], [], [], [], []
    headings = []
    row = 0.0
    for term in terms:  # loop over terms × documents (rows of the figure), not over tokens
        headings.append((term, row))
        row += 0.9  # a heading line above each term's block
        for doc in docs:
            pos = grouped.get((term, doc), np.zeros(0))
            events.append(pos)
            offsets.append(row)
            line_colors.append(colors.get(doc, "0.2"))
            labels.append(ctx.label.doc(doc))
            counts.append(pos.size)
            row += 1
        row += 0.3
    ax.eventplot(events, lineoffsets=offsets, linelengths=0.8, linewidths=1.0, colors=line_colors)
    ax.set_yticks(offsets, labels, fontsize="x-small")
    ax.set_xlim(0, 1)
    ax.set_ylim(row - 0.2, -0.6)
    for off, cnt in zip(offsets, counts, strict=True):
        ax.annotate(str(cnt), (1, off), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="x-small", annotation_clip=False)
    from matplotlib.transforms import blended_transform_factory

    heading = blended_transform_factory(ax.transAxes, ax.transData)
    from huayu.plot.keyness import term_labels

    for (_term, y), shown in zip(headings, term_labels(ctx, terms), strict=True):
        ax.text(0.005, y + 0.1, shown, transform=heading, ha="left", va="center",
                fontsize="small", fontweight="bold")
    ax.set_xlabel(ctx.label.text(zh="在文中的相对位置（0 = 开头，1 = 结尾）",
                                 en="Relative position in the document (0 = start, 1 = end)"))
    title = ctx.label.text(zh="离散图：每条竖线是一次出现，右侧为次数",
                           en="Dispersion plot: one tick per occurrence, count at the right")
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    ax.set_title(f"{title}\n{note}" if note else title, fontsize="medium")
    ctx.save(fig, name, table=positions)
    return fig
