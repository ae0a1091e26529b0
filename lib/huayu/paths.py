"""Where things live: the repository root and its default folders.

Everything resolves from this file's location, so a notebook opened from ``notebooks/`` in JupyterLab,
papermill running from the repository root and a test running from ``/tmp`` all find the same files.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DICTIONARIES = DATA / "dictionaries"
DEFAULT_CORPUS = DATA
INTERIM = DATA / "interim"
PROCESSED = DATA / "processed"
FIGURES = ROOT / "figures"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"


def cache_dir() -> Path:
    """The project's own cache folder (``HUAYU_CACHE_DIR`` or ``<repo>/.cache``), created on demand.

    Never the shared temporary folder: caches that hold pickled or marshalled data are loaded only from here.
    """
    path = Path(os.environ.get("HUAYU_CACHE_DIR") or ROOT / ".cache").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def resolve(path: str | os.PathLike[str]) -> Path:
    """Resolve a user-given path: absolute paths stay, relative ones are taken from the repository root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (ROOT / p)
