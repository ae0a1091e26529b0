"""Notebooks 07 (rhetoric) and 08 (text reuse).

Fast: structure of the committed notebooks and agreement with ``params/default.yaml``. Slow: both run
through papermill on the bundled corpus (prepared into a temporary folder) in Chinese and in English, and
the tables written beside the figures are checked against the library run on the same tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _notebook_runs import (  # noqa: F401  (strict_kernel: autouse fixture)
    BUNDLED, check_outputs, check_parameters_agree_with_default_yaml, check_structure, csv, run, strict_kernel)


NOTEBOOKS = ["07-rhetoric", "08-text-reuse"]
FIGURES = {
    "07-rhetoric": ["formulas", "slogan-lengths", "slogans-shared", "outline", "modality", "sentence-lengths",
                    "style", "formula-timeline"],
    "08-text-reuse": ["reuse-matrix", "reuse-coverage", "reuse-map"],
}
TABLES = {
    "07-rhetoric": ["formula-occurrences", "formulas-shared", "slogans", "slogan-frequencies", "outline",
                    "modality-matches", "modality-rates", "parallel-runs"],
    "08-text-reuse": ["passages", "alignment", "internal-reuse-uncleaned", "reuse-coverage-by-unit"],
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_structure(name):
    check_structure(name, min_markdown=6, max_statements=2)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_agree_with_default_yaml(name):
    check_parameters_agree_with_default_yaml(name)


# ------------------------------------------------------------------------------------------------ running


def check_rhetoric(folder: Path, out: Path) -> None:
    from huayu.analysis.rhetoric.formulas import formula_table
    from huayu.pipeline.tables import read_documents, read_sentences

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
    check_outputs(rhetoric, FIGURES["07-rhetoric"], TABLES["07-rhetoric"])
    check_rhetoric(rhetoric, bundled_out)
    reuse = run("08-text-reuse", bundled_out, figures, params_file=BUNDLED, lang=lang)
    check_outputs(reuse, FIGURES["08-text-reuse"], TABLES["08-text-reuse"])
    check_reuse(reuse)
