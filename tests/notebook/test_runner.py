"""run-notebook and manifest: parameters, staging (no clobbering on failure), messages, provenance; several
notebooks at once (runner.run_notebooks, the Makefile)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from huayu.notebook import provenance, runner
from huayu.errors import ParameterFileError
from huayu.notebook.params import declared_parameters, read_parameter_file, resolve_parameters
from huayu.paths import ROOT


PARAMETERS = """\
figures_dir = "figures"
interim_dir = "data/interim"
lang = "zh"
formats = ["png", "pdf"]
dpi = 100
n = 3
documents = "all"
"""


def make_notebook(path: Path, parameters: str = PARAMETERS, *, read_documents: bool = False) -> Path:
    """A tiny analysis notebook in the house layout: question, parameters, one call per cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [
        nbformat.v4.new_markdown_cell("# A tiny notebook\nDoes the runner publish what it draws?"),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import pandas as pd\nfrom huayu.notebook.context import NotebookContext"),
        nbformat.v4.new_code_cell('ctx = NotebookContext("' + path.stem + '", figures_dir=figures_dir, lang=lang, '
                                  'formats=formats, dpi=dpi, interim_dir=interim_dir)'),
        nbformat.v4.new_markdown_cell("The line and its table."),
        nbformat.v4.new_code_cell('fig, ax = ctx.figure()\nax.plot(range(n))\nax.set_title(ctx.label.text('
                                  'zh="高质量发展", en="high-quality development"))\n'
                                  'ctx.save(fig, "line", table=pd.DataFrame({"x": range(n)}))'),
        nbformat.v4.new_code_cell('if n > 5:\n    raise ValueError(f"n={n} is larger than 5")'),
    ]
    if read_documents:
        cells.append(nbformat.v4.new_code_cell(
            'ctx.save_table(ctx.documents_table[["doc_id", "n_chars_clean"]], "lengths")'))
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def notebook(tmp_path) -> Path:
    return make_notebook(tmp_path / "notebooks" / "01-tiny.ipynb")


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook of plain code cells (no parameters cell)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


# ------------------------------------------------------------------------------------------ fast: parameters


def test_declared_parameters_are_read_from_the_parameters_cell(notebook):
    assert declared_parameters(notebook) == {
        "figures_dir": "figures", "interim_dir": "data/interim", "lang": "zh", "formats": ["png", "pdf"],
        "dpi": 100, "n": 3, "documents": "all"}


def test_parameters_cell_must_hold_literals(tmp_path):
    nb = make_notebook(tmp_path / "02-bad.ipynb", PARAMETERS + "m = n + 1\n")
    with pytest.raises(ParameterFileError, match="parameter 'm' must be a literal"):
        declared_parameters(nb)


def test_shared_keys_go_to_notebooks_that_declare_them_and_sections_override(notebook, tmp_path):
    make_notebook(notebook.parent / "02-other.ipynb", PARAMETERS + "n_topics = 4\n")
    params = write_yaml(tmp_path / "p.yaml", "lang: en\nn_topics: 6\n01-tiny:\n  n: 4\n02-other:\n  n: 1\n")
    assert resolve_parameters(notebook, params) == {"lang": "en", "n": 4}


def test_unknown_parameters_are_named_with_the_valid_ones(notebook, tmp_path):
    params = write_yaml(tmp_path / "p.yaml", "01-tiny:\n  n_topic: 4\n")
    with pytest.raises(ParameterFileError) as err:
        resolve_parameters(notebook, params)
    assert "unknown parameter(s) 'n_topic'" in str(err.value)
    assert "valid parameters of 01-tiny: documents, dpi, figures_dir, formats, interim_dir, lang, n" in str(err.value)
    params = write_yaml(tmp_path / "p.yaml", "colour: red\n")
    with pytest.raises(ParameterFileError, match="'colour' at the top level: no notebook declares them"):
        resolve_parameters(notebook, params)


def test_wrong_kind_of_value_and_folder_keys_are_rejected(notebook, tmp_path):
    params = write_yaml(tmp_path / "p.yaml", "01-tiny:\n  n: three\n")
    with pytest.raises(ParameterFileError, match="'n' of 01-tiny expects a number \\(default 3\\), got 'three'"):
        resolve_parameters(notebook, params)
    params = write_yaml(tmp_path / "p.yaml", "documents: [changan_2023]\n")  # text default, list given: fine
    assert resolve_parameters(notebook, params) == {"documents": ["changan_2023"]}
    params = write_yaml(tmp_path / "p.yaml", "figures_dir: elsewhere\n")
    with pytest.raises(ParameterFileError, match="set by run-notebook"):
        resolve_parameters(notebook, params)
    with pytest.raises(ParameterFileError, match="no such file"):
        resolve_parameters(notebook, tmp_path / "missing.yaml")


def test_default_parameter_file_is_valid_for_the_notebooks(repo_root):
    shared, sections = read_parameter_file(repo_root / "params" / "default.yaml")
    assert {"lang", "formats", "dpi", "random_state", "doc_ids"} <= set(shared)
    assert shared["lang"] in ("zh", "en")
    for nb in sorted((repo_root / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        resolve_parameters(nb, repo_root / "params" / "default.yaml")  # raises on any unknown key


def test_one_except_clause_catches_the_runners_and_the_analyses_parameter_errors(tmp_path):
    from huayu import errors

    assert runner.ParameterError is errors.ParameterError and issubclass(ParameterFileError, errors.ParameterError)
    with pytest.raises(errors.ParameterError, match="no code cell tagged 'parameters'"):
        declared_parameters(write_notebook(tmp_path / "01-none.ipynb", "1"))


def test_publish_replaces_the_folder(tmp_path):
    final = tmp_path / "figs" / "01-a"
    final.mkdir(parents=True)
    (final / "old.png").write_text("old")
    staged = tmp_path / "stage" / "01-a"
    staged.mkdir(parents=True)
    (staged / "new.png").write_text("new")
    runner.publish(staged, final)
    assert [p.name for p in final.iterdir()] == ["new.png"]
    assert not staged.exists()
    assert [p.name for p in (tmp_path / "figs").iterdir()] == ["01-a"]  # no leftovers


def test_schedule_puts_the_longest_previous_run_first(tmp_path):
    executed = tmp_path / "executed"
    short, long_, new = (write_notebook(tmp_path / f"{n}.ipynb", "1") for n in ("01-short", "02-long", "03-new"))
    for path, seconds in ((short, 1.5), (long_, 9.0)):
        nb = nbformat.read(str(path), as_version=4)
        nb.metadata["papermill"] = {"duration": seconds}
        executed.mkdir(exist_ok=True)
        nbformat.write(nb, str(executed / path.name))
    assert runner.schedule([short, long_, new], executed) == [new, long_, short]
    # never run: the one with more plotting calls first
    few = write_notebook(tmp_path / "04-few.ipynb", "plot_a(ctx)")
    many = write_notebook(tmp_path / "05-many.ipynb", "plot_a(ctx)", "plot_b(ctx)\nplot_c(ctx)")
    assert runner.schedule([few, many, long_], executed) == [many, few, long_]


def test_jobs_and_duplicate_notebooks_are_checked_before_running(tmp_path):
    nb = write_notebook(tmp_path / "01-x.ipynb", "1")
    with pytest.raises(runner.ParameterError, match="jobs=0"):
        runner.run_notebooks([nb], jobs=0)
    with pytest.raises(runner.ParameterError, match="notebook given twice: 01-x"):
        runner.run_notebooks([nb, nb], jobs=2)


# -------------------------------------------------------------------------------------------- fast: manifest


def _fake_part(figures: Path, notebook: str, files: dict[str, bytes]) -> None:
    folder = figures / notebook
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    records = provenance.build_part(folder, notebook=notebook, figures_root=figures, parameter_set="p:0",
                                    interim_dir=figures / "nowhere")
    provenance.write_part(records, folder)


def test_manifest_columns_rows_and_hashes(repo_root, tmp_path):
    figures = tmp_path / "figures"
    _fake_part(figures, "02-b", {"x.png": b"png", "x.csv": b"a\n1\n"})
    _fake_part(figures, "01-a", {"y.pdf": b"pdf", "y.svg": b"svg"})
    path = provenance.write_manifest(figures)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(provenance.COLUMNS)
    assert [r["path"] for r in rows] == ["01-a/y.pdf", "01-a/y.svg", "02-b/x.csv", "02-b/x.png"]
    assert [r["kind"] for r in rows] == ["figure", "figure", "table", "figure"]
    assert rows[3]["sha256"] == hashlib.sha256(b"png").hexdigest()
    assert rows[0]["lock_sha256"] == hashlib.sha256((repo_root / "requirements.lock").read_bytes()).hexdigest()
    assert rows[0]["corpus_sha256"] == "unknown" and rows[0]["notebook"] == "01-a"
    assert len(rows[0]["git_commit"].split("-")[0]) in (40, 7) or rows[0]["git_commit"] == "unknown"
    before = path.read_bytes()
    provenance.write_manifest(figures)
    assert path.read_bytes() == before  # nothing time-dependent


def test_manifest_file_is_what_write_csv_makes_of_the_table(tmp_path):
    from huayu.outputs import write_csv

    figures = tmp_path / "figures"
    _fake_part(figures, "01-a", {"y.png": b"png", "a,b.csv": b'x\n"1"\n'})  # a comma in a path is quoted
    written = provenance.write_manifest(figures).read_bytes()
    reference = write_csv(provenance.build_manifest(figures), tmp_path / "reference.csv").read_bytes()
    assert written == reference and written.startswith("\ufeffpath,kind".encode())


def test_corpus_hash_is_cached_by_file_content(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.setenv("HUAYU_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "one").mkdir()
    pd.DataFrame({"doc_id": ["b", "a"], "text": ["乙", "甲"]}).to_parquet(tmp_path / "one" / "documents.parquet")
    first = provenance.prepared_corpus_sha256(tmp_path / "one")
    cached = list((tmp_path / "cache" / "provenance").iterdir())
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8").strip() == first
    computed = []
    monkeypatch.setattr(provenance, "_canonical_prepared_sha256", lambda path: computed.append(path) or "0" * 64)
    assert provenance.prepared_corpus_sha256(tmp_path / "one") == first and not computed  # read, not recomputed
    pd.DataFrame({"doc_id": ["a"], "text": ["丙"]}).to_parquet(tmp_path / "one" / "documents.parquet")
    assert provenance.prepared_corpus_sha256(tmp_path / "one") == "0" * 64 and len(computed) == 1  # new content


def test_runner_imports_papermill_without_pyarrow_and_leaves_it_importable(tmp_path):
    code = ("import sys\nfrom huayu.notebook import runner\nrunner._light_imports()\n"
            "assert 'papermill' in sys.modules and 'pyarrow' not in sys.modules\n"
            "assert all(sys.modules.get(m, 0) is not None for m in runner._UNUSED_OPTIONAL_MODULES)\n"
            "import pandas as pd\n"
            f"pd.DataFrame({{'a': [1]}}).to_parquet({str(tmp_path / 'x.parquet')!r})\n"
            f"assert pd.read_parquet({str(tmp_path / 'x.parquet')!r})['a'].tolist() == [1]\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_manifest_refuses_files_changed_after_their_run(tmp_path):
    figures = tmp_path / "figures"
    _fake_part(figures, "01-a", {"y.png": b"png"})
    (figures / "01-a" / "y.png").write_bytes(b"edited by hand")
    with pytest.raises(provenance.ManifestError, match="01-a/y.png \\(changed since its notebook ran\\)"):
        provenance.write_manifest(figures)


def test_corpus_hash_depends_on_content_only(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"doc_id": ["b", "a"], "text": ["乙", "甲"]})
    for d in ("one", "two"):
        (tmp_path / d).mkdir()
    df.to_parquet(tmp_path / "one" / "documents.parquet")
    df.iloc[::-1].to_parquet(tmp_path / "two" / "documents.parquet")
    assert provenance.prepared_corpus_sha256(tmp_path / "one") == provenance.prepared_corpus_sha256(tmp_path / "two")
    df.assign(text=["乙", "丙"]).to_parquet(tmp_path / "two" / "documents.parquet")
    assert provenance.prepared_corpus_sha256(tmp_path / "one") != provenance.prepared_corpus_sha256(tmp_path / "two")


def test_notebook_modules_follow_imports_through_the_package(repo_root, notebook):
    files = {p.relative_to(repo_root / "lib").as_posix() for p in provenance.notebook_modules(notebook)}
    assert {"huayu/__init__.py", "huayu/notebook/context.py", "huayu/plot/__init__.py", "huayu/plot/fonts.py",
            "huayu/plot/labels.py", "huayu/plot/save.py", "huayu/paths.py", "huayu/outputs.py"} <= files
    assert "huayu/notebook/runner.py" not in files and "huayu/pipeline/prepare.py" not in files


def test_fingerprint_changes_with_the_parameters_only_for_that_notebook(notebook, tmp_path):
    common = {"interim_dir": tmp_path / "none", "processed_dir": tmp_path / "none"}
    a = provenance.inputs_fingerprint(notebook, parameter_set="p:1", parameters={"n": 4}, **common)
    b = provenance.inputs_fingerprint(notebook, parameter_set="p:1", parameters={"n": 4}, **common)
    c = provenance.inputs_fingerprint(notebook, parameter_set="p:2", parameters={"n": 5}, **common)
    assert a == b and a["sha256"] != c["sha256"]
    assert a["modules"] == c["modules"] and a["notebook"] == c["notebook"]


# ------------------------------------------------------------------------------------ slow: running notebooks


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "huayu", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
def test_run_success_failure_and_determinism(notebook, tmp_path):
    figures, executed = tmp_path / "figures", tmp_path / "executed"
    common = ["--figures", str(figures), "--executed", str(executed), "--interim", str(tmp_path / "none"),
              "--strict-glyphs"]
    ok = write_yaml(tmp_path / "ok.yaml", "lang: en\n01-tiny:\n  n: 4\n")
    res = run_cli("run-notebook", str(notebook), "--params", str(ok), *common)
    assert res.returncode == 0, res.stderr
    out = figures / "01-tiny"
    first = digests(out)
    assert sorted(first) == [".done", ".provenance.json", "line.csv", "line.pdf", "line.png"]
    assert (executed / "01-tiny.ipynb").exists()
    executed_nb = nbformat.read(str(executed / "01-tiny.ipynb"), as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed_nb.cells)
    assert [p.name for p in figures.iterdir()] == ["01-tiny"]  # staging folder removed
    records = json.loads((out / ".provenance.json").read_text(encoding="utf-8"))["records"]
    assert {r["path"] for r in records} == {"01-tiny/line.csv", "01-tiny/line.pdf", "01-tiny/line.png"}
    assert all(r["sha256"] == first[r["path"].split("/")[1]] for r in records)
    assert records[0]["parameter_set"].startswith("ok:")

    # the same run again (forced): byte-identical figures and provenance
    res = run_cli("run-notebook", str(notebook), "--params", str(ok), *common, "--force")
    assert res.returncode == 0, res.stderr
    assert digests(out) == first

    # not forced, inputs unchanged: skipped, .done renewed for make, files untouched
    done_before = (out / ".done").stat().st_mtime_ns
    res = run_cli("run-notebook", str(notebook), "--params", str(ok), *common)
    assert res.returncode == 0 and "inputs unchanged" in res.stderr, res.stderr
    assert (out / ".done").stat().st_mtime_ns > done_before
    assert digests(out) == first
    # a parameter file with other sections changed but the same values for this notebook: still skipped
    other = write_yaml(tmp_path / "ok.yaml", "lang: en\n01-tiny:\n  n: 4\n02-absent:\n  k: 1\n")
    res = run_cli("run-notebook", str(notebook), "--params", str(other), *common)
    assert res.returncode == 0 and "inputs unchanged" in res.stderr, res.stderr

    # a failing run: names the notebook, the cell and the error; previous figures untouched
    bad = write_yaml(tmp_path / "bad.yaml", "01-tiny:\n  n: 7\n")
    res = run_cli("run-notebook", str(notebook), "--params", str(bad), *common)
    assert res.returncode == 1
    assert "notebook 01-tiny failed in cell 7 (code cell 5)" in res.stderr
    assert "if n > 5:" in res.stderr
    assert "ValueError: n=7 is larger than 5" in res.stderr
    assert "Traceback" not in res.stderr and "PapermillExecutionError" not in res.stderr
    assert digests(out) == first
    assert [p.name for p in figures.iterdir()] == ["01-tiny"]

    # unknown parameter: exit code 2 and the valid names, nothing run
    unknown = write_yaml(tmp_path / "unknown.yaml", "01-tiny:\n  k: 7\n")
    res = run_cli("run-notebook", str(notebook), "--params", str(unknown), *common)
    assert res.returncode == 2 and "unknown parameter(s) 'k'" in res.stderr and "valid parameters" in res.stderr

    res = run_cli("manifest", "--figures", str(figures))
    assert res.returncode == 0, res.stderr
    with open(figures / "MANIFEST.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["path"] for r in rows] == ["01-tiny/line.csv", "01-tiny/line.pdf", "01-tiny/line.png"]
    assert all(r["sha256"] == first[r["path"].split("/")[1]] for r in rows)


@pytest.mark.slow
def test_notebook_runs_the_same_from_the_notebooks_folder(repo_root, tmp_path, tiny_out):
    """As in JupyterLab (kernel cwd = notebooks/), relative folders resolve from the repository root."""
    import papermill

    nb = make_notebook(tmp_path / "notebooks" / "03-docs.ipynb", read_documents=True)
    rel_interim = os.path.relpath(tiny_out / "interim", repo_root)  # relative to the repository root
    results = {}
    for where, cwd in (("lab", repo_root / "notebooks"), ("elsewhere", tmp_path)):
        cwd.mkdir(exist_ok=True)
        figures = tmp_path / f"figures-{where}"
        papermill.execute_notebook(str(nb), str(tmp_path / f"{where}.ipynb"), kernel_name=runner.kernel_name(),
                                   parameters={"figures_dir": str(figures), "interim_dir": rel_interim},
                                   cwd=str(cwd), progress_bar=False)
        results[where] = digests(figures / "03-docs")
    assert results["lab"] == results["elsewhere"]
    assert "lengths.csv" in results["lab"]


@pytest.mark.slow
def test_repository_notebook_runs_the_same_from_the_notebooks_folder(repo_root, tmp_path, tiny_out):
    """The first notebook of the suite, run as JupyterLab runs it (cwd notebooks/) and from elsewhere."""
    import papermill

    notebooks = [nb for nb in sorted((repo_root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
                 if "figures_dir" in declared_parameters(nb)]  # 00-explore is interactive: no figures
    if not notebooks:
        pytest.skip("no notebooks yet")
    nb = notebooks[0]
    declared = declared_parameters(nb)
    results = {}
    for where, cwd in (("lab", repo_root / "notebooks"), ("elsewhere", tmp_path)):
        figures = tmp_path / f"figures-{where}"
        params = {"figures_dir": str(figures)}
        # relative folders, as a user would type them in JupyterLab: taken from the repository root
        params.update({k: os.path.relpath(tiny_out / sub, repo_root) for k, sub in
                       (("interim_dir", "interim"), ("processed_dir", "processed")) if k in declared})
        papermill.execute_notebook(str(nb), str(tmp_path / f"{where}.ipynb"), kernel_name=runner.kernel_name(),
                                   parameters=params, cwd=str(cwd), progress_bar=False)
        results[where] = digests(figures / nb.stem)
    assert results["lab"] and results["lab"] == results["elsewhere"]


def test_project_kernel_is_registered_for_jupyterlab():
    """`make venv` registers the kernel "huayu" (display name "Python (huayu)") inside the environment."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "huayu" not in specs:
        pytest.skip("the kernel is registered by `make venv`; this environment was made otherwise")
    spec = KernelSpecManager().get_kernel_spec("huayu")
    assert Path(spec.argv[0]).absolute().parent == Path(sys.executable).absolute().parent
    assert spec.display_name == "Python (huayu)"
    assert runner.kernel_name() == "huayu"


# ------------------------------------------------------------------------ slow: several notebooks at once


def _tree_digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".done"}


@pytest.mark.slow
def test_run_notebooks_writes_the_same_files_whatever_the_jobs_and_reports_each_failure(tmp_path, tiny_out):
    nbs = [make_notebook(tmp_path / "notebooks" / f"0{i}-tiny{i}.ipynb", read_documents=True) for i in (1, 2, 3)]
    params = write_yaml(tmp_path / "p.yaml", "lang: en\n03-tiny3:\n  n: 7\n")  # 03 raises (n > 5)
    results = {}
    for jobs in (2, 1):
        figures = tmp_path / f"figures-{jobs}"
        failures = runner.run_notebooks(nbs, jobs=jobs, params_file=params, interim=tiny_out / "interim",
                                        processed=tiny_out / "processed", figures=figures,
                                        executed=tmp_path / f"executed-{jobs}", strict_glyphs=True)
        assert list(failures) == ["03-tiny3"]
        assert "ValueError: n=7 is larger than 5" in str(failures["03-tiny3"])
        assert sorted(p.name for p in figures.iterdir()) == ["01-tiny1", "02-tiny2"]
        results[jobs] = _tree_digests(figures)
    assert results[2] == results[1]  # byte-identical files, whatever ran beside them
    assert "01-tiny1/line.png" in results[2] and "02-tiny2/lengths.csv" in results[2]


@pytest.mark.slow
def test_a_kernel_that_dies_is_reported_not_waited_for(tmp_path, tiny_out):
    dying = write_notebook(tmp_path / "notebooks" / "01-dying.ipynb", "import os\nos._exit(3)", "print('never')")
    nb = nbformat.read(str(dying), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell('figures_dir = "figures"', metadata={"tags": ["parameters"]}))
    nbformat.write(nb, str(dying))
    started = time.monotonic()
    failures = runner.run_notebooks([dying], jobs=1, params_file=None, interim=tiny_out / "interim",
                                    processed=tiny_out / "processed", figures=tmp_path / "figures",
                                    executed=tmp_path / "executed", timeout=60)
    assert time.monotonic() - started < 60
    assert list(failures) == ["01-dying"]
    assert "notebook 01-dying could not be run: DeadKernelError" in str(failures["01-dying"])
    assert not (tmp_path / "figures" / "01-dying").exists()


@pytest.mark.slow
def test_run_notebook_command_with_several_notebooks_reports_each_and_exits_1(tmp_path, tiny_out):
    nbs = [make_notebook(tmp_path / "notebooks" / f"0{i}-tiny{i}.ipynb") for i in (1, 2, 3)]
    params = write_yaml(tmp_path / "p.yaml", "02-tiny2:\n  n: 9\n")
    common = ["--params", str(params), "--interim", str(tiny_out / "interim"), "--figures", str(tmp_path / "fig"),
              "--executed", str(tmp_path / "executed"), "--jobs", "2", "--strict-glyphs"]
    res = run_cli("run-notebook", *map(str, nbs), *common)
    assert res.returncode == 1
    assert "notebook 02-tiny2 failed in cell 7 (code cell 5)" in res.stderr
    assert "ValueError: n=9 is larger than 5" in res.stderr and "Traceback" not in res.stderr
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == ["01-tiny1", "03-tiny3"]
    assert "without encryption" not in res.stderr  # CurveZMQ keys for every kernel
    # a wrong parameter anywhere: every problem named, nothing run, exit 2
    params.write_text("01-tiny1:\n  k: 1\n03-tiny3:\n  n: many\n", encoding="utf-8")
    res = run_cli("run-notebook", *map(str, nbs), *common, "--force")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("run-notebook: 01-tiny1: ") and "'k'" in lines[0]
    assert lines[1].startswith("run-notebook: 03-tiny3: ") and "expects a number (default 3), got 'many'" in lines[1]


# ------------------------------------------------------------------------------ the Makefile's decisions


def _make(*args: str, out: Path, params: str = "p.yaml") -> subprocess.CompletedProcess:
    nbs = "notebooks/01-corpus-overview.ipynb notebooks/02-tfidf.ipynb"
    return subprocess.run(["make", "--no-print-directory", *args, f"OUT={out}", f"NOTEBOOKS={nbs}",
                           f"PARAMS={out / params}"], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_make_gives_the_runner_only_the_notebooks_that_need_it(repo_root, tmp_path):
    """With every output newer than its inputs make does nothing; a missing .done re-runs that notebook; a
    newer shared input (the parameter file) gives the runner every notebook (it skips unchanged ones)."""
    if not (repo_root / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the project's environment (make venv)")
    out = tmp_path / "out"
    outputs = [out / "processed" / "prepared.json", out / "figures" / "01-corpus-overview" / ".done",
               out / "figures" / "02-tfidf" / ".done", out / "figures" / ".notebooks-done",
               out / "figures" / "MANIFEST.csv"]
    (out).mkdir()
    (out / "p.yaml").write_text("lang: en\n", encoding="utf-8")
    _make("-q", "figures", out=out)  # records the parameter file in use (out/figures/.params-in-use)
    future = time.time() + 3600
    for i, path in enumerate(outputs):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
        os.utime(path, (future + i, future + i))
    os.utime(out / "p.yaml", (future - 10, future - 10))
    assert _make("-q", "figures", out=out).returncode == 0

    (out / "figures" / "02-tfidf" / ".done").unlink()
    dry = _make("-n", "figures", out=out).stdout
    assert "run-notebook notebooks/02-tfidf.ipynb --jobs" in dry and "01-corpus-overview.ipynb" not in dry

    (out / "figures" / "02-tfidf" / ".done").write_text("x", encoding="utf-8")
    os.utime(out / "figures" / "02-tfidf" / ".done", (future + 2, future + 2))
    os.utime(out / "p.yaml", (future + 100, future + 100))
    dry = _make("-n", "figures", out=out).stdout
    assert "run-notebook notebooks/01-corpus-overview.ipynb notebooks/02-tfidf.ipynb --jobs" in dry

    # another parameter file, even one older than the last run: everything is due. (Outputs dated just before
    # now, after every input: make records the file in use as it reads the Makefile, with the current time.)
    inputs = [*repo_root.glob("lib/**/*.py"), *repo_root.glob("notebooks/*.ipynb"),
              *repo_root.glob("data/dictionaries/*"), *repo_root.glob("data/raw/*"),
              repo_root / "data" / "metadata.csv", *repo_root.glob(".venv/.installed-*")]
    wait = max(p.stat().st_mtime for p in inputs) - (time.time() - 1.0)
    if wait > -0.1:
        time.sleep(wait + 0.2)
    recent = time.time() - 1.0
    (out / "zh.yaml").write_text("lang: zh\n", encoding="utf-8")
    for path in (out / "p.yaml", out / "zh.yaml", out / "figures" / ".params-in-use"):
        os.utime(path, (recent - 100, recent - 100))
    for i, path in enumerate(outputs):
        os.utime(path, (recent + i * 0.01, recent + i * 0.01))
    assert _make("-q", "figures", out=out).returncode == 0
    assert _make("-q", "figures", out=out, params="zh.yaml").returncode == 1
    assert (out / "figures" / ".params-in-use").read_text(encoding="utf-8").strip() == str(out / "zh.yaml")
