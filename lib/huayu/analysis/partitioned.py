"""Counts from a partitioned tokens table: computed part by part (on a Dask cluster, or here) and combined exactly.

Every analysis starts from counts: the document–term matrix, frequency lists, n-gram clusters and
co-occurrence counts. On a corpus too large for one table in memory these are computed on each part of the
tokens dataset (``processed/tokens/part-*.parquet``, written by ``prepare --scheduler``: one part per batch
of whole documents, in corpus order) by the single-table functions themselves —
:func:`huayu.analysis.dfm.build_dfm`, :func:`huayu.analysis.ngrams.ngram_clusters`,
:func:`huayu.analysis.collocations.cooccurrences` — and the parts' counts are summed:

* document–term matrix: the units are the union of the parts' units in order of first appearance, the
  terms the sorted union of their terms (the order :func:`~huayu.analysis.dfm.build_dfm` gives); each
  part's sparse matrix is re-indexed onto them and the matrices are added, ``n[u, t] = Σ_p n_p[u, t]``;
  ``min_freq`` is applied to the sums;
* n-gram clusters: ``freq = Σ_p freq_p``, ``range = Σ_p range_p`` (a document lies in exactly one part),
  ``first_doc`` from the first part that has the cluster, ``N = Σ_p N_p``; then ``per_million``,
  ``range_pct`` and the ``min_freq``/``min_range`` filters as in ``ngram_clusters``;
* co-occurrences: ``O = Σ_p O_p`` (windows never cross a document), ``f(x) = Σ_p f_p(x)``, ``N = Σ_p N_p``;
  then :func:`~huayu.analysis.collocations.association_scores` on the sums.

Since every count is a sum over documents, the results equal the single-table functions' on the whole
table exactly (same values, same order; ``tests/analysis/test_partitioned.py``). A part in memory at a
time: the combined counts are as large as the result, the tokens table never is.

``scheduler``: ``None`` runs the parts here, one after the other; a :class:`distributed.Client`, a
scheduler address or ``"local:N"`` (see :func:`huayu.pipeline.distributed.connect`) runs one task per
part, with results combined in a tree (:meth:`dask.bag.Bag.reduction`), and retries a part whose worker died.
A single ``tokens.parquet`` is one part.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from huayu.analysis import collocations as _collocations
from huayu.analysis.dfm import DocumentTermMatrix, build_dfm, group_dfm
from huayu.analysis.dispersion import frequency_list
from huayu.analysis.ngrams import _BOUNDARY_COLUMNS, ngram_clusters
from huayu.checks import check_choice, check_int, is_none
from huayu.errors import ParameterError, TableError
from huayu.pipeline.tables import partition_paths

__all__ = ["partitioned_dfm", "partitioned_frequency_list", "partitioned_ngrams", "partitioned_cooccurrences",
           "token_files"]

SPLIT_EVERY = 8   # partial results combined at a time (the tree's fan-in)
RETRIES = 3


def token_files(processed_dir: str | Path = "data/processed") -> list[Path]:
    """The files of the tokens table in corpus order: the parts of ``tokens/``, or ``[tokens.parquet]``."""
    return partition_paths(processed_dir, "tokens.parquet")


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    return pd.read_parquet(path, columns=[c for c in dict.fromkeys(columns) if c in present])


@contextmanager
def _client(scheduler: Any):
    if is_none(scheduler):
        yield None
    elif isinstance(scheduler, str):
        from huayu.pipeline.distributed import connect

        with connect(scheduler) as client:
            yield client
    else:
        yield scheduler


def _map_reduce(paths: list[Path], count, combine, scheduler: Any) -> Any:
    """``combine`` (a function of a list of partials, in part order) over ``count(path)`` of every part."""
    import dask.bag as db

    bag = db.from_sequence(paths, npartitions=len(paths))
    total = bag.reduction(lambda part: combine([count(path) for path in part]),
                          lambda partials: combine(list(partials)), split_every=SPLIT_EVERY)
    with _client(scheduler) as client:
        if client is None:
            return total.compute(scheduler="sync")
        return client.compute(total, retries=RETRIES).result()


def _disjoint(doc_ids: list[list[str]]) -> None:
    seen: set[str] = set()
    for ids in doc_ids:
        twice = seen.intersection(ids)
        if twice:
            raise TableError("tokens", [f"document(s) {sorted(twice)[:5]} lie in more than one part: each part must "
                                        "hold whole documents (as prepare --scheduler writes them)"])
        seen.update(ids)


# ----------------------------------------------------------------------------------------------------
# Document-term matrix and frequency lists
# ----------------------------------------------------------------------------------------------------

def _dfm_part(path: Path, unit: str | list[str], labels: dict[str, str] | None, drop_stop: bool,
              drop_punct: bool) -> DocumentTermMatrix | None:
    units = [unit] if isinstance(unit, str) else list(unit)
    tokens = _read(path, ["doc_id", *units, "token", "is_stop", "is_punct"])
    try:
        dfm = build_dfm(tokens, unit, drop_stop=drop_stop, drop_punct=drop_punct)
    except ParameterError as exc:
        if "no token left" not in str(exc):
            raise
        return None  # nothing left to count in this part (every token dropped)
    if labels is not None:
        dfm = group_dfm(dfm, {u: labels[u] for u in dfm.units if u in labels})
    return dfm


def _add_dfms(parts: list[DocumentTermMatrix | None]) -> DocumentTermMatrix | None:
    parts = [p for p in parts if p is not None]
    if len(parts) <= 1:
        return parts[0] if parts else None
    units = pd.Index(pd.unique(np.concatenate([np.asarray(p.units, dtype=object) for p in parts])), dtype="str",
                     name="unit")
    terms = pd.Index(np.unique(np.concatenate([np.asarray(p.terms, dtype=object) for p in parts])), dtype="str",
                     name="term")
    rows, cols, data = [], [], []
    for part in parts:
        coo = part.matrix.tocoo()
        rows.append(units.get_indexer(part.units)[coo.row])
        cols.append(terms.get_indexer(part.terms)[coo.col])
        data.append(coo.data)
    matrix = sp.csr_matrix((np.concatenate(data).astype(np.int64), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(len(units), len(terms)), dtype=np.int64)
    matrix.sum_duplicates()
    return DocumentTermMatrix(matrix, units, terms)


def partitioned_dfm(processed_dir: str | Path = "data/processed", *, unit: str | list[str] = "doc_id",
                    by: str | None = None, documents_table: pd.DataFrame | None = None, drop_stop: bool = False,
                    drop_punct: bool = True, min_freq: int = 1, scheduler: Any = None) -> DocumentTermMatrix:
    """The document–term matrix of the whole tokens table, counted part by part.

    ``unit`` as in :func:`huayu.analysis.dfm.build_dfm` (``"doc_id"``, ``"para_id"``, ``["doc_id",
    "sent_id"]`` …). ``by``: a metadata column of ``documents_table`` (``province``, ``genre``, ``year`` …,
    as :func:`huayu.analysis.keyness.group_labels` reads it) to sum the documents into — the matrix
    ``group_dfm(build_dfm(tokens), group_labels(documents_table, by))`` of a single table. Equal to
    ``build_dfm(tokens, unit, drop_stop=…, drop_punct=…, min_freq=…)`` on the whole table.
    """
    min_freq = check_int("min_freq", min_freq, minimum=1)
    labels = None
    if not is_none(by) and by != "doc_id":
        from huayu.analysis.keyness import group_labels

        if unit != "doc_id":
            raise ParameterError(f"by={by!r} sums documents: use it with unit='doc_id', not unit={unit!r}")
        if documents_table is None:
            raise ParameterError(f"by={by!r} needs the documents_table (its metadata columns)")
        labels = group_labels(documents_table, by).to_dict()
    paths = token_files(processed_dir)
    dfm = _map_reduce(paths, lambda p: _dfm_part(p, unit, labels, drop_stop, drop_punct), _add_dfms, scheduler)
    if dfm is None:
        raise ParameterError("tokens has no token left to count (empty table, or every token is "
                             "stop/punctuation with drop_stop/drop_punct)")
    if min_freq > 1:
        keep = np.flatnonzero(dfm.term_totals() >= min_freq)
        if keep.size == 0:
            raise ParameterError(f"min_freq={min_freq} leaves no term (the most frequent term occurs "
                                 f"{int(dfm.term_totals().max())} times)")
        dfm = DocumentTermMatrix(dfm.matrix[:, keep].tocsr(), dfm.units, dfm.terms[keep])
    return dfm


def partitioned_frequency_list(processed_dir: str | Path = "data/processed", *, parts: str = "doc_id",
                               min_freq: int = 1, drop_stop: bool = False, drop_punct: bool = True,
                               terms: Sequence[str] | None = None, scheduler: Any = None) -> pd.DataFrame:
    """:func:`huayu.analysis.dispersion.frequency_list` (frequency, range, Juilland's D, Gries' DP across
    ``parts``) from the partitioned counts; equal to ``frequency_list(tokens, parts=parts, …)``."""
    dfm = partitioned_dfm(processed_dir, unit=parts, drop_stop=drop_stop, drop_punct=drop_punct, scheduler=scheduler)
    table = frequency_list(dfm, min_freq=min_freq, terms=terms)
    table.attrs["parts"] = parts
    return table


# ----------------------------------------------------------------------------------------------------
# N-gram clusters
# ----------------------------------------------------------------------------------------------------

_NGRAM_COUNTS = ["cluster", "text", "n", "freq", "range", "first_doc"]


def _ngram_part(path: Path, n: Any, boundary: str, drop_punct: bool, drop_stop: bool, contains: str | None,
                sep: str) -> dict:
    tokens = _read(path, ["token", "doc_id", *_BOUNDARY_COLUMNS[boundary], "is_punct", "is_stop"])
    breaks = np.zeros(len(tokens), dtype=bool)
    if drop_punct:
        breaks |= tokens["is_punct"].to_numpy(dtype=bool)
    if drop_stop:
        breaks |= tokens["is_stop"].to_numpy(dtype=bool)
    doc_ids = pd.unique(tokens["doc_id"].astype("str")).tolist()
    part = {"doc_ids": [doc_ids], "n_words": int((~breaks).sum()), "n_docs": len(doc_ids),
            "has_contains": False, "clusters": pd.DataFrame(columns=_NGRAM_COUNTS)}
    if tokens.empty:
        return part
    if not is_none(contains):
        part["has_contains"] = bool((tokens["token"] == contains).any())
        if not part["has_contains"]:
            return part  # a cluster with the token can only occur where the token does
    try:
        clusters = ngram_clusters(tokens, n, min_freq=1, min_range=1, boundary=boundary, drop_punct=drop_punct,
                                  drop_stop=drop_stop, contains=None if is_none(contains) else contains, sep=sep)
    except ParameterError as exc:
        if "no cluster of" not in str(exc):
            raise
        return part
    part["clusters"] = clusters[_NGRAM_COUNTS]
    return part


def _add_ngrams(parts: list[dict]) -> dict:
    if len(parts) == 1:
        return parts[0]
    doc_ids = [ids for part in parts for ids in part["doc_ids"]]
    frames = [part["clusters"] for part in parts if len(part["clusters"])]
    if frames:
        stacked = pd.concat(frames, ignore_index=True)
        grouped = stacked.groupby(["n", "cluster"], sort=False)  # first appearance: the corpus order
        clusters = grouped.agg(text=("text", "first"), freq=("freq", "sum"), range=("range", "sum"),
                               first_doc=("first_doc", "first")).reset_index()[_NGRAM_COUNTS]
    else:
        clusters = pd.DataFrame(columns=_NGRAM_COUNTS)
    return {"doc_ids": doc_ids, "n_words": sum(p["n_words"] for p in parts), "n_docs": sum(p["n_docs"] for p in parts),
            "has_contains": any(p["has_contains"] for p in parts), "clusters": clusters}


def partitioned_ngrams(processed_dir: str | Path = "data/processed", n: int | Sequence[int] = (2, 6), *,
                       min_freq: int = 2, min_range: int = 1, boundary: str = "sentence", drop_punct: bool = True,
                       drop_stop: bool = False, contains: str | None = None, sep: str = " ",
                       scheduler: Any = None) -> pd.DataFrame:
    """:func:`huayu.analysis.ngrams.ngram_clusters` of the whole tokens table, counted part by part.

    Same parameters, columns, order and ``attrs``; ``per_million = 10⁶ · freq / N`` and ``range_pct =
    100 · range / number of documents`` are computed from the summed counts.
    """
    from huayu.analysis.ngrams import BOUNDARIES, _sizes

    sizes = _sizes(n)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    min_range = check_int("min_range", min_range, minimum=1)
    check_choice("boundary", boundary, BOUNDARIES)
    paths = token_files(processed_dir)
    total = _map_reduce(paths, lambda p: _ngram_part(p, n, boundary, drop_punct, drop_stop, contains, sep),
                        _add_ngrams, scheduler)
    _disjoint(total["doc_ids"])
    if total["n_docs"] == 0:
        raise ParameterError("tokens is empty: there is nothing to count")
    if not is_none(contains) and not total["has_contains"]:
        raise ParameterError(f"contains={contains!r} is not a token of the corpus; check the spelling "
                             "(or the segmentation: huayu.analysis.kwic with match='chars' finds it inside words)")
    out = total["clusters"]
    out = out[(out["freq"] >= min_freq) & (out["range"] >= min_range)]
    if out.empty:
        raise ParameterError(f"no cluster of {sizes[0]}–{sizes[-1]} tokens occurs at least min_freq={min_freq} "
                             f"times in at least min_range={min_range} document(s)"
                             + (f" and contains {contains!r}" if contains else "")
                             + "; lower min_freq/min_range or shorten n")
    n_words, n_docs = total["n_words"], total["n_docs"]
    freq = out["freq"].to_numpy(dtype=np.int64)
    rng = out["range"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "cluster": pd.Series(out["cluster"].to_numpy(dtype=object), dtype="str"),
        "text": pd.Series(out["text"].to_numpy(dtype=object), dtype="str"),
        "n": out["n"].to_numpy(dtype=np.int64), "freq": freq, "per_million": freq / max(n_words, 1) * 1e6,
        "range": rng, "range_pct": 100.0 * rng / n_docs,
        "first_doc": pd.Series(out["first_doc"].to_numpy(dtype=object), dtype="str"),
    })
    out = out.sort_values(["freq", "range", "n", "cluster"], ascending=[False, False, False, True],
                          kind="mergesort").reset_index(drop=True)
    out.attrs.update({"n_tokens": n_words, "n_documents": n_docs, "boundary": boundary, "sizes": sizes,
                      "min_freq": min_freq, "min_range": min_range})
    return out


# ----------------------------------------------------------------------------------------------------
# Co-occurrences
# ----------------------------------------------------------------------------------------------------

def _cooccurrence_part(path: Path, left: int, right: int, boundary: str, drop_punct: bool, drop_stop: bool) -> dict:
    tokens = _read(path, ["token", "doc_id", *_BOUNDARY_COLUMNS[boundary], "is_punct", "is_stop"])
    part = {"doc_ids": [pd.unique(tokens["doc_id"].astype("str")).tolist()], "n": 0,
            "freq": pd.Series([], dtype=np.int64), "pairs": pd.DataFrame(columns=["node", "collocate", "observed",
                                                                                  "right"])}
    try:
        dfm = build_dfm(tokens, "doc_id", drop_stop=drop_stop, drop_punct=drop_punct)
    except ParameterError as exc:
        if "no token left" not in str(exc):
            raise
        return part  # no token left in this part
    totals = dfm.term_totals()
    part["freq"] = pd.Series(totals, index=pd.Index(np.asarray(dfm.terms, dtype=object)), dtype=np.int64)
    part["n"] = int(totals.sum())
    table = _collocations.cooccurrences(tokens, left=left, right=right, min_freq=1, boundary=boundary,
                                        drop_punct=drop_punct, drop_stop=drop_stop, min_node_freq=1)
    part["pairs"] = pd.DataFrame({"node": table["node"].to_numpy(dtype=object),
                                  "collocate": table["collocate"].to_numpy(dtype=object),
                                  "observed": table["observed"].to_numpy(dtype=np.int64),
                                  "right": table["right"].to_numpy(dtype=np.int64)})
    return part


def _add_cooccurrences(parts: list[dict]) -> dict:
    if len(parts) == 1:
        return parts[0]
    freq = pd.concat([p["freq"] for p in parts])
    pairs = pd.concat([p["pairs"] for p in parts if len(p["pairs"])] or [parts[0]["pairs"]], ignore_index=True)
    return {"doc_ids": [ids for p in parts for ids in p["doc_ids"]], "n": sum(p["n"] for p in parts),
            "freq": freq.groupby(level=0, sort=False).sum().astype(np.int64),
            "pairs": pairs.groupby(["node", "collocate"], sort=False)[["observed", "right"]].sum().reset_index()}


def partitioned_cooccurrences(processed_dir: str | Path = "data/processed", *, left: int = 5, right: int = 5,
                              min_freq: int = 2, boundary: str = "sentence", drop_punct: bool = True,
                              drop_stop: bool = True, min_node_freq: int = 1, sort_by: str = "log_dice",
                              scheduler: Any = None) -> pd.DataFrame:
    """:func:`huayu.analysis.collocations.cooccurrences` of the whole tokens table, counted part by part.

    Same parameters, columns, order and ``attrs``: ``O``, ``f(node)``, ``f(collocate)`` and ``N`` are sums
    over the parts, the scores are :func:`~huayu.analysis.collocations.association_scores` of the sums.
    """
    left, right = _collocations._check_window(left, right)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    min_node_freq = check_int("min_node_freq", min_node_freq, minimum=1)
    check_choice("sort_by", sort_by, _collocations.MEASURES)
    check_choice("boundary", boundary, _collocations.BOUNDARIES)
    paths = token_files(processed_dir)
    total = _map_reduce(paths, lambda p: _cooccurrence_part(p, left, right, boundary, drop_punct, drop_stop),
                        _add_cooccurrences, scheduler)
    _disjoint(total["doc_ids"])
    if total["n"] == 0:
        raise ParameterError("tokens has no token left for collocations (empty table, or every token is "
                             "punctuation/stopword with drop_punct/drop_stop)")
    pairs, freq = total["pairs"], total["freq"]
    f_node = freq.reindex(pairs["node"]).to_numpy(dtype=np.int64)
    f_coll = freq.reindex(pairs["collocate"]).to_numpy(dtype=np.int64)
    observed = pairs["observed"].to_numpy(dtype=np.int64)
    keep = (observed >= min_freq) & (f_node >= min_node_freq)
    n_right = pairs["right"].to_numpy(dtype=np.int64)[keep]
    observed, f_node, f_coll = observed[keep], f_node[keep], f_coll[keep]
    table = pd.DataFrame({
        "node": pd.Series(pairs["node"].to_numpy(dtype=object)[keep], dtype="str"),
        "collocate": pd.Series(pairs["collocate"].to_numpy(dtype=object)[keep], dtype="str"),
        "observed": observed, "left": observed - n_right, "right": n_right, "f_node": f_node, "f_collocate": f_coll,
    })
    table = pd.concat([table, _collocations.association_scores(observed, f_node, f_coll, total["n"], left + right)],
                      axis=1)
    table.attrs.update({"n_tokens": total["n"], "left": left, "right": right, "boundary": boundary,
                        "min_freq": min_freq})
    return _collocations._sort(table, sort_by)
