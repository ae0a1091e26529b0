"""The house style: one seaborn theme, one colour per place, reproducible PDF/SVG settings.

:func:`apply_style` is called when :mod:`huayu.notebook.context` is imported. It sets

* the seaborn theme ``style="whitegrid", context="paper"`` (sizes for a printed page, 8–10 pt text);
* ``font.family`` = the CJK font chosen by :func:`huayu.plot.fonts.resolve_cjk_font`, then DejaVu Sans;
* ``pdf.fonttype = 42`` and ``ps.fonttype = 42`` (TrueType fonts embedded and subset, never Type 3 bitmaps),
  ``svg.fonttype = "path"`` (glyphs as outlines: the SVG renders without the font installed),
  ``svg.hashsalt`` fixed (element ids are the same in every run);
* ``savefig.dpi = 300``, white background, files of exactly the figure's size (``ctx.figure`` uses
  constrained layout, which keeps labels inside; no ``bbox_inches="tight"``, which would also draw each
  figure twice).

Fonts at print size. Figures are drawn at the size they are printed (at most 7.2 × 9.5 in, :func:`figure_size`),
so a point is a printed point. No text is smaller than :data:`MIN_FONT_PT` = 6 pt, within what journals ask of
printed figure text (*Nature*'s guide to preparing figures: 5–7 pt) and legible on paper: :func:`enforce_min_font` raises every smaller text of a figure to 6 pt and is called by
:func:`huayu.plot.save.save_figure` before each figure is laid out and written, so a relative size such as
``"xx-small"`` (5.6 pt at the theme's 9.6 pt base) can never reach a file.

Colours. :func:`place_colors` gives each *place* one colour from the Okabe–Ito palette (distinguishable with
the common colour-vision deficiencies; Okabe & Ito 2008, "Color Universal Design"), in the order places
first appear in the documents table — so a place has the same colour in every figure of every notebook,
whichever subset of documents a figure shows. Documents without a place (the template) get greys.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from huayu.plot import fonts

#: Okabe–Ito colours without black and the low-contrast yellow, in the order they are handed out.
PLACE_PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Extra colours when there are more places than :data:`PLACE_PALETTE` has (tab10 without grey).
EXTRA_PALETTE: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                  "#e377c2", "#bcbd22", "#17becf")
#: Greys for documents with no place (e.g. the template speech).
NO_PLACE_GREYS: tuple[str, ...] = ("#7F7F7F", "#A6A6A6", "#4D4D4D", "#C7C7C7")
#: Colour maps: sequential (counts, TF-IDF, shares) and diverging (centred scores).
SEQUENTIAL_CMAP = "rocket_r"
DIVERGING_CMAP = "vlag"

#: Figure widths in inches: one column / full page width of a typical journal (89 mm / 183 mm).
WIDTHS = {"single": 3.5, "double": 7.2}
#: The largest figure that fits a journal page (double column): 7.2 × 9.5 in. ``figure_size`` caps at these.
MAX_WIDTH = 7.2
MAX_HEIGHT = 9.5

#: The smallest font size of any text in a saved figure, in points at print size.
MIN_FONT_PT = 6.0

#: Values of ``place_zh``/``place_en`` that mean "no place".
UNKNOWN_PLACE = frozenset({"", "unknown", "未知", "nan", "none", "n/a"})

THEME = {"style": "whitegrid", "context": "paper", "palette": list(PLACE_PALETTE)}


def rc_params(choice: fonts.FontChoice | None = None) -> dict:
    """The matplotlib settings of the house style (without the seaborn theme)."""
    return {
        "font.family": fonts.font_families(choice),
        "axes.unicode_minus": True,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "huayu",
        "pdf.compression": 6,
        "savefig.dpi": 300,
        # Figures come from ctx.figure (constrained layout keeps every label inside), so files have exactly the
        # requested size (a journal column is 3.5 in) and each save draws the figure once, not twice as
        # bbox="tight" does.
        "savefig.bbox": None,
        "savefig.pad_inches": 0.05,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
        "figure.dpi": 100,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "legend.title_fontsize": 8,
        "figure.titlesize": 10,
        "axes.titleweight": "normal",
        "image.cmap": "rocket_r",
    }


def apply_style(choice: fonts.FontChoice | None = None) -> fonts.FontChoice:
    """Set the seaborn theme and the rcParams above; returns the font in use."""
    import matplotlib as mpl
    import seaborn as sns

    choice = choice or fonts.resolve_cjk_font()
    rc = rc_params(choice)
    sns.set_theme(style=THEME["style"], context=THEME["context"], palette=THEME["palette"], rc=rc)
    mpl.rcParams.update(rc)  # seaborn's context scaling must not override the explicit sizes
    return choice


def text_artists(fig) -> list:
    """Every visible, non-empty text of ``fig``: titles, labels, tick labels, legends, annotations, colour-bar
    labels (``fig.findobj`` over the whole artist tree)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def enforce_min_font(fig, min_pt: float = MIN_FONT_PT) -> int:
    """Raise every text of ``fig`` smaller than ``min_pt`` points to ``min_pt``; returns how many were raised.

    Tick labels are raised through their axis as well (``tick_params``), so ticks created later by the same
    locator keep the size."""
    from matplotlib.text import Text

    raised = 0
    for ax in fig.axes:
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            sizes = [t.get_fontsize() for t in axis.get_ticklabels()]
            if sizes and min(sizes) < min_pt:
                ax.tick_params(axis=which, labelsize=max(min_pt, min(sizes)))
    for text in fig.findobj(Text):
        if text.get_fontsize() < min_pt - 1e-9:
            text.set_fontsize(min_pt)
            raised += 1
    return raised


def _has_place(value) -> bool:
    return not (value is None or (isinstance(value, float) and pd.isna(value))
                or str(value).strip().lower() in UNKNOWN_PLACE)


def place_key(row: pd.Series | dict) -> str | None:
    """The place a document belongs to (``place_zh``, else ``place_en``), or None when unknown; ``row`` is a
    row of the documents table (a Series or a dict)."""
    present = row.index if isinstance(row, pd.Series) else row
    for column in ("place_zh", "place_en"):
        if column in present and _has_place(row[column]):
            return str(row[column]).strip()
    return None


def place_colors(documents_table: pd.DataFrame) -> dict[str, str]:
    """``{doc_id: hex colour}``: one colour per place, stable across figures (see module docstring).

    ``documents_table`` needs ``doc_id`` and ``place_zh`` and/or ``place_en``; its row order (the corpus order)
    fixes which place gets which colour, so pass the full documents table, not a filtered one.
    """
    if "doc_id" not in documents_table.columns:
        raise ValueError("documents: a 'doc_id' column is required to assign colours")
    palette = list(PLACE_PALETTE) + list(EXTRA_PALETTE)
    by_place: dict[str, str] = {}
    colors: dict[str, str] = {}
    n_unplaced = 0
    columns = [c for c in ("doc_id", "place_zh", "place_en") if c in documents_table.columns]
    # the three columns only: a row of the whole table would carry the document's text along
    for row in documents_table[columns].itertuples(index=False):
        row = dict(zip(columns, row))
        key = place_key(row)
        if key is None:
            colors[str(row["doc_id"])] = NO_PLACE_GREYS[n_unplaced % len(NO_PLACE_GREYS)]
            n_unplaced += 1
            continue
        if key not in by_place:
            by_place[key] = palette[len(by_place) % len(palette)]
        colors[str(row["doc_id"])] = by_place[key]
    return colors


def figure_size(width: str | float = "single", height: float | None = None, *, aspect: float = 0.75) -> tuple[float, float]:
    """``(width, height)`` in inches: ``width`` is ``"single"``, ``"double"`` or inches.

    Both are capped at the page (:data:`MAX_WIDTH` × :data:`MAX_HEIGHT`): a figure that would be larger is drawn
    at the page size, so figure functions select what they show (see :mod:`huayu.plot.panels`)."""
    if isinstance(width, str):
        if width not in WIDTHS:
            raise ValueError(f"width={width!r} is not a known figure width; use one of "
                             f"{sorted(WIDTHS)} or a number of inches")
        w = WIDTHS[width]
    elif isinstance(width, int | float) and width > 0:
        w = float(width)
    else:
        raise ValueError(f"width={width!r}: give 'single', 'double' or a positive number of inches")
    if height is None:
        h = w * aspect
    elif isinstance(height, int | float) and height > 0:
        h = float(height)
    else:
        raise ValueError(f"height={height!r}: give a positive number of inches (or None for the default)")
    return (min(w, MAX_WIDTH), min(h, MAX_HEIGHT))


def ordered(doc_ids: Iterable[str], documents_table: pd.DataFrame) -> list[str]:
    """``doc_ids`` in corpus order (the order of ``documents_table``)."""
    order = {d: i for i, d in enumerate(documents_table["doc_id"].astype(str))}
    return sorted(set(doc_ids), key=lambda d: order.get(d, len(order)))
