"""Cache and writing: the tokens table's cache key (:func:`tokens_manifest`) and :func:`write_tokens`."""

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
from huayu.pipeline.segment.settings import SegmentSettings, _check_settings

log = logging.getLogger("huayu.pipeline.segment")

__all__ = ["SEGMENTER_VERSION", "tokens_manifest", "write_tokens"]

#: Bump whenever a change to this package can change the tokens table (invalidates every cache).
#: (A change to the formula finder, :mod:`huayu.pipeline.segment.formulas`, does so by itself.)
SEGMENTER_VERSION = "1"

#: The file whose bytes the cache key includes (``formulas_sha256``): the formula finder alone.
FINDER_PATH = Path(_finder.__file__).resolve()


def _file_sha256(path: Path | None) -> str | None:
    return None if path is None else sha256_file(path)


def _versions() -> dict[str, str]:
    import jieba

    return {
        "segmenter": SEGMENTER_VERSION,
        "jieba": jieba.__version__,
        "rjieba": importlib.metadata.version("rjieba"),
        "formulas_sha256": _file_sha256(FINDER_PATH),
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
    """Write ``processed_dir/tokens.parquet`` (atomically) unless it is up to date; returns ``(path, recomputed)``.

    ``tokens.manifest.json`` beside it records the cache key (:func:`tokens_manifest`) and the parquet's
    SHA-256; the stage re-segments when the key differs, the parquet is missing or was changed, or
    ``force`` is set.
    """
    settings = _check_settings(settings)
    processed_dir = resolve(processed_dir)
    path = processed_dir / "tokens.parquet"
    manifest_path = processed_dir / "tokens.manifest.json"
    sent = _prepare_sentences(sentences)
    manifest = _manifest(sent, settings)
    if not force and path.is_file() and manifest_path.is_file():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            previous = {}
        if previous.get("key") == manifest["key"] and previous.get("tokens_sha256") == _file_sha256(path):
            log.info("tokens up to date (cache key %s…): %s not re-segmented", manifest["key"][:12], path)
            return path, False
    started = time.perf_counter()
    n_tokens = 0

    def write(tmp: Path) -> None:  # each batch is written while the next chunks are being cut
        nonlocal n_tokens
        with pq.ParquetWriter(tmp, _SCHEMA) as writer:
            for batch in _token_batches(sent, settings, progress) if sent.texts else ():
                writer.write_batch(batch)
                n_tokens += batch.num_rows

    atomic_write(path, write)
    elapsed = time.perf_counter() - started
    n_chars = sum(map(len, sent.texts))
    manifest.update({"tokens_sha256": _file_sha256(path), "n_tokens": n_tokens, "n_chars": n_chars,
                     "seconds": round(elapsed, 3), "workers": settings.n_workers()})
    write_json(manifest, manifest_path)
    log.info("segmented %d sentences (%d characters) into %d tokens in %.2f s → %s", manifest["n_sentences"],
             n_chars, n_tokens, elapsed, path)
    return path, True

