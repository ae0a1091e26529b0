"""``import_collection``: sources → a corpus folder (``metadata.csv`` + ``texts/`` + ``import_manifest.json``).

Everything is read and checked before anything is written; the folder is built in a staging folder beside
``out`` and moved into place only when complete (:func:`huayu.outputs.replace_folder`), so a failed import
writes nothing and a repeated one (``replace=True``) replaces the earlier import whole. A folder that holds
anything else is never replaced. The sources are only read.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from huayu.errors import ParameterError, SourceError
from huayu.outputs import replace_folder, sha256_file, staging_folder, write_csv, write_json
from huayu.pipeline.importing.build import Options, Row, build_rows, check_options, column_names
from huayu.pipeline.importing.folder import read_source
from huayu.pipeline.importing.records import SourceRead
from huayu.pipeline.importing.review import render, review, text_key
from huayu.pipeline.importing.templates import FileNameTemplate
from huayu.pipeline.metadata import REQUIRED_COLUMNS, check_metadata

log = logging.getLogger("huayu.pipeline.importing")
MANIFEST = "import_manifest.json"


@dataclass
class ImportResult:
    out: Path
    n_documents: int
    summary: dict
    text: str


def _check_out(out: Path, sources: list[Path], replace: bool) -> None:
    out = out.resolve()
    for source in sources:
        src = source.resolve()
        if out == src or src.is_relative_to(out) or (src.is_dir() and out.is_relative_to(src)):
            raise ParameterError(f"--out {out}: the corpus folder may not be the source {src}, inside it or hold it "
                                 "(the source is never written to); choose another folder")
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MANIFEST).is_file():
            raise ParameterError(f"--out {out} exists and holds files that huayu import did not write: choose a new "
                                 "folder (an import never replaces other files)")
        if not replace:
            raise ParameterError(f"--out {out} holds an earlier import: pass --replace to replace it")
        edited = _edited_since_import(out)
        if edited:
            raise ParameterError(f"--out {out}: {', '.join(edited[:5])} changed since the import (edited by hand?); "
                                 "an import never overwrites edits: import into a new folder, or remove the "
                                 "folder first")


def written_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file an import wrote (``metadata.csv`` and ``texts/``), by path below ``folder``."""
    files = [folder / "metadata.csv", *sorted((folder / "texts").rglob("*"))]
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files if p.is_file()}


def _edited_since_import(out: Path) -> list[str]:
    """The files of an earlier import that are not as it wrote them (added, changed or removed)."""
    try:
        written = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("written", {})
    except (OSError, ValueError):
        return [MANIFEST]
    now = written_digest(out)
    return sorted(p for p in set(written) | set(now) if written.get(p) != now.get(p))


def _renamed(read: SourceRead, options: Options) -> dict[str, str]:
    """``{source field: column}`` for the fields whose column differs from their name, and the text column."""
    out = {}
    if read.text_column:
        out[read.text_column] = "text"
    seen = set()
    for record in read.records:
        if tuple(record.fields) in seen:
            continue
        seen.add(tuple(record.fields))
        for name, column in column_names(record, options).items():
            if name != column:
                how = "--map" if name in options.mapping else "alias"
                out[name] = f"{column} ({how})"
    for key, value in options.constants.items():
        out[f"--set {key}"] = value
    return out


def import_collection(sources: list[str | Path], out: str | Path, *, text_column: str | None = None,
                      mapping: dict[str, str] | None = None, constants: dict[str, str] | None = None,
                      pattern: str | None = None, sheet: str | None = None, infer: bool = True,
                      drop_duplicates: bool = False, replace: bool = False, progress: bool = True) -> ImportResult:
    """Import ``sources`` (files or folders: tables, JSON, .txt/.docx/.pdf) into the corpus folder ``out``.

    See ``python -m huayu import --help`` and :mod:`huayu.pipeline.importing` for what each argument does.
    Raises :class:`SourceError` (every problem of the sources, each naming file, row or line and column) or
    :class:`ParameterError` (a bad option); then nothing is written.
    """
    started = time.perf_counter()
    if not sources:
        raise ParameterError("give at least one SOURCE (a table, a JSON file, a folder of documents)")
    sources = [Path(s) for s in sources]
    out = Path(out)
    _check_out(out, sources, replace)
    options = Options(mapping=dict(mapping or {}), constants=dict(constants or {}), infer=infer)
    template = FileNameTemplate.parse(pattern) if pattern else None
    read, problems = SourceRead(), []
    for source in sources:
        try:
            part = read_source(source, text_column=text_column, pattern=template, sheet=sheet,
                               exclude=(out.resolve(),))
        except SourceError as exc:
            problems += exc.problems
            continue
        read.extend(part)
        read.text_column = read.text_column or part.text_column
    if problems:
        raise SourceError(", ".join(map(str, sources)), problems)
    where = ", ".join(map(str, sources))
    if not read.records:
        reasons = "; ".join(map(str, read.skipped[:5])) or "it holds no table, JSON or document file"
        raise SourceError(where, [f"no document to import ({reasons})"])
    check_options(options, read.fields_seen, read.text_column, where)
    rows, problems = build_rows(read.records, options)
    if problems:
        raise SourceError(where, problems)
    dropped = []
    if drop_duplicates:
        kept, seen = [], set()
        for row in rows:
            key = text_key(row.record.text)
            if key in seen:
                dropped.append(row.values["doc_id"])
                continue
            seen.add(key)
            kept.append(row)
        rows = kept
    table = _metadata_table(rows)
    sheet_problems = check_metadata(table, "metadata.csv")
    if sheet_problems:  # a row the importer built is invalid: a bug, but never publish it
        raise SourceError(where, sheet_problems)
    summary = review(rows, read.skipped, sources=sources, renamed=_renamed(read, options), dropped_duplicates=dropped)
    summary["options"] = {"text_column": read.text_column, "map": options.mapping, "set": options.constants,
                          "pattern": pattern, "sheet": sheet, "infer": infer, "drop_duplicates": drop_duplicates}
    summary["source_files"] = {str(r.source): None for r in read.records}
    _publish(rows, table, summary, out, progress)
    text = render(summary, out)
    log.info("import finished in %.1f s", time.perf_counter() - started)
    return ImportResult(out=out, n_documents=len(rows), summary=summary, text=text)


def _metadata_table(rows: list[Row]) -> pd.DataFrame:
    extra: dict[str, None] = {}
    for row in rows:
        extra.update(dict.fromkeys(c for c in row.values if c not in REQUIRED_COLUMNS))
    records = []
    for row in rows:
        values = {c: row.values.get(c, "") for c in (*REQUIRED_COLUMNS, *extra)}
        values["imported_from"] = row.record.origin if not row.record.whole_file else str(row.record.source)
        records.append(values)
    return pd.DataFrame(records, columns=[*REQUIRED_COLUMNS, *extra, "imported_from"], dtype=str)


def _publish(rows: list[Row], table: pd.DataFrame, summary: dict, out: Path, progress: bool) -> None:
    staged = staging_folder(out)
    staged.chmod(0o755)
    try:
        texts = staged / "texts"
        texts.mkdir()
        bar = tqdm(rows, desc="writing", unit="doc", disable=not progress or len(rows) < 50)
        for row in bar:
            path = staged / row.values["file"]
            if row.record.data is not None:
                path.write_bytes(row.record.data)
            else:
                path.write_text(row.record.text, encoding="utf-8", newline="")
        write_csv(table, staged / "metadata.csv")
        summary["source_files"] = {path: sha256_file(path) for path in summary["source_files"]}
        summary["written"] = written_digest(staged)
        write_json(summary, staged / MANIFEST)
        replace_folder(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
