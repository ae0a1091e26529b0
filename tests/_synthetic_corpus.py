"""Synthetic corpora of any size, made deterministically from paragraphs of real texts.

:func:`write_corpus` writes a valid corpus folder (``metadata.csv`` + ``raw/*.txt``) of ``n`` documents:
document ``i`` is a seeded random sample of the bundled paragraphs (with ``sources=("bundled", "external")``
also of the State Council and Party congress reports shipped in ``data/external/``), either a number of
paragraphs or, with ``chars_per_document``, paragraphs drawn until about that many characters; its place,
date, genre and administrative level are drawn from valid values. The same builder makes the corpora of
the tests and of ``benchmarks/bench_scale.py``. :func:`synthetic_docs` gives the same kind of documents
as ``{doc_id: [[tokens of a paragraph], …]}`` for :func:`_stats_plots.make_context` (tokens are cut
cheaply: punctuation alone, runs of two characters — enough to draw every figure).
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

from huayu.paths import ROOT

DATA = ROOT / "data"

#: (place_zh, place_en, prefecture, province, admin_level)
PLACES: tuple[tuple[str, str, str, str, str], ...] = (
    ("长安区", "Chang'an District", "西安 Xi'an", "陕西 Shaanxi", "district"),
    ("西峰区", "Xifeng District", "庆阳 Qingyang", "甘肃 Gansu", "district"),
    ("莱西市", "Laixi", "青岛 Qingdao", "山东 Shandong", "county_level_city"),
    ("安源区", "Anyuan District", "萍乡 Pingxiang", "江西 Jiangxi", "district"),
    ("昆山市", "Kunshan", "苏州 Suzhou", "江苏 Jiangsu", "county_level_city"),
    ("义乌市", "Yiwu", "金华 Jinhua", "浙江 Zhejiang", "county_level_city"),
    ("长丰县", "Changfeng County", "合肥 Hefei", "安徽 Anhui", "county"),
    ("宁乡市", "Ningxiang", "长沙 Changsha", "湖南 Hunan", "county_level_city"),
    ("郫都区", "Pidu District", "成都 Chengdu", "四川 Sichuan", "district"),
    ("南海区", "Nanhai District", "佛山 Foshan", "广东 Guangdong", "district"),
    ("晋江市", "Jinjiang", "泉州 Quanzhou", "福建 Fujian", "county_level_city"),
    ("正定县", "Zhengding County", "石家庄 Shijiazhuang", "河北 Hebei", "county"),
)
GENRES = ("speech", "news_report", "work_report")
PUNCT = set("，。、；：！？“”（）《》,.;:!?")


def bundled_paragraphs() -> list[str]:
    """The non-empty paragraphs (lines) of the bundled texts, long ones cut at sentence ends."""
    paragraphs: list[str] = []
    for path in sorted((DATA / "raw").glob("*.txt")):
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            line = line.strip()
            if len(line) < 12:
                continue
            if len(line) > 400:  # one bundled text is a single line: cut it into paragraphs of sentences
                sentences = re.findall(r"[^。！？]+[。！？]?", line)
                chunk = ""
                for s in sentences:
                    chunk += s
                    if len(chunk) >= 150:
                        paragraphs.append(chunk)
                        chunk = ""
                if chunk:
                    paragraphs.append(chunk)
            else:
                paragraphs.append(line)
    return paragraphs


EXTERNAL = DATA / "external" / "state-council-and-congress"
SOURCES = ("bundled", "external")


def external_paragraphs() -> list[str]:
    """The non-empty paragraphs (lines of at least 12 characters) of the shipped State Council and Party
    congress reports (``data/external/state-council-and-congress/*.jsonl``), in file order."""
    paragraphs: list[str] = []
    for path in sorted(EXTERNAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                paragraphs.extend(p.strip() for p in json.loads(line)["content"].splitlines()
                                  if len(p.strip()) >= 12)
    return paragraphs


def paragraph_pool(sources: tuple[str, ...] = ("bundled",)) -> list[str]:
    """The paragraphs documents are drawn from: ``bundled`` (data/raw) and/or ``external`` (data/external)."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise ValueError(f"sources={sources!r}: choose from {', '.join(SOURCES)}")
    return (bundled_paragraphs() if "bundled" in sources else []) + \
        (external_paragraphs() if "external" in sources else [])


def _documents(n: int, seed: int, min_paragraphs: int, max_paragraphs: int,
               chars_per_document: int | None = None, sources: tuple[str, ...] = ("bundled",)):
    rng = random.Random(seed)
    pool = paragraph_pool(sources)
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        year = 2019 + rng.randrange(6)
        month, day = rng.randrange(1, 13), rng.randrange(1, 29)
        if chars_per_document is None:
            k = rng.randint(min_paragraphs, min(max_paragraphs, len(pool)))
            paragraphs = rng.sample(pool, k)
        else:  # paragraphs (with replacement) until about chars_per_document characters
            paragraphs, size = [], 0
            while size < chars_per_document:
                paragraphs.append(pool[rng.randrange(len(pool))])
                size += len(paragraphs[-1]) + 2
        doc_id = f"syn{i:03d}_{year}"
        yield doc_id, place, f"{year}-{month:02d}-{day:02d}", GENRES[i % len(GENRES)], paragraphs


def write_corpus(folder: Path, n: int, *, seed: int = 0, min_paragraphs: int = 4, max_paragraphs: int = 25,
                 chars_per_document: int | None = None, sources: tuple[str, ...] = ("bundled",)) -> Path:
    """Write a corpus folder of ``n`` synthetic documents (``folder/metadata.csv``, ``folder/raw/*.txt``).

    Each document has ``min_paragraphs``–``max_paragraphs`` distinct paragraphs, or, when
    ``chars_per_document`` is given, paragraphs drawn with replacement until about that many characters.
    ``sources`` are the texts paragraphs are drawn from (:func:`paragraph_pool`). Same arguments, same files.
    """
    folder = Path(folder)
    (folder / "raw").mkdir(parents=True, exist_ok=True)
    columns = ["doc_id", "file", "place_zh", "place_en", "prefecture", "province", "admin_level", "date",
               "date_certainty", "speakers", "speaker_roles", "event", "genre", "source", "notes"]
    rows = []
    for doc_id, place, date, genre, paragraphs in _documents(n, seed, min_paragraphs, max_paragraphs,
                                                             chars_per_document, tuple(sources)):
        file = f"raw/{doc_id}.txt"
        (folder / file).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        zh, en, prefecture, province, level = place
        rows.append({"doc_id": doc_id, "file": file, "place_zh": zh, "place_en": en, "prefecture": prefecture,
                     "province": province, "admin_level": level, "date": date, "date_certainty": "stated",
                     "speakers": "unknown", "speaker_roles": "unknown", "event": "全体会议", "genre": genre,
                     "source": "synthetic", "notes": "Paragraphs sampled from the bundled texts."})
    with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return folder


def cut(text: str) -> list[str]:
    """Cheap tokens: punctuation alone, other characters in runs of two."""
    tokens: list[str] = []
    run = ""
    for ch in text:
        if ch in PUNCT or ch.isspace():
            if run:
                tokens.extend(run[j:j + 2] for j in range(0, len(run), 2))
                run = ""
            if ch in PUNCT:
                tokens.append(ch)
        else:
            run += ch
    if run:
        tokens.extend(run[j:j + 2] for j in range(0, len(run), 2))
    return tokens


def synthetic_docs(n: int, *, seed: int = 0, min_paragraphs: int = 2, max_paragraphs: int = 6):
    """``({doc_id: [[tokens], …]}, {doc_id: (place_zh, place_en)}, {doc_id: date})`` of ``n`` documents."""
    docs, places, dates = {}, {}, {}
    for doc_id, place, date, _genre, paragraphs in _documents(n, seed, min_paragraphs, max_paragraphs):
        docs[doc_id] = [cut(p) for p in paragraphs]
        places[doc_id] = (place[0], place[1])
        dates[doc_id] = date
    return docs, places, dates
