"""Merge the per-notebook provenance records into ``FIGURES/MANIFEST.csv``.

``python -m huayu manifest --figures figures``

Each successful ``run-notebook`` writes ``FIGURES/<notebook>/.provenance.json``: one record per output file.
The manifest has one row per output file with the columns of :data:`COLUMNS`:

* ``path`` — relative to the figures folder (``02-tfidf/similarity-heatmap.pdf``);
* ``kind`` — ``figure`` (png, pdf, svg) or ``table`` (csv);
* ``notebook`` — the notebook that wrote it;
* ``parameter_set`` — ``<parameter file stem>:<first 12 hex digits of the SHA-256 of the effective
  parameters as canonical JSON>``;
* ``corpus_sha256`` — SHA-256 of the documents table (every metadata column and the cleaned text of every
  document, canonical CSV, rows by doc_id): same corpus content → same hash, whatever folder it is in;
* ``lock_sha256`` — SHA-256 of ``requirements.lock`` (the exact environment);
* ``git_commit`` — the repository's commit, with ``-dirty`` when code, notebooks, parameters or
  dictionaries differ from it;
* ``sha256`` — of the file itself (checked again when the manifest is written).

Nothing time-dependent is recorded, so re-running an unchanged suite rewrites an identical manifest.

``run-notebook`` imports this module in every notebook run, so it does not import pandas at module level:
pandas is needed only to compute a corpus hash that is not cached yet (:func:`prepared_corpus_sha256`) and to write
the manifest.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from huayu.errors import ManifestError
from huayu.outputs import sha256_file, write_text
from huayu.paths import ROOT, cache_dir

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("path", "kind", "notebook", "parameter_set", "corpus_sha256", "lock_sha256", "git_commit", "sha256")
PART_NAME = ".provenance.json"
KINDS = {".png": "figure", ".pdf": "figure", ".svg": "figure", ".csv": "table"}
#: What makes the working tree "dirty" for the purpose of provenance.
TRACKED_FOR_DIRTY = ("lib", "notebooks", "params", "data/dictionaries", "requirements.lock")


_INPUT_DIGESTS: dict[tuple[str, int, int], str] = {}


def _input_sha256(path: str | os.PathLike[str]) -> str:
    """:func:`sha256_file` remembered per (path, size, modification time): the runner fingerprints several
    notebooks that share the same tables, modules and dictionaries."""
    path = Path(path).resolve()
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _INPUT_DIGESTS:
        _INPUT_DIGESTS[key] = sha256_file(path)
    return _INPUT_DIGESTS[key]


def _write_json(obj, path: Path) -> Path:
    """Pretty, key-sorted JSON, written atomically (as :func:`huayu.outputs.write_json`, without pandas)."""
    return write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", path)


def _canonical_prepared_sha256(path: Path) -> str:
    import pandas as pd

    df = pd.read_parquet(path)
    df = df[sorted(df.columns)].sort_values("doc_id", kind="stable") if "doc_id" in df.columns else df
    buf = io.StringIO()
    df.astype(str).to_csv(buf, index=False, lineterminator="\n")
    return hashlib.sha256(buf.getvalue().encode("utf-8")).hexdigest()


def prepared_corpus_sha256(interim_dir: str | os.PathLike[str]) -> str:
    """SHA-256 of the documents table's content (see module docstring); ``"unknown"`` if it is missing.

    The value depends only on the bytes of ``documents.parquet`` and on the environment (the pandas that
    writes the canonical CSV), so it is cached in ``<cache>/provenance/`` under the SHA-256 of the file and
    of the lock file: each notebook run of a prepared corpus reads it instead of loading pandas to recompute it.
    """
    path = Path(interim_dir) / "documents.parquet"
    if not path.exists():
        dataset = Path(interim_dir) / "documents"  # the partitioned layout of prepare --scheduler: not cached
        return _canonical_prepared_sha256(dataset) if any(dataset.glob("part-*.parquet")) else "unknown"
    cached = cache_dir() / "provenance" / f"corpus-{sha256_file(path)}-{lock_hash()[:16]}.txt"
    try:
        value = cached.read_text(encoding="utf-8").strip()
    except OSError:
        value = ""
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    value = _canonical_prepared_sha256(path)
    try:
        write_text(value + "\n", cached)
    except OSError:  # a read-only cache folder only costs the recomputation next time
        pass
    return value


def lock_hash(root: Path = ROOT) -> str:
    """SHA-256 of ``requirements.lock``; ``"missing"`` when the file does not exist."""
    lock = root / "requirements.lock"
    return sha256_file(lock) if lock.exists() else "missing"


def git_commit(root: Path = ROOT) -> str:
    """``HEAD``'s commit id (``-dirty`` if the tracked inputs differ from it); ``"unknown"`` without git."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True, timeout=20).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", *TRACKED_FOR_DIRTY],
                                capture_output=True, text=True, check=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if status.strip() else head


def _module_file(module: str, lib: Path) -> Path | None:
    rel = Path(*module.split("."))
    for cand in (lib / rel.with_suffix(".py"), lib / rel / "__init__.py"):
        if cand.exists():
            return cand
    return None


def _imported_modules(tree: ast.AST, current: str | None = None, is_package: bool = False) -> set[str]:
    """``huayu`` modules an AST imports (``import huayu.x``, ``from huayu import x``, relative imports)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "huayu")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and current:
                parts = current.split(".")
                parts = parts if is_package else parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            if base.split(".")[0] != "huayu":
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return found


def notebook_modules(notebook: str | os.PathLike[str], lib: Path = ROOT / "lib") -> list[Path]:
    """Source files of every ``huayu`` module a notebook imports, directly or through other modules.

    Static analysis (``ast``) of the notebook's code cells and of each module reached, including imports
    inside functions; parent packages (``__init__.py``) are included.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))  # plain JSON: no schema validation needed
    pending: set[str] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            code = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
            try:
                pending |= _imported_modules(ast.parse(code))
            except SyntaxError:
                continue
    seen: dict[str, Path] = {}
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        parts = module.split(".")
        parents = {".".join(parts[:i]) for i in range(1, len(parts))}  # parent packages run __init__ too
        pending |= parents - set(seen)
        path = _module_file(module, lib)
        if path is None:
            seen[module] = Path()  # a name imported from a module, not a module itself
            continue
        seen[module] = path
        pending |= _module_imports(path, module) - set(seen)
    return sorted({p for p in seen.values() if p != Path()})


_MODULE_IMPORTS: dict[tuple[str, str, int, int], frozenset[str]] = {}


def _module_imports(path: Path, module: str) -> frozenset[str]:
    """:func:`_imported_modules` of a module file, remembered per (file, size, modification time)."""
    st = path.stat()
    key = (str(path), module, st.st_size, st.st_mtime_ns)
    if key not in _MODULE_IMPORTS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _MODULE_IMPORTS[key] = frozenset(_imported_modules(tree, module, path.name == "__init__.py"))
    return _MODULE_IMPORTS[key]


def inputs_fingerprint(notebook: str | os.PathLike[str], *, parameter_set: str, parameters: dict,
                       interim_dir: str | os.PathLike[str], processed_dir: str | os.PathLike[str]) -> dict:
    """Content hashes of everything a notebook run depends on, and their combined ``sha256``.

    The notebook file, its effective parameters, the ``huayu`` modules it imports
    (:func:`notebook_modules`), every dictionary file, the prepared tables and the lock file. Two runs
    with the same fingerprint produce the same files, so :mod:`huayu.notebook.runner` can skip the second.
    """
    def rel(p: Path) -> str:
        try:
            return p.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            return p.name

    tables = [p for folder in (interim_dir, processed_dir) for pattern in ("*.parquet", "*/part-*.parquet")
              for p in sorted(Path(folder).glob(pattern))]  # single files, and the parts of partitioned tables
    dictionaries = sorted(p for p in (ROOT / "data" / "dictionaries").glob("*") if p.is_file())
    parts = {
        "notebook": _input_sha256(notebook),
        "parameters": hashlib.sha256(json.dumps({"set": parameter_set, "values": parameters}, sort_keys=True,
                                                ensure_ascii=False, default=str).encode("utf-8")).hexdigest(),
        "modules": {rel(p): _input_sha256(p) for p in notebook_modules(notebook)},
        "dictionaries": {rel(p): _input_sha256(p) for p in dictionaries},
        "tables": {f"{Path(p).parent.name}/{Path(p).name}": _input_sha256(p) for p in tables},
        "lock": lock_hash(),
    }
    combined = hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()
    return {"sha256": combined, **parts}


def read_part(folder: Path) -> dict | None:
    """The provenance part of a published notebook folder, or None."""
    path = folder / PART_NAME
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def part_is_current(folder: Path, fingerprint: dict) -> bool:
    """True when ``folder`` was made from inputs with this fingerprint and its files are unchanged."""
    part = read_part(folder)
    if not part or part.get("inputs", {}).get("sha256") != fingerprint["sha256"]:
        return False
    root = folder.parent
    for row in part.get("records", []):
        path = root / row["path"]
        if not path.exists() or sha256_file(path) != row["sha256"]:
            return False
    return True


def build_part(folder: Path, *, notebook: str, figures_root: Path, parameter_set: str,
               interim_dir: str | os.PathLike[str], corpus_sha256: str | None = None) -> list[dict[str, str]]:
    """Provenance records of every output file in ``folder`` (dot-files excluded), sorted by path.

    ``path`` is written as it will be once ``folder`` is published as ``figures_root/<notebook>``.
    ``corpus_sha256``: :func:`prepared_corpus_sha256` of ``interim_dir`` if the caller has it already.
    """
    corpus = corpus_sha256 if corpus_sha256 is not None else prepared_corpus_sha256(interim_dir)
    common = {"notebook": notebook, "parameter_set": parameter_set, "corpus_sha256": corpus,
              "lock_sha256": lock_hash(), "git_commit": git_commit()}
    records = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        records.append({"path": f"{notebook}/{rel.as_posix()}", "kind": KINDS.get(path.suffix.lower(), "other"),
                        **common, "sha256": sha256_file(path)})
    return records


def write_part(records: list[dict[str, str]], folder: Path, inputs: dict | None = None) -> Path:
    """Write ``folder/.provenance.json`` (the records and, if given, the inputs' fingerprint)."""
    data: dict = {"records": records}
    if inputs is not None:
        data["inputs"] = inputs
    return _write_json(data, folder / PART_NAME)


def read_parts(figures: Path) -> list[dict[str, str]]:
    """All records of ``figures/*/.provenance.json``, in notebook then path order."""
    records: list[dict[str, str]] = []
    for part in sorted(figures.glob(f"*/{PART_NAME}")):
        if part.parent.name.startswith("."):
            continue
        try:
            data = json.loads(part.read_text(encoding="utf-8"))
            rows = data["records"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ManifestError(f"{part}: not a provenance record ({exc})") from None
        for row in rows:
            missing = set(COLUMNS) - set(row)
            if missing:
                raise ManifestError(f"{part}: record {row.get('path')!r} lacks {sorted(missing)}")
        records.extend(rows)
    return sorted(records, key=lambda r: r["path"])


def _manifest_rows(figures: Path, *, verify: bool) -> list[dict[str, str]]:
    rows = read_parts(figures)
    if verify:
        bad = []
        for row in rows:
            path = figures / row["path"]
            if not path.exists():
                bad.append(f"{row['path']} (missing)")
            elif sha256_file(path) != row["sha256"]:
                bad.append(f"{row['path']} (changed since its notebook ran)")
        if bad:
            raise ManifestError("files differ from their provenance records: " + "; ".join(bad[:10])
                                + " — re-run their notebooks (`make figures`)")
    return rows


def build_manifest(figures: str | os.PathLike[str], *, verify: bool = True) -> pd.DataFrame:
    """The manifest table; with ``verify``, each file's SHA-256 is recomputed and must match its record."""
    import pandas as pd

    return pd.DataFrame(_manifest_rows(Path(figures), verify=verify), columns=list(COLUMNS))


def write_manifest(figures: str | os.PathLike[str], *, verify: bool = True) -> Path:
    """Write ``figures/MANIFEST.csv`` atomically; returns its path.

    The file is what :func:`huayu.outputs.write_csv` writes for :func:`build_manifest`'s table (UTF-8 with
    BOM, ``\\n`` line ends, minimal quoting), written with the csv module: this last step of ``make`` runs
    alone, and without pandas it starts faster.
    """
    figures = Path(figures)
    if not figures.is_dir():
        raise ManifestError(f"--figures: no such folder {figures}")
    rows = _manifest_rows(figures, verify=verify)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([row.get(c, "") for c in COLUMNS] for row in rows)
    return write_text("\ufeff" + buf.getvalue(), figures / "MANIFEST.csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--figures", default="figures", help="figures folder (default: %(default)s)")
    parser.add_argument("--no-verify", action="store_true", help="do not re-hash the files")


def run(args: argparse.Namespace) -> int:
    try:
        path = write_manifest(args.figures, verify=not args.no_verify)
    except ManifestError as exc:
        print(f"manifest: {exc}", file=sys.stderr)
        return 1
    print(f"manifest: wrote {path}", file=sys.stderr)
    return 0
