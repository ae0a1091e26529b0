"""Cache and writing: the tokens table's cache key (:func:`tokens_manifest`) and :func:`write_tokens`
(``tokens.parquet`` and its parts, ``token_parts.parquet``)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from huayu.outputs import atomic_write, sha256_file, write_json
from huayu.paths import resolve
from huayu.schema import SENTENCES
from huayu.pipeline.segment import formulas as _finder
from huayu.pipeline.segment.engine import (SENTENCE_COLUMNS, _SCHEMA, _prepare_sentences, _Sentences,
                                          _token_batches)
from huayu.pipeline.segment.parts import _parts_batch
from huayu.pipeline.segment.segmenter import get_segmenter
from huayu.pipeline.segment.settings import SegmentSettings, _check_settings

log = logging.getLogger("huayu.pipeline.segment")

__all__ = ["SEGMENTER_VERSION", "sentence_parts", "tokens_manifest", "write_tokens", "write_tokens_from_parquet"]

#: Bump whenever a change to this package can change the tokens table (invalidates every cache).
#: (A change to a module that makes the tables, :data:`STAGE_PATHS`, does so by itself.)
#: 2: HMM off, phrase_max_freq, pku_splits, join_numbers, the parts table.
SEGMENTER_VERSION = "2"

#: The formula finder, whose bytes the cache key includes (``formulas_sha256``).
FINDER_PATH = Path(_finder.__file__).resolve()
#: The modules that make the tokens and parts tables, whose bytes the cache key includes (``code_sha256``):
#: not the command line, the evaluation or the reference tokenizer, and not the notebooks' formula tables.
STAGE_PATHS = tuple(Path(__file__).resolve().parent / f"{name}.py"
                    for name in ("settings", "dictionaries", "segmenter", "engine", "parts", "cache"))


def _file_sha256(path: Path | None) -> str | None:
    return None if path is None else sha256_file(path)


def _versions() -> dict[str, str]:
    import jieba

    return {
        "segmenter": SEGMENTER_VERSION,
        "jieba": jieba.__version__,
        "rjieba": importlib.metadata.version("rjieba"),
        "formulas_sha256": _file_sha256(FINDER_PATH),
        "code_sha256": hashlib.sha256(b"".join(p.read_bytes() for p in STAGE_PATHS)).hexdigest(),
    }


def tokens_manifest(sentences: pd.DataFrame, settings: SegmentSettings) -> dict[str, Any]:
    """The cache key of a tokens table: the inputs' hashes, the output settings and the versions."""
    return _manifest([_prepare_sentences(sentences)], _check_settings(settings))[0]


class _SentencesDigest:
    """The SHA-256 of a sentences table (ids, offsets, text) fed part by part: each row ends with a
    separator, so any cut of the table into consecutive parts gives the same digest."""

    def __init__(self) -> None:
        self.ids, self.offsets, self.texts = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
        self.n = 0

    def update(self, sent: _Sentences) -> None:
        self.ids.update("".join(f"{d}\x1f" for d in sent.doc_id.to_pylist()).encode("utf-8"))
        rows = np.stack([sent.para_id, sent.sent_id, sent.char_start], axis=1) if len(sent.texts) else np.empty((0, 3))
        self.offsets.update(np.ascontiguousarray(rows, dtype="<i8").tobytes())
        self.texts.update("".join(f"{t}\x1e" for t in sent.texts).encode("utf-8"))
        self.n += len(sent.texts)

    def hexdigest(self) -> str:
        return hashlib.sha256(self.ids.digest() + self.offsets.digest() + self.texts.digest()).hexdigest()


def _manifest(parts: Iterable[_Sentences], settings: SegmentSettings, *,
              find_formulas: bool = False) -> tuple[dict[str, Any], set[str]]:
    """The cache key of the tokens of ``parts`` (consecutive parts of one sentences table, whole documents
    each) and, with ``find_formulas``, the formula words of them all."""
    from huayu.pipeline.segment.engine import formula_words

    digest = _SentencesDigest()
    words: set[str] = set()
    for sent in parts:
        digest.update(sent)
        if find_formulas:
            words |= formula_words(sent.texts, settings)
    return _keyed(digest, settings), words


def _keyed(digest: _SentencesDigest, settings: SegmentSettings) -> dict[str, Any]:
    """The manifest of the sentences ``digest`` was fed, with its cache key."""
    lexicon = Path(_finder.LEXICON_PATH)
    inputs = {
        "sentences_sha256": digest.hexdigest(),
        "user_dict_sha256": _file_sha256(settings.user_dict),
        "stopwords_sha256": _file_sha256(settings.stopwords),
        "formula_lexicon_sha256": _file_sha256(lexicon) if lexicon.is_file() else None,
    }
    manifest = {"inputs": inputs, "settings": settings.output_settings(), "versions": _versions(),
                "n_sentences": digest.n}
    manifest["key"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest()
    return manifest


#: Characters of sentences segmented at a time by :func:`write_tokens_from_parquet` (whole documents):
#: the peak memory of segmentation is bounded by this, not by the corpus.
PART_CHARS = 4_000_000


def sentence_parts(path: str | os.PathLike[str], part_chars: int | None = None) -> Iterator[pd.DataFrame]:
    """The sentences table of a parquet file (rows grouped by document, as ``prepare`` writes it) in
    consecutive parts of whole documents, each of about ``part_chars`` (default :data:`PART_CHARS`)
    characters or one document."""
    part_chars = PART_CHARS if part_chars is None else part_chars
    source = pq.ParquetFile(path)
    pending: pa.Table | None = None

    def cuts(table: pa.Table, final: bool) -> list[int]:
        """Row indices that end a part: at the first document start after ``part_chars`` characters."""
        n = table.num_rows
        doc_id = table.column("doc_id")
        starts = np.flatnonzero(pc.not_equal(doc_id.slice(1), doc_id.slice(0, n - 1)).to_numpy(
            zero_copy_only=False)) + 1 if n > 1 else np.array([], dtype=np.int64)
        ends = np.concatenate([starts, [n]]) if final else starts
        cum = np.concatenate([[0], np.cumsum(pc.utf8_length(table.column("text")).to_numpy(zero_copy_only=False))])
        out, begin = [], 0
        for end in ends.tolist():
            if cum[end] - cum[begin] >= part_chars or (final and end == n):
                out.append(end)
                begin = end
        return out

    def frame(table: pa.Table) -> pd.DataFrame:
        return SENTENCES.conform(table.to_pandas())

    for batch in source.iter_batches(batch_size=16_384, columns=SENTENCE_COLUMNS):
        table = pa.Table.from_batches([batch]) if pending is None else pa.concat_tables(
            [pending, pa.Table.from_batches([batch])])
        begin = 0
        for end in cuts(table, final=False):
            yield frame(table.slice(begin, end - begin))
            begin = end
        pending = table.slice(begin)
    if pending is not None and pending.num_rows:
        begin = 0
        for end in cuts(pending, final=True):
            yield frame(pending.slice(begin, end - begin))
            begin = end
    elif source.metadata.num_rows == 0:
        yield frame(source.schema_arrow.empty_table().select(SENTENCE_COLUMNS))


def write_tokens(sentences: pd.DataFrame, processed_dir: str | os.PathLike[str],
                 settings: SegmentSettings | Mapping[str, Any] | None = None, *, progress: bool = True,
                 force: bool = False) -> tuple[Path, bool]:
    """Write ``processed_dir/tokens.parquet`` and ``processed_dir/token_parts.parquet`` (its parts, the
    fine granularity: :mod:`huayu.pipeline.segment.parts`), each atomically, unless they are up to date;
    returns ``(path of tokens.parquet, recomputed)``.

    ``tokens.manifest.json`` beside them records the cache key (:func:`tokens_manifest`) and both
    parquets' SHA-256; the stage re-segments when the key differs, a parquet is missing or was changed,
    or ``force`` is set. (:func:`write_tokens_from_parquet` does the same for a sentences parquet file,
    part by part.)
    """
    sent = _prepare_sentences(sentences)
    return _write(lambda: iter([sent]), processed_dir, settings, formula_words=set(), progress=progress,
                  force=force)


def write_tokens_from_parquet(sentences_path: str | os.PathLike[str], processed_dir: str | os.PathLike[str],
                              settings: SegmentSettings | Mapping[str, Any] | None = None, *,
                              formula_words: set[str] | None = None, progress: bool = True, force: bool = False,
                              part_chars: int | None = None,
                              formula_spans: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                              ) -> tuple[Path, bool]:
    """:func:`write_tokens` for the sentences table in ``sentences_path`` (as ``prepare`` writes it:
    rows grouped by document), read and segmented in parts of whole documents of about ``part_chars``
    (default :data:`PART_CHARS`) characters (:func:`sentence_parts`), each part's tokens appended to the parquet files: memory is
    bounded by the part, not by the corpus, and the tables equal :func:`write_tokens`' on the whole table.

    ``formula_words``: the formula words of the whole table (:func:`huayu.pipeline.segment.engine.formula_words`
    on every sentence), when the caller found them already; else they are found in the pass that computes
    the cache key. ``formula_spans``: the formula spans of the whole table when the caller found them too
    (:func:`huayu.pipeline.segment.engine.sentence_formula_spans`, ``sentence`` a row of the table), so
    that segmentation does not look for them again.
    """
    def parts() -> Iterator[_Sentences]:
        first = 0  # the row of the table each part starts at
        for frame in sentence_parts(sentences_path, part_chars):
            sent = _prepare_sentences(frame)
            if formula_spans is not None:
                sent.spans = _part_spans(formula_spans, first, frame, sent)
            first += len(frame)
            yield sent

    return _write(parts, processed_dir, settings, formula_words=formula_words, progress=progress, force=force)


def _segmented(parts: Iterator[_Sentences], settings: SegmentSettings, formula_words: set[str],
               segmenter: Any, word_info: dict, info: dict, progress: bool, bar: Any
               ) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch | None]]:
    """The tokens of ``parts`` as record batches, in order, each with its parts' batch (or ``None``): each
    part cut in chunks by this process and ``settings.workers - 1`` forked ones (:func:`_token_batches`).

    (Sending whole parts to a pool of worker processes instead, this process only writing, was measured
    and dropped: each worker warms its own per-word caches of tags and parts, and the batches travel back
    through a pipe, so at 1,000 documents segmentation took 20.8 CPU-seconds and 1.2 GB instead of 12.4 and
    0.5.)"""
    for sent in parts:
        bar.total = (bar.total or 0) + sum(map(len, sent.texts))
        for batch in _token_batches(sent, settings, progress, formula_words=formula_words,
                                    word_info=word_info, bar=bar):
            yield batch, _parts_batch(batch, segmenter, info)


def _part_spans(spans: tuple[np.ndarray, np.ndarray, np.ndarray], first: int, frame: pd.DataFrame,
                sent: _Sentences) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spans of the table's rows ``first …`` (``frame``) as spans of ``sent`` (:func:`_prepare_sentences`
    orders the rows by document and offset)."""
    rows, starts, ends = spans
    lo, hi = np.searchsorted(rows, [first, first + len(frame)], side="left")
    local = rows[lo:hi] - first
    doc_code, _ = pd.factorize(frame["doc_id"], sort=False)
    order = np.lexsort((frame["char_start"].to_numpy(dtype=np.int64), doc_code))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    at = position[local]
    keep = np.lexsort((starts[lo:hi], at))
    return at[keep], starts[lo:hi][keep], ends[lo:hi][keep]


def _write(parts: Callable[[], Iterator[_Sentences]], processed_dir: str | os.PathLike[str],
           settings: SegmentSettings | Mapping[str, Any] | None, *, formula_words: set[str] | None,
           progress: bool, force: bool) -> tuple[Path, bool]:
    """Check the cache (one pass over ``parts()``), then segment and write part by part (a second pass)."""
    from tqdm.auto import tqdm

    settings = _check_settings(settings)
    processed_dir = resolve(processed_dir)
    path = processed_dir / "tokens.parquet"
    parts_path = processed_dir / "token_parts.parquet"
    manifest_path = processed_dir / "tokens.manifest.json"
    reusable = not force and path.is_file() and manifest_path.is_file()
    manifest = None
    if reusable or formula_words is None:  # a first pass: the cache key (and the formula words if not given)
        manifest, found = _manifest(parts(), settings, find_formulas=formula_words is None)
        formula_words = found if formula_words is None else formula_words
    if reusable:
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            previous = {}
        if (previous.get("key") == manifest["key"] and previous.get("tokens_sha256") == _file_sha256(path)
                and parts_path.is_file() and previous.get("parts_sha256") == _file_sha256(parts_path)):
            log.info("tokens up to date (cache key %s…): %s not re-segmented", manifest["key"][:12], path)
            return path, False
    digest = _SentencesDigest() if manifest is None else None  # else: the key is computed as the parts go
    started = time.perf_counter()
    n_tokens = n_parts = n_chars = 0
    segmenter = get_segmenter(settings)
    info: dict = {}
    word_info: dict = {}

    def counted() -> Iterator[_Sentences]:  # the parts to segment, digested and counted as they are read
        nonlocal n_chars
        for sent in parts():
            if digest is not None:
                digest.update(sent)
            if sent.texts:
                n_chars += sum(map(len, sent.texts))
                yield sent

    def write(tmp: Path, parts_tmp: Path) -> None:  # each batch is written while the next ones are being cut
        nonlocal n_tokens, n_parts
        with pq.ParquetWriter(tmp, _SCHEMA) as writer, pq.ParquetWriter(parts_tmp, _SCHEMA) as parts_writer, \
                tqdm(desc="segmenting", unit="char", unit_scale=True, disable=True if not progress else None) as bar:
            for batch, compounds in _segmented(counted(), settings, formula_words, segmenter, word_info, info,
                                               progress, bar):
                writer.write_batch(batch)
                n_tokens += batch.num_rows
                if compounds is not None:
                    parts_writer.write_batch(compounds)
                    n_parts += compounds.num_rows

    # The parts file is replaced after the tokens file; the manifest, written last, vouches for both.
    atomic_write(parts_path, lambda parts_tmp: atomic_write(path, lambda tmp: write(tmp, parts_tmp)))
    elapsed = time.perf_counter() - started
    manifest = _keyed(digest, settings) if manifest is None else manifest
    manifest.update({"tokens_sha256": _file_sha256(path), "parts_sha256": _file_sha256(parts_path),
                     "n_tokens": n_tokens, "n_parts": n_parts, "n_chars": n_chars,
                     "seconds": round(elapsed, 3), "workers": settings.n_workers()})
    write_json(manifest, manifest_path)
    log.info("segmented %d sentences (%d characters) into %d tokens (and %d parts of compounds) in %.2f s → %s",
             manifest["n_sentences"], n_chars, n_tokens, n_parts, elapsed, path)
    return path, True
