"""Speed of the whole notebook suite relative to its floor: ``suite_wall_over_floor`` (target ≤ 1.5).

* wall  — ``make figures OUT=<tmp> JOBS=2`` with a warm environment: the prepared tables are copied into
  ``<tmp>`` (so nothing is re-prepared), the font cache and byte-code exist, so the time is the notebooks'.
* floor — for each notebook, papermill executing a notebook that holds only that notebook's import statements
  (same kernel, same machine, same run); floor = sum of those times / parallelism (2). It is what the suite
  would cost, run the plain way (one fresh kernel per notebook), if every analysis took no time at all.
* pipeline floor — the suite's own runner (``run-notebook --jobs 2``, kernels forked from a process that has
  imported the notebooks' modules, see ``huayu.notebook.kernels``) executing the same import-only notebooks (each with
  its parameters cell). Because the runner forks its kernels, the suite can come close to or under the plain
  floor; ``suite_wall_over_pipeline_floor`` says what the analyses and figures themselves add over the
  runner's own minimum.

``run(quick=False)`` returns a flat ``{metric: number}`` dict plus ``"details"`` (per-notebook floors and the
imports they measured). Runnable alone: ``python benchmarks/bench_suite.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JOBS = 2
TARGET = 1.5


def notebook_imports(path: Path) -> list[str]:
    """The import statements of a notebook's code cells, in order, de-duplicated."""
    from huayu.notebook.kernels import notebook_imports as imports

    return imports([path])


def _floor_notebook(imports: list[str], path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("\n".join(imports) or "pass")]
    nbformat.write(nb, str(path))
    return path


def _pipeline_floor_seconds(notebooks: list[Path], tmp: Path, prepared: Path) -> float:
    """The suite's runner on import-only copies of the notebooks (each keeps its parameters cell)."""
    import nbformat

    from huayu.notebook import runner

    copies = []
    for nb_path in notebooks:
        nb = nbformat.read(str(nb_path), as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        nb.cells = params + [nbformat.v4.new_code_cell("\n".join(notebook_imports(nb_path)) or "pass")]
        copies.append(tmp / "pipeline-floor" / "notebooks" / nb_path.name)
        copies[-1].parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(copies[-1]))
    start = time.perf_counter()
    failures = runner.run_notebooks(copies, jobs=JOBS, params_file=None, interim=prepared / "interim",
                                    processed=prepared / "processed", figures=tmp / "pipeline-floor" / "figures",
                                    executed=tmp / "pipeline-floor" / "executed")
    seconds = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"import-only notebooks failed: {failures}")
    return seconds


def _papermill_seconds(nb: Path, out: Path, kernel: str) -> float:
    import papermill

    start = time.perf_counter()
    papermill.execute_notebook(str(nb), str(out), kernel_name=kernel, language="python", progress_bar=False,
                               cwd=str(REPO / "notebooks"), request_save_on_cell_execute=False)
    return time.perf_counter() - start


def _environment() -> dict[str, str]:
    return dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")


def _prepared(tmp: Path) -> Path:
    """A folder with the prepared ``interim/`` and ``processed/`` tables of the bundled corpus (not timed)."""
    if (REPO / "data" / "processed" / "tokens.parquet").exists() and (REPO / "data" / "interim").is_dir():
        return REPO / "data"
    out = tmp / "prepared"
    subprocess.run([sys.executable, "-m", "huayu", "-q", "prepare", "--corpus", str(REPO / "data"), "--out", str(out)],
                   check=True, env=_environment(), timeout=1800, capture_output=True)
    return out


def _make_figures(out: Path, prepared: Path) -> float:
    """Copy the prepared tables into ``out`` and time ``make figures OUT=out JOBS=2``."""
    for stage in ("interim", "processed"):
        shutil.copytree(prepared / stage, out / stage)
    now = time.time()
    for p in (out / "interim").rglob("*"):
        os.utime(p, (now, now))
    for p in (out / "processed").rglob("*"):
        os.utime(p, (now, now))
    start = time.perf_counter()
    res = subprocess.run(["make", "-C", str(REPO), "figures", f"OUT={out}", f"JOBS={JOBS}"],
                         capture_output=True, text=True, env=_environment(), timeout=3600)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError(f"make figures failed (exit {res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    if "-m huayu prepare" in res.stdout:
        raise RuntimeError("make re-prepared the corpus: the benchmark would not measure a warm suite")
    return wall, res.stdout + res.stderr


_RUN_LINE = re.compile(r"huayu\.runner: (\S+): figures in .*\(([\d.]+) s, of which ([\d.]+) s executing")


def _breakdown(log_text: str, executed: Path) -> dict[str, dict]:
    """Per notebook: the runner's total, the kernel's share, the cells' total and the slowest cells."""
    import nbformat

    out: dict[str, dict] = {}
    for name, total, executing in _RUN_LINE.findall(log_text):
        out[name] = {"run_s": float(total), "executing_s": float(executing)}
    for path in sorted(executed.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        cells = [(c.metadata.get("papermill", {}).get("duration") or 0.0, c.source.strip().splitlines()[0][:70])
                 for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        entry = out.setdefault(path.stem, {})
        entry["cells_s"] = round(sum(d for d, _ in cells), 3)
        entry["slowest_cells"] = [{"s": round(d, 3), "cell": src} for d, src in sorted(cells, reverse=True)[:4]]
    return out


def run(quick: bool = False) -> dict:
    """Measure the suite; ``quick`` runs the suite once (otherwise twice, keeping the faster run)."""
    from huayu.notebook.runner import kernel_name

    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        return {"suite_n_notebooks": 0, "details": {"note": "no notebooks in notebooks/"}}
    kernel = kernel_name()
    details: dict = {"notebooks": [], "kernel": kernel, "jobs": JOBS}
    # The floor's kernels get the environment make gives the suite's kernels (Agg backend, fixed hash seed):
    # without MPLBACKEND the kernel would load the inline backend, which the suite never does.
    saved_env = {k: os.environ.get(k) for k in ("PYTHONHASHSEED", "MPLBACKEND")}
    os.environ.update({k: _environment()[k] for k in saved_env})
    try:
        return _run(notebooks, kernel, details, quick)
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run(notebooks: list[Path], kernel: str, details: dict, quick: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="huayu-bench-suite-") as tmp:
        tmp_path = Path(tmp)
        prepared = _prepared(tmp_path)
        # warm-up: one floor notebook (kernel start, imports into the page cache)
        warm = _floor_notebook(notebook_imports(notebooks[0]), tmp_path / "warm.ipynb")
        _papermill_seconds(warm, tmp_path / "warm-out.ipynb", kernel)

        floors = []
        for nb in notebooks:
            imports = notebook_imports(nb)
            floor_nb = _floor_notebook(imports, tmp_path / f"floor-{nb.name}")
            seconds = _papermill_seconds(floor_nb, tmp_path / f"floor-out-{nb.name}", kernel)
            floors.append(seconds)
            details["notebooks"].append({"notebook": nb.stem, "floor_s": round(seconds, 3), "imports": imports})
        floor = sum(floors) / JOBS
        pipeline_floor = _pipeline_floor_seconds(notebooks, tmp_path, prepared)

        walls = []
        for i in range(1 if quick else 2):
            wall_i, log_text = _make_figures(tmp_path / f"out{i}", prepared)
            if not walls or wall_i < min(walls):
                details["runs"] = _breakdown(log_text, tmp_path / f"out{i}" / "notebooks" / "executed")
            walls.append(wall_i)
        wall = min(walls)
    details["wall_runs_s"] = [round(w, 3) for w in walls]
    return {
        "suite_n_notebooks": len(notebooks),
        "suite_wall_s": round(wall, 3),
        "suite_floor_s": round(floor, 3),
        "suite_wall_over_floor": round(wall / floor, 3),
        "suite_wall_over_floor_target": TARGET,
        "suite_pipeline_floor_s": round(pipeline_floor, 3),
        "suite_wall_over_pipeline_floor": round(wall / pipeline_floor, 3),
        "details": details,
    }


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv[1:])
    print(json.dumps(result, indent=2, ensure_ascii=False))
