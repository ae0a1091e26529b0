"""Segmentation: speed against plain jieba, agreement with it, peak memory, quality on the gold standard.

The five bundled texts are cleaned in memory (``load_corpus`` + ``clean_corpus``) and their sentences
replicated under new document ids until they hold at least 2 M characters (200 k with ``--quick``).

* ``segment_chars_per_s``: the whole stage — :func:`huayu.pipeline.segment.write_tokens` with ``force=True``
  (formulas, cut, tags, flags, offsets, the parquet and its manifest).
* ``jieba_chars_per_s``: ``jieba.Tokenizer.lcut`` (a private tokenizer with jieba's dictionary and the
  same domain-dictionary words and frequencies) on the same text, one call per document.
  ``segment_speedup_vs_jieba`` is the ratio of the two. The stage is timed 5 times and jieba 3 times,
  alternately, in the same run, and the fastest run of each counts (the convention of ``timeit``: on a
  machine shared with other work, the minimum estimates the code's own speed; every run is listed under
  ``details``).
  ``segment_speedup_vs_jieba_cpu`` compares CPU seconds instead (the stage's process and its workers
  against jieba's), which does not depend on whether the second core happened to be free.
* ``segment_agreement_with_jieba``: share of jieba's tokens (whitespace excluded) that the stage produced
  with the same span; every differing stretch is listed under ``details`` (once per original document
  and offset, with its number of occurrences).
* ``segment_peak_memory_mb``: the largest memory (PSS) of the process plus its worker processes during
  one stage run, sampled every 10 ms with psutil; ``segment_memory_increase_mb``: the same above the
  process's memory just before the run (the replicated input and the loaded segmenter included there).
* ``other_work_cores``: how many cores other work on the machine kept busy, on average, during the
  timed runs (the machine's busy CPU time from ``/proc/stat`` minus this process's and its workers',
  per second; NaN where ``/proc/stat`` does not exist). Other work slows both sides, the stage more
  (it needs both cores), so speed-ups are only comparable between runs at a similar value.
* Also: the stage on one process and without formula detection, raw ``rjieba`` cut speed and the
  formula finder's speed (both on one core, over the same text),
  ``jieba.posseg`` speed and its agreement with ``lcut`` (measured on the unreplicated corpus ×5, as it is
  slow), and precision/recall/F1 on ``tests/gold/segmentation_gold.txt`` for plain jieba, jieba with the
  domain dictionary, and the whole stage.

Run alone with ``python benchmarks/bench_segment.py [--quick]``.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from huayu.pipeline import segment as S
from huayu.pipeline.segment import segmenter
from huayu.pipeline.corpus import load_corpus
from huayu.paths import DATA, ROOT, cache_dir
from huayu.pipeline.prepare import clean_corpus

GOLD = ROOT / "tests" / "gold" / "segmentation_gold.txt"


def _sentences() -> pd.DataFrame:
    corpus = load_corpus(DATA, progress=False)
    return clean_corpus(corpus, progress=False)["sentences"]


def _replicate(sentences: pd.DataFrame, target_chars: int) -> pd.DataFrame:
    n = max(1, int(np.ceil(target_chars / sentences["text"].str.len().sum())))
    copies = [sentences.assign(doc_id=sentences["doc_id"] + f"#{k:03d}") for k in range(n)]
    return pd.concat(copies, ignore_index=True)


class _PeakMemory:
    """Largest memory of this process plus its worker processes, sampled in a thread: the proportional
    set size (PSS, shared pages divided among the processes sharing them, so forked workers are not
    counted twice) where the system reports it, else the resident set size."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _size(process: psutil.Process) -> int:
        try:
            return process.memory_full_info().pss
        except (AttributeError, psutil.AccessDenied):
            return process.memory_info().rss

    def current(self) -> int:
        me = psutil.Process()
        total = self._size(me)
        for child in me.children(recursive=True):
            try:
                total += self._size(child)
            except psutil.Error:
                pass
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.current())
            except psutil.Error:
                pass
            time.sleep(self.interval)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _stage(sentences: pd.DataFrame, settings: S.SegmentSettings, out: Path) -> float:
    started = time.perf_counter()
    S.write_tokens(sentences, out, settings, progress=False, force=True)
    return time.perf_counter() - started


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the stage's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _machine_busy_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (Linux ``/proc/stat``), NaN elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``work()``."""
    cpu, wall = _cpu_seconds(), time.perf_counter()
    work()
    return time.perf_counter() - wall, _cpu_seconds() - cpu


def _document_texts(sentences: pd.DataFrame) -> list[tuple[str, str]]:
    return [(doc, "\n".join(group["text"])) for doc, group in sentences.groupby("doc_id", sort=False)]


def _agreement(tokens: pd.DataFrame, reference: dict[str, list[str]]) -> tuple[float, list[dict]]:
    n_ref = n_same = 0
    seen: dict[tuple, dict] = {}
    for doc, group in tokens.groupby("doc_id", sort=False):
        ref = [t for t in reference[doc] if not t.isspace()]
        share, diffs = S.compare_segmentations(ref, group["token"].tolist())
        n_ref += len(ref)
        n_same += share * len(ref)
        original = doc.split("#")[0]
        for d in diffs:
            key = (original, d["start"], d["end"])
            if key in seen:
                seen[key]["occurrences"] += 1
            else:
                seen[key] = {"doc_id": original, "start": d["start"], "end": d["end"], "jieba": d["reference"],
                             "stage": d["candidate"], "context": d["context"], "occurrences": 1}
    return (n_same / n_ref if n_ref else 1.0), list(seen.values())


def run(quick: bool = False) -> dict:
    sentences = _sentences()
    big = _replicate(sentences, 200_000 if quick else 2_000_000)
    n_chars = int(big["text"].str.len().sum())
    settings = S.SegmentSettings()
    out = cache_dir() / "bench_segment"
    shutil.rmtree(out, ignore_errors=True)

    # Warm up both sides: the segmenter and the reference tokenizer are built once per process.
    setup_started = time.perf_counter()
    S.get_segmenter(settings)
    S.segment_sentences(sentences, settings, progress=False)
    setup = time.perf_counter() - setup_started

    with _PeakMemory() as memory:
        before = memory.current()
        _stage(big, settings, out)
    tokens = pd.read_parquet(out / "tokens.parquet")

    reference_tokenizer = S.jieba_reference_tokenizer(settings.user_dict)
    reference_tokenizer.lcut(sentences["text"].iloc[0])
    docs = _document_texts(big)
    busy, own, started = _machine_busy_seconds(), _cpu_seconds(), time.perf_counter()
    stage_runs, jieba_runs, reference = [], [], {}
    for i in range(1 if quick else 5):
        stage_runs.append(_timed(lambda: _stage(big, settings, out)))
        if i < 3:
            jieba_runs.append(_timed(lambda: reference.update({doc: reference_tokenizer.lcut(text)
                                                               for doc, text in docs})))
    other_work = ((_machine_busy_seconds() - busy) - (_cpu_seconds() - own)) / (time.perf_counter() - started)
    stage, stage_cpu = min(stage_runs)
    jieba_time, jieba_cpu = min(jieba_runs)
    agreement, differences = _agreement(tokens, reference)

    one_worker = _stage(big, S.SegmentSettings(workers=1), out)
    no_formulas = _stage(big, S.SegmentSettings(keep_formulas=False), out)
    cutter = S.get_segmenter(settings)._jieba
    started = time.perf_counter()
    for _, text in docs:
        cutter.cut(text, True)
    rjieba_cut = time.perf_counter() - started
    started = time.perf_counter()
    for _, text in docs:
        segmenter._formula_spans_in(text, settings.max_slogan_chars)
    formula_time = time.perf_counter() - started

    # jieba.posseg: its own segmentation, measured on a smaller text (it is slow).
    from jieba.posseg import POSTokenizer

    small = "\n".join(text for _, text in _document_texts(sentences)) * (1 if quick else 5)
    posseg = POSTokenizer(reference_tokenizer)
    started = time.perf_counter()
    posseg_words = [w for w, _ in posseg.lcut(small)]
    posseg_time = time.perf_counter() - started
    posseg_agreement, _ = S.compare_segmentations(
        [t for t in reference_tokenizer.lcut(small) if not t.isspace()], [w for w in posseg_words if not w.isspace()])

    gold = S.read_gold(GOLD)
    gold_texts = ["".join(words) for words in gold]
    plain = S.jieba_reference_tokenizer(None)
    scores = {
        "plain_jieba": S.segmentation_scores(gold, [plain.lcut(t) for t in gold_texts]),
        "domain_dict": S.segmentation_scores(gold, [reference_tokenizer.lcut(t) for t in gold_texts]),
        "stage": S.segmentation_scores(gold, S.segment_texts(gold_texts, settings)),
    }
    shutil.rmtree(out, ignore_errors=True)

    metrics = {
        "segment_chars": n_chars,
        "segment_tokens": int(len(tokens)),
        "segment_workers": settings.n_workers(),
        "segment_seconds": stage,
        "segment_chars_per_s": n_chars / stage,
        "jieba_seconds": jieba_time,
        "jieba_chars_per_s": n_chars / jieba_time,
        "segment_speedup_vs_jieba": jieba_time / stage,
        "segment_cpu_seconds": stage_cpu,
        "jieba_cpu_seconds": jieba_cpu,
        "segment_speedup_vs_jieba_cpu": jieba_cpu / stage_cpu,
        "segment_agreement_with_jieba": agreement,
        "segment_agreement_differences": len(differences),
        "segment_peak_memory_mb": memory.peak / 2**20,
        "segment_memory_increase_mb": (memory.peak - before) / 2**20,
        "segment_setup_seconds": setup,
        "other_work_cores": other_work,
        "segment_1worker_chars_per_s": n_chars / one_worker,
        "segment_no_formulas_chars_per_s": n_chars / no_formulas,
        "rjieba_cut_chars_per_s": n_chars / rjieba_cut,
        "formula_spans_chars_per_s": n_chars / formula_time,
        "posseg_chars_per_s": len(small) / posseg_time,
        "posseg_agreement_with_cut": posseg_agreement,
        "gold_sentences": len(gold),
    }
    for name, score in scores.items():
        for key in ("precision", "recall", "f1"):
            metrics[f"gold_{key}_{name}"] = score[key]
    metrics["details"] = {
        "agreement_differences": differences,
        "stage_runs_wall_cpu_seconds": stage_runs,
        "jieba_runs_wall_cpu_seconds": jieba_runs,
        "gold_counts": {name: {k: s[k] for k in ("n_gold", "n_predicted", "n_correct")} for name, s in scores.items()},
    }
    return metrics


if __name__ == "__main__":
    results = run(quick="--quick" in sys.argv[1:])
    details = results.pop("details")
    for key, value in results.items():
        print(f"{key:36s} {value:.4g}" if isinstance(value, float) else f"{key:36s} {value}")
    print(f"\n{len(details['agreement_differences'])} agreement difference(s):")
    for d in details["agreement_differences"]:
        print(f"  {d['doc_id']} {d['start']}-{d['end']} ×{d['occurrences']}: jieba [{d['jieba']}] "
              f"stage [{d['stage']}]  …{d['context']}…")
