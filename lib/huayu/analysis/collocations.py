"""Collocations: which words keep company with a node word within a window of tokens.

Co-occurrence is counted in a *window* of ``left`` tokens before and ``right`` tokens after every
occurrence of the node (surface co-occurrence, Evert 2008, "Corpora and collocations", in Lüdeling &
Kytö (eds.) *Corpus Linguistics. An International Handbook*, art. 58, §3–5). Windows stop at the
``boundary`` (sentence, paragraph or document) and, by default, skip punctuation (``drop_punct``: a
punctuation mark is neither counted in the window nor a collocate, as in AntConc and #LancsBox).

For a node ``n`` and collocate ``x`` in a corpus of ``N`` tokens (after dropping punctuation/stopwords):

``observed`` ``O``
    occurrences of ``x`` inside the windows of ``n`` (``left`` + ``right``; a token inside two
    overlapping windows counts twice, as in AntConc).
``expected`` ``E``
    ``E = f(n) · f(x) · (L + R) / N`` — Evert 2008, eq. for surface co-occurrence with a span of
    ``k = L + R`` tokens (window positions cut by a boundary are not subtracted).
``pmi``
    pointwise mutual information ``log2(O / E)`` (Church & Hanks 1990, "Word association norms, mutual
    information, and lexicography", *Computational Linguistics* 16(1): 22–29; AntConc's "MI").
``t_score``
    ``(O − E) / √O`` (Church, Gale, Hanks & Hindle 1991, "Using statistics in lexical analysis").
``log_likelihood``
    G² of the 2×2 table (Dunning 1993)::

                        x            not x
        in windows      O            R1 − O          R1 = f(n)·(L+R)
        elsewhere       f(x) − O     N − R1 − f(x) + O

    ``G² = 2 Σ O_ij ln(O_ij / E_ij)``, ``E_ij = R_i·C_j / N``, ``0·ln 0 = 0``. Cells that overlapping
    windows would make negative are set to 0 (the table is an approximation for window counts; Evert 2008 §5).
    Positive when ``O > E`` (attraction), negative when ``O < E`` (repulsion), like ``keyness.g2``.
``log_dice``
    ``14 + log2(2·O / (f(n) + f(x)))`` (Rychlý 2008, "A lexicographer-friendly association score",
    *Proc. RASLAN 2008*: 6–9; Sketch Engine). At most 14; independent of corpus size.

Counting is vectorised on the integer codes of the tokens: for each offset ``k = 1 … max(L, R)`` (a loop
over window positions, never over tokens) the pairs ``(token i, token i+k)`` inside one boundary unit are
taken at once — only at the node's positions for :func:`collocates` (O(f(node)·(L+R))), and for
:func:`cooccurrences` as one int64 key per pair of candidate types, counted block by block (memory
O(distinct pairs), never one entry per window position) — O(N·(L+R)) time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
from scipy.special import xlogy

from huayu.checks import check_choice, check_columns, check_int, is_none
from huayu.errors import ParameterError

__all__ = [
    "collocates",
    "cooccurrences",
    "collocation_network",
    "association_scores",
    "BOUNDARIES",
    "MEASURES",
    "ParameterError",
]

BOUNDARIES = ("sentence", "paragraph", "document")
MEASURES = ("log_dice", "pmi", "t_score", "log_likelihood", "observed")
_BOUNDARY_COLUMNS = {"sentence": ["doc_id", "sent_id"], "paragraph": ["doc_id", "para_id"], "document": ["doc_id"]}


def _check_window(left: int, right: int) -> tuple[int, int]:
    left = check_int("left", left, minimum=0, maximum=50, why_max="collocation windows beyond 50 tokens are noise")
    right = check_int("right", right, minimum=0, maximum=50,
                      why_max="collocation windows beyond 50 tokens are noise")
    if left + right == 0:
        raise ParameterError("left=0 and right=0 make an empty window; count at least one token on one side "
                             "(e.g. left=5, right=5, or right=1 for the next word only)")
    return left, right


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``(codes, distinct values as a str Index)``; a categorical column's own codes (at 10,000 documents the
    tokens are 60 million rows: no string and no hash per row), else ``pd.factorize`` of the strings."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), pd.Index(values.cat.categories.astype("str"), dtype="str")
    codes, uniques = pd.factorize(values.astype("str"), sort=False)
    return codes, pd.Index(np.asarray(uniques, dtype=object), dtype="str")


class _Stream:
    """The token stream the windows run over: integer ids, the boundary unit of each position (document
    code and, for sentences or paragraphs, the ``sent_id``/``para_id``), the vocabulary and frequencies.

    Built from the integer codes of the columns it needs, never from a copy of the tokens table."""

    def __init__(self, tokens: pd.DataFrame, *, boundary: str, drop_punct: bool, drop_stop: bool) -> None:
        check_choice("boundary", boundary, BOUNDARIES)
        cols = _BOUNDARY_COLUMNS[boundary]
        check_columns("tokens", tokens, ["token", *cols])
        keep = np.ones(len(tokens), dtype=bool)
        for flag, wanted in (("is_punct", drop_punct), ("is_stop", drop_stop)):
            if wanted:
                check_columns("tokens", tokens, [flag])
                keep &= ~tokens[flag].to_numpy(dtype=bool)
        if not keep.any():
            raise ParameterError("tokens has no token left for collocations (empty table, or every token is "
                                 "punctuation/stopword with drop_punct/drop_stop)")
        sel = None if keep.all() else keep
        ids, self.vocab = _codes(tokens["token"])
        doc = _codes(tokens["doc_id"])[0]
        self.ids = ids if sel is None else ids[sel]
        self.doc = doc if sel is None else doc[sel]
        self.sub = None
        if len(cols) > 1:
            sub = tokens[cols[1]].to_numpy()
            self.sub = sub if sel is None else sub[sel]
        self.n = len(self.ids)
        self.freq = np.bincount(self.ids, minlength=len(self.vocab)).astype(np.int64)

    def same_unit(self, i: np.ndarray | slice, j: np.ndarray | slice) -> np.ndarray:
        """Whether positions ``i`` and ``j`` (arrays or slices of equal length) lie in one boundary unit."""
        ok = self.doc[i] == self.doc[j]
        if self.sub is not None:
            ok &= self.sub[i] == self.sub[j]
        return ok

    def node_ids(self, node: str | Sequence[str], match: str) -> np.ndarray:
        present = self.freq > 0
        vocab = pd.Index(self.vocab)
        if match == "token":
            words = [node] if isinstance(node, str) else list(node)
            found = vocab.get_indexer(words)
            found = found[found >= 0]
            pattern = node
        else:
            try:
                rx = re.compile(node)
            except (re.error, TypeError) as exc:
                raise ParameterError(f"node={node!r} is not a valid regular expression: {exc}") from None
            found = np.flatnonzero(np.asarray(vocab.str.fullmatch(rx), dtype=bool))
            pattern = node
        found = found[present[found]] if found.size else found
        if found.size == 0:
            probe = node if isinstance(node, str) else str(list(node)[0])
            near = [] if match == "regex" else [
                str(v) for v in vocab[np.asarray(vocab.str.contains(probe, regex=False), dtype=bool) & present][:10]]
            hint = (f"; tokens that contain it: {near}" if near else
                    "; no token contains it either (check the spelling, or search the characters with "
                    "huayu.analysis.kwic.kwic(..., match='chars'))")
            raise ParameterError(f"node={pattern!r} has no hits among the {self.n} tokens (match={match!r}){hint}")
        return np.unique(found)


#: positions per block when the windows are counted (bounds the temporary arrays, not the result)
_BLOCK = 1 << 22
#: ``2·V²`` counters at most for a dense count of the pairs among ``V`` types (else: sorted sparse keys)
_DENSE_CELLS = 1 << 24


def _node_pairs(stream: _Stream, node_pos: np.ndarray, left: int, right: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(collocate positions, is_right)`` of every window position of the nodes at ``node_pos``: for each
    offset ``k`` (a loop over window positions, never over tokens) the positions ``node ± k`` in the same
    boundary unit. O(nodes · (L + R))."""
    pos, sides = [], []
    for k in range(1, max(left, right) + 1):
        if k <= right:
            i = node_pos[node_pos + k < stream.n]
            i = i[stream.same_unit(i, i + k)]
            pos.append(i + k); sides.append(np.ones(i.size, dtype=bool))
        if k <= left:
            i = node_pos[node_pos - k >= 0]
            i = i[stream.same_unit(i, i - k)]
            pos.append(i - k); sides.append(np.zeros(i.size, dtype=bool))
    if not pos:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return np.concatenate(pos), np.concatenate(sides)


def _count_window_pairs(stream: _Stream, rank: np.ndarray, is_node: np.ndarray, left: int, right: int,
                        min_freq: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Window co-occurrences among the candidate types: ``(node_rank, collocate_rank, observed, n_right)``
    for every pair with ``observed ≥ min_freq``.

    ``rank`` maps a type id to its candidate code ``0 … V−1`` (−1: not counted); ``is_node[r]`` says whether
    candidate ``r`` may be a node. For each offset ``k = 1 … max(L, R)`` and each block of positions, the
    pairs ``(i, i + k)`` of two candidates in one boundary unit are encoded as one int64 key
    ``(node · V + collocate) · 2 + side`` and counted — with ``np.bincount`` into ``2·V²`` counters when
    that is small (:data:`_DENSE_CELLS`), else as sorted unique keys with counts, merged as they come.
    Memory: O(distinct pairs counted), not O(window positions) (60 million tokens have 600 million)."""
    v = int(rank.max()) + 1 if rank.size else 0
    if v == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    r = rank[stream.ids]
    n = stream.n
    dense = 2 * v * v <= _DENSE_CELLS
    counts = np.zeros(2 * v * v, dtype=np.int64) if dense else None
    keys, vals, pending = [], [], 0

    def merge(keys, vals):
        k = np.concatenate(keys)
        u, inv = np.unique(k, return_inverse=True)
        return [u], [np.bincount(inv, weights=np.concatenate(vals)).astype(np.int64)]

    for k in range(1, max(left, right) + 1):
        for s in range(0, max(n - k, 0), _BLOCK):
            e = min(s + _BLOCK, n - k)
            a, b = r[s:e], r[s + k:e + k]
            ok = (a >= 0) & (b >= 0)
            ok &= stream.same_unit(slice(s, e), slice(s + k, e + k))
            i = np.flatnonzero(ok)
            if i.size == 0:
                continue
            a, b = a[i].astype(np.int64), b[i].astype(np.int64)
            block = []
            if k <= right:  # the token at i is the node, the token at i+k its right collocate
                sel = is_node[a]
                block.append((a[sel] * v + b[sel]) * 2 + 1)
            if k <= left:  # the token at i+k is the node, the token at i its left collocate
                sel = is_node[b]
                block.append((b[sel] * v + a[sel]) * 2)
            for key in block:
                if dense:
                    counts += np.bincount(key, minlength=counts.size)
                else:
                    u, c = np.unique(key, return_counts=True)
                    keys.append(u); vals.append(c); pending += u.size
                    if pending > 4 * _BLOCK and len(keys) > 1:
                        keys, vals = merge(keys, vals)
                        pending = keys[0].size
    if dense:
        by_side = counts.reshape(v * v, 2)
        observed = by_side.sum(axis=1)
        pair = np.flatnonzero(observed >= min_freq)
        observed, n_right = observed[pair], by_side[pair, 1]
    else:
        if not keys:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        if len(keys) > 1:
            keys, vals = merge(keys, vals)
        key, val = keys[0], vals[0]
        pair_of_key = key // 2
        pair, inv = np.unique(pair_of_key, return_inverse=True)
        observed = np.bincount(inv, weights=val).astype(np.int64)
        n_right = np.bincount(inv, weights=val * (key % 2)).astype(np.int64)
        keep = observed >= min_freq
        pair, observed, n_right = pair[keep], observed[keep], n_right[keep]
    return pair // v, pair % v, observed, n_right


def association_scores(observed: np.ndarray, f_node: np.ndarray, f_collocate: np.ndarray, n: float,
                       span: int) -> pd.DataFrame:
    """``expected, pmi, t_score, log_likelihood, log_dice`` for window co-occurrence counts.

    ``observed`` = O, ``f_node``/``f_collocate`` = corpus frequencies, ``n`` = corpus size in tokens,
    ``span`` = ``left + right``. Formulas in the module docstring.
    """
    o = np.asarray(observed, dtype=np.float64)
    fn = np.asarray(f_node, dtype=np.float64)
    fc = np.asarray(f_collocate, dtype=np.float64)
    n = float(n)
    e = fn * fc * span / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(o / e)
        t = np.where(o > 0, (o - e) / np.sqrt(np.where(o > 0, o, 1.0)), 0.0)
        r1 = fn * span
        o11 = o
        o12 = np.maximum(r1 - o, 0.0)
        o21 = np.maximum(fc - o, 0.0)
        o22 = np.maximum(n - r1 - fc + o, 0.0)
        r1c, r2c = o11 + o12, o21 + o22
        c1c, c2c = o11 + o21, o12 + o22
        tot = r1c + r2c
        ll = 2.0 * (xlogy(o11, o11 / (r1c * c1c / tot)) + xlogy(o12, o12 / (r1c * c2c / tot))
                    + xlogy(o21, o21 / (r2c * c1c / tot)) + xlogy(o22, o22 / (r2c * c2c / tot)))
        ll = np.maximum(ll, 0.0) * np.where(o > e, 1.0, -1.0)
        log_dice = 14.0 + np.log2(2.0 * o / (fn + fc))
    return pd.DataFrame({"expected": e, "pmi": pmi, "t_score": t, "log_likelihood": ll, "log_dice": log_dice})


def _table(labels: np.ndarray, freq: np.ndarray, n: int, node_id: np.ndarray, coll_id: np.ndarray,
           observed: np.ndarray, n_right: np.ndarray, *, left: int, right: int) -> pd.DataFrame:
    """The collocation table of counted pairs (type ids into ``labels``/``freq``; ``n`` tokens)."""
    f_node = freq[node_id]
    f_coll = freq[coll_id]
    observed = np.asarray(observed, dtype=np.int64)
    n_right = np.asarray(n_right, dtype=np.int64)
    scores = association_scores(observed, f_node, f_coll, n, left + right)
    out = pd.DataFrame({
        "node": pd.Series(labels[node_id], dtype="str"),
        "collocate": pd.Series(labels[coll_id], dtype="str"),
        "observed": observed,
        "left": observed - n_right,
        "right": n_right,
        "f_node": f_node,
        "f_collocate": f_coll,
    })
    return pd.concat([out, scores], axis=1)


def _sort(table: pd.DataFrame, sort_by: str) -> pd.DataFrame:
    """By ``sort_by`` and ``observed`` (descending), then ``collocate`` and ``node``: a total order, so the
    table does not depend on the order the pairs were counted in (the partitioned counts rely on it)."""
    check_choice("sort_by", sort_by, MEASURES)
    return table.sort_values([sort_by, "observed", "collocate", "node"], ascending=[False, False, True, True],
                             kind="mergesort").reset_index(drop=True)


def collocates(tokens: pd.DataFrame, node: str | Sequence[str], *, left: int = 5, right: int = 5,
               min_freq: int = 2, boundary: str = "sentence", match: str = "token", drop_punct: bool = True,
               drop_stop: bool = False, sort_by: str = "log_dice") -> pd.DataFrame:
    """Collocates of ``node`` within ``left``/``right`` tokens: one row per collocate.

    ``node`` is a token (``match="token"``; a list of tokens counts them together as one node) or a
    regular expression that must match a whole token (``match="regex"``, e.g. ``r"发展.*"``); every
    matching token type joins the node. ``min_freq`` keeps collocates with ``O ≥ min_freq``.
    Columns: ``node, collocate, observed, left, right, f_node, f_collocate, expected, pmi, t_score,
    log_likelihood, log_dice`` (``node`` is the pattern; ``f_node`` its total frequency).
    """
    left, right = _check_window(left, right)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    check_choice("match", match, ("token", "regex"))
    check_choice("sort_by", sort_by, MEASURES)
    if isinstance(node, str):
        if not node.strip():
            raise ParameterError("node is empty; give a word, e.g. node='发展'")
    elif not list(node):
        raise ParameterError("node is an empty list; give at least one word")
    stream = _Stream(tokens, boundary=boundary, drop_punct=drop_punct, drop_stop=drop_stop)
    found = stream.node_ids(node, match)
    # every matched type becomes one node (id v), so that f_node is the frequency of the whole pattern
    label = node if isinstance(node, str) else "|".join(node)
    v = len(stream.vocab)
    is_node = np.zeros(v, dtype=bool)
    is_node[found] = True
    merged = np.arange(v + 1, dtype=np.int64)
    merged[found] = v
    freq = np.append(stream.freq, stream.freq[found].sum())
    freq[found] = 0
    node_pos = np.flatnonzero(is_node[stream.ids])
    coll_pos, is_right = _node_pairs(stream, node_pos, left, right)
    coll = merged[stream.ids[coll_pos]]
    observed = np.bincount(coll, minlength=v + 1)
    n_right = np.bincount(coll[is_right], minlength=v + 1)
    coll_id = np.flatnonzero(observed >= max(min_freq, 1))
    labels = np.asarray([*map(str, stream.vocab), label], dtype=object)
    table = _table(labels, freq, stream.n, np.full(coll_id.size, v, dtype=np.int64), coll_id, observed[coll_id],
                   n_right[coll_id], left=left, right=right)
    table.attrs.update({"node": label, "f_node": int(freq[v]), "n_tokens": stream.n,
                        "left": left, "right": right, "boundary": boundary, "min_freq": min_freq,
                        "matched_types": [str(stream.vocab[i]) for i in found]})
    return _sort(table, sort_by)


def cooccurrences(tokens: pd.DataFrame, *, left: int = 5, right: int = 5, min_freq: int = 2,
                  boundary: str = "sentence", drop_punct: bool = True, drop_stop: bool = True,
                  min_node_freq: int = 1, max_types: int | None = None, sort_by: str = "log_dice") -> pd.DataFrame:
    """Every node–collocate pair of the corpus with ``O ≥ min_freq`` (the collocation table of all words).

    Same columns and formulas as :func:`collocates`; ``node`` runs over every token type with
    frequency ``≥ min_node_freq``. With ``left == right`` the table is symmetric (``O(a, b) = O(b, a)``).
    Stopwords are dropped by default here: with them, 的/和/是 dominate every network.

    ``max_types`` (``None``: every type) counts only the pairs among the ``max_types`` most frequent types
    (after dropping punctuation/stopwords; ties: the token first in code-point order), both as node and as
    collocate — what a network of the most frequent words needs (:func:`collocation_network`). The counts
    and scores of these pairs are exactly those of the whole table (``f_node``, ``f_collocate`` and ``N`` are
    the frequencies in the whole stream); only the other pairs are left out, and the memory is that of
    ``2 · max_types²`` counters instead of one entry per window position (60 million tokens make some
    600 million). ``attrs["max_types"]`` records it when given.
    """
    left, right = _check_window(left, right)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    min_node_freq = check_int("min_node_freq", min_node_freq, minimum=1)
    if is_none(max_types):
        max_types = None
    else:
        max_types = check_int("max_types", max_types, minimum=2)
    check_choice("sort_by", sort_by, MEASURES)
    stream = _Stream(tokens, boundary=boundary, drop_punct=drop_punct, drop_stop=drop_stop)
    present = np.flatnonzero(stream.freq > 0)
    if max_types is not None and max_types < present.size:
        names = np.asarray(stream.vocab, dtype=object)[present]
        by_name = np.empty(present.size, dtype=np.int64)
        by_name[np.argsort(names, kind="stable")] = np.arange(present.size)
        present = np.sort(present[np.lexsort((by_name, -stream.freq[present]))[:max_types]])
    rank = np.full(len(stream.vocab), -1, dtype=np.int32)
    rank[present] = np.arange(present.size, dtype=np.int32)
    is_node = stream.freq[present] >= min_node_freq
    node_rank, coll_rank, observed, n_right = _count_window_pairs(stream, rank, is_node, left, right, min_freq)
    labels = np.asarray(stream.vocab, dtype=object)
    table = _table(labels, stream.freq, stream.n, present[node_rank], present[coll_rank], observed, n_right,
                   left=left, right=right)
    table.attrs.update({"n_tokens": stream.n, "left": left, "right": right, "boundary": boundary,
                        "min_freq": min_freq})
    if max_types is not None:
        table.attrs["max_types"] = max_types
    return _sort(table, sort_by)


def collocation_network(table: pd.DataFrame, *, n_nodes: int = 30, n_edges: int = 60,
                        measure: str = "log_dice", nodes: Sequence[str] | None = None,
                        min_observed: int = 2):
    """A :class:`networkx.Graph` of the strongest collocations among the most frequent words.

    Vertices: ``nodes`` if given, else the ``n_nodes`` most frequent words of ``table`` (a
    :func:`cooccurrences` table). Edges: the ``n_edges`` pairs among them with the highest ``measure``
    (and ``observed ≥ min_observed``); a pair seen in both directions keeps its larger score. Vertex
    attribute ``freq``; edge attributes ``weight`` (the measure), ``observed``.
    """
    check_columns("table", table, ["node", "collocate", "observed", "f_node", measure])
    check_choice("measure", measure, MEASURES)
    n_nodes = check_int("n_nodes", n_nodes, minimum=2)
    n_edges = check_int("n_edges", n_edges, minimum=1)
    rows = table[(table["node"] != table["collocate"]) & (table["observed"] >= min_observed)]
    if rows.empty:
        raise ParameterError(f"no collocation with observed ≥ {min_observed}: lower min_observed or widen the window")
    freq = rows.groupby("node", sort=False)["f_node"].first()
    if nodes is None:
        order = freq.reset_index().sort_values(["f_node", "node"], ascending=[False, True], kind="mergesort")
        chosen = list(order["node"].head(n_nodes))
    else:
        chosen = [str(w) for w in nodes]
        unknown = [w for w in chosen if w not in freq.index]
        if unknown:
            raise ParameterError(f"nodes {unknown[:10]} have no collocation in the table (with observed ≥ "
                                 f"{min_observed})")
    sub = rows[rows["node"].isin(chosen) & rows["collocate"].isin(chosen)]
    a = sub["node"].astype("str")
    b = sub["collocate"].astype("str")
    sub = sub.assign(_u=a.where(a < b, b), _v=b.where(a < b, a))
    sub = sub.sort_values([measure, "observed", "_u", "_v"], ascending=[False, False, True, True], kind="mergesort")
    sub = sub.drop_duplicates(["_u", "_v"]).head(n_edges)
    graph = nx.Graph()
    for w in chosen:
        graph.add_node(w, freq=int(freq.get(w, 0)))
    for u, v, w, o in zip(sub["_u"], sub["_v"], sub[measure], sub["observed"]):
        graph.add_edge(u, v, weight=float(w), observed=int(o))
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if graph.number_of_edges() == 0:
        raise ParameterError("the chosen words share no collocation; raise n_nodes or lower min_observed")
    graph.graph.update({"measure": measure, **{k: v for k, v in table.attrs.items() if not isinstance(v, list)}})
    return graph
