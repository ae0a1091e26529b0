"""Two granularities: the parts of compounds the dictionary keeps whole (granularity="fine")."""

from __future__ import annotations

import pandas as pd
import pytest

from huayu import schema
from huayu.errors import ParameterError
from huayu.paths import ROOT
from huayu.pipeline import segment as S
from huayu.pipeline import tables


@pytest.fixture(scope="module")
def bundled_out(tmp_path_factory):
    """The bundled corpus prepared into a temporary folder (tokens and parts written by write_tokens)."""
    from huayu.pipeline.prepare import prepare

    out = tmp_path_factory.mktemp("bundled")
    prepare(ROOT / "data", out, progress=False)
    return out


def test_parts_of_compounds_by_hand():
    segmenter = S.get_segmenter()
    parts = lambda word: [word[a:a + n] for a, n in segmenter.parts(word)]  # noqa: E731
    assert parts("农村人居环境整治") == ["农村", "人居环境整治", "人居环境", "人居", "环境", "整治"]
    assert parts("高质量发展") == ["高质量", "质量", "发展"]
    assert parts("两个维护") == ["维护"]
    assert parts("8大攻坚提升行动") == ["攻坚", "提升", "行动"]
    assert parts("人民城市为人民") == ["人民城市", "人民", "城市", "人民"]
    assert parts("中华人民共和国") == ["中华", "人民共和国", "人民", "共和国", "共和"]  # no 华人
    for word in ("营商", "的", "98.99亿", "2023年", "1168", "，"):
        assert parts(word) == [], word


def test_real_sentence_counts_every_occurrence_of_a_part_at_the_fine_granularity():
    text = "要深入开展农村人居环境整治，持续改善人居环境，推动高质量发展。"
    coarse, fine = (S.segment_texts([text], granularity=g)[0] for g in ("coarse", "fine"))
    assert "农村人居环境整治" in coarse and coarse.count("人居环境") == 1
    assert fine.count("人居环境") == text.count("人居环境") == 2
    assert fine.count("质量") == 1 and fine.count("高质量发展") == 1
    # each token is followed by its parts
    at = fine.index("农村人居环境整治")
    assert fine[at:at + 7] == ["农村人居环境整治", "农村", "人居环境整治", "人居环境", "人居", "环境", "整治"]
    assert [t for t in fine if t in coarse and t not in ("人居环境",)] == [t for t in coarse if t != "人居环境"]


def test_the_bundled_corpus_fine_table_finds_every_occurrence(bundled_out):
    processed = bundled_out / "processed"
    coarse = tables.read_tokens(processed)
    fine = tables.read_tokens(processed, granularity="fine")
    parts = tables.read_token_parts(processed)
    assert schema.TOKEN_PARTS.problems(parts) == [] and len(fine) == len(coarse) + len(parts)
    texts = dict(zip(*tables.read_documents(bundled_out / "interim")[["doc_id", "text"]].T.values))
    occurrences = sum(t.count("人居环境") for t in texts.values())
    assert occurrences >= 3
    assert (coarse["token"] == "人居环境").sum() < occurrences == (fine["token"] == "人居环境").sum()
    for word in ("高质量发展", "乡村振兴", "营商环境"):  # wholes still counted, and inside longer compounds
        assert (fine["token"] == word).sum() >= (coarse["token"] == word).sum() > 0
    assert (fine["token"] == "农村人居环境整治").sum() == (coarse["token"] == "农村人居环境整治").sum() > 0
    # offsets of every part index the cleaned text; parts lie inside their token
    for row in parts.sample(min(len(parts), 400), random_state=0).itertuples():
        assert texts[row.doc_id][row.char_start:row.char_end] == row.token
    merged = parts.merge(coarse[["doc_id", "token_index", "char_start", "char_end"]], on=["doc_id", "token_index"],
                         suffixes=("", "_token"))
    assert len(merged) == len(parts)
    assert ((merged["char_start"] >= merged["char_start_token"]) & (merged["char_end"] <= merged["char_end_token"])
            & (merged["char_end"] - merged["char_start"] < merged["char_end_token"] - merged["char_start_token"])).all()
    assert not parts["is_formula"].any()
    # the fine table keeps the tokens table's order, each token followed by its parts
    assert fine.drop_duplicates(["doc_id", "token_index"])["token"].tolist() == coarse["token"].tolist()
    assert list(pd.unique(fine["doc_id"])) == list(pd.unique(coarse["doc_id"]))


def test_fine_tokens_feed_the_counts(bundled_out):
    from huayu.analysis import dfm

    texts = tables.read_documents(bundled_out / "interim").set_index("doc_id")["text"]
    for granularity, expected in (("coarse", None), ("fine", texts.str.count("人居环境"))):
        counts = dfm.document_dfm(tables.read_tokens(bundled_out / "processed", granularity=granularity))
        column = (counts.matrix[:, counts.terms.get_loc("人居环境")].toarray().ravel() if "人居环境" in counts.terms
                  else [0] * len(counts.units))
        found = pd.Series(column, index=counts.units)
        if expected is None:
            assert found.sum() < texts.str.count("人居环境").sum()
        else:
            assert found.reindex(expected.index, fill_value=0).tolist() == expected.tolist()


def test_bad_granularity_names_the_parameter(bundled_out):
    with pytest.raises(ParameterError, match="granularity='search' must be one of 'coarse', 'fine'"):
        tables.read_tokens(bundled_out / "processed", granularity="search")
    with pytest.raises(ParameterError, match="granularity"):
        S.segment_texts(["高质量发展"], granularity="Fine")


def test_missing_parts_table_says_what_makes_it(tmp_path, bundled_out):
    import shutil

    shutil.copy(bundled_out / "processed" / "tokens.parquet", tmp_path / "tokens.parquet")
    with pytest.raises(FileNotFoundError, match="token_parts.parquet does not exist: run `make prepare`"):
        tables.read_tokens(tmp_path, granularity="fine")
    assert len(tables.read_tokens(tmp_path)) > 0


def _order_by_sorting(tokens: pd.DataFrame, parts: pd.DataFrame):
    """The fine order by sorting every row by its five keys (the definition fine_order must reproduce)."""
    import numpy as np

    both = pd.concat([tokens, parts], ignore_index=True)
    doc = pd.Categorical(both["doc_id"], categories=pd.unique(tokens["doc_id"])).codes
    is_part = np.r_[np.zeros(len(tokens), dtype=np.int8), np.ones(len(parts), dtype=np.int8)]
    return np.lexsort((-both["char_end"].to_numpy().astype("int64"), both["char_start"].to_numpy(), is_part,
                       both["token_index"].to_numpy(), doc))


def test_fine_order_by_binary_search_equals_the_full_sort(bundled_out):
    from huayu.pipeline.segment.parts import fine_order

    processed = bundled_out / "processed"
    tokens, parts = tables.read_tokens(processed), tables.read_token_parts(processed)
    assert len(parts) > 1000
    assert fine_order(tokens, parts).tolist() == _order_by_sorting(tokens, parts).tolist()
    # parts in any order, and tokens whose documents are not one after another (the sorting fallback)
    shuffled = parts.sample(frac=1, random_state=3).reset_index(drop=True)
    assert fine_order(tokens, shuffled).tolist() == _order_by_sorting(tokens, shuffled).tolist()
    interleaved = pd.concat([tokens.iloc[::2], tokens.iloc[1::2]], ignore_index=True)
    assert fine_order(interleaved, parts).tolist() == _order_by_sorting(interleaved, parts).tolist()
    assert fine_order(tokens, parts.iloc[:0]).tolist() == list(range(len(tokens)))


def test_fine_tokens_categorical_read_equals_the_plain_read(bundled_out):
    processed = bundled_out / "processed"
    plain = tables.read_tokens(processed, granularity="fine")
    some = sorted(plain["doc_id"].unique())[:2]
    for kwargs in ({}, {"doc_ids": some}, {"columns": ["doc_id", "token", "sent_id"]}):
        found = tables.read_tokens(processed, granularity="fine", categorical=True, **kwargs)
        expected = tables.read_tokens(processed, granularity="fine", **kwargs)
        assert list(found.columns) == list(expected.columns) and len(found) == len(expected)
        for column in found.columns:
            values = found[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                assert list(values.cat.categories) == sorted(expected[column].unique()), column
                values = values.astype(str)
            assert values.tolist() == expected[column].tolist(), column
