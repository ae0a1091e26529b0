"""The errors huayu raises for bad input: each message names the file or parameter and the reason.

Every class is a :class:`ValueError`, so the command line (:mod:`huayu.cli`) reports any of them as one line
(exit 2) and a notebook stops with the message, not a deep traceback.

* :class:`ParameterError` — a user-given parameter is invalid (an analysis argument, a notebook parameter, a
  key of a parameter file: :class:`huayu.notebook.params.ParameterFileError` is a subclass).
* :class:`DictionaryError` — a data file of ``data/dictionaries/`` is malformed (user dictionary, stopwords,
  boilerplate rules: :class:`RuleError`, glossary: :class:`GlossaryError`, lexicons).
* :class:`CorpusError` — the corpus (texts + ``metadata.csv``) has problems; it lists every one.
  :class:`SourceError` — a collection to import (a table, JSON, a folder of documents) has problems.
* :class:`TableError` — a stage table does not match its declaration in :mod:`huayu.schema`.
* :class:`FontError` — no installed font covers the glyphs a figure needs.
* :class:`ManifestError` — ``figures/MANIFEST.csv`` cannot be built (a missing or changed output).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


class ParameterError(ValueError):
    """A user-given parameter is invalid; the message names the parameter and the reason."""


class ParameterFileError(ParameterError):
    """A parameter file (``params/*.yaml``) or a notebook's ``parameters`` cell is not usable."""


class DictionaryError(ParameterError):
    """A dictionary, stopword, rule, glossary or lexicon file is malformed; the message names the file and line."""


class RuleError(DictionaryError):
    """A boilerplate rule file has a bad row; the message names the file and line."""


class GlossaryError(DictionaryError):
    """The glossary file is malformed (missing columns, empty or conflicting entries)."""


class CorpusError(ValueError):
    """The corpus has problems; ``problems`` lists every one (file or row, and the reason)."""

    def __init__(self, corpus_dir: str | os.PathLike[str], problems: Sequence[Any]):
        self.corpus_dir = corpus_dir
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"corpus {corpus_dir} has {len(self.problems)} problem(s); nothing was written:\n{lines}")


class SourceError(CorpusError):
    """A collection given to ``python -m huayu import`` has problems; ``problems`` lists every one."""

    def __init__(self, source: str | os.PathLike[str], problems: Sequence[Any]):
        super().__init__(source, problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        self.args = (f"cannot import {source}: {len(self.problems)} problem(s); nothing was written:\n{lines}",)


class TableError(ValueError):
    """A stage table does not match :mod:`huayu.schema` (written by another version, or edited by hand)."""

    def __init__(self, path: str | os.PathLike[str], problems: Sequence[str]):
        self.path = path
        self.problems = list(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems) + " — re-run `make prepare` to rebuild it")


class FontError(ValueError):
    """No usable font for the figures (the message says which glyphs or file)."""


class ManifestError(ValueError):
    """The manifest of the figures cannot be built; the message names the output and the reason."""
