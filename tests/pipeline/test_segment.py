"""Segmentation: the tokens table, the dictionaries, agreement with jieba, the cache, the gold standard."""

from __future__ import annotations

import ast
import json
import logging
import os
import time
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from huayu.pipeline import segment as S
from huayu.pipeline.segment import cache, dictionaries, engine, segmenter
from huayu.pipeline.segment.settings import SUFFIXES
from huayu.errors import ParameterError
from huayu.paths import DICTIONARIES, ROOT, cache_dir

GOLD = ROOT / "tests" / "gold" / "segmentation_gold.txt"
DOMAIN = DICTIONARIES / "domain_dict.txt"
STOPWORDS = DICTIONARIES / "stopwords_zh.txt"


# -- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled() -> dict[str, pd.DataFrame]:
    """The bundled corpus, cleaned in memory (documents and sentences tables)."""
    from huayu.pipeline.corpus import load_corpus
    from huayu.pipeline.prepare import clean_corpus

    tables = clean_corpus(load_corpus(ROOT / "data", progress=False), progress=False)
    return {"documents": tables["documents"], "sentences": tables["sentences"]}


@pytest.fixture(scope="module")
def bundled_tokens(bundled) -> pd.DataFrame:
    return S.segment_sentences(bundled["sentences"], S.SegmentSettings(), progress=False)


@pytest.fixture(scope="module")
def reference():
    """jieba's own Tokenizer with the domain dictionary's words and without the dict.txt entries the default
    settings leave out (the reference the stage must match, HMM off)."""
    return S.jieba_reference_tokenizer(settings=S.SegmentSettings())


@pytest.fixture(scope="module")
def reference_hmm():
    """jieba's own Tokenizer with the domain dictionary's words and all of dict.txt (for the HMM on)."""
    return S.jieba_reference_tokenizer(DOMAIN)


HMM_ON = dict(hmm=True, phrase_max_freq=0, pku_splits=False)


def sentences_frame(docs: dict[str, list[str]], gap: str = "\n") -> tuple[pd.DataFrame, dict[str, str]]:
    """A sentences table (one paragraph per sentence, joined by ``gap``) and the document texts."""
    rows, texts = [], {}
    for doc_id, sents in docs.items():
        offset = 0
        for i, s in enumerate(sents):
            rows.append((doc_id, i, i, offset, offset + len(s), s))
            offset += len(s) + len(gap)
        texts[doc_id] = gap.join(sents)
    df = pd.DataFrame(rows, columns=S.SENTENCE_COLUMNS)
    for c in ("para_id", "sent_id", "char_start", "char_end"):
        df[c] = df[c].astype("int64")
    return df, texts


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- settings -------------------------------------------------------------------------------------------

def test_settings_defaults_point_at_the_project_dictionaries():
    s = S.SegmentSettings()
    assert s.user_dict == DOMAIN and s.stopwords == STOPWORDS
    assert s.keep_formulas and not s.hmm and s.max_slogan_chars == 8 and s.workers == 0
    assert s.phrase_max_freq == 100 and s.pku_splits and s.join_numbers
    assert s.n_workers() >= 1


def test_unknown_setting_lists_the_valid_ones():
    with pytest.raises(ValueError) as err:
        S.SegmentSettings.from_mapping({"max_slogan_char": 10})
    message = str(err.value)
    assert "max_slogan_char" in message
    for name in ("user_dict", "stopwords", "keep_formulas", "max_slogan_chars", "hmm", "workers"):
        assert name in message


def test_settings_from_strings_as_given_on_the_command_line():
    s = S.SegmentSettings.from_mapping({"max_slogan_chars": "10", "keep_formulas": "false", "hmm": "yes",
                                        "workers": "1", "stopwords": "none"})
    assert s.max_slogan_chars == 10 and s.keep_formulas is False and s.hmm is True and s.workers == 1
    assert s.stopwords is None


@pytest.mark.parametrize("mapping, fragment", [
    ({"max_slogan_chars": 1}, "max_slogan_chars=1 must be at least 2"),
    ({"max_slogan_chars": "ten"}, "max_slogan_chars='ten' must be an integer"),
    ({"workers": -1}, "workers=-1 must be at least 0"),
    ({"hmm": "maybe"}, "hmm='maybe' must be true or false"),
    ({"keep_formulas": 1}, "keep_formulas=1 must be True or False"),
    ({"user_dict": "no/such/dict.txt"}, "does not exist"),
])
def test_bad_settings_name_the_parameter(mapping, fragment):
    with pytest.raises(ParameterError, match=re.escape(fragment)):
        S.SegmentSettings.from_mapping(mapping)


def test_settings_must_be_settings_or_a_mapping():
    with pytest.raises(ParameterError, match="settings must be"):
        S.segment_texts(["高质量发展"], settings=42)


# -- dictionary files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("line, fragment", [
    ("高质量发展 abc nz", "frequency must be a positive integer"),
    ("高质量发展 0 nz", "frequency must be a positive integer, got '0'"),
    ("高质量发展 10 zz", "unknown part-of-speech tag 'zz'; valid tags: a, ad"),
    ("高质量发展 10 nz extra", "found 4 fields"),
    ("高质量发展 nz 10", "got 'nz' (format: `word [freq] [tag]`)"),
    ("高质量发展 -5", "frequency must be a positive integer, got '-5'"),
    ("“两个维护” 10 nz", "contains '“', which jieba never joins"),
])
def test_malformed_dictionary_line_names_file_and_line(tmp_path, line, fragment):
    path = write(tmp_path, "bad_dict.txt", f"# header\n\n营商环境 10 n\n{line}\n")
    with pytest.raises(S.DictionaryError) as err:
        S.read_user_dict(path)
    assert isinstance(err.value, ValueError)
    assert f"{path}, line 4" in str(err.value)
    assert fragment in str(err.value)


def test_duplicate_dictionary_word_names_both_lines(tmp_path):
    path = write(tmp_path, "dup.txt", "营商环境 10 n\n放管服 10 j\n营商环境 20 n\n")
    with pytest.raises(S.DictionaryError, match=r"line 3: word '营商环境' is already listed on line 1"):
        S.read_user_dict(path)


def test_bad_dictionary_fails_when_the_stage_starts(tmp_path):
    path = write(tmp_path, "bad.txt", "营商环境 ten n\n")
    with pytest.raises(S.DictionaryError, match="bad.txt, line 1"):
        S.segment_texts(["营商环境"], S.SegmentSettings(user_dict=path))


def test_dictionary_accepts_jieba_forms(tmp_path):
    path = write(tmp_path, "ok.txt", "\ufeff# comment\n营商环境\n放管服 j\n两个维护 50\n互联网+ 10 nz\n")
    table = S.read_user_dict(path)
    assert table["word"].tolist() == ["营商环境", "放管服", "两个维护", "互联网+"]
    assert table["freq"].isna().tolist() == [True, True, False, False]
    assert table["tag"].tolist()[1] == "j" and pd.isna(table["tag"].tolist()[0])
    assert table["line"].tolist() == [2, 3, 4, 5]


def test_stopword_file_with_two_words_on_a_line(tmp_path):
    path = write(tmp_path, "stop.txt", "# x\n的\n了 着\n")
    with pytest.raises(S.DictionaryError, match=r"stop.txt, line 3: one stopword per line"):
        S.read_stopwords(path)


def test_domain_dictionary_size_header_and_formulas():
    text = DOMAIN.read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Sources" in header and "data/raw" in header and "Frequencies" in header
    table = S.read_user_dict(DOMAIN)
    assert len(table) >= 400
    assert table["freq"].notna().all() and table["tag"].notna().all()
    words = set(table["word"])
    for term in ("高质量发展", "乡村振兴", "营商环境", "放管服", "招商引资", "二十大", "人民城市", "新发展格局",
                 "城市更新", "人居环境", "两个维护", "四个意识", "四个自信", "两个确立", "8大攻坚提升行动"):
        assert term in words, term


def test_every_formula_and_short_slogan_of_the_corpus_is_in_the_dictionary(bundled):
    """Every span the formula finder reports in the five texts (default settings) is an entry, except
    spans jieba cannot produce (internal punctuation) and the deliberately absent 等问题."""
    from huayu.pipeline.segment.formulas import formula_spans

    words = set(S.read_user_dict(DOMAIN)["word"])
    base = dictionaries._base_dictionary()
    missing = set()
    for text in bundled["documents"]["text"]:
        for span in formula_spans(text):
            if re.search(r"[^\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]", span.surface):
                continue
            if span.surface not in words and span.surface not in base:
                missing.add(span.surface)
    assert missing <= {"等问题"}, missing


def test_dictionary_entries_stay_whole_alone():
    segmenter = S.get_segmenter(S.SegmentSettings(stopwords=None))
    split = [w for w in segmenter.entries["word"] if segmenter.cut(w) != [w]]
    assert split == []


def test_dictionary_frequencies_follow_the_documented_rule():
    table = S.read_user_dict(DOMAIN)
    expected = S.suggest_frequency(table["word"].tolist())
    off = [(w, int(f), expected[w]) for w, f in zip(table["word"], table["freq"]) if int(f) != expected[w]]
    assert off == []


def test_suggest_frequency_by_hand(reference):
    plain = S.jieba_reference_tokenizer(None)
    parts = plain.lcut("营商环境", HMM=False)
    assert parts == ["营商", "环境"]
    prob = plain.FREQ["营商"] / plain.total * plain.FREQ["环境"] / plain.total
    assert S.suggest_frequency(["营商环境"]) == {"营商环境": 10 * (int(prob * plain.total) + 1)}


def test_suggest_command(capsys):
    from huayu.cli import main

    assert main(["segment", "suggest", "营商环境"]) == 0
    assert re.fullmatch(r"营商环境 \d+\n", capsys.readouterr().out)
    assert main(["segment", "suggest", "高质量发展", "营商环境", "--margin", "1"]) == 0
    expected = S.suggest_frequency(["高质量发展", "营商环境"], margin=1)
    assert capsys.readouterr().out == "".join(f"{w} {f}\n" for w, f in expected.items())
    for argv in (["segment"], ["segment", "suggest"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "usage: python -m huayu segment" in capsys.readouterr().err


def test_suggest_command_prints_the_documented_frequency(capsys):
    from huayu.cli import main

    assert main(["segment", "suggest", "高质量发展"]) == 0
    assert capsys.readouterr().out == f"高质量发展 {S.suggest_frequency(['高质量发展'])['高质量发展']}\n"


def test_evaluate_command_prints_the_gold_scores(capsys):
    from huayu.cli import main

    assert main(["segment", "evaluate", "--gold", str(GOLD)]) == 0
    gold = S.read_gold(GOLD)
    scores = S.segmentation_scores(gold, S.segment_texts(["".join(words) for words in gold]))
    out = capsys.readouterr().out
    assert f"precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  F1 {scores['f1']:.4f}" in out
    assert f"{len(gold)} sentences" in out


def test_stopwords_are_derived_with_documented_removals():
    text = STOPWORDS.read_text(encoding="utf-8")
    assert "stopwords-iso" in text and "5e0b3d2572e98302ebb9ddca90563ce555fa7cbd" in text
    stop = S.read_stopwords(STOPWORDS)
    assert {"的", "了", "和", "我们", "以及"} <= stop
    for kept in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "零", "第", "要", "能", "可以", "会", "不得",
                 "必须", "坚持", "确保", "务必"]:
        assert kept not in stop, kept


# -- the tokens table -----------------------------------------------------------------------------------

def test_tokens_table_schema_and_offsets():
    df, texts = sentences_frame({"b": ["要坚持高质量发展,做到“两个维护”。", "营商环境 持续优化"],
                                 "a": ["乡村振兴是一项系统工程。"]})
    tokens = S.segment_sentences(df, progress=False)
    assert tokens.columns.tolist() == S.TOKEN_COLUMNS
    for c in ("doc_id", "token", "pos"):
        assert tokens[c].dtype == "str"
    for c in ("para_id", "sent_id", "token_index", "char_start", "char_end"):
        assert tokens[c].dtype == np.int64
    for c in ("is_stop", "is_punct", "is_formula"):
        assert tokens[c].dtype == bool
    assert list(dict.fromkeys(tokens["doc_id"])) == ["b", "a"]
    for row in tokens.itertuples():
        assert texts[row.doc_id][row.char_start:row.char_end] == row.token
    assert not tokens["token"].str.isspace().any()
    for _, group in tokens.groupby("doc_id", sort=False):
        assert group["token_index"].tolist() == list(range(len(group)))
        assert group["char_start"].is_monotonic_increasing
    b = tokens[tokens["doc_id"] == "b"]
    assert b["token"].tolist() == ["要", "坚持", "高质量发展", ",", "做到", "“", "两个维护", "”", "。",
                                   "营商环境", "持续", "优化"]
    assert b["sent_id"].tolist() == [0] * 9 + [1] * 3
    flags = dict(zip(b["token"], zip(b["is_stop"], b["is_punct"], b["is_formula"])))
    assert flags["两个维护"] == (False, False, True)
    assert flags["“"] == (False, True, False) and flags["。"] == (True, True, False)  # 。 is in stopwords-iso
    assert flags["要"] == (False, False, False)
    assert dict(zip(b["token"], b["pos"]))["高质量发展"] == "nz"


def test_sentence_offsets_become_document_offsets():
    # Sentences that start mid-document, adjacent sentences without a gap, and an unsorted input.
    doc = "同志们:今天召开会议。全面推进乡村振兴!"
    df = pd.DataFrame({"doc_id": ["d", "d", "d"], "para_id": [0, 0, 0], "sent_id": [2, 0, 1],
                       "char_start": [11, 0, 4], "char_end": [20, 4, 11],
                       "text": [doc[11:20], doc[0:4], doc[4:11]]})
    tokens = S.segment_sentences(df, progress=False)
    assert "".join(tokens["token"]) == doc
    assert all(doc[s:e] == t for s, e, t in zip(tokens["char_start"], tokens["char_end"], tokens["token"]))
    assert tokens["sent_id"].is_monotonic_increasing


def test_empty_input_gives_an_empty_table_with_the_schema():
    df, _ = sentences_frame({})
    tokens = S.segment_sentences(df, progress=False)
    assert tokens.empty and tokens.columns.tolist() == S.TOKEN_COLUMNS
    assert tokens["token"].dtype == "str" and tokens["is_formula"].dtype == bool


def test_bad_sentences_tables():
    df, _ = sentences_frame({"d": ["营商环境"]})
    with pytest.raises(ParameterError, match=r"sentences lacks the column\(s\) 'text'"):
        S.segment_sentences(df.drop(columns="text"), progress=False)
    broken = df.assign(char_end=df["char_end"] + 1)
    with pytest.raises(ParameterError, match="char_end - char_start differs from the length of text"):
        S.segment_sentences(broken, progress=False)


def test_bundled_corpus_offsets_and_flags(bundled, bundled_tokens):
    texts = dict(zip(bundled["documents"]["doc_id"], bundled["documents"]["text"]))
    joined = {d: "".join(t for t in g["token"]) for d, g in bundled_tokens.groupby("doc_id", sort=False)}
    for doc, text in texts.items():
        assert joined[doc] == re.sub(r"\s", "", text)
    starts, ends = bundled_tokens["char_start"].to_numpy(), bundled_tokens["char_end"].to_numpy()
    assert all(texts[d][s:e] == t for d, s, e, t in zip(bundled_tokens["doc_id"], starts, ends,
                                                        bundled_tokens["token"]))
    formulas = set(bundled_tokens.loc[bundled_tokens["is_formula"], "token"])
    assert {"两个维护", "四个意识", "8大攻坚提升行动", "1168", "放管服", "两兴两治", "人民城市人民建"} - formulas \
        == {"人民城市人民建"}  # not quoted in the texts: a dictionary word, not a slogan span
    assert "高质量发展" in set(bundled_tokens["token"])
    punct = bundled_tokens.loc[bundled_tokens["is_punct"], "token"]
    assert all(all(unicodedata.category(c)[0] in "PS" for c in t) for t in punct)
    assert {",", "。", "“", "、"} <= set(punct)


def test_quoted_slogan_with_internal_punctuation_is_cut_at_it():
    tokens = S.segment_texts(["继续发扬“盯、拼、抢”精神"])[0]
    assert tokens[tokens.index("“"):tokens.index("”") + 1] == ["“", "盯", "、", "拼", "、", "抢", "”"]
    df, _ = sentences_frame({"d": ["继续发扬“盯、拼、抢”精神"]})
    t = S.segment_sentences(df, progress=False)
    assert t.loc[t["token"].isin(["盯", "拼", "抢"]), "is_formula"].all()
    assert not t.loc[t["token"] == "、", "is_formula"].any()


def test_slogan_length_setting_and_formula_switch():
    text = "坚持“产业强区富民兴业”方针"  # a 8-character quotation, not in the dictionary
    assert "产业强区富民兴业" in S.segment_texts([text])[0]
    assert "产业强区富民兴业" not in S.segment_texts([text], {"max_slogan_chars": 6})[0]
    assert "产业强区富民兴业" not in S.segment_texts([text], {"keep_formulas": False})[0]
    df, _ = sentences_frame({"d": [text]})
    assert not S.segment_sentences(df, {"keep_formulas": False}, progress=False)["is_formula"].any()


def test_segment_texts_rejects_non_strings():
    with pytest.raises(ParameterError, match=r"item\(s\) \[1\]"):
        S.segment_texts(["营商环境", 3])


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_small_chunks_batches_and_workers_give_the_same_table(bundled, bundled_tokens, monkeypatch, tmp_path,
                                                              workers):
    """Chunks cut here or in forked workers (shared output memory, per-chunk distinct words unified),
    assembled in batches, written batch by batch."""
    monkeypatch.setattr(engine, "_PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(engine, "_CHUNK_CHARS", 2000)
    monkeypatch.setattr(engine, "_BATCH_CHARS", 5000)
    settings = S.SegmentSettings(workers=workers)
    tokens = S.segment_sentences(bundled["sentences"], settings, progress=False)
    pd.testing.assert_frame_equal(tokens, bundled_tokens)
    assert tokens.groupby("token")["pos"].nunique().max() == 1  # one tag per word across chunks
    path, _ = S.write_tokens(bundled["sentences"], tmp_path, settings, progress=False)
    assert pq.ParquetFile(path).num_row_groups > 1
    pd.testing.assert_frame_equal(pd.read_parquet(path), bundled_tokens)


@pytest.mark.parametrize("failure", ["exception", "exit"])
def test_a_failing_worker_process_is_an_error_here(bundled, monkeypatch, failure):
    monkeypatch.setattr(engine, "_PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(engine, "_CHUNK_CHARS", 2000)
    here, cut = os.getpid(), engine._Chunks.cut

    def cut_failing_in_workers(self, index):
        if os.getpid() != here:
            if failure == "exit":
                os._exit(3)
            raise ValueError("no such word")
        time.sleep(0.1)  # leave chunks for the worker even when this machine is busy and it starts late
        return cut(self, index)

    monkeypatch.setattr(engine._Chunks, "cut", cut_failing_in_workers)
    message = "no such word" if failure == "exception" else "exit code 3"
    with pytest.raises(RuntimeError, match=message):
        S.segment_sentences(bundled["sentences"], S.SegmentSettings(workers=2), progress=False)


# -- agreement with jieba -------------------------------------------------------------------------------

def test_same_tokens_as_jieba_on_the_corpus_except_slogans_numbers_names_suffixes(bundled, bundled_tokens,
                                                                                   reference):
    surnames = S.get_segmenter().surnames
    names = set()
    for doc, group in bundled["sentences"].groupby("doc_id", sort=False):
        ref = [t for t in reference.lcut("\n".join(group["text"]), HMM=False) if not t.isspace()]
        ours = bundled_tokens.loc[bundled_tokens["doc_id"] == doc, "token"].tolist()
        share, diffs = S.compare_segmentations(ref, ours)
        found = [d for d in diffs if " " not in d["candidate"] and d["candidate"][0] in surnames
                 and all(len(t) == 1 for t in d["reference"].split(" "))]  # a name jieba cuts into characters
        names |= {d["candidate"] for d in found}
        suffixed = [d for d in diffs if " " not in d["candidate"] and d["reference"].split(" ")[-1] in SUFFIXES]
        assert all(d["candidate"] == d["reference"].replace(" ", "") for d in suffixed)  # 操刀 者 → 操刀者
        diffs = [d for d in diffs if d not in found and d not in suffixed]
        share += sum(len(d["reference"].split(" ")) for d in found + suffixed) / len(ref)  # joined on purpose
        others = [(d["reference"], d["candidate"]) for d in diffs
                  if not any(segmenter._NUMBER.fullmatch(t) for t in d["candidate"].split(" "))]
        assert others in ([], [("等 问题", "等问题")]), doc
        for d in diffs:  # a number joined, its unit (元, 吨) left as the next word
            assert [t for t in d["candidate"].split(" ") if not segmenter._NUMBER.fullmatch(t)] in (
                [], ["等问题"], [d["reference"].split(" ")[-1]]) or d["candidate"].endswith(d["reference"][-1]), d
        assert share >= 0.98
    # the speakers of metadata.csv and the officials the texts name; two known errors: 孙授宾 is cut after two
    # characters, and 高光 ("highlight") is taken for a name
    assert names == {"吕强", "周科", "张希岳", "邱伟", "刘瑛", "孙授", "龚云华", "袁子安", "叶方", "刘洁兰", "谢晖",
                     "刘宗峰", "刘松", "陈勇", "高光"}


def test_cut_matches_jieba_on_ascii_runs(reference, reference_hmm):
    texts = ["2023-01-05 10:30", "www.daowen.com", "98.99亿元", "230%的债务率", "c++和AT&T", "5G基站",
             "TOD项目", "a-b-c.d_e#f&g", "1—2年", "1.2.3版", "3.5%-4%", "“1168”与“1315”"]
    segmenter = S.get_segmenter(S.SegmentSettings())
    for text in texts:
        assert segmenter.cut(text) == reference.lcut(text, HMM=False), text
    segmenter = S.get_segmenter(S.SegmentSettings(**HMM_ON))
    for text in texts:
        assert segmenter.cut(text) == reference_hmm.lcut(text), text


_WORDS = ["高质量发展", "两个维护", "营商环境", "乡村振兴", "的", "要", "发展", "项目建设"]


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet="ab0123456789-._%+#& \t\n,。“”", max_size=6)),
                max_size=12))
def test_cut_matches_jieba_on_mixed_ascii_and_words(reference, reference_hmm, pieces):
    text = "".join(pieces)
    assert S.get_segmenter(S.SegmentSettings()).cut(text) == reference.lcut(text, HMM=False)
    assert S.get_segmenter(S.SegmentSettings(**HMM_ON)).cut(text) == reference_hmm.lcut(text)


def test_overriding_known_words_keeps_jieba_totals(tmp_path):
    """Words already in dict.txt with new frequencies: jieba and jieba-rs must still agree."""
    path = write(tmp_path, "override.txt", "的 50000000\n不等 20000\n发展 10\n等问题 100000 l\n")
    ours = S.get_segmenter(S.SegmentSettings(user_dict=path, stopwords=None, phrase_max_freq=0, pku_splits=False))
    ref = S.jieba_reference_tokenizer(path)
    text = "时令不等人,各乡镇要不等不靠,解决停车难等问题,推动经济社会发展的各项工作。"
    assert ours.cut(text) == ref.lcut(text)


def test_rjieba_embeds_jiebas_dictionary():
    import rjieba

    base = dictionaries._base_dictionary()
    assert len(base) == 349045  # 349 046 lines: B超 is listed twice
    assert dictionaries._load_base_dictionary()[1] == 3
    cutter = rjieba.Jieba()
    words = list(base)
    assert all(cutter.has_word(w) for w in words)
    sample = words[::97]
    tagged = [(w, cutter.tag(w)) for w in sample]
    assert all(t[0][1] == base[w][1] for w, t in tagged if len(t) == 1)


def test_rjieba_tag_agrees_with_its_cut(bundled):
    import rjieba

    cutter = rjieba.Jieba()
    text = "\n".join(bundled["documents"]["text"])
    assert [w for w, _ in cutter.tag(text)] == cutter.cut(text)


# -- part of speech -------------------------------------------------------------------------------------

def test_tags_come_from_the_domain_dictionary_then_jieba(bundled_tokens):
    tags = dict(zip(bundled_tokens["token"], bundled_tokens["pos"]))
    base = dictionaries._base_dictionary()
    assert base["幸福感"][1] == "nr" and tags["幸福感"] == "n"  # the domain dictionary corrects dict.txt
    for word in ("会议", "发展", "推进", "的", "和"):
        assert tags[word] == base[word][1]
    assert tags["2023"] == "m" and tags[","] == "x"
    dictionary_words = set(S.read_user_dict(DOMAIN)["word"]) | set(base)
    unknown = [t for t in set(bundled_tokens["token"]) if t not in dictionary_words]
    assert all(tags[t] in S.JIEBA_TAGS for t in unknown)


def test_unknown_words_get_posseg_hmm_tags():
    """For unknown words that jieba.posseg keeps whole, our one-word Viterbi picks posseg's tag."""
    import jieba.posseg

    posseg = jieba.posseg.POSTokenizer(S.jieba_reference_tokenizer(None))
    checked = 0
    for word in ["杭研", "扮靓", "赣湘", "双莱", "吕强", "周科", "湘边", "秀美"]:
        pairs = posseg.lcut(word)
        if len(pairs) == 1 and pairs[0].word not in dictionaries._base_dictionary():
            checked += 1
            assert segmenter._unknown_word_tag(word, False) == pairs[0].flag, word
    assert checked >= 3


def test_hmm_tag_by_hand():
    start, trans, emit = dictionaries._posseg_hmm()
    word = "杭研"
    scores = {}
    for (position, tag), value in start.items():
        if position != "B" or value < -1e99:
            continue
        b, e = ("B", tag), ("E", tag)
        parts = [value, emit[b].get(word[0], -3.14e100), trans[b].get(e, -3.14e100), emit[e].get(word[1], -3.14e100)]
        if all(p > -1e99 for p in parts):
            scores[tag] = sum(parts)
    assert dictionaries._hmm_word_tag(word) == max(scores, key=scores.get)


def test_unknown_word_rules():
    assert segmenter._unknown_word_tag("98.99", False) == "m"
    assert segmenter._unknown_word_tag("TOD", False) == "eng"
    assert segmenter._unknown_word_tag("👉", False) == "x"
    assert segmenter._unknown_word_tag("产业强区富民兴业", True) == "nz"


# -- jieba hygiene --------------------------------------------------------------------------------------

def test_reference_tokenizer_is_private_with_cache_in_the_project(reference):
    import jieba

    assert reference is not jieba.dt
    assert Path(reference.dictionary).is_absolute()
    assert reference.tmp_dir == str(cache_dir())
    assert any(p.name.startswith("jieba.u") for p in cache_dir().glob("jieba.*.cache"))
    assert jieba.default_logger.level >= logging.WARNING
    # The package's code never goes through jieba's global tokenizer or its module-level helpers.
    modules = sorted(Path(S.__file__).parent.glob("*.py"))
    assert {"engine.py", "segmenter.py", "reference.py", "dictionaries.py"} <= {m.name for m in modules}
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        used = {node.attr for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "jieba"}
        assert used <= {"Tokenizer", "setLogLevel", "__file__", "__version__"}, (module.name, used)
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in node.names}
        assert "jieba.posseg" not in imported and "posseg" not in imported, module.name


# -- cache ----------------------------------------------------------------------------------------------

def test_write_tokens_caches_and_recomputes(tmp_path, caplog):
    df, _ = sentences_frame({"d": ["全面推进乡村振兴。", "优化营商环境。"]})
    user_dict = write(tmp_path, "dict.txt", DOMAIN.read_text(encoding="utf-8"))
    settings = S.SegmentSettings(user_dict=user_dict)
    out = tmp_path / "processed"
    caplog.set_level(logging.INFO, logger="huayu.pipeline.segment")

    path, recomputed = S.write_tokens(df, out, settings, progress=False)
    assert recomputed and path == out / "tokens.parquet"
    manifest = json.loads((out / "tokens.manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) >= {"sentences_sha256", "user_dict_sha256", "stopwords_sha256"}
    assert manifest["versions"]["segmenter"] == S.SEGMENTER_VERSION and manifest["n_tokens"] > 0
    pd.testing.assert_frame_equal(pd.read_parquet(path), S.segment_sentences(df, settings, progress=False))

    assert S.write_tokens(df, out, settings, progress=False) == (path, False)
    assert "up to date" in caplog.text
    assert S.write_tokens(df, out, S.SegmentSettings(user_dict=user_dict, workers=1), progress=False)[1] is False
    assert S.write_tokens(df, out, settings, progress=False, force=True)[1] is True
    # Each input change re-segments once.
    changed_text = df.assign(text=df["text"].str.replace("营商", "营销"))
    assert S.write_tokens(changed_text, out, settings, progress=False)[1] is True
    assert S.write_tokens(df, out, settings, progress=False)[1] is True
    assert S.write_tokens(df, out, S.SegmentSettings(user_dict=user_dict, max_slogan_chars=6),
                          progress=False)[1] is True
    assert S.write_tokens(df, out, settings, progress=False)[1] is True
    with user_dict.open("a", encoding="utf-8") as fh:
        fh.write("优化营商环境 10 l\n")
    assert S.write_tokens(df, out, settings, progress=False)[1] is True
    assert "优化营商环境" in pd.read_parquet(path)["token"].tolist()
    path.write_bytes(path.read_bytes()[:-8])  # a damaged parquet is never trusted
    assert S.write_tokens(df, out, settings, progress=False)[1] is True
    assert S.write_tokens(df, out, settings, progress=False)[1] is False
    # The parts table is written with the tokens and vouched for by the same manifest.
    parts = pd.read_parquet(out / "token_parts.parquet")
    assert "营商" in parts["token"].tolist() and manifest["versions"]["code_sha256"]
    (out / "token_parts.parquet").unlink()
    assert S.write_tokens(df, out, settings, progress=False)[1] is True
    assert (out / "token_parts.parquet").is_file()
    for changed in ({"hmm": True}, {"phrase_max_freq": 0}, {"pku_splits": False}, {"join_numbers": False}):
        assert S.write_tokens(df, out, S.SegmentSettings(user_dict=user_dict, **changed), progress=False)[1], changed


def test_the_cache_fingerprints_the_stage_modules_only(tmp_path, monkeypatch):
    """The finder's and the stage modules' bytes enter the cache key: the notebook's formula tables, the
    command line and the evaluation may change freely."""
    import hashlib

    from huayu.analysis.rhetoric import formulas as tables
    from huayu.pipeline.segment import formulas as finder

    df, _ = sentences_frame({"d": ["做到“两个维护”。"]})
    settings = S.SegmentSettings()
    manifest = S.tokens_manifest(df, settings)
    sha = lambda path: hashlib.sha256(Path(path).read_bytes()).hexdigest()  # noqa: E731
    assert cache.FINDER_PATH == Path(finder.__file__).resolve()
    assert manifest["versions"]["formulas_sha256"] == sha(finder.__file__)
    assert sha(tables.__file__) not in json.dumps(manifest)
    assert manifest["inputs"]["formula_lexicon_sha256"] == sha(finder.LEXICON_PATH)
    edited = tmp_path / "formulas.py"
    edited.write_bytes(Path(finder.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(cache, "FINDER_PATH", edited)
    assert S.tokens_manifest(df, settings)["key"] != manifest["key"]
    monkeypatch.undo()
    names = {p.name for p in cache.STAGE_PATHS}
    assert names == {"settings.py", "dictionaries.py", "segmenter.py", "engine.py", "parts.py", "cache.py"}
    assert S.SEGMENTER_VERSION == "2" and manifest["versions"]["code_sha256"]
    for path in cache.STAGE_PATHS:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes() + b"\n# edited\n")
        monkeypatch.setattr(cache, "STAGE_PATHS", tuple(copy if p == path else p for p in cache.STAGE_PATHS))
        assert S.tokens_manifest(df, settings)["key"] != manifest["key"], path.name
        monkeypatch.undo()
    assert S.tokens_manifest(df, settings)["key"] == manifest["key"]


def test_tokens_manifest_ignores_the_order_of_rows():
    df, _ = sentences_frame({"d": ["全面推进乡村振兴。", "优化营商环境。"]})
    settings = S.SegmentSettings()
    assert S.tokens_manifest(df, settings)["key"] == S.tokens_manifest(df.iloc[::-1], settings)["key"]


# -- formula spans --------------------------------------------------------------------------------------

def _direct_spans(sentences: list[str], max_slogan_chars: int = 8) -> list[tuple[int, int]]:
    from huayu.pipeline.segment.formulas import formula_spans

    out, offset = [], 0
    for s in sentences:
        for span in formula_spans(s, max_slogan_chars=max_slogan_chars):
            for m in re.finditer(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+", span.surface):
                out.append((offset + span.start + m.start(), offset + span.start + m.end()))
        offset += len(s) + 1
    return out


def test_formulas_of_a_run_of_sentences_are_those_of_each_sentence(bundled):
    sentences = bundled["sentences"]["text"].tolist()
    for limit in (2, 8, 20):
        assert segmenter._formula_spans_in("\n".join(sentences), limit) == _direct_spans(sentences, limit)


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="两个维护四意识一二三十大行动双招引退进“”‘’\"「」,、。放管服带路农X1", max_size=14),
                min_size=1, max_size=6))
def test_formulas_of_a_run_of_random_sentences_are_those_of_each_sentence(sentences):
    assert segmenter._formula_spans_in("\n".join(sentences), 8) == _direct_spans(sentences, 8)


# -- evaluation -----------------------------------------------------------------------------------------

def test_segmentation_scores_by_hand():
    gold = [["我们", "是", "人"], ["营商环境", "好"]]
    pred = [["我们", "是人"], ["营商环境", "好"]]
    scores = S.segmentation_scores(gold, pred)
    # correct: 我们, 营商环境, 好 = 3; predicted 4; gold 5. P = 3/4, R = 3/5, F1 = 2·0.45/1.35 = 2/3.
    assert scores["n_correct"] == 3 and scores["n_predicted"] == 4 and scores["n_gold"] == 5
    assert scores["precision"] == pytest.approx(0.75)
    assert scores["recall"] == pytest.approx(0.6)
    assert scores["f1"] == pytest.approx(2 / 3)
    with pytest.raises(ParameterError, match="different text"):
        S.segmentation_scores([["我们"]], [["你们"]])
    with pytest.raises(ParameterError, match="1 sentences but predicted has 2"):
        S.segmentation_scores([["我们"]], [["我们"], ["你们"]])


def test_compare_segmentations_by_hand():
    share, diffs = S.compare_segmentations(["高", "质量", "发展", "是", "要务"], ["高质量", "发展", "是", "要", "务"])
    assert share == pytest.approx(2 / 5)  # 发展, 是
    assert [(d["start"], d["end"], d["reference"], d["candidate"]) for d in diffs] == [
        (0, 3, "高 质量", "高质量"), (6, 8, "要务", "要 务")]


def test_gold_standard_file_and_the_dictionary_raises_f1():
    gold = S.read_gold(GOLD)
    assert len(gold) >= 60
    assert GOLD.read_text(encoding="utf-8").startswith("#")
    texts = ["".join(words) for words in gold]
    plain = S.jieba_reference_tokenizer(None)
    f1_plain = S.segmentation_scores(gold, [plain.lcut(t) for t in texts])["f1"]
    f1_stage = S.segmentation_scores(gold, S.segment_texts(texts))["f1"]
    assert f1_stage > f1_plain + 0.05


def test_gold_file_format_errors(tmp_path):
    path = write(tmp_path, "gold.txt", "# c\n我们 是  人\n")
    with pytest.raises(S.DictionaryError, match=r"gold.txt, line 2: words must be separated by single spaces"):
        S.read_gold(path)
