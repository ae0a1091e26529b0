"""`python -m huayu params --corpus X`: a starting parameter file that every notebook accepts."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from huayu.notebook.params import (declared_parameters, read_parameter_file, resolve_parameters,
                                   starting_parameters)
from huayu.paths import NOTEBOOKS, ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_corpus"
ALL = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def test_the_starting_file_is_a_valid_parameter_file_with_every_default(tmp_path):
    text = starting_parameters(TINY)
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    shared, sections = read_parameter_file(path)
    assert {"lang", "formats", "dpi", "random_state", "doc_ids"} <= set(shared)
    assert set(sections) == {nb.stem for nb in ALL}
    for nb in ALL:
        declared = declared_parameters(nb)
        resolved = resolve_parameters(nb, path)
        assert resolved == {k: v for k, v in declared.items() if k not in ("interim_dir", "processed_dir", "figures_dir")}
    assert sections["05-keyness"]["target"] == "" and sections["08-text-reuse"]["baseline"] == ""


def test_the_starting_file_lists_the_corpus_in_comments():
    text = starting_parameters(TINY)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("jia_2022, yi_2021" in line and "of 2" in line for line in comments)
    assert any(line.startswith("# metadata columns: doc_id, file,") for line in comments)
    assert "#   genre: speech (1), news_report (1)" in comments
    assert "#   year: 2022 (1), 2021 (1)" in comments
    assert "#   province: 某省 (2)" in comments
    assert "#   admin_level: county (1), district (1)" in comments
    units = next(line for line in comments if line.startswith("# values of `unit`"))
    assert units.endswith("doc_id, place_zh, place_en, prefecture, province, admin_level, date, speakers, "
                          "speaker_roles, event, genre, year, period")
    assert "# dates: 2 of 2 documents dated, 2021–2022 (2 years); period='five_year_plan' makes 1 period(s)" in text
    assert shared_unit_and_period(text)
    for bundled in ("laixi_2023", "xifeng_2021", "template_xx", "changan_2023"):
        assert bundled not in text


def test_many_doc_ids_show_the_first_20_and_the_count(tmp_path):
    rows = [f"d{i:02d},raw/d{i:02d}.txt,speech,2020" for i in range(25)]
    (tmp_path / "metadata.csv").write_text("doc_id,file,genre,date\n" + "\n".join(rows) + "\n", encoding="utf-8")
    text = starting_parameters(tmp_path)
    assert "first 20 of 25" in text and "d19, …" in text and "d20" not in text
    assert "#   genre: speech (25)" in text
    yaml.safe_load(text)


def test_command_prints_and_writes_atomically(tmp_path):
    env_cmd = [sys.executable, "-m", "huayu", "params", "--corpus", str(TINY)]
    printed = subprocess.run(env_cmd, capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert printed == starting_parameters(TINY)
    out = tmp_path / "p.yaml"
    done = subprocess.run([*env_cmd, "--out", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and out.read_text(encoding="utf-8") == printed
    assert [p.name for p in tmp_path.iterdir()] == ["p.yaml"]  # no temporary file left behind
    missing = subprocess.run([sys.executable, "-m", "huayu", "params", "--corpus", str(tmp_path / "none")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "metadata.csv" in missing.stderr


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_no_notebook_default_names_a_bundled_document(path):
    bundled = {"laixi_2023", "xifeng_2021", "template_xx", "changan_2023", "anyuan_2022", "news_report", "template"}
    values = declared_parameters(path).values()
    assert not [v for v in values if isinstance(v, str) and v in bundled]


def shared_unit_and_period(text: str) -> bool:
    """unit and period are declared by every notebook with one default: shared keys of the starting file."""
    lines = text.split("# --- one section per notebook")[0].splitlines()
    return any(line.startswith("unit: doc_id") for line in lines) and any(line.startswith("period: year") for line in lines)
