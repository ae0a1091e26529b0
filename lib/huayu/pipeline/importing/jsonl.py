"""JSON Lines (one object per line) and JSON arrays of objects: one document per object.

The text is one key of each object (``--text-column``, or the one usual name present: ``text``,
``content`` …); every other key is a field (lists of names become ``;``-separated, nested objects JSON text).
Messages name the line of a JSON Lines file and the index of an array's element.
"""

from __future__ import annotations

import json
from pathlib import Path

from huayu.errors import SourceError
from huayu.pipeline.corpus import DecodeError, decode_bytes
from huayu.pipeline.importing.records import SourceRead, records_from_rows
from huayu.pipeline.metadata import Problem

LINE_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = (*LINE_SUFFIXES, ".json")


def _decode(path: Path) -> str:
    try:
        return decode_bytes(path.read_bytes())[0]
    except DecodeError as exc:
        raise SourceError(path, [Problem(str(path), f"cannot be read as text: {exc}")]) from None


def _columns(objects: list[dict]) -> list[str]:
    columns: dict[str, None] = {}
    for obj in objects:
        columns.update(dict.fromkeys(str(k) for k in obj))
    return list(columns)


def read_json_lines(path: Path, text_column: str | None = None) -> SourceRead:
    """A JSON Lines file: every non-blank line one JSON object."""
    rows, problems = [], []
    for number, line in enumerate(_decode(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"{path} line {number}", f"is not valid JSON: {exc.msg} (column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(f"{path} line {number}", f"is a JSON {type(obj).__name__}, not an object "
                                                             "with a text and its fields"))
            continue
        rows.append((f"{path.name} line {number}", obj))
    if problems:
        raise SourceError(path, problems)
    if not rows:
        raise SourceError(path, [Problem(str(path), "holds no JSON object")])
    return records_from_rows(rows, path, text_column, _columns([r for _, r in rows]))


def read_json_array(path: Path, text_column: str | None = None) -> SourceRead:
    """A JSON file holding an array of objects."""
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as exc:
        raise SourceError(path, [Problem(f"{path} line {exc.lineno}", f"is not valid JSON: {exc.msg} "
                                                                      f"(column {exc.colno})")]) from None
    if not isinstance(data, list):
        raise SourceError(path, [Problem(str(path), f"holds a JSON {type(data).__name__}; expected an array of "
                                                    "objects (one per document), or JSON Lines (.jsonl)")])
    rows, problems = [], []
    for index, obj in enumerate(data):
        if not isinstance(obj, dict):
            problems.append(Problem(f"{path} element {index}", f"is a JSON {type(obj).__name__}, not an object"))
            continue
        rows.append((f"{path.name} element {index}", obj))
    if problems:
        raise SourceError(path, problems)
    if not rows:
        raise SourceError(path, [Problem(str(path), "holds an empty array")])
    return records_from_rows(rows, path, text_column, _columns([r for _, r in rows]))


def read_json(path: Path, text_column: str | None = None) -> SourceRead:
    """Dispatch on the suffix: ``.jsonl``/``.ndjson`` → JSON Lines, ``.json`` → an array (or JSON Lines when
    the file is one object per line)."""
    if path.suffix.lower() in LINE_SUFFIXES:
        return read_json_lines(path, text_column)
    text = _decode(path).lstrip()
    if text.startswith("{") and "\n{" in text:
        return read_json_lines(path, text_column)
    return read_json_array(path, text_column)
