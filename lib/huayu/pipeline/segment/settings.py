"""Settings of the segmentation stage: :class:`SegmentSettings`, from keyword arguments or a mapping."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from huayu.errors import ParameterError
from huayu.paths import DICTIONARIES, resolve

__all__ = ["SegmentSettings", "NAME_MODES", "SUFFIXES"]

#: Suffixes (PKU 后缀, Yu Shiwen et al. 2002, §2.2) that ``join_suffixes`` attaches to the word before them:
#: 性 (积极性), 化 (现代化), 者 (劳动者), 率 (增长率), 类 (鉴证类), 型 (服务型), 权 (表达权).
SUFFIXES = frozenset("性化者率类型权")

#: The values of :attr:`SegmentSettings.person_names`.
NAME_MODES = ("hmm_nr", "hmm", "off")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SegmentSettings:
    """Every setting of the segmentation stage.

    user_dict : jieba user dictionary (``word freq tag`` lines); ``None`` = jieba's dictionary only.
    stopwords : stopword list (one word per line); ``None`` = no token is marked ``is_stop``.
    keep_formulas : keep numbered formulas and quoted slogans as single tokens (``is_formula``).
    max_slogan_chars : longest quotation (characters) kept as one slogan token (at least 2).
    hmm : let jieba's HMM join unknown character runs into words. Off by default: measured on a
        general-news and the genre gold standard (``benchmarks/bench_segment.py``), jieba is more
        accurate without it (its HMM joins runs of single characters into words the PKU guideline
        never makes).
    phrase_max_freq : jieba's ``dict.txt`` phrase entries of four or more characters with a frequency
        up to this value are not used when jieba can cut them into dictionary words (each of two or more
        characters, or a function word); 0 = every dict.txt entry is used. See
        :func:`huayu.pipeline.segment.dictionaries.cut_phrases`.
    pku_splits : leave out the words of jieba's ``dict.txt`` that the PKU guideline writes as two words
        (一个, 这家, 多年, 第一年, 很大, 最大 …; :func:`huayu.pipeline.segment.dictionaries.pku_split_words`).
    join_numbers : numbers and time words as the PKU guideline writes them, one token each: digits with
        their decimal point and percent sign (``5.6%``), with 多/余 and 万/亿 (``9800多万``, ``98.99亿``),
        a year, month, day or hour with its unit (``2023年``, ``1月份``, ``5日``, ``9时``); ASCII or
        full-width digits.
    join_suffixes : the suffixes the PKU guideline attaches to the word before them stay attached where jieba
        cuts them off (公有 性 → 公有性, 鉴证 类 → 鉴证类, 表达 权 → 表达权; :data:`SUFFIXES`): a suffix token
        after a word of two or more Chinese characters joins it.
    person_names : how a person's name is kept whole (one token, tagged ``nr``) where jieba, without its HMM, cuts it
        into single characters (周科 → 周 科): in a run of single-character tokens, a surname of
        ``surnames`` and the one or two characters after it become one token when

        * ``"hmm_nr"`` (default): jieba's HMM, run on that stretch alone, joins them into one word *and*
          jieba.posseg's HMM tags that word a person's name (``nr``; :func:`huayu.pipeline.segment.
          dictionaries._hmm_word_tag`);
        * ``"hmm"``: jieba's HMM on that stretch joins them (no tag check);
        * ``"off"``: never (names that are dictionary words, 邓小平, 习近平, stay whole in every mode).

        Measured on every gold standard (``benchmarks/bench_segment.py``; ``tests/gold/segmentation_README.md``).
    surnames : the surname list ``person_names`` starts from (one per line); ``None`` = no name is looked for.
    workers : processes for large inputs; 0 = one per available core.
    """

    user_dict: Path | None = DICTIONARIES / "domain_dict.txt"
    stopwords: Path | None = DICTIONARIES / "stopwords_zh.txt"
    keep_formulas: bool = True
    max_slogan_chars: int = 8
    hmm: bool = False
    phrase_max_freq: int = 100
    pku_splits: bool = True
    join_numbers: bool = True
    join_suffixes: bool = True
    person_names: str = "hmm_nr"
    surnames: Path | None = DICTIONARIES / "surnames_zh.txt"
    workers: int = 0

    def __post_init__(self) -> None:
        if self.person_names not in NAME_MODES:
            raise ParameterError(f"person_names={self.person_names!r} must be one of {', '.join(map(repr, NAME_MODES))}")
        for name in ("user_dict", "stopwords", "surnames"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, (str, os.PathLike)):
                raise ParameterError(f"{name}={value!r} must be a file path or None")
            path = resolve(value)
            if not path.is_file():
                raise ParameterError(f"{name}={str(value)!r}: the file {path} does not exist")
            object.__setattr__(self, name, path)
        for name in ("keep_formulas", "hmm", "pku_splits", "join_numbers", "join_suffixes"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"{name}={getattr(self, name)!r} must be True or False")
        for name, minimum in (("max_slogan_chars", 2), ("phrase_max_freq", 0), ("workers", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ParameterError(f"{name}={value!r} must be an integer")
            if value < minimum:
                raise ParameterError(f"{name}={value} must be at least {minimum}")
            object.__setattr__(self, name, int(value))

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> SegmentSettings:
        """Settings from a mapping (e.g. ``--set KEY=VALUE`` pairs or a YAML block).

        Unknown names are an error that lists the valid ones; string values are converted
        (``"true"``/``"false"``, integers, paths; ``"none"`` or ``""`` for no file).
        """
        mapping = dict(mapping or {})
        valid = cls.names()
        unknown = sorted(k for k in mapping if k not in valid)
        if unknown:
            raise ParameterError(f"unknown segmentation setting(s) {', '.join(map(repr, unknown))}; "
                                 f"valid settings: {', '.join(valid)}")
        kwargs: dict[str, Any] = {}
        for key, value in mapping.items():
            if isinstance(value, str):
                text = value.strip()
                if key in ("user_dict", "stopwords", "surnames"):
                    value = None if text.lower() in ("", "none", "null") else text
                elif key == "person_names":
                    value = text.lower()
                elif key in ("keep_formulas", "hmm", "pku_splits", "join_numbers", "join_suffixes"):
                    if text.lower() not in _TRUE | _FALSE:
                        raise ParameterError(f"{key}={value!r} must be true or false")
                    value = text.lower() in _TRUE
                else:
                    try:
                        value = int(text)
                    except ValueError:
                        raise ParameterError(f"{key}={value!r} must be an integer") from None
            kwargs[key] = value
        return cls(**kwargs)

    def n_workers(self) -> int:
        if self.workers:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not Linux
            return max(1, os.cpu_count() or 1)

    def cut_phrases_any(self) -> bool:
        """Whether these settings leave out any of jieba's dict.txt entries."""
        return self.phrase_max_freq > 0 or self.pku_splits

    def output_settings(self) -> dict[str, Any]:
        """The settings that change the tokens table (``workers`` does not)."""
        return {"keep_formulas": self.keep_formulas, "max_slogan_chars": self.max_slogan_chars, "hmm": self.hmm,
                "phrase_max_freq": self.phrase_max_freq, "pku_splits": self.pku_splits,
                "join_numbers": self.join_numbers, "join_suffixes": self.join_suffixes, "person_names": self.person_names,
                # the surname list by name and content (the cache key hashes the other files itself)
                "surnames": None if self.surnames is None else
                f"{self.surnames.name} sha256:{hashlib.sha256(self.surnames.read_bytes()).hexdigest()[:16]}",
                "user_dict": None if self.user_dict is None else self.user_dict.name,
                "stopwords": None if self.stopwords is None else self.stopwords.name}



def _check_settings(settings: Any) -> SegmentSettings:
    if settings is None:
        return SegmentSettings()
    if isinstance(settings, SegmentSettings):
        return settings
    if isinstance(settings, Mapping):
        return SegmentSettings.from_mapping(settings)
    raise ParameterError(f"settings must be a SegmentSettings or a mapping, got {type(settings).__name__}")

