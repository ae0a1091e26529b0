"""Saving figures and their tables: reproducible bytes, atomic writes.

A figure is written as ``<directory>/<name>.<fmt>`` for each requested format (``png``, ``pdf``, ``svg``);
the table it is drawn from, if given, as ``<directory>/<name>.csv`` (UTF-8 with BOM, so spreadsheet
programs show the Chinese). Two runs give byte-identical files:

* PDF: no ``CreationDate`` (matplotlib otherwise stamps the current time); fonts are TrueType subsets
  (``pdf.fonttype 42``) whose subset tags are derived from the glyphs used, not from randomness.
* SVG: no ``Date``; ``svg.hashsalt`` fixed by :mod:`huayu.plot.theme` so element ids do not change.
* PNG: no ``Software`` text chunk (it names the matplotlib version, which is provenance, not content —
  the manifest records the environment); 8-bit RGB (the figures are opaque), zlib level 3.
* ``SOURCE_DATE_EPOCH`` is not needed and not read.

Each file is written to a temporary name in the same folder and renamed onto the final name, so a crash
never leaves half a file.

One layout for every format. ``Figure.savefig`` of a figure with a layout engine (``ctx.figure`` uses
constrained layout) draws the figure twice per file — once without output so that the layout can be
computed, then for real — and runs the layout on each draw: four layout passes and four draws for a PNG and
a PDF. :func:`save_figure` instead computes the layout once, at the PNG resolution, then holds it while
each format is drawn once. The PNG has the pixels of the one ``savefig`` writes; the PDF and SVG get
the PNG's layout (before, each format computed its own from its own text metrics, so the files of one
figure could differ by a fraction of a point).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib as mpl
import pandas as pd

from huayu.outputs import atomic_write, write_csv
from huayu.plot import fonts

FORMATS = ("png", "pdf", "svg")
METADATA = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "huayu", "Producer": "matplotlib"},
    "svg": {"Date": None, "Creator": "huayu"},
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def check_name(name: str) -> str:
    """A figure/table name: lower-case letters, digits, ``-`` and ``_`` (it becomes a file name)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"name={name!r}: use lower-case letters, digits and '-' (kebab-case), "
                         "e.g. 'keyness-bars'")
    return name


def check_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    """Validate figure formats; returns them de-duplicated in the given order."""
    if isinstance(formats, str):
        formats = [formats]
    out: list[str] = []
    for f in formats:
        f = str(f).lower().lstrip(".")
        if f not in FORMATS:
            raise ValueError(f"formats: {f!r} is not a supported figure format; valid values: "
                             f"{', '.join(map(repr, FORMATS))}")
        if f not in out:
            out.append(f)
    if not out:
        raise ValueError(f"formats: give at least one of {', '.join(map(repr, FORMATS))}")
    return tuple(out)


def check_dpi(dpi) -> int:
    """Validate a raster resolution (dots per inch)."""
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 50 <= dpi <= 2400:
        raise ValueError(f"dpi={dpi!r}: give a number between 50 and 2400 (300 for print)")
    return int(dpi)


#: zlib level of the PNG files: 3 writes them in about 0.6× the time of the default 6, 7 % larger.
PNG_COMPRESS_LEVEL = 3


def _write_png(fig, path: str, dpi: int) -> None:
    """The PNG ``savefig`` would write, as 8-bit RGB when the figure is opaque (it always is in this style).

    matplotlib writes RGBA; an alpha channel that is 255 everywhere only makes the file bigger and slower to
    compress (a quarter more bytes through zlib). The pixels are the same; a figure with any transparency is
    written as RGBA, as before.
    """
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=dpi)
    width, height = (int(round(v)) for v in fig.get_size_inches() * dpi)
    rgba = np.frombuffer(buffer.getbuffer(), dtype=np.uint8)
    if rgba.size != width * height * 4:  # size not as expected (e.g. a bbox_inches setting): matplotlib's writer
        fig.savefig(path, format="png", dpi=dpi, metadata=METADATA["png"])
        return
    rgba = rgba.reshape(height, width, 4)
    image = Image.fromarray(rgba[..., :3].copy() if rgba[..., 3].min() == 255 else rgba)
    image.save(path, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)


def _atomic_savefig(fig, path: Path, fmt: str, dpi: int) -> Path:
    if fmt == "png":
        return atomic_write(path, lambda tmp: _write_png(fig, str(tmp), dpi))
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, metadata=METADATA[fmt]))


@contextlib.contextmanager
def _layout_once(fig, dpi: int):
    """Run ``fig``'s layout engine once at ``dpi``, then hold the result while the body draws the figure.

    Without a layout engine there is nothing to compute and nothing is changed. The engine is restored on
    exit, so the figure lays itself out again if it is drawn later (e.g. shown in JupyterLab).
    """
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    if fig.axes:
        original_dpi = fig.dpi
        fig.dpi = dpi  # as savefig does: text extents at the PNG resolution
        try:
            engine.execute(fig)
        finally:
            fig.dpi = original_dpi
    # No engine while saving: savefig neither re-runs the layout nor draws the figure an extra time for it.
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    try:
        yield
    finally:
        fig.set_layout_engine(engine)


def save_table(df: pd.DataFrame, directory: str | os.PathLike[str], name: str) -> Path:
    """Write ``df`` as ``<directory>/<name>.csv``; a named or non-default index is kept as columns."""
    check_name(name)
    if not isinstance(df, pd.DataFrame):
        if isinstance(df, pd.Series):
            df = df.to_frame()
        else:
            raise ValueError(f"table {name!r}: expected a pandas DataFrame, got {type(df).__name__}")
    index = df.index
    default_index = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and index.step == 1
    if not default_index:
        df = df.reset_index()
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    return write_csv(df, Path(directory) / f"{name}.csv")


def save_figure(fig, directory: str | os.PathLike[str], name: str, *, formats: Sequence[str] = ("png", "pdf"),
                dpi: int = 300, table: pd.DataFrame | None = None, check_glyphs: bool = True) -> list[Path]:
    """Write ``fig`` as ``<directory>/<name>.<fmt>`` for each format (+ ``<name>.csv`` of ``table``).

    Returns the paths written. ``check_glyphs`` warns (:class:`huayu.plot.fonts.MissingGlyphWarning`)
    before drawing if some text of the figure has characters no configured font can draw. Every text smaller
    than :data:`huayu.plot.theme.MIN_FONT_PT` (6 pt) is raised to it first (:func:`huayu.plot.theme.enforce_min_font`).
    """
    from huayu.plot.theme import enforce_min_font

    check_name(name)
    fmts = check_formats(formats)
    dpi = check_dpi(dpi)
    directory = Path(directory)
    if check_glyphs:
        fonts.check_text(fonts.figure_text(fig), where=f"figure {name!r}")
    enforce_min_font(fig)
    with _layout_once(fig, dpi):
        written = [_atomic_savefig(fig, directory / f"{name}.{fmt}", fmt, dpi) for fmt in fmts]
    if table is not None:
        written.append(save_table(table, directory, name))
    return written
