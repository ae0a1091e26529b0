"""Running a notebook under papermill in tests, as `make` runs it (strict glyphs, fixed hash seed, Agg)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from huayu.paths import ROOT

HEAVY_IMPORTS = ("jieba", "rjieba", "huayu.pipeline.segment", "huayu.pipeline.prepare")


def read(name: str):
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def check_structure(name: str, *, min_markdown: int, max_statements: int | None = None) -> None:
    """The house layout of a committed notebook: a question first, one ``parameters`` cell of literal
    assignments, no outputs, no logic (functions, classes, loops), no segmenter imports, markdown between
    the steps and a closing "What this allows" cell; optionally at most ``max_statements`` calls per cell."""
    nb = read(name)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and "**Question.**" in nb.cells[0].source
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    for node in ast.parse(tagged[0].source).body:  # the parameters cell holds literal assignments only
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.dump(node)
        ast.literal_eval(node.value)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "committed without outputs"
        if cell is tagged[0]:
            continue
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.While))
                       for n in ast.walk(tree)), "no logic in notebooks"
        for heavy in HEAVY_IMPORTS:
            assert heavy not in cell.source
        if max_statements is not None:
            calls = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
            assert len(calls) <= max_statements, cell.source  # each step is one or two calls into the library
    assert [c.cell_type for c in nb.cells].count("markdown") >= min_markdown
    assert "What this allows" in nb.cells[-1].source
    assert nb.metadata["kernelspec"]["name"] == "huayu"


BUNDLED = ROOT / "params" / "bundled.yaml"
#: The notebooks `make figures` runs (every numbered notebook but the interactive explorer, 00-explore).
FIGURE_NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb") if p.stem != "00-explore")


def check_parameters_agree_with_default_yaml(name: str) -> None:
    """The notebook's own defaults equal what `make` gives it, so JupyterLab and papermill agree; and
    params/bundled.yaml is a valid overlay: every key it sets is accepted and differs from the default."""
    from huayu.notebook.params import declared_parameters, resolve_parameters

    path = ROOT / "notebooks" / f"{name}.ipynb"
    declared = declared_parameters(path)
    for key, value in resolve_parameters(path, ROOT / "params" / "default.yaml").items():
        assert declared[key] == value, f"{name}: {key} = {declared[key]!r} in the notebook, {value!r} in default.yaml"
    for key, value in resolve_parameters(path, BUNDLED).items():
        assert declared[key] != value, f"{name}: bundled.yaml repeats the default {key} = {value!r}"


def csv(folder: Path, name: str) -> pd.DataFrame:
    """The table ``<folder>/<name>.csv`` a notebook wrote beside a figure; only an empty cell is missing
    (a term such as "NA" or "None" stays a string)."""
    return pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def bundled_parameters(name: str) -> dict:
    """The parameters `make` gives notebook ``name`` for the bundled corpus: its defaults, then bundled.yaml."""
    from huayu.notebook.params import declared_parameters, resolve_parameters

    path = ROOT / "notebooks" / f"{name}.ipynb"
    return {**declared_parameters(path), **resolve_parameters(path, BUNDLED)}


def run(name: str, out: Path, figures: Path, *, params_file: Path | None = None, **parameters) -> Path:
    """Execute notebook ``name`` on the prepared tables of ``out``: its defaults, then ``params_file`` (as
    run-notebook resolves it), then ``parameters``."""
    import papermill

    from huayu.notebook.params import resolve_parameters

    executed = figures.parent / "executed" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    params = resolve_parameters(ROOT / "notebooks" / f"{name}.ipynb", params_file) if params_file else {}
    params.update({"interim_dir": str(out / "interim"), "processed_dir": str(out / "processed"),
                   "figures_dir": str(figures), "formats": ["png", "pdf"], "dpi": 72})
    params.update(parameters)
    papermill.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(executed), parameters=params,
                               kernel_name="huayu", cwd=str(ROOT / "notebooks"), progress_bar=False,
                               log_output=False)
    return figures / name


@pytest.fixture(autouse=True)
def strict_kernel(monkeypatch):
    monkeypatch.setenv("HUAYU_STRICT_GLYPHS", "1")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")


def check_outputs(folder: Path, figures: list[str], tables: list[str] = ()) -> None:
    """Every figure was written as PNG, PDF and its CSV table (non-empty, real PNG and PDF files), and every
    extra table as CSV."""
    for fig in figures:
        for ext in ("png", "pdf", "csv"):
            path = folder / f"{fig}.{ext}"
            assert path.is_file() and path.stat().st_size > 0, path
        assert (folder / f"{fig}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (folder / f"{fig}.pdf").read_bytes()[:5] == b"%PDF-"
    for table in tables:
        assert (folder / f"{table}.csv").is_file(), table
