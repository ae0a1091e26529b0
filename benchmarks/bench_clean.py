"""Cleaning quality on the gold set (tests/gold/cleaning) and the cost of the repeated-line evidence pass.

* ``clean_precision``, ``clean_recall``, ``clean_f1``: character-level scores of boilerplate removal over all
  gold documents (positive class: boilerplate removed; whitespace not counted; definitions in
  :mod:`huayu.pipeline.clean_gold`). Targets: precision ≥ 0.99 (real text kept), recall ≥ 0.95.
* ``clean_precision_dev`` / ``clean_recall_dev``: the documents the rules were written with;
  ``clean_precision_heldout`` / ``clean_recall_heldout``: the third held-out round (its misses were read and
  revised the rules afterwards); ``clean_precision_heldout_2`` / ``clean_recall_heldout_2``: the fourth round,
  never used to tune them (tests/gold/cleaning/README.md).
* ``clean_gold_documents``, ``clean_gold_boilerplate_chars``: the size of the set.
* ``clean_evidence_docs_per_s`` and ``clean_evidence_scaling_2x_docs``: the evidence pass
  (:func:`huayu.pipeline.evidence.count_lines` + :func:`repeated_lines`) on the gold documents replicated to N
  and 2N distinct documents; linear time gives a ratio near 2.

* ``clean_chars_per_s`` (and ``clean_chars_per_s_synthetic``): characters of raw text cleaned per second by
  :func:`huayu.pipeline.clean.clean_document` alone (the evidence pass computed beforehand, not timed) on the
  88 reports shipped in ``data/external/`` (1.48 M characters) and on a synthetic corpus of 1,000 documents of
  about 11,000 characters (``tests/_synthetic_corpus.write_corpus``, paragraphs of the bundled and external
  texts; 100 documents with ``--quick``).

``details`` also holds the per-rule profile on the shipped reports (``seconds_per_rule_external``), and lists the scores per split and kind of source and every wrongly removed or wrongly kept run of
characters of the dev and heldout documents (not of heldout_2, which stays held out). Run alone with ``python benchmarks/bench_clean.py``.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path

from huayu.paths import ROOT
from huayu.pipeline.clean import clean_document, load_rules
from huayu.pipeline.clean_gold import errors, read_gold, score_cleaning
from huayu.pipeline.evidence import count_lines, gather_evidence, repeated_lines


#: The splits whose errors ``details`` lists (heldout_2 is scored, never listed: tests/gold/cleaning/README.md).
TUNING_SPLITS = ("dev", "heldout")


def _evidence_time(docs, n: int) -> float:
    batch = [(f"{d.gold_id}_{i}", f"{d.raw}\n第{i}份", d.source) for i in range(n // len(docs) + 1) for d in docs][:n]
    started = time.perf_counter()
    repeated_lines(count_lines(batch))
    return time.perf_counter() - started


def external_documents() -> list[tuple[str, str, str, str | None]]:
    """``(doc_id, raw text, genre, source)`` of the 88 records of data/external/state-council-and-congress."""
    docs = []
    folder = ROOT / "data" / "external" / "state-council-and-congress"
    for name, genre in (("government_work_reports.jsonl", "work_report"), ("cpc_congress_reports.jsonl", "speech")):
        for i, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines()):
            if line.strip():
                record = json.loads(line)
                docs.append((f"{name.split('_')[0]}_{i}", record["content"], genre, record.get("url")))
    return docs


def synthetic_documents(n: int) -> list[tuple[str, str, str, str | None]]:
    """``n`` documents of about 11,000 characters (the tests' corpus builder), read back from a temporary folder."""
    sys.path.insert(0, str(ROOT / "tests"))
    from _synthetic_corpus import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_corpus(Path(tmp), n, chars_per_document=11000, sources=("bundled", "external"))
        with open(folder / "metadata.csv", encoding="utf-8") as fh:
            return [(row["doc_id"], (folder / row["file"]).read_text(encoding="utf-8"), row["genre"], row["source"])
                    for row in csv.DictReader(fh)]


def cleaning_speed(docs, rules) -> float:
    """Raw characters per second of :func:`clean_document` over ``docs`` (evidence gathered first, not timed)."""
    evidence = gather_evidence((doc_id, raw, source) for doc_id, raw, _, source in docs)
    started = time.perf_counter()
    for doc_id, raw, genre, source in docs:
        clean_document(raw, doc_id, genre, rules, source=source, evidence=evidence)
    return sum(len(raw) for _, raw, _, _ in docs) / (time.perf_counter() - started)


def rule_seconds(docs, rules) -> dict[str, float]:
    """Per rule, the seconds its pattern takes on every distinct paragraph of ``docs`` once (as the engine tries
    it: a whole match only within the pattern's length bounds, ``finditer`` for inline and span rules) — the
    per-rule profile; the engine's own work (splitting, look-ups) is not in it."""
    from huayu.pipeline.clean import _width, paragraph_texts

    texts = list(dict.fromkeys(p for _, raw, _, _ in docs for p in paragraph_texts(raw)))
    out = {}
    for rule in rules:
        lo, hi = _width(rule.pattern)
        started = time.perf_counter()
        if rule.kind in ("inline", "span"):
            for text in texts:
                for _ in rule.pattern.finditer(text):
                    pass
        else:
            for text in texts:
                if lo <= len(text) <= hi:
                    rule.pattern.fullmatch(text)
        out[rule.name] = time.perf_counter() - started
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def run(quick: bool = False) -> dict:
    docs = read_gold()
    rules = load_rules()
    evidence = gather_evidence((d.gold_id, d.raw, d.source) for d in docs)
    overall = score_cleaning(docs, rules, evidence=evidence)
    metrics: dict = {"clean_precision": overall.precision, "clean_recall": overall.recall, "clean_f1": overall.f1,
                     "clean_gold_documents": len(docs),
                     "clean_gold_boilerplate_chars": int(overall.per_document["n_boilerplate"].sum())}
    by_group = {}
    for split in sorted({d.split for d in docs}):  # dev, heldout, heldout_2
        part = score_cleaning([d for d in docs if d.split == split], rules, evidence=evidence)
        metrics[f"clean_precision_{split}"] = part.precision
        metrics[f"clean_recall_{split}"] = part.recall
        by_group[split] = {"documents": len(part.per_document), "precision": part.precision, "recall": part.recall,
                           "tp": part.tp, "fp": part.fp, "fn": part.fn}
    table = overall.per_document
    for (split, kind), group in table.groupby(["split", "source_kind"]):
        tp, fp, fn = int(group.tp.sum()), int(group.fp.sum()), int(group.fn.sum())
        by_group[f"{split}/{kind}"] = {"documents": len(group), "precision": tp / (tp + fp) if tp + fp else 1.0,
                                       "recall": tp / (tp + fn) if tp + fn else 1.0, "tp": tp, "fp": fp, "fn": fn}
    n = 500 if quick else 5000
    t1, t2 = _evidence_time(docs, n), _evidence_time(docs, 2 * n)
    metrics["clean_evidence_docs_per_s"] = n / t1
    metrics["clean_evidence_scaling_2x_docs"] = t2 / t1
    external = external_documents()
    metrics["clean_chars_per_s"] = cleaning_speed(external, rules)
    metrics["clean_chars_per_s_synthetic"] = cleaning_speed(synthetic_documents(100 if quick else 1000), rules)
    # the errors of the tuning documents only: reading heldout_2's would make it a tuning set
    wrong = errors([d for d in docs if d.split in TUNING_SPLITS], rules, evidence=evidence)
    metrics["details"] = {"by_split_and_source": by_group,
                          "errors": wrong.to_dict("records"),
                          "evidence_lines_per_source": {k: len(v) for k, v in evidence.lines.items()},
                          "seconds_per_rule_external": rule_seconds(external, rules)}
    return metrics


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
