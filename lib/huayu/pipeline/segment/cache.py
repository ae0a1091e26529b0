"""Cache and writing: the tokens table's cache key (:func:`tokens_manifest`) and :func:`write_tokens`
(``tokens.parquet`` and its parts, ``token_parts.parquet``)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from huayu.outputs import atomic_write, sha256_file, write_json
from huayu.paths import resolve
from huayu.pipeline.segment import formulas as _finder
from huayu.pipeline.segment.engine import _SCHEMA, _prepare_sentences, _Sentences, _token_batches
from huayu.pipeline.segment.parts import _parts_batch
from huayu.pipeline.segment.segmenter import get_segmenter
from huayu.pipeline.segment.settings import SegmentSettings, _check_settings

log = logging.getLogger("huayu.pipeline.segment")

__all__ = ["SEGMENTER_VERSION", "tokens_manifest", "write_tokens"]

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
    return _manifest(_prepare_sentences(sentences), _check_settings(settings))


def _manifest(sent: _Sentences, settings: SegmentSettings) -> dict[str, Any]:
    digest = hashlib.sha256()
    digest.update("\x1f".join(sent.doc_id.to_pylist()).encode("utf-8"))
    for array in (sent.para_id, sent.sent_id, sent.char_start):
        digest.update(np.ascontiguousarray(array, dtype="<i8").tobytes())
    digest.update("\x1e".join(sent.texts).encode("utf-8"))
    lexicon = Path(_finder.LEXICON_PATH)
    inputs = {
        "sentences_sha256": digest.hexdigest(),
        "user_dict_sha256": _file_sha256(settings.user_dict),
        "stopwords_sha256": _file_sha256(settings.stopwords),
        "formula_lexicon_sha256": _file_sha256(lexicon) if lexicon.is_file() else None,
    }
    manifest = {"inputs": inputs, "settings": settings.output_settings(), "versions": _versions(),
                "n_sentences": len(sent.texts)}
    manifest["key"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest()
    return manifest


def write_tokens(sentences: pd.DataFrame, processed_dir: str | os.PathLike[str],
                 settings: SegmentSettings | Mapping[str, Any] | None = None, *, progress: bool = True,
                 force: bool = False) -> tuple[Path, bool]:
    """Write ``processed_dir/tokens.parquet`` and ``processed_dir/token_parts.parquet`` (its parts, the
    fine granularity: :mod:`huayu.pipeline.segment.parts`), each atomically, unless they are up to date;
    returns ``(path of tokens.parquet, recomputed)``.

    ``tokens.manifest.json`` beside them records the cache key (:func:`tokens_manifest`) and both
    parquets' SHA-256; the stage re-segments when the key differs, a parquet is missing or was changed,
    or ``force`` is set.
    """
    settings = _check_settings(settings)
    processed_dir = resolve(processed_dir)
    path = processed_dir / "tokens.parquet"
    parts_path = processed_dir / "token_parts.parquet"
    manifest_path = processed_dir / "tokens.manifest.json"
    sent = _prepare_sentences(sentences)
    manifest = _manifest(sent, settings)
    if not force and path.is_file() and manifest_path.is_file():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            previous = {}
        if (previous.get("key") == manifest["key"] and previous.get("tokens_sha256") == _file_sha256(path)
                and parts_path.is_file() and previous.get("parts_sha256") == _file_sha256(parts_path)):
            log.info("tokens up to date (cache key %s…): %s not re-segmented", manifest["key"][:12], path)
            return path, False
    started = time.perf_counter()
    n_tokens = n_parts = 0
    segmenter = get_segmenter(settings)
    info: dict = {}

    def write(tmp: Path, parts_tmp: Path) -> None:  # each batch is written while the next chunks are being cut
        nonlocal n_tokens, n_parts
        with pq.ParquetWriter(tmp, _SCHEMA) as writer, pq.ParquetWriter(parts_tmp, _SCHEMA) as parts_writer:
            for batch in _token_batches(sent, settings, progress) if sent.texts else ():
                writer.write_batch(batch)
                n_tokens += batch.num_rows
                parts = _parts_batch(batch, segmenter, info)
                if parts is not None:
                    parts_writer.write_batch(parts)
                    n_parts += parts.num_rows

    # The parts file is replaced after the tokens file; the manifest, written last, vouches for both.
    atomic_write(parts_path, lambda parts_tmp: atomic_write(path, lambda tmp: write(tmp, parts_tmp)))
    elapsed = time.perf_counter() - started
    n_chars = sum(map(len, sent.texts))
    manifest.update({"tokens_sha256": _file_sha256(path), "parts_sha256": _file_sha256(parts_path),
                     "n_tokens": n_tokens, "n_parts": n_parts, "n_chars": n_chars,
                     "seconds": round(elapsed, 3), "workers": settings.n_workers()})
    write_json(manifest, manifest_path)
    log.info("segmented %d sentences (%d characters) into %d tokens (and %d parts of compounds) in %.2f s → %s",
             manifest["n_sentences"], n_chars, n_tokens, n_parts, elapsed, path)
    return path, True

