"""The review summary of an import: what came in, what was inferred, what is unknown, what looks wrong.

Printed after every import and kept as ``import_manifest.json`` in the corpus folder, so the decisions
are on record. It lists: documents per source file; how columns were filled (mapped, aliases, constants);
every inferred value with its reason (the same text is in ``notes``); per metadata column how many
documents have it ``unknown``; duplicates (the same text, whitespace aside, more than once); texts that
:mod:`huayu.pipeline.screening` flags (near-empty stubs, mostly not Chinese); texts in Traditional or mixed
script; and what was skipped (files of other kinds, rows without text, PDFs without a text layer).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

from huayu.pipeline.corpus import detect_script
from huayu.pipeline.importing.build import UNKNOWN, Row
from huayu.pipeline.importing.records import Skipped
from huayu.pipeline.metadata import REQUIRED_COLUMNS
from huayu.pipeline.screening import screen_text

_SPACE = re.compile(r"\s+")
SHOWN = 8  # examples listed per heading in the printed summary (all of them are in import_manifest.json)


def text_key(text: str) -> str:
    """Identity of a text for finding duplicates: SHA-256 of the text without any whitespace."""
    return hashlib.sha256(_SPACE.sub("", text).encode("utf-8")).hexdigest()


def duplicates(rows: list[Row]) -> list[list[str]]:
    """Groups of doc_ids whose texts are the same (whitespace aside), in corpus order."""
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        groups[text_key(row.record.text)].append(row.values["doc_id"])
    return [ids for ids in groups.values() if len(ids) > 1]


def review(rows: list[Row], skipped: list[Skipped], *, sources: list[Path], renamed: dict[str, str],
           dropped_duplicates: list[str]) -> dict:
    """The review as a JSON-serialisable dict (see the module docstring)."""
    per_source = Counter(str(row.record.source) for row in rows)
    inferred = defaultdict(list)
    for row in rows:
        for item in row.inferred:
            inferred[item.column].append({"doc_id": row.values["doc_id"], "value": item.value, "reason": item.reason})
    unknown = {}
    for column in REQUIRED_COLUMNS:
        if column in ("doc_id", "file", "notes", "date_certainty"):
            continue
        empty = [r.values["doc_id"] for r in rows if r.values.get(column, "") in ("", UNKNOWN)]
        if empty:
            unknown[column] = empty
    flagged, scripts = [], []
    for row in rows:
        for reason in screen_text(row.record.text):
            flagged.append({"doc_id": row.values["doc_id"], "origin": row.record.origin, "reason": reason})
        script, share = detect_script(row.record.text)
        if script != "simplified":
            scripts.append({"doc_id": row.values["doc_id"], "script": script, "share": round(share, 3)})
    return {
        "documents": len(rows),
        "sources": dict(per_source),
        "columns": renamed,
        "inferred": dict(inferred),
        "unknown": unknown,
        "duplicates": duplicates(rows),
        "dropped_duplicates": dropped_duplicates,
        "flagged": flagged,
        "scripts": scripts,
        "skipped": [{"where": s.where, "reason": s.reason} for s in skipped],
    }


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" … (+{len(items) - SHOWN})" if len(items) > SHOWN else "")


def render(summary: dict, out: Path) -> str:
    """The summary as the lines printed after an import."""
    lines = [f"imported {summary['documents']} documents → {out} (metadata.csv, texts/, import_manifest.json)"]
    for source, n in summary["sources"].items():
        lines.append(f"  {n:6d}  {source}")
    if summary["columns"]:
        lines.append("columns: " + "; ".join(f"{k} → {v}" for k, v in summary["columns"].items()))
    if summary["inferred"]:
        lines.append("inferred (reasons in notes; an inferred date has date_certainty = inferred):")
        for column, items in summary["inferred"].items():
            example = items[0]
            lines.append(f"  {column}: {len(items)} document(s), e.g. {example['doc_id']}: {example['value']} "
                         f"{example['reason']}")
    else:
        lines.append("inferred: nothing")
    if summary["unknown"]:
        lines.append("unknown (never guessed; fill in metadata.csv, or --set/--map and import again):")
        for column, ids in summary["unknown"].items():
            lines.append(f"  {column}: {len(ids)} of {summary['documents']}")
    lines.append("duplicates (same text): " + ("; ".join(" = ".join(g) for g in summary["duplicates"][:SHOWN])
                                              if summary["duplicates"] else "none"))
    if summary["dropped_duplicates"]:
        lines.append(f"  left out (--drop-duplicates): {_examples(summary['dropped_duplicates'])}")
    for label, key in (("near-empty", "near-empty"), ("not Chinese", "mostly not Chinese")):
        items = [f"{f['doc_id']} ({f['origin']})" for f in summary["flagged"] if f["reason"].startswith(key)]
        lines.append(f"{label}: " + (_examples(items) if items else "none"))
    if any(True for _ in summary["flagged"]):
        lines.append("  (prepare warns about these; prepare --exclude-flagged leaves them out)")
    if summary["scripts"]:
        items = [f"{s['doc_id']} ({s['script']})" for s in summary["scripts"]]
        lines.append(f"Traditional or mixed script: {_examples(items)} (prepare --to-simplified converts them)")
    if summary["skipped"]:
        lines.append(f"skipped: {len(summary['skipped'])}")
        for item in summary["skipped"][:SHOWN]:
            lines.append(f"  {item['where']}: {item['reason']}")
        if len(summary["skipped"]) > SHOWN:
            lines.append(f"  … (+{len(summary['skipped']) - SHOWN}, all in import_manifest.json)")
    return "\n".join(lines)
