"""huayu.analysis.kwic: hits, exact context cut from the cleaned text, sorting, HTML, clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _token_tables import make_documents, make_tokens
from huayu.errors import ParameterError
from huayu.analysis.kwic import kwic, kwic_html

DOCS = {
    "x": [["推动", "高质量", "发展", "，", "实现", "新", "突破", "。"], ["坚持", "发展", "是", "第一", "要务"]],
    "y": [["高质量", "发展", "取得", "<成效>"]],
}
TOKENS = make_tokens(DOCS)
DOCUMENTS = make_documents(DOCS)
TEXT = dict(zip(DOCUMENTS["doc_id"], DOCUMENTS["text"]))


def _consistent(table):
    for row in table.itertuples():
        text = TEXT[row.doc_id]
        assert text[row.char_start:row.char_end] == row.keyword
        assert text[row.char_start - len(row.left):row.char_start] == row.left
        assert text[row.char_end:row.char_end + len(row.right)] == row.right


def test_token_hits_with_token_context():
    table = kwic(TOKENS, DOCUMENTS, "发展", context=2)
    assert table["doc_id"].tolist() == ["x", "x", "y"]
    assert table["hit"].tolist() == [1, 2, 1]
    assert table["keyword"].tolist() == ["发展"] * 3
    # two word tokens each side; punctuation shown but not counted; the paragraph break kept as "\n"
    assert table["left"].tolist() == ["推动高质量", "突破。\n坚持", "高质量"]
    assert table["right"].tolist() == ["，实现新", "是第一", "取得<成效>"]
    _consistent(table)


def test_counting_punctuation_shortens_the_context():
    table = kwic(TOKENS, DOCUMENTS, "发展", context=2, count_punct=True)
    assert table["left"].tolist()[1] == "。\n坚持"
    assert table["right"].tolist()[0] == "，实现"


def test_phrase_regex_and_character_matches():
    phrase = kwic(TOKENS, DOCUMENTS, "高质量 发展", context=1)
    assert phrase["keyword"].tolist() == ["高质量发展", "高质量发展"]
    assert phrase["left"].tolist() == ["推动", ""]
    regex = kwic(TOKENS, DOCUMENTS, r"发.", match="regex", context=0)
    assert regex["keyword"].tolist() == ["发展"] * 3
    assert regex["left"].tolist() == [""] * 3
    chars = kwic(TOKENS, DOCUMENTS, "质量发", match="chars", context=2, context_unit="chars")
    assert chars["keyword"].tolist() == ["质量发", "质量发"]  # across a token boundary
    assert chars["left"].tolist() == ["动高", "高"]
    assert chars["right"].tolist() == ["展，", "展取"]
    _consistent(chars)
    chars_tokens = kwic(TOKENS, DOCUMENTS, "展取", match="chars", context=1)
    assert chars_tokens["left"].iloc[0] == "高质量发"  # the token that contains the hit start, plus one
    _consistent(chars_tokens)


def test_sorting_left_and_right():
    by_right = kwic(TOKENS, DOCUMENTS, "发展", context=1, sort_by="right")
    assert by_right["right"].tolist() == sorted(by_right["right"].tolist())
    by_left = kwic(TOKENS, DOCUMENTS, "发展", context=1, sort_by="left")
    keys = [s[::-1] for s in by_left["left"]]
    assert keys == sorted(keys)


def test_restrict_documents():
    table = kwic(TOKENS, DOCUMENTS, "发展", doc_ids=["y"])
    assert table["doc_id"].tolist() == ["y"]
    with pytest.raises(ParameterError, match="valid values"):
        kwic(TOKENS, DOCUMENTS, "发展", doc_ids=["z"])


def test_no_hits_and_bad_input():
    with pytest.raises(ParameterError, match="pattern='质量' has no hits.*高质量.*match='chars'"):
        kwic(TOKENS, DOCUMENTS, "质量")
    with pytest.raises(ParameterError, match="has no hits"):
        kwic(TOKENS, DOCUMENTS, "改革", match="chars")
    with pytest.raises(ParameterError, match="not a valid regular expression"):
        kwic(TOKENS, DOCUMENTS, "[", match="regex")
    with pytest.raises(ParameterError, match="pattern is empty"):
        kwic(TOKENS, DOCUMENTS, "  ")
    with pytest.raises(ParameterError, match="match=.*valid values: 'token', 'regex', 'chars'"):
        kwic(TOKENS, DOCUMENTS, "发展", match="word")
    with pytest.raises(ParameterError, match="sort_by"):
        kwic(TOKENS, DOCUMENTS, "发展", sort_by="middle")


def test_html_escapes_and_highlights():
    table = kwic(TOKENS, DOCUMENTS, "发展", context=3)
    html = kwic_html(table, labels={"x": "莱西市"}, max_rows=2)
    assert html.count("<mark>发展</mark>") == 2
    assert "莱西市" in html
    assert "¶" in html  # the paragraph break made visible
    assert "1 more hit" in html
    esc = kwic_html(kwic(TOKENS, DOCUMENTS, "取得", context=3))
    assert "&lt;成效&gt;" in esc and "<成效>" not in esc


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["发展", "改革", "，", "。", "新"]), min_size=1, max_size=8),
                min_size=1, max_size=4),
       st.integers(0, 4), st.sampled_from(["tokens", "chars"]))
def test_context_is_always_the_exact_text(paragraphs, context, unit):
    docs = {"d": paragraphs}
    tokens, documents = make_tokens(docs), make_documents(docs)
    text = documents["text"].iloc[0]
    if "发展" not in [w for p in paragraphs for w in p]:
        return
    table = kwic(tokens, documents, "发展", context=context, context_unit=unit)
    for row in table.itertuples():
        assert text[row.char_start:row.char_end] == "发展"
        assert text.endswith(row.right, 0, row.char_end + len(row.right))
        assert text[row.char_start - len(row.left):row.char_start] == row.left
        if unit == "chars":
            assert len(row.left) == min(context, row.char_start)


@pytest.mark.parametrize("args", [dict(pattern="发展", context=2), dict(pattern="高质量 发展", context=1, count_punct=True),
                                  dict(pattern="发.", match="regex", context=3, sort_by="left"),
                                  dict(pattern="质量发", match="chars", context=1, sort_by="right")])
def test_categorical_and_reordered_tokens_give_the_same_concordance(args):
    """The tokens as read_tokens(categorical=True) gives them (codes, not strings), and a table whose rows are
    not in document order (the sorted path; not for a phrase, whose words must follow each other in the
    table), give the concordance of the plain string table."""
    want = kwic(TOKENS, DOCUMENTS, **args)
    cat = TOKENS.astype({"token": "category", "doc_id": "category"})
    reordered = [] if " " in args["pattern"] else [TOKENS.iloc[::-1], cat.sample(frac=1.0, random_state=0)]
    for tokens in (cat, *reordered):
        got = kwic(tokens, DOCUMENTS, **args)
        assert got.equals(want) and got.attrs == want.attrs
    _consistent(want)


def test_no_hits_hint_lists_only_words_of_the_tokens():
    cat = TOKENS.astype({"token": "category"})
    cat["token"] = cat["token"].cat.add_categories(["质量问题"])  # a category no token uses
    with pytest.raises(ParameterError, match=r"tokens that contain it: \['高质量'\]"):
        kwic(cat, DOCUMENTS, "质量")
