"""Screening texts for what a collected corpus often holds by mistake: stubs and texts not in Chinese.

Collections scraped or shared by others contain pages that are not the document: a disambiguation stub
("論聯合政府的版本包括：…", 76 characters) next to 30,000-character reports, or an English translation
mixed in with the Chinese originals. Two measures, each a plain count:

* **near-empty**: fewer than :data:`NEAR_EMPTY_CHARS` characters that are not whitespace. The shortest
  genuine documents of the shipped State Council collection (the NPC's resolutions on a work report) have
  about 500; a stub, a title-only page or a "page not found" notice has far fewer.
* **not Chinese**: the Han share ``h = n_han / (n_han + n_other_letters)`` is below
  :data:`MIN_HAN_SHARE`, where ``n_han`` counts CJK unified ideographs (basic block and extension A) and
  ``n_other_letters`` every other alphabetic character (Latin, Cyrillic …; Unicode category ``L*``).
  Digits, punctuation and spaces do not count either way, so numbers and Latin abbreviations (GDP, 5G) in a
  Chinese text hardly move it: a Chinese report scores above 0.95, an English translation below 0.05.

:func:`screen_text` returns the reasons a text is flagged (none for an ordinary document). Both the importer
(``python -m huayu import``, in its review summary) and ``prepare`` (a warning per document, or leaving it
out with ``--exclude-flagged``) use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEAR_EMPTY_CHARS = 200
MIN_HAN_SHARE = 0.5
_INVISIBLE = "\u200b\u200c\u200d\ufeff"  # zero-width characters: not counted


def is_han(ch: str) -> bool:
    """A CJK unified ideograph (U+4E00–U+9FFF) or one of extension A (U+3400–U+4DBF)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@dataclass(frozen=True)
class TextCounts:
    """``chars``: characters that are not whitespace; ``han`` and ``other_letters`` as in the module doc."""

    chars: int
    han: int
    other_letters: int

    @property
    def han_share(self) -> float:
        """``han / (han + other_letters)``; 1.0 for a text without letters (nothing says it is not Chinese)."""
        letters = self.han + self.other_letters
        return self.han / letters if letters else 1.0


def count_text(text: str) -> TextCounts:
    """Count the characters :func:`screen_text` judges by: NumPy over the code points, and each distinct
    code point outside the Han blocks looked up once (no Python loop over the text)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    han_mask = ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))
    han = int(np.count_nonzero(han_mask))
    rest, counts = np.unique(codes[~han_mask], return_counts=True)
    chars = han
    other = 0
    for code, count in zip(rest.tolist(), counts.tolist()):
        ch = chr(code)
        if ch.isspace() or ch in _INVISIBLE:
            continue
        chars += count
        if ch.isalpha():
            other += count
    return TextCounts(chars, han, other)


def screen_text(text: str, *, near_empty_chars: int = NEAR_EMPTY_CHARS,
                min_han_share: float = MIN_HAN_SHARE) -> list[str]:
    """The reasons ``text`` looks like no real Chinese document: ``[]`` for an ordinary one.

    A near-empty text is not also judged for its language (a handful of characters says little).
    """
    counts = count_text(text)
    if counts.chars < near_empty_chars:
        return [f"near-empty: {counts.chars} characters (fewer than {near_empty_chars}), probably a stub "
                "or a page that is not the document"]
    if counts.han_share < min_han_share:
        return [f"mostly not Chinese: {100 * counts.han_share:.0f}% of its letters are Chinese characters "
                f"(less than {100 * min_han_share:.0f}%), e.g. a translation"]
    return []
