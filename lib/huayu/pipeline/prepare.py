"""Prepare a corpus: load and validate it, clean it, segment it; write the stage tables.

``python -m huayu prepare --corpus DIR --out DIR`` (``make prepare CORPUS=DIR OUT=DIR``) reads the corpus
folder (``metadata.csv`` + text files) and writes

* ``OUT/interim/documents.parquet``, ``paragraphs.parquet``, ``sentences.parquet``, ``cleaning_log.parquet``
  (always), and a ``.csv`` copy of each table that fits a spreadsheet (at most :data:`SPREADSHEET_MAX_ROWS`
  = 1,048,576 rows, the row limit of Excel and LibreOffice Calc; ``documents.csv`` without the text). A
  larger table has no CSV copy (a stale one is removed) and the log says so: read its parquet file with
  pandas, R (``arrow::read_parquet``) or DuckDB;
* ``clean_text/<doc_id>.txt``: the cleaned text of each document, readable,
  ``prepare_manifest.json``: the corpus content hash and the counts;
* ``OUT/processed/tokens.parquet``: one token per row (re-segmented only when its inputs change).

How it runs. The corpus is never held in memory as a whole: the metadata sheet and the folder listing are
checked first (:func:`huayu.pipeline.corpus.plan_corpus`), then the documents go in batches of
:data:`BATCH_DOCUMENTS` to ``workers`` forked processes, each running :func:`prepare_batch` (read, decode,
detect the script, clean with :func:`huayu.pipeline.clean.clean_document`, split), and this process
appends each batch's Arrow tables, in corpus order, to the parquet files. :func:`prepare_batch` is the
public unit of work (a distributed runner can call it on any batch); :func:`write_batches` writes its
results. Cleaning has two passes when a rule needs the lines repeated across a source (the evidence pass,
:mod:`huayu.pipeline.evidence`): the first reads and decodes each batch once, counts its lines and keeps
the decoded texts in an Arrow file of a temporary folder in ``OUT/interim`` (:func:`run_batches`); the
second cleans them from there, so no file is read or decoded twice. The cleaning workers also find each
batch's formula spans (:func:`huayu.pipeline.segment.engine.sentence_formula_spans`): segmentation needs
the formula words of the whole corpus before it tags any token, and takes the spans instead of looking
for them again. They render the batch's rows of the CSV copies too (:func:`csv_rows`), which this process
appends to the staged copies as the batches come, so the copies cost this process nothing at the end.
Segmentation then streams too (:func:`huayu.pipeline.segment.cache.write_tokens_from_parquet`): the
sentences are read back in parts of whole documents (about 4 M characters), each part's tokens and
parts appended to the parquet files, so the peak memory is bounded by a part, not by the corpus. While
it segments, another process writes ``clean_text/``, and the raw corpus's SHA-256 is computed by one
while cleaning (:class:`Background`), so neither waits for the other stages.

Measured (``benchmarks/bench_scale.py --no-suite --sizes 10000``, 2 cores shared with other work,
so the load average is given with each run): 10,000 documents of ~11,000 characters
(110 M characters). Before these changes: 133.6 s wall, 217 s CPU, 918 MB at load 0.35–1.96 (the quietest
run), 356.6 s, 262 s CPU, 873 MB at load 3.4–4.8, 329.0 s, 186 s CPU, 853 MB at load 5.0–6.8. Now:
172.2 s, 171 s CPU (61.0 s of it in the main process), 881 MB at load 5.6–3.8, when the process tree got
one core on average (cleaning 75.3 s); 209.2 s, 233 s CPU, 865 MB at load 8.3–3.6. Every table, CSV copy
and clean text is the same bytes as before. (Forking as many cutting processes as cores, this one cutting only
while it would wait, was tried: 329.3 s and 235.0 s at load 4.3–7.9 and 1.3–5.0, against 243.0 s and
329.0 s for the code before at 4.7–5.4 and 5.0–6.8, about 185 s CPU each; the load could not tell them
apart, so the cutting is as before.) The
benchmark lists the seconds in which fewer than 1.5 cores were busy; on that machine they measured the
neighbours. The CPU time and the memory are this stage's.

Temporary folders (the decoded texts here, the staged outputs of ``--scheduler``) record their owner
(:func:`make_scratch`); a run that was killed leaves its folder, and the next run removes it
(:func:`remove_stale_scratch`; one that may belong to a run still going is reported and left). The last
file a run that made the tokens writes is ``OUT/processed/prepared.json`` (:func:`mark_prepared`): what
``make`` takes as "prepared", for either layout.

Validation reports every problem at once; then nothing is replaced. Each file is written to a temporary
file and replaced only when every document was read, so a failed run leaves the previous outputs in place.
The raw files are only read.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import logging
import multiprocessing
import operator
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from huayu import schema
from huayu.errors import CorpusError
from huayu.pipeline import clean as clean_stage
from huayu.pipeline.corpus import Corpus, ReadDocument, log_warnings, plan_corpus, read_document
from huayu.pipeline.evidence import RepeatedLines, count_lines, gather_evidence, repeated_lines
from huayu.pipeline.metadata import Problem
from huayu.outputs import atomic_write, write_json, write_text

log = logging.getLogger("huayu.pipeline.prepare")

METADATA_DROP = ("path", "raw_text")
#: Documents per batch handed to a worker (a few hundred thousand characters of local speeches).
BATCH_DOCUMENTS = 32
#: Rows a spreadsheet can show (Excel and LibreOffice Calc): a larger table gets no CSV copy.
SPREADSHEET_MAX_ROWS = 1_048_576
#: What :func:`prepare_batch` adds to the metadata columns of each document, in order.
DOCUMENT_COLUMNS = {"encoding": "str", "script": "str", "converted_to_simplified": "bool",
                    "n_chars_raw": "int64", "n_chars_clean": "int64", "n_paragraphs": "int64",
                    "n_sentences": "int64", "n_removals": "int64", "text": "str"}
TABLE_NAMES = ("documents", "paragraphs", "sentences", "cleaning_log")
#: Written (atomically) into OUT/processed as the last step of a prepare that made the tokens, by either
#: layout: what `make` takes as "prepared" (``tokens.parquet`` alone is not there after ``--scheduler``).
PREPARED_MARKER = "prepared.json"
#: In each temporary folder of a run: which process made it (to tell a folder left by a killed run).
SCRATCH_OWNER = "owner.json"
#: The temporary folders of a run: staged outputs of ``--scheduler`` (in OUT), decoded texts (in OUT/interim).
SCRATCH_PATTERNS = (".prepare-staging-*", "interim/.prepare-reads-*")


@dataclass
class PrepareResult:
    interim_dir: Path
    processed_dir: Path
    n_documents: int
    n_paragraphs: int
    n_sentences: int
    n_removals: int
    tokens_path: Path | None
    tokens_recomputed: bool


@dataclass
class Batch:
    """What :func:`prepare_batch` returns for a batch of documents: the rows of the four interim tables as
    Arrow tables (schemas of :func:`table_schemas`), the problems (with their metadata row numbers, for
    ordering) and the warnings."""

    tables: dict[str, pa.Table]
    problems: list[tuple[int, Problem]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encodings: Counter = field(default_factory=Counter)
    #: the surfaces of the formula spans the segmenter finds in the batch's sentences (see :func:`run_batches`)
    formulas: set[str] = field(default_factory=set)
    #: the rows of some tables as CSV text, without the header (:func:`csv_rows`), rendered by the worker
    #: that cleaned the batch; :func:`write_batches` renders the others itself
    csv: dict[str, str] = field(default_factory=dict)
    #: those formula spans, ``(sentence row in the batch, start, end)`` arrays
    #: (:func:`huayu.pipeline.segment.engine.sentence_formula_spans`), which segmentation takes
    formula_spans: tuple | None = None

    @property
    def n_documents(self) -> int:
        return self.tables["documents"].num_rows


def _frame(columns: dict[str, str], rows: list[tuple] | None = None) -> pd.DataFrame:
    names = list(columns)
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype="str" if k in ("string", "str") else k)
                             for c, k in columns.items()})
    frame = pd.DataFrame(rows, columns=names)
    for c, k in columns.items():
        frame[c] = frame[c].astype("str" if k in ("string", "str") else k)
    return frame


def table_schemas(metadata_columns: Sequence[str]) -> dict[str, pa.Schema]:
    """The Arrow schemas of the four interim tables (with the pandas metadata that restores their dtypes);
    the documents table has the corpus's metadata columns first."""
    return dict(_table_schemas(tuple(metadata_columns)))


@functools.lru_cache(maxsize=8)
def _table_schemas(metadata_columns: tuple[str, ...]) -> dict[str, pa.Schema]:
    doc_columns = {c: "str" for c in metadata_columns if c not in DOCUMENT_COLUMNS} | DOCUMENT_COLUMNS
    frames = {"documents": _frame(doc_columns), "paragraphs": _frame(dict(schema.PARAGRAPHS.columns)),
              "sentences": _frame(dict(schema.SENTENCES.columns)),
              "cleaning_log": _frame(dict(schema.CLEANING_LOG.columns))}
    return {name: pa.Schema.from_pandas(frame, preserve_index=False) for name, frame in frames.items()}


def prepare_batch(root: str | Path, entries: Sequence[tuple[int, dict]], metadata_columns: Sequence[str], *,
                  rules: Sequence[clean_stage.Rule], to_simplified_chinese: bool = False,
                  evidence: RepeatedLines | None = None, exclude_flagged: bool = False,
                  reads: Sequence[ReadDocument] | None = None) -> Batch:
    """Read, validate and clean a batch of documents: the unit of work of ``prepare``.

    ``entries`` are ``(row number, metadata row)`` pairs of :func:`huayu.pipeline.corpus.plan_corpus`
    (``row`` a dict of the sheet's ``metadata_columns``). Each document is decoded
    (:func:`huayu.pipeline.corpus.read_document`), cleaned with ``rules``
    (:func:`huayu.pipeline.clean.clean_document`) and split (:func:`huayu.pipeline.clean.document_tables`).
    A document that cannot be read is a problem of the batch, not an exception: every problem of the
    corpus is reported together. Pure: reads the files, writes nothing.

    ``evidence``: the lines repeated across documents of one source (:func:`evidence_batch` on every batch,
    merged by :func:`huayu.pipeline.evidence.repeated_lines`), the evidence of the ``repeated`` rules.
    ``exclude_flagged``: leave out near-empty stubs and texts mostly not in Chinese (their warning is kept).
    ``reads``: the documents already read (:func:`read_batch`, one per entry), so the files are not read again.
    """
    root = Path(root)
    schemas = table_schemas(metadata_columns)
    meta_names = [c for c in schemas["documents"].names if c not in DOCUMENT_COLUMNS]
    rows: dict[str, list] = {name: [] for name in TABLE_NAMES}
    out = Batch({})
    if reads is None:
        reads = read_batch(root, entries, to_simplified_chinese=to_simplified_chinese,
                           exclude_flagged=exclude_flagged)
    for (i, _row), read in zip(entries, reads, strict=True):
        if read.problem is not None:
            out.problems.append((i, read.problem))
            continue
        if read.warning:
            out.warnings.extend(read.warning.split("\n"))
        if read.excluded:
            continue
        out.encodings[read.record["encoding"]] += 1
        _clean_one(read.record, meta_names, rules, rows, evidence)
    out.tables = _arrow_tables(rows, schemas)
    return out


def read_batch(root: str | Path, entries: Sequence[tuple[int, dict]], *, to_simplified_chinese: bool = False,
               exclude_flagged: bool = False) -> list[ReadDocument]:
    """:func:`huayu.pipeline.corpus.read_document` on each entry of a batch."""
    root = Path(root)
    return [read_document(root, i, row, to_simplified_chinese=to_simplified_chinese,
                          exclude_flagged=exclude_flagged) for i, row in entries]


def evidence_batch(root: str | Path, entries: Sequence[tuple[int, dict]], *,
                   to_simplified_chinese: bool = False):
    """The first pass of cleaning on a batch: the line hashes of its readable documents
    (:func:`huayu.pipeline.evidence.count_lines`; batches merge with ``+``). Reads the files, writes nothing."""
    return _evidence_of(root, entries, read_batch(root, entries, to_simplified_chinese=to_simplified_chinese),
                        to_simplified_chinese=to_simplified_chinese)


def _evidence_of(root: str | Path, entries: Sequence[tuple[int, dict]], reads: Sequence[ReadDocument], *,
                 to_simplified_chinese: bool):
    """The line hash counts of a batch read by :func:`read_batch`: every readable document counts, one left
    out by ``exclude_flagged`` too (it is read again without, as the evidence is the same either way)."""
    texts = []
    for (i, row), read in zip(entries, reads, strict=True):
        if read.excluded:
            read = read_document(Path(root), i, row, to_simplified_chinese=to_simplified_chinese)
        if read.record is not None:
            texts.append((read.record["doc_id"], read.record["raw_text"], read.record.get("source")))
    return count_lines(texts)


#: The columns of a batch of read documents kept between the two passes (:func:`_store_reads`).
_READ_SCHEMA = pa.schema([("problem_where", pa.large_string()), ("problem_reason", pa.large_string()),
                          ("warning", pa.large_string()), ("excluded", pa.bool_()), ("path", pa.large_string()),
                          ("encoding", pa.large_string()), ("script", pa.large_string()),
                          ("converted_to_simplified", pa.bool_()), ("raw_text", pa.large_string())])
_READ_FIELDS = ("path", "encoding", "script", "converted_to_simplified", "raw_text")


def _store_reads(reads: Sequence[ReadDocument], path: Path) -> None:
    """The read documents of a batch as an Arrow IPC file (the decoded texts, not the files' bytes)."""
    columns: dict[str, list] = {name: [] for name in _READ_SCHEMA.names}
    for read in reads:
        columns["problem_where"].append(read.problem.where if read.problem else None)
        columns["problem_reason"].append(read.problem.reason if read.problem else None)
        columns["warning"].append(read.warning)
        columns["excluded"].append(read.excluded)
        for name in _READ_FIELDS:
            columns[name].append(read.record[name] if read.record is not None else None)
    table = pa.table(columns, schema=_READ_SCHEMA)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, _READ_SCHEMA) as writer:
        writer.write_table(table)


def _load_reads(entries: Sequence[tuple[int, dict]], path: Path) -> list[ReadDocument]:
    """The read documents :func:`_store_reads` kept (the metadata rows come from ``entries``)."""
    with pa.memory_map(str(path)) as source:
        rows = pa.ipc.open_file(source).read_all().to_pylist()
    reads = []
    for (_i, row), stored in zip(entries, rows, strict=True):
        problem = Problem(stored["problem_where"], stored["problem_reason"]) if stored["problem_reason"] else None
        record = None if stored["raw_text"] is None else {**row, **{name: stored[name] for name in _READ_FIELDS}}
        reads.append(ReadDocument(record, problem, stored["warning"], stored["excluded"]))
    return reads


def _read_and_count(root: Path, store: Path, job: tuple[int, list], *, to_simplified_chinese: bool,
                    exclude_flagged: bool):
    """The first pass on batch ``job = (number, entries)``: read its documents once, keep them in ``store``
    for the second pass and return their line hash counts."""
    number, entries = job
    reads = read_batch(root, entries, to_simplified_chinese=to_simplified_chinese, exclude_flagged=exclude_flagged)
    _store_reads(reads, store / f"batch-{number:06d}.arrow")
    return _evidence_of(root, entries, reads, to_simplified_chinese=to_simplified_chinese)


def _clean_batch(root: Path, store: Path | None, settings, job: tuple[int, list], **options) -> Batch:
    """The second pass on batch ``job = (number, entries)``: :func:`prepare_batch` on the documents the
    first pass kept (read now when there was none), and the formula words of its sentences."""
    number, entries = job
    reads = None
    if store is not None:
        kept = store / f"batch-{number:06d}.arrow"
        reads = _load_reads(entries, kept)
        kept.unlink()
    batch = prepare_batch(root, entries, reads=reads, **options)
    if settings is not None and batch.tables["sentences"].num_rows:
        from huayu.pipeline.segment.engine import sentence_formula_spans

        texts = batch.tables["sentences"].column("text").to_pylist()
        batch.formula_spans = sentence_formula_spans(texts, settings)
        batch.formulas = {texts[r][a:b] for r, a, b in zip(*(v.tolist() for v in batch.formula_spans))}
    if not batch.problems:  # the CSV copies' rows, of the tables that may still fit a spreadsheet
        batch.csv = {name: csv_rows(name, batch.tables[name]) for i, name in enumerate(TABLE_NAMES)
                     if batch.tables[name].num_rows and (_CSV_WANTED is None or _CSV_WANTED[i])}
    return batch


#: Which tables still get a CSV copy (one flag per :data:`TABLE_NAMES`), shared with the forked cleaning
#: workers: :func:`write_batches` clears a table's flag once it has more rows than a spreadsheet shows, and
#: the workers stop rendering its rows.
_CSV_WANTED = None
#: The columns a CSV copy leaves out.
CSV_DROP = {"documents": ("text",)}


def csv_rows(name: str, table: pa.Table) -> str:
    """The rows of an interim ``table`` as its CSV copy writes them (no header; :func:`_write_csv_copy`)."""
    drop = CSV_DROP.get(name, ())
    table = table.select([c for c in table.column_names if c not in drop])
    return table.to_pandas().to_csv(index=False, header=False, lineterminator="\n")


def csv_header(columns: Sequence[str]) -> str:
    return pd.DataFrame(columns=list(columns)).to_csv(index=False, lineterminator="\n")


def _clean_one(doc: dict, meta_names: Sequence[str], rules: Sequence[clean_stage.Rule],
               rows: dict[str, list], evidence: RepeatedLines | None = None) -> None:
    """Clean one read document (a record of :func:`read_document`) and add its rows to ``rows``."""
    source = doc.get("source")
    source = None if isinstance(source, float) else source  # NaN: no source column value
    cleaned = clean_stage.clean_document(doc["raw_text"], doc["doc_id"], doc.get("genre"), rules, source=source,
                                         evidence=evidence)
    p_rows, s_rows, l_rows = clean_stage.document_tables(cleaned)
    rows["paragraphs"] += p_rows
    rows["sentences"] += s_rows
    rows["cleaning_log"] += l_rows
    rows["documents"].append(tuple(doc[c] for c in meta_names) + (
        doc["encoding"], doc["script"], doc["converted_to_simplified"], len(doc["raw_text"]),
        len(cleaned.text), len(p_rows), len(s_rows), len(l_rows), cleaned.text))


def _arrow_tables(rows: dict[str, list], schemas: dict[str, pa.Schema]) -> dict[str, pa.Table]:
    """The rows (tuples in schema order) as Arrow tables, column by column (no pandas frame in between):
    the values a pandas frame of the schema's dtypes would hold — strings (``str()`` of anything else, a
    missing value null), booleans, 64-bit integers."""
    tables = {}
    for name, s in schemas.items():
        columns = list(zip(*rows[name])) if rows[name] else [()] * len(s)
        tables[name] = pa.Table.from_arrays([_arrow_column(values, f.type) for values, f in zip(columns, s)],
                                            schema=s)
    return tables


def _arrow_column(values: Sequence, arrow_type: pa.DataType) -> pa.Array:
    kind = _kind(arrow_type)
    if kind == "str" and all(type(v) is str for v in values) or kind == "int64" and all(type(v) is int for v in values):
        return pa.array(values, type=arrow_type)  # the usual case, without a Python object made per value
    if kind == "bool":
        return pa.array([bool(v) for v in values], type=arrow_type)
    if kind == "int64":
        return pa.array([int(v) for v in values], type=arrow_type)
    return pa.array([v if isinstance(v, str) else None if _missing(v) else str(v) for v in values], type=arrow_type)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _kind(arrow_type: pa.DataType) -> str:
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type):
        return "int64"
    return "str"


def _batches(entries: list, size: int) -> Iterator[list]:
    for start in range(0, len(entries), size):
        yield entries[start:start + size]


def run_batches(root: Path, entries: list[tuple[int, dict]], metadata_columns: Sequence[str], *,
                rules: Sequence[clean_stage.Rule], to_simplified_chinese: bool = False, workers: int = 1,
                batch_documents: int = BATCH_DOCUMENTS, exclude_flagged: bool = False,
                settings=None, scratch: Path | None = None) -> Iterator[Batch]:
    """:func:`prepare_batch` on every batch of ``entries``, in ``workers`` forked processes (one when
    there is a single batch or no ``fork``); yields the batches in corpus order.

    When a rule needs evidence of repetition (``repeated`` rules), a first pass reads every batch's
    documents and counts their lines (:func:`huayu.pipeline.evidence.count_lines`); the merged counts go
    to every batch of the second pass, which cleans the documents the first pass read: each batch's decoded
    texts wait in an Arrow file in a temporary folder inside ``scratch`` (default: the system's), so no file
    is read or decoded twice. ``settings`` (segmentation settings): each batch also carries the formula
    words of its sentences (:func:`huayu.pipeline.segment.engine.formula_words`), which segmentation needs
    for the whole corpus before it writes any token."""
    import shutil
    import tempfile

    global _CSV_WANTED

    jobs = list(enumerate(_batches(entries, batch_documents)))
    _CSV_WANTED = multiprocessing.RawArray("b", [1] * len(TABLE_NAMES))  # before the workers are forked
    options = dict(metadata_columns=list(metadata_columns), rules=list(rules),
                   to_simplified_chinese=to_simplified_chinese, exclude_flagged=exclude_flagged)
    store = None
    try:
        if any(r.kind == "repeated" for r in rules):
            store = make_scratch(Path(scratch or tempfile.gettempdir()), ".prepare-reads-")
            count = functools.partial(_read_and_count, root, store, to_simplified_chinese=to_simplified_chinese,
                                      exclude_flagged=exclude_flagged)
            options["evidence"] = repeated_lines(functools.reduce(operator.add, _map(count, jobs, workers),
                                                                  count_lines([])))
        yield from _map(functools.partial(_clean_batch, root, store, settings, **options), jobs, workers)
    finally:
        _CSV_WANTED = None
        if store is not None:
            shutil.rmtree(store, ignore_errors=True)


def _map(work, batches: list, workers: int) -> Iterator:
    """``work`` on each batch, in order, in ``workers`` forked processes (one when there is a single batch
    or no ``fork``)."""
    fork = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or len(batches) <= 1 or not fork:
        yield from map(work, batches)
        return
    with multiprocessing.get_context("fork").Pool(min(workers, len(batches))) as pool:
        yield from pool.imap(work, batches)


class _TableWriters:
    """The four interim parquet files, written batch by batch to temporary files beside their final names;
    :meth:`commit` moves them into place, :meth:`discard` removes them."""

    def __init__(self, interim_dir: Path, schemas: dict[str, pa.Schema], n_documents: int | None = None):
        self.interim_dir = interim_dir
        self.n_documents, self.documents_seen = n_documents, 0
        #: per table, the rows written when its CSV copy was suspended because the table is on its way to
        #: outgrow a spreadsheet (:meth:`finish_csv` writes the rest if it fits after all)
        self.suspended: dict[str, int] = {}
        self.tmp = {name: interim_dir / f".{name}.parquet.{os.getpid()}.tmp" for name in schemas}
        self.writers = {name: pq.ParquetWriter(self.tmp[name], s) for name, s in schemas.items()}
        self.rows = dict.fromkeys(schemas, 0)
        # the CSV copies, written as the batches come (a table that outgrows a spreadsheet loses its copy)
        self.csv_tmp: dict[str, Path | None] = {name: interim_dir / f".{name}.csv.{os.getpid()}.tmp" for name in schemas}
        self.csv = {}
        for name, s in schemas.items():
            self.csv[name] = open(self.csv_tmp[name], "w", encoding="utf-8-sig", newline="")
            self.csv[name].write(csv_header([c for c in s.names if c not in CSV_DROP.get(name, ())]))

    def write(self, batch: Batch) -> None:
        self.documents_seen += batch.n_documents
        for name, table in batch.tables.items():
            if table.num_rows:
                self.writers[name].write_table(table)
                self.rows[name] += table.num_rows
                if self.csv[name] is not None and self.rows[name] > SPREADSHEET_MAX_ROWS:
                    self._drop_csv(name, TABLE_NAMES.index(name))
                if self.csv[name] is not None and name not in self.suspended:
                    rendered = batch.csv.get(name)
                    self.csv[name].write(csv_rows(name, table) if rendered is None else rendered)
                    if self._outgrows(name):
                        self.suspended[name] = self.rows[name]
                        if _CSV_WANTED is not None:
                            _CSV_WANTED[TABLE_NAMES.index(name)] = 0  # the workers stop rendering its rows

    def _outgrows(self, name: str) -> bool:
        """Whether the table is on its way to twice the rows a spreadsheet shows (a tenth of the documents
        seen at least): its CSV copy is then suspended, not rendered for rows that will be thrown away."""
        n, seen = self.n_documents, self.documents_seen
        return bool(n) and seen * 10 >= n and self.rows[name] * n > 2 * SPREADSHEET_MAX_ROWS * seen

    def finish_csv(self) -> None:
        """After :meth:`close`: the CSV copy of a suspended table that fits after all gets the rest of its rows,
        read back from its parquet file (row groups, in order)."""
        for name, written in self.suspended.items():
            if self.csv_tmp[name] is None:
                continue  # it outgrew the spreadsheet: no copy
            source = pq.ParquetFile(self.tmp[name])
            columns = [c for c in source.schema_arrow.names if c not in CSV_DROP.get(name, ())]
            with open(self.csv_tmp[name], "a", encoding="utf-8", newline="") as fh:
                seen = 0
                for i in range(source.num_row_groups):
                    if seen >= written:
                        fh.write(csv_rows(name, source.read_row_group(i, columns=columns)))
                    seen += source.metadata.row_group(i).num_rows

    def _drop_csv(self, name: str, i: int) -> None:
        if _CSV_WANTED is not None:
            _CSV_WANTED[i] = 0  # the workers stop rendering its rows
        self.csv[name].close()
        self.csv[name] = None
        self.csv_tmp[name].unlink(missing_ok=True)
        self.csv_tmp[name] = None

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        for fh in self.csv.values():
            if fh is not None:
                fh.close()

    def discard(self) -> None:
        self.close()
        for path in list(self.tmp.values()) + list(self.csv_tmp.values()):
            if path is not None:
                path.unlink(missing_ok=True)


def _write_csv_copy(parquet: Path, csv: Path, *, drop: Sequence[str] = ()) -> Path:
    """A CSV copy of a parquet table (UTF-8 with BOM, as :func:`huayu.outputs.write_csv`), written in
    row groups, atomically."""
    source = pq.ParquetFile(parquet)
    columns = [c for c in source.schema_arrow.names if c not in drop]

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            if source.metadata.num_rows == 0:
                pd.DataFrame(columns=columns).to_csv(fh, index=False, lineterminator="\n")
            for i in range(source.num_row_groups):
                frame = source.read_row_group(i, columns=columns).to_pandas()
                frame.to_csv(fh, index=False, header=i == 0, lineterminator="\n")

    return atomic_write(csv, write)


def write_batches(batches: Iterable[Batch], interim_dir: Path, schemas: dict[str, pa.Schema], *,
                  n_documents: int, progress: bool = True, formulas: set[str] | None = None,
                  formula_spans: list | None = None
                  ) -> tuple[dict[str, int], list[tuple[int, Problem]], list[str], Counter, dict[str, Path]]:
    """Append each batch to the temporary parquet files; returns the row counts, problems, warnings, the
    encodings found and the temporary files (to :func:`commit_interim`, or remove on a problem).
    ``formulas``: a set the batches' formula words are added to. ``formula_spans``: a list that gets, if
    every batch brings its formula spans, the three arrays of the whole sentences table (rows of the
    table, start, end), else stays empty."""
    interim_dir.mkdir(parents=True, exist_ok=True)
    writers = _TableWriters(interim_dir, schemas, n_documents)
    problems, warnings, encodings = [], [], Counter()
    bar = tqdm(total=n_documents, desc="cleaning", unit="doc", disable=not progress or n_documents < 20)
    spans: list | None = [] if formula_spans is not None else None
    try:
        for batch in batches:
            if not problems:  # once a document fails nothing will be written: only collect the problems
                if spans is not None and batch.formula_spans is None and batch.tables["sentences"].num_rows:
                    spans = None  # not found for this batch: segmentation finds them all
                elif spans is not None and batch.formula_spans is not None:
                    rows, starts, ends = batch.formula_spans
                    spans.append((rows + writers.rows["sentences"], starts, ends))
                writers.write(batch)
            problems += batch.problems
            warnings += batch.warnings
            encodings.update(batch.encodings)
            if formulas is not None:
                formulas.update(batch.formulas)
            bar.update(batch.n_documents + len(batch.problems))
    except BaseException:
        writers.discard()
        raise
    finally:
        bar.close()
    writers.close()
    try:
        writers.finish_csv()
    except BaseException:
        writers.discard()
        raise
    if spans is not None and formula_spans is not None:
        import numpy as np

        formula_spans.extend(np.concatenate([part[k] for part in spans]) if spans else np.zeros(0, dtype=np.int64)
                             for k in range(3))
    staged = dict(writers.tmp) | {f"{name}.csv": path for name, path in writers.csv_tmp.items() if path is not None}
    return writers.rows, problems, warnings, encodings, staged


def commit_interim(tmp: dict[str, Path], rows: dict[str, int], interim_dir: Path, manifest: dict, *,
                   clean_texts: bool = True) -> None:
    """Write the CSV copies that fit a spreadsheet (unless :func:`write_batches` wrote them, as ``tmp``'s
    ``NAME.csv``), then move every table into place and write ``prepare_manifest.json`` and, unless
    ``clean_texts`` is false, ``clean_text/`` (see the module docstring)."""
    csvs: list[tuple[Path, Path]] = []
    try:
        for name in TABLE_NAMES:
            final_csv = interim_dir / f"{name}.csv"
            if rows[name] <= SPREADSHEET_MAX_ROWS:
                staged = tmp.get(f"{name}.csv")
                if staged is None:
                    staged = final_csv.with_name(f".{final_csv.name}.staged")
                    _write_csv_copy(tmp[name], staged, drop=CSV_DROP.get(name, ()))
                csvs.append((staged, final_csv))
            else:
                log.info("%s: %d rows, more than a spreadsheet shows (%d): no CSV copy, read %s.parquet",
                         name, rows[name], SPREADSHEET_MAX_ROWS, name)
    except BaseException:
        for staged, _ in csvs:
            staged.unlink(missing_ok=True)
        for path in tmp.values():
            path.unlink(missing_ok=True)
        raise
    for name in TABLE_NAMES:
        os.chmod(tmp[name], 0o644)
        os.replace(tmp[name], interim_dir / f"{name}.parquet")
        if rows[name] > SPREADSHEET_MAX_ROWS:
            (interim_dir / f"{name}.csv").unlink(missing_ok=True)  # a copy from an earlier, smaller corpus
    for staged, final in csvs:
        os.chmod(staged, 0o644)
        os.replace(staged, final)
    write_json(manifest, interim_dir / "prepare_manifest.json")
    if clean_texts:
        write_clean_texts(interim_dir)


def write_clean_texts(interim_dir: Path) -> None:
    """``clean_text/<doc_id>.txt`` from ``documents.parquet`` (read in row groups); unchanged files are
    left as they are, files of documents no longer in the corpus removed."""
    text_dir = interim_dir / "clean_text"
    text_dir.mkdir(exist_ok=True)
    wanted = set()
    source = pq.ParquetFile(interim_dir / "documents.parquet")
    for i in range(source.num_row_groups):
        group = source.read_row_group(i, columns=["doc_id", "text"])
        for doc_id, text in zip(group.column("doc_id").to_pylist(), group.column("text").to_pylist()):
            path = text_dir / f"{doc_id}.txt"
            wanted.add(path.name)
            if not path.exists() or path.read_text(encoding="utf-8") != text + "\n":
                write_text(text + "\n", path)
    for stale in text_dir.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()


class Background:
    """``work(*args)`` in a forked process, started now; :meth:`result` waits for its return value (or raises
    its exception). A process, not a thread: the worker pools forked later must not copy a thread's locks.
    Without ``fork`` the work runs here, at once."""

    def __init__(self, work, *args):
        self._process = None
        if "fork" not in multiprocessing.get_all_start_methods():
            self._outcome = _outcome(work, args)
            return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_background_main, args=(send, work, args), daemon=True)
        self._process.start()
        send.close()

    def result(self):
        if self._process is not None:
            try:
                self._outcome = self._receive.recv()
            except EOFError:
                self._process.join()
                raise RuntimeError(f"a background process of prepare stopped (exit code {self._process.exitcode})"
                                   ) from None
            self._receive.close()
            self._process.join()
            self._process = None
        ok, value = self._outcome
        if not ok:
            raise value
        return value


def _outcome(work, args) -> tuple[bool, object]:
    try:
        return True, work(*args)
    except Exception as exc:  # handed to the caller of Background.result
        return False, exc


def _background_main(send, work, args) -> None:
    send.send(_outcome(work, args))
    send.close()


def make_scratch(parent: Path, prefix: str) -> Path:
    """A new temporary folder in ``parent`` whose :data:`SCRATCH_OWNER` names this process (host, process
    id and start time), so that a later run can tell it was left by a run that was killed
    (:func:`remove_stale_scratch`)."""
    import socket
    import tempfile

    import psutil

    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    write_json({"host": socket.gethostname(), "pid": os.getpid(), "started": psutil.Process().create_time()},
               folder / SCRATCH_OWNER)
    return folder


def _owner_alive(owner: dict) -> bool:
    import psutil

    try:
        return abs(psutil.Process(int(owner["pid"])).create_time() - float(owner["started"])) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError, TypeError, ValueError):
        return False


def remove_stale_scratch(out_dir: str | Path) -> list[Path]:
    """Remove the temporary folders (:data:`SCRATCH_PATTERNS`) in ``out_dir`` that a run on this machine
    left when it was killed (its process is gone); report, and leave, those of a run that may still be
    going (its process is alive, or it ran on another host) or that name no owner. Returns the folders left."""
    import shutil
    import socket

    out_dir = Path(out_dir)
    left = []
    for folder in sorted(p for pattern in SCRATCH_PATTERNS for p in out_dir.glob(pattern) if p.is_dir()):
        try:
            owner = json.loads((folder / SCRATCH_OWNER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            owner = None
        if isinstance(owner, dict) and owner.get("host") == socket.gethostname() and not _owner_alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            log.info("removed %s, left by a prepare (process %s) that was stopped", folder, owner.get("pid"))
            continue
        who = (f"process {owner.get('pid')} on {owner.get('host')}, which may still be running"
               if isinstance(owner, dict) else "no owner recorded")
        log.warning("%s: temporary folder of another prepare (%s): left in place; remove it once no prepare "
                    "writes to %s", folder, who, out_dir)
        left.append(folder)
    return left


def mark_prepared(processed_dir: Path, layout: str, manifest: dict) -> Path:
    """Write :data:`PREPARED_MARKER` (atomically, last): the layout and counts of the tables just made."""
    marker = Path(processed_dir) / PREPARED_MARKER
    write_json({"layout": layout, **{k: manifest[k] for k in ("documents", "paragraphs", "sentences", "removals")
                                     if k in manifest}, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, marker)
    return marker


def raw_corpus_sha256(corpus: Corpus) -> str:
    """SHA-256 over the metadata sheet and every listed file's bytes (in metadata order)."""
    return _raw_sha256(corpus.root, corpus.documents_table["path"])


def _raw_sha256(root: Path, paths: Iterable[str | Path]) -> str:
    digest = hashlib.sha256()
    digest.update((root / "metadata.csv").read_bytes())
    for path in paths:
        digest.update(b"\0" + Path(path).read_bytes())
    return digest.hexdigest()


def clean_corpus(corpus: Corpus, *, rules: list[clean_stage.Rule] | None = None,
                 progress: bool = True) -> dict[str, pd.DataFrame]:
    """Clean a corpus loaded in memory (:func:`huayu.pipeline.corpus.load_corpus`), one document at a time;
    returns the documents, paragraphs, sentences and log tables as ``prepare`` writes them (for tests and
    small corpora; ``prepare`` itself streams)."""
    rules = clean_stage.load_rules() if rules is None else rules
    docs = corpus.documents_table
    metadata_columns = [c for c in docs.columns if c not in METADATA_DROP and c not in DOCUMENT_COLUMNS]
    schemas = table_schemas(metadata_columns)
    parts: dict[str, list[pa.Table]] = {name: [] for name in TABLE_NAMES}
    sources = docs["source"] if "source" in docs.columns else [None] * len(docs)
    # first pass: lines repeated across documents of one source (the evidence of the `repeated` rules)
    evidence = gather_evidence(zip(docs["doc_id"], docs["raw_text"], sources))
    bar = tqdm(total=len(docs), desc="cleaning", unit="doc", disable=not progress or len(docs) < 20)
    for start in range(0, len(docs), BATCH_DOCUMENTS):
        chunk = docs.iloc[start:start + BATCH_DOCUMENTS]
        batch = _clean_loaded(chunk, metadata_columns, schemas, rules, evidence)
        for name in TABLE_NAMES:
            parts[name].append(batch[name])
        bar.update(len(chunk))
    bar.close()
    return {name: pa.concat_tables(parts[name]).to_pandas() if parts[name] else
            pa.Table.from_pylist([], schema=schemas[name]).to_pandas() for name in TABLE_NAMES}


def _clean_loaded(chunk: pd.DataFrame, metadata_columns: list[str], schemas: dict[str, pa.Schema],
                  rules: Sequence[clean_stage.Rule], evidence: RepeatedLines | None = None) -> dict[str, pa.Table]:
    rows: dict[str, list] = {name: [] for name in TABLE_NAMES}
    for doc in chunk.to_dict("records"):
        _clean_one(doc, metadata_columns, rules, rows, evidence)
    return _arrow_tables(rows, schemas)


def default_workers() -> int:
    """The processes ``prepare`` cleans in: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def prepare(corpus_dir: str | Path, out_dir: str | Path, *, to_simplified_chinese: bool = False,
            rules_path: str | Path | None = None, clean: bool = True, segment: bool = True,
            segment_settings: dict | None = None, force: bool = False, progress: bool = True,
            workers: int | None = None, exclude_flagged: bool = False) -> PrepareResult:
    """Run the corpus → clean → tokens stages; see the module docstring for what is written and how.

    ``workers``: processes that read and clean (default: every CPU this process may use).
    ``exclude_flagged``: leave out near-empty stubs and texts mostly not in Chinese
    (:mod:`huayu.pipeline.screening`); without it they are kept with a warning.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    rules = [] if not clean else clean_stage.load_rules(rules_path or clean_stage.DEFAULT_RULES)
    settings = None
    if segment:
        from huayu.pipeline.segment import SegmentSettings

        settings = SegmentSettings.from_mapping(segment_settings or {})  # unknown settings fail before any work
    workers = default_workers() if workers is None else max(1, int(workers))
    plan = plan_corpus(corpus_dir)
    metadata_columns = list(plan.metadata.columns)
    schemas = table_schemas(metadata_columns)
    interim_dir, processed_dir = out_dir / "interim", out_dir / "processed"
    if out_dir.is_dir():
        remove_stale_scratch(out_dir)
    if plan.problems:  # the sheet is wrong: report it with every file's problem, without cleaning anything
        reads = (read_document(plan.root, i, row, to_simplified_chinese=to_simplified_chinese)
                 for i, row in plan.entries)
        raise CorpusError(plan.root, plan.problems + [r.problem for r in reads if r.problem] + plan.unlisted)
    interim_dir.mkdir(parents=True, exist_ok=True)
    raw_digest = Background(_raw_sha256, plan.root, [(plan.root / row["file"]).resolve() for _, row in plan.entries])
    batches = run_batches(plan.root, plan.entries, metadata_columns, rules=rules,
                          to_simplified_chinese=to_simplified_chinese, workers=workers,
                          exclude_flagged=exclude_flagged, settings=settings, scratch=interim_dir)
    formulas: set[str] = set()
    spans: list = []
    rows, problems, warnings, encodings, tmp = write_batches(batches, interim_dir, schemas,
                                                             n_documents=len(plan.entries), progress=progress,
                                                             formulas=formulas, formula_spans=spans)
    if problems or plan.unlisted:
        for path in tmp.values():
            path.unlink(missing_ok=True)
        raise CorpusError(plan.root, [p for _, p in sorted(problems, key=lambda x: x[0])] + plan.unlisted)
    if not rows["documents"] and plan.entries:
        for path in tmp.values():
            path.unlink(missing_ok=True)
        raise CorpusError(plan.root, [Problem(str(plan.root / "metadata.csv"),
                                              "every document was left out by --exclude-flagged")])
    log_warnings(warnings)
    log.info("loaded %d documents from %s (%s)", rows["documents"], plan.root,
             ", ".join(f"{n} {e}" for e, n in encodings.most_common()))
    converted = pq.read_table(tmp["documents"], columns=["converted_to_simplified"]).column(0)
    manifest = {
        "corpus": str(plan.root),
        "corpus_sha256": raw_digest.result(),
        "documents": rows["documents"],
        "paragraphs": rows["paragraphs"],
        "sentences": rows["sentences"],
        "removals": rows["cleaning_log"],
        "cleaning": "on" if clean else "off",
        "rules": str(rules_path or clean_stage.DEFAULT_RULES) if clean else None,
        "converted_to_simplified": bool(pc.any(converted).as_py()) if len(converted) else False,
    }
    commit_interim(tmp, rows, interim_dir, manifest, clean_texts=False)
    # clean_text/ is written by another process while this one segments (both read documents.parquet)
    texts = Background(write_clean_texts, interim_dir)
    log.info("cleaned %d documents: %d paragraphs, %d sentences, %d removals logged → %s (%.1f s)",
             manifest["documents"], manifest["paragraphs"], manifest["sentences"], manifest["removals"], interim_dir,
             time.perf_counter() - started)
    tokens_path, recomputed = None, False
    try:
        if segment:
            from huayu.pipeline.segment.cache import write_tokens_from_parquet

            # streamed: batches of whole documents, the formula words of the whole corpus found while cleaning
            tokens_path, recomputed = write_tokens_from_parquet(interim_dir / "sentences.parquet", processed_dir,
                                                                settings, formula_words=formulas, progress=progress,
                                                                force=force, formula_spans=tuple(spans) or None)
    finally:
        texts.result()
    if segment:
        mark_prepared(processed_dir, "file", manifest)  # last: `make` compares this file's time with its inputs'
    log.info("prepare finished in %.1f s", time.perf_counter() - started)
    return PrepareResult(interim_dir, processed_dir, manifest["documents"], manifest["paragraphs"],
                         manifest["sentences"], manifest["removals"], tokens_path, recomputed)


def _parse_settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE")
        key, value = pair.split("=", 1)
        settings[key.strip()] = value.strip()
    return settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.add_argument("--corpus", default="data", type=Path,
                        help="corpus folder holding metadata.csv and the texts it names (default: data)")
    parser.add_argument("--out", default="data", type=Path,
                        help="output folder; tables go to OUT/interim and OUT/processed (default: data)")
    parser.add_argument("--to-simplified", action="store_true",
                        help="convert Traditional-Chinese documents to Simplified (OpenCC t2s)")
    parser.add_argument("--exclude-flagged", action="store_true",
                        help="leave out near-empty stubs and documents mostly not in Chinese (reported either way)")
    parser.add_argument("--rules", type=Path, default=None,
                        help="boilerplate rules CSV (default: data/dictionaries/boilerplate_rules.csv)")
    parser.add_argument("--no-clean", action="store_true",
                        help="switch boilerplate removal off (normalisation and splitting still run)")
    parser.add_argument("--no-segment", action="store_true", help="stop after cleaning (no tokens table)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a segmentation setting, e.g. --set max_slogan_chars=10 (repeatable)")
    parser.add_argument("--force", action="store_true", help="re-segment even when the cache is up to date")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes that read and clean the documents (default: every CPU available)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    # Distributed run (huayu.pipeline.distributed): a Dask cluster, partitioned parquet datasets.
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on a Dask cluster: a scheduler address (tcp://HOST:8786), a scheduler file "
                             "(scheduler.json) or local:N (a local cluster of N worker processes); writes "
                             "partitioned datasets (interim/<table>/part-*.parquet, processed/tokens/part-*.parquet)")
    parser.add_argument("--batch-mb", type=float, default=4.0, metavar="MB",
                        help="with --scheduler: raw text per task, in MiB (default: 4)")


def run(args: argparse.Namespace) -> int:
    if args.scheduler:
        from huayu.pipeline.distributed import run as run_distributed

        return run_distributed(args)
    result = prepare(args.corpus, args.out, to_simplified_chinese=args.to_simplified, rules_path=args.rules,
                     clean=not args.no_clean, segment=not args.no_segment,
                     segment_settings=_parse_settings(args.set), force=args.force, progress=not args.no_progress,
                     workers=args.workers, exclude_flagged=args.exclude_flagged)
    print(f"prepared {result.n_documents} documents: {result.n_paragraphs} paragraphs, {result.n_sentences} "
          f"sentences, {result.n_removals} boilerplate removals logged → {result.interim_dir}")
    if result.tokens_path:
        print(f"tokens: {result.tokens_path} ({'segmented' if result.tokens_recomputed else 'up to date, cached'})")
    return 0
