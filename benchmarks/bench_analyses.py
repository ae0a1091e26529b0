"""Throughput of the analyses of notebooks 01–04 and how they scale with the number of documents.

A synthetic token table (Zipf-distributed words, documents of 2,000 tokens in paragraphs of 100) is built
for N and 2N documents; each analysis runs on both. Linear scaling gives a time ratio near 2; the
similarity matrix (units², by definition) is not timed here.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from huayu.analysis import dfm, overview, tfidf, topics, trends

TOKENS_PER_DOC = 2000
TOKENS_PER_PARA = 100
VOCABULARY = 20_000


def synthetic_tokens(n_docs: int, seed: int = 0) -> pd.DataFrame:
    """A token table in the schema of ``processed/tokens.parquet`` with Zipf(1.1) word frequencies."""
    rng = np.random.default_rng(seed)
    n = n_docs * TOKENS_PER_DOC
    ranks = np.minimum(rng.zipf(1.1, size=n), VOCABULARY) - 1
    vocab = np.array([f"词{i:05d}" for i in range(VOCABULARY)], dtype=object)
    words = vocab[ranks]
    punct = rng.random(n) < 0.1
    words[punct] = "，"
    position = np.tile(np.arange(TOKENS_PER_DOC), n_docs)
    lengths = np.char.str_len(words.astype(str))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    doc = np.repeat(np.arange(n_docs), TOKENS_PER_DOC)
    doc_start = starts[doc * TOKENS_PER_DOC]
    return pd.DataFrame({
        "doc_id": pd.Series(np.char.add("doc", np.repeat(np.arange(n_docs), TOKENS_PER_DOC).astype(str)),
                            dtype="str"),
        "para_id": (position // TOKENS_PER_PARA).astype(np.int64),
        "sent_id": (position // 25).astype(np.int64),
        "token_index": position.astype(np.int64),
        "char_start": (starts - doc_start).astype(np.int64),
        "char_end": (starts - doc_start + lengths).astype(np.int64),
        "token": pd.Series(words, dtype="str"),
        "pos": pd.Series(np.where(punct, "x", "n"), dtype="str"),
        "is_stop": ranks < 5,
        "is_punct": punct,
        "is_formula": np.zeros(n, dtype=bool),
    })


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _measure(tokens: pd.DataFrame) -> dict[str, float]:
    counts = dfm.document_dfm(tokens, drop_stop=True)
    paragraphs = topics.paragraph_dfm(tokens)
    keywords = ["词00002", "词00010", "词00020"]
    return {
        "dfm": _timed(lambda: dfm.document_dfm(tokens, drop_stop=True)),
        "mattr": _timed(lambda: overview.lexical_diversity(tokens, window=200)),
        "top_terms": _timed(lambda: tfidf.top_terms(counts, 10)),
        "trends": _timed(lambda: trends.keyword_segments(tokens, keywords, 10)),
        "nmf": _timed(lambda: topics.fit_topics(paragraphs, 10, model="nmf", random_state=0)),
    }


def run(quick: bool = False) -> dict:
    n = 50 if quick else 500
    _measure(synthetic_tokens(5, seed=2))  # warm-up: imports (scikit-learn) and first-call costs
    small = _measure(synthetic_tokens(n))
    large = _measure(synthetic_tokens(2 * n, seed=1))
    n_tokens = n * TOKENS_PER_DOC
    out: dict = {"analyses_docs": n, "analyses_tokens": n_tokens}
    for name, seconds in small.items():
        out[f"analyses_{name}_tokens_per_s"] = n_tokens / seconds
        out[f"analyses_{name}_scaling_2x_docs"] = large[name] / seconds
    out["details"] = {"seconds_n": small, "seconds_2n": large}
    return out


if __name__ == "__main__":
    import sys

    for key, value in run(quick="--quick" in sys.argv).items():
        print(f"{key}: {value}")
