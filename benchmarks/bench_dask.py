"""``prepare`` on this machine versus ``prepare --scheduler local:2`` (a Dask LocalCluster of two worker processes).

A synthetic corpus of 10,000 documents (``tests/_synthetic_corpus.write_corpus``: seeded draws of 4–25
paragraphs of the bundled texts, about 2,300 characters each; 1,000 with ``--quick``) is prepared twice into
fresh folders: locally (:func:`huayu.pipeline.prepare.prepare`: loading and cleaning in this process,
segmentation in forked workers, one per core) and on the cluster
(:func:`huayu.pipeline.distributed.prepare_distributed`, the cluster started and stopped inside the timing).
The tables are checked to be equal. The machine is shared: ``os.getloadavg()`` is recorded before and after
each run, and the numbers move with the load. Target: ``dask_over_local`` ≤ 1.3.

    python benchmarks/run.py --only dask        (make bench-dask)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from huayu.paths import ROOT

sys.path.insert(0, str(ROOT / "tests"))

from _synthetic_corpus import write_corpus  # noqa: E402


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(quick: bool = False) -> dict:
    from huayu.pipeline import tables
    from huayu.pipeline.distributed import prepare_distributed
    from huayu.pipeline.prepare import prepare

    n = 1000 if quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = write_corpus(tmp / "corpus", n)
        load = {"before_local": _load()}
        started = time.perf_counter()
        prepare(corpus, tmp / "local", progress=False)
        local_s = time.perf_counter() - started
        load["after_local"] = _load()
        started = time.perf_counter()
        result = prepare_distributed(corpus, tmp / "dask", scheduler="local:2", progress=False)
        dask_s = time.perf_counter() - started
        load["after_dask"] = _load()
        local_tokens = tables.read_tokens(tmp / "local" / "processed")
        pd.testing.assert_frame_equal(tables.read_tokens(tmp / "dask" / "processed"), local_tokens)
        n_chars = int(tables.read_documents(tmp / "local" / "interim")["n_chars_clean"].sum())
        n_parts = len(list((tmp / "dask" / "processed" / "tokens").glob("part-*.parquet")))
    return {
        "dask_documents": n,
        "dask_prepare_s": round(dask_s, 2),
        "local_prepare_s": round(local_s, 2),
        "dask_over_local": round(dask_s / local_s, 3),
        "details": {"n_chars_clean": n_chars, "n_tokens": int(len(local_tokens)), "partitions": n_parts,
                    "n_sentences": result.n_sentences, "cpus": os.cpu_count(), "loadavg_1_5_15": load,
                    "target": "dask_over_local <= 1.3"},
    }


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for key, value in run(quick=quick).items():
        print(f"{key}: {value}")
