"""Small helpers shared by the analysis figures: facets, unit labels and place colours.

They only combine what :class:`huayu.notebook.context.NotebookContext` provides (``ctx.figure``, ``ctx.label``,
``ctx.doc_colors``), so every figure keeps the house style, the CJK font and one colour per place.
"""

from __future__ import annotations

import math

from huayu.analysis.dfm import UNIT_SEPARATOR

__all__ = ["facet_axes", "unit_label", "doc_color", "doc_order", "is_zh", "unit_document", "term_label", "term_bars", "NEUTRAL",
           "MAX_PANELS", "MAX_LABELS", "MAX_DOCUMENT_PANELS", "longest", "top_by", "shown_note", "with_note",
           "place_handles", "label_every", "fit_height"]

#: Colour of a unit that is not a document (a group of documents).
NEUTRAL = "0.45"
#: At most this many small multiples in one figure.
MAX_PANELS = 12
#: At most this many labelled rows (or columns) on one axis: 9.5 in of page height at 7-pt labels.
MAX_LABELS = 40
#: Per-document figures that cannot scale (outline, dispersion within texts, reuse map) show this many.
MAX_DOCUMENT_PANELS = 8


def fit_height(height: float) -> float:
    """``height`` in inches, at most the page height (:data:`huayu.plot.theme.MAX_HEIGHT`)."""
    from huayu.plot.theme import MAX_HEIGHT

    return min(float(height), MAX_HEIGHT)


def longest(ctx, doc_ids, n: int) -> list[str]:
    """The ``n`` longest of ``doc_ids`` (characters of the cleaned text; documents of unknown length last),
    returned in corpus order. All of ``doc_ids`` (in corpus order) when there are at most ``n``."""
    docs = doc_order(ctx, doc_ids)
    if len(docs) <= n:
        return docs
    lengths = {}
    table = getattr(ctx, "documents_table", None)
    if table is not None and "doc_id" in table.columns:
        column = "n_chars_clean" if "n_chars_clean" in table.columns else None
        if column is None and "text" in table.columns:
            lengths = dict(zip(table["doc_id"].astype(str), table["text"].astype(str).str.len()))
        elif column is not None:
            lengths = dict(zip(table["doc_id"].astype(str), table[column]))
    ranked = sorted(range(len(docs)), key=lambda i: (-float(lengths.get(docs[i], -1)), i))[:n]
    return [docs[i] for i in sorted(ranked)]


def top_by(items, scores, n: int) -> list:
    """The ``n`` items with the highest ``scores`` (ties: first in order), kept in their given order."""
    items, scores = list(items), [float(s) for s in scores]
    if len(items) <= n:
        return items
    ranked = sorted(range(len(items)), key=lambda i: (-scores[i], i))[:n]
    return [items[i] for i in sorted(ranked)]


def shown_note(ctx, n_shown: int, n_total: int, *, criterion_zh: str = "", criterion_en: str = "",
               what_zh: str = "个文本", what_en: str = "documents") -> str:
    """``"(showing 12 of 200 documents: the longest; all in the table)"``, or ``""`` when all are shown."""
    if n_shown >= n_total:
        return ""
    zh_by = f"：{criterion_zh}" if criterion_zh else ""
    en_by = f": {criterion_en}" if criterion_en else ""
    return ctx.label.text(zh=f"（显示 {n_total} {what_zh}中的 {n_shown} 个{zh_by}；表格含全部）",
                          en=f"(showing {n_shown} of {n_total} {what_en}{en_by}; all in the table)")


def with_note(title: str, note: str) -> str:
    """``title`` with ``note`` on a second line (``title`` alone when there is no note)."""
    if not note:
        return title
    return f"{title}\n{note}" if title else note


def place_handles(ctx, doc_ids, *, marker: str | None = None, max_entries: int = MAX_PANELS):
    """Legend handles for ``doc_ids``: one per distinct label and colour (places repeat), at most
    ``max_entries``."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    seen: dict[tuple[str, str], object] = {}
    for d in doc_ids:
        key = (unit_label(ctx, d), str(doc_color(ctx, d)))
        if key in seen:
            continue
        if len(seen) >= max_entries:
            break
        seen[key] = (Line2D([], [], ls="", marker=marker, color=key[1], label=key[0]) if marker
                     else Patch(color=key[1], label=key[0]))
    return list(seen.values())


def label_every(n: int, max_labels: int = MAX_LABELS) -> int:
    """The step ``k`` so that labelling every k-th of ``n`` units gives at most ``max_labels`` labels."""
    return max(1, math.ceil(n / max_labels))


def facet_axes(ctx, n: int, *, ncols: int, width: str = "double", height: float = 3.0,
               sharex: bool = False, sharey: bool = False, width_ratios=None, height_ratios=None):
    """A figure from ``ctx.figure`` with ``n`` panels on a grid of ``ncols`` columns.

    Returns ``(fig, axes)`` with ``axes`` a flat list (row by row); panels beyond ``n`` are hidden.
    """
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    height = fit_height(height)
    gridspec = {}
    if width_ratios is not None:
        gridspec["width_ratios"] = list(width_ratios)
    if height_ratios is not None:
        gridspec["height_ratios"] = list(height_ratios)
    fig, grid = ctx.figure(width=width, height=height, nrows=nrows, ncols=ncols, squeeze=False,
                           sharex=sharex, sharey=sharey, gridspec_kw=gridspec or None)
    axes = list(grid.ravel())
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes


def _known_documents(ctx) -> set[str]:
    return set(ctx.doc_colors)


def unit_document(unit: str) -> str:
    """The ``doc_id`` part of a unit label (``"laixi_2023/3"`` → ``"laixi_2023"``)."""
    return str(unit).rsplit(UNIT_SEPARATOR, 1)[0] if UNIT_SEPARATOR in str(unit) else str(unit)


def unit_label(ctx, unit: str) -> str:
    """The display name of a unit: the place of a document (``ctx.label.doc``), a group name as it is,
    or the place and paragraph number of a ``"doc_id/para_id"`` unit."""
    unit = str(unit)
    doc = unit_document(unit)
    if doc in _known_documents(ctx):
        place = ctx.label.doc(doc)
        if doc != unit:
            para = unit.rsplit(UNIT_SEPARATOR, 1)[1]
            return f"{place} ¶{para}"
        return place
    return unit


def doc_color(ctx, unit: str):
    """The colour of the place of a unit's document (one colour per place in every figure)."""
    return ctx.doc_colors.get(unit_document(str(unit)), NEUTRAL)


def term_label(ctx, term: str) -> str:
    """A term in the figure's language (``ctx.label.term``: glossary, then pinyin, for ``lang="en"``)."""
    return ctx.label.term(str(term))


def is_zh(ctx) -> bool:
    """Whether the figure's labels are Chinese (``ctx.lang``, else what ``ctx.label.text`` picks)."""
    lang = getattr(ctx, "lang", None)
    return lang == "zh" if lang else ctx.label.text(zh="zh", en="en") == "zh"


def doc_order(ctx, doc_ids) -> list[str]:
    """``doc_ids`` (distinct, as strings) in the order of the context's document colours (corpus order)."""
    rank = {d: i for i, d in enumerate(getattr(ctx, "doc_colors", {}) or {})}  # a lookup, not list.index per id
    docs = list(dict.fromkeys(str(d) for d in doc_ids))
    return sorted(docs, key=lambda d: rank.get(d, len(rank)))


def term_bars(ctx, ax, part, value: str, *, color, n_terms: int, title: str) -> None:
    """One panel of ranked terms: a horizontal bar per row of ``part`` (``term`` and ``value`` columns, in rank
    order, top first), room for ``n_terms`` rows so panels line up, term labels in the context's language."""
    import numpy as np

    y = np.arange(len(part))
    ax.barh(y, part[value], color=color)
    ax.set_yticks(y, [term_label(ctx, t) for t in part["term"]])
    ax.set_ylim(n_terms - 0.5, -0.5)
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize="small")
