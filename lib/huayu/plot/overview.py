"""Figures of the corpus overview (notebook 01): lengths, what cleaning removed, lexical diversity.

Each function draws one figure in the house style through a :class:`huayu.notebook.context.NotebookContext`
(``ctx``), saves it with the table it is drawn from (``ctx.save``) and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.plot.panels import (MAX_LABELS, MAX_PANELS, doc_color, facet_axes, longest, shown_note, top_by,
                               unit_label)

__all__ = ["plot_lengths", "plot_cleaning", "plot_diversity", "profile_documents"]

LENGTH_MEASURES = (
    ("n_chars_clean", "字数（清洗后）", "Characters (cleaned)"),
    ("n_tokens", "词数", "Word tokens"),
    ("n_sentences", "句数", "Sentences"),
    ("n_paragraphs", "段落数", "Paragraphs"),
)


def plot_lengths(ctx, lengths: pd.DataFrame, *, name: str = "lengths"):
    """Four small bar charts: characters, word tokens, sentences and paragraphs per document.

    With more than :data:`~huayu.plot.panels.MAX_LABELS` documents the figure shows the longest ones (characters)
    in one row of four panels and says so in its title; the saved table holds every document."""
    all_docs = list(lengths["doc_id"])
    docs = top_by(all_docs, lengths["n_chars_clean"], MAX_LABELS)
    shown = lengths.set_index("doc_id").loc[docs].reset_index()
    labels = [unit_label(ctx, d) for d in docs]
    colors = [doc_color(ctx, d) for d in docs]
    wide = len(docs) > MAX_PANELS  # many documents: one row of four panels, each the page's height
    fig, axes = facet_axes(ctx, len(LENGTH_MEASURES), ncols=4 if wide else 2, width="double",
                           height=(1.0 + 0.2 * len(docs)) if wide else 0.9 + 0.55 * len(docs) * 2, sharey=True)
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的（字数）", criterion_en="the longest")
    if note:
        fig.suptitle(note, fontsize="small")
    y = np.arange(len(docs))
    for ax, (col, zh, en) in zip(axes, LENGTH_MEASURES, strict=False):
        values = shown[col].to_numpy(dtype=float)
        ax.barh(y, values, color=colors)
        ax.set_yticks(y, labels)
        ax.set_ylim(len(docs) - 0.5, -0.5)
        ax.set_title(ctx.label.text(zh=zh, en=en))
        for yi, v in zip(y, values, strict=True):
            ax.annotate(f"{v:,.0f}", (v, yi), xytext=(2, 0), textcoords="offset points", va="center",
                        fontsize="x-small" if wide else "small")
        ax.margins(x=0.3 if wide else 0.18)
        if wide:
            ax.tick_params(axis="x", labelsize="x-small", rotation=90)
    for ax in axes[len(LENGTH_MEASURES):]:
        ax.set_visible(False)
    ctx.save(fig, name, table=lengths)
    return fig


def plot_cleaning(ctx, summary: pd.DataFrame, *, name: str = "cleaning", max_docs: int = 10):
    """What cleaning removed: a rule × document grid of characters removed (number of removals in
    brackets), with each document's total and its share of the raw text under its name.

    At most ``max_docs`` documents are columns: with more, those with the most characters removed, as the title
    says; the saved table holds every document."""
    import seaborn as sns

    all_docs = list(pd.unique(summary["doc_id"]))
    removed = summary.groupby("doc_id", sort=False)["n_chars_removed"].sum().reindex(all_docs)
    docs = top_by(all_docs, removed.to_numpy(), max_docs)
    found = summary[(summary["rule"] != "(none)") & summary["doc_id"].isin(docs)]
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
    fig, ax = ctx.figure(width="double", height=1.3 + 0.32 * len(rules) + (1.2 if len(docs) > 5 else 0))
    shown = chars.astype(float).where(chars > 0)
    shown.index = [r.replace("_", " ") for r in rules]
    shown.columns = [f"{unit_label(ctx, d)}\n{int(t):,} ({s:.1%})"
                     for d, t, s in zip(docs, totals["chars"], totals["share"], strict=True)]
    sns.heatmap(shown, ax=ax, cmap="flare", annot=annot, fmt="", annot_kws={"fontsize": "x-small"},
                xticklabels=list(shown.columns), yticklabels=list(shown.index),
                linewidths=0.5, linecolor="0.9", cbar_kws={"label": ctx.label.text(zh="删除的字符数",
                                                                                  en="Characters removed")})
    ax.set_facecolor("white")
    ax.set_xlabel(ctx.label.text(zh="文本（删除字符总数及占原文比例）", en="Text (characters removed, share of raw text)"))
    ax.set_ylabel(ctx.label.text(zh="清洗规则", en="Cleaning rule"))
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="删除字符最多的", criterion_en="most characters removed")
    if note:
        ax.set_title(note, fontsize="small")
    ax.tick_params(axis="x", rotation=0 if len(docs) <= 5 else 90, labelsize="small" if len(docs) <= 5 else "x-small")
    ax.tick_params(axis="y", rotation=0, labelsize="small")
    for tick, doc_id in zip(ax.get_xticklabels(), docs, strict=False):
        tick.set_color(doc_color(ctx, doc_id))
    ctx.save(fig, name, table=summary)
    return fig


def profile_documents(ctx, diversity: pd.DataFrame) -> list[str]:
    """The documents whose moving TTR :func:`plot_diversity` draws (the :data:`~huayu.plot.panels.MAX_PANELS`
    longest of those it lists): the MATTR profile (:func:`huayu.analysis.overview.moving_ttr`, one row per
    window) is needed for these only, whatever the size of the corpus."""
    docs = longest(ctx, list(diversity["doc_id"]), MAX_LABELS)
    return longest(ctx, docs, MAX_PANELS)


def plot_diversity(ctx, diversity: pd.DataFrame, profile: pd.DataFrame, *, name: str = "lexical-diversity"):
    """Left: TTR and MATTR per document. Right: the moving TTR along each document (the MATTR profile).

    With many documents the left panel shows the :data:`~huayu.plot.panels.MAX_LABELS` longest and the right one
    the :data:`~huayu.plot.panels.MAX_PANELS` longest (the title says so); the saved table holds every document."""
    all_docs = list(diversity["doc_id"])
    docs = longest(ctx, all_docs, MAX_LABELS)
    diversity_all = diversity
    diversity = diversity.set_index("doc_id").loc[docs].reset_index()
    lined = set(profile_documents(ctx, diversity_all))
    profile = profile[profile["doc_id"].isin(lined)]
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
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    if note:
        fig.suptitle(note, fontsize="small")
    if len(lined) < len(docs):
        ax2.set_title(shown_note(ctx, len(lined), len(all_docs), criterion_zh="最长的", criterion_en="the longest"),
                      fontsize="x-small")
    ctx.save(fig, name, table=diversity_all)
    return fig
