"""What every reader of a source gives the importer: records (one per document) and what it left out.

A :class:`Record` is one document as it came: its text, the fields that came with it (columns of a table
row, keys of a JSON object, fields of a file-name template, a document's title property) under their source
names, and where it came from (``reports.xlsx row 5``, ``reports.jsonl line 3``, ``docs/2019_讲话.docx``).
The readers never rename, fill or guess a field: that is :mod:`huayu.pipeline.importing.build`'s job.
A reader collects every problem of its file (a row without text column, a line that is not JSON …) as a
:class:`~huayu.pipeline.metadata.Problem` and raises :class:`~huayu.errors.SourceError` with all of them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huayu.errors import SourceError
from huayu.pipeline.metadata import Problem

#: Names a table's text column usually has; used when ``--text-column`` is not given and exactly one is present.
TEXT_COLUMN_NAMES: tuple[str, ...] = ("text", "content", "body", "full_text", "fulltext", "正文", "内容", "全文",
                                      "文本")


@dataclass
class Record:
    """One document from a source.

    ``text``: the decoded text (for inference and the review); ``data``: the bytes to write as the
    document's file when they are the original file's (a ``.txt`` copied byte for byte), else ``None``
    and ``text`` is written as UTF-8. ``fields``: source field name → value (``str``, or what the source
    held: ``int``, ``float``, ``datetime``, ``list`` …). ``origin``: where it came from, for messages.
    ``position``: 1-based index of the record within its file (documents made from whole files: 1).
    """

    text: str
    fields: dict[str, Any]
    origin: str
    source: Path
    position: int = 1
    data: bytes | None = None
    whole_file: bool = False


@dataclass
class Skipped:
    """Something of the source that is not imported, and why (listed in the review summary)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class SourceRead:
    """What a reader returns: the records, what it skipped, and the names of the fields it saw."""

    records: list[Record] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    fields_seen: list[str] = field(default_factory=list)
    text_column: str | None = None

    def extend(self, other: SourceRead) -> None:
        self.records += other.records
        self.skipped += other.skipped
        for name in other.fields_seen:
            if name not in self.fields_seen:
                self.fields_seen.append(name)


def cell_to_value(value: Any) -> Any:
    """A table cell or JSON value as the importer keeps it: ``None``/NaN → ``""``; whole floats → ``int``;
    dates stay dates; lists of plain values → ``";"``-joined (the metadata convention for several
    speakers); other lists and objects → compact JSON text."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return int(value) if value.is_integer() else value
    if isinstance(value, (bool, int, str, dt.date, dt.datetime, dt.time)):
        return value.strip() if isinstance(value, str) else value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return ";".join(str(v).strip() for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def choose_text_column(columns: list[str], text_column: str | None, where: str) -> str:
    """The text column: ``text_column`` when given (it must exist), else the one usual name present.

    Raises :class:`SourceError` naming the file, the column asked for and the columns it has.
    """
    if text_column:
        if text_column not in columns:
            raise SourceError(where, [Problem(where, f"has no text column {text_column!r} (--text-column); "
                                                     f"its columns: {', '.join(columns) or 'none'}")])
        return text_column
    found = [c for c in columns if c.strip().lower() in TEXT_COLUMN_NAMES]
    if len(found) == 1:
        return found[0]
    if not found:
        reason = (f"no text column: name it with --text-column (its columns: {', '.join(columns) or 'none'}; "
                  f"taken without it: {', '.join(TEXT_COLUMN_NAMES)})")
    else:
        reason = f"several possible text columns ({', '.join(found)}): choose one with --text-column"
    raise SourceError(where, [Problem(where, reason)])


def records_from_rows(rows: list[tuple[str, dict[str, Any]]], path: Path, text_column: str | None,
                      columns: list[str]) -> SourceRead:
    """Records from a table's rows ``[(where, {column: value})]``: the text column is the text, every
    other column a field. Rows without text are skipped (and reported); rows that are wholly empty are
    left out silently (a spreadsheet's trailing rows)."""
    column = choose_text_column(columns, text_column, str(path))
    read = SourceRead(fields_seen=[c for c in columns if c != column], text_column=column)
    problems: list[Problem] = []
    for position, (where, row) in enumerate(rows, start=1):
        values = {k: cell_to_value(v) for k, v in row.items()}
        if all(v == "" for v in values.values()):
            continue
        text = values.pop(column, "")
        if not isinstance(text, str):
            if isinstance(text, (int, float)):
                problems.append(Problem(where, f"column {column!r} holds a number ({text!r}), not a text: "
                                               "is --text-column the right column?"))
                continue
            text = str(text)
        if not text.strip():
            read.skipped.append(Skipped(where, f"column {column!r} is empty: no text to import"))
            continue
        read.records.append(Record(text=text, fields=values, origin=where, source=path, position=position))
    if problems:
        raise SourceError(path, problems)
    return read
