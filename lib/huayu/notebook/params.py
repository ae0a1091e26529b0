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
