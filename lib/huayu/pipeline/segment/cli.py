"""``python -m huayu segment``: tools for the segmentation stage's dictionary.

``python -m huayu segment suggest WORD …``
    prints ``word freq`` for each word: the frequency the domain dictionary's rule gives a new entry
    (``margin`` × the smallest frequency that keeps the word whole against jieba's dictionary, or the
    word's frequency there when larger; see ``data/dictionaries/README.md``).
``python -m huayu segment evaluate [--gold FILE] [--set KEY=VALUE …]``
    segments the sentences of a hand-segmented gold file (default ``tests/gold/segmentation_gold.txt``;
    the others: ``segmentation_gold_heldout.txt``, ``segmentation_news_gold.txt``, described in
    ``tests/gold/segmentation_README.md``) with the default settings, or with some changed
    (``--set hmm=true``), and prints word precision, recall and F1 (SIGHAN scoring).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from huayu.paths import ROOT

GOLD = ROOT / "tests" / "gold" / "segmentation_gold.txt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    tools = parser.add_subparsers(dest="segment_command", metavar="<tool>", required=True)
    suggest = tools.add_parser("suggest", help="frequencies for new domain-dictionary entries (`word freq` lines)",
                               description="Print `word freq` for each WORD: the frequency the domain dictionary's "
                                           "rule gives a new entry (data/dictionaries/README.md).")
    suggest.add_argument("words", nargs="+", metavar="WORD", help="a word to add to the domain dictionary")
    suggest.add_argument("--margin", type=int, default=10,
                         help="multiple of the smallest frequency that keeps the word whole (default: 10)")
    evaluate = tools.add_parser("evaluate", help="precision, recall and F1 against a hand-segmented gold file",
                                description="Segment the gold file's sentences with the default settings and "
                                            "print word precision, recall and F1 (SIGHAN scoring).")
    evaluate.add_argument("--gold", type=Path, default=GOLD,
                          help="gold file: one sentence per line, words separated by single spaces, # comments "
                               "(default: tests/gold/segmentation_gold.txt)")
    evaluate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                          help="a segmentation setting, e.g. --set hmm=true or --set phrase_max_freq=0 (repeatable)")


def run(args: argparse.Namespace) -> int:
    if args.segment_command == "suggest":
        from huayu.pipeline.segment.reference import suggest_frequency

        for word, freq in suggest_frequency(args.words, margin=args.margin).items():
            print(f"{word} {freq}")
        return 0
    from huayu.pipeline.segment.engine import segment_texts
    from huayu.pipeline.segment.evaluation import read_gold, segmentation_scores

    from huayu.errors import ParameterError
    from huayu.pipeline.segment.settings import SegmentSettings

    pairs = {}
    for item in args.set:
        if "=" not in item:
            raise ParameterError(f"--set {item!r}: expected KEY=VALUE, e.g. --set hmm=true")
        key, value = item.split("=", 1)
        pairs[key.strip()] = value
    settings = SegmentSettings.from_mapping(pairs)
    gold = read_gold(args.gold)
    scores = segmentation_scores(gold, segment_texts(["".join(words) for words in gold], settings))
    print(f"{args.gold}: {len(gold)} sentences, {scores['n_gold']} gold words, "
          f"{scores['n_predicted']} segmented, {scores['n_correct']} correct")
    print(f"precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  F1 {scores['f1']:.4f}")
    return 0
