"""Benchmark of text-reuse detection (``huayu.analysis.reuse``): seconds for 50, 100 and 200 synthetic documents.

The synthetic corpus is built from the paragraphs of the five bundled texts (cleaned): every document
draws 60% of the paragraphs, in random order (fixed seed). Documents come in *families* of five; each
family's text is re-encoded with its own one-to-one substitution of Han characters, so documents of one
family share passages as the real texts do (every paragraph is in about three of the five), while
documents of different families share nothing. The amount of reuse per document therefore stays
constant as the corpus grows, and a method that is linear in the corpus size shows time ratios close to
2 for 2× the documents (an all-pairs comparison would show 4).

``run()`` returns ``reuse_50_docs_s``, ``reuse_100_docs_s``, ``reuse_200_docs_s`` (find_reuse +
share_matrix, best of 5 runs after a warm-up), ``reuse_ratio_100_vs_50`` and ``reuse_ratio_200_vs_100``, the
characters and passages of the 100-document corpus, and the same for a 100-document pass of
``formula_spans`` over the corpus text (``formulas_100_docs_s``).

    python benchmarks/bench_rhetoric.py [--quick]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

FAMILY_SIZE = 5
SHARE = 0.6
_HAN_LO, _HAN_HI = 0x4E00, 0x9FFF


def _paragraphs() -> list[str]:
    """The cleaned paragraphs of the bundled corpus (from data/interim if prepared, else cleaned here)."""
    interim = REPO / "data" / "interim" / "paragraphs.parquet"
    if interim.is_file():
        return [p for p in pd.read_parquet(interim)["text"].astype(str) if len(p) >= 10]
    from huayu.pipeline.clean import clean_document
    from huayu.pipeline.metadata import read_metadata

    meta = read_metadata(REPO / "data" / "metadata.csv")
    out = []
    for file, genre in zip(meta["file"], meta["genre"]):
        raw = (REPO / "data" / file).read_text(encoding="utf-8")
        out.extend(p for p in clean_document(raw, genre=genre).paragraphs if len(p) >= 10)
    return out


def _cipher(family: int) -> dict[int, int]:
    """A one-to-one substitution of the Han block, different for every family (family 0: identity)."""
    if family == 0:
        return {}
    span = _HAN_HI - _HAN_LO + 1
    shift = (family * 7919) % span
    return {c: _HAN_LO + (c - _HAN_LO + shift) % span for c in range(_HAN_LO, _HAN_HI + 1)}


def synthetic_documents(n_docs: int, seed: int = 0) -> pd.DataFrame:
    """``n_docs`` documents (``doc_id``, ``text``) built as the module docstring describes."""
    paras = _paragraphs()
    rng = np.random.default_rng(seed)
    k = max(1, int(round(SHARE * len(paras))))
    ciphers: dict[int, dict[int, int]] = {}
    rows = []
    for i in range(n_docs):
        family = i // FAMILY_SIZE
        if family not in ciphers:
            ciphers[family] = _cipher(family)
        chosen = rng.choice(len(paras), size=k, replace=False)
        text = "\n".join(paras[j] for j in chosen)
        if ciphers[family]:
            text = text.translate(ciphers[family])
        rows.append((f"synthetic_{i:04d}", text))
    return pd.DataFrame(rows, columns=["doc_id", "text"])


def _time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(quick: bool = False) -> dict:
    from huayu.pipeline.segment.formulas import formula_spans
    from huayu.analysis.reuse import find_reuse, share_matrix

    sizes = (50, 100, 200)
    repeat = 2 if quick else 5
    metrics: dict = {}
    rows = []
    warm = synthetic_documents(10)  # warm-up: imports, the character-class cache
    share_matrix(find_reuse(warm, n=8), warm)
    for n in sizes:
        docs = synthetic_documents(n)

        def detect(docs=docs):
            passages = find_reuse(docs, n=8)
            share_matrix(passages, docs)
            return passages

        seconds = _time(detect, repeat)
        passages = detect()
        chars = int(docs["text"].str.len().sum())
        metrics[f"reuse_{n}_docs_s"] = round(seconds, 4)
        rows.append({"n_docs": n, "chars": chars, "passages": len(passages), "seconds": round(seconds, 4),
                     "chars_per_s": round(chars / seconds)})
        if n == 100:
            metrics["reuse_100_docs_chars"] = chars
            metrics["reuse_100_docs_passages"] = len(passages)
            texts = list(docs["text"])
            metrics["formulas_100_docs_s"] = round(_time(lambda: [formula_spans(t) for t in texts], repeat), 4)
    metrics["reuse_ratio_100_vs_50"] = round(metrics["reuse_100_docs_s"] / metrics["reuse_50_docs_s"], 3)
    metrics["reuse_ratio_200_vs_100"] = round(metrics["reuse_200_docs_s"] / metrics["reuse_100_docs_s"], 3)
    metrics["details"] = {"reuse_scaling": rows}
    return metrics


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv[1:])
    print(json.dumps(result, indent=2, ensure_ascii=False))
