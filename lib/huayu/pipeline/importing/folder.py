"""Sources on disk: a single file, or a folder whose files are read by their kind.

* tables (``.csv .tsv .xlsx``, :mod:`~huayu.pipeline.importing.spreadsheet`) and JSON (``.jsonl .json``,
  :mod:`~huayu.pipeline.importing.jsonl`): one document per row or object;
* documents: one per file — plain text (``.txt``, copied byte for byte: its encoding is detected by
  ``prepare`` as for any corpus), Word (``.docx``, :mod:`~huayu.pipeline.importing.word`) and PDF with a
  text layer (``.pdf``, :mod:`~huayu.pipeline.importing.pdf`). With ``--pattern`` the file name's parts are
  fields (:mod:`~huayu.pipeline.importing.templates`); every document file must then match it.

A folder is read recursively in sorted order; hidden files, ``README``/``metadata.csv`` and files of other
kinds are skipped and listed in the review summary. Old ``.doc``/``.xls`` files are an error that says
how to convert them (they would otherwise silently be missing).
"""

from __future__ import annotations

from pathlib import Path

from huayu.errors import SourceError
from huayu.pipeline.corpus import DecodeError, decode_bytes
from huayu.pipeline.importing import jsonl, pdf, spreadsheet, word
from huayu.pipeline.importing.records import Record, Skipped, SourceRead
from huayu.pipeline.importing.templates import FileNameTemplate
from huayu.pipeline.metadata import Problem

TEXT_SUFFIXES = (".txt", ".text")
DOCUMENT_SUFFIXES = (*TEXT_SUFFIXES, *word.SUFFIXES, *pdf.SUFFIXES)
TABLE_SUFFIXES = (*spreadsheet.SUFFIXES, *jsonl.SUFFIXES)
CONVERT_FIRST = {".doc": "save it as .docx (Word: File → Save As)", ".xls": "save it as .xlsx or CSV",
                 ".wps": "save it as .docx", ".et": "save it as .xlsx or CSV"}
IGNORED_NAMES = ("readme", "metadata.csv", "license", "licence", "import_manifest.json")


def read_document(path: Path, where: str, fields: dict[str, str]) -> tuple[Record | None, Skipped | None]:
    """One document file as a record, or why it is skipped (a PDF without text, an empty file)."""
    suffix = path.suffix.lower()
    data = None
    if suffix in TEXT_SUFFIXES:
        data = path.read_bytes()
        try:
            text, _ = decode_bytes(data)
        except DecodeError as exc:
            raise SourceError(path, [Problem(str(path), f"cannot be read as text: {exc}")]) from None
        extra: dict[str, str] = {}
    elif suffix in word.SUFFIXES:
        text, extra = word.docx_text(path)
    else:
        text, extra = pdf.pdf_text(path)
        if not text:
            return None, Skipped(where, pdf.NO_TEXT_LAYER)
    if not text.strip():
        return None, Skipped(where, "has no text (empty, or whitespace only)")
    return Record(text=text, fields={**extra, **fields}, origin=where, source=path, data=data,
                  whole_file=True), None


def _is_ignored(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith((".", "~$")) or any(name == n or name.startswith(n + ".") for n in IGNORED_NAMES)


def read_source(source: Path, *, text_column: str | None = None, pattern: FileNameTemplate | None = None,
                sheet: str | None = None, exclude: tuple[Path, ...] = ()) -> SourceRead:
    """Every record of ``source`` (a file or a folder). Collects every problem, then raises one
    :class:`SourceError` listing them all."""
    source = Path(source)
    if not source.exists():
        raise SourceError(source, [Problem(str(source), "does not exist")])
    if source.is_file():
        files, base = [source], source.parent
    else:
        base = source
        files = sorted(p for p in source.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(source).parts)
                       and not any(p.resolve().is_relative_to(e) for e in exclude))
    read = SourceRead()
    problems: list[Problem] = []
    for path in files:
        relative = path.relative_to(base).as_posix()
        suffix = path.suffix.lower()
        try:
            if source.is_dir() and _is_ignored(path):
                read.skipped.append(Skipped(relative, "not a document (README, licence, metadata or hidden file)"))
            elif suffix in CONVERT_FIRST:
                problems.append(Problem(str(path), f"is an old {suffix} file that cannot be read: "
                                                   f"{CONVERT_FIRST[suffix]}"))
            elif suffix in TABLE_SUFFIXES:
                if suffix in jsonl.SUFFIXES:
                    part = jsonl.read_json(path, text_column)
                else:
                    part = spreadsheet.read_table(path, text_column, sheet)
                read.extend(part)
                read.text_column = read.text_column or part.text_column
            elif suffix in DOCUMENT_SUFFIXES:
                fields: dict[str, str] = {}
                if pattern is not None:
                    matched = pattern.match(relative)
                    if matched is None:
                        problems.append(Problem(str(path), f"does not match --pattern: {pattern.describe()} "
                                                           f"(fields {', '.join(pattern.fields)})"))
                        continue
                    fields = matched
                record, skipped = read_document(path, relative, fields)
                if record is not None:
                    read.records.append(record)
                    for name in record.fields:
                        if name not in read.fields_seen:
                            read.fields_seen.append(name)
                if skipped is not None:
                    read.skipped.append(skipped)
            elif source.is_file():
                problems.append(Problem(str(path), f"is a {suffix or 'suffix-less'} file: huayu imports "
                                                   f"{', '.join(TABLE_SUFFIXES + DOCUMENT_SUFFIXES)}"))
            else:
                read.skipped.append(Skipped(relative, f"not a kind of file huayu imports ({suffix or 'no suffix'})"))
        except SourceError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(Problem(str(path), f"cannot be read: {exc.strerror or exc}"))
    if problems:
        raise SourceError(source, problems)
    return read
