"""KWIC concordance (key word in context), cut from the cleaned text by character offsets.

Every hit is a character span ``[char_start, char_end)`` of a document's cleaned text (``documents.text``);
the left and right contexts are slices of the same text, so the concordance shows the text *exactly* as
cleaning left it — punctuation, digits, quotation marks and the ``"\\n"`` between paragraphs included —
whatever the segmenter did.

Three ways to find hits (``match``):

``"token"``
    ``pattern`` is a token, or a phrase of tokens separated by spaces (``"高质量 发展"``) that must occur
    as consecutive tokens of one document.
``"regex"``
    a regular expression that must match a whole token (``r"发展\\w*"``, ``r"[一二三四五六七八九十]个.+"``).
``"chars"``
    a regular expression searched in the cleaned text itself, ignoring token boundaries (finds
    ``发展`` inside ``高质量发展``; the only way to find strings the segmenter split differently).

Context is ``context`` tokens (``context_unit="tokens"``; punctuation is shown but not counted when
``count_punct=False``) or ``context`` characters (``"chars"``) on each side, never crossing the document's
start or end. Sorting (``sort_by``): ``"position"`` (document order), ``"left"`` (by the left context
read backwards from the keyword — AntConc's 1L, 2L, … sort, at the character level) or ``"right"`` (by
the right context read forwards — 1R, 2R, …), then by keyword and position.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from huayu.checks import check_choice, check_columns, check_int, check_string_list
from huayu.errors import ParameterError

__all__ = ["kwic", "kwic_html", "show", "write_html", "MATCHES", "SORT_KEYS", "ParameterError"]

MATCHES = ("token", "regex", "chars")
SORT_KEYS = ("position", "left", "right")
CONTEXT_UNITS = ("tokens", "chars")
#: How a paragraph break is shown in the HTML table (the DataFrame keeps the real ``"\n"``).
PARAGRAPH_MARK = "¶"


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``(codes, distinct values as a str Index)``: a categorical column's own codes (the tokens as
    :func:`huayu.pipeline.tables.read_tokens` reads them, 60 million rows at 10,000 documents: no string
    and no hash per row), else ``pd.factorize`` of the strings."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), pd.Index(values.cat.categories.astype("str"), dtype="str")
    codes, uniques = pd.factorize(values.astype("str"), sort=False)
    return codes, pd.Index(np.asarray(uniques, dtype=object), dtype="str")


def _token_hits(tokens: pd.DataFrame, pattern: str, match: str) -> pd.DataFrame:
    # Integer codes of the words (the distinct words are matched, never one string per token).
    codes, words = _codes(tokens["token"])
    doc_codes, doc_names = _codes(tokens["doc_id"])
    if match == "regex":
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise ParameterError(f"pattern={pattern!r} is not a valid regular expression: {exc}") from None
        matching = np.asarray(pd.Series(words, dtype="str").str.fullmatch(rx), dtype=bool)
        first = matching[codes] if len(codes) else np.zeros(0, dtype=bool)
        length = 1
        hit_start = np.flatnonzero(first)
    else:
        phrase = pattern.split()
        length = len(phrase)
        wanted = words.get_indexer(phrase)  # -1: a word that never occurs (no hit)
        n = len(codes)
        m = max(n - length + 1, 0)
        ok = np.zeros(m, dtype=bool)
        if n >= length and (wanted >= 0).all():
            ok = codes[:m] == wanted[0]
            for j, w in enumerate(wanted[1:], start=1):  # loop over the words of the phrase, not over tokens
                ok &= codes[j:m + j] == w
                ok &= doc_codes[j:m + j] == doc_codes[:m]
        hit_start = np.flatnonzero(ok)
    hit_end = hit_start + length - 1
    return pd.DataFrame({
        "doc_id": np.asarray(doc_names, dtype=object)[doc_codes[hit_start]],
        "char_start": tokens["char_start"].to_numpy()[hit_start].astype(np.int64),
        "char_end": tokens["char_end"].to_numpy()[hit_end].astype(np.int64),
    })


def _char_hits(texts: pd.Series, pattern: str, docs: list[str]) -> pd.DataFrame:
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise ParameterError(f"pattern={pattern!r} is not a valid regular expression: {exc}") from None
    rows_doc, rows_s, rows_e = [], [], []
    for doc_id in docs:  # one regex scan per document
        spans = [(m.start(), m.end()) for m in rx.finditer(texts[doc_id]) if m.end() > m.start()]
        if spans:
            s, e = np.asarray(spans, dtype=np.int64).T
            rows_doc.append(np.full(s.size, doc_id, dtype=object)); rows_s.append(s); rows_e.append(e)
    if not rows_s:
        return pd.DataFrame({"doc_id": pd.Series([], dtype="str"), "char_start": np.zeros(0, np.int64),
                             "char_end": np.zeros(0, np.int64)})
    return pd.DataFrame({"doc_id": np.concatenate(rows_doc), "char_start": np.concatenate(rows_s),
                         "char_end": np.concatenate(rows_e)})


def _no_hits(pattern: str, match: str, tokens: pd.DataFrame, n_docs: int) -> ParameterError:
    msg = f"pattern={pattern!r} has no hits (match={match!r}) in the {n_docs} document(s) searched"
    if match == "token":
        probe = pattern.split()[0] if pattern.split() else pattern
        codes, words = _codes(tokens["token"])
        present = np.bincount(codes[codes >= 0], minlength=len(words)) > 0  # types of these tokens only
        near = words[np.asarray(words.str.contains(probe, regex=False), dtype=bool) & present][:10]
        if len(near):
            msg += (f"; tokens that contain it: {[str(w) for w in near]} — use match='chars' to find it "
                    "inside longer words")
        else:
            msg += "; check the spelling, or try match='chars' to search the characters of the text"
    elif match == "regex":
        msg += "; the expression must match a whole token (add .* to allow more characters, or use match='chars')"
    return ParameterError(msg)


def kwic(tokens: pd.DataFrame, documents_table: pd.DataFrame, pattern: str, *, match: str = "token",
         context: int = 5, context_unit: str = "tokens", sort_by: str = "position",
         count_punct: bool = False, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Concordance of ``pattern``: one row per hit.

    Parameters
    ----------
    tokens, documents
        The token table and the documents table (``text`` = cleaned text); offsets must agree.
    pattern, match
        What to look for and how (``"token"``, ``"regex"``, ``"chars"``; see the module docstring).
    context, context_unit
        How much context on each side: ``context`` tokens (default 5) or characters.
    sort_by
        ``"position"``, ``"left"`` or ``"right"``.
    count_punct
        Whether punctuation tokens count towards the ``context`` tokens (they are shown either way).
    doc_ids
        Search only these documents (default: all).

    Returns
    -------
    DataFrame ``doc_id, hit, char_start, char_end, left, keyword, right``: ``keyword`` is
    ``text[char_start:char_end]``; ``left``/``right`` the exact text around it. ``hit`` numbers the hits
    of a document in text order (from 1).
    """
    check_choice("match", match, MATCHES)
    check_choice("context_unit", context_unit, CONTEXT_UNITS)
    check_choice("sort_by", sort_by, SORT_KEYS)
    context = check_int("context", context, minimum=0, maximum=500)
    if not isinstance(pattern, str) or not pattern.strip():
        raise ParameterError("pattern is empty; give a word (e.g. '发展'), a phrase ('高质量 发展') or a regex")
    check_columns("tokens", tokens, ["doc_id", "token", "char_start", "char_end"])
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    texts = pd.Series(documents_table["text"].astype("str").to_numpy(), index=documents_table["doc_id"].astype("str"))
    all_docs = list(texts.index)
    if doc_ids is not None:
        docs = check_string_list("doc_ids", doc_ids, allow_empty=False)
        unknown = [d for d in docs if d not in texts.index]
        if unknown:
            raise ParameterError(f"doc_ids: unknown doc_id(s) {unknown}; valid values: {all_docs}")
    else:
        docs = all_docs
    present = (tokens["doc_id"].cat.categories if isinstance(tokens["doc_id"].dtype, pd.CategoricalDtype)
               else None)
    if present is not None and set(present.astype("str")) <= set(docs):
        toks = tokens  # every document of the tokens is wanted: no filtered copy of the table
    else:
        toks = tokens[tokens["doc_id"].isin(docs).to_numpy(dtype=bool)]
    if match == "chars":
        hits = _char_hits(texts, pattern, docs)
    else:
        hits = _token_hits(toks, pattern.strip() if match == "token" else pattern, match)
    if hits.empty:
        raise _no_hits(pattern, match, toks, len(docs))

    doc_order = {d: i for i, d in enumerate(all_docs)}
    hits = hits.assign(_d=hits["doc_id"].map(doc_order).astype(np.int64))
    hits = hits.sort_values(["_d", "char_start", "char_end"], kind="mergesort").reset_index(drop=True)
    d_code = hits["_d"].to_numpy()
    s = hits["char_start"].to_numpy(dtype=np.int64)
    e = hits["char_end"].to_numpy(dtype=np.int64)
    lengths = texts.str.len().reindex(all_docs).to_numpy(dtype=np.int64)
    doc_len = lengths[d_code]

    if context_unit == "chars":
        left_start = np.maximum(s - context, 0)
        right_end = np.minimum(e + context, doc_len)
    else:
        # The counted tokens as three integer arrays (document rank, char_start, char_end), ordered by
        # document and offset — the order of a tokens table, so no sort is needed (else one lexsort).
        word = None
        if not count_punct and "is_punct" in toks.columns:
            word = ~toks["is_punct"].to_numpy(dtype=bool)
        codes, names = _codes(toks["doc_id"])
        rank = names.map(doc_order).to_numpy(dtype=np.float64)
        rank = np.where(np.isnan(rank), -1, rank).astype(np.int32)  # -1: a document not in the documents table
        cd = rank[codes] if word is None else rank[codes[word]]
        cs = toks["char_start"].to_numpy() if word is None else toks["char_start"].to_numpy()[word]
        ce = toks["char_end"].to_numpy() if word is None else toks["char_end"].to_numpy()[word]
        in_order = bool(np.all((cd[1:] > cd[:-1]) | ((cd[1:] == cd[:-1]) & (cs[1:] >= cs[:-1])))) if len(cd) > 1 \
            else True
        if not in_order:
            order = np.lexsort((cs, cd))
            cd, cs, ce = cd[order], cs[order], ce[order]
            del order
        big = int(lengths.max()) + 2
        first_of_doc = np.searchsorted(cd, d_code, side="left")
        after_doc = np.searchsorted(cd, d_code, side="right")
        # one int64 search key (document · big + offset), first of the ends, then of the starts (in place)
        key = cd.astype(np.int64)
        key *= big
        key += ce
        # tokens wholly before the hit: char_end ≤ s; the context starts `context` of them back
        before = np.searchsorted(key, d_code * big + s, side="right")
        key -= ce
        key += cs
        # tokens wholly after the hit: char_start ≥ e; the context ends `context` of them on
        after = np.searchsorted(key, d_code * big + e, side="left")
        del key
        idx_left = before - context
        left_start = np.where(context == 0, s,
                              np.where(idx_left >= first_of_doc, cs[np.clip(idx_left, 0, len(cs) - 1)], 0))
        idx_right = after + context - 1
        right_end = np.where(context == 0, e,
                             np.where(idx_right < after_doc, ce[np.clip(idx_right, 0, len(ce) - 1)], doc_len))
        left_start = np.minimum(left_start, s)
        right_end = np.maximum(right_end, e)

    doc_text = texts.reindex(all_docs).to_numpy()[d_code]
    left = [t[a:b] for t, a, b in zip(doc_text, left_start, s)]  # one slice per hit
    keyword = [t[a:b] for t, a, b in zip(doc_text, s, e)]
    right = [t[a:b] for t, a, b in zip(doc_text, e, right_end)]
    out = pd.DataFrame({
        "doc_id": pd.Series(hits["doc_id"].to_numpy(), dtype="str"),
        "hit": (hits.groupby("_d").cumcount() + 1).to_numpy(dtype=np.int64),
        "char_start": s,
        "char_end": e,
        "left": pd.Series(left, dtype="str"),
        "keyword": pd.Series(keyword, dtype="str"),
        "right": pd.Series(right, dtype="str"),
    })
    out["_d"] = d_code
    if sort_by == "left":
        out["_k"] = out["left"].str[::-1]
        out = out.sort_values(["_k", "keyword", "_d", "char_start"], kind="mergesort")
    elif sort_by == "right":
        out = out.sort_values(["right", "keyword", "_d", "char_start"], kind="mergesort")
    out = out.drop(columns=[c for c in ("_d", "_k") if c in out.columns]).reset_index(drop=True)
    out.attrs.update({"pattern": pattern, "match": match, "context": context, "context_unit": context_unit,
                      "sort_by": sort_by, "n_hits": len(out)})
    return out


_CSS = (
    "<style>"
    "table.huayu-kwic{border-collapse:collapse;font-family:'Noto Sans CJK SC','Source Han Sans SC',sans-serif;}"
    "table.huayu-kwic td,table.huayu-kwic th{padding:2px 6px;border-bottom:1px solid #ddd;white-space:nowrap;}"
    "table.huayu-kwic td.left{text-align:right;}"
    "table.huayu-kwic td.kw{text-align:center;}"
    "table.huayu-kwic mark{background:#ffe08a;font-weight:bold;padding:0 2px;}"
    "table.huayu-kwic td.doc{color:#666;font-size:90%;}"
    "</style>"
)


def _cell(text: str) -> str:
    return html.escape(text).replace("\n", f'<span title="paragraph break">{PARAGRAPH_MARK}</span>')


def kwic_html(table: pd.DataFrame, *, labels: Mapping[str, str] | Callable[[str], str] | None = None,
              max_rows: int | None = 200, caption: str | None = None) -> str:
    """An HTML table of a :func:`kwic` result with the keyword highlighted (``<mark>``).

    Text is HTML-escaped; a paragraph break is shown as ``¶``. ``labels`` maps ``doc_id`` to the label
    shown in the first column (a mapping, or a function such as ``ctx.label.doc``); ``max_rows`` limits
    the rows (``None`` = all; a note says how many were left out).
    """
    check_columns("table", table, ["doc_id", "left", "keyword", "right"])
    if max_rows is not None:
        max_rows = check_int("max_rows", max_rows, minimum=1)
    rows = table if max_rows is None else table.head(max_rows)
    if isinstance(labels, Mapping):
        mapping = dict(labels)

        def label(d):
            return mapping.get(d, d)
    elif callable(labels):
        label = labels
    else:
        def label(d):
            return d
    parts = [_CSS, '<table class="huayu-kwic">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    docs = rows["doc_id"].tolist()
    shown = {d: html.escape(str(label(d))) for d in dict.fromkeys(docs)}  # one label per document, not per hit
    body = [
        f'<tr><td class="doc">{shown[d]}</td><td class="left">{_cell(lft)}</td>'
        f'<td class="kw"><mark>{_cell(kw)}</mark></td><td class="right">{_cell(rgt)}</td></tr>'
        for d, lft, kw, rgt in zip(docs, rows["left"].tolist(), rows["keyword"].tolist(), rows["right"].tolist())
    ]
    parts.extend(body)
    parts.append("</table>")
    if len(rows) < len(table):
        parts.append(f"<p>… {len(table) - len(rows)} more hit(s) not shown (see the CSV table).</p>")
    return "".join(parts)


def show(table: pd.DataFrame, **kwargs):
    """Display a :func:`kwic` result as HTML in a notebook (returns an ``IPython.display.HTML``)."""
    from IPython.display import HTML

    return HTML(kwic_html(table, **kwargs))


def write_html(table: pd.DataFrame, path, **kwargs):
    """Write :func:`kwic_html` as a standalone UTF-8 HTML page to ``path`` (atomically); returns the path."""
    from pathlib import Path

    from huayu.outputs import write_text

    page = ('<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>KWIC</title></head><body>'
            + kwic_html(table, **kwargs) + "</body></html>\n")
    return write_text(page, Path(path))
