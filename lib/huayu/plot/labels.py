"""Labels in Chinese or English: place names, terms and fixed texts of figures.

* Places: ``place_zh`` / ``place_en`` from the metadata. A document without a place (the template speech)
  is labelled 模板 / Template. When two documents share a place label, the year of ``date`` (or the
  ``doc_id``) is added, e.g. "Laixi 2023".
* Terms: ``lang="zh"`` shows the term itself. ``lang="en"`` looks the term up in the zh→en glossary
  (``data/dictionaries/glossary_zh_en.csv``, columns ``zh,en,note``); a term not in the glossary is
  romanised with Hanyu Pinyin with tone marks (``pypinyin``, phrase-aware for polyphonic characters, one
  space between syllables, non-Chinese characters kept), e.g. 莱西 → "lái xī". ``show_zh=True`` adds
  the Chinese: "high-quality development (高质量发展)". A glossary label shared by several terms (推动 and
  促进 are both "promote") always carries the Chinese, "promote (推动)", so no two bars read the same.
* Fixed texts: ``text(zh="关键词", en="Keyword")``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from huayu.errors import GlossaryError
from huayu.paths import DICTIONARIES

LANGS = ("zh", "en")
GLOSSARY_PATH = DICTIONARIES / "glossary_zh_en.csv"
TEMPLATE_LABEL = {"zh": "模板", "en": "Template"}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def check_lang(lang: str) -> str:
    """Validate ``lang`` (``"zh"`` or ``"en"``)."""
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not supported; valid values: {', '.join(map(repr, LANGS))}")
    return lang


@functools.lru_cache(maxsize=8)
def _read_glossary(path: str, mtime_ns: int) -> dict[str, str]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", comment=None)
    missing = {"zh", "en"} - set(df.columns)
    if missing:
        raise GlossaryError(f"glossary {path}: missing column(s) {sorted(missing)}; expected zh,en,note")
    df["zh"] = df["zh"].str.strip()
    df["en"] = df["en"].str.strip()
    empty = df[(df["zh"] == "") | (df["en"] == "")]
    if len(empty):
        raise GlossaryError(f"glossary {path}: empty zh or en in line(s) {[i + 2 for i in empty.index[:10]]}")
    pairs = df.drop_duplicates(["zh", "en"])
    conflicts = pairs[pairs.duplicated("zh", keep=False)]
    if len(conflicts):
        shown = "; ".join(f"{zh}: {', '.join(g['en'])}" for zh, g in conflicts.groupby("zh", sort=True))
        raise GlossaryError(f"glossary {path}: terms with more than one translation: {shown[:300]}")
    return dict(zip(pairs["zh"], pairs["en"], strict=True))


def read_glossary(path: str | Path = GLOSSARY_PATH) -> dict[str, str]:
    """``{zh: en}`` from a glossary CSV (``zh,en,note``); identical duplicate rows are allowed."""
    p = Path(path)
    if not p.exists():
        raise GlossaryError(f"glossary file not found: {p}")
    return dict(_read_glossary(str(p), p.stat().st_mtime_ns))


def _apostrophe(syllables: list[str]) -> str:
    out = ""
    for i, s in enumerate(syllables):
        if i and s and s[0] in "aāáǎàoōóǒòeēéěè":
            out += "'"
        out += s
    return out


@functools.lru_cache(maxsize=4096)
def pinyin(term: str) -> str:
    """Hanyu Pinyin of ``term`` with tone marks, one space between syllables; other characters kept.

    Uses ``pypinyin`` (phrase dictionary for polyphonic characters: 重点 → zhòng diǎn, 长安 → cháng ān).
    """
    from pypinyin import Style, lazy_pinyin

    parts: list[str] = []
    pos = 0
    for m in _HAN.finditer(term):
        if m.start() > pos:
            parts.append(term[pos:m.start()].strip())
        parts.append(" ".join(lazy_pinyin(m.group(), style=Style.TONE, errors="default")))
        pos = m.end()
    if pos < len(term):
        parts.append(term[pos:].strip())
    return " ".join(p for p in parts if p)


def _has_value(value) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return False
    return str(value).strip().lower() not in {"", "unknown", "未知", "nan", "none"}


class Labeler:
    """Labels in one language for one corpus.

    ``documents_table`` is the documents table (``doc_id``, ``place_zh``, ``place_en``, ``genre``, ``date``);
    ``glossary`` a ``{zh: en}`` mapping (default: the project's glossary file, read lazily).
    """

    def __init__(self, lang: str = "zh", documents_table: pd.DataFrame | None = None, *,
                 glossary: Mapping[str, str] | str | Path | None = None, show_zh: bool = False) -> None:
        self.lang = check_lang(lang)
        if not isinstance(show_zh, bool):
            raise ValueError(f"show_zh={show_zh!r}: must be True or False")
        self.show_zh = show_zh
        self._glossary_arg = glossary
        self._glossary: dict[str, str] | None = None
        self._documents = documents_table
        self._doc_labels: dict[str, str] | None = None
        #: every term labelled so far → how it was labelled in English (``glossary``, ``pinyin``, ``as-is``)
        self.used: dict[str, str] = {}

    # ------------------------------------------------------------------ glossary
    @property
    def glossary(self) -> dict[str, str]:
        if self._glossary is None:
            g = self._glossary_arg
            if g is None or isinstance(g, str | Path):
                self._glossary = read_glossary(g or GLOSSARY_PATH)
            else:
                self._glossary = dict(g)
        return self._glossary

    def source(self, term: str) -> str:
        """How :meth:`term` labels ``term`` in English: ``"glossary"``, ``"pinyin"`` or ``"as-is"``."""
        term = str(term)
        if term in self.glossary:
            return "glossary"
        return "pinyin" if _HAN.search(term) else "as-is"

    def unglossed(self, terms: Iterable[str]) -> list[str]:
        """The Chinese terms of ``terms`` that have no glossary entry (sorted, unique)."""
        return sorted({str(t) for t in terms if self.source(str(t)) == "pinyin"})

    # ------------------------------------------------------------------ terms
    def term(self, term: str) -> str:
        """The label of a term: itself in ``zh``; glossary English, else pinyin, in ``en``."""
        term = str(term)
        self.used[term] = self.source(term)
        if self.lang == "zh":
            return term
        english = self.glossary.get(term)
        if english is None:
            english = pinyin(term) if _HAN.search(term) else term
        elif self._shared_labels().get(english.casefold(), 0) > 1:
            return f"{english} ({term})"  # 推动 and 促进 are both "promote": say which one this is
        if self.show_zh and _HAN.search(term) and english != term:
            return f"{english} ({term})"
        return english

    def _shared_labels(self) -> dict[str, int]:
        if getattr(self, "_label_counts", None) is None:
            counts: dict[str, int] = {}
            for en in self.glossary.values():
                counts[en.casefold()] = counts.get(en.casefold(), 0) + 1
            self._label_counts = counts
        return self._label_counts

    def terms(self, terms: Iterable[str]) -> list[str]:
        """:meth:`term` for each term; labels that would coincide get the Chinese added to tell them apart.

        (Two terms can share an English label, e.g. 贯彻 and 落实 both "implement".)
        """
        terms = [str(t) for t in terms]
        out = [self.term(t) for t in terms]
        counts: dict[str, set[str]] = {}
        for t, lab in zip(terms, out, strict=True):
            counts.setdefault(lab, set()).add(t)
        return [f"{lab} ({t})" if len(counts[lab]) > 1 and f"({t})" not in lab else lab
                for t, lab in zip(terms, out, strict=True)]

    # ------------------------------------------------------------------ documents
    def _build_doc_labels(self) -> dict[str, str]:
        docs = self._documents
        if docs is None:
            raise ValueError("doc labels need the documents table; pass documents= to Labeler")
        col = "place_zh" if self.lang == "zh" else "place_en"
        labels: dict[str, str] = {}
        for _, row in docs.iterrows():  # one row per document
            doc_id = str(row["doc_id"])
            value = row.get(col)
            if not _has_value(value) and self.lang == "en" and _has_value(row.get("place_zh")):
                value = pinyin(str(row["place_zh"]))
            if _has_value(value):
                labels[doc_id] = str(value).strip()
            elif str(row.get("genre", "")).strip().lower() == "template":
                labels[doc_id] = TEMPLATE_LABEL[self.lang]
            else:
                labels[doc_id] = doc_id
        counts = pd.Series(list(labels.values())).value_counts()
        dup = set(counts[counts > 1].index)
        if dup:
            years = {}
            if "date" in docs.columns:
                years = {str(d): str(v)[:4] for d, v in zip(docs["doc_id"], docs["date"], strict=True)
                         if _has_value(v) and re.match(r"^\d{4}", str(v))}
            for doc_id, label in list(labels.items()):
                if label in dup:
                    labels[doc_id] = f"{label} {years.get(doc_id, doc_id)}"
            again = pd.Series(list(labels.values())).value_counts()
            for doc_id, label in list(labels.items()):
                if again[label] > 1:
                    labels[doc_id] = f"{label} ({doc_id})"
        return labels

    def doc(self, doc_id: str) -> str:
        """The label of a document: its place (zh or en), 模板/Template for the template speech."""
        if self._doc_labels is None:
            self._doc_labels = self._build_doc_labels()
        try:
            return self._doc_labels[str(doc_id)]
        except KeyError:
            raise ValueError(f"doc_id={doc_id!r} is not in the corpus; valid values: "
                             f"{', '.join(self._doc_labels)}") from None

    def docs(self, doc_ids: Iterable[str]) -> list[str]:
        """:meth:`doc` for each document."""
        return [self.doc(d) for d in doc_ids]

    def doc_map(self) -> dict[str, str]:
        """``{doc_id: label}`` for every document of the corpus."""
        if self._doc_labels is None:
            self._doc_labels = self._build_doc_labels()
        return dict(self._doc_labels)

    # ------------------------------------------------------------------ fixed text
    def text(self, zh: str, en: str) -> str:
        """``zh`` or ``en``, whichever the language is."""
        return zh if self.lang == "zh" else en


TERMS_FILE = ".terms.json"


def unglossed_terms(figures_dir: str | Path) -> dict[str, list[str]]:
    """``{notebook: [terms]}`` of Chinese terms that figures under ``figures_dir`` showed without a glossary entry.

    Reads the ``<notebook>/.terms.json`` files that :class:`huayu.notebook.context.NotebookContext` writes with each
    figure (in either language), so a run of the suite tells which terms ``lang="en"`` would show in pinyin.
    """
    import json

    out: dict[str, list[str]] = {}
    for path in sorted(Path(figures_dir).glob(f"*/{TERMS_FILE}")):
        terms = json.loads(path.read_text(encoding="utf-8")).get("terms", {})
        missing = sorted(t for t, source in terms.items() if source == "pinyin")
        if missing:
            out[path.parent.name] = missing
    return out
