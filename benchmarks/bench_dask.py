"""``prepare`` on this machine versus ``prepare --scheduler local:2`` (a Dask LocalCluster of two worker processes).

The corpus of the scale issue, 10,000 documents of about 11,000 characters (110 M characters; the corpus
``benchmarks/bench_scale.py`` builds, reused from its ``--work`` folder when it is there; 1,000 documents with
``--quick``), is prepared twice into fresh folders: locally (:func:`huayu.pipeline.prepare.prepare`: loading
and cleaning in forked workers, segmentation in forked workers, one per core) and on the cluster
(:func:`huayu.pipeline.distributed.prepare_distributed`, the cluster started and stopped inside the timing).
The tables are checked to be equal. The machine is shared: ``os.getloadavg()`` is recorded before and after
each run, and the numbers move with the load. Target: ``dask_over_local`` ≤ 1.3.

    python benchmarks/run.py --only dask        (make bench-dask)
    python benchmarks/bench_dask.py [--quick] [--work DIR]
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

from huayu.paths import ROOT

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))  # bench_scale's corpus builder


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _digest(paths: list[Path]) -> tuple[int, str]:
    """Rows and a SHA-256 over every column's values, read one row group at a time."""
    import hashlib

    import pyarrow.parquet as pq

    digest, rows = hashlib.sha256(), 0
    for path in paths:
        file = pq.ParquetFile(path)
        for i in range(file.num_row_groups):
            group = file.read_row_group(i)
            rows += group.num_rows  # one hash per row over all columns: independent of how rows are grouped
            digest.update(pd.util.hash_pandas_object(group.to_pandas(), index=False).to_numpy().tobytes())
    return rows, digest.hexdigest()


def run(quick: bool = False, work: Path | None = None) -> dict:
    from bench_scale import CHARS_PER_DOCUMENT, WORK, build_corpus

    from huayu.pipeline import tables
    from huayu.pipeline.distributed import prepare_distributed
    from huayu.pipeline.prepare import prepare

    n = 1000 if quick else 10_000
    work = Path(work or WORK)
    corpus = build_corpus(work / f"corpus-{n}", n, CHARS_PER_DOCUMENT)
    tmp = work / f"dask-{n}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        load = {"before_local": _load()}
        started = time.perf_counter()
        prepare(corpus, tmp / "local", progress=False)
        local_s = time.perf_counter() - started
        load["after_local"] = _load()
        started = time.perf_counter()
        result = prepare_distributed(corpus, tmp / "dask", scheduler="local:2", progress=False)
        dask_s = time.perf_counter() - started
        load["after_dask"] = _load()
        # The tables' equality is a test (tests/pipeline/test_distributed.py); here, without holding two
        # tokens tables of millions of rows in memory: row counts and one digest per column, part by part.
        local_rows, local_digest = _digest(tables.partition_paths(tmp / "local" / "processed", "tokens.parquet"))
        dask_parts = tables.partition_paths(tmp / "dask" / "processed", "tokens.parquet")
        dask_rows, dask_digest = _digest(dask_parts)
        if (local_rows, local_digest) != (dask_rows, dask_digest):
            raise AssertionError(f"the tokens differ: {local_rows} rows locally, {dask_rows} on the cluster")
        n_chars = int(pd.read_parquet(tmp / "local" / "interim" / "documents.parquet",
                                      columns=["n_chars_clean"])["n_chars_clean"].sum())
        n_parts = len(dask_parts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "dask_documents": n,
        "dask_prepare_s": round(dask_s, 2),
        "local_prepare_s": round(local_s, 2),
        "dask_over_local": round(dask_s / local_s, 3),
        "details": {"n_documents": n, "n_chars_clean": n_chars, "n_tokens": local_rows, "partitions": n_parts,
                    "n_sentences": result.n_sentences, "cpus": os.cpu_count(), "loadavg_1_5_15": load,
                    "target": "dask_over_local <= 1.3"},
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 documents instead of 10,000")
    parser.add_argument("--work", type=Path, default=None,
                        help="where the corpus is (built when missing) and the outputs go (default: benchmarks/.scale)")
    args = parser.parse_args()
    for key, value in run(quick=args.quick, work=args.work).items():
        print(f"{key}: {value}")
