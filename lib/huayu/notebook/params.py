"""Notebook parameters: a notebook's ``parameters`` cell and the YAML parameter file of ``run-notebook``.

A notebook declares its parameters in its one code cell tagged ``parameters``, as literals only
(:func:`declared_parameters`). In the parameter file (:func:`read_parameter_file`), top-level keys are shared
by every notebook (given to each notebook that declares them) and a top-level key named like a notebook
(``02-tfidf:``) holds a section that overrides them for that notebook (:func:`resolve_parameters`). A key that
no notebook declares, a section key the notebook does not declare, or a value of the wrong kind is a
:class:`ParameterFileError` naming the key and listing the valid ones. The folders (:data:`PATH_PARAMETERS`) are
set by the runner from its command-line options, never by the file.

Reading parameters needs neither papermill nor a kernel (the notebook is read as plain JSON and its
parameters cell with :mod:`ast`), so every notebook's parameters are checked before any runs.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
from pathlib import Path
from typing import Any

from huayu.errors import ParameterFileError

#: Parameters the runner sets itself from its command-line folders (when the notebook declares them).
PATH_PARAMETERS = {"interim_dir": "interim", "processed_dir": "processed", "figures_dir": "figures"}
SECTION_NAME = re.compile(r"^\d{2}-[A-Za-z0-9_-]+$")



def notebook_name(path: str | os.PathLike[str]) -> str:
    """``notebooks/02-tfidf.ipynb`` → ``02-tfidf``."""
    return Path(path).stem


def read_notebook_json(path: str | os.PathLike[str]) -> dict:
    """The notebook as plain JSON (no schema validation: reading parameters must be quick)."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ParameterFileError(f"{path}: not a readable notebook ({exc})") from None
    if not isinstance(nb, dict) or nb.get("nbformat", 0) < 4 or not isinstance(nb.get("cells"), list):
        raise ParameterFileError(f"{path}: not a notebook in format 4")
    return nb


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parameters_cell(nb) -> tuple[int, str]:
    """Index and source of the cell tagged ``parameters`` (``nb``: notebook JSON or an nbformat node)."""
    found = [(i, c) for i, c in enumerate(nb["cells"])
             if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if not found:
        raise ParameterFileError("the notebook has no code cell tagged 'parameters'")
    if len(found) > 1:
        raise ParameterFileError(f"the notebook has {len(found)} cells tagged 'parameters'; it must have one")
    return found[0][0], cell_source(found[0][1])


def declared_parameters(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``{name: default}`` of a notebook's ``parameters`` cell (which must hold literals only)."""
    _, source = parameters_cell(read_notebook_json(path))
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterFileError(f"{notebook_name(path)}: the parameters cell is not valid Python: {exc}") from None
    params: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring-like string
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            raise ParameterFileError(f"{notebook_name(path)}: the parameters cell may only assign literals to "
                                 f"names (line {node.lineno}: {ast.unparse(node)[:60]!r})")
        try:
            params[target] = ast.literal_eval(value)
        except ValueError:
            raise ParameterFileError(f"{notebook_name(path)}: parameter {target!r} must be a literal "
                                 f"(number, string, list, dict, True/False/None), not {ast.unparse(value)[:60]!r}"
                                 ) from None
    return params


_yaml_cache: dict[str, Any] = {}


def read_parameter_file(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``(shared, sections)`` of a YAML parameter file (see the module docstring)."""
    import yaml

    p = Path(path)
    if not p.exists():
        raise ParameterFileError(f"--params: no such file {p}")
    try:
        text = p.read_text(encoding="utf-8")
        data = _yaml_cache.get(text)
        if data is None:  # libyaml's loader when present (same results, ~10× faster)
            data = _yaml_cache[text] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        data = copy.deepcopy(data)
    except yaml.YAMLError as exc:
        raise ParameterFileError(f"--params {p}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParameterFileError(f"--params {p}: expected a mapping of parameter names to values at the top level")
    shared: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        key = str(key)
        if SECTION_NAME.match(key):
            if value is None:
                value = {}
            if not isinstance(value, dict):
                raise ParameterFileError(f"--params {p}: section {key!r} must be a mapping of parameters")
            sections[key] = {str(k): v for k, v in value.items()}
        else:
            shared[key] = value
    return shared, sections


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "none" if value is None else type(value).__name__


def _compatible(default: Any, value: Any) -> bool:
    kd, kv = _kind(default), _kind(value)
    if kd == "none" or kv == "none" or kd == kv:
        return True
    return {kd, kv} == {"text", "list"}  # e.g. documents: "all" or a list of doc_ids


def resolve_parameters(notebook: str | os.PathLike[str], params_file: str | os.PathLike[str] | None,
                       *, sibling_notebooks: list[Path] | None = None) -> dict[str, Any]:
    """The parameters to give ``notebook``: shared keys it declares, then its own section.

    Raises :class:`ParameterFileError` for a key nobody declares, a section key this notebook does not declare,
    or a value whose kind (number, text, list, bool) differs from the notebook's default.
    """
    name = notebook_name(notebook)
    declared = declared_parameters(notebook)
    if params_file is None:
        return {}
    shared, sections = read_parameter_file(params_file)
    if sibling_notebooks is None:
        sibling_notebooks = sorted(Path(notebook).parent.glob("[0-9][0-9]-*.ipynb"))
    known_anywhere = set(declared) | set(PATH_PARAMETERS)
    for sib in sibling_notebooks:
        if Path(sib).resolve() != Path(notebook).resolve():
            try:
                known_anywhere |= set(declared_parameters(sib))
            except ParameterFileError:
                continue
    unknown_shared = sorted(set(shared) - known_anywhere)
    if unknown_shared:
        raise ParameterFileError(f"{params_file}: unknown parameter(s) {', '.join(map(repr, unknown_shared))} at the "
                             f"top level: no notebook declares them; valid parameters: "
                             f"{', '.join(sorted(known_anywhere))}")
    section = sections.get(name, {})
    unknown = sorted(set(section) - set(declared))
    if unknown:
        raise ParameterFileError(f"{params_file}: section {name!r} sets unknown parameter(s) "
                             f"{', '.join(map(repr, unknown))}; valid parameters of {name}: "
                             f"{', '.join(sorted(declared))}")
    merged = {k: v for k, v in shared.items() if k in declared}
    merged.update(section)
    for key, value in merged.items():
        if key in PATH_PARAMETERS:
            raise ParameterFileError(f"{params_file}: {key!r} is set by run-notebook from its folder options "
                                 f"(--{PATH_PARAMETERS[key]}); remove it from the parameter file")
        if not _compatible(declared[key], value):
            raise ParameterFileError(f"{params_file}: parameter {key!r} of {name} expects a {_kind(declared[key])} "
                                 f"(default {declared[key]!r}), got {value!r}")
    return merged


# ------------------------------------------------------------------ a starting parameter file for a corpus

#: metadata columns whose groups (with their sizes) the starting file lists, besides any column whose name
#: contains one of :data:`GROUP_COLUMN_PARTS`; ``year`` is derived from ``date``
GROUP_COLUMNS = ("genre", "admin_level", "year", "province", "prefecture")
GROUP_COLUMN_PARTS = ("province", "prefecture", "region", "state", "city", "county")
N_DOC_IDS_SHOWN = 20


def parameter_comments(path: str | os.PathLike[str]) -> dict[str, str]:
    """``{name: comment}``: the comment at the end of each assignment line of a notebook's parameters cell."""
    import io
    import tokenize

    _, source = parameters_cell(read_notebook_json(path))
    by_line: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                by_line[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        return {}
    comments = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            text = by_line.get(node.end_lineno or node.lineno) or by_line.get(node.lineno)
            if text:
                comments[node.targets[0].id] = text
    return comments


def _yaml_value(value: Any) -> str:
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text


def _line(key: str, value: Any, comment: str | None, indent: str = "") -> str:
    line = f"{indent}{key}: {_yaml_value(value)}"
    return f"{line:<36} # {comment}" if comment else line


def _corpus_comments(corpus: Path) -> list[str]:
    from huayu.pipeline.metadata import read_metadata

    path = corpus / "metadata.csv"
    if not path.is_file():
        raise ParameterFileError(f"--corpus {corpus}: no metadata.csv in this folder")
    table = read_metadata(path)
    if "doc_id" not in table.columns:
        raise ParameterFileError(f"{path}: no doc_id column")
    ids = [d for d in table["doc_id"] if d]
    shown = ", ".join(ids[:N_DOC_IDS_SHOWN]) + (", …" if len(ids) > N_DOC_IDS_SHOWN else "")
    from huayu.analysis import units

    dating = (units.describe_dating(table, "five_year_plan") if "date" in table.columns
              else "no date column: the diachronic sections are skipped")
    lines = [f"# The corpus {corpus}: {len(ids)} documents.",
             f"# doc_ids (first {min(len(ids), N_DOC_IDS_SHOWN)} of {len(ids)}, corpus order): {shown}",
             f"# metadata columns: {', '.join(table.columns)}",
             "# values of `unit` (what every notebook compares): "
             + ", ".join(u for u in units.valid_units(table) if u not in ("file", "date_certainty", "notes", "source")),
             f"# dates: {dating}",
             "# groups of documents (values of `by` / `group_by`, with the number of documents):"]
    table = table.copy()
    if "date" in table.columns and "year" not in table.columns:
        table["year"] = table["date"].str.slice(0, 4).where(table["date"].str.fullmatch(r"\d{4}.*"), "")
    columns = [c for c in GROUP_COLUMNS if c in table.columns]
    columns += [c for c in table.columns
                if c not in columns and any(part in c.lower() for part in GROUP_COLUMN_PARTS)]
    for column in columns:
        values = table[column].mask(table[column] == "", "unknown")
        sizes = values.value_counts(sort=False)
        sizes = sizes.reindex(list(dict.fromkeys(values)))
        lines.append(f"#   {column}: " + ", ".join(f"{v} ({n})" for v, n in sizes.items()))
    return lines


def starting_parameters(corpus: str | os.PathLike[str],
                        notebooks: list[Path] | None = None) -> str:
    """The text of a starting parameter file for the corpus folder ``corpus`` (its ``metadata.csv``).

    Shared keys (declared by several notebooks with one same default) come first, then one section per
    notebook with the defaults of its parameters cell and their comments; the corpus's doc_ids, metadata
    columns and groups with their sizes are YAML comments, to fill in ``target``, ``reference`` …
    """
    from huayu.paths import NOTEBOOKS

    corpus = Path(corpus)
    if notebooks is None:
        notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    declared = {notebook_name(nb): declared_parameters(nb) for nb in notebooks}
    comments = {notebook_name(nb): parameter_comments(nb) for nb in notebooks}
    seen: dict[str, list[Any]] = {}
    for params in declared.values():
        for key, value in params.items():
            if key not in PATH_PARAMETERS:
                seen.setdefault(key, []).append(value)
    shared = [k for k, values in seen.items() if len(values) > 1 and all(v == values[0] for v in values)]
    lines = [f"# Parameters for the corpus in {corpus} (written by `python -m huayu params --corpus {corpus}`).",
             "# Every value is the notebooks' default; an empty value (\"\" or []) means \"use the rule\" and the",
             "# notebook prints what it chose (see params/default.yaml). Save as CORPUS/params.yaml: `make figures",
             "# CORPUS=dir` then uses it. Delete the keys you keep at their default.", "#",
             *_corpus_comments(corpus), "", "# --- shared by all notebooks " + "-" * 70]
    for key in shared:
        owner = next(n for n, params in declared.items() if key in params)
        lines.append(_line(key, declared[owner][key], comments[owner].get(key)))
    lines += ["", "# --- one section per notebook " + "-" * 68]
    for name, params in declared.items():
        lines.append(f"{name}:")
        keys = [k for k in params if k not in PATH_PARAMETERS and k not in shared]
        lines += [_line(k, params[k], comments[name].get(k), "  ") for k in keys] or ["  {}"]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def add_arguments(parser) -> None:
    parser.description = ("Print a starting parameter file for a corpus: every notebook's defaults, with the "
                          "corpus's doc_ids, metadata columns and groups as comments.")
    parser.add_argument("--corpus", required=True, help="corpus folder (with metadata.csv)")
    parser.add_argument("--out", help="write the file here (atomically) instead of printing it")


def run(args) -> int:
    import sys

    text = starting_parameters(args.corpus)
    if args.out:
        from huayu.outputs import write_text

        write_text(text, Path(args.out))
        print(f"params: wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
