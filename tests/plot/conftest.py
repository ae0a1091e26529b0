"""Every figure a plot test saves is checked for the smallest text: no visible text of it below 6 pt at print
size (the figure is at most 7.2 × 9.5 in, so a point of the figure is a printed point)."""

from __future__ import annotations

import pytest

MIN_PT = 6.0


def small_texts(fig, min_pt: float = MIN_PT) -> list[tuple[str, float]]:
    """``(text, size)`` of every visible, non-empty text artist of ``fig`` smaller than ``min_pt`` points."""
    from huayu.plot.theme import text_artists

    return [(t.get_text(), t.get_fontsize()) for t in text_artists(fig) if t.get_fontsize() < min_pt - 1e-9]


@pytest.fixture(autouse=True)
def no_text_below_6pt(monkeypatch):
    """Wrap save_figure: after a figure is written, walk all its text artists (titles, labels, tick labels,
    legends, annotations, colour bars) and fail on any below 6 pt or a figure larger than the page."""
    from huayu.plot import save

    original = save.save_figure
    checked = []

    def checking(fig, *args, **kwargs):
        written = original(fig, *args, **kwargs)
        w, h = fig.get_size_inches()
        assert w <= 7.2 + 1e-6 and h <= 9.5 + 1e-6, f"figure {args[1] if len(args) > 1 else ''}: {w:.2f} × {h:.2f} in"
        small = small_texts(fig)
        assert not small, f"{len(small)} text(s) below {MIN_PT} pt, e.g. {small[:3]}"
        checked.append(fig)
        return written

    monkeypatch.setattr(save, "save_figure", checking)
    yield checked
