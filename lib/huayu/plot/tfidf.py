"""Figures of the TF-IDF notebook (02): distinctive terms, term × document heatmap, similarity + dendrogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from scipy.cluster import hierarchy

from huayu.plot.panels import (MAX_LABELS, MAX_PANELS, doc_color, facet_axes, label_every, longest, shown_note,
                               term_bars, term_label, top_by, unit_label)
from huayu.analysis.tfidf import Clustering

__all__ = ["plot_top_terms", "plot_term_heatmap", "plot_similarity"]


def plot_top_terms(ctx, top: pd.DataFrame, *, ncols: int = 3, name: str = "top-terms"):
    """Faceted horizontal bars: the most distinctive terms (highest TF-IDF) of each unit.

    At most :data:`~huayu.plot.panels.MAX_PANELS` panels: with more units, the longest documents (or the first
    groups), as the title says; the saved table holds every unit."""
    all_units = list(pd.unique(top["unit"]))
    units = longest(ctx, all_units, MAX_PANELS)
    top_all, top = top, top[top["unit"].isin(units)]
    n_terms = int(top["rank"].max())
    nrows = -(-len(units) // min(ncols, len(units)))
    fig, axes = facet_axes(ctx, len(units), ncols=ncols, width="double", height=0.6 + nrows * (0.6 + 0.2 * n_terms))
    xmax = float(top["tfidf"].max()) * 1.05
    for ax, unit in zip(axes, units, strict=False):
        term_bars(ctx, ax, top[top["unit"] == unit].sort_values("rank"), "tfidf", color=doc_color(ctx, unit),
                  n_terms=n_terms, title=unit_label(ctx, unit))
        ax.set_xlim(0, xmax)
    fig.supxlabel(ctx.label.text(zh="TF-IDF 权重", en="TF-IDF weight"), fontsize="medium")
    note = shown_note(ctx, len(units), len(all_units), criterion_zh="最长的", criterion_en="the longest",
                      what_zh="个单位", what_en="units")
    if note:
        fig.suptitle(note, fontsize="small")
    ctx.save(fig, name, table=top_all)
    return fig


VALUE_LABELS = {
    "tfidf": (("TF-IDF 权重", "TF-IDF weight"), ".2f"),
    "count": (("出现次数", "Occurrences"), "d"),
    "per_1000": (("每千词频次", "Per 1,000 tokens"), ".1f"),
}


def plot_term_heatmap(ctx, table: pd.DataFrame, *, value: str = "tfidf", name: str = "term-heatmap"):
    """Heatmap of chosen terms (rows) × units (columns), each cell annotated with its value
    (``value`` as in :func:`huayu.analysis.tfidf.term_document_table`)."""
    (value_label, fmt) = VALUE_LABELS.get(value, ((value, value), ".2f"))

    full = table
    # at most MAX_LABELS terms (highest total) and MAX_LABELS units (the longest documents); the table keeps all
    terms = top_by(table.index, table.sum(axis=1).to_numpy(dtype=float), MAX_LABELS)
    units = longest(ctx, table.columns, MAX_LABELS)
    table = table.loc[terms, [u for u in table.columns if u in set(units)]]
    n_terms, n_units = table.shape
    fig, ax = ctx.figure(width="double", height=1.2 + 0.28 * n_terms + (0.8 if n_units > 8 else 0))
    notes = [shown_note(ctx, n_terms, full.shape[0], criterion_zh="总值最高的", criterion_en="highest total",
                        what_zh="个词", what_en="terms"),
             shown_note(ctx, n_units, full.shape[1], criterion_zh="最长的", criterion_en="the longest",
                        what_zh="个单位", what_en="units")]
    if any(notes):
        ax.set_title(" ".join(n for n in notes if n), fontsize="small")
    shown = table.copy()
    shown.index = [term_label(ctx, t) for t in table.index]
    shown.columns = [unit_label(ctx, u) for u in table.columns]
    sns.heatmap(shown, ax=ax, cmap="rocket_r", annot=n_terms * n_units <= 400, fmt=fmt,
                annot_kws={"fontsize": "x-small"}, linewidths=0.5, linecolor="white",
                cbar_kws={"label": ctx.label.text(zh=value_label[0], en=value_label[1]), "shrink": 0.8})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=0 if n_units <= 8 else 90)
    ax.tick_params(axis="y", rotation=0)
    ctx.save(fig, name, table=full.reset_index())
    return fig


def plot_similarity(ctx, similarity: pd.DataFrame, clustering: Clustering, *, name: str = "similarity",
                    n_units: int | None = None):
    """Cosine similarity heatmap in dendrogram order, with the average-linkage dendrogram above it.

    Every unit of ``similarity`` is drawn; with more than :data:`~huayu.plot.panels.MAX_LABELS` units only every
    k-th is labelled (the title says so) and the saved table holds every pair. ``n_units``: the number of units
    in the corpus when ``similarity`` holds only some of them (:func:`huayu.analysis.tfidf.similarity_units`):
    the title then says how many of how many are shown."""
    n = similarity.shape[0]
    step = label_every(n)
    fig, axes = facet_axes(ctx, 2, ncols=1, width="double", height=2.2 + 0.45 * n if step == 1 else 9.5,
                           height_ratios=(1, 2.6) if step == 1 else (1, 4))
    ax_tree, ax = axes
    order = clustering.order
    hierarchy.dendrogram(clustering.linkage, ax=ax_tree, no_labels=True, color_threshold=0,
                         above_threshold_color="0.35", link_color_func=None)
    ax_tree.set_ylabel(ctx.label.text(zh="余弦距离", en="Cosine distance"), fontsize="small")
    ax_tree.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax_tree.spines[side].set_visible(False)
    ordered = clustering.ordered(similarity)
    labels = [unit_label(ctx, u) for u in order]
    shown = pd.DataFrame(ordered.to_numpy(), index=labels, columns=labels)
    # the diagonal (1 by definition) is left blank so the colours spread over the pairs that differ
    diagonal = np.eye(n, dtype=bool)
    off = shown.to_numpy()[~diagonal]
    vmin, vmax = (float(off.min()), float(off.max())) if off.size else (0.0, 1.0)
    sns.heatmap(shown, ax=ax, mask=diagonal, cmap="mako_r", vmin=vmin, vmax=max(vmax, vmin + 1e-9),
                xticklabels=step, yticklabels=step,
                annot=n <= 20, fmt=".2f", annot_kws={"fontsize": "small"}, linewidths=0.5 if n <= 40 else 0,
                linecolor="white",
                cbar_kws={"label": ctx.label.text(zh="余弦相似度（对角线 = 1，未着色）",
                                                  en="Cosine similarity (diagonal = 1, not coloured)"),
                          "shrink": 0.8, "location": "bottom", "pad": 0.15})
    ax.tick_params(axis="x", rotation=0 if n <= 8 else 90)
    ax.tick_params(axis="y", rotation=0)
    if step > 1:
        ax.tick_params(labelsize="x-small")
    if n_units is not None and n_units > n:
        ax_tree.set_title(ctx.label.text(
            zh=f"（{n_units} 个单位中词数最多的 {n} 个" + (f"，每 {step} 个标注一个" if step > 1 else "")
            + "；表格含这些单位的每一对）",
            en=f"(the {n} of {n_units} units with the most words" + (f", every {step}th labelled" if step > 1 else "")
            + "; every pair of them in the table)"), fontsize="small")
    elif step > 1:
        ax_tree.set_title(ctx.label.text(zh=f"（{n} 个单位全部绘出，每 {step} 个标注一个；表格含全部）",
                                         en=f"(all {n} units drawn, every {step}th labelled; all in the table)"),
                          fontsize="small")
    for tick, unit in zip(ax.get_xticklabels(), order[::step], strict=False):
        tick.set_color(doc_color(ctx, unit))
    for tick, unit in zip(ax.get_yticklabels(), order[::step], strict=False):
        tick.set_color(doc_color(ctx, unit))
    # align the dendrogram leaves (spaced 10 apart, from 5) with the heatmap columns
    ax_tree.set_xlim(0, 10 * n)
    table = ordered.copy()
    table.insert(0, "unit", table.index)
    ctx.save(fig, name, table=table.reset_index(drop=True))
    return fig
