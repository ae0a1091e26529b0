"""Cleaning: exact expectations on the five bundled texts, and property-based invariants."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huayu.errors import RuleError
from huayu.paths import ROOT
from huayu.pipeline.clean import (clean_document, document_tables, load_rules, normalise, normalise_text,
                         split_sentences)

META = pd.read_csv(ROOT / "data" / "metadata.csv", dtype=str, keep_default_na=False)
RULES = load_rules()
INLINE_RULES = {r.name for r in RULES if r.kind in ("inline", "span")}


def _raw(doc_id: str) -> str:
    row = META.set_index("doc_id").loc[doc_id]
    return (ROOT / "data" / row["file"]).read_text(encoding="utf-8")


def _clean(doc_id: str):
    row = META.set_index("doc_id").loc[doc_id]
    return clean_document(_raw(doc_id), doc_id, row["genre"], RULES, source=row["source"])


# doc_id: (paragraphs, first sentence, last sentence)
EXPECTED = {
    "changan_2023": (16, "长安区委召开“西部强区再扬帆,2023怎么干”务虚工作会议",
                     "部分垂直管理部门主要负责人,各街道党工委书记参加会议。"),
    "xifeng_2021": (42, "2021全区经济工作会议讲话成果", "今天会后,各级各部门要立即进入战斗状态,进村入户,深入一线,"
                    "只争朝夕抓开局,尽心竭力干工作,以“开门红”促“全年红”,以优异的成绩迎接建党100周年。"),
    "template_xx": (8, "同志们:", "让我们紧密团结在以习近平同志为核心的党中央周围,不忘初心、牢记使命,锐意进取、真抓实干,"
                    "为加快建设经济强区、美丽家园而努力奋斗!"),
    "laixi_2023": (12, "莱西:加快建设胶东半岛中心区域经济隆起带",
                   "会议还以视频形式同步直播,莱西市各镇街、部门中层干部,各新村和自然村党组织书记在分会场组织收听收看。"),
    "anyuan_2022": (16, "2月11日,区政府召开党组会议,专题学习贯彻省委书记易炼红在萍乡调研时的讲话精神、"
                    "萍乡市委常委会(扩大)会议精神、区委常委会(扩大)会议精神。", "会议还研究部署了安全生产方面的工作。"),
}

# Every piece of boilerplate CORPUS.md lists, by document: none may survive cleaning.
BOILERPLATE = {
    "changan_2023": ["网站首页", "资讯频道", "正文阅读", "长安区人民政府2023-01-05", "10:30", "分享:", "栏目排行", "全站排行"],
    "xifeng_2021": ["理论教育", "时间:2023-10-11", "版权反馈", "【摘要】", "www.daowen.com", "免责声明", "我要反馈"],
    "template_xx": ["预览阅读已结束", "代笔", "mooonya", "👉", "联系老师"],
    "laixi_2023": ["19:09", "大众报业", "(195046)", "扫描到手机", "半岛全媒体记者", "刘笑笑", "通讯员", "莱西市月湖公园更新建设效果图",
                   "莱西市引进的北京汽车制造厂", "渔乐节掀起莱西旅游和乡村振兴新篇"],
    "anyuan_2022": ["|"],
}

# Removals expected per document and rule (CORPUS.md, "Boilerplate in the raw texts").
EXPECTED_RULES = {
    "changan_2023": {"breadcrumb": 1, "publish_time_line": 1, "share_widget": 1, "ranking_widget": 2},
    "xifeng_2021": {"repeated_title": 2, "metadata_line": 1, "abstract_repeat": 1, "watermark_url": 1,
                    "disclaimer": 1, "feedback_link": 1},
    "template_xx": {"advertisement": 2},
    "laixi_2023": {"publish_time_line": 1, "byline": 1, "caption_credit": 1, "caption_site_bandao": 2},
    "anyuan_2022": {"stray_separator": 1},
}


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_exact_paragraphs_and_sentences(doc_id):
    doc = _clean(doc_id)
    n_paragraphs, first, last = EXPECTED[doc_id]
    assert len(doc.paragraphs) == n_paragraphs
    _, sentences, _ = document_tables(doc)
    assert sentences[0][-1] == first
    assert sentences[-1][-1] == last


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_no_listed_boilerplate_survives(doc_id):
    text = _clean(doc_id).text
    for piece in BOILERPLATE[doc_id]:
        assert piece not in text, piece


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_removals_are_exactly_the_listed_boilerplate(doc_id):
    doc = _clean(doc_id)
    counts: dict[str, int] = {}
    for r in doc.removals:
        counts[r.rule] = counts.get(r.rule, 0) + 1
    assert counts == EXPECTED_RULES[doc_id]


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_no_speech_is_lost(doc_id):
    """Every sentence-bearing raw line (with 。!?) is in the cleaned text, except logged boilerplate."""
    raw = _raw(doc_id)
    doc = _clean(doc_id)
    cleaned = re.sub(r"\s+", "", doc.text)
    removed = [re.sub(r"\s+", "", r.removed_text) for r in doc.removals]
    for line in normalise_text(raw).split("\n"):
        for sentence in re.findall(r"[^。!?]+[。!?]", line):
            s = re.sub(r"\s+", "", sentence)
            assert s in cleaned or any(s in r for r in removed), sentence


def test_abstract_is_kept_once_in_the_body():
    doc = _clean("xifeng_2021")
    assert doc.text.count("在区委四届二十三次全会上,我们确定了今年全区经济工作的总体要求") == 1
    assert doc.text.count("2021全区经济工作会议讲话成果") == 1
    assert "二、全力以赴破难题开新局" in doc.paragraphs


def test_watermark_removed_inside_paragraph_and_logged_with_raw_offsets():
    raw = _raw("xifeng_2021")
    doc = _clean("xifeng_2021")
    (removal,) = [r for r in doc.removals if r.rule == "watermark_url"]
    assert raw[removal.raw_char_start:removal.raw_char_end] == "(www.daowen.com)"


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_log_offsets_point_into_the_raw_text(doc_id):
    raw = _raw(doc_id)
    norm, _ = normalise(raw)
    for r in _clean(doc_id).removals:
        span = raw[r.raw_char_start:r.raw_char_end]
        assert re.sub(r"\s+", "", span) == re.sub(r"\s+", "", r.removed_text)


def test_one_line_report_is_split_into_paragraphs():
    doc = _clean("anyuan_2022")
    assert doc.paragraphs[1].endswith("邱伟指出:")
    assert doc.paragraphs[2].startswith("第一、深入学习领会")
    assert all("\n" not in p for p in doc.paragraphs)


def test_placeholders_of_the_template_are_kept():
    assert "区委xx全会" in _clean("template_xx").text


def test_normalisation_full_width_and_spaces():
    text, offsets = normalise("ＡＢＣ１２３，　全角\u200b字")
    assert text == "ABC123, 全角字"
    assert list(offsets) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11]


def test_sentences_take_closing_quotes_along():
    para = "他说:“要抓落实。”然后呢?好!还有……结束"
    spans = [para[s:e] for s, e in split_sentences(para)]
    assert spans == ["他说:“要抓落实。”", "然后呢?", "好!", "还有……", "结束"]


def test_cleaning_off_keeps_everything():
    raw = _raw("xifeng_2021")
    doc = clean_document(raw, "x", "speech", rules=[])
    assert doc.removals == []
    assert doc.text.count("2021全区经济工作会议讲话成果") == 3


def test_bad_rules_file_names_file_and_line(tmp_path):
    bad = tmp_path / "rules.csv"
    bad.write_text("name,kind,pattern,genres,max_paragraph,description\n"
                   "ok,paragraph,abc,,,fine\n"
                   "broken,paragraph,(unclosed,,,bad regex\n"
                   "weird,sideways,abc,,,bad kind\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(bad)
    message = str(err.value)
    assert f"{bad} line 3 (rule 'broken')" in message and "bad regular expression" in message
    assert "line 4" in message and "valid kinds: paragraph, caption, inline, span, after, before, tail, repeated" in message


# ---------------------------------------------------------------- property-based invariants

_pieces = st.sampled_from([
    "网站首页 > 资讯频道 > 正文阅读", "分享:", "栏目排行", "我要反馈", "(www.daowen.com)", "免责声明:以上内容源自网络。",
    "2023-01-28 19:09 大众报业", "要坚持高质量发展。", "一、总体要求", "同志们:", "“两个维护”", "xx", "|", "【摘要】:要坚持高质量发展。",
    "全力推动乡村振兴!", "\n", "\n\n", " ", "  ", "\u3000", "\t", "ＡＢＣ", "，", "。", "莱西市月湖公园更新建设效果图", "标题",
])
_texts = st.lists(st.one_of(_pieces, st.text(alphabet="要抓落实发展。,!?“”\n 一二三、xXa1", max_size=12)),
                  max_size=25).map("".join)
_genres = st.sampled_from(["speech", "news_report", "template"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_texts, genre=_genres)
def test_cleaning_is_idempotent(raw, genre):
    once = clean_document(raw, "d", genre, RULES)
    twice = clean_document(once.text, "d", genre, RULES)
    assert twice.paragraphs == once.paragraphs
    assert twice.removals == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_texts, genre=_genres)
def test_cleaning_never_invents_text(raw, genre):
    doc = clean_document(raw, "d", genre, RULES)
    normalised = normalise_text(raw)
    inline_hit = any(r.rule in INLINE_RULES for r in doc.removals)
    for paragraph, raw_start in zip(doc.paragraphs, doc.paragraph_raw_starts):
        if not inline_hit:
            assert paragraph in normalised
        else:  # an inline removal joins two substrings: the paragraph is a subsequence of the raw text
            norm, offsets = normalise(raw)
            rest = iter(norm[int(offsets.searchsorted(raw_start)):])
            assert all(ch in rest for ch in paragraph.replace(" ", ""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_texts, genre=_genres)
def test_nothing_disappears_except_through_a_logged_rule(raw, genre):
    """Kept text and logged removals, put back in raw order, give the normalised raw text (whitespace aside)."""
    doc = clean_document(raw, "d", genre, RULES)
    norm, offsets = normalise(raw)
    pieces = [(start, p) for start, p in zip(doc.paragraph_raw_starts, doc.paragraphs)]
    pieces += [(r.raw_char_start, r.removed_text) for r in doc.removals]
    rebuilt = "".join(text for _, text in sorted(pieces, key=lambda x: x[0]))
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert sorted(squeeze(rebuilt)) == sorted(squeeze(norm))


@settings(max_examples=100, deadline=None)
@given(raw=_texts)
def test_offsets_of_tables_point_into_the_cleaned_text(raw):
    doc = clean_document(raw, "d", "speech", RULES)
    paragraphs, sentences, _ = document_tables(doc)
    text = doc.text
    for _, _, start, end, _, p in paragraphs:
        assert text[start:end] == p
    for _, _, _, start, end, s in sentences:
        assert text[start:end] == s


def _removed_by(raw: str, genre: str = "news_report") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in clean_document(raw, "t", genre, RULES).removals:
        out.setdefault(r.rule, []).append(r.removed_text)
    return out


def test_credits_glued_to_a_paragraph_are_removed_but_sentences_with_reporters_kept():
    raw = ("新甘肃客户端兰州讯（新甘肃·甘肃日报记者 张伟 李娜）全省经济运行稳中有进。\n"
           "记者从市发展和改革委员会获悉，今年一季度重点项目投资增长百分之十二。\n"
           "会议要求抓好落实。（宝鸡台记者 王强 赵敏）\n"
           "各地积极开展工作。（编辑：刘洋 责任编辑：陈静）")
    doc = clean_document(raw, "t", "news_report", RULES)
    assert doc.paragraphs == ["全省经济运行稳中有进。", "记者从市发展和改革委员会获悉，今年一季度重点项目投资增长百分之十二。"
                              .replace("，", ","), "会议要求抓好落实。", "各地积极开展工作。"]
    assert {r.rule for r in doc.removals} == {"news_lead_byline", "trailing_credit"}


def test_a_bracket_inside_a_sentence_is_no_credit():
    raw = "会议由区委副书记（记者站原站长 张三）主持，并作了讲话。"
    assert clean_document(raw, "t", "news_report", RULES).removals == []


@pytest.mark.parametrize("line, rule", [("— 3 —", "page_number"), ("第3页 共12页", "page_number"),
                                        ("00:00 / 03:04", "player_widget"), ("视频加载中...", "player_widget"),
                                        ("点击上方蓝字 关注我们", "wechat_widget"), ("阅读原文", "wechat_widget"),
                                        ("分享 收藏 点赞 在看", "wechat_widget"), ("编辑 | 张三", "metadata_line"),
                                        ("解读机构：兰州市发展和改革委员会 解读人：刘敏 解读时间：2023-12-01", "metadata_line"),
                                        ("原文链接：兰州市人民政府关于印发实施方案的通知", "metadata_line")])
def test_furniture_lines_of_documents_videos_and_wechat(line, rule):
    raw = f"会议召开\n{line}\n会议强调，要抓好落实。"
    assert _removed_by(raw) == {rule: [normalise_text(line)]}


@pytest.mark.parametrize("line", ["各位代表！", "撸起袖子加油干", "谢谢大家！", "一、出台背景", "第三，坚持稳中求进。",
                                  "要用好短视频、直播等新媒体形式，讲好家乡发展故事。", "播放器产业发展迅速"])
def test_text_that_looks_like_furniture_is_kept(line):
    raw = f"会议召开\n{line}\n会议强调，要抓好落实。"
    assert _removed_by(raw, "speech") == {}


# The engine's shortcuts (tried per distinct text, length bounds, str.split, str.replace) against the plain
# definitions they replace.
from huayu.pipeline import clean as clean_module  # noqa: E402

_TEXTS = st.text(alphabet=st.sampled_from(list("政府工作报告会议记者摄图片首页|>：:。！? \n\u3000\u00a0，（）0123456789—-")),
                 max_size=120)


def _reference_paragraphs(work: str) -> list[tuple[int, int, str]]:
    """The paragraphs as the one regular expression ``_PARAGRAPH_BREAK`` defines them."""
    cuts = [(m.start(), m.end()) if m.group(1) is None else (m.end(1), m.end())
            for m in clean_module._PARAGRAPH_BREAK.finditer(work)]
    bounds = [0] + [x for cut in cuts for x in cut] + [len(work)]
    out = []
    for start, end in zip(bounds[0::2], bounds[1::2]):
        while start < end and work[start] == " ":
            start += 1
        while end > start and work[end - 1] == " ":
            end -= 1
        if start < end:
            out.append((start, end, re.sub(" {2,}", " ", work[start:end])))
    return out


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_fast_paragraph_split_and_character_map_match_their_definitions(raw):
    assert clean_module._translate(raw) == raw.translate(clean_module._CHAR_MAP)
    work = normalise(raw)[0]
    assert [(p.start, p.end, p.text) for p in clean_module._split_paragraphs(work)] == _reference_paragraphs(work)


def test_length_bounds_never_exclude_a_match():
    """A text outside a pattern's width bounds is never tried; on every paragraph of the gold set and the
    bundled texts, every whole match is within the bounds."""
    from huayu.pipeline.clean_gold import read_gold

    texts = {p for d in read_gold() for p in clean_module.paragraph_texts(d.raw)}
    for rule in RULES:
        lo, hi = clean_module._width(rule.pattern)
        for text in texts:
            if rule.pattern.fullmatch(text):
                assert lo <= len(text) <= hi, (rule.name, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["首页 | 政务公开 | 政务服务", "[图片]", "会议现场", "坚持稳中求进 推动高质量发展",
                                 "会议强调，要抓好落实。", "— 3 —", "来源：新华社", "相关链接", "区委召开全会",
                                 "点击上方蓝字 关注我们", "主办单位：某某区人民政府", "各位代表！",
                                 "全省经济运行稳中有进。（记者 张伟 李娜）", "&nbsp;今年工作。"]), max_size=14))
def test_scanner_gives_what_each_rule_alone_gives(lines):
    """Cleaning with the document's scanner equals cleaning one rule at a time, each rule scanning alone."""
    raw = "\n".join(lines)
    fast = clean_document(raw, "t", "news_report", RULES)
    clean_module._SCANNERS.clear()
    original = clean_module._scanner

    def one_at_a_time(rules):  # the document's scanner knows no pattern: each rule then scans by itself
        return original(rules if len(rules) == 1 else [])
    try:
        clean_module._scanner = one_at_a_time
        slow = clean_document(raw, "t", "news_report", RULES)
    finally:
        clean_module._scanner = original
    assert fast == slow


def test_running_header_printed_on_every_page_is_removed_but_signature_and_fragments_kept():
    lines = ["关于印发工作方案的通知", "各乡镇人民政府："]
    for n in range(1, 4):
        lines += [f"今年要抓好第{n}批工作，推动经济", "持续回升向好。", f"- {n} -", "眉政办发〔2023〕10号"]
    lines += ["一是", "，抓好落实。", "一是", "，稳住就业。", "一是", "，防范风险。",
              "眉县人民政府办公室", "2023年2月3日"]
    removed = _removed_by("\n".join(lines), "work_report")
    assert removed["recurring_line"] == ["眉政办发〔2023〕10号"] * 3
    assert removed["page_number"] == ["- 1 -", "- 2 -", "- 3 -"]
    doc = clean_document("\n".join(lines), "t", "work_report", RULES)
    assert "一是" in doc.paragraphs and doc.paragraphs[-2:] == ["眉县人民政府办公室", "2023年2月3日"]


def test_a_signature_repeated_across_a_source_is_kept():
    from huayu.pipeline.evidence import gather_evidence

    docs = [(f"d{i}", f"关于第{i}项工作的通知\n各部门：\n要抓好第{i}项工作。\n网站地图 | 联系我们\n眉县人民政府\n2023年{i}月5日",
             "http://www.meixian.gov.cn/") for i in range(1, 5)]
    evidence = gather_evidence(docs)
    doc = clean_document(docs[0][1], "d1", "work_report", RULES, source=docs[0][2], evidence=evidence)
    assert doc.paragraphs[-2:] == ["眉县人民政府", "2023年1月5日"]
    assert [r.removed_text for r in doc.removals] == ["网站地图 | 联系我们"]


def test_a_subheading_under_an_image_is_no_caption():
    raw = "会议召开\n[图片]\n坚定不移深化改革开放 增强经济社会发展内在活力\n会议强调，要抓好落实。\n[图片]\n张伟在会上讲话\n散会。"
    removed = _removed_by(raw)
    assert removed == {"caption_after_image": ["[图片]", "张伟在会上讲话"], "image_placeholder": ["[图片]"]}


def test_speaker_line_and_publication_note_repeated_across_a_source_are_kept():
    from huayu.pipeline.evidence import gather_evidence

    docs = [(f"d{i}", f"第{i}次会议上的讲话\n省长 赵刚\n各位代表！\n今年要做好第{i}项工作。\n网站地图 | 联系我们\n"
             f"陕西省人民政府\n2023年{i}月5日\n（此件公开发布）", "http://www.shaanxi.gov.cn/") for i in range(1, 5)]
    evidence = gather_evidence(docs)
    doc = clean_document(docs[1][1], "d2", "speech", RULES, source=docs[1][2], evidence=evidence)
    assert [r.removed_text for r in doc.removals] == ["网站地图 | 联系我们"]
    assert "省长 赵刚" in doc.paragraphs and doc.paragraphs[-1] == "(此件公开发布)"
