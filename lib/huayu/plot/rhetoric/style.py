"""Figures of style (notebook 07): sentence lengths, four-character expressions (四字格) and parallelism.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import check_columns
from huayu.plot.panels import MAX_LABELS, doc_color, doc_order, facet_axes, longest, shown_note, unit_label

__all__ = ["plot_sentence_lengths", "plot_style_measures"]


def plot_sentence_lengths(ctx, lengths: pd.DataFrame, *, column: str = "n_chars", name: str = "sentence-lengths"):
    """Sentence-length distribution per document: a box plot (quartiles, whiskers at 1.5 IQR) over the
    individual sentences (dots), coloured by place."""
    check_columns("lengths", lengths, ["doc_id", column])
    all_docs = doc_order(ctx, lengths["doc_id"])
    docs = longest(ctx, all_docs, MAX_LABELS)
    fig, ax = ctx.figure(width="double", height=0.8 + 0.5 * len(docs))
    shown = lengths.loc[lengths["doc_id"].astype("str").isin(docs).to_numpy(), ["doc_id", column]]  # the drawn rows
    groups = shown.groupby(shown["doc_id"].astype("str"), sort=False).indices  # one pass, not one per document
    values = shown[column].to_numpy(dtype=float)
    data = [values[groups[d]] if d in groups else np.zeros(0) for d in docs]
    bp = ax.boxplot(data, orientation="horizontal", positions=range(len(docs)), widths=0.55, patch_artist=True,
                    showfliers=False, medianprops={"color": "0.1"})
    for patch, doc in zip(bp["boxes"], docs, strict=True):
        patch.set_facecolor(doc_color(ctx, doc))
        patch.set_alpha(0.55)
    rng = np.random.default_rng(0)  # fixed jitter: the figure is byte-identical across runs
    for i, (vals, doc) in enumerate(zip(data, docs, strict=True)):
        ax.scatter(vals, i + rng.uniform(-0.18, 0.18, len(vals)), s=6, color=doc_color(ctx, doc), alpha=0.7,
                   linewidths=0, zorder=3)
    ax.set_yticks(range(len(docs)), [unit_label(ctx, d) for d in docs])
    ax.set_ylim(len(docs) - 0.5, -0.5)
    unit = {"n_chars": ("字", "characters"), "n_tokens": ("词", "word tokens")}.get(column, (column, column))
    ax.set_xlabel(ctx.label.text(zh=f"句长（{unit[0]}，不计标点）", en=f"Sentence length ({unit[1]}, punctuation excluded)"))
    title = ctx.label.text(zh="句长分布", en="Sentence-length distribution")
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    ax.set_title(f"{title}\n{note}" if note else title, fontsize="medium")
    ctx.save(fig, name, table=lengths)
    return fig


def plot_style_measures(ctx, four: pd.DataFrame, parallelism: pd.DataFrame, *, name: str = "style"):
    """Three panels per document: share of four-character word tokens, share of four-character
    segments between punctuation, and parallel runs per 100 clauses."""
    check_columns("four", four, ["doc_id", "share_4char_segments"])
    check_columns("parallelism", parallelism, ["doc_id", "runs_per_100_clauses"])
    table = four.merge(parallelism, on="doc_id", how="outer")
    all_docs = doc_order(ctx, table["doc_id"])
    docs = longest(ctx, all_docs, MAX_LABELS)
    full = table.set_index("doc_id").reindex(all_docs)
    table = full.loc[docs]
    panels = []
    if "share_4char_tokens" in table:
        panels.append(("share_4char_tokens", "四字词占词数比例", "Four-character word tokens (share)", True))
    panels.append(("share_4char_segments", "四字片段占标点片段比例", "Four-character segments (share)", True))
    panels.append(("runs_per_100_clauses", "每百小句的排比串数", "Parallel runs per 100 clauses", False))
    fig, axes = facet_axes(ctx, len(panels), ncols=len(panels), width="double", height=0.9 + 0.45 * len(docs),
                           sharey=True)
    y = np.arange(len(docs))
    for ax, (col, zh, en, pct) in zip(axes, panels, strict=False):
        vals = table[col].to_numpy(dtype=float)
        ax.barh(y, vals, color=[doc_color(ctx, d) for d in docs])
        for yi, v in zip(y, vals, strict=True):
            ax.annotate(f"{v:.1%}" if pct else f"{v:.2f}", (v, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize="x-small")
        ax.set_yticks(y, [unit_label(ctx, d) for d in docs])
        ax.set_ylim(len(docs) - 0.5, -0.5)
        ax.margins(x=0.25)
        ax.set_title(ctx.label.text(zh=zh, en=en), fontsize="small")
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    if note:
        fig.suptitle(note, fontsize="small")
    ctx.save(fig, name, table=full.reset_index())
    return fig
