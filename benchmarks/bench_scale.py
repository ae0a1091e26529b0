"""The suite at scale: ``prepare`` and ``make figures`` on corpora of 1,000 and 10,000 documents.

``make bench-scale`` (``python benchmarks/bench_scale.py``, or ``benchmarks/run.py --only scale``) builds two
deterministic corpora with the tests' builder (``tests/_synthetic_corpus.write_corpus``: paragraphs drawn with
replacement from the bundled texts in ``data/raw`` and the State Council and Party congress reports shipped in
``data/external``, about 11,000 characters per document, like a local work report), then for each size

* runs ``python -m huayu prepare`` into a new folder: wall time and peak memory;
* runs ``make figures CORPUS=… OUT=… PARAMS=params/default.yaml JOBS=2`` on what it prepared: wall time,
  each notebook's time (papermill's own record in the executed notebook) and each notebook's peak memory.

Memory and CPU time are sampled every 0.25 s over the whole process tree (psutil): ``*_peak_mb`` is the peak of the summed
proportional set size (PSS: a page shared by forked workers counts once, divided among them) — for
``prepare`` of the command and its workers, for the suite of the busiest notebook kernel (each notebook runs
in a kernel of its own). ``scale_ratio_*`` are the 10,000-document times over the 1,000-document times
(linear: about 10). The machine is shared, so ``os.getloadavg()`` is recorded at the start and the end.
For ``prepare`` the CPU samples give ``scale_<n>_prepare_main_cpu_s`` (the main process alone: what
cannot overlap the workers) and ``scale_<n>_prepare_idle_s``, the seconds in gaps of 2 s or more in which
the tree kept fewer than ``cores - 0.5`` cores busy (listed in the details with the share of the main
process, and printed), and the tree's CPU seconds in every second of the run.

Metrics: ``scale_prepare_s``, ``scale_prepare_cpu_s`` (user + system seconds of the command and its
workers: on a shared machine the wall time also measures the neighbours, the CPU time much less),
``scale_prepare_peak_mb`` (at the largest size), ``scale_suite_s``, ``scale_suite_cpu_s``,
``scale_suite_peak_mb`` (at the largest size the suite ran on, ``scale_suite_documents``),
``scale_ratio_prepare`` (largest over the next smaller size), ``scale_ratio_suite`` and
``scale_ratio_<notebook>`` (the two largest sizes the suite ran on, named in ``scale_ratio_suite_documents``),
``scale_<n>_…`` for every size, ``scale_load_start``/``scale_load_end`` (1-minute load average).

    python benchmarks/bench_scale.py [--sizes 1000,10000] [--suite-sizes 100,1000] [--chars 11000]
                                     [--no-suite] [--work DIR] [--out benchmarks/results.json]

The corpora and outputs stay in ``--work`` (default ``benchmarks/.scale/``, not committed); a corpus is
rebuilt only when its size, seed or characters per document change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the one corpus builder (tests/_synthetic_corpus.py)
sys.path.insert(0, str(REPO / "lib"))

SIZES = (1000, 10000)
QUICK_SIZES = (20, 200)
CHARS_PER_DOCUMENT = 11_000
SEED = 13
SOURCES = ("bundled", "external")
WORK = REPO / "benchmarks" / ".scale"
PARAMS = REPO / "params" / "default.yaml"
JOBS = 2
SAMPLE_S = 0.25


def _environment() -> dict[str, str]:
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg", PYTHONPATH=str(REPO / "lib"))
    env.setdefault("HUAYU_CACHE_DIR", str(REPO / ".cache"))
    return env


def build_corpus(folder: Path, n: int, chars: int = CHARS_PER_DOCUMENT, seed: int = SEED) -> Path:
    """The corpus of ``n`` documents in ``folder`` (rebuilt only when its recipe changed)."""
    from _synthetic_corpus import write_corpus

    recipe = {"n": n, "chars_per_document": chars, "seed": seed, "sources": list(SOURCES)}
    stamp = folder / "recipe.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == recipe and (folder / "metadata.csv").is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    write_corpus(folder, n, seed=seed, chars_per_document=chars, sources=SOURCES)
    stamp.write_text(json.dumps(recipe))
    return folder


class TreeMemory:
    """Samples the memory of a process and all its descendants in a thread until :meth:`stop`.

    ``peak_mb``: the peak of the summed PSS of the tree; ``per_process``: each process's peak PSS with its
    start time and command line (to tell the notebook kernels apart)."""

    def __init__(self, pid: int):
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid)
        self.peak_mb = 0.0
        self.per_process: dict[int, dict] = {}
        # CPU seconds (user + system) of the tree and of the root process at each sample: how busy the cores were
        self.cpu_samples: list[tuple[float, float, float]] = []
        self._cpu: dict[int, float] = {}
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        psutil = self._psutil
        try:
            procs = [self.root] + self.root.children(recursive=True)
        except psutil.Error:
            return
        total = 0.0
        for proc in procs:
            try:
                times = proc.cpu_times()
                self._cpu[proc.pid] = times.user + times.system  # a process that ended keeps its last value
            except psutil.Error:
                pass
            try:
                info = proc.memory_full_info()
                mb = getattr(info, "pss", info.rss) / 2**20
                entry = self.per_process.get(proc.pid)
                if entry is None:
                    entry = self.per_process[proc.pid] = {"started": proc.create_time(), "peak_mb": 0.0,
                                                          "cmdline": " ".join(proc.cmdline())[:300]}
                entry["peak_mb"] = max(entry["peak_mb"], mb)
            except psutil.Error:
                continue
            total += mb
        self.peak_mb = max(self.peak_mb, total)
        self.cpu_samples.append((time.perf_counter() - self._started, sum(self._cpu.values()),
                                 self._cpu.get(self.root.pid, 0.0)))

    def busy(self, step_s: float = 1.0, cores: int | None = None) -> dict:
        """How busy the tree kept the cores, second by second: the CPU seconds it used in each ``step_s``
        (``per_second``: tree, root process), and the *idle gaps* — runs of 2 s or more in which it used
        less than ``cores - 0.5`` cores (on a shared machine a neighbour's load makes gaps too: compare the
        load average)."""
        cores = cores or os.cpu_count() or 1
        if len(self.cpu_samples) < 2:
            return {"per_second": [], "idle_gaps": [], "idle_s": 0.0}
        t, tree, root = (list(v) for v in zip(*self.cpu_samples))
        rows, edge, k = [], step_s, 0
        last_tree = last_root = 0.0
        while edge <= t[-1] + step_s:
            while k + 1 < len(t) and t[k + 1] <= edge:
                k += 1
            rows.append((round(edge, 1), round(tree[k] - last_tree, 2), round(root[k] - last_root, 2)))
            last_tree, last_root = tree[k], root[k]
            edge += step_s
        gaps, start = [], None
        for i, (edge, used, _) in enumerate(rows + [(None, cores, 0.0)]):
            if used < (cores - 0.5) * step_s and start is None:
                start = i
            elif used >= (cores - 0.5) * step_s and start is not None:
                if (i - start) * step_s >= 2:
                    gaps.append({"from_s": round(start * step_s, 1), "to_s": round(i * step_s, 1),
                                 "cores_used": round(sum(r[1] for r in rows[start:i]) / ((i - start) * step_s), 2),
                                 "root_share": round(sum(r[2] for r in rows[start:i]) /
                                                     max(1e-9, sum(r[1] for r in rows[start:i])), 2)})
                start = None
        return {"per_second": rows, "idle_gaps": gaps, "idle_s": round(sum(g["to_s"] - g["from_s"] for g in gaps), 1),
                "root_cpu_s": round(root[-1], 1), "tree_cpu_s": round(tree[-1], 1)}

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(SAMPLE_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _run(cmd: list[str], *, log: Path, timeout: float) -> tuple[float, float, TreeMemory]:
    """Run ``cmd`` (output to ``log``), sampling its memory; returns the wall time, the CPU time (user +
    system) of the command and all its descendants, and the memory samples. Raises on failure."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=_environment(), stdout=fh, stderr=subprocess.STDOUT)
        memory = TreeMemory(proc.pid)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "timeout"
        finally:
            memory.stop()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed ({code}) after {wall:.0f} s; see {log}:\n{tail}")
    return wall, cpu, memory


def _notebook_runs(executed: Path, memory: TreeMemory) -> dict[str, dict]:
    """Each executed notebook's time (papermill) and the peak PSS of the kernel that ran it (the kernel
    started closest to the notebook's start)."""
    from datetime import datetime

    kernels = [p for p in memory.per_process.values() if "ipykernel" in p["cmdline"]]
    out = {}
    for path in sorted(executed.glob("[0-9][0-9]-*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("papermill", {})
        entry = {"s": round(float(meta.get("duration") or 0.0), 3)}
        if meta.get("start_time") and kernels:
            start = datetime.fromisoformat(meta["start_time"].replace("Z", "+00:00")).timestamp()
            kernel = min(kernels, key=lambda k: abs(k["started"] - start))
            entry["peak_mb"] = round(kernel["peak_mb"], 1)
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0,
                  "".join(c["source"]).strip().splitlines()[0][:70])
                 for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        entry["slowest_cells"] = [{"s": round(d, 2), "cell": src} for d, src in sorted(cells, reverse=True)[:3]]
        out[path.stem] = entry
    return out


def _venv_stamp() -> str:
    """The Makefile's environment stamp (``.venv/.installed-<cksum of requirements.lock>``): the benchmark
    tells ``make`` not to remake it, so a benchmark never reinstalls or re-registers the environment."""
    out = subprocess.run(["cksum", str(REPO / "requirements.lock")], capture_output=True, text=True, check=True)
    return f".venv/.installed-{out.stdout.split()[0]}"


def measure(n: int, work: Path, *, chars: int, suite: bool, timeout: float) -> dict:
    corpus = build_corpus(work / f"corpus-{n}", n, chars)
    out = work / f"out-{n}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"documents": n}
    print(f"-- {n} documents: prepare", flush=True)
    wall, cpu, memory = _run([sys.executable, "-m", "huayu", "prepare", "--corpus", str(corpus), "--out", str(out),
                         "--no-progress"], log=out / "prepare.log", timeout=timeout)
    manifest = json.loads((out / "interim" / "prepare_manifest.json").read_text())
    result.update({"prepare_s": round(wall, 2), "prepare_cpu_s": round(cpu, 2),
                   "prepare_peak_mb": round(memory.peak_mb, 1),
                   "chars": int(json.loads((out / "processed" / "tokens.manifest.json").read_text())["n_chars"]),
                   "paragraphs": manifest["paragraphs"], "sentences": manifest["sentences"],
                   "interim_mb": round(sum(f.stat().st_size for f in (out / "interim").rglob("*") if f.is_file())
                                       / 2**20, 1)})
    busy = memory.busy()
    result.update({"prepare_idle_s": busy["idle_s"], "prepare_idle_gaps": busy["idle_gaps"],
                   "prepare_main_cpu_s": busy.get("root_cpu_s"), "prepare_cpu_per_second": busy["per_second"]})
    print(f"   prepare {wall:.1f} s (CPU {cpu:.1f} s, of which the main process {busy.get('root_cpu_s')} s), "
          f"peak {memory.peak_mb:.0f} MB, load {os.getloadavg()[0]:.1f}; {busy['idle_s']} s in "
          f"{len(busy['idle_gaps'])} gap(s) of 2 s or more with fewer than {(os.cpu_count() or 1) - 0.5} cores busy: "
          + ", ".join(f"{g['from_s']:.0f}–{g['to_s']:.0f} s ({g['cores_used']} cores)" for g in busy["idle_gaps"][:12]),
          flush=True)
    if suite:
        print(f"-- {n} documents: make figures", flush=True)
        wall, cpu, memory = _run(["make", "--no-print-directory", "-o", _venv_stamp(), "figures", f"CORPUS={corpus}",
                                  f"OUT={out}", f"PARAMS={PARAMS}", f"JOBS={JOBS}"], log=out / "suite.log",
                                 timeout=timeout)
        notebooks = _notebook_runs(out / "notebooks" / "executed", memory)
        result.update({"suite_s": round(wall, 2), "suite_cpu_s": round(cpu, 2), "suite_tree_peak_mb": round(memory.peak_mb, 1),
                       "suite_peak_mb": max((nb.get("peak_mb", 0.0) for nb in notebooks.values()), default=0.0),
                       "notebooks": notebooks})
        print(f"   suite {wall:.1f} s (CPU {cpu:.1f} s), busiest kernel {result['suite_peak_mb']:.0f} MB, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    return result


def run(quick: bool = False, *, sizes: tuple[int, ...] | None = None, chars: int = CHARS_PER_DOCUMENT,
        suite: bool = True, suite_sizes: tuple[int, ...] | None = None, work: Path = WORK,
        timeout: float = 4 * 3600) -> dict:
    sizes = tuple(sizes or (QUICK_SIZES if quick else SIZES))
    suite_sizes = tuple(sizes if suite_sizes is None else suite_sizes) if suite else ()
    work.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    runs = {n: measure(n, work, chars=chars, suite=n in suite_sizes, timeout=timeout) for n in sizes}
    load_end = os.getloadavg()
    metrics: dict = {"scale_load_start": round(load_start[0], 2), "scale_load_end": round(load_end[0], 2),
                     "scale_chars_per_document": chars}
    for n, r in runs.items():
        for key in ("prepare_s", "prepare_cpu_s", "prepare_main_cpu_s", "prepare_idle_s", "prepare_peak_mb",
                    "suite_s", "suite_cpu_s", "suite_peak_mb", "chars"):
            if key in r:
                metrics[f"scale_{n}_{key}"] = r[key]
        for name, nb in r.get("notebooks", {}).items():
            metrics[f"scale_{n}_{name}_s"] = nb["s"]
    ordered = sorted(sizes)
    small, large = runs[ordered[-2]] if len(ordered) > 1 else runs[ordered[0]], runs[ordered[-1]]
    metrics.update({"scale_documents": large["documents"], "scale_prepare_s": large["prepare_s"],
                    "scale_prepare_cpu_s": large["prepare_cpu_s"], "scale_prepare_peak_mb": large["prepare_peak_mb"]})
    if len(sizes) > 1:
        metrics["scale_ratio_prepare"] = round(large["prepare_s"] / small["prepare_s"], 2)
        metrics["scale_ratio_prepare_cpu"] = round(large["prepare_cpu_s"] / small["prepare_cpu_s"], 2)
    suited = [n for n in ordered if "suite_s" in runs[n]]
    if suited:  # the largest size the suite ran on, and the ratio to the next smaller one
        top = runs[suited[-1]]
        metrics.update({"scale_suite_documents": top["documents"], "scale_suite_s": top["suite_s"],
                        "scale_suite_cpu_s": top["suite_cpu_s"], "scale_suite_peak_mb": top["suite_peak_mb"]})
        if len(suited) > 1:
            low = runs[suited[-2]]
            metrics["scale_ratio_suite_documents"] = f"{top['documents']}/{low['documents']}"
            metrics["scale_ratio_suite"] = round(top["suite_s"] / low["suite_s"], 2)
            for name, nb in top["notebooks"].items():
                if low["notebooks"].get(name, {}).get("s"):
                    metrics[f"scale_ratio_{name}"] = round(nb["s"] / low["notebooks"][name]["s"], 2)
    metrics["details"] = {"sizes": list(sizes), "load_start": [round(x, 2) for x in load_start],
                          "load_end": [round(x, 2) for x in load_end], "runs": {str(n): r for n, r in runs.items()},
                          "cpus": os.cpu_count()}
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="numbers of documents (default: %(default)s)")
    parser.add_argument("--chars", type=int, default=CHARS_PER_DOCUMENT, help="characters per document (about)")
    parser.add_argument("--no-suite", action="store_true", help="measure prepare only")
    parser.add_argument("--suite-sizes", default=None,
                        help="run the notebooks only at these sizes (default: every size)")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES} (a smoke test)")
    parser.add_argument("--work", type=Path, default=WORK, help="where the corpora and outputs go")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results.json", help="results file")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else tuple(int(s) for s in args.sizes.split(",") if s.strip())
    suite_sizes = None if args.suite_sizes is None else tuple(int(x) for x in args.suite_sizes.split(",") if x.strip())
    metrics = run(sizes=sizes, chars=args.chars, suite=not args.no_suite, suite_sizes=suite_sizes, work=args.work)
    details = metrics.pop("details")
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results.setdefault("metrics", {}).update(metrics)
    results.setdefault("details", {})["scale"] = details
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    width = max(map(len, metrics))
    for key, value in sorted(metrics.items()):
        print(f"{key:<{width}}  {value}")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
