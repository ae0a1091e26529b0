"""huayu.analysis.partitioned: counts summed over the parts of a tokens dataset equal the single-table ones.

The bundled corpus's tokens (prepared once per session) are cut into parts of whole documents, as
``prepare --scheduler`` writes them; every partitioned count is compared with the single-table function on
the whole table — values, order and attrs exactly. One test runs the parts on a LocalCluster of two
worker processes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _dask import local_cluster
from _token_tables import make_tokens
from huayu.analysis import partitioned as P
from huayu.analysis.collocations import cooccurrences
from huayu.analysis.dfm import DocumentTermMatrix, build_dfm, group_dfm
from huayu.analysis.dispersion import frequency_list
from huayu.analysis.keyness import group_labels
from huayu.analysis.ngrams import ngram_clusters
from huayu.errors import ParameterError, TableError
from huayu.pipeline import tables


def _write_parts(tokens: pd.DataFrame, processed: Path, cuts: list[list[str]]) -> Path:
    folder = processed / "tokens"
    folder.mkdir(parents=True)
    for i, doc_ids in enumerate(cuts):
        tokens[tokens["doc_id"].isin(doc_ids)].to_parquet(folder / f"part-{i:05d}.parquet", index=False)
    return processed


@pytest.fixture(scope="module")
def bundled(bundled_out, tmp_path_factory):
    """``(tokens, documents_table, processed dir with 3 parts)`` of the bundled corpus."""
    tokens = tables.read_tokens(bundled_out / "processed")
    documents = tables.read_documents(bundled_out / "interim")
    ids = documents["doc_id"].tolist()
    processed = _write_parts(tokens, tmp_path_factory.mktemp("parts"), [ids[:2], ids[2:3], ids[3:]])
    return tokens, documents, processed


def _assert_same_dfm(found: DocumentTermMatrix, expected: DocumentTermMatrix) -> None:
    pd.testing.assert_index_equal(found.units, expected.units, exact=True)
    pd.testing.assert_index_equal(found.terms, expected.terms, exact=True)
    assert found.matrix.dtype == np.int64 and (found.matrix != expected.matrix).nnz == 0


def _assert_same_table(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
    assert found.attrs == expected.attrs


def test_the_parts_are_read_in_corpus_order(bundled):
    tokens, _, processed = bundled
    assert [p.name for p in P.token_files(processed)] == ["part-00000.parquet", "part-00001.parquet",
                                                          "part-00002.parquet"]
    pd.testing.assert_frame_equal(tables.read_tokens(processed), tokens)


def test_hand_counts_are_summed_over_parts(tmp_path):
    tokens = make_tokens({"a": [["发展", "经济", "发展"]], "b": [["经济", "，", "民生"]], "c": [["发展"]]})
    processed = _write_parts(tokens, tmp_path, [["a"], ["b", "c"]])
    dfm = P.partitioned_dfm(processed)
    assert list(dfm.units) == ["a", "b", "c"] and list(dfm.terms) == ["发展", "民生", "经济"]
    assert dfm.matrix.toarray().tolist() == [[2, 0, 1], [0, 1, 1], [1, 0, 0]]  # the comma is dropped
    assert P.partitioned_dfm(processed, min_freq=2).terms.tolist() == ["发展", "经济"]
    pairs = P.partitioned_cooccurrences(processed, left=1, right=1, min_freq=1, drop_stop=False)
    row = pairs.set_index(["node", "collocate"]).loc[("发展", "经济")]
    # 发展 经济 发展: the pair in both directions; N = 6 words, f(发展) = 3, f(经济) = 2, E = 3·2·2/6 = 2
    assert (row["observed"], row["f_node"], row["f_collocate"], row["expected"]) == (2, 3, 2, 2.0)
    assert pairs.attrs["n_tokens"] == 6


@pytest.mark.parametrize("unit", ["doc_id", "para_id", ["doc_id", "sent_id"]])
@pytest.mark.parametrize("drop_stop", [False, True])
def test_document_term_matrix_equals_the_single_table_one(bundled, unit, drop_stop):
    tokens, _, processed = bundled
    _assert_same_dfm(P.partitioned_dfm(processed, unit=unit, drop_stop=drop_stop),
                     build_dfm(tokens, unit, drop_stop=drop_stop))
    _assert_same_dfm(P.partitioned_dfm(processed, unit=unit, drop_stop=drop_stop, min_freq=3),
                     build_dfm(tokens, unit, drop_stop=drop_stop, min_freq=3))


@pytest.mark.parametrize("by", ["genre", "year", "province"])
def test_document_term_matrix_by_a_metadata_column(bundled, by):
    tokens, documents, processed = bundled
    expected = group_dfm(build_dfm(tokens, "doc_id"), group_labels(documents, by).to_dict())
    _assert_same_dfm(P.partitioned_dfm(processed, by=by, documents_table=documents), expected)
    with pytest.raises(ParameterError, match="documents_table"):
        P.partitioned_dfm(processed, by=by)


@pytest.mark.parametrize("parts", ["doc_id", "para_id"])
def test_frequency_list_equals_the_single_table_one(bundled, parts):
    tokens, _, processed = bundled
    _assert_same_table(P.partitioned_frequency_list(processed, parts=parts, min_freq=2),
                       frequency_list(tokens, parts=parts, min_freq=2))


@pytest.mark.parametrize("kwargs", [
    {}, {"n": 2, "min_freq": 1}, {"n": (3, 5), "min_range": 2}, {"boundary": "paragraph", "drop_stop": True},
    {"boundary": "document", "drop_punct": False, "min_freq": 3}, {"contains": "发展"},
])
def test_ngram_clusters_equal_the_single_table_ones(bundled, kwargs):
    tokens, _, processed = bundled
    _assert_same_table(P.partitioned_ngrams(processed, **kwargs), ngram_clusters(tokens, **kwargs))


@pytest.mark.parametrize("kwargs", [
    {}, {"left": 1, "right": 1, "min_freq": 1, "drop_stop": False}, {"left": 3, "right": 0, "sort_by": "pmi"},
    {"boundary": "paragraph", "min_node_freq": 5, "sort_by": "log_likelihood"},
    {"boundary": "document", "drop_punct": False, "drop_stop": False, "sort_by": "t_score"},
])
def test_cooccurrences_equal_the_single_table_ones(bundled, kwargs):
    tokens, _, processed = bundled
    _assert_same_table(P.partitioned_cooccurrences(processed, **kwargs), cooccurrences(tokens, **kwargs))


def test_a_single_tokens_file_is_one_part(bundled_out):
    tokens = tables.read_tokens(bundled_out / "processed")
    assert P.token_files(bundled_out / "processed") == [bundled_out / "processed" / "tokens.parquet"]
    assert not hasattr(P, "token_parts")  # that name is the parts table's (huayu.pipeline.segment.parts)
    _assert_same_dfm(P.partitioned_dfm(bundled_out / "processed"), build_dfm(tokens))


def test_errors_are_those_of_the_single_table_functions(bundled, tmp_path):
    tokens, _, processed = bundled
    with pytest.raises(ParameterError, match="not a token of the corpus"):
        P.partitioned_ngrams(processed, contains="不存在的词")
    with pytest.raises(ParameterError, match="no cluster"):
        P.partitioned_ngrams(processed, n=6, min_freq=10_000)
    with pytest.raises(ParameterError, match="min_freq=1000000 leaves no term"):
        P.partitioned_dfm(processed, min_freq=1_000_000)
    with pytest.raises(ParameterError, match="left=0 and right=0"):
        P.partitioned_cooccurrences(processed, left=0, right=0)
    doc = tokens["doc_id"].iloc[0]
    split = _write_parts(tokens, tmp_path / "split", [[doc], [doc]])  # one document in two parts
    with pytest.raises(TableError, match="more than one part"):
        P.partitioned_ngrams(split)
    with pytest.raises(FileNotFoundError, match="make prepare"):
        P.partitioned_dfm(tmp_path / "nothing")


def test_on_a_two_worker_cluster(bundled):
    tokens, documents, processed = bundled
    with local_cluster(2) as (_, client):
        _assert_same_dfm(P.partitioned_dfm(processed, by="genre", documents_table=documents, scheduler=client),
                         group_dfm(build_dfm(tokens, "doc_id"), group_labels(documents, "genre").to_dict()))
        _assert_same_table(P.partitioned_ngrams(processed, scheduler=client), ngram_clusters(tokens))
        _assert_same_table(P.partitioned_cooccurrences(processed, scheduler=client.scheduler.address),
                           cooccurrences(tokens))
