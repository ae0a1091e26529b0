"""Figures of the corpus overview (notebook 01): lengths, what cleaning removed, lexical diversity.

Each function draws one figure in the house style through a :class:`huayu.notebook.context.NotebookContext`
(``ctx``), saves it with the table it is drawn from (``ctx.save``) and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.plot.panels import doc_color, facet_axes, unit_label

__all__ = ["plot_lengths", "plot_cleaning", "plot_diversity"]

LENGTH_MEASURES = (
    ("n_chars_clean", "字数（清洗后）", "Characters (cleaned)"),
    ("n_tokens", "词数", "Word tokens"),
    ("n_sentences", "句数", "Sentences"),
    ("n_paragraphs", "段落数", "Paragraphs"),
)


def plot_lengths(ctx, lengths: pd.DataFrame, *, name: str = "lengths"):
    """Four small bar charts: characters, word tokens, sentences and paragraphs per document."""
    docs = list(lengths["doc_id"])
    labels = [unit_label(ctx, d) for d in docs]
    colors = [doc_color(ctx, d) for d in docs]
    fig, axes = facet_axes(ctx, len(LENGTH_MEASURES), ncols=2, width="double",
                           height=0.9 + 0.55 * len(docs) * 2, sharey=True)
    y = np.arange(len(docs))
    for ax, (col, zh, en) in zip(axes, LENGTH_MEASURES, strict=False):
        values = lengths[col].to_numpy(dtype=float)
        ax.barh(y, values, color=colors)
        ax.set_yticks(y, labels)
        ax.set_ylim(len(docs) - 0.5, -0.5)
        ax.set_title(ctx.label.text(zh=zh, en=en))
        for yi, v in zip(y, values, strict=True):
            ax.annotate(f"{v:,.0f}", (v, yi), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize="small")
        ax.margins(x=0.18)
    for ax in axes[len(LENGTH_MEASURES):]:
        ax.set_visible(False)
    ctx.save(fig, name, table=lengths)
    return fig


def plot_cleaning(ctx, summary: pd.DataFrame, *, name: str = "cleaning"):
    """What cleaning removed: a rule × document grid of characters removed (number of removals in
    brackets), with each document's total and its share of the raw text under its name."""
    import seaborn as sns

    docs = list(pd.unique(summary["doc_id"]))
    found = summary[summary["rule"] != "(none)"]
    rules = list(pd.unique(found["rule"])) or ["(none)"]
    chars = (found.pivot_table(index="rule", columns="doc_id", values="n_chars_removed", aggfunc="sum",
                               fill_value=0, sort=False)
             .reindex(index=rules, columns=docs, fill_value=0))
    counts = (found.pivot_table(index="rule", columns="doc_id", values="n_removals", aggfunc="sum",
                                fill_value=0, sort=False)
              .reindex(index=rules, columns=docs, fill_value=0))
    annot = np.where(counts.to_numpy() > 0,
                     [[f"{c:,} (×{n})" for c, n in zip(rc, rn, strict=True)]
                      for rc, rn in zip(chars.to_numpy(), counts.to_numpy(), strict=True)], "")
    totals = summary.groupby("doc_id", sort=False).agg(chars=("n_chars_removed", "sum"),
                                                        share=("share_of_raw", "sum")).reindex(docs)
    fig, ax = ctx.figure(width="double", height=1.3 + 0.32 * len(rules))
    shown = chars.astype(float).where(chars > 0)
    shown.index = [r.replace("_", " ") for r in rules]
    shown.columns = [f"{unit_label(ctx, d)}\n{int(t):,} ({s:.1%})"
                     for d, t, s in zip(docs, totals["chars"], totals["share"], strict=True)]
    sns.heatmap(shown, ax=ax, cmap="flare", annot=annot, fmt="", annot_kws={"fontsize": "x-small"},
                linewidths=0.5, linecolor="0.9", cbar_kws={"label": ctx.label.text(zh="删除的字符数",
                                                                                  en="Characters removed")})
    ax.set_facecolor("white")
    ax.set_xlabel(ctx.label.text(zh="文本（删除字符总数及占原文比例）", en="Text (characters removed, share of raw text)"))
    ax.set_ylabel(ctx.label.text(zh="清洗规则", en="Cleaning rule"))
    ax.tick_params(axis="x", rotation=0, labelsize="small")
    ax.tick_params(axis="y", rotation=0, labelsize="small")
    for tick, doc_id in zip(ax.get_xticklabels(), docs, strict=True):
        tick.set_color(doc_color(ctx, doc_id))
    ctx.save(fig, name, table=summary)
    return fig


def plot_diversity(ctx, diversity: pd.DataFrame, profile: pd.DataFrame, *, name: str = "lexical-diversity"):
    """Left: TTR and MATTR per document. Right: the moving TTR along each document (the MATTR profile)."""
    docs = list(diversity["doc_id"])
    fig, axes = facet_axes(ctx, 2, ncols=2, width="double", height=1.2 + 0.45 * max(len(docs), 4),
                           width_ratios=(1, 1.5))
    ax, ax2 = axes[0], axes[1]
    y = np.arange(len(docs))
    ax.scatter(diversity["ttr"], y, marker="o", facecolors="none", edgecolors="0.3", label="TTR", zorder=3)
    ax.scatter(diversity["mattr"], y, marker="o", c=[doc_color(ctx, d) for d in docs], label="MATTR", zorder=3)
    for yi, a, b in zip(y, diversity["ttr"], diversity["mattr"], strict=True):
        ax.plot([a, b], [yi, yi], color="0.7", lw=1, zorder=2)
    short = diversity["mattr_window"] < diversity["window"]
    ax.set_yticks(y, [unit_label(ctx, d) + (" *" if s else "") for d, s in zip(docs, short, strict=True)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    window = int(diversity["window"].iloc[0])
    ax.set_xlabel(ctx.label.text(zh=f"类符/形符比（MATTR 窗口 = {window} 词）",
                                 en=f"Type–token ratio (MATTR window = {window} tokens)"))
    ax.legend(loc="center left", fontsize="small", frameon=True)
    lengths = profile.groupby("doc_id", sort=False)["window_start"].transform("max") + 1
    for doc_id, part in profile.assign(rel=profile["window_start"] / lengths).groupby("doc_id", sort=False):
        ax2.plot(part["rel"], part["ttr"], color=doc_color(ctx, doc_id), lw=1.2, label=unit_label(ctx, doc_id))
    ax2.set_xlabel(ctx.label.text(zh="窗口在文中的相对位置", en="Relative position of the window in the text"))
    ax2.set_ylabel(ctx.label.text(zh="窗口内的 TTR", en="TTR in the window"))
    ax2.set_xlim(0, 1)
    ax2.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", frameon=False)
    ctx.save(fig, name, table=diversity)
    return fig
