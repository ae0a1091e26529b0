"""Segmentation: jieba's dictionary and algorithm, the domain dictionary, one token per row.

Every analysis reads the tokens table this stage writes (``processed/tokens.parquet``; columns in
``lib/README.md``). The segmentation is jieba's (Sun Junyi, 2012–2020, ``jieba`` 0.42.1): a prefix
dictionary (``dict.txt``, 349 045 words), a DAG of dictionary words solved by dynamic programming for the most
probable path (word probability = frequency / total), and an HMM (``finalseg``) that joins runs of
single characters into new words. The domain dictionary ``data/dictionaries/domain_dict.txt`` adds the
vocabulary of Chinese political discourse, so that 高质量发展 and 两个维护 stay whole.

Quality (``tests/gold/segmentation_README.md``; ``benchmarks/bench_segment.py``): measured against
hand-segmented gold standards following the PKU guideline — general news, and the genre with its formulas
kept whole — jieba is more accurate with its HMM off, and more still without two kinds of ``dict.txt``
entries the guideline writes as several words: low-frequency phrase entries (深入研究, 环境质量;
``phrase_max_freq``) and numeral/demonstrative + classifier or degree adverb + adjective words (一个, 这家,
最大; ``pku_splits``); numbers and time words are joined as the guideline writes them (5.6%, 98.99亿,
2023年; ``join_numbers``); persons' names and suffixes are joined after jieba's cut (周科, 公有性;
``person_names``, ``join_suffixes``). These are the defaults (:class:`SegmentSettings`): F1 0.966 on the genre
gold's tuning part, 0.950 and 0.951 on its two held-out parts, 0.932 on the news gold, where plain jieba
reaches 0.817 at best.

Two granularities (:mod:`huayu.pipeline.segment.parts`): the tokens table is the coarse one (高质量发展 one
token); ``processed/token_parts.parquet`` holds the parts of such compounds (高质量, 质量, 发展), and
``read_tokens(..., granularity="fine")`` returns both, so that a count of 人居环境 finds 农村人居环境整治.

Choice of engine (measured with ``benchmarks/bench_segment.py``)
---------------------------------------------------------------
Five texts replicated to 2.0 M characters, on this 2-core virtual machine while other work ran on it
(speeds move 1.5–3× with that work; the benchmark reports how many cores it kept busy, and ratios
are taken within one run):

* ``jieba.Tokenizer.lcut`` (pure Python), the reference: 0.28–0.38 M characters/s.
* ``jieba.posseg``: 0.03–0.05 M characters/s, 6–8× slower, *and* it segments differently — it runs a
  joint word/POS HMM over unknown character runs and splits ASCII runs by other rules, so only 98.1 % of
  its tokens are ``lcut``'s (``posseg_agreement_with_cut``). Not used.
* ``rjieba`` (jieba-rs, the Rust port; it embeds the same ``dict.txt`` — every word of it is there and
  a sample of tags is checked in the tests): 4–12 M characters/s on one core, 15–30× ``lcut``, with
  identical tokens once two documented differences are corrected (below).
* The whole stage (formulas, cut, tags, flags, offsets, parquet), as described under "How it runs":
  2.2–4 M characters/s, 6–11× ``lcut`` in the same run — 9–11× when the second core was mostly free,
  6× when other work kept a whole core busy — and 1.5–2.6 M characters/s in one process. It takes about
  0.9 CPU-seconds per 2 M characters: 0.3 in the cut itself, 0.15 writing the parquet, 0.1 finding
  formulas (:func:`huayu.pipeline.segment.formulas.formula_offsets`, 11–22 M characters/s on one core), the rest in
  offsets, tags and the workers' coordination; so on two cores it stays near 12× a single-threaded
  ``lcut``, and 20× would need a faster cut and parquet writer. (A first design, which ran the
  finder over prefiltered sentences and sent per-token arrays back through pipes before building the
  whole table, reached 4.8–5.8×, its finder 3–5 M characters/s, in the same runs' conditions.)

So the stage cuts with a private ``rjieba.Jieba`` carrying the domain dictionary, and tags afterwards:
**one segmentation, then tags**. A token's tag is the domain dictionary's tag, else ``dict.txt``'s tag
(the tag ``jieba.posseg`` gives dictionary words), else for an unknown word of Chinese characters the
best single tag of jieba.posseg's own HMM *for that word as one unit* (a constrained Viterbi: the
states B, M…, E of one tag), ``m`` for ASCII numbers, ``eng`` for ASCII letters and digits, ``nz`` for a
formula or slogan missing from both dictionaries and ``x`` for anything else (punctuation, symbols),
as in jieba.posseg. (jieba-rs's own ``tag`` agrees with its ``cut`` — checked in the tests — but gives
``x`` to every unknown word.)

Agreement with ``jieba.Tokenizer`` (same dictionary, the same entries left out, same text) is exact on the
bundled corpus apart from the formula, slogan and number spans forced to one token. Two differences between jieba-rs and jieba are
corrected: (1) jieba-rs joins ASCII runs such as ``2023-01-05`` or ``www.x.com`` that jieba's HMM splits
at ``-`` and ``.`` (jieba's rule ``[a-zA-Z0-9]+(?:\\.\\d+)?%?`` is re-applied to such tokens);
(2) re-adding a word jieba already knows changes jieba-rs's frequency total by the *difference* of the
two frequencies but jieba's by the new frequency (and the one word dict.txt lists twice counts twice in
jieba's total, once in jieba-rs's), so a never-matching word (private-use characters, which jieba never
joins) carries the difference. What remains are rare differences in the HMM on
unusual character runs (one in 40 000 random strings of up to 30 characters; none in the corpus).

How it runs (:func:`huayu.pipeline.segment.engine._token_batches`). The sentences are joined into chunks of about 64 000
characters. jieba-rs holds the GIL, so for inputs of 300 000 characters or more the stage forks
``workers - 1`` processes (``workers`` 0 = one per core) and uses this one too: the first worker finds
every chunk's formula spans, then each process takes the next chunk from a shared counter and cuts it,
writing numbers and UTF-8 bytes into an anonymous shared memory mapping (no Python object per token;
only counts and each chunk's distinct words go through a pipe). This process assembles the tokens
table in batches of about 256 000 characters, in order, as soon as a batch's chunks are cut — tags
and flags looked up once per distinct word, offsets and strings as NumPy and Arrow arrays — and
:func:`write_tokens` writes each batch to the parquet file while the next chunks are being cut.
Smaller inputs run the same steps in this process alone. Formula spans found already (by ``prepare``'s
cleaning workers, :func:`huayu.pipeline.segment.engine.sentence_formula_spans`) are taken instead of
being looked for again (``write_tokens_from_parquet(formula_spans=…)``).

Formulas and slogans: :func:`huayu.pipeline.segment.formulas.formula_offsets` (the spans of
:func:`huayu.pipeline.segment.formulas.formula_spans`) finds numbered formulas (两个维护, 8大攻坚提升行动), coded
slogans (“1168”) and quoted slogans up to ``max_slogan_chars`` characters, once per chunk (no pattern
crosses a line break, so this equals the finder run sentence by sentence); each span is kept as one
token (``is_formula``) when ``keep_formulas`` is on. A span is cut only where jieba itself could never
join characters (“盯、拼、抢” gives 盯 、 拼 、 抢, each part still ``is_formula``). A formula or slogan
missing from both dictionaries is tagged ``nz`` wherever it occurs, which is why the spans are found
before any batch is assembled.

Stopwords (``data/dictionaries/stopwords_zh.txt``) are *marked* (``is_stop``), never removed;
``is_punct`` marks tokens made only of Unicode punctuation or symbols (categories P*, S*); whitespace
is not a token.

Cache: :func:`write_tokens` keeps ``tokens.manifest.json`` beside the parquets with a SHA-256 over the
sentences (ids, offsets, text), every dictionary file's bytes, the settings that change the output and
the versions of this package, jieba, rjieba, the formula finder (the bytes of
``huayu/pipeline/segment/formulas.py``) and the modules that make the tables (``settings``,
``dictionaries``, ``segmenter``, ``engine``, ``parts``, ``cache``); it re-segments only when that hash
changes or either parquet is missing or changed. jieba's own cache (used by the reference tokenizer) lives in :func:`huayu.paths.cache_dir`; no
pickle or marshal file is read from anywhere else.

Command line: ``python -m huayu segment suggest 高质量发展 …`` prints the frequency the domain
dictionary's rule gives a new entry (see ``data/dictionaries/README.md``); ``python -m huayu segment
evaluate`` scores the segmenter against the hand-segmented gold file.

Modules
-------
``settings``
    :class:`SegmentSettings`, the stage's settings.
``dictionaries``
    the domain dictionary and stopword readers, jieba's ``dict.txt`` and posseg's HMM tables.
``formulas``
    the formula finder (numbered formulas, coded and quoted slogans); notebook 07 uses it too.
``segmenter``
    :class:`Segmenter` (jieba-rs with the domain dictionary, tags, formula spans) and :func:`get_segmenter`.
``engine``
    the stage itself: chunks, forked workers, the tokens table (:func:`segment_sentences`,
    :func:`segment_texts`).
``parts``
    the parts of compounds, the fine granularity (:func:`token_parts`, :func:`fine_tokens`).
``cache``
    the cache key and :func:`write_tokens` (tokens and parts).
``reference``
    jieba's own tokenizer with the domain dictionary, :func:`suggest_frequency`.
``evaluation``
    the gold standard, SIGHAN scores, :func:`compare_segmentations`.
``cli``
    ``python -m huayu segment``.

Every public name is importable from the package itself (``from huayu.pipeline.segment import
write_tokens``); each submodule is imported when one of its names is first used, so importing the
formula finder (as notebook 07 does) does not load the segmenter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Each public name and the submodule that defines it.
_EXPORTS = {
    "SEGMENTER_VERSION": "cache",
    "TOKEN_COLUMNS": "engine",
    "SENTENCE_COLUMNS": "engine",
    "JIEBA_TAGS": "dictionaries",
    "DictionaryError": "dictionaries",
    "SegmentSettings": "settings",
    "Segmenter": "segmenter",
    "get_segmenter": "segmenter",
    "read_user_dict": "dictionaries",
    "read_stopwords": "dictionaries",
    "segment_sentences": "engine",
    "segment_texts": "engine",
    "write_tokens": "cache",
    "tokens_manifest": "cache",
    "jieba_reference_tokenizer": "reference",
    "suggest_frequency": "reference",
    "read_gold": "evaluation",
    "segmentation_scores": "evaluation",
    "compare_segmentations": "evaluation",
    "GRANULARITIES": "parts",
    "token_parts": "parts",
    "fine_tokens": "parts",
    "pku_split_words": "dictionaries",
    "cut_phrases": "dictionaries",
}

__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from huayu.pipeline.segment.cache import SEGMENTER_VERSION, tokens_manifest, write_tokens
    from huayu.pipeline.segment.dictionaries import (JIEBA_TAGS, DictionaryError, cut_phrases, pku_split_words,
                                                     read_stopwords, read_user_dict)
    from huayu.pipeline.segment.engine import SENTENCE_COLUMNS, TOKEN_COLUMNS, segment_sentences, segment_texts
    from huayu.pipeline.segment.evaluation import compare_segmentations, read_gold, segmentation_scores
    from huayu.pipeline.segment.parts import GRANULARITIES, fine_tokens, token_parts
    from huayu.pipeline.segment.reference import jieba_reference_tokenizer, suggest_frequency
    from huayu.pipeline.segment.segmenter import Segmenter, get_segmenter
    from huayu.pipeline.segment.settings import SegmentSettings


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups are ordinary attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
