"""Tables with one document per row: CSV, TSV (any of the encodings the corpus reader knows) and Excel .xlsx.

The first row names the columns. One column holds the text (``--text-column``, or the one usual name
present: ``text``, ``content``, ``正文`` …); every other column is a field. Rows are counted as a spreadsheet
counts them: the header is row 1, so a message about "row 5" points at the fifth line a spreadsheet shows.
A ``.xlsx`` workbook is read with openpyxl (values, not formulas; the first sheet unless ``--sheet``).
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

from huayu.errors import SourceError
from huayu.pipeline.corpus import DecodeError, decode_bytes
from huayu.pipeline.importing.records import SourceRead, records_from_rows
from huayu.pipeline.metadata import Problem

SUFFIXES = (".csv", ".tsv", ".tab", ".xlsx", ".xlsm")


def _header(cells: list, path: Path) -> list[str]:
    names = [str(c).strip() if c is not None else "" for c in cells]
    while names and not names[-1]:
        names.pop()
    problems = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem(f"{path} row 1", f"column {i} has no name in the header row"))
        elif name in seen:
            problems.append(Problem(f"{path} row 1", f"column name {name!r} appears twice (columns {seen[name]} "
                                                     f"and {i})"))
        else:
            seen[name] = i
    if not names:
        problems.append(Problem(f"{path} row 1", "the header row is empty: the first row must name the columns"))
    if problems:
        raise SourceError(path, problems)
    return names


def _rows(body, names: list[str], path: Path, first_row: int = 2) -> list[tuple[str, dict]]:
    rows, problems = [], []
    for number, cells in enumerate(body, start=first_row):
        cells = list(cells)
        extra = [c for c in cells[len(names):] if c not in (None, "")]
        if extra:
            problems.append(Problem(f"{path} row {number}", f"has {len(names) + len(extra)} or more cells but the "
                                                             f"header names {len(names)} columns"))
            continue
        cells += [None] * (len(names) - len(cells))
        rows.append((f"{path.name} row {number}", dict(zip(names, cells[:len(names)]))))
    if problems:
        raise SourceError(path, problems)
    return rows


def _delimiter(path: Path, first_line: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    if "," not in first_line:
        for candidate in ("\t", ";"):
            if candidate in first_line:
                return candidate
    return ","


def read_delimited(path: Path, text_column: str | None = None) -> SourceRead:
    """A CSV or TSV file (UTF-8 with or without BOM, GB18030/GBK, Big5, UTF-16), one document per row."""
    try:
        text, _ = decode_bytes(path.read_bytes())
    except DecodeError as exc:
        raise SourceError(path, [Problem(str(path), f"cannot be read as a text table: {exc}")]) from None
    if not text.strip():
        raise SourceError(path, [Problem(str(path), "is empty")])
    csv.field_size_limit(sys.maxsize)  # a cell holds a whole speech
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, text.split("\n", 1)[0]))
    try:
        names = _header(next(reader), path)
        rows = _rows(reader, names, path)
    except csv.Error as exc:
        raise SourceError(path, [Problem(f"{path} row {reader.line_num}", f"is not valid CSV: {exc}")]) from None
    return records_from_rows(rows, path, text_column, names)


def read_xlsx(path: Path, text_column: str | None = None, sheet: str | None = None) -> SourceRead:
    """An Excel workbook (.xlsx): one document per row of ``sheet`` (default: the first sheet)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(path, [Problem(str(path), f"cannot be read as an Excel workbook (.xlsx): {exc}")]) from None
    try:
        if sheet:
            if sheet not in book.sheetnames:
                raise SourceError(path, [Problem(str(path), f"has no sheet {sheet!r} (--sheet); its sheets: "
                                                            f"{', '.join(book.sheetnames)}")])
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        cells = worksheet.iter_rows(values_only=True)
        first = next(cells, None)
        if first is None:
            raise SourceError(path, [Problem(f"{path} sheet {worksheet.title}", "is empty")])
        names = _header(list(first), path)
        rows = _rows(cells, names, path)
    finally:
        book.close()
    return records_from_rows(rows, path, text_column, names)


def read_table(path: Path, text_column: str | None = None, sheet: str | None = None) -> SourceRead:
    """Dispatch on the suffix: ``.xlsx``/``.xlsm`` → :func:`read_xlsx`, else :func:`read_delimited`."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, text_column, sheet)
    return read_delimited(path, text_column)
