"""Running a notebook under papermill in tests, as `make` runs it (strict glyphs, fixed hash seed, Agg)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(name: str, out: Path, figures: Path, **parameters) -> Path:
    import papermill

    executed = figures.parent / "executed" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    params = {"interim_dir": str(out / "interim"), "processed_dir": str(out / "processed"),
              "figures_dir": str(figures), "formats": ["png", "pdf"], "dpi": 72}
    params.update(parameters)
    papermill.execute_notebook(str(REPO / "notebooks" / f"{name}.ipynb"), str(executed), parameters=params,
                               kernel_name="huayu", cwd=str(REPO / "notebooks"), progress_bar=False,
                               log_output=False)
    return figures / name


@pytest.fixture(autouse=True)
def strict_kernel(monkeypatch):
    monkeypatch.setenv("HUAYU_STRICT_GLYPHS", "1")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")
