"""Rhetoric figures (notebook 07): formulas and slogans across documents, speech outlines, directive
modality with confidence intervals, sentence lengths, four-character expressions and parallelism.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``: house style,
CJK font, zh/en labels, one colour per place), saves it with the table it is drawn from (``ctx.save``)
and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError
from huayu.analysis.rhetoric.modality import CATEGORIES
from huayu.plot.panels import doc_color, facet_axes, unit_label

__all__ = ["plot_presence", "plot_outline", "plot_modality", "plot_sentence_lengths", "plot_style_measures",
           "plot_slogan_lengths", "CATEGORY_LABELS"]

CATEGORY_LABELS = {
    "directive": ("指令与义务", "Directive / obligation"),
    "mobilisation": ("动员动词", "Mobilisation verbs"),
    "commitment": ("承诺标记", "Commitment markers"),
    "evaluation": ("评价标记", "Evaluation markers"),
}


def _is_zh(ctx) -> bool:
    """Whether the figure's labels are Chinese (``ctx.lang``, else what ``ctx.label.text`` picks)."""
    lang = getattr(ctx, "lang", None)
    return lang == "zh" if lang else ctx.label.text(zh="zh", en="en") == "zh"


def _doc_order(ctx, docs) -> list[str]:
    known = list(getattr(ctx, "doc_colors", {}) or {})
    docs = list(dict.fromkeys(str(d) for d in docs))
    return sorted(docs, key=lambda d: known.index(d) if d in known else len(known))


def plot_presence(ctx, counts: pd.DataFrame, *, name: str, title_zh: str, title_en: str, max_rows: int = 40):
    """Items (rows: formulas or slogans) × documents (columns): a dot where a document uses the item,
    its size the number of occurrences, its colour the document's place.

    ``counts`` is an item × doc_id count table (:func:`huayu.analysis.rhetoric.formulas.formulas_by_document` or the
    document columns of :func:`huayu.analysis.rhetoric.slogans.slogan_frequencies` indexed by slogan). Rows are sorted by
    the number of documents, then by the first document that uses them (so each place's own items stand
    together), then total occurrences; at most ``max_rows`` are drawn (the saved table holds the drawn rows).
    """
    max_rows = check_int("max_rows", max_rows, minimum=1)
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ParameterError("counts is empty: there is nothing to draw (no formula or slogan was found)")
    counts = counts.astype("int64")
    docs = _doc_order(ctx, counts.columns)
    counts = counts[docs]
    present = counts.to_numpy() > 0
    order = pd.DataFrame({"n_docs": present.sum(axis=1), "total": counts.sum(axis=1).to_numpy(),
                          "first_doc": present.argmax(axis=1), "item": counts.index.astype(str)}, index=counts.index)
    order = order.sort_values(["n_docs", "first_doc", "total", "item"], ascending=[False, True, False, True],
                              kind="mergesort")
    shown = counts.loc[order.index[:max_rows]]
    n_rows = len(shown)
    fig, ax = ctx.figure(width="double", height=1.2 + 0.2 * n_rows)
    ys, xs = np.nonzero(shown.to_numpy() > 0)
    vals = shown.to_numpy()[ys, xs]
    colors = [doc_color(ctx, docs[x]) for x in xs]
    ax.scatter(xs, ys, s=28 + 22 * np.sqrt(vals), c=colors, edgecolors="0.25", linewidths=0.4, zorder=3)
    for x, y, v in zip(xs, ys, vals, strict=True):
        if v > 1:
            ax.annotate(str(v), (x, y), xytext=(7, 0), textcoords="offset points", va="center", fontsize="x-small")
    ax.set_xticks(range(len(docs)), [unit_label(ctx, d) for d in docs], rotation=30, ha="right")
    ax.set_yticks(range(n_rows), [ctx.label.term(str(t)) for t in shown.index], fontsize="small")
    ax.set_xlim(-0.6, len(docs) - 0.4)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.grid(True, axis="both", color="0.9", lw=0.5)
    ax.set_title(ctx.label.text(zh=title_zh, en=title_en), fontsize="medium")
    table = shown.copy()
    table.insert(0, "n_docs", order.loc[shown.index, "n_docs"].to_numpy())
    table.index.name = counts.index.name or "item"
    ctx.save(fig, name, table=table.reset_index())
    return fig


def plot_outline(ctx, outline: pd.DataFrame, documents_table: pd.DataFrame, *, name: str = "outline",
                 label_min_share: float = 0.04):
    """Each speech's enumerated outline: one panel per document, the x axis its length in characters
    (scaled 0–1), one row per outline level; every section is a bar from its marker to its end, labelled
    with its marker (Chinese) or outline number (English) when the bar is wide enough.

    A document without ordinal markers is shown with an empty panel and a note.
    """
    check_columns("outline", outline, ["doc_id", "level", "marker", "number", "char_start", "char_end"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    docs = _doc_order(ctx, documents_table["doc_id"])
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
                text = marker if _is_zh(ctx) else str(number)
                ax.text(x0 + 0.004, level, text, va="center", ha="left", fontsize="xx-small", clip_on=True)
        if sub.empty:
            ax.text(0.5, (max_level + 1) / 2, ctx.label.text(zh="没有序号标记的提纲", en="no enumerated outline"),
                    ha="center", va="center", fontsize="small", color="0.4")
        ax.set_ylim(max_level + 0.6, 0.4)
        ax.set_yticks(range(1, max_level + 1), [str(i) for i in range(1, max_level + 1)], fontsize="x-small")
        ax.set_xlim(0, 1)
        ax.set_ylabel(unit_label(ctx, doc), rotation=0, ha="right", va="center", fontsize="small")
    axes[min(len(docs), len(axes)) - 1].set_xlabel(ctx.label.text(zh="在讲话中的位置（字数占比）",
                                                                  en="Position in the speech (share of characters)"))
    fig.suptitle(ctx.label.text(zh="讲话提纲：各层级的序号段落", en="Speech outlines: enumerated sections by level"),
                 fontsize="medium")
    ctx.save(fig, name, table=outline)
    return fig


def plot_modality(ctx, rates: pd.DataFrame, *, name: str = "modality"):
    """One panel per category: each document's rate per 1,000 tokens (dot) and its bootstrap
    confidence interval (line), documents in corpus order, coloured by place."""
    check_columns("rates", rates, ["doc_id", "category", "rate", "ci_low", "ci_high"])
    cats = [c for c in CATEGORIES if c in set(rates["category"])]
    if not cats:
        raise ParameterError(f"rates holds no known category; expected some of {', '.join(CATEGORIES)}")
    docs = _doc_order(ctx, rates["doc_id"])
    fig, axes = facet_axes(ctx, len(cats), ncols=2, width="double", height=0.8 + 1.6 * ((len(cats) + 1) // 2),
                           sharey=True)
    y = np.arange(len(docs))
    level = float(rates["ci"].iloc[0]) if "ci" in rates else 0.95
    for ax, cat in zip(axes, cats, strict=False):
        sub = rates[rates["category"] == cat].set_index("doc_id").reindex(docs)
        for yi, doc in zip(y, docs, strict=True):
            r = sub.loc[doc]
            c = doc_color(ctx, doc)
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=c, lw=2.2, solid_capstyle="round", alpha=0.8)
            ax.plot(r["rate"], yi, "o", color=c, markeredgecolor="0.2", markeredgewidth=0.5, ms=6)
        ax.set_yticks(y, [unit_label(ctx, d) for d in docs])
        ax.set_ylim(len(docs) - 0.5, -0.5)
        ax.set_xlim(left=0)
        zh, en = CATEGORY_LABELS[cat]
        ax.set_title(ctx.label.text(zh=zh, en=en), fontsize="medium")
        ax.grid(True, axis="x", color="0.9", lw=0.5)
    fig.supxlabel(ctx.label.text(zh=f"每千词出现次数（点）与 {level:.0%} 自助法置信区间（线，按句重抽样）",
                                 en=f"Per 1,000 tokens (dot) with {level:.0%} bootstrap CI "
                                    "(line; sentences resampled)"),
                  fontsize="small")
    ctx.save(fig, name, table=rates)
    return fig


def plot_sentence_lengths(ctx, lengths: pd.DataFrame, *, column: str = "n_chars", name: str = "sentence-lengths"):
    """Sentence-length distribution per document: a box plot (quartiles, whiskers at 1.5 IQR) over the
    individual sentences (dots), coloured by place."""
    check_columns("lengths", lengths, ["doc_id", column])
    docs = _doc_order(ctx, lengths["doc_id"])
    fig, ax = ctx.figure(width="double", height=0.8 + 0.5 * len(docs))
    data = [lengths.loc[lengths["doc_id"] == d, column].to_numpy(dtype=float) for d in docs]
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
    ax.set_title(ctx.label.text(zh="句长分布", en="Sentence-length distribution"), fontsize="medium")
    ctx.save(fig, name, table=lengths)
    return fig


def plot_style_measures(ctx, four: pd.DataFrame, parallelism: pd.DataFrame, *, name: str = "style"):
    """Three panels per document: share of four-character word tokens, share of four-character
    segments between punctuation, and parallel runs per 100 clauses."""
    check_columns("four", four, ["doc_id", "share_4char_segments"])
    check_columns("parallelism", parallelism, ["doc_id", "runs_per_100_clauses"])
    table = four.merge(parallelism, on="doc_id", how="outer")
    docs = _doc_order(ctx, table["doc_id"])
    table = table.set_index("doc_id").reindex(docs)
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
    ctx.save(fig, name, table=table.reset_index())
    return fig


def plot_slogan_lengths(ctx, slogans: pd.DataFrame, *, name: str = "slogan-lengths"):
    """How long quoted slogans are: counts of slogans by length in characters, stacked by document."""
    check_columns("slogans", slogans, ["doc_id", "n_chars"])
    if slogans.empty:
        raise ParameterError("slogans is empty: no quoted slogan was found")
    docs = _doc_order(ctx, slogans["doc_id"])
    table = pd.crosstab(slogans["n_chars"], slogans["doc_id"]).reindex(columns=docs, fill_value=0)
    fig, ax = ctx.figure(width="single", height=2.6)
    bottom = np.zeros(len(table))
    for doc in docs:
        vals = table[doc].to_numpy(dtype=float)
        ax.bar(table.index, vals, bottom=bottom, color=doc_color(ctx, doc), label=unit_label(ctx, doc), width=0.8)
        bottom += vals
    ax.set_xticks(table.index)
    ax.set_xlabel(ctx.label.text(zh="引号内字数", en="Characters inside the quotation marks"))
    ax.set_ylabel(ctx.label.text(zh="口号数", en="Slogans"))
    ax.legend(fontsize="x-small", frameon=False)
    ctx.save(fig, name, table=table.reset_index())
    return fig
