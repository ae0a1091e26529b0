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

Counting is vectorised: for each offset ``k = 1 … max(L, R)`` (a loop over window positions, never over
tokens) the pairs ``(token i, token i+k)`` inside one boundary unit are added to a sparse
``vocabulary × vocabulary`` matrix — O(N·(L+R)) time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
from scipy.special import xlogy

from huayu.checks import check_choice, check_columns, check_int
from huayu.analysis.dfm import factorize_strings
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


class _Stream:
    """The token stream the windows run over: integer ids, boundary-unit codes, vocabulary."""

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
        t = tokens.loc[keep, list(dict.fromkeys(["token", "doc_id", *cols]))]  # the columns used, not every one
        self.ids, self.vocab = factorize_strings(t["token"])
        unit = factorize_strings(t["doc_id"])[0]
        if len(cols) > 1:
            sub = t[cols[1]].to_numpy(dtype=np.int64)
            unit = pd.factorize(unit * (int(sub.max()) + 1) + sub, sort=False)[0].astype(np.int64)
        self.unit = unit
        self.n = len(self.ids)
        self.freq = np.bincount(self.ids, minlength=len(self.vocab)).astype(np.int64)

    def merged(self, found: np.ndarray, label: str) -> tuple[_Stream, int]:
        """A copy where every type in ``found`` becomes one new type ``label``; returns it and its id."""
        new_id = len(self.vocab)
        out = _Stream.__new__(_Stream)
        out.ids = np.where(np.isin(self.ids, found), new_id, self.ids)
        out.unit, out.n = self.unit, self.n
        out.vocab = pd.Index([*map(str, self.vocab), label], dtype="str")
        out.freq = np.bincount(out.ids, minlength=new_id + 1).astype(np.int64)
        return out, new_id

    def node_ids(self, node: str | Sequence[str], match: str) -> np.ndarray:
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
        if found.size == 0:
            probe = node if isinstance(node, str) else str(list(node)[0])
            near = [] if match == "regex" else [str(v) for v in vocab[vocab.str.contains(probe, regex=False)][:10]]
            hint = (f"; tokens that contain it: {near}" if near else
                    "; no token contains it either (check the spelling, or search the characters with "
                    "huayu.analysis.kwic.kwic(..., match='chars'))")
            raise ParameterError(f"node={pattern!r} has no hits among the {self.n} tokens (match={match!r}){hint}")
        return np.unique(found)


def _pairs(stream: _Stream, left: int, right: int, node_mask: np.ndarray | None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(node_id, collocate_id, is_right)`` for every token inside every node window."""
    nodes, colls, sides = [], [], []
    ids, unit = stream.ids, stream.unit
    for k in range(1, max(left, right) + 1):
        if k >= stream.n:
            break
        same = unit[:-k] == unit[k:]
        if k <= right:  # token i is the node, token i+k its right collocate
            sel = same if node_mask is None else same & node_mask[:-k]
            i = np.flatnonzero(sel)
            nodes.append(ids[i]); colls.append(ids[i + k]); sides.append(np.ones(i.size, dtype=bool))
        if k <= left:  # token i+k is the node, token i its left collocate
            sel = same if node_mask is None else same & node_mask[k:]
            i = np.flatnonzero(sel)
            nodes.append(ids[i + k]); colls.append(ids[i]); sides.append(np.zeros(i.size, dtype=bool))
    if not nodes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=bool)
    return np.concatenate(nodes), np.concatenate(colls), np.concatenate(sides)



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


def _table(stream: _Stream, node: np.ndarray, coll: np.ndarray, side: np.ndarray, *, left: int, right: int,
           min_freq: int) -> pd.DataFrame:
    v = len(stream.vocab)
    key = node * v + coll
    inverse, uniq = pd.factorize(key, sort=False)  # hashing: O(pairs), no sort
    uniq = np.asarray(uniq, dtype=np.int64)
    observed = np.bincount(inverse, minlength=uniq.size).astype(np.int64)
    n_right = np.bincount(inverse, weights=side.astype(np.float64), minlength=uniq.size).astype(np.int64)
    keep = observed >= min_freq
    uniq, observed, n_right = uniq[keep], observed[keep], n_right[keep]
    node_id, coll_id = uniq // v, uniq % v
    f_node = stream.freq[node_id]
    f_coll = stream.freq[coll_id]
    scores = association_scores(observed, f_node, f_coll, stream.n, left + right)
    vocab = np.asarray(stream.vocab, dtype=object)
    out = pd.DataFrame({
        "node": pd.Series(vocab[node_id], dtype="str"),
        "collocate": pd.Series(vocab[coll_id], dtype="str"),
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
    # every matched type becomes one node, so that f_node is the frequency of the whole pattern
    label = node if isinstance(node, str) else "|".join(node)
    merged, node_id = stream.merged(found, label)
    nodes, colls, sides = _pairs(merged, left, right, merged.ids == node_id)
    table = _table(merged, nodes, colls, sides, left=left, right=right, min_freq=min_freq)
    table.attrs.update({"node": label, "f_node": int(merged.freq[node_id]), "n_tokens": stream.n,
                        "left": left, "right": right, "boundary": boundary, "min_freq": min_freq,
                        "matched_types": [str(stream.vocab[i]) for i in found]})
    return _sort(table, sort_by)


def cooccurrences(tokens: pd.DataFrame, *, left: int = 5, right: int = 5, min_freq: int = 2,
                  boundary: str = "sentence", drop_punct: bool = True, drop_stop: bool = True,
                  min_node_freq: int = 1, sort_by: str = "log_dice") -> pd.DataFrame:
    """Every node–collocate pair of the corpus with ``O ≥ min_freq`` (the collocation table of all words).

    Same columns and formulas as :func:`collocates`; ``node`` runs over every token type with
    frequency ``≥ min_node_freq``. With ``left == right`` the table is symmetric (``O(a, b) = O(b, a)``).
    Stopwords are dropped by default here: with them, 的/和/是 dominate every network.
    """
    left, right = _check_window(left, right)
    min_freq = check_int("min_freq", min_freq, minimum=1)
    min_node_freq = check_int("min_node_freq", min_node_freq, minimum=1)
    check_choice("sort_by", sort_by, MEASURES)
    stream = _Stream(tokens, boundary=boundary, drop_punct=drop_punct, drop_stop=drop_stop)
    mask = stream.freq[stream.ids] >= min_node_freq if min_node_freq > 1 else None
    nodes, colls, sides = _pairs(stream, left, right, mask)
    table = _table(stream, nodes, colls, sides, left=left, right=right, min_freq=min_freq)
    table.attrs.update({"n_tokens": stream.n, "left": left, "right": right, "boundary": boundary,
                        "min_freq": min_freq})
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
