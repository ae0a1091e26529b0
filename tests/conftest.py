"""Shared fixtures: prepared copies of the bundled corpus and of the tiny fixture corpus.

Notebook and end-to-end tests read these instead of ``data/``: they never touch the repository's
own outputs. The corpus is prepared once per test process (session scope).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pytest

from huayu.paths import ROOT

matplotlib.use("Agg")
os.environ.setdefault("PYTHONHASHSEED", "0")

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def bundled_out(tmp_path_factory) -> Path:
    """``prepare`` run on the bundled corpus (data/) into a temporary OUT: OUT/interim, OUT/processed."""
    from huayu.pipeline.prepare import prepare

    out = tmp_path_factory.mktemp("bundled")
    prepare(ROOT / "data", out, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_out(tmp_path_factory) -> Path:
    """``prepare`` run on tests/fixtures/tiny_corpus (two short texts) into a temporary OUT."""
    from huayu.pipeline.prepare import prepare

    out = tmp_path_factory.mktemp("tiny")
    prepare(FIXTURES / "tiny_corpus", out, progress=False)
    return out


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus (metadata.csv + raw/), for tests that break it."""
    dest = tmp_path / "corpus"
    (dest / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "metadata.csv", dest / "metadata.csv")
    for f in (ROOT / "data" / "raw").iterdir():
        shutil.copy(f, dest / "raw" / f.name)
    return dest


@pytest.fixture(autouse=True)
def close_figures():
    """Figures saved by a test are closed after it, so they do not pile up in the test process."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
