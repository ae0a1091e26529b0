"""What made each figure: its notebook, the notebook section it belongs to, the call and the parameters.

The figures are listed by ``FIGURES/MANIFEST.csv`` (one row per file with the notebook, parameter set,
corpus and environment digests, the commit). The executed notebook (``notebooks/executed/<notebook>.ipynb``,
written by papermill) says the rest:

* the **parameters** of the run: the cell tagged ``injected-parameters`` (the values the runner gave),
  over the defaults of the cell tagged ``parameters``;
* the **cell that drew the figure**: a figure ``name`` is either given in the call (``name="topic-terms-nmf"``,
  or an f-string whose fixed prefix it starts with) or is the default ``name`` of the plotting function
  called (``trend_plots.plot_segment_trends(...)`` → ``segment-trends``: the function is found through
  the notebook's own ``from huayu.plot import trends as trend_plots``). An exact name beats a prefix, a
  longer prefix a shorter one, an earlier cell a later one;
* the **caption**: the heading and first paragraph of the nearest markdown cell above that cell (the
  notebook's section), and the notebook's title (its first heading).
"""

from __future__ import annotations

import ast
import csv
import importlib
import inspect
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from huayu.errors import ManifestError

log = logging.getLogger(__name__)

__all__ = ["FigureEntry", "NotebookInfo", "read_manifest", "notebook_info", "figure_entries"]


@dataclass
class NotebookInfo:
    """What the executed notebook says: title, introduction, parameters and its cells."""

    name: str
    title: str = ""
    intro: str = ""
    parameters: dict = field(default_factory=dict)
    cells: list[dict] = field(default_factory=list)
    found: bool = False


@dataclass
class FigureEntry:
    """One figure of the report."""

    notebook: str
    name: str
    files: dict[str, str]  #: extension → path relative to the figures folder
    heading: str = ""  #: the section heading above the cell that drew it
    caption: str = ""  #: markdown: the section's first paragraph
    source: str = ""  #: the code cell that drew it
    manifest: dict = field(default_factory=dict)  #: the MANIFEST row of its PNG (or first file)


def read_manifest(figures_dir: Path) -> list[dict]:
    """The rows of ``FIGURES/MANIFEST.csv`` (``ManifestError`` when it is missing or lacks columns)."""
    path = Path(figures_dir) / "MANIFEST.csv"
    if not path.is_file():
        raise ManifestError(f"{path} does not exist: run the notebooks first (`make figures`), or give "
                            "--figures the folder that holds MANIFEST.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"path", "kind", "notebook"} <= set(rows[0]):
        raise ManifestError(f"{path}: expected the columns path, kind, notebook …; found {list(rows[0])}")
    return rows


def _literal_assignments(source: str) -> dict:
    out = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return out
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, SyntaxError):
                out[node.targets[0].id] = ast.unparse(node.value)
    return out


def _first_heading(markdown: str) -> tuple[str, str]:
    """``(heading, first paragraph after it)`` of a markdown cell."""
    lines = markdown.strip().splitlines()
    heading = ""
    if lines and lines[0].lstrip().startswith("#"):
        heading = lines[0].lstrip("#").strip()
        lines = lines[1:]
    paragraphs = "\n".join(lines).strip().split("\n\n")
    return heading, paragraphs[0].strip() if paragraphs and paragraphs[0].strip() else ""


def notebook_info(executed_dir: Path, notebook: str) -> NotebookInfo:
    """Read ``executed_dir/<notebook>.ipynb`` (an empty :class:`NotebookInfo` when it is missing)."""
    info = NotebookInfo(notebook)
    path = Path(executed_dir) / f"{notebook}.ipynb"
    if not path.is_file():
        log.warning("no executed notebook %s: the figures of %s get no caption", path, notebook)
        return info
    nb = json.loads(path.read_text(encoding="utf-8"))
    info.found = True
    info.cells = [{"type": c.get("cell_type"), "source": "".join(c.get("source", [])),
                   "tags": list(c.get("metadata", {}).get("tags", []))} for c in nb.get("cells", [])]
    defaults, injected = {}, {}
    for cell in info.cells:
        if cell["type"] == "code" and "parameters" in cell["tags"]:
            defaults = _literal_assignments(cell["source"])
        if cell["type"] == "code" and "injected-parameters" in cell["tags"]:
            injected = _literal_assignments(cell["source"])
    info.parameters = {**defaults, **injected}
    for cell in info.cells:
        if cell["type"] == "markdown":
            info.title, info.intro = _first_heading(cell["source"])
            break
    return info


def _plot_aliases(cells: list[dict]) -> dict[str, str]:
    """``{alias: module}`` for the ``huayu.plot`` modules the notebook imports."""
    aliases = {}
    for cell in cells:
        if cell["type"] != "code":
            continue
        try:
            tree = ast.parse(cell["source"])
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("huayu.plot"):
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("huayu.plot") and a.asname:
                        aliases[a.asname] = a.name
    return aliases


def _default_name(module: str, function: str) -> str | None:
    try:
        func = getattr(importlib.import_module(module), function)
        default = inspect.signature(func).parameters["name"].default
    except (ImportError, AttributeError, KeyError, TypeError, ValueError):
        return None
    return default if isinstance(default, str) else None


def _names_in_cell(source: str, aliases: dict[str, str]) -> list[tuple[str, bool]]:
    """``(name, exact)`` of the figures a code cell may draw (``exact=False``: a prefix of an f-string)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        given = next((k.value for k in node.keywords if k.arg == "name"), None)
        if isinstance(given, ast.Constant) and isinstance(given.value, str):
            found.append((given.value, True))
        elif isinstance(given, ast.JoinedStr):
            prefix = "".join(v.value for v in given.values[:1] if isinstance(v, ast.Constant))
            if prefix:
                found.append((prefix, False))
        elif given is None and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            module = aliases.get(node.func.value.id)
            if module:
                default = _default_name(module, node.func.attr)
                if default:
                    found.append((default, True))
    return found


def _producing_cell(info: NotebookInfo, name: str) -> int | None:
    aliases = _plot_aliases(info.cells)
    best, best_score = None, (-1, -1)
    for i, cell in enumerate(info.cells):
        if cell["type"] != "code":
            continue
        for candidate, exact in _names_in_cell(cell["source"], aliases):
            if exact and candidate == name:
                score = (2, len(candidate))
            elif not exact and name.startswith(candidate):
                score = (1, len(candidate))
            else:
                continue
            if score > best_score:
                best, best_score = i, score
    return best


def figure_entries(figures_dir: Path, executed_dir: Path) -> tuple[list[FigureEntry], dict[str, NotebookInfo]]:
    """The figures of the manifest (those with a PNG), in notebook order then in the order the notebook
    draws them, with their captions; and the :class:`NotebookInfo` of every notebook."""
    rows = read_manifest(figures_dir)
    by_figure: dict[tuple[str, str], FigureEntry] = {}
    for row in rows:
        path = row["path"]
        stem, _, ext = Path(path).name.rpartition(".")
        key = (row["notebook"], stem)
        entry = by_figure.setdefault(key, FigureEntry(row["notebook"], stem, {}))
        entry.files[ext.lower()] = path
        if ext.lower() == "png" or not entry.manifest:
            entry.manifest = row
    infos: dict[str, NotebookInfo] = {}
    entries = []
    for (notebook, name), entry in by_figure.items():
        if "png" not in entry.files:
            continue  # a table, or a figure without a PNG (nothing for a browser to show)
        if notebook not in infos:
            infos[notebook] = notebook_info(executed_dir, notebook)
        info = infos[notebook]
        cell = _producing_cell(info, name) if info.found else None
        entry.source = info.cells[cell]["source"] if cell is not None else ""
        if cell is not None:
            above = next((info.cells[j]["source"] for j in range(cell, -1, -1) if info.cells[j]["type"] == "markdown"),
                         "")
            entry.heading, entry.caption = _first_heading(above)
        entry.manifest = {**entry.manifest, "_cell": -1 if cell is None else cell}
        entries.append(entry)
    entries.sort(key=lambda e: (e.notebook, e.manifest["_cell"] if e.manifest["_cell"] >= 0 else 10 ** 6, e.name))
    for e in entries:
        e.manifest.pop("_cell", None)
    return entries, infos
