"""Text reuse: stripping, hashing, maximal aligned passages (checked against brute force), the share
matrix, and the abstract the raw Xifeng text repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huayu.errors import ParameterError
from huayu.pipeline.clean import clean_document
from huayu.analysis.reuse import (alignment_table, baseline_shares, coverage, find_reuse, ngram_hashes, share_matrix,
                         strip_text, uncleaned_documents)
from huayu.paths import ROOT

XIFENG_RAW = ROOT / "data" / "raw" / "001_9e70d2a127fe3adb.txt"


def _docs(**texts: str) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": list(texts), "text": list(texts.values())})


def test_strip_text_keeps_letters_and_digits_with_offsets():
    text = "坚持“人民城市人民建”, 5G基站!\n(一)"
    stripped, index = strip_text(text)
    assert stripped == "坚持人民城市人民建5G基站一"
    assert "".join(text[i] for i in index) == stripped


def test_ngram_hashes_equal_the_polynomial_definition():
    s = "全力以赴推动高质量发展"
    cp = np.frombuffer(s.encode("utf-32-le"), dtype="<u4")
    h = ngram_hashes(cp, 4)
    p, mod = 0x100000001B3, 2**64
    expected = [sum(ord(s[i + j]) * pow(p, 3 - j, mod) for j in range(4)) % mod for i in range(len(s) - 3)]
    assert [int(x) for x in h] == expected
    assert len(ngram_hashes(cp[:3], 4)) == 0


def test_shared_passage_found_across_punctuation_with_positions_in_both_texts():
    a = "会议强调,要坚持人民城市人民建、人民城市为人民,全面提升。"
    b = "我们要坚持“人民城市人民建,人民城市为人民”,走好新路。"
    p = find_reuse(_docs(a=a, b=b), n=8)
    assert len(p) == 1
    row = p.iloc[0]
    assert (row.doc_a, row.doc_b, bool(row.internal)) == ("a", "b", False)
    assert row.n_chars == len("要坚持人民城市人民建人民城市为人民")
    assert a[row.start_a:row.end_a] == row.text_a == "要坚持人民城市人民建、人民城市为人民"
    assert b[row.start_b:row.end_b] == row.text_b == "要坚持“人民城市人民建,人民城市为人民"


def test_passages_shorter_than_n_are_not_reported():
    p = find_reuse(_docs(a="甲乙丙丁戊己庚", b="甲乙丙丁戊己庚"), n=8)
    assert p.empty
    p = find_reuse(_docs(a="子丑寅卯甲乙丙丁戊己庚辛", b="甲乙丙丁戊己庚辛壬癸"), n=8)
    assert list(p["n_chars"]) == [8]
    with pytest.raises(ParameterError, match="min_chars"):
        find_reuse(_docs(a="x", b="y"), n=8, min_chars=4)


def _brute_force_mems(a: str, b: str, n: int) -> set[tuple[int, int, int]]:
    """Maximal exact matches (start in a, start in b, length) of at least n characters, by brute force."""
    out = set()
    for i in range(len(a)):
        for j in range(len(b)):
            if i > 0 and j > 0 and a[i - 1] == b[j - 1]:
                continue  # not left-maximal
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            if k >= n:
                out.add((i, j, k))
    return out


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="甲乙丙", min_size=0, max_size=40), st.text(alphabet="甲乙丙", min_size=0, max_size=40),
       st.integers(min_value=2, max_value=5))
def test_passages_are_exactly_the_maximal_matches(a, b, n):
    p = find_reuse(_docs(a=a, b=b), n=n, internal=False)
    got = {(r.stripped_start_a, r.stripped_start_b, r.n_chars) for r in p.itertuples()}
    assert got == _brute_force_mems(a, b, n)


def test_internal_reuse_within_one_text():
    text = "第一段讲全力以赴破难题开新局。第二段另说别的事情。第三段又讲全力以赴破难题开新局!"
    p = find_reuse(_docs(a=text), n=8)
    assert len(p) == 1 and bool(p.iloc[0]["internal"])
    row = p.iloc[0]
    assert row.text_a == row.text_b == "讲全力以赴破难题开新局"
    assert row.end_a <= row.start_b
    assert find_reuse(_docs(a=text), n=8, internal=False).empty


def test_share_matrix_and_coverage_by_hand():
    a = "甲乙丙丁戊己庚辛" + "子丑寅卯" * 3          # 20 stripped characters
    b = "甲乙丙丁戊己庚辛壬癸"                          # 10
    c = "天地玄黄宇宙洪荒日月"                          # 10, shares nothing
    docs = _docs(a=a, b=b, c=c)
    p = find_reuse(docs, n=8, internal=False)
    m = share_matrix(p, docs)
    assert m.loc["a", "b"] == pytest.approx(8 / 20)
    assert m.loc["b", "a"] == pytest.approx(8 / 10)
    assert m.loc["c"].sum() == 0 and m.loc["a", "a"] == 0
    cov = coverage(p, docs, baseline="b").set_index("doc_id")
    assert cov.loc["a", "shared_any"] == pytest.approx(0.4)
    assert cov.loc["a", "shared_baseline"] == pytest.approx(0.4) and cov.loc["a", "shared_other"] == 0
    base = baseline_shares(m, "b").set_index("doc_id")
    assert base.loc["a", "with_baseline"] == pytest.approx(0.4) and base.loc["c", "with_baseline"] == 0
    with pytest.raises(ParameterError, match="baseline"):
        coverage(p, docs, baseline="z")


def test_overlapping_passages_count_once():
    # b holds the passage twice, so a shares two passages with b covering the same 8 characters of a.
    a = "甲乙丙丁戊己庚辛"
    b = "甲乙丙丁戊己庚辛,天地玄黄,甲乙丙丁戊己庚辛"
    docs = _docs(a=a, b=b)
    p = find_reuse(docs, n=8, internal=False)
    assert len(p) == 2
    m = share_matrix(p, docs)
    assert m.loc["a", "b"] == pytest.approx(1.0)
    assert m.loc["b", "a"] == pytest.approx(16 / 20)


def test_max_df_leaves_out_ngrams_in_many_documents():
    common = "全面从严治党永远在路上"
    docs = _docs(a="甲" + common, b="乙" + common, c="丙" + common, d="丁" + common + "天地玄黄宇宙洪荒",
                 e="天地玄黄宇宙洪荒")
    assert len(find_reuse(docs, n=8)) == 6 + 1
    assert list(zip(*[find_reuse(docs, n=8, max_df=2)[c] for c in ("doc_a", "doc_b")])) == [("d", "e")]


def test_raw_xifeng_abstract_shows_up_as_internal_reuse_without_cleaning():
    raw = XIFENG_RAW.read_text(encoding="utf-8")
    uncleaned = clean_document(raw, "xifeng_2021", genre="speech", rules=[])
    p = find_reuse(_docs(xifeng_2021=uncleaned.text), n=8)
    longest = alignment_table(p).iloc[0]
    assert bool(longest["internal"])
    assert longest["n_chars"] >= 100
    assert "突出“两兴两治”" in longest["text_a"] and "确保“十四五”起好步" in longest["text_a"]
    abstract_at = uncleaned.text.index("【摘要】")
    assert abstract_at < longest["start_a"] < abstract_at + 20        # the first copy is the abstract
    assert longest["start_b"] > uncleaned.text.index("同志们")        # the second is in the body
    cleaned = clean_document(raw, "xifeng_2021", genre="speech")
    p_clean = find_reuse(_docs(xifeng_2021=cleaned.text), n=8)
    assert p_clean.empty or p_clean["n_chars"].max() < 100            # cleaning removed the abstract


def test_bad_input():
    with pytest.raises(ParameterError, match="repeated doc_id"):
        find_reuse(_docs(a="x").pipe(lambda d: pd.concat([d, d])))
    with pytest.raises(ParameterError, match="n=1"):
        find_reuse(_docs(a="x"), n=1)
    with pytest.raises(ParameterError, match="lacks the column"):
        find_reuse(pd.DataFrame({"id": ["a"]}))


def test_uncleaned_documents_put_the_boilerplate_back_and_the_abstract_reappears():
    from huayu.pipeline.clean import LOG_COLUMNS, PARAGRAPH_COLUMNS, document_tables

    raw = XIFENG_RAW.read_text(encoding="utf-8")
    doc = clean_document(raw, "xifeng_2021", genre="speech")
    paragraphs, _, log = document_tables(doc)
    paragraphs = pd.DataFrame(paragraphs, columns=PARAGRAPH_COLUMNS)
    log = pd.DataFrame(log, columns=LOG_COLUMNS)
    restored = uncleaned_documents(paragraphs, log)
    text = restored.loc[0, "text"]
    assert text.startswith("理论教育 2021全区经济工作会议讲话成果")
    assert "【摘要】" in text and "免责声明" in text and text.rstrip().endswith("我要反馈")
    assert len(strip_text(text)[0]) == len(strip_text(raw)[0])  # nothing lost, nothing added
    p = find_reuse(restored, n=8)
    assert alignment_table(p, internal=True).iloc[0]["n_chars"] >= 100
    assert alignment_table(p, internal=False).empty


def test_baseline_rule_first_template_else_none():
    from huayu.analysis.reuse import choose_baseline

    docs = _docs(a="甲乙丙丁", t1="甲乙丙丁", t2="戊己").assign(genre=["speech", "template", "template"])
    assert choose_baseline(docs, "") == ("t1", "the first document of genre 'template'")
    assert choose_baseline(docs, None)[0] == "t1"
    assert choose_baseline(docs, "a") == ("a", "given")
    baseline, how = choose_baseline(docs.assign(genre="speech"), "")
    assert baseline is None and "no baseline" in how
    assert choose_baseline(docs.drop(columns="genre"), "")[0] is None


def test_no_baseline_coverage_shares_and_figure(tmp_path):
    from _stats_plots import make_context, written
    from huayu.plot.reuse import plot_reuse_coverage

    shared = ["坚持", "以人民为中心", "的", "发展", "思想"]
    ctx = make_context(tmp_path, {"a": [shared + ["甲乙丙"]], "b": [["丁戊"] + shared], "c": [["完全", "不同"]]})
    docs = ctx.documents_table
    p = find_reuse(docs, n=4)
    for baseline in (None, ""):
        cov = coverage(p, docs, baseline=baseline)
        assert list(cov.columns) == ["doc_id", "n_chars", "shared_any", "internal"]
    base = baseline_shares(share_matrix(p, docs), None).set_index("doc_id")
    assert list(base.columns) == ["max_with_other", "other"] and base.loc["a", "other"] == "b"
    assert len(base) == 3
    plot_reuse_coverage(ctx, coverage(p, docs))
    assert "reuse-coverage.png" in written(ctx, "reuse-coverage")


def test_max_df_is_chosen_to_keep_the_candidate_pairs_within_the_limit():
    from huayu.analysis.reuse import _max_df_within

    # groups found in 1, 2, 3 and 4 documents with 2, 2, 3 and 4 copies: C(2,2)=1, 1, C(3,2)=3, C(4,2)=6 pairs
    n_docs, sizes = np.array([1, 2, 3, 4]), np.array([2, 2, 3, 4])
    assert _max_df_within(n_docs, sizes, 11) is None  # 11 pairs in all: every group kept
    assert _max_df_within(n_docs, sizes, 10) == 3      # 1 + 1 + 3 = 5 ≤ 10 < 11
    assert _max_df_within(n_docs, sizes, 4) == 2       # 1 + 1 = 2 ≤ 4 < 5


def test_a_pair_budget_leaves_out_the_most_widespread_ngrams_and_says_so():
    stock = "全面从严治党永远在路上"  # in every document
    docs = _docs(**{f"d{i}": f"第{i}号文件{stock}本地专有的内容{i}号" for i in range(6)},
                 x="两个文件共享的一段很长的文字内容", y="前言两个文件共享的一段很长的文字内容")
    everything = find_reuse(docs, n=6)
    assert everything.attrs["max_df"] is None and (everything["text_a"].str.contains("从严治党")).any()
    budget = find_reuse(docs, n=6, max_pairs=5)
    assert budget.attrs["max_df"] is not None and budget.attrs["max_df"] < 6
    assert not budget["text_a"].str.contains("从严治党").any()  # the stock phrase of all six is left out
    same = find_reuse(docs, n=6, max_df=budget.attrs["max_df"])
    pd.testing.assert_frame_equal(budget, same)
    assert ((budget["doc_a"] == "x") & (budget["doc_b"] == "y")).any()  # what two documents share is kept


def test_max_passages_keeps_the_longest_and_counts_what_was_found():
    docs = _docs(a="一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯", b="一二三四五六七八九十甲乙丙丁戊己 子丑寅卯辰巳午未",
                 c="子丑寅卯辰巳午未申酉")
    found = find_reuse(docs, n=4, internal=False)
    top = find_reuse(docs, n=4, internal=False, max_passages=1)
    assert top.attrs["n_found"] == len(found) > 1 and len(top) == 1
    assert top["n_chars"].iloc[0] == found["n_chars"].max()


def test_share_pairs_are_the_nonzero_cells_and_baseline_shares_agree():
    from huayu.analysis.reuse import share_pairs

    docs = _docs(t="坚持以人民为中心的发展思想推动高质量发展", a="我们要坚持以人民为中心的发展思想", b="推动高质量发展是主题",
                 c="完全不同的一句话")
    passages = find_reuse(docs, n=4)
    matrix = share_matrix(passages, docs)
    pairs = share_pairs(passages, docs)
    cells = {(r, c): v for r, row in matrix.iterrows() for c, v in row.items() if v > 0}
    assert {(r, c): v for r, c, v in pairs.itertuples(index=False)} == pytest.approx(cells)
    by_matrix = baseline_shares(matrix, "t").set_index("doc_id")
    by_pairs = baseline_shares(pairs, "t").set_index("doc_id")
    numbers = ["with_baseline", "max_with_other"]
    assert by_pairs.loc[["a", "b"], numbers].equals(by_matrix.loc[["a", "b"], numbers])
    assert "c" not in by_pairs.index and by_matrix.loc["c", "max_with_other"] == 0  # c shares nothing
    assert by_matrix.loc["a", "with_baseline"] == pytest.approx(matrix.loc["a", "t"])
    # a and b share nothing with another place: the matrix names the first column, the pairs nobody
    assert by_matrix.loc["a", "other"] == "b" and by_pairs.loc["a", "other"] == ""


def test_share_matrix_above_the_limit_keeps_the_documents_sharing_most():
    docs = _docs(t="坚持以人民为中心的发展思想推动高质量发展", a="我们要坚持以人民为中心的发展思想", b="推动高质量发展是主题",
                 c="完全不同的一句话")
    passages = find_reuse(docs, n=4)
    full = share_matrix(passages, docs)
    small = share_matrix(passages, docs, max_documents=2)
    assert small.attrs["n_documents"] == 4 and len(small) == 2
    shared = coverage(passages, docs).set_index("doc_id")["shared_any"]
    assert set(small.index) == set(shared.sort_values(ascending=False, kind="stable").index[:2])
    assert small.equals(full.loc[small.index, small.index])


_PIECES = ["全力以赴", "破难题", "开新局", "，", "。", " ", "“", "”", "5G", "𠀀𠀁", "\n", "高质量发展"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=0, max_size=12).map("".join), min_size=1, max_size=6),
       st.integers(min_value=2, max_value=6), st.sampled_from([1, 7, 1 << 23]))
def test_corpus_hashing_in_batches_equals_one_text_at_a_time(texts, n, batch):
    """The corpus is stripped and hashed a batch of documents at a time; per document this must give the
    stripped text and offsets of strip_text, and the n-gram hashes of ngram_hashes (also for empty texts, texts
    shorter than n, characters outside the BMP, and batches of one document or of many)."""
    import huayu.analysis.reuse as R

    old = R._BATCH_CHARS
    R._BATCH_CHARS = batch
    try:
        stripped, h, offsets, removed = R._hash_corpus(texts, n)
    finally:
        R._BATCH_CHARS = old
    for k, text in enumerate(texts):
        want, index = strip_text(text)
        assert stripped[k] == want
        cp = np.frombuffer(want.encode("utf-32-le"), dtype="<u4")
        assert np.array_equal(h[offsets[k]:offsets[k + 1]], ngram_hashes(cp, n))
        pos = np.arange(len(want))
        assert np.array_equal(R._text_offsets(removed, np.full(pos.size, k), pos), index)


def test_batches_do_not_change_the_passages(monkeypatch):
    import huayu.analysis.reuse as R

    rng = np.random.default_rng(0)
    texts = {f"d{k}": "".join(rng.choice(_PIECES, size=40)) for k in range(8)}
    whole = find_reuse(_docs(**texts), n=6)
    monkeypatch.setattr(R, "_BATCH_CHARS", 50)
    batched = find_reuse(_docs(**texts), n=6)
    pd.testing.assert_frame_equal(batched, whole)
    assert batched.attrs == whole.attrs and len(whole) > 0
    for r in whole.itertuples():  # offsets in the texts: the passage as written
        assert texts[r.doc_a][r.start_a:r.end_a] == r.text_a and texts[r.doc_b][r.start_b:r.end_b] == r.text_b
        assert strip_text(r.text_a)[0] == strip_text(r.text_b)[0] and len(strip_text(r.text_a)[0]) == r.n_chars


def test_documents_per_group_counts_distinct_documents():
    from huayu.analysis.reuse import _documents_per_group

    codes = np.array([0, 1, 0, 2, 2, 1, 0, 0], dtype=np.int32)
    offsets = np.array([0, 3, 3, 5, 8])  # documents: [0 1 0], [], [2 2], [1 0 0]
    assert _documents_per_group(codes, offsets, 4).tolist() == [2, 2, 1, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES[:6] + ["全力以赴破难题"]), min_size=0, max_size=14).map("".join),
                min_size=1, max_size=5),
       st.integers(min_value=2, max_value=6), st.sampled_from([None, 2, 3]))
def test_within_documents_only_gives_the_internal_passages(texts, n, max_df):
    docs = _docs(**{f"d{k}": t for k, t in enumerate(texts)})
    both = find_reuse(docs, n=n, max_df=max_df, max_pairs=None, max_passages=None)
    inside = find_reuse(docs, n=n, max_df=max_df, max_pairs=None, max_passages=None, between=False)
    want = both[both["internal"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(inside.reset_index(drop=True), want, check_index_type=False)
    assert (inside["doc_a"] == inside["doc_b"]).all()


def test_within_documents_only_counts_only_pairs_within_documents_for_the_budget():
    # one formula in 20 documents (its three 8-grams: 20 documents, 21 copies, 3 · 210 pairs between them), once
    # repeated within d0; every document ends with a character of its own
    texts = {f"d{k}": "全力以赴破难题开新局" + chr(0x4E00 + 300 + k) for k in range(20)}
    texts["d0"] = "全力以赴破难题开新局，再说一遍：全力以赴破难题开新局"
    docs = _docs(**texts)
    both = find_reuse(docs, n=8, max_pairs=50)
    inside = find_reuse(docs, n=8, max_pairs=50, between=False)
    assert both.empty  # the formula left out (max_df 19), its repeat with it
    assert inside.attrs["max_df"] is None and inside["internal"].all() and len(inside) == 1
    assert inside.iloc[0]["text_a"] == "全力以赴破难题开新局"
    with pytest.raises(ParameterError, match="between=False and internal=False"):
        find_reuse(docs, between=False, internal=False)
