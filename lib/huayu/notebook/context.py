"""What every notebook uses: tables, labels, colours, figures and saving, in one object.

Usage in a notebook (after the ``parameters`` cell)::

    ctx = NotebookContext(notebook="02-tfidf", figures_dir=figures_dir, lang=lang, formats=formats, dpi=dpi,
                          interim_dir=interim_dir, processed_dir=processed_dir)
    ctx.documents_table                # tables are read on first use
    ctx.tokens_at("fine")              # the tokens with the parts of compounds (ctx.tokens_fine)
    fig, ax = ctx.figure(width="double", height=3)
    ax.set_xlabel(ctx.label.text(zh="文档", en="Document"))
    ctx.save(fig, "similarity-heatmap", table=similarity)   # figures/02-tfidf/similarity-heatmap.{png,pdf,csv}

Relative folders are taken from the repository root (:func:`huayu.paths.resolve`), so a notebook behaves
the same under papermill (``make``), in JupyterLab (kernel working directory ``notebooks/``) and in tests.

Importing this module applies the house style (:func:`huayu.plot.theme.apply_style`): the seaborn theme
and a CJK font chosen by glyph coverage. With ``HUAYU_STRICT_GLYPHS=1`` in the environment (the test
suite and ``run-notebook --strict-glyphs`` set it) a character no font can draw is an error, not a warning.
"""

from __future__ import annotations

import gc
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from huayu.checks import document_ids
from huayu.paths import resolve
from huayu.plot import fonts, labels, save, theme

_NOTEBOOK = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")


def strict_glyphs(enable: bool = True) -> None:
    """Turn missing-glyph warnings (ours and matplotlib's) into errors (``enable=True``)."""
    action = "error" if enable else "default"
    warnings.filterwarnings(action, category=fonts.MissingGlyphWarning)
    warnings.filterwarnings(action, message=r"Glyph \d+ .*missing from", category=UserWarning)


def _strict_from_environment() -> None:
    if os.environ.get("HUAYU_STRICT_GLYPHS", "").strip() not in ("", "0", "false", "no"):
        strict_glyphs(True)


FONT = theme.apply_style()
_strict_from_environment()

_imports_frozen = False


def _freeze_imported_objects() -> None:
    """Exempt the objects that exist when the first context is made from later garbage collections.

    They are the imported libraries (some 300,000 objects: pandas, scikit-learn, matplotlib …), which live
    as long as the kernel. Python's full collections traverse every object each time; the figures of a
    notebook allocate enough to trigger several, each about 0.15 s spent re-checking the libraries.
    :func:`gc.freeze` moves them to a permanent generation, so later collections only look at objects made
    afterwards (figures, tables). Done once per process; objects made later are collected as usual.
    """
    global _imports_frozen
    if not _imports_frozen:
        _imports_frozen = True
        gc.freeze()


class StageTable:
    """A stage table of a :class:`NotebookContext`, read (and validated) on first use, then kept."""

    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc

    def __get__(self, ctx, owner=None):
        return self if ctx is None else ctx._table(self.name)


class NotebookContext:
    """Tables, labels, colours and figure output of one notebook run.

    Parameters
    ----------
    notebook : the notebook's name (``"05-keyness"``); figures go to ``<figures_dir>/<notebook>/``.
    figures_dir, interim_dir, processed_dir : folders; relative paths are taken from the repository root.
    lang : ``"zh"`` or ``"en"`` — the language of every label.
    formats : figure formats among ``"png"``, ``"pdf"``, ``"svg"``.
    dpi : resolution of PNG files (300 for print).
    show_zh : in English, add the Chinese after each term ("high-quality development (高质量发展)").
    glossary : a ``{zh: en}`` mapping or a CSV path instead of ``data/dictionaries/glossary_zh_en.csv``.
    """

    def __init__(self, notebook: str, figures_dir: str | os.PathLike[str] = "figures", lang: str = "zh",
                 formats: Sequence[str] = ("png", "pdf"), dpi: int = 300,
                 interim_dir: str | os.PathLike[str] = "data/interim",
                 processed_dir: str | os.PathLike[str] = "data/processed", *, show_zh: bool = False,
                 glossary=None) -> None:
        if not isinstance(notebook, str) or not _NOTEBOOK.match(notebook):
            raise ValueError(f"notebook={notebook!r}: give the notebook's file name without .ipynb, "
                             "e.g. '02-tfidf'")
        self.notebook = notebook
        self.lang = labels.check_lang(lang)
        self.formats = save.check_formats(formats)
        self.dpi = save.check_dpi(dpi)
        self.figures_dir = resolve(figures_dir)
        self.interim_dir = resolve(interim_dir)
        self.processed_dir = resolve(processed_dir)
        self.show_zh = show_zh
        self.font = FONT
        self.written: list[Path] = []
        self._glossary = glossary
        self._tables: dict[str, pd.DataFrame] = {}
        self._label: labels.Labeler | None = None
        self._doc_colors: dict[str, str] | None = None
        _freeze_imported_objects()
        _strict_from_environment()  # again: the module may have been imported before the variable was set

    def __repr__(self) -> str:
        return (f"NotebookContext(notebook={self.notebook!r}, lang={self.lang!r}, formats={list(self.formats)}, "
                f"dpi={self.dpi}, out={str(self.out_dir)!r}, font={self.font.family!r})")

    # ------------------------------------------------------------------ folders
    @property
    def out_dir(self) -> Path:
        """``<figures_dir>/<notebook>/`` — where this notebook's figures and tables go."""
        return self.figures_dir / self.notebook

    # ------------------------------------------------------------------ tables
    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            from huayu.pipeline import tables

            folder = self.processed_dir if name in ("tokens", "tokens_fine") else self.interim_dir
            if not folder.exists():
                raise FileNotFoundError(f"{name}: folder {folder} does not exist; prepare the corpus first "
                                        "(`make prepare` or `python -m huayu prepare --corpus data --out data`)")
            # The tokens are read once per notebook, doc_id/token/pos dictionary-encoded (pandas categoricals
            # with sorted categories: a small integer per token instead of a string, see read_tokens).
            if name == "tokens_fine":
                self._tables[name] = tables.read_tokens(folder, categorical=True, granularity="fine")
            else:
                reader = getattr(tables, f"read_{name}")
                self._tables[name] = reader(folder, categorical=True) if name == "tokens" else reader(folder)
        return self._tables[name]

    documents_table = StageTable("documents", "The documents table (one row per document, metadata + cleaned text).")
    paragraphs = StageTable("paragraphs", "The paragraphs table (offsets into the cleaned texts).")
    sentences = StageTable("sentences", "The sentences table (offsets into the cleaned texts).")
    cleaning_log = StageTable("cleaning_log", "Every boilerplate removal, with its offsets in the raw text.")
    tokens = StageTable("tokens", "The tokens table: one row per token (the coarse granularity: 农村人居环境整治 one token).")
    tokens_fine = StageTable("tokens_fine", "The fine granularity: the tokens table with each token followed by "
                             "its parts (农村人居环境整治 → 农村, 人居环境整治, 人居环境, 人居, 环境, 整治), the same "
                             "columns and encoding (huayu.pipeline.tables.read_tokens(granularity='fine')).")

    def tokens_at(self, granularity: str = "coarse") -> pd.DataFrame:
        """:attr:`tokens` (``"coarse"``) or :attr:`tokens_fine` (``"fine"``); another value raises
        ``ParameterError``. A count at the fine granularity finds a keyword inside the compounds the
        dictionary keeps whole (人居环境 inside 农村人居环境整治)."""
        from huayu.pipeline.segment.parts import check_granularity

        return self.tokens_fine if check_granularity(granularity) == "fine" else self.tokens

    def document_ids(self, doc_ids: str | Iterable[str] | None = "all") -> list[str]:
        """The doc_ids a ``doc_ids`` filter names, in corpus order (:func:`huayu.checks.document_ids`):
        ``"all"``, ``None``, ``[]`` or ``""`` → every document; an unknown id raises ``ParameterError``."""
        return document_ids(self.documents_table, doc_ids)

    # ------------------------------------------------------------------ labels and colours
    @property
    def label(self) -> labels.Labeler:
        """Labels in the chosen language: ``.term()``, ``.doc()``, ``.text(zh=, en=)``."""
        if self._label is None:
            self._label = labels.Labeler(self.lang, self._documents_or_none(), glossary=self._glossary,
                                         show_zh=self.show_zh)
        return self._label

    def _documents_or_none(self) -> pd.DataFrame | None:
        try:
            return self.documents_table
        except (FileNotFoundError, ImportError):
            return None

    @property
    def doc_colors(self) -> dict[str, str]:
        """``{doc_id: colour}``: one colour per place, the same in every figure."""
        if self._doc_colors is None:
            self._doc_colors = theme.place_colors(self.documents_table)
        return self._doc_colors

    # ------------------------------------------------------------------ figures
    def figure(self, width: str | float = "single", height: float | None = None, *, nrows: int = 1,
               ncols: int = 1, **subplots_kw):
        """A new figure in the house style: ``(fig, ax)`` (``ax`` an array when nrows/ncols > 1).

        ``width`` is ``"single"`` (one journal column, 3.5 in), ``"double"`` (full width, 7.2 in) or inches;
        ``height`` in inches (default 3/4 of the width).
        """
        import matplotlib.pyplot as plt

        size = theme.figure_size(width, height)
        subplots_kw.setdefault("layout", "constrained")
        return plt.subplots(nrows, ncols, figsize=size, **subplots_kw)

    def save(self, fig, name: str, table: pd.DataFrame | None = None) -> list[Path]:
        """Write ``fig`` to ``<figures_dir>/<notebook>/<name>.<fmt>`` (+ ``<name>.csv`` of ``table``)."""
        paths = save.save_figure(fig, self.out_dir, name, formats=self.formats, dpi=self.dpi, table=table)
        self.written.extend(paths)
        self._write_terms()
        return paths

    def _write_terms(self) -> None:
        """Record the terms labelled so far in ``<out_dir>/.terms.json`` (see :func:`labels.unglossed_terms`)."""
        if self._label is None or not self._label.used:
            return
        from huayu.outputs import write_json

        write_json({"lang": self.lang, "terms": dict(sorted(self._label.used.items()))},
                   self.out_dir / labels.TERMS_FILE)

    def save_table(self, df: pd.DataFrame, name: str) -> Path:
        """Write ``df`` to ``<figures_dir>/<notebook>/<name>.csv``."""
        path = save.save_table(df, self.out_dir, name)
        self.written.append(path)
        return path
