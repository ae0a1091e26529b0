"""``prepare --scheduler``: the same tables from a two-worker Dask cluster as from a local run; failures.

The module starts one LocalCluster of two worker processes (one more for the test whose workers keep
dying, and one through the command line with ``--scheduler local:2``) and stops them at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from _dask import KillWorker, local_cluster
from _synthetic_corpus import write_corpus
from huayu.errors import CorpusError, ParameterError
from huayu.notebook import provenance
from huayu.paths import ROOT
from huayu.pipeline import tables
from huayu.pipeline.distributed import plan_batches, prepare_distributed, publish
from huayu.pipeline.prepare import prepare

FIXTURES = ROOT / "tests" / "fixtures"
READERS = {"documents": "interim", "paragraphs": "interim", "sentences": "interim", "cleaning_log": "interim",
           "tokens": "processed", "token_parts": "processed"}


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(2, allowed_failures=1) as (cluster, client):
        yield cluster, client


def _assert_same_tables(local: Path, distributed: Path) -> None:
    for name, stage in READERS.items():
        read = getattr(tables, f"read_{name}")
        expected, found = read(local / stage), read(distributed / stage)
        assert (distributed / stage / name).is_dir() and not (distributed / stage / f"{name}.parquet").exists()
        pd.testing.assert_frame_equal(found, expected, check_exact=True, obj=name)
    some = tables.read_documents(local / "interim")["doc_id"].iloc[-2:].tolist()
    for kwargs in ({"granularity": "fine"}, {"granularity": "fine", "categorical": True, "doc_ids": some},
                   {"categorical": True, "columns": ["doc_id", "token"]}, {"doc_ids": some}):
        pd.testing.assert_frame_equal(tables.read_tokens(distributed / "processed", **kwargs),
                                      tables.read_tokens(local / "processed", **kwargs), check_exact=True)
    for name in ("documents.csv", "cleaning_log.csv"):
        assert (distributed / "interim" / name).read_bytes() == (local / "interim" / name).read_bytes(), name
    texts = {p.name: p.read_bytes() for p in (local / "interim" / "clean_text").iterdir()}
    assert {p.name: p.read_bytes() for p in (distributed / "interim" / "clean_text").iterdir()} == texts


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_bundled_corpus_equals_a_local_run(cluster, bundled_out, tmp_path):
    _, client = cluster
    out = tmp_path / "out"
    result = prepare_distributed(ROOT / "data", out, scheduler=client.scheduler.address, progress=False,
                                 batch_bytes=8000)
    assert result.tokens_path == out / "processed" / "tokens" and result.n_documents == 5
    assert len(list((out / "processed" / "tokens").glob("part-*.parquet"))) == 3  # 3 batches of documents
    _assert_same_tables(bundled_out, out)
    manifest = json.loads((out / "interim" / "prepare_manifest.json").read_text(encoding="utf-8"))
    assert manifest["layout"] == "dataset" and manifest["documents"] == 5 and len(manifest["corpus_sha256"]) == 64
    assert manifest["removals"] == 20 and manifest["partitions"] == 3
    assert not list(out.glob(".prepare-staging-*"))
    # the figures' provenance sees the same corpus content, and the parts as prepared tables
    assert provenance.prepared_corpus_sha256(out / "interim") == provenance.prepared_corpus_sha256(
        bundled_out / "interim")


def test_the_command_line_starts_and_stops_a_local_cluster(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "huayu", "prepare", "--corpus", str(FIXTURES / "tiny_corpus"),
                             "--out", str(out), "--scheduler", "local:2", "--no-segment", "--no-progress"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert result.returncode == 0, result.stderr
    assert "prepared 2 documents" in result.stdout and "partitioned" in result.stdout
    assert list((out / "interim" / "documents").glob("part-*.parquet")) and not (out / "processed").exists()
    assert len(tables.read_documents(out / "interim")) == 2


def test_1000_documents_equal_a_local_run_although_a_worker_is_killed(cluster, tmp_path):
    _, client = cluster
    corpus = write_corpus(tmp_path / "corpus", 1000)
    prepare(corpus, tmp_path / "local", progress=False)
    flag = tmp_path / "killed"
    client.register_plugin(KillWorker("huayu-segment-", str(flag)), name="kill-once")
    try:
        prepare_distributed(corpus, tmp_path / "dask", scheduler=client.scheduler.address, progress=False,
                            batch_bytes=400_000)
    finally:
        client.unregister_worker_plugin("kill-once")
    assert flag.exists(), "a worker should have been killed while it segmented a batch"
    assert len(list((tmp_path / "dask" / "processed" / "tokens").glob("part-*.parquet"))) >= 10
    _assert_same_tables(tmp_path / "local", tmp_path / "dask")
    assert not list((tmp_path / "dask").rglob("*.tmp"))


def test_a_run_whose_workers_keep_dying_fails_and_leaves_the_previous_tables(tmp_path):
    # a cluster of its own: the workers this test kills restart at their own pace on a loaded machine,
    # and no other test has to wait for them
    out = tmp_path / "out"
    with local_cluster(2, allowed_failures=1) as (_, client):
        prepare_distributed(FIXTURES / "tiny_corpus", out, scheduler=client.scheduler.address, progress=False)
        before = _digest(out)
        client.register_plugin(KillWorker("huayu-segment-"), name="kill-always")
        with pytest.raises(Exception, match="KilledWorker|died|worker"):
            prepare_distributed(FIXTURES / "tiny_corpus", out, scheduler=client.scheduler.address, progress=False)
    assert _digest(out) == before
    assert not list(out.glob(".prepare-staging-*"))


def test_a_corpus_with_problems_lists_them_all_and_keeps_the_previous_tables(cluster, corpus_copy, tmp_path):
    _, client = cluster
    out = tmp_path / "out"
    prepare(corpus_copy, out, progress=False)  # a local run's single files
    before = _digest(out)
    (corpus_copy / "raw" / "000_9d4fa8580e58e8e8.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus_copy / "raw" / "stray.txt").write_text("不在表里", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        prepare_distributed(corpus_copy, out, scheduler=client.scheduler.address, progress=False, batch_bytes=1)
    message = str(caught.value)
    assert "binary" in message and "stray.txt" in message and "metadata row 2" in message
    assert _digest(out) == before
    assert not list(out.glob(".prepare-staging-*"))
    with pytest.raises(CorpusError):
        prepare_distributed(FIXTURES / "bad_corpus", tmp_path / "new", scheduler=client.scheduler.address,
                            progress=False)
    assert not (tmp_path / "new").exists()


def test_either_layout_replaces_the_other(cluster, tmp_path):
    _, client = cluster
    out = tmp_path / "out"
    prepare(FIXTURES / "tiny_corpus", out, progress=False)
    local_tokens = tables.read_tokens(out / "processed")
    prepare_distributed(FIXTURES / "tiny_corpus", out, scheduler=client.scheduler.address, progress=False)
    assert not (out / "processed" / "tokens.parquet").exists()
    assert not (out / "interim" / "sentences.parquet").exists() and not (out / "interim" / "sentences.csv").exists()
    pd.testing.assert_frame_equal(tables.read_tokens(out / "processed"), local_tokens)
    prepare(FIXTURES / "tiny_corpus", out, progress=False)  # back to the single file: it is read first
    assert tables.table_path(out / "processed", "tokens.parquet").is_file()
    pd.testing.assert_frame_equal(tables.read_tokens(out / "processed"), local_tokens)


def test_traditional_and_gbk_texts_convert_as_in_a_local_run(cluster, tmp_path):
    _, client = cluster
    prepare(FIXTURES / "encodings_corpus", tmp_path / "local", to_simplified_chinese=True, progress=False)
    prepare_distributed(FIXTURES / "encodings_corpus", tmp_path / "dask", scheduler=client.scheduler.address,
                        to_simplified_chinese=True, progress=False, batch_bytes=1)
    _assert_same_tables(tmp_path / "local", tmp_path / "dask")
    docs = tables.read_documents(tmp_path / "dask" / "interim").set_index("doc_id")
    assert docs.loc["gbk", "encoding"] == "gb18030" and docs.loc["trad_big5", "converted_to_simplified"]


def test_batches_are_consecutive_documents_of_about_the_size_asked(tmp_path):
    for i, size in enumerate([10, 10, 30, 5, 5, 5, 50]):
        (tmp_path / f"{i}.txt").write_bytes(b"x" * size)
    records = [{"file": f"{i}.txt"} for i in range(7)] + [{"file": "missing.txt"}]
    assert plan_batches(tmp_path, records, batch_bytes=20) == [[0, 1], [2], [3, 4, 5, 6], [7]]
    assert plan_batches(tmp_path, records, batch_bytes=1000, max_documents=3) == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_publish_puts_the_previous_outputs_back_when_a_move_fails(tmp_path, monkeypatch):
    out, staging = tmp_path / "out", tmp_path / "staging"
    (out / "interim").mkdir(parents=True)
    (out / "interim" / "documents.parquet").write_text("old", encoding="utf-8")
    (staging / "interim" / "documents").mkdir(parents=True)
    (staging / "interim" / "documents" / "part-00000.parquet").write_text("new", encoding="utf-8")
    (staging / "interim" / "prepare_manifest.json").write_text("{}", encoding="utf-8")
    real_replace = os.replace

    def failing(src, dst):
        if Path(src).name == "prepare_manifest.json":
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        publish(staging, out)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (out / "interim" / "documents.parquet").read_text(encoding="utf-8") == "old"
    assert not (out / "interim" / "documents").exists()


def test_bad_scheduler_values_are_named():
    from huayu.pipeline.distributed import connect

    with pytest.raises(ParameterError, match="local:0"):
        with connect("local:0"):
            pass
    with pytest.raises(ParameterError, match="scheduler file does not exist"):
        with connect("nowhere/scheduler.json"):
            pass


def test_help_names_the_scheduler_option():
    result = subprocess.run([sys.executable, "-m", "huayu", "prepare", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--scheduler" in result.stdout and "local:N" in result.stdout


def test_make_takes_a_distributed_prepare_as_prepared(cluster, tmp_path, repo_root):
    from huayu.pipeline.prepare import PREPARED_MARKER

    _, client = cluster
    out = tmp_path / "out"
    out.mkdir()
    # a staging folder a killed client left (its process is gone): the next run removes it
    code = ("import os, sys; from pathlib import Path; from huayu.pipeline.prepare import make_scratch; "
            "make_scratch(Path(sys.argv[1]), '.prepare-staging-'); os._exit(9)")
    subprocess.run([sys.executable, "-c", code, str(out)], env={**os.environ, "PYTHONPATH": str(ROOT / "lib")})
    assert len(list(out.glob(".prepare-staging-*"))) == 1
    prepare_distributed(ROOT / "data", out, scheduler=client.scheduler.address, progress=False)
    assert not list(out.glob(".prepare-staging-*"))
    marker = json.loads((out / "processed" / PREPARED_MARKER).read_text(encoding="utf-8"))
    assert marker["layout"] == "dataset" and marker["documents"] == 5
    assert not (out / "processed" / "tokens.parquet").exists()
    args = ["make", "--no-print-directory", f"CORPUS={ROOT / 'data'}", f"OUT={out}"]
    assert subprocess.run([*args, "-q", "prepare"], cwd=repo_root, capture_output=True).returncode == 0
    dry = subprocess.run([*args, "-n", "figures"], cwd=repo_root, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "run-notebook" in dry.stdout and "huayu prepare" not in dry.stdout
