"""Checks that a figure fits a journal page: at most 7.2 × 9.5 in (2160 × 2850 px at 300 dpi), tick labels
that do not overlap; and a real NotebookContext over a synthetic corpus of any size."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

MAX_INCHES = (7.2, 9.5)
MAX_PIXELS_300 = (2160, 2850)


def assert_png_fits(path: Path, dpi: int = 300) -> None:
    """A PNG written at ``dpi`` is at most 7.2 × 9.5 in (2160 × 2850 px at 300 dpi)."""
    from PIL import Image

    with Image.open(path) as img:
        w, h = img.size
    limit = (round(MAX_PIXELS_300[0] * dpi / 300), round(MAX_PIXELS_300[1] * dpi / 300))
    assert w <= limit[0] and h <= limit[1], f"{path}: {w} × {h} px at {dpi} dpi exceeds {limit[0]} × {limit[1]}"


def overlapping_tick_labels(fig) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty tick labels on one axis of one panel whose boxes overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text().strip()]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
            for (ta, a), (tb, b) in combinations(boxes, 2):
                # overlap by more than half a pixel in both directions
                if min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5:
                    found.append((ta, tb))
    return found


def assert_fits(fig) -> None:
    """``fig`` is at most 7.2 × 9.5 in and no two tick labels of one axis overlap."""
    w, h = fig.get_size_inches()
    assert w <= MAX_INCHES[0] + 1e-6 and h <= MAX_INCHES[1] + 1e-6, f"figure is {w:.1f} × {h:.1f} in"
    overlaps = overlapping_tick_labels(fig)
    assert not overlaps, f"{len(overlaps)} overlapping tick labels, e.g. {overlaps[:3]}"


def synthetic_context(tmp_path: Path, n: int, *, lang: str = "zh", notebook: str = "01-corpus-overview"):
    """A NotebookContext (png, dpi 60) over ``n`` synthetic documents with places and dates."""
    from _synthetic_corpus import synthetic_docs
    from _token_tables import make_documents, make_tokens

    from huayu.notebook.context import NotebookContext, strict_glyphs

    strict_glyphs(True)
    docs, places, dates = synthetic_docs(n)
    interim, processed = tmp_path / "interim", tmp_path / "processed"
    interim.mkdir(parents=True, exist_ok=True)
    processed.mkdir(parents=True, exist_ok=True)
    documents = make_documents(docs, dates=dates, places=places)
    documents["genre"] = "speech"
    documents["date_certainty"] = "stated"
    documents.to_parquet(interim / "documents.parquet", index=False)
    make_tokens(docs).to_parquet(processed / "tokens.parquet", index=False)
    return NotebookContext(notebook, figures_dir=tmp_path / "figures", lang=lang, formats=["png"], dpi=60,
                           interim_dir=interim, processed_dir=processed)
