"""Temporary folders of a run: a folder left by a killed prepare is removed by the next one (one that may
belong to a running prepare is reported and left); `make` takes the marker written last as "prepared"."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from huayu.paths import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_corpus"
_ENV = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT / "lib")}


def _scratch_of_a_process_that_died(parent: Path, prefix: str) -> Path:
    """A temporary folder made by a process that then ended without cleaning up (as a killed run)."""
    code = ("import os, sys; from pathlib import Path; from huayu.pipeline.prepare import make_scratch; "
            "print(make_scratch(Path(sys.argv[1]), sys.argv[2]), flush=True); os._exit(9)")
    done = subprocess.run([sys.executable, "-c", code, str(parent), prefix], capture_output=True, text=True, env=_ENV)
    assert done.returncode == 9, done.stderr
    return Path(done.stdout.strip())


def test_a_staging_folder_of_a_killed_run_is_removed_and_a_running_ones_reported(tmp_path, caplog):
    from huayu.pipeline.prepare import SCRATCH_OWNER, make_scratch, prepare

    out = tmp_path / "out"
    (out / "interim").mkdir(parents=True)
    dead = _scratch_of_a_process_that_died(out, ".prepare-staging-")
    dead_reads = _scratch_of_a_process_that_died(out / "interim", ".prepare-reads-")
    (dead / "interim").mkdir()
    (dead / "interim" / "part-00000.parquet").write_bytes(b"half written")
    owner = json.loads((dead / SCRATCH_OWNER).read_text())
    assert not psutil.pid_exists(owner["pid"]) or psutil.Process(owner["pid"]).create_time() != owner["started"]
    alive = make_scratch(out, ".prepare-staging-")  # this process: a run that is still going
    with caplog.at_level(logging.INFO, logger="huayu.pipeline.prepare"):
        prepare(TINY, out, segment=False, progress=False)
    assert not dead.exists() and not dead_reads.exists()
    assert alive.is_dir() and f"{alive}: temporary folder of another prepare" in caplog.text
    assert "removed" in caplog.text and "that was stopped" in caplog.text


def test_a_hard_killed_local_prepare_leaves_a_folder_the_next_run_removes(tmp_path):
    from _synthetic_corpus import write_corpus

    corpus = write_corpus(tmp_path / "corpus", 120, chars_per_document=3000, sources=("bundled", "external"))
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "huayu", "prepare", "--corpus", str(corpus), "--out", str(out),
                            "--workers", "2", "--no-progress", "--no-segment"], env=_ENV, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("interim/.prepare-reads-*/batch-*.arrow")):
            assert run.poll() is None, "prepare ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the run and its worker processes, without any clean-up
        run.wait()
    left = list(out.glob("interim/.prepare-reads-*"))
    assert left
    done = subprocess.run([sys.executable, "-m", "huayu", "prepare", "--corpus", str(TINY), "--out", str(out),
                           "--no-progress", "--no-segment"], env=_ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in left) and "that was stopped" in done.stderr


def test_a_prepare_that_made_the_tokens_writes_the_marker_last(tmp_path):
    from huayu.pipeline.prepare import PREPARED_MARKER, prepare

    result = prepare(TINY, tmp_path / "out", progress=False)
    marker = result.processed_dir / PREPARED_MARKER
    info = json.loads(marker.read_text(encoding="utf-8"))
    assert info["layout"] == "file" and info["documents"] == 2
    assert marker.stat().st_mtime_ns >= (result.processed_dir / "tokens.manifest.json").stat().st_mtime_ns
    assert not (tmp_path / "no-tokens" / "processed" / PREPARED_MARKER).exists()
    prepare(TINY, tmp_path / "no-tokens", segment=False, progress=False)
    assert not (tmp_path / "no-tokens" / "processed" / PREPARED_MARKER).exists()
