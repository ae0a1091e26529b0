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
  slow).
* Quality (:func:`quality`): precision/recall/F1 (SIGHAN scoring) on the three gold standards of
  ``tests/gold`` (``segmentation_README.md``): the genre gold's tuning part (``segment_gold_f1``), its
  held-out part (``segment_gold_heldout_f1``), the second held-out part drawn after the tuning of the first two
  (``segment_gold_fresh_f1``) and the general-news gold (``segment_news_f1``), against plain
  jieba with its HMM on and off (``segment_news_f1_jieba`` is jieba's best on the news gold, the bar the
  segmenter must reach), and the effect of each setting and of the dictionary frequencies: the stage with
  one setting changed (HMM on, ``phrase_max_freq`` 0/10/30/300/1000, ``pku_splits`` or ``join_numbers`` off,
  ``person_names`` off or ``"hmm"`` instead of ``"hmm_nr"``, ``join_suffixes`` off,
  no domain dictionary) and with the domain dictionary's frequencies replaced (none: jieba-rs's own
  suggestion; margin 1 instead of 10 in the documented rule; ×100). Every score is under ``details``.

Run alone with ``python benchmarks/bench_segment.py [--quick]`` (``--quality``: the gold-standard scores alone).
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

GOLDS = {"gold": ROOT / "tests" / "gold" / "segmentation_gold.txt",
         "gold_heldout": ROOT / "tests" / "gold" / "segmentation_gold_heldout.txt",
         "gold_fresh": ROOT / "tests" / "gold" / "segmentation_gold_fresh.txt",
         "news": ROOT / "tests" / "gold" / "segmentation_news_gold.txt"}


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

    reference_tokenizer = S.jieba_reference_tokenizer(settings=settings)
    reference_tokenizer.lcut(sentences["text"].iloc[0])
    docs = _document_texts(big)
    busy, own, started = _machine_busy_seconds(), _cpu_seconds(), time.perf_counter()
    stage_runs, jieba_runs, reference = [], [], {}
    for i in range(1 if quick else 5):
        stage_runs.append(_timed(lambda: _stage(big, settings, out)))
        if i < 3:
            jieba_runs.append(_timed(lambda: reference.update({doc: reference_tokenizer.lcut(text, HMM=settings.hmm)
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
        cutter.cut(text, settings.hmm)
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
    posseg_words = [w for w, _ in posseg.lcut(small, HMM=settings.hmm)]
    posseg_time = time.perf_counter() - started
    posseg_agreement, _ = S.compare_segmentations(
        [t for t in reference_tokenizer.lcut(small, HMM=settings.hmm) if not t.isspace()],
        [w for w in posseg_words if not w.isspace()])
    shutil.rmtree(out, ignore_errors=True)
    quality_metrics, quality_details = quality()

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
        **quality_metrics,
    }
    metrics["details"] = {
        "quality": quality_details,
        "agreement_differences": differences,
        "stage_runs_wall_cpu_seconds": stage_runs,
        "jieba_runs_wall_cpu_seconds": jieba_runs,
    }
    return metrics


def _without_frequencies(rule: str) -> Path:
    """The domain dictionary with its frequencies removed (``none``) or recomputed with margin 1 or ×100."""
    entries = S.read_user_dict(S.SegmentSettings().user_dict)
    if rule == "margin_1":
        freqs = S.suggest_frequency(entries["word"].tolist(), margin=1)
    lines = []
    for word, freq, tag in entries[["word", "freq", "tag"]].itertuples(index=False):
        value = {"none": None, "margin_1": freqs[word] if rule == "margin_1" else None,
                 "times_100": int(freq) * 100}[rule]
        lines.append(" ".join(str(x) for x in (word, value, tag) if x is not None and not pd.isna(x)))
    path = cache_dir() / f"bench-domain-dict-{rule}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def quality() -> tuple[dict, dict]:
    """F1 on the gold standards: the stage, plain jieba, and the stage with one setting or the dictionary
    frequencies changed (see the module docstring). Returns flat metrics and every score."""
    golds = {name: S.read_gold(path) for name, path in GOLDS.items()}
    texts = {name: ["".join(words) for words in gold] for name, gold in golds.items()}
    plain = S.jieba_reference_tokenizer(None)
    variants = {"stage": {}, "hmm_on": {"hmm": True}, "pku_splits_off": {"pku_splits": False},
                "person_names_off": {"person_names": "off"}, "person_names_hmm": {"person_names": "hmm"},
                "join_suffixes_off": {"join_suffixes": False},
                "join_numbers_off": {"join_numbers": False}, "no_domain_dict": {"user_dict": None},
                **{f"phrase_max_freq_{n}": {"phrase_max_freq": n} for n in (0, 10, 30, 300, 1000)},
                **{f"domain_freq_{rule}": {"user_dict": None} for rule in ("none", "margin_1", "times_100")}}
    scores: dict[str, dict[str, dict]] = {}
    for name, gold in golds.items():
        scores[name] = {
            "jieba_hmm_on": S.segmentation_scores(gold, [plain.lcut(t, HMM=True) for t in texts[name]]),
            "jieba_hmm_off": S.segmentation_scores(gold, [plain.lcut(t, HMM=False) for t in texts[name]]),
        }
    for variant, changed in variants.items():
        if variant.startswith("domain_freq_"):
            changed = {"user_dict": _without_frequencies(variant.removeprefix("domain_freq_"))}
        settings = S.SegmentSettings(**changed)
        for name, gold in golds.items():
            scores[name][variant] = S.segmentation_scores(gold, S.segment_texts(texts[name], settings))
    metrics = {f"segment_{name}_sentences": len(gold) for name, gold in golds.items()}
    for name in golds:
        metrics[f"segment_{name}_f1"] = scores[name]["stage"]["f1"]
        metrics[f"segment_{name}_f1_jieba_hmm_on"] = scores[name]["jieba_hmm_on"]["f1"]
        metrics[f"segment_{name}_f1_jieba_hmm_off"] = scores[name]["jieba_hmm_off"]["f1"]
    metrics["segment_news_f1_jieba"] = max(scores["news"]["jieba_hmm_on"]["f1"], scores["news"]["jieba_hmm_off"]["f1"])
    return metrics, {name: {variant: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in score.items()}
                            for variant, score in by_variant.items()} for name, by_variant in scores.items()}


if __name__ == "__main__":
    if "--quality" in sys.argv[1:]:  # the gold-standard scores alone
        flat, details = quality()
        for key, value in flat.items():
            print(f"{key:36s} {value:.4f}" if isinstance(value, float) else f"{key:36s} {value}")
        print(f"\n{'variant':26s} " + " ".join(f"{name:>12s}" for name in details))
        for variant in details["gold"]:
            print(f"{variant:26s} " + " ".join(f"{details[name][variant]['f1']:12.4f}" for name in details))
        sys.exit(0)
    results = run(quick="--quick" in sys.argv[1:])
    details = results.pop("details")
    for key, value in results.items():
        print(f"{key:36s} {value:.4g}" if isinstance(value, float) else f"{key:36s} {value}")
    print(f"\n{len(details['agreement_differences'])} agreement difference(s):")
    for d in details["agreement_differences"]:
        print(f"  {d['doc_id']} {d['start']}-{d['end']} ×{d['occurrences']}: jieba [{d['jieba']}] "
              f"stage [{d['stage']}]  …{d['context']}…")
