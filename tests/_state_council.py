"""The State Council work reports of data/external/ as a corpus folder (metadata.csv + raw/), for tests.

A fixed subset for tests that need a corpus of work reports only (``python -m huayu import`` is how a user
imports the whole collection, see tests/pipeline/test_importing.py): the Premier's annual reports (政府工作报告,
year known from the ``year`` field or the title), written unchanged, one file each; the NPC resolutions on a
report are left out.
Values the records do not give are ``unknown``; the year comes from a field, so ``date_certainty`` is ``stated``
when the field has it and ``inferred`` (from the title) otherwise.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from huayu.paths import ROOT

SOURCE = ROOT / "data" / "external" / "state-council-and-congress" / "government_work_reports.jsonl"
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)年")
COLUMNS = ["doc_id", "file", "place_zh", "place_en", "prefecture", "province", "admin_level", "date",
           "date_certainty", "speakers", "speaker_roles", "event", "genre", "source", "notes"]


def work_reports() -> list[dict]:
    """The work-report records (not the resolutions on them), in the file's order, each with ``year``."""
    out = []
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        title = record.get("title", "")
        if "决议" in title or "政府工作报告" not in title:
            continue
        year, how = record.get("year"), "stated"
        if not year:
            match = _YEAR.search(title)
            if not match:
                continue
            year, how = int(match.group(1)), "inferred"
        out.append({**record, "year": int(year), "date_certainty": how})
    return out


def write_corpus(dest: Path, *, limit: int | None = None) -> Path:
    """Write the work reports (the first ``limit`` by year, all by default) as a corpus folder under ``dest``."""
    reports = sorted(work_reports(), key=lambda r: r["year"])
    seen: dict[int, int] = {}
    rows = []
    (dest / "raw").mkdir(parents=True, exist_ok=True)
    for record in reports[:limit]:
        n = seen[record["year"]] = seen.get(record["year"], 0) + 1
        doc_id = f"gwr_{record['year']}" + (f"_{n}" if n > 1 else "")
        (dest / "raw" / f"{doc_id}.txt").write_text(record["content"], encoding="utf-8")
        rows.append({"doc_id": doc_id, "file": f"raw/{doc_id}.txt", "place_zh": "中国", "place_en": "China",
                     "prefecture": "unknown", "province": "unknown", "admin_level": "national",
                     "date": str(record["year"]), "date_certainty": record["date_certainty"],
                     "speakers": "unknown", "speaker_roles": "国务院总理 (Premier)", "event": "全国人民代表大会",
                     "genre": "work_report", "source": record.get("url", "unknown"),
                     "notes": "year from the title" if record["date_certainty"] == "inferred" else ""})
    with open(dest / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return dest
