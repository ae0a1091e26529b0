"""The reference tokenizer (jieba's own, with the domain dictionary) and frequencies for new entries."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pandas as pd

from huayu.paths import DICTIONARIES, cache_dir
from huayu.pipeline.segment.dictionaries import _jieba_dict_path
from huayu.pipeline.segment.segmenter import get_segmenter
from huayu.pipeline.segment.settings import SegmentSettings

__all__ = ["jieba_reference_tokenizer", "suggest_frequency"]


def _silence_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)


def jieba_reference_tokenizer(user_dict: str | os.PathLike[str] | None = DICTIONARIES / "domain_dict.txt",
                              settings: SegmentSettings | None = None):
    """A private ``jieba.Tokenizer`` (never the global ``jieba.dt``) with jieba's dictionary by absolute
    path, its cache in the project's cache folder, its logging silenced, and ``user_dict``'s entries
    added with the frequencies the segmenter resolved (so both see exactly the same words).

    ``settings``: also leave out the dict.txt entries the segmenter leaves out with them
    (``phrase_max_freq``, ``pku_splits``; ``user_dict`` is then ``settings.user_dict``). By default
    jieba's dictionary is kept as it is. A left-out word gets frequency 0, as ``Tokenizer.del_word`` gives
    it, without that method's global side effect on jieba's HMM.
    """
    import jieba

    _silence_jieba()
    tokenizer = jieba.Tokenizer(dictionary=str(_jieba_dict_path()))
    tokenizer.tmp_dir = str(cache_dir())
    tokenizer.initialize()
    if settings is None:
        settings = SegmentSettings(user_dict=user_dict, stopwords=None, phrase_max_freq=0, pku_splits=False)
    if settings.user_dict is not None or settings.cut_phrases_any():
        segmenter = get_segmenter(settings)
        for word in segmenter.cut_phrases:
            tokenizer.FREQ[word] = 0
        for word, freq, tag in segmenter.entries[["word", "freq", "tag"]].itertuples(index=False):
            tokenizer.add_word(word, int(freq), None if pd.isna(tag) else tag)
    return tokenizer


def suggest_frequency(words: Sequence[str], *, margin: int = 10) -> dict[str, int]:
    """Frequency of a new domain-dictionary entry: ``margin`` × the smallest frequency that keeps the word
    whole against jieba's dictionary alone, or the word's frequency there when larger.

    The smallest frequency is jieba's ``suggest_freq`` rule: ⌊Πᵢ f(partᵢ)/T × T⌋ + 1 for the parts
    jieba cuts the word into without it (HMM off), T the dictionary's total frequency.
    """
    tokenizer = jieba_reference_tokenizer(None)
    out = {}
    for word in words:
        old = tokenizer.FREQ.get(word, 0)
        if old:
            tokenizer.FREQ[word] = 0
        try:
            prob = 1.0
            for part in tokenizer.lcut(word, HMM=False):
                prob *= tokenizer.FREQ.get(part, 1) / tokenizer.total
            out[word] = max(margin * (int(prob * tokenizer.total) + 1), old)
        finally:
            if old:
                tokenizer.FREQ[word] = old
    return out

