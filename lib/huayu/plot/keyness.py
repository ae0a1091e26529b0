"""Keyness figures (notebook 05): target-vs-reference bars and one panel of keywords per group.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from huayu.checks import check_choice, check_columns, check_int
from huayu.errors import ParameterError
from huayu.analysis.keyness import top_keywords

__all__ = ["plot_keyness", "plot_keyness_by_group", "group_label", "term_labels"]

REFERENCE_COLOR = "0.62"
DEFAULT_TARGET_COLOR = "#1f5fa6"
MEASURE_LABELS = {
    "g2": ("对数似然 G²（带符号）", "Log-likelihood G² (signed)"),
    "chi2": ("卡方 χ²（带符号）", "Chi-square χ² (signed)"),
    "log_ratio": ("对数比 Log Ratio（log₂ 相对频率之比）", "Log Ratio (log₂ of the ratio of relative frequencies)"),
    "pct_diff": ("%DIFF", "%DIFF"),
}

PANEL_LABELS = {
    "g2": ("对数似然 G²", "Log-likelihood G²"),
    "chi2": ("卡方 χ²", "Chi-square χ²"),
    "log_ratio": ("对数比 Log Ratio", "Log Ratio"),
    "pct_diff": ("%DIFF", "%DIFF"),
}


def term_labels(ctx, terms) -> list[str]:
    """Labels of several terms at once; two terms with the same English gloss get their Chinese added."""
    terms = [str(t) for t in terms]
    many = getattr(ctx.label, "terms", None)
    return list(many(terms)) if callable(many) else [ctx.label.term(t) for t in terms]


def _vocabulary(by: str) -> dict[str, dict[str, str]]:
    from huayu.pipeline import metadata

    try:
        if by == "genre":
            return metadata.genres()
        if by == "admin_level":
            return metadata.admin_levels()
    except (OSError, ValueError):
        return {}
    return {}


def group_label(ctx, values: list[str], by: str) -> str:
    """A readable label for a target/reference group: place names for documents, vocabulary labels for
    ``genre``/``admin_level``, the values themselves otherwise (years, places)."""
    sep = ctx.label.text(zh="、", en=", ")
    if not values or list(values) == ["rest"]:
        return ctx.label.text(zh="其余文本", en="rest of the corpus")
    if by == "doc_id":
        return sep.join(ctx.label.doc(v) for v in values)
    vocab = _vocabulary(by)
    shown = []
    for v in values:
        if v in vocab:
            shown.append(ctx.label.text(zh=vocab[v].get("label_zh") or v, en=vocab[v].get("label_en") or v))
        elif v == "unknown":
            shown.append(ctx.label.text(zh="未知", en="unknown"))
        else:
            shown.append(v)
    return sep.join(shown)


def _target_color(ctx, table: pd.DataFrame) -> str:
    targets = table.attrs.get("target", [])
    colors = getattr(ctx, "doc_colors", {}) or {}
    if table.attrs.get("by") == "doc_id" and len(targets) == 1 and targets[0] in colors:
        return colors[targets[0]]
    return DEFAULT_TARGET_COLOR


def plot_keyness(ctx, table: pd.DataFrame, *, n: int = 15, measure: str = "g2", name: str = "keyness-bars",
                 significant_only: bool = False):
    """Horizontal bars of the ``n`` strongest positive and negative keywords (quanteda's ``textplot_keyness``).

    Bars to the right (target colour) are terms the target over-uses, bars to the left (grey) terms it
    under-uses relative to the reference; a hatched bar is not significant after the Bonferroni
    adjustment. Saved with the plotted rows as its table.
    """
    check_choice("measure", measure, tuple(MEASURE_LABELS))
    n = check_int("n", n, minimum=1, maximum=60)
    check_columns("table", table, ["term", measure, "direction", "significant", "freq_target", "freq_reference"])
    top = top_keywords(table, n, sort_by=measure, significant_only=significant_only)
    if top.empty:
        raise ParameterError("no keyword to plot (with significant_only=True, none is significant: set it False)")
    by = table.attrs.get("by", "doc_id")
    target_name = group_label(ctx, list(table.attrs.get("target", [])), by)
    reference_name = group_label(ctx, list(table.attrs.get("reference", ["rest"])), by)
    values = top[measure].to_numpy(dtype=float)
    if measure in ("log_ratio", "pct_diff"):
        values = np.abs(values) * np.where(top["direction"] == "target", 1.0, -1.0)
    y = np.arange(len(top))
    fig, ax = ctx.figure(width="double", height=1.0 + 0.19 * len(top))
    tcol = _target_color(ctx, table)
    colors = [tcol if d == "target" else REFERENCE_COLOR for d in top["direction"]]
    bars = ax.barh(y, values, color=colors, edgecolor=colors, linewidth=0.6)
    for bar, sig in zip(bars, top["significant"], strict=True):
        if not sig:
            bar.set_facecolor("none")
            bar.set_hatch("///")
    span = float(np.max(np.abs(values))) if len(values) else 1.0
    for yi, v, term in zip(y, values, term_labels(ctx, top["term"]), strict=True):
        ax.annotate(term, (v, yi), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize="small")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks([])
    ax.invert_yaxis()
    # room for the labels beyond the longest bar on each side
    neg = float(-values.min()) if (values < 0).any() else 0.0
    pos = float(values.max()) if (values > 0).any() else 0.0
    ax.set_xlim(-(neg + 0.3 * span) if neg else 0, (pos + 0.3 * span) if pos else 0)
    zh, en = MEASURE_LABELS[measure]
    ax.set_xlabel(ctx.label.text(zh=zh, en=en))
    from matplotlib.patches import Patch

    handles = [Patch(color=tcol, label=target_name), Patch(color=REFERENCE_COLOR, label=reference_name),
               Patch(facecolor="none", edgecolor="0.3", hatch="///",
                     label=ctx.label.text(zh="Bonferroni 校正后不显著", en="not significant (Bonferroni)"))]
    ax.legend(handles=handles, loc="lower right", fontsize="small", frameon=False)
    ax.set_title(ctx.label.text(zh=f"关键词：{target_name} 对比 {reference_name}",
                                en=f"Keywords: {target_name} vs {reference_name}"), fontsize="medium")
    ctx.save(fig, name, table=top)
    return fig


def plot_keyness_by_group(ctx, table: pd.DataFrame, *, n: int = 10, measure: str = "g2",
                          name: str = "keyness-by-group", ncols: int = 3):
    """One small panel per group: its ``n`` strongest positive keywords against the rest of the corpus.

    ``table`` is a :func:`huayu.analysis.keyness.keyness_by_group` result. Bars are coloured by place when the
    groups are documents; a hatched bar is not significant after the Bonferroni adjustment.
    """
    check_choice("measure", measure, ("g2", "chi2", "log_ratio", "pct_diff"))
    n = check_int("n", n, minimum=1, maximum=40)
    ncols = check_int("ncols", ncols, minimum=1, maximum=6)
    check_columns("table", table, ["group", "term", measure, "significant"])
    all_groups = list(dict.fromkeys(table["group"]))
    if not all_groups:
        raise ParameterError("the table holds no keyword (every group is empty after min_freq)")
    from huayu.plot.panels import MAX_PANELS, fit_height, longest, shown_note, top_by

    # small multiples: at most MAX_PANELS groups (documents: the longest; other groups: the most tokens), in order
    by = table.attrs.get("by", "doc_id")
    sizes = table.attrs.get("group_sizes") or {}
    if by == "doc_id" or not sizes:
        groups = longest(ctx, all_groups, MAX_PANELS)
    else:
        groups = top_by(all_groups, [sizes.get(g, 0) for g in all_groups], MAX_PANELS)
    rows = math.ceil(len(groups) / ncols)
    ncols = min(ncols, len(groups))
    fig, axes = ctx.figure(width="double", height=fit_height(0.6 + rows * (0.45 + 0.17 * n)), nrows=rows, ncols=ncols,
                           squeeze=False)
    flat = list(np.asarray(axes).ravel())
    colors = getattr(ctx, "doc_colors", {}) or {}
    shown = []
    # every group's n strongest at once: one sort of the table (group in order of first appearance, measure
    # descending, term), then the first n rows of each group — not one scan of the table per group
    ranked = table.assign(_g=pd.factorize(table["group"], sort=False)[0]).sort_values(
        ["_g", measure, "term"], ascending=[True, False, True], kind="mergesort")
    head = ranked.groupby("_g", sort=False).head(n)
    code = {g: i for i, g in enumerate(all_groups)}
    for ax, group in zip(flat, groups, strict=False):
        part = head[head["_g"].to_numpy() == code[group]].drop(columns="_g")
        shown.append(part)
        y = np.arange(len(part))
        color = colors.get(group, DEFAULT_TARGET_COLOR) if by == "doc_id" else DEFAULT_TARGET_COLOR
        bars = ax.barh(y, part[measure].to_numpy(dtype=float), color=color, edgecolor=color, linewidth=0.6)
        for bar, sig in zip(bars, part["significant"], strict=True):
            if not sig:
                bar.set_facecolor("none")
                bar.set_hatch("///")
        ax.set_yticks(y, term_labels(ctx, part["term"]), fontsize="small")
        ax.invert_yaxis()
        ax.set_title(group_label(ctx, [group], by), fontsize="medium")
        ax.tick_params(axis="x", labelsize="x-small")
    for ax in flat[len(groups):]:
        ax.set_visible(False)
    zh, en = PANEL_LABELS[measure]
    fig.supxlabel(ctx.label.text(zh=f"{zh}，对比其余文本（斜线 = Bonferroni 校正后不显著）",
                                 en=f"{en} against the rest of the corpus (hatched = not significant, Bonferroni)"),
                  fontsize="small")
    longest_zh, longest_en = ("最长的", "the longest") if by == "doc_id" or not sizes else ("词数最多的", "most tokens")
    note = shown_note(ctx, len(groups), len(all_groups), criterion_zh=longest_zh, criterion_en=longest_en,
                      what_zh="个组", what_en="groups")
    if note:
        fig.suptitle(note, fontsize="small")
    # the table: the groups drawn, in panel order, then every other group's n strongest, in corpus order
    rank = np.arange(len(groups), len(groups) + len(all_groups))
    rank[[code[g] for g in groups]] = np.arange(len(groups))
    saved = head.assign(_r=rank[head["_g"].to_numpy()]).sort_values("_r", kind="mergesort")
    ctx.save(fig, name, table=saved.drop(columns=["_g", "_r"]).reset_index(drop=True))
    return fig
