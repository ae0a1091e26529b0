"""The pinned environment: requirements.in, requirements.lock and environment.yml agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)", line)
        assert m, f"not an exact pin: {line!r}"
        pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_requirements_are_exact_pins_and_in_the_lock(repo_root):
    direct = _pins((repo_root / "requirements.in").read_text().splitlines())
    lock = _pins((repo_root / "requirements.lock").read_text().splitlines())
    assert direct, "requirements.in is empty"
    for name, version in direct.items():
        assert lock.get(name) == version, f"{name}=={version} is not pinned the same in requirements.lock"


def test_environment_yml_lists_the_same_pins(repo_root):
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert _pins(pip_section) == _pins((repo_root / "requirements.in").read_text().splitlines())
    assert any(isinstance(d, str) and d.startswith("python=") for d in env["dependencies"])


def test_installed_versions_match_the_lock(repo_root):
    from importlib.metadata import PackageNotFoundError, version

    lock = _pins((repo_root / "requirements.lock").read_text().splitlines())
    direct = _pins((repo_root / "requirements.in").read_text().splitlines())
    for name in direct:
        try:
            assert version(name) == lock[name], name
        except PackageNotFoundError:  # pragma: no cover
            raise AssertionError(f"{name} is pinned but not installed: run `make venv`")


def test_progress_bars_are_widgets_in_jupyter():
    """tqdm.auto draws an ipywidgets bar in a kernel; without ipywidgets tqdm.notebook sets IProgress to None
    and every notebook prints "IProgress not found"."""
    import tqdm.notebook

    assert tqdm.notebook.IProgress is not None
