"""Prepare on a Dask cluster: ``python -m huayu prepare --scheduler ADDRESS`` (or ``--scheduler local:N``).

The same stages as :func:`huayu.pipeline.prepare.prepare` — load and validate, clean, segment — run as
:mod:`dask.distributed` tasks, one per *batch* of consecutive documents (about ``batch_bytes`` of raw text,
default 4 MiB), and write the same tables as partitioned parquet datasets, one part per batch in corpus order::

    OUT/interim/documents/part-00000.parquet …   paragraphs/ sentences/ cleaning_log/ likewise
    OUT/interim/documents.csv, cleaning_log.csv  readable copies (paragraphs and sentences have none:
                                                 a large corpus has more rows than a spreadsheet opens)
    OUT/interim/clean_text/<doc_id>.txt, prepare_manifest.json
    OUT/processed/tokens/part-00000.parquet …    token_parts/ likewise (the fine granularity), tokens.manifest.json

:mod:`huayu.pipeline.tables` reads either layout, and reading a dataset gives exactly the frame the single
file of a local run gives (tested on the bundled corpus and on 1,000 documents).

Where the work happens
    Every task calls the functions a local run calls: :func:`huayu.pipeline.prepare.evidence_batch` (the
    first pass of cleaning, only when a rule has kind ``repeated``; the counts are summed and
    :func:`huayu.pipeline.evidence.repeated_lines` computed in one more task, whose result every cleaning
    task gets — a task, not scattered data, so a worker that dies holding it costs a recomputation), :func:`huayu.pipeline.prepare.prepare_batch`
    for the batch (read, decode, screen, clean, split), and :func:`huayu.pipeline.segment.segment_sentences`
    and :func:`huayu.pipeline.segment.parts.token_parts` (one process per task: the cluster provides the
    parallelism). Tasks read the corpus and write their parts themselves, so the corpus folder, ``OUT``
    and the huayu installation must be reachable under the same paths from every worker (a shared file
    system, as on any SLURM or PBS cluster); only counts, problems and formula words travel back.

    Phase 1 (load, clean) runs every batch and collects every problem; a corpus with problems fails as a
    local run does, listing all of them, with nothing published. Phase 2 (segment) overlaps it: a batch is
    segmented as soon as its cleaning task is done (the segmentation tasks of a corpus with problems are
    cancelled). A formula or slogan that neither dictionary knows is tagged ``nz`` wherever it occurs in the
    corpus (:mod:`huayu.pipeline.segment`), which is known only once every batch is cleaned: phase 1 finds
    each batch's formula words, and a last small task per part that holds a word which is a formula only in
    *other* batches (:func:`retag_formulas`) re-tags it — so the tokens equal a local run's.

Failures
    Every task is submitted with ``retries`` (default 3) and is idempotent (each part is written
    atomically), so a worker that dies mid-run costs the tasks it was running, which the scheduler runs
    again on another worker. Everything is written to a staging folder inside ``OUT`` first and moved into
    place only when every task has succeeded; a failed run leaves the previous tables (of either layout)
    in place. Publishing removes the other layout's files (``tokens.parquet`` …), so the readers never
    see a stale table.

Differences from a local run
    The tokens cache is not used (every run segments); ``corpus_sha256`` in ``prepare_manifest.json`` is
    the SHA-256 over ``metadata.csv`` and each file's SHA-256 (computed on the workers), so it differs
    from a local run's value but changes exactly when the corpus does.

Measured (``benchmarks/bench_dask.py``, ``make bench-dask``): the scale corpus, 10,000 documents of ~11,000
characters (110.6 M characters after cleaning, 62.6 M tokens, 79 batches) on the 2-core development machine,
shared with other work (load average 7.2 before, 5.0 between, 8.0 after the runs): ``prepare`` 468 s,
``prepare --scheduler local:2`` 481 s including starting and stopping the cluster (1.03×), with phase 2
overlapping phase 1; the tokens equal. On one machine the cluster gains little — the local run already
cleans and segments on every core — and costs the cluster's start and stop (worker processes importing
pandas and each building the segmenter) and the scheduler's round trips; its point is the machines beyond
this one.

``--scheduler local:N`` starts a :class:`distributed.LocalCluster` of ``N`` worker processes (one thread
each: the segmenter holds the GIL) and stops it at the end; any other value is a scheduler address
(``tcp://10.0.0.5:8786``) or a scheduler file (``scheduler.json``), e.g. of a dask-jobqueue cluster (see
the README).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from huayu.errors import CorpusError, ParameterError
from huayu.outputs import atomic_write, write_json, write_parquet, write_text
from huayu.pipeline import clean as clean_stage
from huayu.pipeline.corpus import log_warnings, plan_corpus
from huayu.pipeline.metadata import Problem

log = logging.getLogger("huayu.pipeline.distributed")

BATCH_BYTES = 4 << 20          # raw bytes of text per task (about 1.4 M Chinese characters)
MAX_BATCH_DOCUMENTS = 2_000    # and at most this many documents
RETRIES = 3                    # retries of a task that failed (its worker died or it raised)
WORKER_TIMEOUT_S = 600         # how long to wait for the first worker of a remote scheduler
INTERIM_TABLES = ("documents", "paragraphs", "sentences", "cleaning_log")
_LOCAL = re.compile(r"local(?::(\d+))?")


# ----------------------------------------------------------------------------------------------------
# The cluster
# ----------------------------------------------------------------------------------------------------

@contextmanager
def connect(scheduler: str) -> Iterator[Any]:
    """A :class:`distributed.Client` for ``scheduler``: ``"local:N"`` (a LocalCluster of N worker
    processes, stopped on exit; ``"local"``: one per core), a scheduler file (``*.json``) or an address."""
    from distributed import Client, LocalCluster

    spec = str(scheduler).strip()
    match = _LOCAL.fullmatch(spec)
    if match:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        n = int(match.group(1)) if match.group(1) else max(1, cores)
        if n < 1:
            raise ParameterError(f"--scheduler {spec!r}: a local cluster needs at least 1 worker (local:2)")
        log.info("starting a local Dask cluster of %d worker process(es)", n)
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client
        return
    if not spec:
        raise ParameterError("--scheduler is empty: give a scheduler address (tcp://host:8786), a scheduler "
                             "file (scheduler.json) or local:N")
    try:
        if spec.endswith(".json"):
            if not Path(spec).is_file():
                raise ParameterError(f"--scheduler {spec!r}: the scheduler file does not exist")
            client = Client(scheduler_file=spec, timeout="30s")
        else:
            client = Client(spec, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"--scheduler {spec!r}: cannot connect to a Dask scheduler there ({exc}); "
                             "give tcp://HOST:PORT, a scheduler file or local:N") from None
    try:
        if not client.scheduler_info().get("workers"):
            log.info("waiting for the first Dask worker of %s (up to %d s)", spec, WORKER_TIMEOUT_S)
            client.wait_for_workers(1, timeout=WORKER_TIMEOUT_S)
        yield client
    finally:
        client.close()


def _gather(client: Any, futures: list, desc: str, progress: bool, gather: bool = True) -> list | None:
    """The futures' results in submission order, with a progress bar as they complete (``gather=False``:
    only wait for them, their results stay on the workers)."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    with tqdm(total=len(futures), desc=desc, unit="batch", disable=not progress or len(futures) < 2) as bar:
        for _ in as_completed(futures):
            bar.update()
    return client.gather(futures) if gather else None


# ----------------------------------------------------------------------------------------------------
# Batches and the tasks
# ----------------------------------------------------------------------------------------------------

def plan_batches(root: Path, records: list[dict], batch_bytes: int = BATCH_BYTES,
                 max_documents: int = MAX_BATCH_DOCUMENTS) -> list[list[int]]:
    """Consecutive row indices of ``records`` in batches of about ``batch_bytes`` of raw text each."""
    sizes = []
    for row in records:
        try:
            sizes.append((root / row["file"]).stat().st_size if row.get("file") else 0)
        except OSError:
            sizes.append(0)  # a missing file: its task reports it
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, size in enumerate(sizes):
        current.append(i)
        total += size
        if total >= batch_bytes or len(current) >= max_documents:
            batches.append(current)
            current, total = [], 0
    if current:
        batches.append(current)
    return batches


def _formula_words(sentences: pd.DataFrame, settings: Any) -> set[str]:
    """The surfaces of the formula spans the segmenter finds in these sentences (no span crosses a line)."""
    from huayu.pipeline.segment import get_segmenter

    if not settings.keep_formulas or sentences.empty:
        return set()
    text = "\n".join(sentences["text"].astype("str").tolist())
    return {text[a:b] for a, b in get_segmenter(settings).formula_spans(text)}


def _write_arrow(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def evidence_task(root: Path, entries: list[tuple[int, dict]], *, to_simplified_chinese: bool):
    """The first pass of cleaning on one batch (:func:`huayu.pipeline.prepare.evidence_batch`): its line
    hash counts, summed on the client."""
    from huayu.pipeline.prepare import evidence_batch

    return evidence_batch(root, entries, to_simplified_chinese=to_simplified_chinese)


def merge_evidence(counts: list) -> Any:
    """The batches' line hash counts summed, and the lines repeated across documents of one source
    (:func:`huayu.pipeline.evidence.repeated_lines`): the evidence every cleaning task gets."""
    import functools
    import operator

    from huayu.pipeline.evidence import count_lines, repeated_lines

    return repeated_lines(functools.reduce(operator.add, counts, count_lines([])))


def load_clean_batch(root: Path, entries: list[tuple[int, dict]], metadata_columns: list[str], part: str,
                     interim_dir: Path, *, rules: list, to_simplified_chinese: bool, evidence: Any = None,
                     exclude_flagged: bool = False, settings: Any | None) -> dict[str, Any]:
    """One task of phase 1: :func:`huayu.pipeline.prepare.prepare_batch` on the documents ``entries``
    (``(row number, metadata row)`` of :func:`huayu.pipeline.corpus.plan_corpus`); writes their interim
    tables as part ``part`` of each dataset and their clean texts; returns what the run needs."""
    import pyarrow.compute as pc

    from huayu.pipeline.prepare import prepare_batch

    batch = prepare_batch(root, entries, metadata_columns, rules=rules, to_simplified_chinese=to_simplified_chinese,
                          evidence=evidence, exclude_flagged=exclude_flagged)
    problems = [(i, str(p)) for i, p in batch.problems]
    if problems:
        return {"problems": problems, "warnings": batch.warnings}
    digests = [hashlib.sha256((root / row["file"]).resolve().read_bytes()).hexdigest() for _, row in entries]
    for name, table in batch.tables.items():
        _write_arrow(table, interim_dir / name / f"{part}.parquet")
    documents = batch.tables["documents"]
    text_dir = interim_dir / "clean_text"
    for doc_id, text in zip(documents.column("doc_id").to_pylist(), documents.column("text").to_pylist()):
        write_text(text + "\n", text_dir / f"{doc_id}.txt")
    sentences = batch.tables["sentences"].to_pandas()
    converted = documents.column("converted_to_simplified")
    return {"problems": [], "warnings": batch.warnings, "digests": digests, "encodings": dict(batch.encodings),
            "counts": {name: int(table.num_rows) for name, table in batch.tables.items()},
            "converted": bool(pc.any(converted).as_py()) if len(converted) else False,
            "n_chars": int(sentences["text"].str.len().sum()) if len(sentences) else 0,
            "formulas": _formula_words(sentences, settings) if settings is not None else set()}


def segment_batch(sentences_path: Path, tokens_path: Path, parts_path: Path, settings: Any,
                  formulas_elsewhere: set[str]) -> tuple[int, int]:
    """One task of phase 2: segment one part of the sentences into the same part of the tokens dataset,
    and write its compounds' parts (:func:`huayu.pipeline.segment.parts.token_parts`, the fine granularity)
    as the same part of the ``token_parts`` dataset.

    ``formulas_elsewhere``: formula words found in other batches only; the ones that occur here are
    tagged as formulas (:func:`retag_formulas`), as a local run over the whole corpus tags them.
    Returns the number of tokens and of parts.
    """
    from huayu import schema
    from huayu.pipeline.segment import segment_sentences
    from huayu.pipeline.segment.parts import token_parts

    sentences = schema.SENTENCES.conform(pd.read_parquet(sentences_path))
    tokens = segment_sentences(sentences, replace(settings, workers=1), progress=False)
    _retag(tokens, settings, formulas_elsewhere)
    parts = token_parts(tokens, settings)
    write_parquet(tokens, tokens_path)
    write_parquet(parts, parts_path)
    return int(len(tokens)), int(len(parts))


def _retag(tokens: pd.DataFrame, settings: Any, formulas: set[str]) -> bool:
    """Tag the tokens that are one of ``formulas`` as formulas (``tags_for(..., formula=True)``); whether any was."""
    from huayu.pipeline.segment import get_segmenter

    if not formulas or not len(tokens):
        return False
    found = tokens["token"].isin(formulas).to_numpy()
    if not found.any():
        return False
    words = pd.unique(tokens["token"][found]).tolist()
    tags = dict(zip(words, get_segmenter(settings).tags_for(words, np.ones(len(words), dtype=bool))))
    tokens.loc[found, "pos"] = tokens.loc[found, "token"].map(tags).astype(tokens["pos"].dtype)
    return True


def retag_formulas(tokens_path: Path, settings: Any, formulas_elsewhere: set[str]) -> bool:
    """After phase 2 ran beside phase 1: re-tag, in one part of the tokens dataset, the words that are
    formulas only in other batches (known once every batch is cleaned), rewriting the part if any occurs."""
    import pyarrow.parquet as pq

    if not formulas_elsewhere or not tokens_path.is_file():
        return False
    words = pq.read_table(tokens_path, columns=["token"]).column("token")
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pc.any(pc.is_in(words, value_set=pa.array(sorted(formulas_elsewhere), type=words.type))).as_py():
        return False
    tokens = pd.read_parquet(tokens_path)
    _retag(tokens, settings, formulas_elsewhere)
    write_parquet(tokens, tokens_path)
    return True


# ----------------------------------------------------------------------------------------------------
# Readable copies and publishing
# ----------------------------------------------------------------------------------------------------

def _write_csv_copy(parts: list[Path], path: Path, drop: tuple[str, ...] = ()) -> None:
    """One CSV (UTF-8 with BOM, as :func:`huayu.outputs.write_csv`) from the parts, read one at a time."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        for i, part in enumerate(parts):
            table = pd.read_parquet(part)
            table.drop(columns=[c for c in drop if c in table.columns]).to_csv(
                fh, index=False, header=i == 0, lineterminator="\n")


#: What a distributed run replaces in OUT/interim and OUT/processed (its own files and the other layout's).
_OWNED = {
    "interim": [*INTERIM_TABLES, *(f"{t}.parquet" for t in INTERIM_TABLES), *(f"{t}.csv" for t in INTERIM_TABLES),
                "clean_text", "prepare_manifest.json"],
    "processed": ["tokens", "tokens.parquet", "token_parts", "token_parts.parquet", "tokens.manifest.json",
                  "prepared.json"],
}


def publish(staging: Path, out_dir: Path) -> None:
    """Replace the previous outputs by the staged ones: every owned name of each staged stage folder is moved
    aside, the staged entries moved in, then the old ones deleted; on an error the old ones are moved back."""
    previous = staging / ".previous"
    moved: list[tuple[Path, Path]] = []   # (final, where the old one went)
    placed: list[Path] = []
    try:
        for stage, names in _OWNED.items():
            source = staging / stage
            if not source.is_dir():
                continue
            target = out_dir / stage
            target.mkdir(parents=True, exist_ok=True)
            (previous / stage).mkdir(parents=True, exist_ok=True)
            for name in names:
                if (target / name).exists():
                    os.replace(target / name, previous / stage / name)
                    moved.append((target / name, previous / stage / name))
            for entry in sorted(source.iterdir()):
                os.replace(entry, target / entry.name)
                placed.append(target / entry.name)
    except BaseException:
        for path in placed:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        for final, old in reversed(moved):
            os.replace(old, final)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _drop_temporaries(folder: Path) -> None:
    """Temporary files of tasks whose worker died while writing (their retry wrote the part again)."""
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _clean_then_segment(client: Any, phase1: list, parts: list[str], interim: Path, processed: Path,
                        settings: Any, segment: bool, run: str, retries: int, progress: bool) -> tuple[list, dict]:
    """Collect the cleaning tasks' results as they complete and submit each batch's segmentation task
    as soon as its cleaning is done (none once a batch had problems: the run will fail). Returns the
    results in batch order and the segmentation futures by part."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    index = {future.key: i for i, future in enumerate(phase1)}
    results: list = [None] * len(phase1)
    phase2: dict[str, Any] = {}
    failed = False
    with tqdm(total=len(phase1), desc="loading + cleaning", unit="batch",
              disable=not progress or len(phase1) < 2) as bar:
        for future, result in as_completed(phase1, with_results=True):
            i = index[future.key]
            results[i] = result
            failed = failed or bool(result["problems"])
            if segment and not failed:
                part = parts[i]
                phase2[part] = client.submit(segment_batch, interim / "sentences" / f"{part}.parquet",
                                             processed / "tokens" / f"{part}.parquet",
                                             processed / "token_parts" / f"{part}.parquet", settings, set(),
                                             key=f"huayu-segment-{part}-{run}", retries=retries, pure=False)
            bar.update()
    return results, phase2


# ----------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------

def prepare_distributed(corpus_dir: str | Path, out_dir: str | Path, *, scheduler: str,
                        to_simplified_chinese: bool = False, rules_path: str | Path | None = None,
                        clean: bool = True, segment: bool = True, segment_settings: Mapping[str, Any] | None = None,
                        progress: bool = True, batch_bytes: int = BATCH_BYTES, retries: int = RETRIES,
                        exclude_flagged: bool = False):
    """Run the corpus → clean → tokens stages on a Dask cluster; see the module docstring.

    Returns a :class:`huayu.pipeline.prepare.PrepareResult` (``tokens_path`` is the dataset folder).
    """
    from huayu.pipeline.prepare import PrepareResult

    started = time.perf_counter()
    if isinstance(batch_bytes, bool) or not isinstance(batch_bytes, (int, np.integer)) or batch_bytes < 1:
        raise ParameterError(f"batch_bytes={batch_bytes!r} must be a positive number of bytes")
    out_dir = Path(out_dir)
    rules = [] if not clean else clean_stage.load_rules(rules_path or clean_stage.DEFAULT_RULES)
    settings = None
    if segment:
        from huayu.pipeline.segment import SegmentSettings

        settings = SegmentSettings.from_mapping(segment_settings or {})  # unknown settings fail before any work
    plan = plan_corpus(corpus_dir)
    root, metadata_columns = plan.root, list(plan.metadata.columns)
    lines = plan.entries
    if plan.problems:  # the sheet is wrong: report it with every file's problem, as a local run does
        from huayu.pipeline.corpus import read_document

        reads = (read_document(root, i, row, to_simplified_chinese=to_simplified_chinese) for i, row in lines)
        raise CorpusError(root, plan.problems + [r.problem for r in reads if r.problem] + plan.unlisted)
    batches = plan_batches(root, [row for _, row in lines], batch_bytes) if lines else []
    width = max(5, len(str(max(len(batches) - 1, 0))))
    parts = [f"part-{i:0{width}d}" for i in range(len(batches))]

    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    from huayu.pipeline.prepare import make_scratch, mark_prepared, remove_stale_scratch

    remove_stale_scratch(out_dir)
    staging = make_scratch(out_dir, ".prepare-staging-")
    interim, processed = staging / "interim", staging / "processed"
    run = uuid.uuid4().hex[:8]
    try:
        with connect(scheduler) as client:
            n_workers = len(client.scheduler_info().get("workers", {}))
            log.info("prepare on %d Dask worker(s): %d documents in %d batch(es); dashboard %s", n_workers,
                     len(lines), len(batches), client.dashboard_link)
            evidence = None
            if any(r.kind == "repeated" for r in rules):  # first pass: lines repeated across documents
                counting = [client.submit(evidence_task, root, [lines[i] for i in batch],
                                          to_simplified_chinese=to_simplified_chinese,
                                          key=f"huayu-evidence-{part}-{run}", retries=retries, pure=False)
                            for part, batch in zip(parts, batches)]
                _gather(client, counting, "repeated lines", progress, gather=False)
                # merged in a task, not scattered: a worker that dies holding it costs a recomputation
                evidence = client.submit(merge_evidence, counting, key=f"huayu-evidence-merge-{run}",
                                         retries=retries, pure=False)
            phase1 = [client.submit(load_clean_batch, root, [lines[i] for i in batch], metadata_columns, part,
                                    interim, rules=rules, to_simplified_chinese=to_simplified_chinese,
                                    evidence=evidence, exclude_flagged=exclude_flagged, settings=settings,
                                    key=f"huayu-clean-{part}-{run}", retries=retries, pure=False)
                      for part, batch in zip(parts, batches)]
            # phase 2 overlaps phase 1: a batch is segmented as soon as it is cleaned
            seg_started = time.perf_counter()
            results, phase2 = _clean_then_segment(client, phase1, parts, interim, processed, settings, segment,
                                                  run, retries, progress)
            del phase1  # the results are here: a worker that dies later costs no cleaning task again
            problems = [*plan.problems, *(p for _, p in sorted((p for r in results for p in r["problems"]),
                                                             key=lambda x: x[0])), *plan.unlisted]
            if problems:
                client.cancel(list(phase2.values()))
                raise CorpusError(root, [str(p) for p in problems])
            if lines and not sum(r["counts"]["documents"] for r in results):
                client.cancel(list(phase2.values()))
                raise CorpusError(root, [Problem(str(root / "metadata.csv"),
                                                 "every document was left out by --exclude-flagged")])
            log_warnings([w for r in results for w in r["warnings"]])
            counts = {name: sum(r["counts"][name] for r in results) for name in INTERIM_TABLES}
            log.info("cleaned %d documents: %d paragraphs, %d sentences, %d removals logged", counts["documents"],
                     counts["paragraphs"], counts["sentences"], counts["cleaning_log"])
            n_tokens = 0
            if segment:
                segmented = _gather(client, [phase2[part] for part in parts], "segmenting", progress)
                # words that are formulas only in other batches: known now that every batch is cleaned
                everywhere = set().union(*(r["formulas"] for r in results))
                retag = [client.submit(retag_formulas, processed / "tokens" / f"{part}.parquet", settings,
                                       everywhere - result["formulas"], key=f"huayu-retag-{part}-{run}",
                                       retries=retries, pure=False)
                         for part, result in zip(parts, results) if everywhere - result["formulas"]]
                retagged = sum(_gather(client, retag, "formula tags", progress) or [])
                if retagged:
                    log.info("%d part(s) re-tagged for formulas found in other batches", retagged)
                n_tokens, n_parts = sum(n for n, _ in segmented), sum(n for _, n in segmented)
                n_chars = sum(r["n_chars"] for r in results)
                write_json({"layout": "dataset", "partitions": len(parts), "n_sentences": counts["sentences"],
                            "n_chars": n_chars, "n_tokens": n_tokens, "n_parts": n_parts, "settings": settings.output_settings(),
                            "seconds": round(time.perf_counter() - seg_started, 3), "workers": n_workers,
                            "scheduler": str(scheduler)}, processed / "tokens.manifest.json")
                log.info("segmented %d sentences (%d characters) into %d tokens on %d worker(s)",
                         counts["sentences"], n_chars, n_tokens, n_workers)
        _drop_temporaries(staging)
        _write_csv_copy(sorted((interim / "documents").glob("part-*.parquet")), interim / "documents.csv",
                        drop=("text",))
        _write_csv_copy(sorted((interim / "cleaning_log").glob("part-*.parquet")), interim / "cleaning_log.csv")
        digest = hashlib.sha256((root / "metadata.csv").read_bytes())
        for result in results:
            for file_digest in result["digests"]:
                digest.update(b"\0" + bytes.fromhex(file_digest))
        manifest = {
            "corpus": str(root), "corpus_sha256": digest.hexdigest(),
            "corpus_sha256_of": "metadata.csv and the SHA-256 of every listed file",
            "documents": counts["documents"], "paragraphs": counts["paragraphs"],
            "sentences": counts["sentences"], "removals": counts["cleaning_log"],
            "cleaning": "on" if clean else "off",
            "rules": str(rules_path or clean_stage.DEFAULT_RULES) if clean else None,
            "converted_to_simplified": any(r["converted"] for r in results),
            "layout": "dataset", "partitions": len(parts), "scheduler": str(scheduler),
        }
        write_json(manifest, interim / "prepare_manifest.json")
        publish(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(out_dir.iterdir()):
            out_dir.rmdir()  # nothing written: not even the output folder
        raise
    shutil.rmtree(staging, ignore_errors=True)
    interim_dir, processed_dir = out_dir / "interim", out_dir / "processed"
    tokens_path = processed_dir / "tokens" if segment else None
    if tokens_path is not None:
        mark_prepared(processed_dir, "dataset", manifest)  # last: what `make` takes as prepared
    log.info("prepare (distributed) finished in %.1f s", time.perf_counter() - started)
    return PrepareResult(interim_dir, processed_dir, counts["documents"], counts["paragraphs"], counts["sentences"],
                         counts["cleaning_log"], tokens_path, segment)


def run(args: Any) -> int:
    """``python -m huayu prepare --scheduler …`` (the options of :func:`huayu.pipeline.prepare.add_arguments`)."""
    from huayu.pipeline.prepare import _parse_settings

    if not args.batch_mb > 0:
        raise ParameterError(f"--batch-mb {args.batch_mb}: must be a positive number of MiB (e.g. 4)")
    if args.force:
        log.info("--force: a distributed run always segments (it keeps no tokens cache)")
    result = prepare_distributed(args.corpus, args.out, scheduler=args.scheduler,
                                 to_simplified_chinese=args.to_simplified, rules_path=args.rules,
                                 clean=not args.no_clean, segment=not args.no_segment,
                                 segment_settings=_parse_settings(args.set), progress=not args.no_progress,
                                 batch_bytes=max(1, int(args.batch_mb * (1 << 20))),
                                 exclude_flagged=args.exclude_flagged)
    print(f"prepared {result.n_documents} documents: {result.n_paragraphs} paragraphs, {result.n_sentences} "
          f"sentences, {result.n_removals} boilerplate removals logged → {result.interim_dir} (partitioned)")
    if result.tokens_path:
        print(f"tokens: {result.tokens_path}/part-*.parquet (segmented on the cluster)")
    return 0
