"""Explore a corpus interactively in JupyterLab: ``huayu.explore()`` (or ``from huayu.explore import explore``).

A search box (word, phrase, token regex, character regex or numbered formula) and metadata filters (genre,
place, province, administrative level, year range — whatever columns the documents table has) linked to
six panels: a sortable KWIC table with the source document and the full paragraph, the term's frequency
per unit, over time, its dispersion, its collocates and its keyness against the rest of the corpus.

The per-corpus arrays are built once (:class:`huayu.explore.index.CorpusIndex`, a few seconds for
1,000 documents); each panel is then a fast function of :mod:`huayu.explore.index` (benchmarked in
``benchmarks/bench_explore.py``) drawn by :class:`huayu.explore.widgets.Explorer`.
"""

from __future__ import annotations

import sys
import types

__all__ = ["explore", "open_index"]


def open_index(interim_dir="data/interim", processed_dir="data/processed"):
    """The :class:`~huayu.explore.index.CorpusIndex` of a prepared corpus (folders relative to the repository)."""
    from huayu.explore.index import CorpusIndex

    return CorpusIndex.from_folders(interim_dir, processed_dir)


def explore(interim_dir="data/interim", processed_dir="data/processed", *, lang: str = "zh", query: str = "",
            match: str = "word", by: str = "genre", index=None):
    """Open the explorer on a prepared corpus; returns the :class:`~huayu.explore.widgets.Explorer`
    (a notebook displays it when it is the cell's last value).

    ``interim_dir``/``processed_dir``: the prepared tables (``make prepare``); ``lang``: document labels in
    ``"zh"`` or ``"en"``; ``query``/``match``: a first search (``word``, ``regex``, ``text``, ``formula``);
    ``by``: the grouping of the frequency and keyness panels; ``index``: an index already built (reuse it
    across explorers of the same corpus).
    """
    from huayu.explore.widgets import Explorer

    return Explorer(index if index is not None else open_index(interim_dir, processed_dir), lang=lang,
                    query=query, match=match, by=by)


class _CallableModule(types.ModuleType):
    """Lets ``huayu.explore(...)`` call :func:`explore` although ``huayu.explore`` is this package."""

    def __call__(self, *args, **kwargs):
        return explore(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
