"""From records to rows of ``metadata.csv``: mapping, normalising, filling what is known, ``unknown`` for the rest.

For each record, in this order (each step fills only what is still empty; none overwrites the source):

1. **fields → columns**: ``--map year=date,province=place_zh`` renames source fields; a field named like
   a metadata column is taken as it is; otherwise the aliases :data:`ALIASES` (``year`` → ``date``, ``url`` →
   ``source`` …) apply when the column is not given another way; every other field is kept as an extra
   column (``title``, ``congress`` …), renamed ``source_<name>`` if it would clash with a column that
   ``prepare`` computes (:data:`RESERVED`).
2. **values**: a date is written ``YYYY[-MM[-DD]]`` (``2025``, ``2025.0``, Excel dates, ``2025/3/5``,
   ``2025年3月5日`` are read; anything else is left unknown and said in ``notes``); a genre or
   administrative level may be given by its key or its Chinese/English label in the vocabulary
   (``政府工作报告`` → ``work_report``); an unknown one is an error naming the row and column.
3. **constants**: ``--set admin_level=national`` for every record that lacks the column.
4. **inference** (:mod:`~huayu.pipeline.importing.infer`, off with ``--no-infer``): a full date from the
   text's delivery line (also refining a year-only source date of the same year), speaker and role, year
   from the title or file name, genre from the title. Each goes into ``notes`` with its reason, and a date
   so found makes ``date_certainty = inferred``.
5. **unknown**: every required column still empty becomes ``unknown`` (the date stays empty,
   ``date_certainty = unknown``).

``date_certainty`` is ``stated`` for a date given by the source (a field, a column, the file name), unless
the source gives ``date_certainty`` itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huayu.errors import ParameterError
from huayu.paths import DICTIONARIES
from huayu.pipeline.importing import infer
from huayu.pipeline.importing.records import Record
from huayu.pipeline.metadata import (DATE_CERTAINTIES, REQUIRED_COLUMNS, SAFE_DOC_ID, Problem, admin_levels, genres,
                                     is_valid_date)

#: Source field names read as a metadata column when the source has no column of that name and
#: ``--map`` does not say otherwise.
ALIASES: dict[str, str] = {
    "year": "date", "年份": "date", "年": "date", "日期": "date", "时间": "date",
    "url": "source", "link": "source", "链接": "source", "来源": "source",
    "speaker": "speakers", "讲话人": "speakers", "地点": "place_zh", "地区": "place_zh", "省份": "province",
    "文种": "genre",
}
#: Columns ``prepare`` computes for the documents table: a source field of that name is kept as ``source_<name>``.
RESERVED = ("path", "raw_text", "encoding", "script", "converted_to_simplified", "n_chars_raw", "n_chars_clean",
            "n_paragraphs", "n_sentences", "n_removals", "text", "imported_from")
UNKNOWN = "unknown"
_COLUMN_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\-\u4e00-\u9fff ]{0,63}")
_DATE_TEXT = re.compile(r"(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?")


@dataclass
class Options:
    """What the user said about the source (see ``python -m huayu import --help``)."""

    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    infer: bool = True
    dictionaries: Path = DICTIONARIES


@dataclass
class Row:
    """A finished row of ``metadata.csv``, the record it came from and what was inferred for it."""

    values: dict[str, str]
    record: Record
    inferred: list[infer.Inference] = field(default_factory=list)


def parse_pairs(items: list[str], option: str, *, split_commas: bool) -> dict[str, str]:
    """``["year=date,url=source", "province=place_zh"]`` → a dict; a malformed pair names ``option``."""
    pairs: dict[str, str] = {}
    for item in items:
        for pair in (item.split(",") if split_commas else [item]):
            if not pair.strip():
                continue
            if "=" not in pair:
                raise ParameterError(f"{option} {pair!r}: expected NAME=VALUE, e.g. {option} year=date")
            key, value = (s.strip() for s in pair.split("=", 1))
            if not key or not value:
                raise ParameterError(f"{option} {pair!r}: both sides of '=' must be given")
            if key in pairs and pairs[key] != value:
                raise ParameterError(f"{option}: {key!r} is given twice ({pairs[key]!r} and {value!r})")
            pairs[key] = value
    return pairs


def check_options(options: Options, fields_seen: list[str], text_column: str | None, source: str) -> None:
    """Every ``--map`` key must be a field of the source, every target a usable column name, and ``--set``
    must name columns; raises :class:`ParameterError` naming the option, the key and the source's fields."""
    problems = []
    for key, target in options.mapping.items():
        if key not in fields_seen:
            hint = f" (it is the text column)" if key == text_column else ""
            problems.append(f"--map {key}={target}: {source} has no field {key!r}{hint}; its fields: "
                            f"{', '.join(fields_seen) or 'none'}")
        if not _COLUMN_NAME.fullmatch(target) or target in RESERVED:
            problems.append(f"--map {key}={target}: {target!r} cannot be a column name "
                            f"({'computed by prepare' if target in RESERVED else 'letters, digits, _ and -'})")
    targets = list(options.mapping.values())
    for target in {t for t in targets if targets.count(t) > 1}:
        keys = [k for k, t in options.mapping.items() if t == target]
        problems.append(f"--map: {', '.join(keys)} are all mapped to {target!r}; map one field to each column")
    for key in options.constants:
        if not _COLUMN_NAME.fullmatch(key) or key in RESERVED or key in ("doc_id", "file"):
            problems.append(f"--set {key}=…: {key!r} cannot be set for every document")
    if problems:
        raise ParameterError("; ".join(problems))


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def normalise_date(value: Any) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` for a source value, or ``None`` when it is not a date."""
    if isinstance(value, (dt.date, dt.datetime)):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    found = _DATE_TEXT.fullmatch(value.strip())
    if not found:
        return None
    y, m, d = found.groups()
    date = y + (f"-{int(m):02d}" if m else "") + (f"-{int(d):02d}" if d else "")
    return date if is_valid_date(date) else None


def _vocabulary_value(value: str, vocabulary: dict[str, dict[str, str]]) -> str | None:
    if value in vocabulary:
        return value
    for key, row in vocabulary.items():
        if value in (row.get("label_zh", ""), row.get("label_en", "")) or value.lower() == key.lower():
            return key
    return None


def column_names(record: Record, options: Options) -> dict[str, str]:
    """``{source field: column}`` for the record's fields (step 1)."""
    return {name: column for name, column in _column_pairs(record, options)}


def _column_pairs(record: Record, options: Options) -> list[tuple[str, str]]:
    given = set(record.fields)
    mapped_targets = set(options.mapping.values())
    pairs, taken = [], set()
    for name, value in record.fields.items():
        if name in options.mapping:
            column = options.mapping[name]
        elif name in REQUIRED_COLUMNS or name == "notes":
            column = name if name not in mapped_targets else f"source_{name}"
        elif name in ALIASES and ALIASES[name] not in given and ALIASES[name] not in mapped_targets:
            column = ALIASES[name]
        elif name in RESERVED:
            column = f"source_{name}"
        else:
            column = name
        if column in taken:
            column = f"source_{name}"
        if value not in ("", None):
            taken.add(column)
        pairs.append((name, column))
    return pairs


def columns_of(record: Record, options: Options) -> tuple[dict[str, Any], list[str]]:
    """The record's fields under their column names (step 1), and notes on renamings."""
    out: dict[str, Any] = {}
    notes = []
    for name, column in _column_pairs(record, options):
        value = record.fields[name]
        if column in out and value in ("", None):
            continue                      # an empty field never hides a given one
        if column == f"source_{name}" and name in REQUIRED_COLUMNS:
            notes.append(f"the source's {name} kept as {column} (another field gives {name})")
        out[column] = value
    return out, notes


def build_row(record: Record, options: Options, *, known_genres: dict, known_levels: dict) -> tuple[Row, list[Problem]]:
    """Steps 1–5 of the module docstring for one record (``doc_id`` and ``file`` are set by the caller)."""
    where = record.origin
    columns, notes = columns_of(record, options)
    problems: list[Problem] = []
    values: dict[str, str] = {}
    source_notes = _text(columns.pop("notes", "")) or options.constants.get("notes", "")
    date_stated = False
    for column, value in columns.items():
        if column == "date":
            text = _text(value)
            if text in ("", UNKNOWN):
                continue
            date = normalise_date(value)
            if date is None:
                notes.append(f"the source's date {text!r} is not a date huayu reads (YYYY-MM-DD, YYYY年M月D日 …): "
                             "left unknown")
                continue
            values["date"] = date
            date_stated = True
        elif column in ("genre", "admin_level"):
            text = _text(value)
            if not text:
                continue
            vocabulary = known_genres if column == "genre" else known_levels
            key = _vocabulary_value(text, vocabulary)
            if key is None:
                file = "genres.csv" if column == "genre" else "admin_levels.csv"
                problems.append(Problem(where, f"{column} {text!r} is not in the vocabulary (known: "
                                               f"{', '.join(vocabulary)}); add a row to "
                                               f"{options.dictionaries / file}, or --map the field elsewhere"))
                continue
            values[column] = key
        else:
            values[column] = _text(value)
    for column, value in options.constants.items():
        if column != "notes" and values.get(column, "") == "":
            if column == "date":
                date = normalise_date(value)
                if date is None:
                    raise ParameterError(f"--set date={value}: not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
                values["date"], date_stated = date, True
            elif column in ("genre", "admin_level"):
                vocabulary = known_genres if column == "genre" else known_levels
                key = _vocabulary_value(value, vocabulary)
                if key is None:
                    raise ParameterError(f"--set {column}={value}: not in the vocabulary (known: "
                                         f"{', '.join(vocabulary)})")
                values[column] = key
            else:
                values[column] = value
    inferred: list[infer.Inference] = []
    if options.infer:
        inferred = _infer(record, values, set(known_genres))
    certainty = values.pop("date_certainty", "").strip()
    date_inferred = any(i.column == "date" for i in inferred)
    if certainty and certainty not in DATE_CERTAINTIES:
        problems.append(Problem(where, f"date_certainty {certainty!r} must be one of {', '.join(DATE_CERTAINTIES)}"))
    if not values.get("date"):
        certainty = UNKNOWN
    elif date_inferred:
        certainty = "inferred"
    elif not certainty or certainty == UNKNOWN:
        certainty = "stated" if date_stated else "inferred"
    for column in REQUIRED_COLUMNS:
        if column in ("doc_id", "file", "notes", "date", "date_certainty"):
            continue
        if values.get(column, "") == "":
            values[column] = UNKNOWN
    values.setdefault("date", "")
    values["date_certainty"] = certainty
    reasons = [f"{i.column} {i.value}: {i.reason}" for i in inferred]
    values["notes"] = "; ".join(n for n in [source_notes, *reasons, *notes] if n)
    return Row(values=values, record=record, inferred=inferred), problems


def _infer(record: Record, values: dict[str, str], known_genres: set[str]) -> list[infer.Inference]:
    found: list[infer.Inference] = []

    def take(candidates: list[infer.Inference], *, refine_year: bool = False) -> None:
        for item in candidates:
            current = values.get(item.column, "")
            if current in ("", UNKNOWN):
                values[item.column] = item.value
                found.append(item)
            elif refine_year and item.column == "date" and len(current) == 4 and item.value.startswith(current):
                values["date"] = item.value
                found.append(infer.Inference("date", item.value, f"{item.reason}, the source gives the year "
                                                                 f"{current}"))

    take(infer.delivery_date(record.text), refine_year=True)
    take(infer.speaker(record.text))
    title = values.get("title", "")
    take(infer.year_from(title, "title"))
    if record.whole_file:
        take(infer.year_from(record.source.stem, "file name"))
    take(infer.genre_from_title(title or (record.source.stem if record.whole_file else ""), known_genres))
    return found


def doc_id_stem(name: str) -> str:
    """A ``doc_id``-safe stem of a file name: other characters become ``_``, at most 60 characters."""
    stem = re.sub(r"[^A-Za-z0-9_\-.\u4e00-\u9fff]+", "_", name).strip("_.-")
    stem = re.sub(r"\.+", ".", stem)[:60].strip("_.-")
    return stem or "doc"


def table_prefix(stem: str) -> str:
    """The ``doc_id`` prefix of a table's rows: its file stem, or the initials of the stem's words when it has
    three or more Latin words (``government_work_reports`` → ``gwr``), so that ids stay short in figures."""
    words = [w for w in re.split(r"[_\-\s.]+", stem) if w]
    if len(words) >= 3 and all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", w) for w in words):
        return "".join(w[0] for w in words).lower()
    return doc_id_stem(stem)


def assign_ids(rows: list[Row]) -> list[Problem]:
    """Give every row a ``doc_id`` (the source's when mapped; else a file's stem, or for a table's rows
    :func:`table_prefix` and the row's number) and ``file`` (``texts/<doc_id>.txt``). A given ``doc_id`` must
    be safe and unique."""
    problems = []
    per_source: dict[Path, int] = {}
    for row in rows:
        per_source[row.record.source] = per_source.get(row.record.source, 0) + 1
    used: dict[str, str] = {}
    for row in rows:
        given = row.values.get("doc_id", "")
        if given:
            if not SAFE_DOC_ID.fullmatch(given) or ".." in given:
                problems.append(Problem(row.record.origin, f"doc_id {given!r} is not safe: letters, digits, "
                                                           "Chinese characters, '_', '-' and '.' only"))
                continue
            if given in used:
                problems.append(Problem(row.record.origin, f"duplicate doc_id {given!r} (also {used[given]})"))
                continue
            doc_id = given
        else:
            if row.record.whole_file:
                doc_id = doc_id_stem(row.record.source.stem)
            else:
                width = max(3, len(str(per_source[row.record.source])))
                doc_id = f"{table_prefix(row.record.source.stem)}_{row.record.position:0{width}d}"
            base, n = doc_id, 1
            while doc_id in used:
                n += 1
                doc_id = f"{base}_{n}"
        used[doc_id] = row.record.origin
        row.values["doc_id"] = doc_id
        row.values["file"] = f"texts/{doc_id}.txt"
    return problems


def build_rows(records: list[Record], options: Options) -> tuple[list[Row], list[Problem]]:
    """Every record as a :class:`Row`, with ids; the problems of all of them."""
    known_genres, known_levels = genres(options.dictionaries), admin_levels(options.dictionaries)
    rows, problems = [], []
    for record in records:
        row, found = build_row(record, options, known_genres=known_genres, known_levels=known_levels)
        rows.append(row)
        problems += found
    problems += assign_ids(rows)
    return rows, problems
