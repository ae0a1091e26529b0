"""Run analysis notebooks through papermill and publish their figures.

``python -m huayu run-notebook notebooks/02-tfidf.ipynb [more notebooks…] --jobs 2 --params
params/default.yaml --interim data/interim --processed data/processed --figures figures --executed
notebooks/executed``

For each notebook:

1. Reads the notebook's cell tagged ``parameters`` and the YAML parameter file and resolves the notebook's
   parameters (:func:`huayu.notebook.params.resolve_parameters`: shared keys, the notebook's own section,
   every key and kind checked).
2. Executes the notebook with papermill (kernel ``huayu`` if registered, else ``python3``; working
   directory ``notebooks/`` as in JupyterLab) with ``figures_dir`` pointing to a *staging* folder.
3. On success, replaces ``FIGURES/<notebook>/`` with the staging folder, writes the provenance part
   ``FIGURES/<notebook>/.provenance.json`` (see :mod:`huayu.notebook.provenance`) and ``FIGURES/<notebook>/.done``.
   On failure the previous figures stay in place and one short message names the notebook, the failing
   cell (number and first lines) and the error — no traceback dump; the executed copy with the full
   traceback is in ``--executed``.
4. Skips the run (renewing only ``.done``) when the published folder was made from the same inputs —
   notebook, effective parameters, imported ``huayu`` modules, dictionaries, prepared tables, lock file —
   and its files are intact. ``make`` re-invokes every notebook whose prerequisites' times changed (e.g.
   after an edit of the shared parameter file); only those whose inputs really changed are executed.

Several notebooks (:func:`run_notebooks`): all parameters are checked first; the notebooks to execute run
``--jobs`` at a time, longest first (:func:`schedule`), in threads of this process, each in its own ordinary
Jupyter kernel (papermill's and nbclient's default kernel manager; the connection is encrypted with CurveZMQ
when pyzmq supports it, see :func:`kernel_config`). One notebook failing does not stop the others; the exit
status is 1 if any failed, 2 if any parameter was wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from huayu.errors import ParameterError
from huayu.notebook.params import cell_source, declared_parameters, notebook_name, read_notebook_json, resolve_parameters
from huayu.outputs import sha256_text

log = logging.getLogger(__name__)

KERNEL_NAME = "huayu"


#: Optional modules that papermill and nbformat import when installed but that a notebook run never uses:
#: jsonschema's checkers of string formats (notebook validation checks no format; ``rfc3987_syntax`` alone
#: builds a parser grammar at import time, about 2 s) and pyarrow, which papermill imports for HDFS paths.
_UNUSED_OPTIONAL_MODULES = ("rfc3987_syntax", "fqdn", "rfc3339_validator", "webcolors", "uri_template",
                            "isoduration", "pyarrow")


def _light_imports() -> None:
    """Import papermill and nbformat without the modules of :data:`_UNUSED_OPTIONAL_MODULES`.

    While they are imported, each optional module not loaded yet is marked missing, so that jsonschema and
    papermill take their "not installed" path; afterwards the marks are removed, so later code of the same
    process (a test, pandas reading parquet) imports them normally. About 0.25 s of CPU per notebook run.
    The kernel is a separate process and is not affected.
    """
    if "papermill" in sys.modules:
        return
    blocked = [name for name in _UNUSED_OPTIONAL_MODULES if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import nbformat  # noqa: F401
        import papermill  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


class NotebookFailed(RuntimeError):
    """The notebook raised an error while running (the message is the short report)."""


# ---------------------------------------------------------------------------------------------- execution


def kernel_name() -> str:
    """``huayu`` when that kernel is registered (``make venv`` registers it), else ``python3``."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager().find_kernel_specs()
    except Exception:  # noqa: BLE001 — no jupyter config at all: fall back to the default kernel
        return "python3"
    return KERNEL_NAME if KERNEL_NAME in specs else "python3"


def kernel_config():
    """The traitlets configuration given to nbclient (and through it to the kernel manager).

    CurveZMQ keys for every kernel whose spec declares support (ipykernel's does) when pyzmq has CurveZMQ:
    the runner's traffic with its kernels is encrypted, and ipykernel does not warn that it runs over TCP
    without encryption (``transport_encryption`` is a configurable of jupyter_client's ``KernelManager``, so
    the default kernel manager takes it as it is).
    """
    import zmq
    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport_encryption = "auto" if zmq.has("curve") else "disabled"
    return config


def _short_source(source: str, lines: int = 3) -> str:
    src = [ln for ln in source.strip().splitlines() if ln.strip()]
    head = src[:lines]
    if len(src) > lines:
        head.append("...")
    return textwrap.indent("\n".join(head), "    ")


def _failure_report(name: str, notebook: Path, err, injected_index: int | None, source_nb) -> str:
    index = err.cell_index
    if injected_index is not None and index > injected_index:
        index -= 1  # papermill's injected-parameters cell is not in the source notebook
    code_number = sum(1 for c in source_nb.cells[: index + 1] if c.cell_type == "code")
    source = source_nb.cells[index].source if 0 <= index < len(source_nb.cells) else (err.source or "")
    evalue = (err.evalue or "").strip()
    evalue = evalue if len(evalue) < 600 else evalue[:600] + " …"
    return (f"notebook {name} failed in cell {index + 1} (code cell {code_number}) of {notebook}:\n"
            f"{_short_source(source)}\n{err.ename}: {evalue}")


def _new_cell_index(out_nb) -> int | None:
    for i, cell in enumerate(out_nb.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def execute(notebook: Path, output: Path, parameters: dict[str, Any], *, cwd: Path, kernel: str | None = None,
            timeout: int | None = None) -> None:
    """Execute ``notebook`` into ``output`` with papermill; raises :class:`NotebookFailed` with a short report.

    The kernel starts in ``cwd`` (given to nbclient, not by changing this process's working directory, so
    several notebooks can run at once from threads). It is a new process started by nbclient's default
    kernel manager (jupyter_client's ``AsyncKernelManager``), configured by :func:`kernel_config`.
    """
    _light_imports()
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)  # parameters are validated above, with ast
    name = notebook_name(notebook)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name=kernel or kernel_name(),
            language="python", progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            execution_timeout=timeout, resources={"metadata": {"path": str(cwd)}},
            config=kernel_config(),
        )
    except PapermillExecutionError as err:
        source_nb = nbformat.read(str(notebook), as_version=4)
        injected = None
        if output.exists():
            injected = _new_cell_index(nbformat.read(str(output), as_version=4))
        raise NotebookFailed(_failure_report(name, notebook, err, injected, source_nb)) from None
    except Exception as err:  # kernel died, timeout, missing kernel … : one line, not a traceback
        raise NotebookFailed(f"notebook {name} could not be run: {type(err).__name__}: {err}") from None



def parameter_set_id(params_file: str | os.PathLike[str] | None, parameters: dict[str, Any]) -> str:
    """``<file stem>:<12 hex of the effective parameters>`` — which parameters made an output."""
    stem = Path(params_file).stem if params_file else "defaults"
    canonical = json.dumps(parameters, sort_keys=True, ensure_ascii=False, default=str)
    return f"{stem}:{sha256_text(canonical)[:12]}"


def publish(staged: Path, final: Path) -> None:
    """Replace the folder ``final`` with ``staged`` (two renames on one file system)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    try:
        os.replace(staged, final)
    except BaseException:
        if old.exists() and not final.exists():
            os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def run_notebook(notebook: str | os.PathLike[str], *, params_file: str | os.PathLike[str] | None,
                 interim: str | os.PathLike[str], processed: str | os.PathLike[str],
                 figures: str | os.PathLike[str], executed: str | os.PathLike[str], kernel: str | None = None,
                 timeout: int | None = None, strict_glyphs: bool = False, force: bool = False) -> Path:
    """Run one notebook end to end (see the module docstring); returns ``FIGURES/<notebook>``.

    When the published folder was made from inputs with the same fingerprint
    (:func:`huayu.notebook.provenance.inputs_fingerprint`: notebook, parameters, imported modules, dictionaries,
    prepared tables, lock file) and its files are intact, the run is skipped and only ``.done`` is renewed —
    so editing one section of a parameter file re-executes only the notebook it concerns. ``force`` runs anyway.
    """
    from huayu.notebook import provenance

    notebook = Path(notebook).resolve()
    if not notebook.exists():
        raise ParameterError(f"notebook {notebook} does not exist")
    name = notebook_name(notebook)
    figures = Path(figures).resolve()
    executed = Path(executed).resolve()
    interim, processed = Path(interim).resolve(), Path(processed).resolve()
    parameters = resolve_parameters(notebook, params_file)
    declared = declared_parameters(notebook)
    if "figures_dir" not in declared:
        raise ParameterError(f"{name}: the parameters cell must declare figures_dir (run-notebook points it "
                             "to a staging folder)")

    started = time.perf_counter()
    parameter_set = parameter_set_id(params_file, parameters)
    fingerprint = provenance.inputs_fingerprint(notebook, parameter_set=parameter_set, parameters=parameters,
                                                interim_dir=interim, processed_dir=processed)
    if not force and provenance.part_is_current(figures / name, fingerprint):
        (figures / name / ".done").write_text(f"{name}\n", encoding="utf-8")  # tells make it is up to date
        log.info("%s: inputs unchanged since its last run (fingerprint %s); figures kept", name,
                 fingerprint["sha256"][:12])
        return figures / name

    staging_root = figures / f".staging-{name}-{os.getpid()}"
    shutil.rmtree(staging_root, ignore_errors=True)
    staging_root.mkdir(parents=True)
    folders = {"interim_dir": str(interim), "processed_dir": str(processed), "figures_dir": str(staging_root)}
    run_params = dict(parameters)
    run_params.update({k: v for k, v in folders.items() if k in declared})
    corpus_sha256 = provenance.prepared_corpus_sha256(interim)  # before papermill: a cached value needs no pandas
    out_nb = executed / f"{name}.ipynb"
    tmp_nb = executed / f".{name}.{os.getpid()}.ipynb"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    if strict_glyphs:
        os.environ["HUAYU_STRICT_GLYPHS"] = "1"
    try:
        try:
            execute(notebook, tmp_nb, run_params, cwd=notebook.parent, kernel=kernel, timeout=timeout)
            executing = time.perf_counter() - started
        finally:
            if tmp_nb.exists():
                os.replace(tmp_nb, out_nb)
        staged = staging_root / name
        staged.mkdir(exist_ok=True)
        record = provenance.build_part(staged, notebook=name, figures_root=figures,
                                       parameter_set=parameter_set, interim_dir=interim,
                                       corpus_sha256=corpus_sha256)
        provenance.write_part(record, staged, inputs=fingerprint)
        (staged / ".done").write_text(f"{name}\n", encoding="utf-8")
        publish(staged, figures / name)
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    log.info("%s: figures in %s (%.1f s, of which %.1f s executing the notebook)", name, figures / name,
             time.perf_counter() - started, executing)
    return figures / name


def previous_duration(executed: str | os.PathLike[str], name: str) -> float | None:
    """Seconds the last run of notebook ``name`` took (papermill's record in its executed copy), if known."""
    try:
        nb = json.loads((Path(executed) / f"{name}.ipynb").read_text(encoding="utf-8"))
        return float(nb["metadata"]["papermill"]["duration"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def schedule(notebooks: list[Path], executed: str | os.PathLike[str]) -> list[Path]:
    """Longest first: by the duration of the previous run; never-run notebooks before those, the ones that
    mention ``plot`` more often in their code first (drawing and saving figures is most of a notebook's time,
    so the number of plotting calls is a rough proxy for its length).

    With a few workers and notebooks of unequal length, starting the long ones first keeps the workers busy
    to the end instead of leaving one waiting for the last long notebook (LPT scheduling).
    """
    def key(nb: Path) -> tuple[bool, float]:
        seconds = previous_duration(executed, notebook_name(nb))
        if seconds is not None:
            return True, -seconds
        try:
            plots = sum(cell_source(c).count("plot") for c in read_notebook_json(nb)["cells"]
                        if c.get("cell_type") == "code")
        except ParameterError:
            plots = 0
        return False, -float(plots)

    return sorted(notebooks, key=key)


def is_current(notebook: str | os.PathLike[str], *, params_file: str | os.PathLike[str] | None,
               interim: str | os.PathLike[str], processed: str | os.PathLike[str],
               figures: str | os.PathLike[str], **_: Any) -> bool:
    """Whether ``run_notebook`` would skip ``notebook`` (its published folder has the inputs' fingerprint)."""
    from huayu.notebook import provenance

    notebook = Path(notebook).resolve()
    parameters = resolve_parameters(notebook, params_file)
    fingerprint = provenance.inputs_fingerprint(notebook, parameter_set=parameter_set_id(params_file, parameters),
                                                parameters=parameters, interim_dir=Path(interim).resolve(),
                                                processed_dir=Path(processed).resolve())
    return provenance.part_is_current(Path(figures).resolve() / notebook_name(notebook), fingerprint)


def run_notebooks(notebooks: list[str | os.PathLike[str]], *, jobs: int = 1,
                  **options: Any) -> dict[str, Exception]:
    """Run several notebooks, ``jobs`` at a time; returns ``{notebook name: error}`` of those that failed.

    Every notebook's parameters are checked before any runs (a :class:`ParameterError` names them all).
    ``options`` are :func:`run_notebook`'s. Notebooks whose inputs are unchanged are skipped as there; those
    to execute come first, longest first (:func:`schedule`), each in a kernel of its own.
    """
    from concurrent.futures import ThreadPoolExecutor

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs={jobs!r}: give a whole number ≥ 1")
    paths = [Path(nb).resolve() for nb in notebooks]
    names = [notebook_name(p) for p in paths]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ParameterError(f"notebook given twice: {', '.join(duplicates)}")
    problems = []
    for path in paths:
        try:
            if not path.exists():
                raise ParameterError(f"notebook {path} does not exist")
            resolve_parameters(path, options.get("params_file"))
        except ParameterError as exc:
            problems.append(f"{notebook_name(path)}: {exc}")
    if problems:
        raise ParameterError("\n".join(problems))

    order = schedule(paths, options.get("executed", "notebooks/executed"))
    due = [p for p in order if options.get("force") or not is_current(p, **options)]
    order = due + [p for p in order if p not in due]  # those to execute first; the others are only renewed
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    if options.get("strict_glyphs"):
        os.environ["HUAYU_STRICT_GLYPHS"] = "1"
    if due:
        _light_imports()  # once, before any thread: it edits sys.modules
    failures: dict[str, Exception] = {}

    def one(path: Path) -> None:
        try:
            run_notebook(path, **options)
        except (NotebookFailed, ParameterError) as exc:
            failures[notebook_name(path)] = exc
            log.error("%s failed", notebook_name(path))

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(order)), thread_name_prefix="notebook")
    try:
        for future in [pool.submit(one, path) for path in order]:
            future.result()
    except KeyboardInterrupt:
        log.warning("interrupted: no further notebook is started; waiting for the running ones to finish "
                    "(their figures are published only if they succeed)")
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
    return {name: failures[name] for name in names if name in failures}


# ---------------------------------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", nargs="+",
                        help="the notebook(s) to run, e.g. notebooks/02-tfidf.ipynb or notebooks/[0-9]*.ipynb")
    parser.add_argument("--params", default="params/default.yaml",
                        help="YAML parameter file (top-level keys shared, one section per notebook); "
                             "default: %(default)s")
    parser.add_argument("--interim", default="data/interim", help="folder of the interim tables")
    parser.add_argument("--processed", default="data/processed", help="folder of tokens.parquet")
    parser.add_argument("--figures", default="figures", help="figures root; output goes to FIGURES/<notebook>/")
    parser.add_argument("--executed", default="notebooks/executed", help="folder for the executed copy")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="notebooks run at the same time (default: %(default)s; `make` passes JOBS)")
    parser.add_argument("--kernel", default=None, help="Jupyter kernel (default: huayu if registered, else python3)")
    parser.add_argument("--timeout", type=int, default=None, help="seconds allowed per cell (default: none)")
    parser.add_argument("--force", action="store_true",
                        help="run even if the inputs are unchanged since the last successful run")
    parser.add_argument("--strict-glyphs", action="store_true",
                        help="make a character no font can draw an error (as in the tests)")


def run(args: argparse.Namespace) -> int:
    try:
        failures = run_notebooks(args.notebook, jobs=args.jobs, params_file=args.params,
                                 interim=args.interim, processed=args.processed, figures=args.figures,
                                 executed=args.executed, kernel=args.kernel, timeout=args.timeout,
                                 strict_glyphs=args.strict_glyphs, force=args.force)
    except ParameterError as exc:
        for line in str(exc).splitlines():
            print(f"run-notebook: {line}", file=sys.stderr)
        return 2
    for name, exc in failures.items():
        if isinstance(exc, ParameterError):
            print(f"run-notebook: {name}: {exc}", file=sys.stderr)
            continue
        print(f"run-notebook: {exc}", file=sys.stderr)
        print(f"run-notebook: the previous figures of {name} (if any) were left in place; the executed copy "
              f"with the full traceback is {Path(args.executed) / (name + '.ipynb')}", file=sys.stderr)
    if any(isinstance(exc, ParameterError) for exc in failures.values()):
        return 2
    return 1 if failures else 0
