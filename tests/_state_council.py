"""The reports of data/external/ as a corpus folder (metadata.csv + raw/), for tests.

A fixed subset for tests that need a corpus of reports only (``python -m huayu import`` is how a user imports the
whole collection, see tests/pipeline/test_importing.py): the Premier's annual reports (政府工作报告, year known
from the ``year`` field or the title), written unchanged, one file each; the NPC resolutions on a report are left
out. With ``congress=True`` the Party congress reports are added (67 documents in all): every report of
``cpc_congress_reports.jsonl`` but the 76-character stub of the 7th congress, genre ``speech`` (the report is
delivered as a speech to the congress), dated by the year of its congress (``date_certainty = inferred``, from the
congress number).
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
CONGRESS_SOURCE = SOURCE.with_name("cpc_congress_reports.jsonl")
#: the year each national congress of the Communist Party of China opened
CONGRESS_YEARS = {1: 1921, 2: 1922, 3: 1923, 4: 1925, 5: 1927, 6: 1928, 7: 1945, 8: 1956, 9: 1969, 10: 1973,
                  11: 1977, 12: 1982, 13: 1987, 14: 1992, 15: 1997, 16: 2002, 17: 2007, 18: 2012, 19: 2017,
                  20: 2022}
#: shorter records are stubs (a title and a pointer), not reports
MIN_CHARS = 1000
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


def congress_reports() -> list[dict]:
    """The Party congress reports of at least :data:`MIN_CHARS` characters, each with ``year`` (its congress)."""
    out = []
    for line in CONGRESS_SOURCE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if len(record.get("content", "")) >= MIN_CHARS and record.get("congress") in CONGRESS_YEARS:
                out.append({**record, "year": CONGRESS_YEARS[record["congress"]]})
    return out


def write_corpus(dest: Path, *, limit: int | None = None, congress: bool = False) -> Path:
    """Write the work reports (the first ``limit`` by year, all by default) as a corpus folder under ``dest``;
    with ``congress=True`` the Party congress reports too (doc_id ``cpc_<congress>_<year>``)."""
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
    for n, record in enumerate(congress_reports() if congress else []):
        doc_id = f"cpc{record['congress']:02d}_{record['year']}" + (f"_{n}" if record["congress"] == 1 else "")
        (dest / "raw" / f"{doc_id}.txt").write_text(record["content"], encoding="utf-8")
        rows.append({"doc_id": doc_id, "file": f"raw/{doc_id}.txt", "place_zh": "中国", "place_en": "China",
                     "prefecture": "unknown", "province": "unknown", "admin_level": "national",
                     "date": str(record["year"]), "date_certainty": "inferred", "speakers": "unknown",
                     "speaker_roles": "unknown", "event": f"中国共产党第{record['congress']}次全国代表大会",
                     "genre": "speech", "source": record.get("url", "unknown"),
                     "notes": f"Party congress report ({record.get('title', '')}); year of the congress"})
    with open(dest / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return dest
