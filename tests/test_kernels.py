"""Forked kernels (huayu.notebook.kernels) and running several notebooks at once (runner.run_notebooks, the Makefile)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from huayu.notebook import kernels, runner
from huayu.paths import ROOT

REPO = ROOT


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


# ------------------------------------------------------------------------------------------------ fast


def test_notebook_imports_are_the_top_level_import_statements_in_order(tmp_path):
    a = write_notebook(tmp_path / "a.ipynb", "%matplotlib inline\nimport json\nx = 1", "from huayu import dfm, tfidf")
    b = write_notebook(tmp_path / "b.ipynb", "import json\nif x:\n    import csv", "def f(:", "from . import y")
    assert kernels.notebook_imports([a, b, tmp_path / "missing.ipynb"]) == ["import json",
                                                                         "from huayu import dfm, tfidf"]


def test_only_this_interpreter_running_ipykernel_is_forked():
    py = sys.executable
    assert kernels.forkable_command([py, "-m", "ipykernel_launcher", "-f", "c.json"]) == ["-f", "c.json"]
    assert kernels.forkable_command([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]) == [
        "-f", "c.json"]
    assert kernels.forkable_command(["/usr/bin/env", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert kernels.forkable_command([py, "-m", "other_kernel", "-f", "c.json"]) is None
    assert kernels.forkable_command(["R", "--slave", "-e", "IRkernel::main()"]) is None


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


# --------------------------------------------------------------------------- slow: real kernels, forked


def _execute(path: Path, manager_class, cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, kernel_name=runner.kernel_name(), kernel_manager_class=manager_class,
                            resources={"metadata": {"path": str(cwd)}}, timeout=120)
    client.execute()
    return nb


def _stdout(nb) -> list[str]:
    return ["".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout").strip()
            for cell in nb.cells]


@pytest.mark.slow
def test_forked_kernels_are_fresh_processes_with_the_modules_preloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("HUAYU_TEST_MARK", "from-the-runner")
    probe = write_notebook(
        tmp_path / "probe.ipynb",
        "import os, sys\nprint(os.getpid(), os.getppid())",
        "print('fractions' in sys.modules, os.environ.get('HUAYU_TEST_MARK'), os.getcwd())",
        "import fractions\nprint(getattr(fractions, 'LEFT_BEHIND', None))\nfractions.LEFT_BEHIND = os.getpid()",
    )
    with kernels.ForkServer(["import fractions"]) as server:
        manager = kernels.forked_kernel_manager(server)
        first = _stdout(_execute(probe, manager, tmp_path))
        second = _stdout(_execute(probe, manager, tmp_path))
        assert len(server.kernels) == 2
    pid1, parent1 = map(int, first[0].split())
    pid2, _ = map(int, second[0].split())
    assert pid1 != pid2 and pid1 == server.kernels[0] and parent1 == server.pid  # forked by the server
    assert first[1] == f"True from-the-runner {tmp_path}"  # preloaded; the runner's environment; the cwd asked
    assert first[2] == second[2] == "None"  # what one kernel does to a module is not seen by the next


@pytest.mark.slow
def test_a_forked_kernel_that_dies_is_reported_not_waited_for(tmp_path):
    from nbclient.exceptions import DeadKernelError

    dying = write_notebook(tmp_path / "dying.ipynb", "import os\nos._exit(3)", "print('never')")
    started = time.monotonic()
    with kernels.ForkServer() as server, pytest.raises(DeadKernelError):
        _execute(dying, kernels.forked_kernel_manager(server), tmp_path)
    assert time.monotonic() - started < 60


@pytest.mark.slow
def test_the_fork_server_exits_with_its_parent_pipe():
    server = kernels.ForkServer()
    server.close()
    assert server._process.returncode == 0
    with pytest.raises(kernels.ForkServerError, match="closed"):
        server.spawn(["-f", "x.json"], cwd=".", env={})


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".done"}


@pytest.mark.slow
def test_run_notebooks_forked_or_not_writes_the_same_files_and_reports_each_failure(tmp_path, tiny_out):
    from test_runner import make_notebook

    nbs = [make_notebook(tmp_path / "notebooks" / f"0{i}-tiny{i}.ipynb", read_documents=True) for i in (1, 2, 3)]
    params = tmp_path / "p.yaml"
    params.write_text("lang: en\n03-tiny3:\n  n: 7\n", encoding="utf-8")  # 03 raises (n > 5)
    results = {}
    for fork in (True, False):
        figures = tmp_path / f"figures-{fork}"
        failures = runner.run_notebooks(nbs, jobs=2, fork=fork, params_file=params, interim=tiny_out / "interim",
                                        processed=tiny_out / "processed", figures=figures,
                                        executed=tmp_path / f"executed-{fork}", strict_glyphs=True)
        assert list(failures) == ["03-tiny3"]
        assert "ValueError: n=7 is larger than 5" in str(failures["03-tiny3"])
        assert sorted(p.name for p in figures.iterdir()) == ["01-tiny1", "02-tiny2"]
        results[fork] = _digests(figures)
    assert results[True] == results[False]
    assert "01-tiny1/line.png" in results[True] and "02-tiny2/lengths.csv" in results[True]


# ------------------------------------------------------------------------------ the Makefile's decisions


def _make(*args: str, out: Path, params: str = "p.yaml") -> subprocess.CompletedProcess:
    nbs = "notebooks/01-corpus-overview.ipynb notebooks/02-tfidf.ipynb"
    return subprocess.run(["make", "--no-print-directory", *args, f"OUT={out}", f"NOTEBOOKS={nbs}",
                           f"PARAMS={out / params}"], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_make_gives_the_runner_only_the_notebooks_that_need_it(tmp_path):
    """With every output newer than its inputs make does nothing; a missing .done re-runs that notebook; a
    newer shared input (the parameter file) gives the runner every notebook (it skips unchanged ones)."""
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the project's environment (make venv)")
    out = tmp_path / "out"
    outputs = [out / "processed" / "tokens.parquet", out / "figures" / "01-corpus-overview" / ".done",
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
    inputs = [*REPO.glob("lib/**/*.py"), *REPO.glob("notebooks/*.ipynb"), *REPO.glob("data/dictionaries/*"),
              *REPO.glob("data/raw/*"), REPO / "data" / "metadata.csv", *REPO.glob(".venv/.installed-*")]
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


@pytest.mark.slow
def test_a_dead_fork_server_means_kernels_started_the_usual_way(tmp_path):
    probe = write_notebook(tmp_path / "probe.ipynb", "import os\nprint(os.getpid())")
    server = kernels.ForkServer()
    server._process.kill()
    server._process.wait()
    nb = _execute(probe, kernels.forked_kernel_manager(server), tmp_path)
    assert int(_stdout(nb)[0]) > 0 and server.kernels == []
    server.close()


@pytest.mark.slow
def test_run_notebook_command_with_several_notebooks_reports_each_and_exits_1(tmp_path, tiny_out):
    from test_runner import make_notebook, run_cli

    nbs = [make_notebook(tmp_path / "notebooks" / f"0{i}-tiny{i}.ipynb") for i in (1, 2, 3)]
    params = tmp_path / "p.yaml"
    params.write_text("02-tiny2:\n  n: 9\n", encoding="utf-8")
    common = ["--params", str(params), "--interim", str(tiny_out / "interim"), "--figures", str(tmp_path / "fig"),
              "--executed", str(tmp_path / "executed"), "--jobs", "2", "--strict-glyphs"]
    res = run_cli("run-notebook", *map(str, nbs), *common)
    assert res.returncode == 1
    assert "notebook 02-tiny2 failed in cell 7 (code cell 5)" in res.stderr
    assert "ValueError: n=9 is larger than 5" in res.stderr and "Traceback" not in res.stderr
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == ["01-tiny1", "03-tiny3"]
    assert "without encryption" not in res.stderr  # CurveZMQ keys for every kernel
    assert "KeyboardInterrupt" not in res.stderr  # no interrupt before the shutdown of a finished kernel
    # a wrong parameter anywhere: every problem named, nothing run, exit 2
    params.write_text("01-tiny1:\n  k: 1\n03-tiny3:\n  n: many\n", encoding="utf-8")
    res = run_cli("run-notebook", *map(str, nbs), *common, "--force")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("run-notebook: 01-tiny1: ") and "'k'" in lines[0]
    assert lines[1].startswith("run-notebook: 03-tiny3: ") and "expects a number (default 3), got 'many'" in lines[1]


@pytest.mark.slow
def test_no_fork_when_a_preloaded_import_started_a_thread(tmp_path):
    """A thread could hold a lock at fork time; the server then refuses and the kernel starts the usual way."""
    starts_thread = "import threading, time; threading.Thread(target=time.sleep, args=(60,), daemon=True).start()"
    probe = write_notebook(tmp_path / "probe.ipynb", "import os\nprint(os.getpid())")
    with kernels.ForkServer([starts_thread]) as server:
        with pytest.raises(kernels.ForkServerError, match="started threads"):
            server.spawn(["-f", str(tmp_path / "c.json")], cwd=tmp_path, env=dict(os.environ))
        nb = _execute(probe, kernels.forked_kernel_manager(server), tmp_path)
        assert int(_stdout(nb)[0]) > 0 and server.kernels == []
