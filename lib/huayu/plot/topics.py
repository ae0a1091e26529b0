"""Figures of the topics notebook (03): topic–term bars, topic shares per document, silhouette, 2-D map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.plot.panels import (MAX_LABELS, MAX_PANELS, doc_color, facet_axes, longest, place_handles, shown_note,
                               term_bars, term_label, unit_label)

__all__ = ["topic_palette", "plot_topic_terms", "plot_topic_shares", "plot_silhouette", "plot_paragraph_map"]

CLUSTER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")


def topic_palette(topics: list[str]) -> dict[str, tuple]:
    """One colour per topic (seaborn ``colorblind``, cycled); place colours stay for places."""
    import seaborn as sns

    colors = sns.color_palette("colorblind", n_colors=max(len(topics), 1))
    return dict(zip(topics, colors, strict=False))


def plot_topic_terms(ctx, terms: pd.DataFrame, *, model: str = "", ncols: int = 3, name: str = "topic-terms"):
    """Faceted bars: each topic's heaviest terms and their share of the topic's weight."""
    all_topics = list(pd.unique(terms["topic"]))
    topics = all_topics[:MAX_PANELS]  # small multiples: at most MAX_PANELS topics (the first ones)
    palette = topic_palette(all_topics)
    n_terms = int(terms["rank"].max())
    nrows = -(-len(topics) // min(ncols, len(topics)))
    fig, axes = facet_axes(ctx, len(topics), ncols=ncols, width="double",
                           height=0.6 + nrows * (0.5 + 0.2 * n_terms))
    for ax, topic in zip(axes, topics, strict=False):
        term_bars(ctx, ax, terms[terms["topic"] == topic].sort_values("rank"), "weight", color=palette[topic],
                  n_terms=n_terms, title=f"{model.upper()} {topic}".strip())
    fig.supxlabel(ctx.label.text(zh="占主题权重的比例", en="Share of the topic's weight"), fontsize="medium")
    note = shown_note(ctx, len(topics), len(all_topics), criterion_zh="前几个", criterion_en="the first",
                      what_zh="个主题", what_en="topics")
    if note:
        fig.suptitle(note, fontsize="small")
    ctx.save(fig, name, table=terms)
    return fig


def plot_topic_shares(ctx, shares: pd.DataFrame, terms: pd.DataFrame, *, model: str = "",
                      name: str = "topic-shares"):
    """Stacked horizontal bars: the topic share of each document (each bar sums to 1)."""
    topics = list(shares.columns)
    palette = topic_palette(topics)
    labels = terms.drop_duplicates("topic").set_index("topic")["label"]
    docs = longest(ctx, shares.index, MAX_LABELS)
    table = shares.reset_index()
    n_all = len(shares)
    shares = shares.loc[docs]
    fig, ax = ctx.figure(width="double", height=1.4 + (0.45 if len(docs) <= MAX_PANELS else 0.17) * len(docs)
                         + 0.18 * len(topics))
    note = shown_note(ctx, len(docs), n_all, criterion_zh="最长的", criterion_en="the longest")
    if note:
        ax.set_title(note, fontsize="small")
    y = np.arange(len(docs))
    left = np.zeros(len(docs))
    for topic in topics:
        values = shares[topic].to_numpy(dtype=float)
        words = " · ".join(term_label(ctx, t) for t in str(labels.get(topic, "")).split(" · ") if t)
        ax.barh(y, values, left=left, color=palette[topic], label=f"{topic}: {words}", edgecolor="white", lw=0.5)
        for yi, lo, v in zip(y, left, values, strict=True):
            if v >= 0.08:
                ax.text(lo + v / 2, yi, f"{v:.0%}", ha="center", va="center", fontsize="x-small", color="white")
        left += values
    ax.set_yticks(y, [unit_label(ctx, d) for d in docs])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(ctx.label.text(zh=f"主题比例（{model.upper()}，按词数加权的段落平均）",
                                 en=f"Topic share ({model.upper()}, token-weighted mean of paragraphs)"))
    fig.legend(loc="outside lower center", ncols=2, fontsize="x-small", frameon=False)
    ctx.save(fig, name, table=table)
    return fig


def plot_silhouette(ctx, table: pd.DataFrame, chosen: int | None = None, *, name: str = "silhouette"):
    """Silhouette score of k-means for each number of clusters (higher = better separated)."""
    fig, ax = ctx.figure(width="single", height=2.4)
    ax.plot(table["n_clusters"], table["silhouette"], marker="o", color="0.25")
    if chosen is not None and chosen in set(table["n_clusters"]):
        value = float(table.loc[table["n_clusters"] == chosen, "silhouette"].iloc[0])
        ax.scatter([chosen], [value], s=80, facecolors="none", edgecolors="C3", zorder=3)
    ax.set_xlabel(ctx.label.text(zh="聚类数 k", en="Number of clusters k"))
    ax.set_ylabel(ctx.label.text(zh="轮廓系数", en="Silhouette score"))
    ax.set_xticks(table["n_clusters"])
    ctx.save(fig, name, table=table)
    return fig


def plot_paragraph_map(ctx, points: pd.DataFrame, *, name: str = "paragraph-map"):
    """Paragraphs on the first two SVD axes, coloured by place; marker shape = k-means cluster."""
    fig, ax = ctx.figure(width="double", height=4.2)
    clusters = sorted(pd.unique(points["cluster"]), key=lambda c: (len(c), c)) if "cluster" in points else [None]
    markers = dict(zip(clusters, CLUSTER_MARKERS * (len(clusters) // len(CLUSTER_MARKERS) + 1), strict=False))
    sizes = 12 + 60 * np.sqrt(points["n_tokens"] / points["n_tokens"].max())
    for doc_id in pd.unique(points["doc_id"]):
        for cluster in clusters:
            mask = points["doc_id"] == doc_id
            if cluster is not None:
                mask &= points["cluster"] == cluster
            if not mask.any():
                continue
            ax.scatter(points.loc[mask, "x"], points.loc[mask, "y"], s=sizes[mask], marker=markers[cluster],
                       color=doc_color(ctx, doc_id), alpha=0.8, edgecolors="white", linewidths=0.4)
    from matplotlib.lines import Line2D

    handles = place_handles(ctx, pd.unique(points["doc_id"]), marker="o")
    if clusters != [None]:
        handles += [Line2D([], [], ls="", marker=markers[c], color="0.3", label=c) for c in clusters]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", frameon=False)
    ratio = points.attrs.get("explained_variance_ratio", [np.nan, np.nan])
    method = str(points.attrs.get("method", "pca")).upper()
    for axis, (setter, share) in enumerate(((ax.set_xlabel, ratio[0]), (ax.set_ylabel, ratio[1])), start=1):
        setter(ctx.label.text(zh=f"{method} 第 {axis} 维（占方差 {share:.1%}）",
                              en=f"{method} axis {axis} ({share:.1%} of variance)"))
    ctx.save(fig, name, table=points)
    return fig
