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
from huayu.plot.panels import doc_color, doc_order, unit_label
from huayu.plot.theme import NO_PLACE_GREYS

__all__ = ["plot_slogan_lengths"]


def plot_slogan_lengths(ctx, slogans: pd.DataFrame, *, name: str = "slogan-lengths"):
    """How long quoted slogans are: counts of slogans by length in characters, stacked by document (of more
    than 12 documents, one bar per length for all of them: colours repeat beyond a dozen places and a legend
    of a dozen documents would misname the rest; the saved table has the counts per document)."""
    check_columns("slogans", slogans, ["doc_id", "n_chars"])
    if slogans.empty:
        raise ParameterError("slogans is empty: no quoted slogan was found")
    docs = doc_order(ctx, slogans["doc_id"])
    table = pd.crosstab(slogans["n_chars"], slogans["doc_id"]).reindex(columns=docs, fill_value=0)
    fig, ax = ctx.figure(width="single", height=2.6)
    if len(docs) <= 12:
        bottom = np.zeros(len(table))
        for doc in docs:
            vals = table[doc].to_numpy(dtype=float)
            ax.bar(table.index, vals, bottom=bottom, color=doc_color(ctx, doc), label=unit_label(ctx, doc), width=0.8)
            bottom += vals
        ax.legend(fontsize="x-small", frameon=False)
    else:
        ax.bar(table.index, table.to_numpy(dtype=float).sum(axis=1), color=NO_PLACE_GREYS[2], width=0.8)
        ax.set_title(ctx.label.text(zh=f"全部 {len(docs)} 篇文献（各篇计数见表格）",
                                    en=f"All {len(docs)} documents (counts per document in the table)"),
                     fontsize="small")
    ax.set_xticks(table.index)
    ax.set_xlabel(ctx.label.text(zh="引号内字数", en="Characters inside the quotation marks"))
    ax.set_ylabel(ctx.label.text(zh="口号数", en="Slogans"))
    ctx.save(fig, name, table=table.reset_index())
    return fig
