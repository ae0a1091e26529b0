"""What the importer reads from a document when its source does not say it (each rule below, nothing else).

Only the head of a text is searched (its first :data:`HEAD_CHARS` characters, where a published speech
prints its delivery line and speaker), and each value found carries the exact text it was read from,
which goes into ``notes``:

* **date of delivery** from a line of its own such as ``——2025年3月5日在第十四届全国人民代表大会第三次会议上``
  (the dash is optional; the meeting becomes ``event``), ``（2017年10月18日）`` or
  ``（2023年3月13日第十四届全国人民代表大会第一次会议通过）``;
* **speaker and role** from a role followed by a name on its own line: ``国务院总理\u3000李强``,
  ``国务院总理\n李\u3000强``, ``市长 张三`` (the roles: :data:`ROLES`). A name in running text ("国务院总理李强
  所作的报告") is the subject of the text, not its speaker, and is not taken;
* **year** from the title (``2025年中华人民共和国国务院政府工作报告`` → 2025) or the file name;
* **genre** from the title, by the rules of ``data/dictionaries/import_genre_rules.csv`` (first match wins).

Dates written in Chinese numerals (一九五四年) are not read: such a date stays unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from huayu.errors import DictionaryError
from huayu.paths import DICTIONARIES

HEAD_CHARS = 400
GENRE_RULES = DICTIONARIES / "import_genre_rules.csv"

#: Roles after which a speaker's name is taken (longest first, so 国务院总理 wins over 总理).
ROLES: tuple[str, ...] = (
    "国务院代总理", "国务院总理", "国务院副总理", "中共中央总书记", "总书记", "代省长", "省长", "副省长",
    "代市长", "市长", "副市长", "代区长", "区长", "代县长", "县长", "州长", "旗长", "盟长", "镇长", "乡长",
    "主席", "自治区主席", "书记", "委员长",
)
_GAP = r"[ \t\u3000\u00a0]"
_NAME = rf"[\u4e00-\u9fff](?:{_GAP}*[\u4e00-\u9fff]){{1,3}}"
_ROLE = "|".join(re.escape(r) for r in sorted(ROLES, key=len, reverse=True))
_SPEAKER = re.compile(rf"^{_GAP}*(?P<prefix>[\u4e00-\u9fff]{{0,12}}?)(?P<role>{_ROLE}){_GAP}*\n?{_GAP}*"
                      rf"(?P<name>{_NAME}){_GAP}*$", re.MULTILINE)
_DELIVERY = re.compile(r"^[ \t\u3000]*(?:——|--|－－|—)?[ \t\u3000]*(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
                       r"[ \t\u3000]*在(?P<event>[^\n]{2,60}?)上(?:的(?:讲话|报告|发言))?[ \t\u3000]*$", re.MULTILINE)
_BRACKETED = re.compile(r"^[ \t\u3000]*[（(][ \t\u3000]*(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
                        r"(?P<rest>[^）)\n]{0,60})[）)][ \t\u3000]*$", re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)年")


@dataclass(frozen=True)
class Inference:
    """A value read from the document, and the reason (with the text it was read from) for ``notes``."""

    column: str
    value: str
    reason: str


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _head(text: str) -> str:
    # full-width digits (１９９６) read as digits, for matching only: the text itself is never changed
    return text[:HEAD_CHARS].translate(_DIGITS).replace("\u200b", "")


def _date(y: str, m: str, d: str) -> str | None:
    try:
        return pd.Timestamp(year=int(y), month=int(m), day=int(d)).strftime("%Y-%m-%d")
    except ValueError:
        return None


def _quote(text: str) -> str:
    return "〈" + re.sub(r"\s+", " ", text.strip()) + "〉"


def delivery_date(text: str) -> list[Inference]:
    """The date (and meeting, as ``event``) of the text's delivery line, if it prints one."""
    head = _head(text)
    found = _DELIVERY.search(head)
    if found:
        date = _date(found["y"], found["m"], found["d"])
        if date:
            event = found["event"].strip()
            reason = f"from the text's delivery line {_quote(found.group(0))}"
            return [Inference("date", date, reason), Inference("event", event, reason)]
    found = _BRACKETED.search(head)
    if found:
        date = _date(found["y"], found["m"], found["d"])
        if date:
            out = [Inference("date", date, f"from the text's date line {_quote(found.group(0))}")]
            rest = found["rest"].strip()
            if rest.endswith("通过") and len(rest) > 4:
                out.append(Inference("event", rest[:-2].strip(), f"from the text's date line {_quote(found.group(0))}"))
            return out
    return []


def speaker(text: str) -> list[Inference]:
    """Speaker and role from a role + name line in the head of the text."""
    found = _SPEAKER.search(_head(text))
    if not found:
        return []
    name = re.sub(_GAP, "", found["name"])
    if len(name) < 2:
        return []
    role = (found["prefix"] or "") + found["role"]
    reason = f"from the text's speaker line {_quote(found.group(0))}"
    return [Inference("speakers", name, reason), Inference("speaker_roles", role, reason)]


def year_from(value: str, what: str) -> list[Inference]:
    """A year written ``YYYY年`` in a title or a file name (the first one)."""
    found = _YEAR.search((value or "").translate(_DIGITS))
    if not found:
        return []
    return [Inference("date", found.group(1), f"year from the {what} {_quote(value)}")]


@dataclass(frozen=True)
class GenreRule:
    pattern: re.Pattern
    genre: str
    description: str
    line: int


@lru_cache(maxsize=4)
def _genre_rules(path: str, mtime_ns: int) -> tuple[GenreRule, ...]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"pattern", "genre", "description"} - set(table.columns)
    if missing:
        raise DictionaryError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rules = []
    for i, row in enumerate(table.to_dict("records"), start=2):
        try:
            rules.append(GenreRule(re.compile(row["pattern"]), row["genre"].strip(), row["description"], i))
        except re.error as exc:
            raise DictionaryError(f"{path} line {i}: pattern {row['pattern']!r} is not a regular expression: "
                                  f"{exc}") from None
    return tuple(rules)


def genre_rules(path: str | Path = GENRE_RULES) -> tuple[GenreRule, ...]:
    """The title → genre rules (``pattern, genre, description``), in file order."""
    path = Path(path)
    return _genre_rules(str(path), path.stat().st_mtime_ns)


def genre_from_title(title: str, known_genres: set[str], path: str | Path = GENRE_RULES) -> list[Inference]:
    """The genre of the first rule whose pattern is found in ``title``."""
    if not title:
        return []
    for rule in genre_rules(path):
        if rule.genre in known_genres and rule.pattern.search(title):
            return [Inference("genre", rule.genre, f"from the title {_quote(title)} "
                                                   f"({Path(path).name} line {rule.line})")]
    return []
