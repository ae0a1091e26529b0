"""Notebooks 07 (rhetoric) and 08 (text reuse).

Fast: structure of the committed notebooks and agreement with ``params/default.yaml``. Slow: both run
through papermill on the bundled corpus (prepared into a temporary folder) in Chinese and in English, and
the tables written beside the figures are checked against the library run on the same tables.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from _notebook_runs import run, strict_kernel  # noqa: F401  (strict_kernel: autouse fixture)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["07-rhetoric", "08-text-reuse"]
FIGURES = {
    "07-rhetoric": ["formulas", "slogan-lengths", "slogans-shared", "outline", "modality", "sentence-lengths",
                    "style"],
    "08-text-reuse": ["reuse-matrix", "reuse-coverage", "reuse-map"],
}
TABLES = {
    "07-rhetoric": ["formula-occurrences", "formulas-shared", "slogans", "slogan-frequencies", "outline",
                    "modality-matches", "modality-rates", "parallel-runs"],
    "08-text-reuse": ["passages", "alignment", "internal-reuse-uncleaned"],
}


def read(name: str):
    return nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_structure(name):
    nb = read(name)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and "**Question.**" in nb.cells[0].source
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1
        ast.literal_eval(node.value)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None
        if cell is tagged[0]:
            continue
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.While))
                       for n in ast.walk(tree))
        calls = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
        assert len(calls) <= 2, cell.source  # each step is one or two calls into the library
    assert [c.cell_type for c in nb.cells].count("markdown") >= 6
    assert "What this allows" in nb.cells[-1].source
    assert nb.metadata["kernelspec"]["name"] == "huayu"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_agree_with_default_yaml(name):
    from huayu.runner import declared_parameters, resolve_parameters

    path = REPO / "notebooks" / f"{name}.ipynb"
    declared = declared_parameters(path)
    for key, value in resolve_parameters(path, REPO / "params" / "default.yaml").items():
        assert declared[key] == value, f"{name}: {key}"


# ------------------------------------------------------------------------------------------------ running


def csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def assert_outputs(folder: Path, name: str) -> None:
    for fig in FIGURES[name]:
        for ext in ("png", "pdf", "csv"):
            path = folder / f"{fig}.{ext}"
            assert path.is_file() and path.stat().st_size > 0, path
        assert (folder / f"{fig}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for table in TABLES[name]:
        assert (folder / f"{table}.csv").is_file(), table


def check_rhetoric(folder: Path, out: Path) -> None:
    from huayu.formulas import formula_table
    from huayu.tables import read_documents, read_sentences

    documents = read_documents(out / "interim")
    expected = formula_table(documents, read_sentences(out / "interim"))
    got = csv(folder, "formula-occurrences")
    assert list(got["surface"].astype(str)) == list(expected["surface"])
    assert list(got["char_start"]) == list(expected["char_start"])
    texts = dict(zip(documents["doc_id"], documents["text"]))
    for d, s, e, surface in zip(got["doc_id"], got["char_start"], got["char_end"], got["surface"].astype(str)):
        assert texts[d][s:e] == surface
    # The formulas shared by the template and Anyuan (两个维护, 四个意识, 四个自信).
    shared = csv(folder, "formulas-shared")
    assert {"2个维护", "4个意识", "4个自信"} <= set(shared["normalized"])
    rates = csv(folder, "modality-rates")
    assert len(rates) == 5 * 4
    assert ((rates["ci_low"] <= rates["rate"]) & (rates["rate"] <= rates["ci_high"])).all()
    outline = csv(folder, "outline")
    assert set(outline["doc_id"]) == {"changan_2023", "xifeng_2021", "template_xx", "anyuan_2022"}
    assert (outline["n_tokens"] >= 0).all()


def check_reuse(folder: Path) -> None:
    passages = csv(folder, "passages")
    assert (passages["n_chars"] >= 8).all()
    uncleaned = csv(folder, "internal-reuse-uncleaned")
    top = uncleaned.iloc[0]
    assert top["doc_a"] == "xifeng_2021" and top["n_chars"] >= 100  # the abstract the raw page repeats
    cleaned_internal = passages[passages["internal"].astype(str) == "True"]
    assert cleaned_internal["n_chars"].max() < 100  # cleaning removed it
    matrix = csv(folder, "reuse-matrix").set_index("doc_id")
    assert matrix.shape == (5, 5) and ((matrix >= 0) & (matrix <= 1)).all().all()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_notebooks_run_end_to_end(bundled_out, tmp_path, lang):
    figures = tmp_path / "figures"
    rhetoric = run("07-rhetoric", bundled_out, figures, lang=lang, n_boot=300)
    assert_outputs(rhetoric, "07-rhetoric")
    check_rhetoric(rhetoric, bundled_out)
    reuse = run("08-text-reuse", bundled_out, figures, lang=lang)
    assert_outputs(reuse, "08-text-reuse")
    check_reuse(reuse)
