"""Wall time of the whole notebook suite through its runner: ``suite_wall_s`` (for reference, no target).

The suite is what ``make figures`` runs: ``python -m huayu run-notebook notebooks/[0-9][0-9]-*.ipynb --jobs 2
--params params/default.yaml`` (one ordinary Jupyter kernel per notebook, two at a time), on the prepared
tables of the bundled corpus (prepared once, not timed), into a new temporary folder, so every notebook is
executed. Before the first timed run one kernel imports what the first notebook imports (kernel start,
libraries into the page cache), so the time is the notebooks'. Absolute seconds depend on the machine and
its load.

``run(quick=False)`` returns a flat ``{metric: number}`` dict plus ``"details"`` (the runs' times and, for the
fastest run, each notebook's time and its slowest cells). Runnable alone: ``python benchmarks/bench_suite.py
[--quick]``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JOBS = 2
PARAMS = REPO / "params" / "default.yaml"


def _environment() -> dict[str, str]:
    """What ``make`` gives the runner and its kernels (fixed hash seed, Agg backend, the project's cache)."""
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    env.setdefault("HUAYU_CACHE_DIR", str(REPO / ".cache"))
    return env


def _notebooks() -> list[Path]:
    return sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def _imports(path: Path) -> list[str]:
    """The top-level import statements of a notebook's code cells (magics and invalid cells skipped)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        src = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                stmt = ast.unparse(node)
                if stmt not in found:
                    found.append(stmt)
    return found


def _warm_up(notebook: Path, tmp: Path) -> None:
    """One kernel importing what ``notebook`` imports (not timed)."""
    import nbformat
    import papermill

    from huayu.notebook.runner import kernel_config, kernel_name

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("\n".join(_imports(notebook)) or "pass")]
    nbformat.write(nb, str(tmp / "warm.ipynb"))
    papermill.execute_notebook(str(tmp / "warm.ipynb"), str(tmp / "warm-out.ipynb"), kernel_name=kernel_name(),
                               language="python", progress_bar=False, cwd=str(REPO / "notebooks"),
                               request_save_on_cell_execute=False, config=kernel_config())


def _prepared(tmp: Path) -> Path:
    """A folder with the prepared ``interim/`` and ``processed/`` tables of the bundled corpus (not timed)."""
    if (REPO / "data" / "processed" / "tokens.parquet").exists() and (REPO / "data" / "interim").is_dir():
        return REPO / "data"
    out = tmp / "prepared"
    subprocess.run([sys.executable, "-m", "huayu", "-q", "prepare", "--corpus", str(REPO / "data"), "--out", str(out)],
                   check=True, env=_environment(), timeout=1800, capture_output=True)
    return out


def _run_suite(notebooks: list[Path], out: Path, prepared: Path) -> tuple[float, str]:
    """Time the runner on every notebook into the new folder ``out`` (every notebook is executed)."""
    cmd = [sys.executable, "-m", "huayu", "run-notebook", *map(str, notebooks), "--jobs", str(JOBS),
           "--params", str(PARAMS), "--interim", str(prepared / "interim"), "--processed", str(prepared / "processed"),
           "--figures", str(out / "figures"), "--executed", str(out / "executed")]
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=_environment(), timeout=3600)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError(f"run-notebook failed (exit {res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return wall, res.stdout + res.stderr


_RUN_LINE = re.compile(r"huayu\.notebook\.runner: (\S+): figures in .*\(([\d.]+) s, of which ([\d.]+) s executing")


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
    """Measure the suite; ``quick`` runs it once (otherwise twice, keeping the faster run)."""
    notebooks = _notebooks()
    if not notebooks:
        return {"suite_n_notebooks": 0, "details": {"note": "no notebooks in notebooks/"}}
    details: dict = {"jobs": JOBS, "params": PARAMS.relative_to(REPO).as_posix()}
    # The warm-up kernel gets the environment the runner's kernels get (Agg backend, fixed hash seed).
    saved_env = {k: os.environ.get(k) for k in ("PYTHONHASHSEED", "MPLBACKEND")}
    os.environ.update({k: _environment()[k] for k in saved_env})
    try:
        with tempfile.TemporaryDirectory(prefix="huayu-bench-suite-") as tmp:
            tmp_path = Path(tmp)
            prepared = _prepared(tmp_path)
            _warm_up(notebooks[0], tmp_path)
            walls = []
            for i in range(1 if quick else 2):
                wall_i, log_text = _run_suite(notebooks, tmp_path / f"out{i}", prepared)
                if not walls or wall_i < min(walls):
                    details["runs"] = _breakdown(log_text, tmp_path / f"out{i}" / "executed")
                walls.append(wall_i)
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    details["wall_runs_s"] = [round(w, 3) for w in walls]
    return {
        "suite_n_notebooks": len(notebooks),
        "suite_wall_s": round(min(walls), 3),
        "details": details,
    }


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv[1:])
    print(json.dumps(result, indent=2, ensure_ascii=False))
