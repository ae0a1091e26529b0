"""Small helpers shared by the analysis figures: facets, unit labels and place colours.

They only combine what :class:`huayu.notebook.context.NotebookContext` provides (``ctx.figure``, ``ctx.label``,
``ctx.doc_colors``), so every figure keeps the house style, the CJK font and one colour per place.
"""

from __future__ import annotations

import math

from huayu.analysis.dfm import UNIT_SEPARATOR

__all__ = ["facet_axes", "unit_label", "doc_color", "doc_order", "is_zh", "unit_document", "term_label", "NEUTRAL"]

#: Colour of a unit that is not a document (a group of documents).
NEUTRAL = "0.45"


def facet_axes(ctx, n: int, *, ncols: int, width: str = "double", height: float = 3.0,
               sharex: bool = False, sharey: bool = False, width_ratios=None, height_ratios=None):
    """A figure from ``ctx.figure`` with ``n`` panels on a grid of ``ncols`` columns.

    Returns ``(fig, axes)`` with ``axes`` a flat list (row by row); panels beyond ``n`` are hidden.
    """
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
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
    known = list(getattr(ctx, "doc_colors", {}) or {})
    docs = list(dict.fromkeys(str(d) for d in doc_ids))
    return sorted(docs, key=lambda d: known.index(d) if d in known else len(known))
