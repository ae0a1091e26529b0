"""Figures of slogans (notebook 07): the lengths of quoted slogans per document.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import check_columns
from huayu.errors import ParameterError
from huayu.plot.panels import doc_color, doc_order, place_handles, unit_label

__all__ = ["plot_slogan_lengths"]


def plot_slogan_lengths(ctx, slogans: pd.DataFrame, *, name: str = "slogan-lengths"):
    """How long quoted slogans are: counts of slogans by length in characters, stacked by document (of more
    than 12 documents, stacked by colour: the documents of one place are one segment)."""
    check_columns("slogans", slogans, ["doc_id", "n_chars"])
    if slogans.empty:
        raise ParameterError("slogans is empty: no quoted slogan was found")
    docs = doc_order(ctx, slogans["doc_id"])
    table = pd.crosstab(slogans["n_chars"], slogans["doc_id"]).reindex(columns=docs, fill_value=0)
    fig, ax = ctx.figure(width="single", height=2.6)
    bottom = np.zeros(len(table))
    if len(docs) <= 12:
        for doc in docs:
            vals = table[doc].to_numpy(dtype=float)
            ax.bar(table.index, vals, bottom=bottom, color=doc_color(ctx, doc), label=unit_label(ctx, doc), width=0.8)
            bottom += vals
    else:  # one segment per colour (a place), in order of first appearance: 12 calls, not one per document
        colors = [doc_color(ctx, doc) for doc in docs]
        group = pd.Series(colors, dtype=object)
        values = table.to_numpy(dtype=float)
        for color, idx in group.groupby(group, sort=False).indices.items():
            vals = values[:, idx].sum(axis=1)
            ax.bar(table.index, vals, bottom=bottom, color=color, width=0.8)
            bottom += vals
    ax.set_xticks(table.index)
    ax.set_xlabel(ctx.label.text(zh="引号内字数", en="Characters inside the quotation marks"))
    ax.set_ylabel(ctx.label.text(zh="口号数", en="Slogans"))
    if len(docs) <= 12:
        ax.legend(fontsize="x-small", frameon=False)
    else:  # one entry per place (colours are places), at most 12
        ax.legend(handles=place_handles(ctx, docs), fontsize="x-small", frameon=False, ncols=2)
    ctx.save(fig, name, table=table.reset_index())
    return fig
