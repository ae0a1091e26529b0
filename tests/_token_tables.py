"""Small hand-made stage tables that follow the schema of ``lib/README.md`` (for unit tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.schema import DOCUMENTS, TOKENS

PUNCT = set("，。、；：！？“”（）,.;:!?")
STOP = {"的", "了", "和", "是", "在"}


def make_tokens(docs: dict[str, list[list[str]]]) -> pd.DataFrame:
    """``{doc_id: [[tokens of paragraph 0], [tokens of paragraph 1], …]}`` → a token table.

    Every paragraph is one sentence; paragraphs are joined by ``"\\n"`` in the document text, so
    ``char_start``/``char_end`` index the text returned by :func:`make_documents`.
    """
    rows = []
    for doc_id, paragraphs in docs.items():
        offset = 0
        index = 0
        for para_id, words in enumerate(paragraphs):
            for word in words:
                rows.append((doc_id, para_id, para_id, index, offset, offset + len(word), word))
                offset += len(word)
                index += 1
            offset += 1  # the "\n" between paragraphs
    df = pd.DataFrame(rows, columns=TOKENS.names[:7])
    df["doc_id"] = df["doc_id"].astype("str")
    df["token"] = df["token"].astype("str")
    df["pos"] = pd.Series(np.where(df["token"].isin(PUNCT), "x", "n"), dtype="str")
    df["is_stop"] = df["token"].isin(STOP)
    df["is_punct"] = df["token"].isin(PUNCT)
    df["is_formula"] = False
    return TOKENS.conform(df[TOKENS.names])


def make_documents(docs: dict[str, list[list[str]]], dates: dict[str, str] | None = None,
                   places: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """The ``documents`` table matching :func:`make_tokens` (``text`` = paragraphs joined by ``"\\n"``)."""
    dates = dates or {}
    places = places or {}
    rows = []
    for doc_id, paragraphs in docs.items():
        text = "\n".join("".join(p) for p in paragraphs)
        zh, en = places.get(doc_id, (doc_id, doc_id))
        rows.append({"doc_id": doc_id, "place_zh": zh, "place_en": en, "date": dates.get(doc_id, ""),
                     "n_chars_raw": len(text) + 10, "n_chars_clean": len(text),
                     "n_paragraphs": len(paragraphs), "n_sentences": len(paragraphs), "text": text})
    df = pd.DataFrame(rows).assign(encoding="utf-8", script="simplified", converted_to_simplified=False,
                                   n_removals=0)
    return DOCUMENTS.conform(df)
