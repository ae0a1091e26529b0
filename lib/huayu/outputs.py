"""Atomic output writing (a failed run never leaves a half-written file behind) and content digests.

Every writer writes to a temporary file in the destination folder and then ``os.replace``-s it onto the
final name, which is atomic on POSIX file systems. :func:`write_all` writes several files so that either
all of them are replaced or (on an error before the first replace) none. A whole folder (an imported corpus,
an export) is built in :func:`staging_folder` and moved into place by :func:`replace_folder`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # not imported at run time: `manifest` and the runner write files without pandas
    import pandas as pd


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    """SHA-256 (hex) of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it onto ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to parquet atomically (pyarrow, no index, deterministic column order)."""
    return atomic_write(path, lambda p: df.to_parquet(p, index=False, engine="pyarrow"))


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as UTF-8 CSV (with BOM, so spreadsheet programs show the Chinese) atomically."""
    return atomic_write(path, lambda p: df.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n"))


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(obj: Any, path: Path) -> Path:
    """Write pretty, key-sorted JSON atomically."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return write_text(text, path)


def staging_folder(path: Path) -> Path:
    """A new empty folder beside ``path`` (same file system) to build a whole output folder in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".staging", dir=path.parent))


def replace_folder(staged: Path, path: Path) -> Path:
    """Move the finished folder ``staged`` onto ``path``; a folder already at ``path`` is removed after.

    Each rename is atomic: a reader sees the old folder or the new one, never a half-written mix; if the
    second rename fails the old folder is moved back.
    """
    staged, path = Path(staged), Path(path)
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.{os.getpid()}.old")
        os.replace(path, old)
    try:
        os.replace(staged, path)
    except BaseException:
        if old is not None:
            os.replace(old, path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


def write_all(writes: list[tuple[Callable[[Any, Path], Path], Any, Path]]) -> list[Path]:
    """Stage every file first, then replace them all: ``writes`` is a list of ``(writer, obj, path)``.

    If any staging write fails, nothing is replaced and the previous outputs stay as they were.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for writer, obj, path in writes:
            path = Path(path)
            tmp = path.with_name(f".{path.name}.staged")
            writer(obj, tmp)
            staged.append((tmp, path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    return [path for _, path in staged]
