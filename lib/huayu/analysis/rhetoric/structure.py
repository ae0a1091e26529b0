"""Speech structure: the enumerated outline of each document as a tree of levels and headings.

Chinese official speeches announce their structure with ordinal markers. The paragraph-initial markers
follow the hierarchy of official documents (GB/T 9704-2012 《党政机关公文格式》 §7.3.3: 一、 → (一) →
1. → (1)); inside paragraphs speakers enumerate with 一是…二是…, 一要…二要…, 第一、第二, and
首先…其次…再次…最后. Recognised marker *styles*:

============  ============================  =====================================
style         marker                        where
============  ============================  =====================================
``cn_dun``    一、 二、 …                    start of a paragraph
``paren_cn``  (一) (二) … (also full-width)  start of a paragraph
``arabic``    1. 1、 …                       start of a paragraph
``paren_ar``  (1) (2) …                      start of a paragraph
``di``        第一、 第二, …                  start of a clause, followed by 、,:
``shi``       一是 二是 …                    start of a clause
``yao``       一要 二要 …                    start of a clause
``seq``       首先 其次 再次 最后              start of a clause, followed by 、,:
============  ============================  =====================================

"Start of a clause" means at the start of a paragraph or after 。!?;:, (half- or full-width).

Levels are not fixed per style: the tree is built the way nested lists are parsed, with a stack of
open lists. A marker whose style is already open closes every deeper list and becomes the next sibling
in that list; a marker of a new style opens a list one level deeper than the innermost open one. A
marker is accepted only if it continues its list (ordinal = previous + 1, 最后 = any next) or starts a
new list (ordinal 1 / 首先); anything else (二是 with no 一是 before it) is ignored as a stray match.

A section runs from its marker to the next marker at the same or a higher level (or to the end of its
parent section, or of the document); the last item of a list written inside a paragraph (…。第四,…)
ends with that paragraph. Its ``heading`` is the text after the marker up to the first
。!?;: (at most ``max_heading_chars`` characters).
"""

from __future__ import annotations

import functools
import re

import cn2an
import numpy as np
import pandas as pd

from huayu.analysis.rhetoric import _tokens
from huayu.checks import check_columns, check_int
from huayu.errors import ParameterError

__all__ = ["STYLES", "find_markers", "outline", "outline_text", "section_tokens"]

STYLES = ("cn_dun", "paren_cn", "arabic", "paren_ar", "di", "shi", "yao", "seq")

_CN = "一二三四五六七八九十"
_CLAUSE_PUNCT = "。;:!?,，；：！？"
# A marker starts at a line start (paragraph markers, and clause markers there) or after clause punctuation
# (clause markers only), and with one of the markers' first characters: the position is checked first, so the
# alternatives are tried only where a marker can start (4× faster than trying each alternative everywhere).
_PARAGRAPH_MARKERS = (rf"(?P<cn_dun>[{_CN}]+)、"
                      rf"|[(（](?P<paren_cn>[{_CN}]+)[)）]"
                      rf"|(?P<arabic>[0-9]{{1,2}})[.、．](?![0-9])"
                      rf"|[(（](?P<paren_ar>[0-9]{{1,2}})[)）]")
_CLAUSE_MARKERS = (rf"第(?P<di>[{_CN}]+)(?=[、,:，：])"
                   rf"|(?P<shi>[{_CN}]+)是"
                   rf"|(?P<yao>[{_CN}]+)要"
                   rf"|(?P<seq>首先|其次|再次|最后)(?=[、,:，：])")
_MARKERS = re.compile(rf"(?:^|(?<=[{_CLAUSE_PUNCT}]))(?=[{_CN}第首其再最(（0-9])"
                      rf"(?:^(?:{_PARAGRAPH_MARKERS})|{_CLAUSE_MARKERS})", re.M)
_SEQ = {"首先": 1, "其次": 2, "再次": 3, "最后": -1}
_HEADING_END = re.compile(r"[。!?;:！？；：\n]")

_COLUMNS = ["doc_id", "node", "parent", "level", "number", "style", "ordinal", "marker", "heading",
            "char_start", "char_end", "n_chars"]


def find_markers(text: str) -> pd.DataFrame:
    """Every candidate ordinal marker in ``text``: ``start, end, style, ordinal, marker`` (before the
    list-continuity check of :func:`outline`). ``ordinal`` is -1 for 最后."""
    if not isinstance(text, str):
        raise ParameterError(f"text must be a string, got {type(text).__name__}")
    return pd.DataFrame(_marker_rows(text), columns=["start", "end", "style", "ordinal", "marker"]).astype(
        {"start": "int64", "end": "int64", "style": "str", "ordinal": "int64", "marker": "str"})


def _marker_rows(text: str) -> list[tuple[int, int, str, int, str]]:
    """:func:`find_markers` as tuples (no table per document)."""
    rows = []
    for m in _MARKERS.finditer(text):
        style = m.lastgroup
        ordinal = _ordinal(style, m.group(style))
        if ordinal is not None:
            rows.append((m.start(), m.end(), style, ordinal, m.group(0)))
    return rows


@functools.lru_cache(maxsize=4096)
def _ordinal(style: str, value: str) -> int | None:
    """The number of a marker (``None`` when its numerals are not a number): a few distinct values, so
    ``cn2an`` (slow) runs once per value."""
    if style == "seq":
        return _SEQ[value]
    if value.isdigit():
        return int(value)
    try:
        return int(cn2an.cn2an(value, "strict"))
    except ValueError:
        return None


def _doc_outline(doc_id: str, text: str, max_heading_chars: int) -> list[tuple]:
    markers = _marker_rows(text)
    stack: list[list] = []  # open lists, outermost first: [style, last ordinal, node index]
    nodes: list[dict] = []
    last_in_list: dict[tuple[int, str], int] = {}
    for start, end, style, ordinal, marker in markers:
        styles = [s[0] for s in stack]
        if style in styles:
            depth = styles.index(style)
            last = stack[depth][1]
            if not (ordinal == last + 1 or ordinal == 1 or (ordinal == -1 and last >= 1)):
                continue
            del stack[depth:]
        elif ordinal != 1:
            continue
        parent = stack[-1][2] if stack else -1
        level = len(stack) + 1
        if ordinal == -1:
            # 最后 continues the list it closes: its ordinal is the previous one + 1.
            ordinal = last_in_list.get((parent, style), 0) + 1
        last_in_list[(parent, style)] = ordinal
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        m = _HEADING_END.search(text, end, line_end)
        head_end = m.start() if m else line_end
        heading = text[end:head_end].strip(" ,,、")
        if len(heading) > max_heading_chars:
            heading = heading[:max_heading_chars] + "…"
        inline = start > 0 and text[start - 1] != "\n"
        nodes.append({"node": len(nodes), "parent": parent, "level": level, "style": style, "inline": inline,
                      "ordinal": ordinal, "marker": marker, "heading": heading,
                      "char_start": start})
        stack.append([style, ordinal, len(nodes) - 1])
    # Section ends: the start of the next node at the same or a higher level (one pass with a stack).
    ends = [len(text)] * len(nodes)
    open_nodes: list[int] = []
    for j, nd in enumerate(nodes):
        while open_nodes and nodes[open_nodes[-1]]["level"] >= nd["level"]:
            ends[open_nodes.pop()] = nd["char_start"]
        open_nodes.append(j)
    # A list written inside one paragraph (…,第一,…。第二,…) ends with that paragraph: its last item
    # stops at the paragraph end instead of running on to the next marker.
    items = {(nd["parent"], nd["style"], nd["ordinal"]) for nd in nodes}
    for j, nd in enumerate(nodes):
        if nd["inline"] and (nd["parent"], nd["style"], nd["ordinal"] + 1) not in items:
            para_end = text.find("\n", nd["char_start"])
            if para_end >= 0:
                ends[j] = min(ends[j], para_end)
    numbers: list[str] = []
    for i, nd in enumerate(nodes):
        prefix = numbers[nd["parent"]] + "." if nd["parent"] >= 0 else ""
        numbers.append(f"{prefix}{nd['ordinal']}")
    return [(doc_id, nd["node"], nd["parent"], nd["level"], numbers[i], nd["style"], nd["ordinal"], nd["marker"],
             nd["heading"], nd["char_start"], ends[i], ends[i] - nd["char_start"]) for i, nd in enumerate(nodes)]


def outline(documents_table: pd.DataFrame, tokens: pd.DataFrame | None = None, *,
            max_heading_chars: int = 30) -> pd.DataFrame:
    """The enumerated outline of every document as a table of tree nodes.

    Columns: ``doc_id, node`` (0, 1, … in document order), ``parent`` (node of the parent, -1 at the top),
    ``level`` (1 = top), ``number`` (outline number such as ``2.1``), ``style``, ``ordinal``, ``marker``
    (as written: 一、, 一是, 第一 …), ``heading``, ``char_start, char_end`` (the section in the cleaned
    text), ``n_chars``; with ``tokens`` also ``n_tokens`` (word tokens, punctuation excluded, whose start
    lies in the section — :func:`section_tokens`). A document without markers has no rows.
    """
    check_columns("documents_table", documents_table, ["doc_id", "text"])
    max_heading_chars = check_int("max_heading_chars", max_heading_chars, minimum=4)
    rows: list[tuple] = []
    for doc_id, text in zip(documents_table["doc_id"], documents_table["text"]):
        rows.extend(_doc_outline(str(doc_id), str(text), max_heading_chars))
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out = out.astype({"doc_id": "str", "node": "int64", "parent": "int64", "level": "int64", "number": "str",
                      "style": "str", "ordinal": "int64", "marker": "str", "heading": "str",
                      "char_start": "int64", "char_end": "int64", "n_chars": "int64"})
    if tokens is not None:
        out["n_tokens"] = section_tokens(out, tokens)
    return out


def section_tokens(outline_table: pd.DataFrame, tokens: pd.DataFrame) -> np.ndarray:
    """Word tokens (``is_punct`` False) whose ``char_start`` lies in each section ``[char_start, char_end)``.

    Vectorised on the tokens as they are (no copy of a column): each document is a run of rows with offsets in
    order (:mod:`huayu.analysis.rhetoric._tokens`), so a section's tokens are found by ``np.searchsorted`` of
    its bounds in the document's offsets, and its punctuation subtracted by a cumulative count over the
    document's rows — per document with sections, O(tokens of those documents).
    """
    check_columns("outline_table", outline_table, ["doc_id", "char_start", "char_end"])
    check_columns("tokens", tokens, ["doc_id", "char_start", "is_punct"])
    counts = np.zeros(len(outline_table), dtype=np.int64)
    if not len(outline_table) or not len(tokens):
        return counts
    lay = _tokens.layout(tokens)
    where = {str(d): i for i, d in enumerate(np.asarray(lay.names, dtype=object)[lay.doc])}
    starts_all = tokens["char_start"].to_numpy()
    punct_all = tokens["is_punct"].to_numpy(dtype=bool)
    sec_start = outline_table["char_start"].to_numpy(np.int64)
    sec_end = outline_table["char_end"].to_numpy(np.int64)
    for doc_id, idx in outline_table.groupby(outline_table["doc_id"].astype("str"), sort=False).indices.items():
        i = where.get(doc_id)
        if i is None:
            continue
        lo, hi = int(lay.start[i]), int(lay.stop[i])
        starts = lay.take(starts_all, lo, hi)
        punct = np.r_[0, np.cumsum(lay.take(punct_all, lo, hi), dtype=np.int64)]
        a = np.searchsorted(starts, sec_start[idx], side="left")
        b = np.searchsorted(starts, sec_end[idx], side="left")
        counts[idx] = (b - a) - (punct[b] - punct[a])
    return counts


def outline_text(outline_table: pd.DataFrame, doc_id: str | None = None) -> str:
    """The outline of one document (or, with ``doc_id=None``, of every document under a ``## doc_id``
    line) as an indented plain-text tree (two spaces per level); ``""`` for a document without outline."""
    check_columns("outline_table", outline_table, ["doc_id", "level", "marker", "heading"])
    if doc_id is None:  # one groupby, not a scan of the table per document
        ids = outline_table["doc_id"].astype("str")
        lines = _outline_lines(outline_table).split("\n") if len(outline_table) else []
        groups = ids.groupby(ids, sort=False).indices
        return "\n\n".join(f"## {d}\n" + "\n".join(lines[i] for i in idx) for d, idx in groups.items())
    sub = outline_table[outline_table["doc_id"] == doc_id]
    if sub.empty:
        return ""  # a document without ordinal markers (or not in the table)
    return _outline_lines(sub)


def _outline_lines(sub: pd.DataFrame) -> str:
    extra = sub["n_tokens"] if "n_tokens" in sub else pd.Series([None] * len(sub), index=sub.index)
    lines = []
    for level, marker, heading, n in zip(sub["level"], sub["marker"], sub["heading"], extra):
        suffix = f"  [{n} tokens]" if n is not None else ""
        lines.append("  " * (int(level) - 1) + f"{marker} {heading}{suffix}")
    return "\n".join(lines)
