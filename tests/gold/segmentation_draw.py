"""Draw the sentences of ``segmentation_gold_fresh.txt`` (the second held-out genre set; see
``segmentation_README.md``): ``python tests/gold/segmentation_draw.py`` prints them with plain jieba's draft
segmentation (jieba's ``dict.txt`` only, HMM off), to be corrected by hand against the guideline.

Sentences are split at 。！？； within a paragraph and kept when 14–64 characters long, as for the first two
genre files. Left out: every sentence already in a gold file, Wikisource's licence footer, fragments with an
unbalanced bracket or quotation mark, and the reports that mix Traditional characters into Simplified text
(1950s work reports, the 1921 Guangzhou report, the 7th congress stub). Drawn with ``random.Random(2026)``:
one sentence from each of 40 work reports, 40 from the congress reports and 20 from the bundled texts (cleaned
by the pipeline), all at random; then 30 more, at random, among the sentences of any source in which a person
is named (a title next to two or three characters that start with one of fifty common surnames: 书记 周科,
邓小平同志), so that names are well represented.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT / "data" / "external" / "state-council-and-congress"
_SENTENCE = re.compile(r"[^。！？；]*[。！？；]")
_TRADITIONAL = re.compile("[這個們為說國進會對時從與發經義產黨]")
# Fifty common surnames (those of the Ministry of Public Security's 2020 list of the most frequent, first 50).
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟"
_NAMED = re.compile(f"[{_SURNAMES}][\u4e00-\u9fd5]{{1,2}}(?:同志|总书记|主席|总理|委员长)"
                    f"|(?:书记|区长|市长|县长|主任|部长|总理|主席)[{_SURNAMES}][\u4e00-\u9fd5]{{1,2}}(?=[主出讲指强说在、，,])")


def _balanced(text: str) -> bool:
    pairs = ("（）", "()", "“”", "《》", "【】")
    return all(text.count(a) == text.count(b) for a, b in pairs)


def _split(content: str) -> list[str]:
    out = []
    for paragraph in content.splitlines():
        for m in _SENTENCE.finditer(paragraph.strip()):
            s = m.group().strip()
            if 14 <= len(s) <= 64 and _balanced(s) and "本作品" not in s and "本模板" not in s:
                out.append(s)
    return out


def _gold_sentences() -> set[str]:
    seen = set()
    for path in (ROOT / "tests" / "gold").glob("segmentation_*.txt"):
        if path.name == "segmentation_gold_fresh.txt":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                seen.add("".join(line.split()))
    return seen


def sources() -> dict[str, list[str]]:
    """Candidate sentences per source label (the label written in the gold file's comment)."""
    out: dict[str, list[str]] = {}
    for line in (EXTERNAL / "government_work_reports.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        year = record.get("year")
        if year is None or int(year) < 1960 or _TRADITIONAL.search(record["content"][:3000]):
            continue
        out[f"work_report:{year}"] = _split(record["content"])
    for line in (EXTERNAL / "cpc_congress_reports.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["congress"] < 9 or len(record["content"]) < 1000:
            continue
        out[f"congress:{record['congress']}"] = _split(record["content"])
    sys.path.insert(0, str(ROOT / "lib"))
    from huayu.paths import DATA
    from huayu.pipeline.corpus import load_corpus
    from huayu.pipeline.prepare import clean_corpus

    sentences = clean_corpus(load_corpus(DATA, progress=False), progress=False)["sentences"]
    for doc, group in sentences.groupby("doc_id", sort=True):
        out[f"bundled:{doc}"] = [s for text in group["text"] for s in _split(text) or
                                 ([text] if 14 <= len(text) <= 64 and _balanced(text) else [])]
    return out


def draw() -> list[tuple[str, str]]:
    rng = random.Random(2026)
    seen = _gold_sentences()
    pool = {label: sorted({s for s in found if "".join(s.split()) not in seen}) for label, found in sources().items()}
    chosen: list[tuple[str, str]] = []
    taken = set()

    def take(label: str, sentence: str) -> None:
        chosen.append((label, sentence))
        taken.add(sentence)

    reports = sorted(label for label in pool if label.startswith("work_report:") and pool[label])
    for label in sorted(rng.sample(reports, 40)):
        take(label, rng.choice(pool[label]))
    congress = [(label, s) for label in sorted(pool) if label.startswith("congress:") for s in pool[label]]
    for label, s in rng.sample(congress, 40):
        take(label, s)
    bundled = [(label, s) for label in sorted(pool) if label.startswith("bundled:") for s in pool[label]]
    for label, s in rng.sample(bundled, 20):
        take(label, s)
    named = [(label, s) for label in sorted(pool) for s in pool[label] if _NAMED.search(s) and s not in taken]
    for label, s in rng.sample(named, 30):
        take(label, s)
    return chosen


if __name__ == "__main__":
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for label, sentence in draw():
        print(f"# {label}")
        print(" ".join(w for w in tokenizer.lcut(sentence, HMM=False) if w.strip()))
