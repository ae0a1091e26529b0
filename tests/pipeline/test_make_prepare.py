"""`make prepare` hands a broken corpus to the validator: every problem is reported by `huayu prepare`, not by make."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from huayu.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def _make(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, env=env)


def test_missing_file_reaches_the_validator_with_every_problem(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "bad_corpus", corpus)
    assert not (corpus / "texts" / "missing.txt").exists()
    out = tmp_path / "out"
    result = _make("prepare", f"CORPUS={corpus}", f"OUT={out}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "No rule to make target" not in output
    assert "problem(s); nothing was written" in result.stderr
    for message in ("texts/missing.txt (metadata row 3): listed file is missing",
                    "duplicate doc_id 'ok_doc'", "unsafe doc_id '../escape'", "text is empty or whitespace only",
                    "looks like a binary file", "unknown genre 'sermon'"):
        assert message in result.stderr, message
    assert not (out / "interim").exists() and not (out / "processed").exists()  # make itself creates OUT/figures


def test_a_file_deleted_after_a_run_is_reported_even_when_the_outputs_look_up_to_date(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "texts").mkdir(parents=True)
    shutil.copy(FIXTURES / "bad_corpus" / "texts" / "ok.txt", corpus / "texts" / "ok.txt")
    header = (FIXTURES / "bad_corpus" / "metadata.csv").read_text(encoding="utf-8").splitlines()[:3]
    (corpus / "metadata.csv").write_text("\n".join(header) + "\n", encoding="utf-8")  # ok_doc + missing_doc
    out = tmp_path / "out"
    tokens = out / "processed" / "tokens.parquet"
    tokens.parent.mkdir(parents=True)
    tokens.write_bytes(b"stand-in for an earlier run")
    marker = out / "processed" / "prepared.json"  # what make takes as prepared (written last by prepare)
    marker.write_text("{}", encoding="utf-8")
    future = time.time() + 3600  # newer than every prerequisite: only the missing file can make it out of date
    os.utime(tokens, (future, future))
    os.utime(marker, (future, future))
    assert _make("-q", "prepare", f"CORPUS={corpus}", f"OUT={out}").returncode != 0
    result = _make("prepare", f"CORPUS={corpus}", f"OUT={out}")
    assert result.returncode != 0
    assert "texts/missing.txt (metadata row 3): listed file is missing" in result.stderr
    assert tokens.read_bytes() == b"stand-in for an earlier run"


def test_prepare_args_reach_prepare_and_a_change_prepares_again(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "texts").mkdir(parents=True)
    shutil.copy(FIXTURES / "bad_corpus" / "texts" / "ok.txt", corpus / "texts" / "ok.txt")
    header = (FIXTURES / "bad_corpus" / "metadata.csv").read_text(encoding="utf-8").splitlines()[:2]
    (corpus / "metadata.csv").write_text("\n".join(header) + "\n", encoding="utf-8")  # ok_doc only
    out = tmp_path / "out"
    marker = out / "processed" / "prepared.json"
    marker.parent.mkdir(parents=True)
    marker.write_text("{}", encoding="utf-8")
    future = time.time() + 3600  # newer than every prerequisite: up to date without PREPARE_ARGS
    os.utime(marker, (future, future))
    assert _make("-q", "prepare", f"CORPUS={corpus}", f"OUT={out}").returncode == 0
    stamp = out / "interim" / ".prepare-args"
    assert not stamp.exists()  # no options, none before: nothing written
    _make("-n", "prepare", f"CORPUS={corpus}", f"OUT={out}", "PREPARE_ARGS=--to-simplified")
    assert stamp.read_text(encoding="utf-8") == "--to-simplified\n"
    os.utime(stamp, (future + 60, future + 60))  # the options changed after the last prepare
    dry = _make("-n", "prepare", f"CORPUS={corpus}", f"OUT={out}", "PREPARE_ARGS=--to-simplified")
    assert "huayu prepare" in dry.stdout and "--to-simplified" in dry.stdout
    os.utime(stamp, (future - 60, future - 60))  # as after a prepare with these options
    assert _make("-q", "prepare", f"CORPUS={corpus}", f"OUT={out}", "PREPARE_ARGS=--to-simplified").returncode == 0
    _make("-n", "prepare", f"CORPUS={corpus}", f"OUT={out}")  # options dropped: the file is rewritten (newer)
    assert stamp.read_text(encoding="utf-8") == "\n"
    assert stamp.stat().st_mtime < future - 120
