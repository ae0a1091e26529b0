"""Run every benchmark (``benchmarks/bench_*.py``) and write ``benchmarks/results.json``.

Each ``bench_<area>.py`` exposes ``run(quick: bool = False) -> dict`` returning flat ``{metric: number}``
(plus an optional ``"details"`` entry). Ratios are measured within one run, on one machine, so they can be
compared; absolute seconds depend on the machine and its load.

    python benchmarks/run.py [--only segment,stats] [--quick] [--out benchmarks/results.json]

Areas that take long (``ON_REQUEST``: ``scale``, ``make bench-scale``; ``OPT_IN``: ``dask``, ``make bench-dask``)
run only when ``--only`` names them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Areas that run only when named in ``--only`` (they take long: ``make bench-scale``).
ON_REQUEST = {"scale"}
sys.path.insert(0, str(HERE))


#: Areas left out of a plain run (they take minutes): run them with ``--only AREA``.
OPT_IN = {"dask": "prepare of 10,000 documents locally and on a Dask LocalCluster(2) (make bench-dask)"}


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="where to write the results")
    parser.add_argument("--only", default="", help="comma-separated areas (e.g. segment,stats); default: all")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke test")
    args = parser.parse_args(argv)
    wanted = {a.strip() for a in args.only.split(",") if a.strip()}
    files = sorted(HERE.glob("bench_*.py"))
    if not wanted:  # areas that take long run only when named
        files = [f for f in files if f.stem.removeprefix("bench_") not in ON_REQUEST | set(OPT_IN)]
    if wanted:
        files = [f for f in files if f.stem.removeprefix("bench_") in wanted]
        missing = wanted - {f.stem.removeprefix("bench_") for f in files}
        if missing:
            parser.error(f"--only: unknown area(s) {', '.join(sorted(missing))}; known: "
                         f"{', '.join(f.stem.removeprefix('bench_') for f in sorted(HERE.glob('bench_*.py')))}")
    results: dict = {}
    if args.out.is_file():
        try:
            results = json.loads(args.out.read_text())
        except json.JSONDecodeError:
            results = {}
    results.setdefault("metrics", {})
    results.setdefault("details", {})
    for path in files:
        area = path.stem.removeprefix("bench_")
        print(f"== {area}", flush=True)
        started = time.perf_counter()
        metrics = dict(_load(path).run(quick=args.quick))
        details = metrics.pop("details", None)
        results["metrics"].update(metrics)
        if details is not None:
            results["details"][area] = details
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    results["machine"] = {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()}
    results["written_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    width = max((len(k) for k in results["metrics"]), default=10)
    print(f"\n{'metric':<{width}}  value")
    for key, value in sorted(results["metrics"].items()):
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
