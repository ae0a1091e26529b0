"""The metadata sheet (``metadata.csv``) and its controlled vocabularies.

A corpus is a folder with ``metadata.csv`` (one row per document) and the text files it names; the
columns are documented in ``data/README.md``. ``genre`` and ``admin_level`` take values from
vocabulary files a researcher can extend (``data/dictionaries/genres.csv``,
``data/dictionaries/admin_levels.csv``); ``date_certainty`` is one of ``stated|inferred|unknown``.

:func:`check_metadata` returns *every* problem it finds (it never stops at the first); the caller
(:mod:`huayu.pipeline.corpus`) reports them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from huayu.paths import DICTIONARIES

REQUIRED_COLUMNS: tuple[str, ...] = (
    "doc_id", "file", "place_zh", "place_en", "prefecture", "province", "admin_level", "date",
    "date_certainty", "speakers", "speaker_roles", "event", "genre", "source", "notes",
)
DATE_CERTAINTIES: tuple[str, ...] = ("stated", "inferred", "unknown")
SAFE_DOC_ID = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_\-.\u4e00-\u9fff]{0,127}")
DATE_FORMS = (re.compile(r"\d{4}"), re.compile(r"\d{4}-\d{2}"), re.compile(r"\d{4}-\d{2}-\d{2}"))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the corpus: where (file or metadata row) and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def read_vocabulary(path: Path, column: str) -> dict[str, dict[str, str]]:
    """Read a controlled vocabulary CSV (one row per allowed value in ``column``)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if column not in table.columns:
        raise ValueError(f"{path}: vocabulary file has no column {column!r} (columns: {list(table.columns)})")
    return {row[column].strip(): dict(row) for row in table.to_dict("records") if row[column].strip()}


def genres(dictionaries: Path = DICTIONARIES) -> dict[str, dict[str, str]]:
    """The genre vocabulary: ``{genre: {label_zh, label_en, description}}``."""
    return read_vocabulary(dictionaries / "genres.csv", "genre")


def admin_levels(dictionaries: Path = DICTIONARIES) -> dict[str, dict[str, str]]:
    """The administrative-level vocabulary: ``{admin_level: {label_zh, label_en, description}}``."""
    return read_vocabulary(dictionaries / "admin_levels.csv", "admin_level")


def read_metadata(path: Path) -> pd.DataFrame:
    """Read ``metadata.csv`` as strings (no NaN: empty cells are ``""``), stripping cell whitespace."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.columns = [str(c).strip() for c in table.columns]
    return table.apply(lambda col: col.str.strip())


def is_valid_date(value: str) -> bool:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real calendar date."""
    if not any(form.fullmatch(value) for form in DATE_FORMS):
        return False
    parts = [int(p) for p in value.split("-")]
    padded = parts + [1] * (3 - len(parts))
    try:
        pd.Timestamp(year=padded[0], month=padded[1], day=padded[2])
    except ValueError:
        return False
    return 1900 <= parts[0] <= 2100


def check_metadata(table: pd.DataFrame, sheet: str, *, dictionaries: Path = DICTIONARIES) -> list[Problem]:
    """Every problem in the metadata sheet: missing columns, ids, dates and vocabulary values."""
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        return [Problem(sheet, f"missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}")]
    problems: list[Problem] = []
    if table.empty:
        problems.append(Problem(sheet, "has no documents (no rows)"))
    known_genres = genres(dictionaries)
    known_levels = admin_levels(dictionaries)
    seen: dict[str, int] = {}
    for i, row in enumerate(table.to_dict("records")):
        where = f"{sheet} row {i + 2}"  # header is line 1
        doc_id = row["doc_id"]
        if not doc_id:
            problems.append(Problem(where, "empty doc_id"))
        elif not SAFE_DOC_ID.fullmatch(doc_id) or ".." in doc_id:
            problems.append(Problem(where, f"unsafe doc_id {doc_id!r}: use letters, digits, Chinese characters, "
                                           "'_', '-' and '.' only (no path separators, no '..')"))
        elif doc_id in seen:
            problems.append(Problem(where, f"duplicate doc_id {doc_id!r} (first used in row {seen[doc_id]})"))
        else:
            seen[doc_id] = i + 2
        if not row["file"]:
            problems.append(Problem(where, "empty file name"))
        if row["genre"] not in known_genres:
            problems.append(Problem(where, f"unknown genre {row['genre']!r}; known: {', '.join(known_genres)} "
                                           f"(extend {dictionaries / 'genres.csv'} to add one)"))
        if row["admin_level"] not in known_levels:
            problems.append(Problem(where, f"unknown admin_level {row['admin_level']!r}; known: "
                                           f"{', '.join(known_levels)} (extend {dictionaries / 'admin_levels.csv'})"))
        certainty = row["date_certainty"]
        if certainty not in DATE_CERTAINTIES:
            problems.append(Problem(where, f"date_certainty {certainty!r} must be one of {', '.join(DATE_CERTAINTIES)}"))
        date = row["date"]
        if date and not is_valid_date(date):
            problems.append(Problem(where, f"bad date {date!r}: use YYYY-MM-DD, YYYY-MM or YYYY"))
        if not date and certainty in ("stated", "inferred"):
            problems.append(Problem(where, f"date is empty but date_certainty is {certainty!r} (use 'unknown')"))
        if date and certainty == "unknown":
            problems.append(Problem(where, f"date {date!r} is given but date_certainty is 'unknown' "
                                           "(use 'inferred' and say why in notes)"))
    return problems


def date_sort_key(dates: pd.Series) -> pd.Series:
    """A sortable timestamp for ``YYYY[-MM[-DD]]`` strings; empty dates become NaT (sorted last)."""
    return pd.to_datetime(dates.where(dates != "", None), format="mixed", errors="coerce")
