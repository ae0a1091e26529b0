"""Speech structure: ordinal markers, the outline tree, section spans and tokens per section."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from huayu.pipeline.clean import clean_document
from huayu.analysis.rhetoric.structure import find_markers, outline, outline_text, section_tokens


TEXT = "\n".join([
    "同志们:",
    "一、稳字当头",
    "一要稳投资。二要稳就业;三要稳物价。",
    "二、优化城市",
    "(一)基础设施",
    "首先,修路。其次,架桥。最后,通水。",
    "(二)城市更新",
    "二是这一句没有一是,不算。",
    "三、加强党建",
    "促进一、二、三产业融合,第一时间响应,重要的是落实。",
])


def _doc(text: str = TEXT, doc_id: str = "d") -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [doc_id], "text": [text]})


def test_find_markers_only_at_paragraph_or_clause_starts():
    m = find_markers(TEXT)
    assert list(m["marker"]) == ["一、", "一要", "二要", "三要", "二、", "(一)", "首先", "其次", "最后", "(二)",
                                 "二是", "三、"]
    assert list(m["ordinal"]) == [1, 1, 2, 3, 2, 1, 1, 2, -1, 2, 2, 3]
    for s, e, marker in zip(m["start"], m["end"], m["marker"]):
        assert TEXT[s:e] == marker


def test_outline_tree_levels_parents_numbers():
    o = outline(_doc())
    assert list(o["marker"]) == ["一、", "一要", "二要", "三要", "二、", "(一)", "首先", "其次", "最后", "(二)", "三、"]
    assert list(o["level"]) == [1, 2, 2, 2, 1, 2, 3, 3, 3, 2, 1]  # the stray 二是 is ignored
    assert list(o["parent"]) == [-1, 0, 0, 0, -1, 4, 5, 5, 5, 4, -1]
    assert list(o["number"]) == ["1", "1.1", "1.2", "1.3", "2", "2.1", "2.1.1", "2.1.2", "2.1.3", "2.2", "3"]
    assert list(o["heading"][:5]) == ["稳字当头", "稳投资", "稳就业", "稳物价", "优化城市"]
    assert o.loc[8, "ordinal"] == 3  # 最后 continues 首先, 其次


def test_section_spans_nest_and_end_at_the_next_sibling():
    o = outline(_doc())
    text = TEXT
    first = o.iloc[0]
    assert text[first["char_start"]:first["char_end"]] == "一、稳字当头\n一要稳投资。二要稳就业;三要稳物价。\n"
    last = o.iloc[-1]
    assert last["char_end"] == len(text)
    for row in o.itertuples():
        if row.parent >= 0:
            parent = o.iloc[row.parent]
            assert parent["char_start"] <= row.char_start and row.char_end <= parent["char_end"]
    assert (o["n_chars"] == o["char_end"] - o["char_start"]).all()


def test_tokens_per_section():
    o = outline(_doc(), max_heading_chars=10)
    starts = list(range(0, len(TEXT), 2))  # a token every two characters; every 5th is punctuation
    tokens = pd.DataFrame({"doc_id": "d", "char_start": starts, "is_punct": [i % 5 == 4 for i in range(len(starts))]})
    got = section_tokens(o, tokens)
    for row, n in zip(o.itertuples(), got):
        inside = [s for s, p in zip(starts, tokens["is_punct"]) if row.char_start <= s < row.char_end and not p]
        assert n == len(inside)
    o2 = outline(_doc(), tokens)
    assert list(o2["n_tokens"]) == list(got)


def test_text_without_markers_and_outline_text():
    o = outline(_doc("要收心。要聚气。要提神。"))
    assert o.empty
    assert outline_text(o, "d") == ""
    text = outline_text(outline(_doc()), "d")
    assert text.splitlines()[:3] == ["一、 稳字当头", "  一要 稳投资", "  二要 稳就业"]
    both = outline(pd.concat([_doc(), _doc("一是甲。二是乙。", "e")], ignore_index=True))
    assert outline_text(both) == f"## d\n{text}\n\n## e\n一是 甲\n二是 乙"


def test_template_speech_outline(repo_root):
    raw = (repo_root / "data" / "raw" / "002_11807d7a74c58c6f.txt").read_text(encoding="utf-8")
    doc = clean_document(raw, "template_xx", genre="template")
    o = outline(_doc(doc.text, "template_xx"))
    top = o[o["level"] == 1]
    assert list(top["marker"]) == ["一、", "二、", "三、", "四、", "五、"]
    children = o[o["level"] == 2].groupby("parent").size()
    assert list(children) == [3, 3, 4, 4, 4]
    assert list(o.loc[o["parent"] == top.index[0], "marker"]) == ["一要", "二要", "三要"]


def test_bad_input():
    with pytest.raises(ValueError, match="lacks the column"):
        outline(pd.DataFrame({"doc": ["x"]}))
    with pytest.raises(ValueError, match="max_heading_chars"):
        outline(_doc(), max_heading_chars=1)


def test_inline_list_ends_with_its_paragraph():
    text = "一是乡村振兴要迈出大步子。\n总体来说,第一,改善环境。第二,完善设施。\n美居美颜才能乐居乐游。\n三、作风"
    o = outline(_doc(text))
    assert list(o["marker"]) == ["一是", "第一", "第二"]
    last = o.iloc[2]
    assert text[last["char_start"]:last["char_end"]] == "第二,完善设施。"
    assert o.iloc[0]["char_end"] == len(text)  # the paragraph-initial item runs on to the end


def test_tokens_per_section_of_several_documents_in_any_row_order():
    docs = pd.concat([_doc(), _doc("一是甲乙丙。二是丁戊。", "e")], ignore_index=True)
    o = outline(docs)
    rows = []
    for doc_id, text in zip(docs["doc_id"], docs["text"]):
        rows += [(doc_id, s, text[s] in "。,、;:") for s in range(len(text))]  # a token per character
    tokens = pd.DataFrame(rows, columns=["doc_id", "char_start", "is_punct"])
    expected = [sum(1 for d, s, p in rows if d == row.doc_id and row.char_start <= s < row.char_end and not p)
                for row in o.itertuples()]
    assert list(section_tokens(o, tokens)) == expected
    shuffled = tokens.sample(frac=1.0, random_state=1).astype({"doc_id": "category"})
    assert list(section_tokens(o, shuffled)) == expected
