"""Any corpus, no parameter file: notebooks 04, 05 and 08 run with params/default.yaml on the tiny fixture
corpus (none of the bundled corpus's doc_ids, places or a template), and print what each rule chose."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _notebook_runs import run, strict_kernel  # noqa: F401  (strict_kernel: autouse fixture)

from huayu.paths import ROOT

DEFAULT = ROOT / "params" / "default.yaml"


def printed(figures: Path, name: str) -> str:
    nb = json.loads((figures.parent / "executed" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")


def csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""])


@pytest.mark.slow
def test_keyness_with_default_parameters_on_another_corpus(tiny_out, tmp_path):
    figures = tmp_path / "figures"
    folder = run("05-keyness", tiny_out, figures, params_file=DEFAULT, lang="en")
    out = printed(figures, "05-keyness")
    tokens = pd.read_parquet(tiny_out / "processed" / "tokens.parquet")
    words = tokens[~tokens["is_punct"]]
    longest = words["doc_id"].value_counts().idxmax()
    assert f"target: {longest} (the longest document" in out
    assert "group_target: " in out and "the largest group of by='genre'" in out
    assert f"dispersion_document: {longest} (the longest document" in out
    table = csv(folder, "keyness-table").set_index("term")
    top = table.index[0]
    assert table.loc[top, "freq_target"] == (words[words["doc_id"] == longest]["token"] == top).sum()
    for name in ("keyness-bars", "keyness-bars-group", "dispersion-plot", "frequency-dispersion-segments"):
        assert (folder / f"{name}.csv").is_file(), name


@pytest.mark.slow
def test_keyness_skips_the_group_comparison_when_group_by_has_one_group(tiny_out, tmp_path):
    figures = tmp_path / "figures"
    folder = run("05-keyness", tiny_out, figures, params_file=DEFAULT, lang="en", group_by="province")
    assert "single group" in printed(figures, "05-keyness")
    assert not (folder / "keyness-bars-group.csv").exists()
    assert (folder / "keyness-bars.csv").is_file()


@pytest.mark.slow
def test_text_reuse_without_a_template_has_no_baseline(tiny_out, tmp_path):
    figures = tmp_path / "figures"
    folder = run("08-text-reuse", tiny_out, figures, params_file=DEFAULT, lang="en")
    assert "baseline: None (no document of genre 'template'" in printed(figures, "08-text-reuse")
    coverage = csv(folder, "reuse-coverage")
    assert "shared_baseline" not in coverage.columns and set(coverage["doc_id"]) == {"jia_2022", "yi_2021"}
    for name in ("reuse-matrix", "reuse-coverage", "reuse-map"):
        assert (folder / f"{name}.png").is_file(), name


@pytest.mark.slow
def test_keyword_trends_leave_out_keywords_found_nowhere(tiny_out, tmp_path):
    figures = tmp_path / "figures"
    folder = run("04-keyword-trends", tiny_out, figures, params_file=DEFAULT, lang="en", n_segments=3)
    out = printed(figures, "04-keyword-trends")
    assert "never found in the corpus, left out: ['城市', '干部']" in out
    assert set(csv(folder, "segment-trends")["keyword"]) == {"高质量发展", "乡村振兴", "营商环境", "项目", "产业", "民生"}
