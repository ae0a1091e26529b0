"""Comparative statistics on a 1 M-token synthetic corpus: keyness, collocations, n-grams, dispersion.

The corpus is made of the bundled corpus's own tokenised paragraphs (``processed/tokens.parquet``; when it
is missing, the bundled corpus is prepared into a temporary folder first),
sampled with replacement (fixed seed) into synthetic documents of about 2,000 tokens each, until it holds
1,000,000 tokens (100,000 with ``quick``). Sentence ids are renumbered so that no two sampled paragraphs
share a sentence. Each timing is the best of ``repeats`` runs of the public function on the token table
(building the counts included). Targets: ``keyness_1m_tokens_s`` and ``collocations_1m_tokens_s`` < 2 s.

    python benchmarks/bench_stats.py [--quick] [--processed data/processed]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from huayu.analysis import collocations, dispersion, keyness, ngrams
from huayu.paths import PROCESSED
from huayu.pipeline.tables import read_tokens

DOC_TOKENS = 2_000
SEED = 20240501


def synthetic_tokens(source: pd.DataFrame, n_tokens: int, *, doc_tokens: int = DOC_TOKENS,
                     seed: int = SEED) -> pd.DataFrame:
    """``n_tokens`` rows sampled paragraph by paragraph from ``source`` into documents ``synth_00000 …``.

    Vectorised: paragraphs are sampled as index ranges and expanded with :func:`numpy.repeat`.
    """
    src = source.reset_index(drop=True)
    para_key = src["doc_id"].astype("str") + "/" + src["para_id"].astype("str")
    codes, _ = pd.factorize(para_key, sort=False)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    lengths = np.diff(np.r_[starts, len(src)])
    rng = np.random.default_rng(seed)
    n_draw = int(n_tokens / lengths.mean() * 1.2) + 10
    picks = rng.integers(0, len(starts), size=n_draw)
    picked_len = lengths[picks]
    keep = np.searchsorted(np.cumsum(picked_len), n_tokens) + 1
    picks, picked_len = picks[:keep], picked_len[:keep]
    rows = np.repeat(starts[picks] - np.r_[0, np.cumsum(picked_len)[:-1]], picked_len) + np.arange(picked_len.sum())
    rows = rows[:n_tokens]
    out = src.iloc[rows].reset_index(drop=True)
    para_no = np.repeat(np.arange(len(picks)), picked_len)[:n_tokens]
    position = np.arange(len(out))
    doc_no = position // doc_tokens
    sent = out["sent_id"].to_numpy()
    new_sent = np.r_[True, (sent[1:] != sent[:-1]) | (para_no[1:] != para_no[:-1])]
    sent_global = np.cumsum(new_sent) - 1
    doc_first = np.r_[0, np.flatnonzero(np.diff(doc_no)) + 1]
    sent_offset = sent_global[doc_first][doc_no]
    out["doc_id"] = pd.Series([f"synth_{d:05d}" for d in range(doc_no.max() + 1)], dtype="str").to_numpy()[doc_no]
    out["doc_id"] = out["doc_id"].astype("str")
    out["para_id"] = (para_no - para_no[doc_first][doc_no]).astype(np.int64)
    out["sent_id"] = (sent_global - sent_offset).astype(np.int64)
    out["token_index"] = (position - doc_first[doc_no]).astype(np.int64)
    return out


def _best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _source_tokens(processed_dir: str | Path) -> pd.DataFrame:
    """The bundled corpus's tokens: ``processed_dir/tokens.parquet``, or prepared afresh into a temporary folder."""
    if (Path(processed_dir) / "tokens.parquet").is_file():
        return read_tokens(processed_dir)
    from huayu.paths import DATA
    from huayu.pipeline.prepare import prepare

    with tempfile.TemporaryDirectory() as tmp:
        prepare(DATA, Path(tmp), progress=False)
        return read_tokens(Path(tmp) / "processed")


def run(quick: bool = False, processed_dir: str | Path = PROCESSED) -> dict:
    source = _source_tokens(processed_dir)
    n_tokens = 100_000 if quick else 1_000_000
    repeats = 2 if quick else 3
    tokens = synthetic_tokens(source, n_tokens)
    docs = list(pd.unique(tokens["doc_id"]))
    target = docs[: max(1, len(docs) // 10)]  # a tenth of the documents against the rest
    frequent = tokens.loc[~tokens["is_punct"] & ~tokens["is_stop"], "token"].value_counts().index[0]

    metrics = {
        "keyness_1m_tokens_s": _best(lambda: keyness.keyness(tokens, target, min_freq=3), repeats),
        "collocations_1m_tokens_s": _best(
            lambda: collocations.cooccurrences(tokens, left=5, right=5, min_freq=2), repeats),
        "collocates_one_node_1m_tokens_s": _best(
            lambda: collocations.collocates(tokens, frequent, left=5, right=5), repeats),
        "keyness_by_document_1m_tokens_s": _best(
            lambda: keyness.keyness_by_group(tokens, min_freq=3, top_n=20), repeats),
        "ngram_clusters_1m_tokens_s": _best(lambda: ngrams.ngram_clusters(tokens, (2, 6), min_freq=2), repeats),
        "frequency_list_1m_tokens_s": _best(lambda: dispersion.frequency_list(tokens, min_freq=1), repeats),
    }
    if quick:
        metrics = {k.replace("_1m_", "_100k_"): v for k, v in metrics.items()}
    metrics["details"] = {
        "stats_corpus": {"tokens": int(len(tokens)), "documents": len(docs), "target_documents": len(target),
                         "source_tokens": int(len(source)), "collocate_node": str(frequent),
                         "window": "5 left, 5 right", "seed": SEED},
        "targets_s": {"keyness_1m_tokens_s": 2.0, "collocations_1m_tokens_s": 2.0},
    }
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 tokens instead of 1,000,000")
    parser.add_argument("--processed", default=str(PROCESSED), help="folder with tokens.parquet")
    args = parser.parse_args(argv)
    result = run(quick=args.quick, processed_dir=args.processed)
    details = result.pop("details")
    for key, value in result.items():
        print(f"{key:<36} {value:8.3f}")
    print(json.dumps(details, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
