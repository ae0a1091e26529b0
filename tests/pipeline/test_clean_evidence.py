"""Cleaning on evidence: what each kind of rule removes, what it must keep, and the repeated-line evidence pass."""

from __future__ import annotations

import re

import numpy as np
import pytest

from huayu.errors import RuleError
from huayu.pipeline.clean import clean, clean_document, load_rules, normalise, removed_mask
from huayu.pipeline.evidence import (count_lines, gather_evidence, line_hash, repeated_lines, source_key)

RULES = load_rules()
# half-width commas: normalisation turns full-width ASCII into half-width (，→ ,)
BODY = ["会议指出,要坚持稳中求进工作总基调,完整准确全面贯彻新发展理念。",
        "会议强调,要扎实推进乡村全面振兴,持续巩固拓展脱贫攻坚成果。",
        "会议要求,各级各部门要压紧压实责任,确保各项任务落地见效。"]


def _rules_removed(text: str, genre: str = "news_report", source: str | None = None, evidence=None) -> dict:
    doc = clean_document(text, "d", genre, RULES, source=source, evidence=evidence)
    out: dict[str, list[str]] = {}
    for r in doc.removals:
        out.setdefault(r.rule, []).append(r.removed_text)
    return out


# ------------------------------------------------------------------ shape alone is no evidence
@pytest.mark.parametrize("line", ["坚持稳中求进 推动高质量发展", "沙特告别预算赤字", "暴力抗法法不容国家工商局通报暴力抗法典型案例",
                                  "康复身心重返社会", "莱西市引进的北京汽车制造厂"])
@pytest.mark.parametrize("genre", ["news_report", "speech", "work_report"])
def test_a_short_line_without_punctuation_is_kept(line, genre):
    text = "\n".join(["市委常委会召开会议", BODY[0], line, BODY[1], BODY[2]])
    doc = clean_document(text, "d", genre, RULES, source="某市新闻网")
    assert line in doc.paragraphs and doc.removals == []


def test_the_site_rule_of_one_source_does_not_apply_to_another():
    text = "\n".join(["莱西:加快建设胶东半岛中心区域经济隆起带", BODY[0], "莱西市引进的北京汽车制造厂", BODY[1]])
    assert _rules_removed(text, source="大众报业·半岛新闻 (newspaper group)") == {
        "caption_site_bandao": ["莱西市引进的北京汽车制造厂"]}
    assert _rules_removed(text, source="青岛日报") == {}
    assert _rules_removed(text, genre="speech", source="大众报业·半岛新闻") == {}


# ------------------------------------------------------------------ captions: markers and placeholders
@pytest.mark.parametrize("caption", ["图为会议现场。", "莱西市月湖公园更新建设效果图", "新建成的产业园区（记者 张三 摄）",
                                     "会议现场（资料图）", "上图：新建成的产业园"])
def test_a_caption_with_a_marker_is_removed(caption):
    text = "\n".join(["区委召开全会", BODY[0], caption, BODY[1]])
    doc = clean_document(text, "d", "news_report", RULES)
    assert caption not in doc.paragraphs and len(doc.removals) == 1


def test_image_placeholder_takes_its_caption_but_not_the_subheading_after_it():
    text = "\n".join(["区委召开全会", BODY[0], "[图片]", "区委书记在会上讲话", "坚持稳中求进 推动高质量发展", BODY[1]])
    doc = clean_document(text, "d", "news_report", RULES)
    assert doc.paragraphs == ["区委召开全会", BODY[0], "坚持稳中求进 推动高质量发展", BODY[1]]
    assert [r.rule for r in doc.removals] == ["caption_after_image", "caption_after_image"]
    # a placeholder without a caption: only the placeholder goes
    alone = clean_document("\n".join(["区委召开全会", BODY[0], '<img src="a.jpg"/>', BODY[1]]), "d", "speech", RULES)
    assert [r.rule for r in alone.removals] == ["image_placeholder"]


# ------------------------------------------------------------------ markup, escapes, letter spacing
def test_html_comment_across_lines_tags_and_escapes_are_removed_and_logged():
    raw = "<!-- 正文\n开始 -->\n<p>&nbsp;&nbsp;" + BODY[0] + "</p>\n" + BODY[1][:10] + "<U+00A0>" + BODY[1][10:]
    doc = clean_document(raw, "d", "speech", RULES)
    assert doc.paragraphs == [BODY[0], BODY[1]]
    rules = sorted({r.rule for r in doc.removals})
    assert rules == ["html_comment", "html_escape", "html_tag"]
    for r in doc.removals:
        assert re.sub(r"\s+", "", raw[r.raw_char_start:r.raw_char_end]) == re.sub(r"\s+", "", r.removed_text)


def test_letter_spaced_title_is_normalised_not_removed():
    raw = "政 府 工 作 报 告\n国务院总理\u3000李\u3000强\n" + BODY[0]
    doc = clean_document(raw, "d", "work_report", RULES)
    assert doc.paragraphs[:2] == ["政府工作报告", "国务院总理 李强"] and doc.removals == []
    text, offsets = normalise(raw)
    assert text.startswith("政府工作报告\n") and [raw[i] for i in offsets[:6]] == list("政府工作报告")
    # words of several characters keep their spaces
    assert normalise("记者 刘笑笑 通讯员 程强")[0] == "记者 刘笑笑 通讯员 程强"


# ------------------------------------------------------------------ footers and related links
def test_related_links_and_footer_take_every_line_after_them():
    raw = "\n".join(["区委召开全会", *BODY, "相关链接", "我市召开优化营商环境推进会", "区长调研重点项目建设",
                     "主办单位：某区人民政府办公室", "网站标识码：6101160001"])
    doc = clean_document(raw, "d", "news_report", RULES)
    assert doc.paragraphs == ["区委召开全会", *BODY]
    assert {r.rule for r in doc.removals} == {"related_links"}


def test_a_footer_word_in_the_body_far_from_the_end_is_kept():
    far = ["版权所有 侵权必究"] + [f"第{i}段。{BODY[0]}" for i in range(40)]
    doc = clean_document("\n".join(far), "d", "speech", RULES)
    assert doc.paragraphs[0] == "版权所有 侵权必究"


# ------------------------------------------------------------------ repeated lines across documents of a source
def _site(n: int, source: str = "http://www.example.gov.cn/a/{i}.html"):
    return [(f"p{i}", "\n".join(["某区人民政府", f"标题{i}号文件", BODY[i % 3], "网站地图 联系我们 无障碍浏览", "各位代表：",
                                 "政府工作报告", BODY[(i + 1) % 3]]), source.format(i=i)) for i in range(n)]


def test_a_line_on_most_pages_of_a_site_is_removed():
    docs = _site(4)
    evidence = gather_evidence(docs)
    doc_id, raw, source = docs[0]
    removed = _rules_removed(raw, "news_report", source, evidence)
    assert sorted(sum(removed.values(), [])) == sorted(["某区人民政府", "网站地图 联系我们 无障碍浏览", "政府工作报告"])
    kept = clean_document(raw, doc_id, "news_report", RULES, source=source, evidence=evidence).paragraphs
    assert "各位代表:" in kept and "标题0号文件" in kept  # an address ends in a colon; titles differ


def test_repeated_lines_need_the_same_source_and_distinct_documents():
    docs = _site(4)
    other = [(d, raw, "http://www.other.gov.cn/x.html") for d, raw, _ in docs[:1]]
    evidence = gather_evidence(docs)
    assert _rules_removed(other[0][1], "news_report", other[0][2], evidence).get("repeated_line") is None
    copies = [("c%d" % i, docs[0][1], docs[0][2]) for i in range(10)]  # one text ten times: one document
    assert len(gather_evidence(copies)) == 0
    assert len(gather_evidence(docs[:2])) == 0  # fewer than min_docs documents
    assert len(gather_evidence(docs, min_share=1.0)) > 0


def test_a_repeated_line_glued_into_a_sentence_is_kept():
    docs = [(f"r{i}", "\n".join([f"第{i}次会议听取和审议了国务院总理所作的", "政府工作报告", f"。会议充分肯定第{i}年的工作。"]),
             "https://zh.wikisource.org/wiki/x") for i in range(4)]
    evidence = gather_evidence(docs)
    assert evidence.is_repeated(docs[0][2], "政府工作报告")
    assert clean_document(docs[0][1], "r0", "work_report", RULES, source=docs[0][2], evidence=evidence).removals == []


def test_evidence_in_batches_equals_evidence_of_the_whole_corpus():
    docs = _site(6)
    whole = repeated_lines(count_lines(docs))
    batches = count_lines(docs[:2]) + count_lines(docs[2:5]) + count_lines(docs[5:])
    assert repeated_lines(batches) == whole
    assert len(batches) == 6


def test_source_key_groups_pages_of_one_site():
    site = "example.gov.cn"
    assert source_key("http://www.Example.gov.cn/a/1.html") == source_key("https://example.gov.cn/b") == site
    assert source_key("大众报业·半岛新闻 (newspaper group)") == "大众报业·半岛新闻 (newspaper group)"
    assert source_key("") is None and source_key(None) is None and source_key("unknown") is None
    assert line_hash("首页  政务公开") == line_hash("首页 政务公开")


def test_repeated_lines_rejects_bad_thresholds():
    with pytest.raises(ValueError, match="min_docs"):
        repeated_lines(count_lines([]), min_docs=1)
    with pytest.raises(ValueError, match="min_share"):
        repeated_lines(count_lines([]), min_share=0)


# ------------------------------------------------------------------ the per-document API and the rules file
def test_clean_returns_text_and_log_rows_and_is_pure():
    raw = "\n".join(["网站首页 > 资讯频道 > 正文阅读", "区委召开全会", BODY[0], "分享:"])
    text, rows = clean(raw, doc_id="x", genre="news_report")
    assert text == "区委召开全会\n" + BODY[0]
    assert [(r[0], r[1]) for r in rows] == [("x", "breadcrumb"), ("x", "share_widget")]
    assert clean(raw, doc_id="x", genre="news_report") == (text, rows)
    doc = clean_document(raw, "x", "news_report", RULES)
    mask = removed_mask(raw, doc)
    assert mask[:18].all() and not mask[19:25].any() and isinstance(mask, np.ndarray)


def test_rules_file_without_sources_column_still_loads_and_new_checks_name_the_line(tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("name,kind,pattern,genres,max_paragraph,description\nx,paragraph,abc,,,fine\n", encoding="utf-8")
    (rule,) = load_rules(old)
    assert rule.sources == () and rule.applies_to("speech", "any source")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind,pattern,genres,sources,max_paragraph,description\n"
                   "a,paragraph,x*,,,,matches nothing\n"
                   "b,tail,abc,,site.cn,5,ok\n"
                   "b,paragraph,abc,,,,twice\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(bad)
    message = str(err.value)
    assert "line 2 (rule 'a'): the pattern matches the empty text" in message
    assert "line 4 (rule 'b'): duplicate name (first used on line 3)" in message
