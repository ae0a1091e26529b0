"""Topics and clusters of paragraphs: NMF, LDA, k-means with the silhouette, and a 2-D map.

Units are paragraphs (``"doc_id/para_id"``); with five documents the paragraph is the only unit with
enough items to fit a model. Every model is fitted with a fixed ``random_state``, so a run is reproducible.

Models
------
*NMF* (non-negative matrix factorisation; Lee & Seung 1999, *Nature* 401: 788–791; scikit-learn's
coordinate-descent solver, Cichocki & Phan 2009, *IEICE Trans. Fundamentals* E92-A(3): 708–721) on the
TF-IDF matrix ``X`` (units × terms, rows L2-normalised, see :mod:`huayu.analysis.tfidf`):

    minimise ½ ‖X − W H‖²_F   subject to W ≥ 0, H ≥ 0,   W: units × k, H: k × terms

The topic share of a paragraph is its row of ``W`` normalised to sum 1: ``θ_pk = W_pk / Σ_j W_pj``.

*LDA* (latent Dirichlet allocation; Blei, Ng & Jordan 2003, *JMLR* 3: 993–1022; variational Bayes as in
Hoffman, Blei & Bach 2010, *NIPS* 23) on raw counts: ``θ_p ~ Dirichlet(α)``, ``φ_k ~ Dirichlet(η)``,
each token's topic ``z ~ θ_p`` and word ``w ~ φ_z``; ``θ_p`` is the posterior topic distribution of the
paragraph (sums to 1). Defaults ``α = η = 1/k`` (scikit-learn).

*Topic share of a document* ``d`` with paragraphs ``p`` of ``N_p`` tokens: the token-weighted mean

    share(d, k) = Σ_p N_p θ_pk / Σ_p N_p            (Σ_k share(d, k) = 1)

*k-means* (Lloyd 1982, *IEEE Trans. Inf. Theory* 28(2): 129–137; k-means++ seeding, Arthur &
Vassilvitskii 2007) on the L2-normalised TF-IDF rows — Euclidean distance on unit vectors is monotone in
the cosine distance. *Silhouette* of unit ``i`` (Rousseeuw 1987, *J. Comput. Appl. Math.* 20: 53–65):
``s(i) = (b(i) − a(i)) / max(a(i), b(i))`` with ``a`` the mean cosine distance to its own cluster and
``b`` the smallest mean distance to another cluster; the score is the mean of ``s(i)`` (−1 … 1; above
~0.25 some structure, text clusters rarely exceed 0.1–0.2).

*2-D map*: principal component analysis (Pearson 1901; Jolliffe 2002, *Principal Component Analysis*)
of the TF-IDF rows — the two directions of largest variance around the mean paragraph, computed with
ARPACK on the sparse matrix (scikit-learn centres it implicitly). Alternative: truncated SVD of the
uncentred matrix (latent semantic analysis; Deerwester et al. 1990, *JASIS* 41(6): 391–407).

Large corpora. The models are fitted on at most ``max_units`` paragraphs (default
:data:`MAX_FIT_UNITS` = 5,000), a simple random sample without replacement drawn with ``random_state``
(:func:`sample_units`; the same seed gives the same sample, in corpus order); the topic shares of *every*
paragraph are then inferred with the fitted model (``transform``: NMF's non-negative least squares with
``H`` fixed, LDA's variational E-step), which is linear in the number of paragraphs. k-means and the 2-D
map use the same kind of sample. A corpus with fewer paragraphs is used whole, and the results are those
of fitting on all of them. The fitted number is ``TopicModel.n_fitted`` / ``attrs["n_fitted"]``.

Threads. The models run with one BLAS/OpenMP thread (:data:`_ONE_THREAD`): a corpus has a few hundred
paragraphs at most, too few for threads to help, and on a shared machine running several notebooks at once
(``make -j``) the waiting threads of OpenMP cost more than the work itself. The results do not change.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF, PCA, LatentDirichletAllocation, TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from huayu.checks import check_choice, check_int
from huayu.errors import ParameterError
from huayu.analysis.dfm import UNIT_SEPARATOR, DocumentTermMatrix, document_dfm
from huayu.analysis.tfidf import tfidf_weights

__all__ = ["paragraph_dfm", "sample_units", "MAX_FIT_UNITS", "fit_topics", "TopicModel", "topic_terms", "document_topic_shares",
           "kmeans_paragraphs", "KMeansResult", "silhouette_by_k", "paragraph_map", "ParameterError"]

MODELS = ("nmf", "lda")
#: At most this many paragraphs fit a topic model, k-means or the map (a reproducible sample above it).
MAX_FIT_UNITS = 5_000
MAP_METHODS = ("pca", "svd")
SILHOUETTE_SAMPLE = 2000
#: Decorator: run the function with one thread in BLAS and OpenMP (see "Threads" in the module docstring).
_ONE_THREAD = threadpool_limits.wrap(limits=1)


def paragraph_dfm(tokens: pd.DataFrame, doc_ids: Iterable[str] | None = None, *, drop_stop: bool = True,
                  min_freq: int = 2, min_term_chars: int = 1) -> DocumentTermMatrix:
    """Paragraph × term counts (units ``"doc_id/para_id"``) for the chosen documents.

    Stopwords and punctuation are left out and terms occurring fewer than ``min_freq`` times in the
    corpus dropped (a term seen once cannot link two paragraphs). Paragraphs left without any term are
    removed (they would have no topic).
    """
    dfm = document_dfm(tokens, doc_ids, unit=["doc_id", "para_id"], drop_stop=drop_stop,
                       drop_punct=True, min_freq=min_freq, min_term_chars=min_term_chars)
    nonempty = dfm.totals() > 0
    if not nonempty.all():
        dfm = dfm.select_units(dfm.units[nonempty])
    return dfm


def unit_documents(units: Iterable[str]) -> pd.Series:
    """The ``doc_id`` of each ``"doc_id/para_id"`` unit label (the part before the last ``"/"``)."""
    units = pd.Index(list(units), dtype="str")
    docs = units.str.rsplit(UNIT_SEPARATOR, n=1).str[0]
    return pd.Series(np.asarray(docs, dtype=object), index=units, dtype="str", name="doc_id")


def sample_units(dfm: DocumentTermMatrix, max_units: int | None = MAX_FIT_UNITS, *,
                 random_state: int = 42) -> DocumentTermMatrix:
    """At most ``max_units`` rows of ``dfm``: all of them when there are no more (or ``max_units`` is
    ``None``), else a simple random sample without replacement (``numpy.random.default_rng(random_state)``),
    kept in corpus order (compare the result's ``shape`` with ``dfm.shape`` to report the sample)."""
    if max_units is None or dfm.shape[0] <= check_int("max_units", max_units, minimum=2):
        return dfm
    random_state = check_int("random_state", random_state, minimum=0)
    rows = np.sort(np.random.default_rng(random_state).choice(dfm.shape[0], size=max_units, replace=False))
    return DocumentTermMatrix(dfm.matrix[rows].tocsr(), dfm.units[rows], dfm.terms)


@dataclass(frozen=True)
class TopicModel:
    """A fitted topic model: paragraph topic shares ``theta`` (rows sum to 1) and topic–term weights."""

    model: str
    n_topics: int
    random_state: int
    theta: pd.DataFrame        # units × topics, rows sum to 1
    components: pd.DataFrame   # topics × terms (NMF: H; LDA: topic–word distributions φ, rows sum to 1)
    unit_tokens: pd.Series     # N_p, tokens per unit (the weights of document shares)
    n_iter: int
    converged: bool
    n_fitted: int = 0          # paragraphs the model was fitted on (all units, or a sample of them)


def _check_n_topics(n_topics: int, dfm: DocumentTermMatrix, name: str = "n_topics") -> int:
    n_units, n_terms = dfm.shape
    n_topics = check_int(name, n_topics, minimum=1)
    if n_topics > n_units:
        raise ParameterError(f"{name}={n_topics} is larger than the number of paragraph units ({n_units}); "
                             f"choose {name} ≤ {n_units} (or include more documents)")
    if n_topics > n_terms:
        raise ParameterError(f"{name}={n_topics} is larger than the number of terms ({n_terms}); "
                             f"choose {name} ≤ {n_terms} (or lower min_freq)")
    return n_topics


@_ONE_THREAD
def fit_topics(dfm: DocumentTermMatrix, n_topics: int, *, model: str = "nmf", random_state: int = 42,
               max_iter: int | None = None, max_units: int | None = MAX_FIT_UNITS) -> TopicModel:
    """Fit NMF (on TF-IDF) or LDA (on counts) with a fixed ``random_state`` (formulas in the module docstring).

    ``n_topics`` must not exceed the number of units or of terms; bad values raise :class:`ParameterError`.
    With more than ``max_units`` units the model is fitted on a sample of them (:func:`sample_units`) and
    every unit's topic shares are inferred with it (module docstring, "Large corpora").
    """
    model = check_choice("model", model, MODELS)
    if not isinstance(dfm, DocumentTermMatrix):
        raise ParameterError(f"dfm must be a huayu.analysis.dfm.DocumentTermMatrix, got {type(dfm).__name__}")
    n_topics = _check_n_topics(n_topics, dfm)
    random_state = check_int("random_state", random_state, minimum=0)
    fit = sample_units(dfm, max_units, random_state=random_state)
    sampled = fit.shape[0] < dfm.shape[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if model == "nmf":
            iters = max_iter or 1000
            estimator = NMF(n_components=n_topics, init="nndsvda", random_state=random_state,
                            max_iter=iters, tol=1e-4)
            # TF-IDF weights of the whole corpus (idf from every unit), fitted on the sampled rows
            x = tfidf_weights(dfm)
            w = estimator.fit_transform(x[np.flatnonzero(dfm.units.isin(fit.units))] if sampled else x)
            if sampled:
                w = estimator.transform(x)
            components = estimator.components_
            n_iter = int(estimator.n_iter_)
        else:
            iters = max_iter or 50
            estimator = LatentDirichletAllocation(n_components=n_topics, learning_method="batch",
                                                  random_state=random_state, max_iter=iters)
            w = estimator.fit_transform(fit.matrix.astype(np.float64))
            if sampled:
                w = estimator.transform(dfm.matrix.astype(np.float64))
            components = estimator.components_ / estimator.components_.sum(axis=1, keepdims=True)
            n_iter = int(estimator.n_iter_)
    converged = not any(issubclass(c.category, ConvergenceWarning) for c in caught)
    for c in caught:
        if not issubclass(c.category, ConvergenceWarning):
            warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
    sums = w.sum(axis=1, keepdims=True)
    # a paragraph NMF cannot explain at all (W row of zeros) gets equal shares
    theta = np.where(sums > 0, w / np.where(sums > 0, sums, 1.0), 1.0 / n_topics)
    topics = pd.Index([f"T{k + 1}" for k in range(n_topics)], dtype="str", name="topic")
    units = pd.Index(dfm.units, dtype="str", name="unit")
    return TopicModel(model=model, n_topics=n_topics, random_state=random_state,
                      theta=pd.DataFrame(theta, index=units, columns=topics),
                      components=pd.DataFrame(components, index=topics, columns=pd.Index(dfm.terms, dtype="str")),
                      unit_tokens=pd.Series(dfm.totals(), index=units, name="n_tokens"),
                      n_iter=n_iter, converged=converged, n_fitted=int(fit.shape[0]))


def topic_terms(model: TopicModel, n_terms: int = 10) -> pd.DataFrame:
    """The topic–term table: the ``n_terms`` heaviest terms of each topic.

    Columns: ``topic, rank, term, weight, label`` where ``weight`` is the term's share of the topic's
    total weight (``H_kt / Σ_t H_kt``) and ``label`` joins the topic's first three terms.
    """
    n_terms = check_int("n_terms", n_terms, minimum=1)
    comp = model.components.to_numpy()
    comp = comp / np.where(comp.sum(axis=1, keepdims=True) > 0, comp.sum(axis=1, keepdims=True), 1.0)
    n_terms = min(n_terms, comp.shape[1])
    # stable ordering: weight descending, then term in code-point order (terms are sorted in the dfm)
    order = np.argsort(-comp, axis=1, kind="stable")[:, :n_terms]
    k_idx = np.repeat(np.arange(comp.shape[0]), n_terms)
    t_idx = order.ravel()
    terms = np.asarray(model.components.columns, dtype=object)
    table = pd.DataFrame({
        "topic": pd.Series(np.asarray(model.components.index, dtype=object)[k_idx], dtype="str"),
        "rank": np.tile(np.arange(1, n_terms + 1), comp.shape[0]).astype(np.int64),
        "term": pd.Series(terms[t_idx], dtype="str"),
        "weight": comp[k_idx, t_idx],
    })
    labels = table[table["rank"] <= 3].groupby("topic", sort=False)["term"].agg(" · ".join)
    table["label"] = table["topic"].map(labels).astype("str")
    return table


def document_topic_shares(model: TopicModel) -> pd.DataFrame:
    """Topic share per document (documents × topics; every row sums to 1; formula in the module docstring)."""
    docs = unit_documents(model.theta.index)
    weights = model.unit_tokens.to_numpy(dtype=np.float64)
    codes, doc_index = pd.factorize(docs, sort=False)
    indicator = sp.csr_matrix((weights, (codes, np.arange(len(codes)))), shape=(len(doc_index), len(codes)))
    summed = np.asarray(indicator @ model.theta.to_numpy())
    shares = summed / summed.sum(axis=1, keepdims=True)
    return pd.DataFrame(shares, index=pd.Index(np.asarray(doc_index, dtype=object), dtype="str", name="doc_id"),
                        columns=model.theta.columns)


@dataclass(frozen=True)
class KMeansResult:
    """k-means of units: labels per unit, silhouette score, and a cluster × document count table."""

    n_clusters: int
    labels: pd.Series          # unit → cluster label "C1" …
    silhouette: float
    crosstab: pd.DataFrame     # clusters × documents, number of paragraphs


def _unit_vectors(dfm: DocumentTermMatrix) -> sp.csr_matrix:
    return tfidf_weights(dfm)


def _silhouette(x: sp.csr_matrix, labels: np.ndarray, random_state: int) -> float:
    sample = SILHOUETTE_SAMPLE if x.shape[0] > SILHOUETTE_SAMPLE else None
    return float(silhouette_score(x, labels, metric="cosine", sample_size=sample, random_state=random_state))


def _check_k(n_clusters: int, n_units: int) -> int:
    n_clusters = check_int("n_clusters", n_clusters, minimum=2)
    if n_clusters > n_units - 1:
        raise ParameterError(f"n_clusters={n_clusters} is too large for {n_units} paragraph units: the "
                             f"silhouette needs 2 ≤ n_clusters ≤ {n_units - 1}")
    return n_clusters


@_ONE_THREAD
def kmeans_paragraphs(dfm: DocumentTermMatrix, n_clusters: int, *, random_state: int = 42,
                      max_units: int | None = MAX_FIT_UNITS) -> KMeansResult:
    """k-means on L2-normalised TF-IDF rows with the cosine silhouette (module docstring); with more than
    ``max_units`` units, of a sample of them (:func:`sample_units`: labels and crosstab are the sample's)."""
    random_state = check_int("random_state", random_state, minimum=0)
    dfm = sample_units(dfm, max_units, random_state=random_state)
    n_clusters = _check_k(n_clusters, dfm.shape[0])
    x = _unit_vectors(dfm)
    km = KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state)
    raw = km.fit_predict(x)
    # name clusters by size (C1 = largest), ties by first unit, so labels do not depend on the seed's order
    sizes = np.bincount(raw, minlength=n_clusters)
    first = np.array([np.flatnonzero(raw == c)[0] if sizes[c] else len(raw) for c in range(n_clusters)])
    rank = np.lexsort((first, -sizes))
    names = np.empty(n_clusters, dtype=object)
    names[rank] = [f"C{i + 1}" for i in range(n_clusters)]
    units = pd.Index(dfm.units, dtype="str", name="unit")
    labels = pd.Series(names[raw], index=units, dtype="str", name="cluster")
    n_found = len(np.unique(raw))
    silhouette = _silhouette(x, raw, random_state) if n_found >= 2 else float("nan")
    docs = unit_documents(units)
    crosstab = pd.crosstab(labels, docs).reindex(columns=list(pd.unique(docs)))
    crosstab = crosstab.reindex(sorted(crosstab.index, key=lambda s: int(s[1:])))
    return KMeansResult(n_clusters=n_clusters, labels=labels, silhouette=silhouette,
                        crosstab=crosstab.astype(np.int64))


@_ONE_THREAD
def silhouette_by_k(dfm: DocumentTermMatrix, ks: Iterable[int], *, random_state: int = 42,
                    max_units: int | None = MAX_FIT_UNITS) -> pd.DataFrame:
    """Silhouette score for each number of clusters in ``ks`` (a guide to choosing ``n_clusters``), on at
    most ``max_units`` units (the sample of :func:`kmeans_paragraphs`)."""
    from tqdm.auto import tqdm

    dfm = sample_units(dfm, max_units, random_state=random_state)
    ks = [_check_k(k, dfm.shape[0]) for k in ks]
    if not ks:
        raise ParameterError("ks is empty; give at least one number of clusters")
    rows = [(k, kmeans_paragraphs(dfm, k, random_state=random_state, max_units=None).silhouette)
            for k in tqdm(ks, desc="k-means", disable=None)]
    return pd.DataFrame(rows, columns=["n_clusters", "silhouette"]).astype({"n_clusters": np.int64})


@_ONE_THREAD
def paragraph_map(dfm: DocumentTermMatrix, *, method: str = "pca", random_state: int = 42,
                  clusters: pd.Series | None = None, max_units: int | None = MAX_FIT_UNITS) -> pd.DataFrame:
    """2-D coordinates of every unit from its TF-IDF vector (module docstring).

    ``method``: ``"pca"`` (default: principal components of the centred TF-IDF matrix, computed on the
    sparse matrix without densifying it) or ``"svd"`` (truncated SVD of the uncentred matrix, i.e. LSA,
    whose first axis mostly follows the average paragraph). Columns: ``unit, doc_id, x, y, n_tokens``
    (+ ``cluster`` if ``clusters`` is given). The share of the variance each axis keeps is in
    ``DataFrame.attrs["explained_variance_ratio"]``. With more than ``max_units`` units the map shows a
    sample of them (:func:`sample_units`, the sample k-means uses with the same seed);
    ``attrs["n_units"]`` is the number before sampling.
    """
    check_choice("method", method, MAP_METHODS)
    random_state = check_int("random_state", random_state, minimum=0)
    n_all = dfm.shape[0]
    dfm = sample_units(dfm, max_units, random_state=random_state)
    n_units, n_terms = dfm.shape
    if n_units < 3 or n_terms < 3:
        raise ParameterError(f"a 2-D map needs at least 3 units and 3 terms, got {n_units} units and {n_terms} terms")
    x = _unit_vectors(dfm)
    if method == "pca":
        model = PCA(n_components=2, svd_solver="arpack", random_state=random_state)
        xy = model.fit_transform(x)
    else:
        model = TruncatedSVD(n_components=2, algorithm="randomized", n_iter=7, random_state=random_state)
        xy = model.fit_transform(x)
    # fix the sign of each axis (unique only up to sign): the largest |loading| is positive
    comps = model.components_
    signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(axis=1)])
    xy = xy * np.where(signs == 0, 1, signs)
    units = pd.Index(dfm.units, dtype="str")
    out = pd.DataFrame({"unit": pd.Series(np.asarray(units, dtype=object), dtype="str"),
                        "doc_id": unit_documents(units).to_numpy(),
                        "x": xy[:, 0], "y": xy[:, 1], "n_tokens": dfm.totals()})
    out["doc_id"] = out["doc_id"].astype("str")
    if clusters is not None:
        out["cluster"] = out["unit"].map(clusters).astype("str")
    out.attrs["explained_variance_ratio"] = [float(v) for v in model.explained_variance_ratio_]
    out.attrs["method"] = method
    out.attrs["n_units"] = n_all
    return out
