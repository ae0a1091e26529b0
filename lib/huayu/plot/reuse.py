"""Text-reuse figures (notebook 08): the document × document share matrix, a map of the shared
passages along each text, and each text's reuse split into template, other places and itself.

Each function draws one figure through a :class:`huayu.notebook.context.NotebookContext` (``ctx``), saves it
with the table it is drawn from (``ctx.save``) and returns the figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import check_columns
from huayu.errors import ParameterError
from huayu.plot.panels import (MAX_DOCUMENT_PANELS, MAX_LABELS, NEUTRAL, doc_color, doc_order, facet_axes,
                               label_every, longest, shown_note, top_by, unit_label)

__all__ = ["plot_share_matrix", "plot_reuse_map", "plot_reuse_coverage"]


def plot_share_matrix(ctx, matrix: pd.DataFrame, *, name: str = "reuse-matrix"):
    """Heatmap of :func:`huayu.analysis.reuse.share_matrix`: cell (row *r*, column *c*) is the percentage of *r*'s
    characters (punctuation removed) in passages it shares with *c*; the diagonal is reuse within *r*."""
    import seaborn as sns

    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise ParameterError("matrix is empty: compute it with huayu.analysis.reuse.share_matrix first")
    docs = doc_order(ctx, matrix.index)
    m = matrix.reindex(index=docs, columns=docs)
    n = len(docs)
    step = label_every(n)
    labels = [unit_label(ctx, d) for d in docs]
    small = n <= 12
    fig, ax = ctx.figure(width="single" if small else "double", height=0.9 + 0.5 * n if small else 8.0)
    sns.heatmap(100 * m.to_numpy(dtype=float), ax=ax, annot=small, fmt=".1f", cmap="rocket_r", vmin=0,
                cbar_kws={"label": ctx.label.text(zh="共享字数占行文本的百分比", en="% of the row text in shared passages")},
                xticklabels=labels[::step] if step > 1 else labels, yticklabels=labels[::step] if step > 1 else labels,
                linewidths=0.5 if n <= 40 else 0, linecolor="white", annot_kws={"fontsize": 7}, square=True)
    if step > 1:
        ax.set_xticks(np.arange(0, n, step) + 0.5, labels[::step])
        ax.set_yticks(np.arange(0, n, step) + 0.5, labels[::step])
        ax.tick_params(labelsize="x-small")
        ax.set_title(ctx.label.text(zh=f"（{n} 个文本全部绘出，每 {step} 个标注一个；表格含全部）",
                                    en=f"(all {n} documents drawn, every {step}th labelled; all in the table)"),
                     fontsize="small")
    n_all = int(matrix.attrs.get("n_documents", n))
    if n_all > n:  # share_matrix kept the documents with the most shared text
        ax.set_title(ctx.label.text(zh=f"（共享最多的 {n} 个文本，共 {n_all} 个；每对文本见 reuse-pairs 表）",
                                    en=f"(the {n} documents sharing most, of {n_all}; every pair in reuse-pairs)"),
                     fontsize="small")
    ax.set_xlabel(ctx.label.text(zh="与之共享的文本", en="Shared with"))
    ax.set_ylabel(ctx.label.text(zh="文本", en="Text"))
    ax.tick_params(axis="x", rotation=35 if small else 90)
    for t in ax.get_xticklabels():
        t.set_ha("right")
    ax.tick_params(axis="y", rotation=0)
    table = m.copy()
    table.index.name = "doc_id"
    ctx.save(fig, name, table=table.reset_index())
    return fig


def plot_reuse_map(ctx, passages: pd.DataFrame, documents_table: pd.DataFrame, *, name: str = "reuse-map"):
    """Where the shared passages lie: one panel per document (x = position in its text, 0–1), one row
    per partner document (itself for internal reuse); a bar marks each passage, coloured by the partner.

    At most :data:`~huayu.plot.panels.MAX_DOCUMENT_PANELS` panels (of more documents: the longest), their rows the
    shown documents and one row for all other partners, as the title says; the saved table holds every passage."""
    check_columns("passages", passages, ["doc_a", "doc_b", "start_a", "end_a", "start_b", "end_b"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    all_docs = doc_order(ctx, documents_table["doc_id"])
    docs = longest(ctx, all_docs, MAX_DOCUMENT_PANELS)
    others = len(docs) < len(all_docs)
    rows = docs + (["…"] if others else [])
    lengths = dict(zip(documents_table["doc_id"].astype(str), documents_table["text"].astype(str).str.len()))
    sides = pd.concat([
        pd.DataFrame({"doc": passages["doc_a"], "partner": passages["doc_b"], "start": passages["start_a"],
                      "end": passages["end_a"]}),
        pd.DataFrame({"doc": passages["doc_b"], "partner": passages["doc_a"], "start": passages["start_b"],
                      "end": passages["end_b"]}),
    ], ignore_index=True)
    fig, axes = facet_axes(ctx, len(docs), ncols=1, width="double", height=0.6 + len(docs) * (0.25 + 0.16 * len(rows)),
                           sharex=True)
    for ax, doc in zip(axes, docs, strict=False):
        sub = sides[sides["doc"] == doc]
        total = max(lengths.get(doc, 1), 1)
        for row, partner in enumerate(rows):
            part = sub[~sub["partner"].isin(docs)] if partner == "…" else sub[sub["partner"] == partner]
            if len(part):
                x0 = part["start"].to_numpy() / total
                w = (part["end"].to_numpy() - part["start"].to_numpy()) / total
                ax.barh(np.full(len(part), row), np.maximum(w, 0.002), left=x0, height=0.75,
                        color=NEUTRAL if partner == "…" else doc_color(ctx, partner), hatch="////" if partner == doc else None,
                        edgecolor="0.3" if partner == doc else "none", linewidth=0.3)
        other = ctx.label.text(zh="其他文本", en="other documents")
        ax.set_yticks(range(len(rows)), [other if p == "…" else unit_label(ctx, p) for p in rows], fontsize=6)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_title(unit_label(ctx, doc), fontsize="small", loc="left")
    axes[min(len(docs), len(axes)) - 1].set_xlabel(
        ctx.label.text(zh="在文本中的位置（字数占比）；行 = 共享对象，斜线 = 文本内部重复",
                       en="Position in the text (share of characters); rows = partner, hatched = repeated within"))
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    if note:
        fig.suptitle(note, fontsize="small")
    ctx.save(fig, name, table=sides.sort_values(["doc", "partner", "start"]).reset_index(drop=True))
    return fig


def plot_reuse_coverage(ctx, cov: pd.DataFrame, *, name: str = "reuse-coverage"):
    """Per document: the share of its text shared with the baseline (template), with the other
    documents, and repeated within itself (:func:`huayu.analysis.reuse.coverage` with ``baseline``). Without
    a baseline (no ``shared_baseline`` column): the share shared with any other document, and repeated within."""
    if "shared_baseline" in cov.columns:
        check_columns("cov", cov, ["doc_id", "shared_baseline", "shared_other", "internal"])
        measures = [("shared_baseline", "与模板共享", "shared with the template", "0.35"),
                    ("shared_other", "与其他地方共享", "shared with other places", "#4c72b0"),
                    ("internal", "文本内部重复", "repeated within the text", "#dd8452")]
    else:
        check_columns("cov", cov, ["doc_id", "shared_any", "internal"])
        measures = [("shared_any", "与其他文本共享", "shared with other documents", "#4c72b0"),
                    ("internal", "文本内部重复", "repeated within the text", "#dd8452")]
    all_docs = doc_order(ctx, cov["doc_id"])
    full = cov.set_index("doc_id").reindex(all_docs)
    docs = top_by(all_docs, full[[m[0] for m in measures]].sum(axis=1).to_numpy(), MAX_LABELS // 2)
    t = full.loc[docs]
    fig, ax = ctx.figure(width="double", height=0.9 + 0.55 * len(docs))
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="共享比例最高的", criterion_en="most reuse")
    if note:
        ax.set_title(note, fontsize="small")
    y = np.arange(len(docs))
    h = 0.26
    for k, (col, zh, en, color) in enumerate(measures):
        vals = 100 * t[col].to_numpy(dtype=float)
        offset = (k - (len(measures) - 1) / 2) * h
        ax.barh(y + offset, vals, height=h, color=color, label=ctx.label.text(zh=zh, en=en))
        for yi, v in zip(y + offset, vals, strict=True):
            ax.annotate(f"{v:.1f}", (v, yi), xytext=(2, 0), textcoords="offset points", va="center",
                        fontsize=6)
    ax.set_yticks(y, [unit_label(ctx, d) for d in docs])
    ax.set_ylim(len(docs) - 0.5, -0.5)
    ax.margins(x=0.15)
    ax.set_xlabel(ctx.label.text(zh="占文本字数的百分比（不计标点）", en="% of the text's characters (punctuation excluded)"))
    ax.legend(fontsize="x-small", frameon=False, loc="lower right")
    ctx.save(fig, name, table=full.reset_index())
    return fig
