"""The cleaning gold set (tests/gold/cleaning): its shape, its anchoring in the shipped texts, scorer and scores."""

from __future__ import annotations

import filecmp
import importlib.util
import json

import numpy as np
import pytest

from huayu.errors import DictionaryError
from huayu.paths import ROOT
from huayu.pipeline.clean import load_rules
from huayu.pipeline.clean_gold import DEFAULT_GOLD, GoldDocument, parse_marked, read_gold, score_cleaning
from huayu.pipeline.evidence import gather_evidence

GOLD = read_gold()
RULES = load_rules()
EVIDENCE = gather_evidence((d.gold_id, d.raw, d.source) for d in GOLD)


def test_at_least_40_documents_of_4_kinds_with_dev_and_heldout():
    assert len(GOLD) >= 40
    assert {d.source_kind for d in GOLD} == {"bundled", "state_council", "congress", "synthetic_web"}
    assert {d.split for d in GOLD} == {"dev", "heldout", "heldout_2"}
    assert sum(d.split == "heldout" for d in GOLD) >= 12
    heldout_2 = [d for d in GOLD if d.split == "heldout_2"]
    assert len(heldout_2) >= 16 and len({d.gold_id.rsplit("_", 1)[0] for d in heldout_2}) >= 4
    assert all(d.boilerplate.any() for d in GOLD if d.source_kind in ("bundled", "synthetic_web"))


def test_bundled_and_shipped_texts_are_reproduced_byte_for_byte():
    by_id = {d.gold_id: d for d in GOLD}
    for stem, doc_id in [("000_9d4fa8580e58e8e8", "changan_2023"), ("001_9e70d2a127fe3adb", "xifeng_2021"),
                         ("002_11807d7a74c58c6f", "template_xx"), ("003_31241d23646ef1a6", "laixi_2023"),
                         ("004_b317a05d6deb3d65", "anyuan_2022")]:
        assert by_id[f"bundled_{doc_id}"].raw == (ROOT / "data" / "raw" / f"{stem}.txt").read_text(encoding="utf-8")
    external = ROOT / "data" / "external" / "state-council-and-congress"
    records = {name: [json.loads(line) for line in (external / name).read_text(encoding="utf-8").splitlines()
                      if line.strip()] for name in ("government_work_reports.jsonl", "cpc_congress_reports.jsonl")}
    n = 0
    for d in GOLD:
        if d.source_kind in ("state_council", "congress"):
            name = "cpc_congress_reports.jsonl" if d.source_kind == "congress" else "government_work_reports.jsonl"
            index = int(d.gold_id.rsplit("_", 1)[1])
            assert d.raw == records[name][index]["content"], d.gold_id
            n += 1
    assert n >= 10


def test_the_committed_gold_set_is_what_the_builder_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_cleaning_gold", DEFAULT_GOLD / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.main(tmp_path) == len(GOLD)
    assert filecmp.cmp(tmp_path / "documents.csv", DEFAULT_GOLD / "documents.csv", shallow=False)
    for path in sorted((tmp_path / "texts").iterdir()):
        assert filecmp.cmp(path, DEFAULT_GOLD / "texts" / path.name, shallow=False), path.name


def test_parse_marked_strips_markers_and_rejects_bad_ones():
    raw, mask = parse_marked("⟦首页⟧\n正文。⟦分享⟧")
    assert raw == "首页\n正文。分享"
    assert mask.tolist() == [True, True, False, False, False, False, True, True]
    for bad, message in [("⟦a⟦b⟧⟧", "do not nest"), ("a⟧", "without an opening"), ("⟦a", "never closed")]:
        with pytest.raises(DictionaryError, match=message):
            parse_marked(bad, where="x.txt")


def test_scorer_against_hand_computed_counts():
    # raw: "首页 | 新闻\n今天开会。\n分享:" ; gold: the nav line and the share widget (counted chars: 首页|新闻 = 5,
    # 今天开会。 = 5, 分享: = 3). The rules remove the share widget only (3 chars): TP 3, FP 0, FN 5.
    raw, mask = parse_marked("⟦首页 | 新闻⟧\n今天开会。\n⟦分享:⟧")
    doc = GoldDocument("t", raw, mask, "news_report", "", "dev", "synthetic_web")
    score = score_cleaning([doc], RULES)
    assert (score.tp, score.fp, score.fn) == (3, 0, 5)
    assert score.precision == 1.0 and score.recall == pytest.approx(3 / 8)
    assert score.f1 == pytest.approx(2 * 1.0 * (3 / 8) / (1 + 3 / 8))
    # a real line removed: gold says only the share widget is boilerplate → the removal of 分享: is a TP; mark
    # the share widget as real text instead and it becomes a false positive
    raw2, mask2 = parse_marked("今天开会。\n分享:")
    wrong = score_cleaning([GoldDocument("t2", raw2, mask2, "news_report", "", "dev", "synthetic_web")], RULES)
    assert (wrong.tp, wrong.fp, wrong.fn) == (0, 3, 0) and wrong.precision == 0.0 and wrong.recall == 1.0


def test_nothing_removed_means_precision_one():
    raw, mask = parse_marked("今天开会。")
    score = score_cleaning([GoldDocument("t", raw, mask, "speech", "", "dev", "bundled")], [])
    assert score.precision == 1.0 and score.recall == 1.0 and score.tp == score.fp == score.fn == 0


def _score(split: str):
    return score_cleaning([d for d in GOLD if d.split == split], RULES, evidence=EVIDENCE)


def test_dev_scores_reach_the_targets():
    score = _score("dev")
    assert score.precision >= 0.99 and score.recall >= 0.95, (score.precision, score.recall)


def test_heldout_scores_do_not_fall_below_what_the_notes_report():
    """The third held-out round: README.md reports its score before its misses were read (precision 1.000,
    recall 0.836) and after the revision they led to (1.000 / 1.000). A lower value is a regression."""
    score = _score("heldout")
    assert score.precision >= 0.99
    assert score.recall >= 0.99


def test_heldout_2_scores_do_not_fall_below_their_first_measurement():
    """The fourth round (heldout_2) was written and scored before the rules were revised (README.md: precision
    0.941, recall 0.537 at first; 0.975 / 0.918 after the revision; precision 1.000 once its wrongly removed
    lines had been read — its misses were not read). A lower value is a regression."""
    score = _score("heldout_2")
    assert score.precision >= 0.99
    assert score.recall >= 0.91


def test_bundled_corpus_loses_no_real_text():
    score = score_cleaning([d for d in GOLD if d.source_kind == "bundled"], RULES, evidence=EVIDENCE)
    assert score.fp == 0 and score.fn == 0
    assert np.isclose(score.precision, 1.0)
