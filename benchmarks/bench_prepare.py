"""Loading and cleaning throughput, and how it scales with the number of documents.

A synthetic corpus of N documents is written to a temporary folder (the five bundled raw texts, repeated
under new ids); ``load_corpus`` + ``clean_corpus`` run on N and 2N documents. Linear scaling gives a time
ratio near 2.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from huayu.pipeline.corpus import load_corpus
from huayu.paths import DATA
from huayu.pipeline.prepare import clean_corpus


def _synthetic_corpus(folder: Path, n: int) -> None:
    meta = pd.read_csv(DATA / "metadata.csv", dtype=str, keep_default_na=False)
    (folder / "texts").mkdir(parents=True)
    rows = []
    for i in range(n):
        row = dict(meta.iloc[i % len(meta)])
        src = DATA / row["file"]
        row["doc_id"] = f"{row['doc_id']}_{i:05d}"
        row["file"] = f"texts/{row['doc_id']}.txt"
        shutil.copy(src, folder / row["file"])
        rows.append(row)
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)


def _time(n: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        _synthetic_corpus(Path(tmp), n)
        started = time.perf_counter()
        corpus = load_corpus(tmp, progress=False)
        tables = clean_corpus(corpus, progress=False)
        elapsed = time.perf_counter() - started
        return elapsed, int(tables["documents"]["n_chars_raw"].sum())


def run(quick: bool = False) -> dict:
    n = 100 if quick else 1000
    t1, chars1 = _time(n)
    t2, _ = _time(2 * n)
    return {
        "prepare_clean_docs": n,
        "prepare_clean_docs_per_s": n / t1,
        "prepare_clean_chars_per_s": chars1 / t1,
        "prepare_clean_scaling_2x_docs": t2 / t1,
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
