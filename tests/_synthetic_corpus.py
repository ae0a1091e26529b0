"""Synthetic corpora of any size, made deterministically from paragraphs of the bundled texts.

:func:`write_corpus` writes a valid corpus folder (``metadata.csv`` + ``raw/*.txt``) of ``n`` documents:
document ``i`` is a seeded random sample of the bundled paragraphs; its place, date, genre and
administrative level are drawn from valid values. :func:`synthetic_docs` gives the same kind of documents
as ``{doc_id: [[tokens of a paragraph], …]}`` for :func:`_stats_plots.make_context` (tokens are cut
cheaply: punctuation alone, runs of two characters — enough to draw every figure).
"""

from __future__ import annotations

import csv
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


def _documents(n: int, seed: int, min_paragraphs: int, max_paragraphs: int):
    rng = random.Random(seed)
    pool = bundled_paragraphs()
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        year = 2019 + rng.randrange(6)
        month, day = rng.randrange(1, 13), rng.randrange(1, 29)
        k = rng.randint(min_paragraphs, min(max_paragraphs, len(pool)))
        paragraphs = rng.sample(pool, k)
        doc_id = f"syn{i:03d}_{year}"
        yield doc_id, place, f"{year}-{month:02d}-{day:02d}", GENRES[i % len(GENRES)], paragraphs


def write_corpus(folder: Path, n: int, *, seed: int = 0, min_paragraphs: int = 4, max_paragraphs: int = 25) -> Path:
    """Write a corpus folder of ``n`` synthetic documents (``folder/metadata.csv``, ``folder/raw/*.txt``)."""
    folder = Path(folder)
    (folder / "raw").mkdir(parents=True, exist_ok=True)
    columns = ["doc_id", "file", "place_zh", "place_en", "prefecture", "province", "admin_level", "date",
               "date_certainty", "speakers", "speaker_roles", "event", "genre", "source", "notes"]
    rows = []
    for doc_id, place, date, genre, paragraphs in _documents(n, seed, min_paragraphs, max_paragraphs):
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
