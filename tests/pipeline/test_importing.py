"""`python -m huayu import`: collections as they arrive (tables, JSON Lines, folders, Word, PDF) → a valid corpus."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from huayu.errors import ParameterError, SourceError
from huayu.paths import ROOT
from _notebook_runs import FIGURE_NOTEBOOKS
from huayu.pipeline.corpus import load_corpus
from huayu.pipeline.importing import import_collection
from huayu.pipeline.importing.build import normalise_date, parse_pairs
from huayu.pipeline.importing.infer import delivery_date, speaker, year_from
from huayu.pipeline.importing.templates import FileNameTemplate

EXTERNAL = ROOT / "data" / "external" / "state-council-and-congress"
NATIONAL = {"admin_level": "national", "place_zh": "中国", "place_en": "China"}
REPORT_2024 = ("政府工作报告\n\n\n\n——2024年3月5日在第十四届全国人民代表大会第二次会议上\n\n\n国务院总理\u3000\n李\u3000强\n\n"
               "各位代表：\n\n现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。\n")
SPEECH = "同志们：\n\n今天召开全区经济工作会议，主要任务是总结过去一年的工作，部署今年的重点任务。" * 6
LINE = SPEECH.replace("\n", "")   # one line: a cell of the CSV files written by hand below


def _tree(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _meta(corpus: Path) -> pd.DataFrame:
    return pd.read_csv(corpus / "metadata.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "huayu", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})


# ------------------------------------------------------------------------------------- the shipped JSONL


@pytest.fixture(scope="module")
def state_council(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("import") / "sc"
    import_collection([EXTERNAL], out, constants=NATIONAL, progress=False)
    return out


def test_the_shipped_jsonl_files_import_as_a_valid_corpus(state_council):
    meta = _meta(state_council)
    assert len(meta) == 88 and meta["doc_id"].is_unique
    corpus = load_corpus(state_council, progress=False)  # validates metadata and every text
    assert len(corpus.documents_table) == 88
    assert set(meta["admin_level"]) == {"national"} and set(meta["place_zh"]) == {"中国"}
    assert meta["genre"].value_counts().to_dict() == {"work_report": 52, "resolution": 20, "congress_report": 16}
    # every text is the record's content, unchanged
    records = [json.loads(line) for name in ("cpc_congress_reports.jsonl", "government_work_reports.jsonl")
               for line in (EXTERNAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = {(state_council / f).read_text(encoding="utf-8") for f in meta["file"]}
    assert texts == {r["content"] for r in records}
    # the other fields are kept as columns, and each row says where it came from
    assert {"title", "congress", "type", "imported_from"} <= set(meta.columns)
    assert meta.loc[meta["title"] == "論聯合政府 (七大)", "imported_from"].item() == "cpc_congress_reports.jsonl line 4"
    assert set(meta.loc[meta["genre"] == "congress_report", "source"]) != {"unknown"}  # url → source


def test_dates_speakers_and_events_are_read_from_the_texts_with_reasons(state_council):
    meta = _meta(state_council).set_index("title")
    row = meta.loc["2024年中华人民共和国国务院政府工作报告"]
    assert (row.date, row.date_certainty, row.speakers, row.speaker_roles) == ("2024-03-05", "inferred", "李强",
                                                                              "国务院总理")
    assert row.event == "第十四届全国人民代表大会第二次会议"
    assert "——2024年3月5日在第十四届全国人民代表大会第二次会议上" in row.notes and "source gives the year 2024" in row.notes
    # the year field alone: stated, nothing inferred about the date
    row = meta.loc["2025年中华人民共和国国务院政府工作报告"]
    assert (row.date, row.date_certainty, row.speakers) == ("2025", "stated", "unknown")
    # a resolution: its adoption date from the bracketed line; the premier it names is not its speaker
    row = meta.loc["第十四届全国人民代表大会第一次会议关于政府工作报告的决议"]
    assert (row.date, row.date_certainty, row.genre, row.speakers) == ("2023-03-13", "inferred", "resolution", "unknown")
    # no date anywhere: unknown, never guessed
    row = meta.loc["第十四届全国人民代表大会第三次会议关于政府工作报告的决议"]
    assert (row.date, row.date_certainty) == ("", "unknown")
    row = meta.loc["决胜全面建成小康社会 夺取新时代中国特色社会主义伟大胜利 (十九大)"]
    assert (row.date, row.date_certainty, row.speakers) == ("2017-10-18", "inferred", "unknown")
    row = meta.loc["1957年中华人民共和国国务院政府工作报告"]
    assert row.date == "1957-06-26" and row.event == "第一届全国人民代表大会第四次会議"


def test_the_review_lists_inferred_unknown_flagged_and_traditional(state_council):
    summary = json.loads((state_council / "import_manifest.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 88 and summary["duplicates"] == []
    assert len(summary["inferred"]["speakers"]) == 5 and len(summary["inferred"]["genre"]) == 88
    assert len(summary["unknown"]["date"]) == 30 and "place_zh" not in summary["unknown"]
    stub = [f for f in summary["flagged"] if f["origin"] == "cpc_congress_reports.jsonl line 4"]
    assert len(summary["flagged"]) == 1 and stub[0]["reason"].startswith("near-empty")
    # Traditional: 1954, 1923, 1945; mixed: 1957 and the two 1921 texts
    assert {s["script"] for s in summary["scripts"]} == {"traditional", "mixed"} and len(summary["scripts"]) == 6
    assert summary["skipped"] == [{"where": "README.md", "reason": "not a document (README, licence, metadata or "
                                                                   "hidden file)"}]
    assert all(len(digest) == 64 for digest in summary["source_files"].values())


def test_the_imported_corpus_prepares(state_council, tmp_path):
    """import → prepare: the stub and the Traditional reports are reported, not errors; --exclude-flagged drops
    the stub."""
    from huayu.pipeline.prepare import prepare

    result = prepare(state_council, tmp_path / "out", segment=False, progress=False)
    assert result.n_documents == 88
    result = prepare(state_council, tmp_path / "out2", segment=False, progress=False, exclude_flagged=True)
    docs = pd.read_parquet(tmp_path / "out2" / "interim" / "documents.parquet")
    assert result.n_documents == 87 and "論聯合政府 (七大)" not in set(docs["title"])


def test_state_council_helper_still_writes_a_corpus(tmp_path):
    from _state_council import write_corpus

    assert len(load_corpus(write_corpus(tmp_path / "sc", limit=3), progress=False).documents_table) == 3


# ------------------------------------------------------------------------------------- tables


def _rows() -> list[dict]:
    return [
        {"标题": "2023年长安区政府工作报告", "正文": REPORT_2024.replace("2024", "2023") + SPEECH, "年份": 2023,
         "省份": "陕西", "place": "长安区", "genre": "政府工作报告"},
        {"标题": "西峰区经济工作会议讲话", "正文": SPEECH, "年份": "2021年2月23日", "省份": "甘肃", "place": "西峰区",
         "genre": "speech"},
        {"标题": "", "正文": "", "年份": "", "省份": "", "place": "", "genre": ""},          # a trailing empty row
    ]


def test_xlsx_built_in_the_test_imports_with_a_mapping(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(_rows()[0]))
    for row in _rows():
        sheet.append(list(row.values()))
    sheet.append(["", "", dt.datetime(2022, 2, 11), "江西", "安源区", ""])  # metadata but no text
    book.save(tmp_path / "reports.xlsx")
    result = import_collection([tmp_path / "reports.xlsx"], tmp_path / "corpus", text_column="正文",
                               mapping={"place": "place_zh", "标题": "title"}, progress=False)
    meta = _meta(tmp_path / "corpus")
    assert len(meta) == 2 and list(meta["doc_id"]) == ["reports_001", "reports_002"]
    assert list(meta["place_zh"]) == ["长安区", "西峰区"] and list(meta["province"]) == ["陕西", "甘肃"]
    assert list(meta["genre"]) == ["work_report", "speech"]          # a vocabulary label is read as its key
    assert list(meta["date"]) == ["2023-03-05", "2021-02-23"]
    assert list(meta["date_certainty"]) == ["inferred", "stated"]
    assert meta.loc[0, "speakers"] == "李强" and meta.loc[1, "speakers"] == "unknown"
    assert (tmp_path / "corpus" / "texts" / "reports_002.txt").read_text(encoding="utf-8") == SPEECH
    assert result.summary["skipped"] == [{"where": "reports.xlsx row 5", "reason": "column '正文' is empty: no text "
                                                                                    "to import"}]
    load_corpus(tmp_path / "corpus", progress=False)


def test_xlsx_sheet_is_chosen_by_name(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["说明"])
    sheet = book.create_sheet("讲话")
    sheet.append(["正文", "日期"])
    sheet.append([LINE, dt.datetime(2021, 2, 23)])
    book.save(tmp_path / "book.xlsx")
    _fails(tmp_path, [tmp_path / "book.xlsx"], r"book.xlsx: no text column")
    _fails(tmp_path, [tmp_path / "book.xlsx"], r"has no sheet 'speeches' \(--sheet\); its sheets: Sheet, 讲话",
           sheet="speeches")
    import_collection([tmp_path / "book.xlsx"], tmp_path / "corpus", sheet="讲话", progress=False)
    assert _meta(tmp_path / "corpus").loc[0, ["date", "date_certainty"]].tolist() == ["2021-02-23", "stated"]


def test_csv_and_tsv_built_in_the_test_import_with_the_text_column_found(tmp_path):
    rows = _rows()[:2]
    with open(tmp_path / "speeches.csv", "w", encoding="gb18030", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(tmp_path / "more.tsv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t")
        writer.writerow(["doc_id", "text", "date"])
        writer.writerow(["laixi_2023", SPEECH.replace("全区", "全市"), "2023-01-28"])
    import_collection([tmp_path / "speeches.csv", tmp_path / "more.tsv"], tmp_path / "corpus", progress=False)
    meta = _meta(tmp_path / "corpus")
    assert list(meta["doc_id"]) == ["speeches_001", "speeches_002", "laixi_2023"]
    assert list(meta["date"]) == ["2023-03-05", "2021-02-23", "2023-01-28"]   # 年份 → date (alias)
    assert meta.loc[2, "place_zh"] == "unknown" and meta.loc[2, "genre"] == "unknown"
    assert meta.loc[0, "place"] == "长安区"     # a field that is no column is kept as it is
    load_corpus(tmp_path / "corpus", progress=False)


def test_json_array_with_lists_of_speakers(tmp_path):
    data = [{"content": SPEECH, "speaker": ["张三", "李四"], "date": "2020年5月", "tags": {"a": 1}}]
    (tmp_path / "a.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    import_collection([tmp_path / "a.json"], tmp_path / "corpus", progress=False)
    meta = _meta(tmp_path / "corpus")
    assert (meta.loc[0, "speakers"], meta.loc[0, "date"], meta.loc[0, "tags"]) == ("张三;李四", "2020-05", '{"a": 1}')


# ------------------------------------------------------------------------------------- folders, Word, PDF


def test_file_name_templates_read_metadata_from_names(tmp_path):
    src = tmp_path / "texts"
    src.mkdir()
    (src / "2026_北京市_政府工作报告.txt").write_text(SPEECH, encoding="utf-8")
    (src / "2025_海淀区_讲话.txt").write_bytes(SPEECH.encode("gb18030"))       # copied byte for byte
    import_collection([src], tmp_path / "corpus", pattern="{date}_{place_zh}_{genre}.txt", progress=False)
    meta = _meta(tmp_path / "corpus").set_index("doc_id")
    assert meta.loc["2026_北京市_政府工作报告", ["date", "place_zh", "genre", "date_certainty"]].tolist() == [
        "2026", "北京市", "work_report", "stated"]
    assert meta.loc["2025_海淀区_讲话", "genre"] == "speech"
    assert (tmp_path / "corpus" / "texts" / "2025_海淀区_讲话.txt").read_bytes() == SPEECH.encode("gb18030")
    assert load_corpus(tmp_path / "corpus", progress=False).documents_table["encoding"].tolist() == ["gb18030", "utf-8"]


def test_template_forms():
    t = FileNameTemplate.parse("{place_zh}_{date}")
    assert t.match("海拉尔区_2017.txt") == {"place_zh": "海拉尔区", "date": "2017"}
    assert t.match("海拉尔区_2017.docx") == {"place_zh": "海拉尔区", "date": "2017"}
    assert t.match("海拉尔区2017.txt") is None
    t = FileNameTemplate.parse("{province}/{date}_{}.txt")
    assert t.match("内蒙古/2017_海拉尔区.txt") == {"province": "内蒙古", "date": "2017"}
    assert t.match("2017_海拉尔区.txt") is None
    for bad, reason in (("{date}{place_zh}.txt", "need a separator"), ("{date}_{date}.txt", "appears twice"),
                        ("2017.txt", "names no field"), ("{date:>4}.txt", "format"), ("{date", "expected '}'")):
        with pytest.raises(ParameterError, match=reason):
            FileNameTemplate.parse(bad)


def _docx(path: Path, paragraphs: list[str], title: str = "") -> None:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "指标", "增长8%"
    document.core_properties.title = title
    document.save(str(path))


def _pdf(path: Path, lines: list[str]) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    from huayu.plot.fonts import font_families

    with matplotlib.rc_context({"pdf.fonttype": 42, "font.family": font_families()}):
        fig = plt.figure(figsize=(8, 4))
        for i, line in enumerate(lines):
            fig.text(0.03, 0.9 - 0.1 * i, line, fontsize=9)
        fig.savefig(path)
        plt.close(fig)


def test_docx_and_pdf_generated_in_the_test_import_with_their_paragraphs(tmp_path):
    src = tmp_path / "downloads"
    src.mkdir()
    paragraphs = ["2019年海拉尔区政府工作报告", "", "——2019年1月15日在海拉尔区第十届人民代表大会第三次会议上",
                  "区长\u3000王明", "各位代表：", SPEECH.replace("\n", "")]
    _docx(src / "海拉尔区_2019.docx", paragraphs, title="2019年海拉尔区政府工作报告")
    lines = ["政府工作报告", "——2025年3月5日在第十四届全国人民代表大会第三次会议上", "国务院总理　李强",
             "各位代表：现在，我代表国务院，向大会报告政府工作，请予审议。" * 2, "过去一年，我国发展历程很不平凡。" * 3,
             "我们隆重庆祝中华人民共和国成立75周年，极大激发了全国各族人民的爱国热情。" * 2]
    _pdf(src / "国务院_2025.pdf", lines)
    (src / "README.md").write_text("downloaded from the government site", encoding="utf-8")
    result = import_collection([src], tmp_path / "corpus", pattern="{place_zh}_{date}", progress=False)
    meta = _meta(tmp_path / "corpus").set_index("doc_id")
    word = (tmp_path / "corpus" / "texts" / "海拉尔区_2019.txt").read_text(encoding="utf-8")
    assert word.split("\n") == [*paragraphs, "指标\t增长8%"]              # paragraphs kept, the table after them
    assert meta.loc["海拉尔区_2019", ["date", "date_certainty", "speakers", "speaker_roles", "genre", "title"]].tolist() \
        == ["2019-01-15", "inferred", "王明", "区长", "work_report", "2019年海拉尔区政府工作报告"]
    pdf = (tmp_path / "corpus" / "texts" / "国务院_2025.txt").read_text(encoding="utf-8")
    assert pdf.split("\n")[:3] == lines[:3]
    assert meta.loc["国务院_2025", ["date", "speakers", "event"]].tolist() == [
        "2025-03-05", "李强", "第十四届全国人民代表大会第三次会议"]
    assert [s["where"] for s in result.summary["skipped"]] == ["README.md"]
    load_corpus(tmp_path / "corpus", progress=False)


def test_a_pdf_without_text_is_reported_never_ocrd(tmp_path):
    import matplotlib.pyplot as plt

    src = tmp_path / "scans"
    src.mkdir()
    fig = plt.figure(figsize=(3, 3))
    fig.add_artist(plt.Rectangle((0.1, 0.1), 0.5, 0.5))     # a page with no text at all, like a scan
    fig.savefig(src / "scan.pdf")
    plt.close(fig)
    (src / "speech.txt").write_text(SPEECH, encoding="utf-8")
    result = import_collection([src], tmp_path / "corpus", progress=False)
    assert result.n_documents == 1
    assert result.summary["skipped"][0]["where"] == "scan.pdf" and "no text layer" in result.summary["skipped"][0]["reason"]
    assert "does not run OCR" in result.text
    with pytest.raises(SourceError, match="no document to import .*scan.pdf: has no text layer"):
        import_collection([src / "scan.pdf"], tmp_path / "corpus2", progress=False)
    assert not (tmp_path / "corpus2").exists()


# ------------------------------------------------------------------------------------- inference rules


def test_table_rows_get_short_ids():
    from huayu.pipeline.importing.build import table_prefix

    assert table_prefix("government_work_reports") == "gwr" and table_prefix("reports") == "reports"
    assert table_prefix("2023 reports") == "2023_reports" and table_prefix("政府 工作 报告") == "政府_工作_报告"


def test_inference_rules_on_real_lines():
    assert [(i.column, i.value) for i in delivery_date(REPORT_2024)] == [
        ("date", "2024-03-05"), ("event", "第十四届全国人民代表大会第二次会议")]
    assert [(i.column, i.value) for i in speaker(REPORT_2024)] == [("speakers", "李强"), ("speaker_roles", "国务院总理")]
    assert speaker("第十四届全国人民代表大会第二次会议听取和审议了国务院总理李强所作的\n政府工作报告\n。") == []
    assert delivery_date("各位代表：\n现在，我代表国务院向大会作报告。2024年3月5日在北京召开的会议上") == []
    assert [i.value for i in delivery_date("一、１９９６年\n（１９９６年３月５日）\n")] == ["1996-03-05"]
    assert [i.value for i in year_from("2025年中华人民共和国国务院政府工作报告", "title")] == ["2025"]
    assert year_from("论联合政府", "title") == []


@pytest.mark.parametrize("value, expected", [
    (2025, "2025"), (2025.0, "2025"), ("2025", "2025"), ("2025-3-5", "2025-03-05"), ("2025/03/05", "2025-03-05"),
    ("2025.3", "2025-03"), ("2025年3月5日", "2025-03-05"), ("2025年", "2025"), (dt.date(2021, 2, 23), "2021-02-23"),
    ("2025-02-30", None), ("去年", None), ("", None), (True, None)])
def test_dates_are_normalised_or_left_unknown(value, expected):
    assert normalise_date(value) == expected


def test_a_date_that_cannot_be_read_is_unknown_with_a_note(tmp_path):
    (tmp_path / "a.csv").write_text(f"text,date\n{LINE},去年春天\n", encoding="utf-8")
    import_collection([tmp_path / "a.csv"], tmp_path / "corpus", progress=False)
    meta = _meta(tmp_path / "corpus")
    assert (meta.loc[0, "date"], meta.loc[0, "date_certainty"]) == ("", "unknown")
    assert "'去年春天' is not a date" in meta.loc[0, "notes"]


def test_no_infer_takes_only_what_the_source_gives(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"content": REPORT_2024, "title": "2024年政府工作报告"},
                                                 ensure_ascii=False) + "\n", encoding="utf-8")
    import_collection([tmp_path / "a.jsonl"], tmp_path / "corpus", infer=False, progress=False)
    meta = _meta(tmp_path / "corpus")
    assert meta.loc[0, ["date", "speakers", "genre", "notes"]].tolist() == ["", "unknown", "unknown", ""]


def test_duplicates_are_reported_and_dropped_on_request(tmp_path):
    lines = [json.dumps({"content": t}, ensure_ascii=False) for t in (SPEECH, SPEECH.replace("\n\n", "\n"), REPORT_2024)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_collection([tmp_path / "a.jsonl"], tmp_path / "c1", progress=False)
    assert result.summary["duplicates"] == [["a_001", "a_002"]] and "a_001 = a_002" in result.text
    result = import_collection([tmp_path / "a.jsonl"], tmp_path / "c2", drop_duplicates=True, progress=False)
    assert list(_meta(tmp_path / "c2")["doc_id"]) == ["a_001", "a_003"] and result.summary["dropped_duplicates"] == ["a_002"]


def test_a_text_mostly_not_chinese_is_flagged(tmp_path):
    english = "Fellow deputies, on behalf of the State Council, I will now report to you on the work of the government. " * 5
    lines = [json.dumps({"content": t}, ensure_ascii=False) for t in (SPEECH, english)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_collection([tmp_path / "a.jsonl"], tmp_path / "corpus", progress=False)
    assert [f["doc_id"] for f in result.summary["flagged"]] == ["a_002"]
    assert "not Chinese: a_002 (a.jsonl line 2)" in result.text


# ------------------------------------------------------------------------------------- failures: one clear message, nothing written


def _fails(tmp_path, sources, match, error=SourceError, **kwargs):
    out = tmp_path / "corpus"
    with pytest.raises(error, match=match) as err:
        import_collection(sources, out, progress=False, **kwargs)
    assert not out.exists() and not list(tmp_path.glob(".corpus.*"))
    return str(err.value)


def test_missing_text_column_names_the_file_and_its_columns(tmp_path):
    (tmp_path / "a.csv").write_text("标题,年份\n报告,2023\n", encoding="utf-8")
    message = _fails(tmp_path, [tmp_path / "a.csv"], "no text column")
    assert "a.csv" in message and "标题, 年份" in message and "--text-column" in message
    message = _fails(tmp_path, [tmp_path / "a.csv"], "has no text column 'content'", text_column="content")
    assert "its columns: 标题, 年份" in message


def test_unreadable_files_are_named_with_line_or_row(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"content": "文本"}\n{"content": \n', encoding="utf-8")
    _fails(tmp_path, [tmp_path / "bad.jsonl"], r"bad.jsonl line 2: is not valid JSON")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    _fails(tmp_path, [tmp_path / "bad.xlsx"], r"bad.xlsx: cannot be read as an Excel workbook")
    (tmp_path / "bad.docx").write_bytes(b"not a word file")
    _fails(tmp_path, [tmp_path / "bad.docx"], r"bad.docx: cannot be read as a Word document")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    _fails(tmp_path, [tmp_path / "bad.pdf"], r"bad.pdf: cannot be read as a PDF")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\x03")
    _fails(tmp_path, [tmp_path / "bin.txt"], r"bin.txt: cannot be read as text: looks like a binary file")
    (tmp_path / "ragged.csv").write_text("text,date\n文本,2020,extra\n", encoding="utf-8")
    _fails(tmp_path, [tmp_path / "ragged.csv"], r"ragged.csv row 2: has 3 or more cells but the header names 2")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    _fails(tmp_path, [tmp_path / "old.doc"], r"old.doc: is an old .doc file .* save it as .docx")
    _fails(tmp_path, [tmp_path / "missing.csv"], r"missing.csv: does not exist")


def test_every_problem_of_a_folder_is_reported_at_once(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "2020_北京市.txt").write_text(SPEECH, encoding="utf-8")
    (src / "北京市-2021.txt").write_text(SPEECH, encoding="utf-8")
    (src / "bad.jsonl").write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        import_collection([src], tmp_path / "corpus", pattern="{date}_{place_zh}.txt", progress=False)
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == 2
    assert any("北京市-2021.txt: does not match --pattern: the file name must read '{date}_{place_zh}.txt'" in p
               for p in problems)
    assert any("bad.jsonl line 1: is a JSON list, not an object" in p for p in problems)
    assert "nothing was written" in str(err.value) and not (tmp_path / "corpus").exists()


def test_an_unknown_mapping_key_names_the_key_and_the_fields(tmp_path):
    (tmp_path / "a.csv").write_text(f"text,year\n{LINE},2020\n", encoding="utf-8")
    message = _fails(tmp_path, [tmp_path / "a.csv"], r"--map province=place_zh: .*a.csv has no field 'province'",
                     ParameterError, mapping={"province": "place_zh"})
    assert "its fields: year" in message
    _fails(tmp_path, [tmp_path / "a.csv"], r"year, text|text, year|both mapped|are all mapped to 'date'",
           ParameterError, mapping={"year": "date", "text": "date"})
    _fails(tmp_path, [tmp_path / "a.csv"], r"--map year=n_chars_raw: 'n_chars_raw' cannot be a column name",
           ParameterError, mapping={"year": "n_chars_raw"})
    with pytest.raises(ParameterError, match=r"--map 'year': expected NAME=VALUE"):
        parse_pairs(["year"], "--map", split_commas=True)


def test_a_value_outside_the_vocabulary_names_row_and_column(tmp_path):
    (tmp_path / "a.csv").write_text(f"text,genre\n{LINE},speech\n{LINE},sermon\n", encoding="utf-8")
    message = _fails(tmp_path, [tmp_path / "a.csv"], r"a.csv row 3: genre 'sermon' is not in the vocabulary")
    assert "genres.csv" in message
    _fails(tmp_path, [tmp_path / "a.csv"], r"--set admin_level=galaxy: not in the vocabulary", ParameterError,
           constants={"admin_level": "galaxy"}, mapping={"genre": "kind"})


def test_the_output_folder_is_never_a_foreign_one(tmp_path):
    (tmp_path / "a.csv").write_text(f"text\n{LINE}\n", encoding="utf-8")
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(ParameterError, match="did not write"):
        import_collection([tmp_path / "a.csv"], other, progress=False)
    assert _tree(other) == {"mine.txt": hashlib.sha256(b"keep").hexdigest()}
    out = tmp_path / "corpus"
    import_collection([tmp_path / "a.csv"], out, progress=False)
    with pytest.raises(ParameterError, match="pass --replace"):
        import_collection([tmp_path / "a.csv"], out, progress=False)
    before = _tree(out)
    (tmp_path / "a.csv").write_text("title\nno text column\n", encoding="utf-8")
    with pytest.raises(SourceError):
        import_collection([tmp_path / "a.csv"], out, replace=True, progress=False)
    assert _tree(out) == before                     # a failed re-import leaves the last good corpus
    (tmp_path / "a.csv").write_text(f"text,place_zh\n{LINE},长安区\n", encoding="utf-8")
    import_collection([tmp_path / "a.csv"], out, replace=True, progress=False)
    assert _meta(out).loc[0, "place_zh"] == "长安区"
    meta = out / "metadata.csv"
    meta.write_text(meta.read_text(encoding="utf-8-sig").replace("长安区", "西峰区"), encoding="utf-8")
    with pytest.raises(ParameterError, match="metadata.csv changed since the import .*never overwrites edits"):
        import_collection([tmp_path / "a.csv"], out, replace=True, progress=False)
    assert _meta(out).loc[0, "place_zh"] == "西峰区"
    with pytest.raises(ParameterError, match="may not be the source"):
        import_collection([tmp_path], tmp_path / "sub", progress=False)


def test_the_command_line_prints_the_review_and_fails_with_one_message(tmp_path):
    (tmp_path / "a.csv").write_text(f"text,year\n{LINE},2020\n", encoding="utf-8")
    result = _cli("import", str(tmp_path / "a.csv"), "--out", str(tmp_path / "corpus"), "--map", "year=date",
                  "--set", "place_zh=长安区", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "imported 1 documents" in result.stdout and "unknown (never guessed" in result.stdout
    result = _cli("import", str(tmp_path / "a.csv"), "--out", str(tmp_path / "c2"), "--text-column", "body")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "has no text column 'body'" in result.stderr and not (tmp_path / "c2").exists()
    assert "import" in _cli("--help").stdout and "export" in _cli("--help").stdout
    assert "--pattern" in _cli("import", "--help").stdout


# ------------------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_make_import_prepare_figures_on_the_shipped_jsonl(tmp_path):
    """The done criterion: `make import` + `make figures` on the two shipped JSON Lines files, no hand edits."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    corpus, out = tmp_path / "sc", tmp_path / "out"
    make = ["make", "--no-print-directory", f"CORPUS={corpus}", f"OUT={out}"]
    result = subprocess.run([*make, "import", f"SOURCE={EXTERNAL}",
                             "IMPORT_ARGS=--set admin_level=national --set place_zh=中国 --set place_en=China "
                             "--no-progress"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "imported 88 documents" in result.stdout
    result = subprocess.run([*make, "figures", "JOBS=2"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "near-empty" in result.stderr          # the stub is reported by prepare, and kept
    manifest = pd.read_csv(out / "figures" / "MANIFEST.csv")
    notebooks = FIGURE_NOTEBOOKS
    assert sorted(p.name for p in (out / "figures").iterdir() if p.is_dir()) == notebooks
    assert len(manifest) > 0 and all(list((out / "figures" / nb).glob("*.png")) for nb in notebooks)
    result = subprocess.run([*make, "export"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert scipy_shape(out / "export" / "matrix" / "dtm.mtx")[0] == 88


def scipy_shape(path: Path) -> tuple[int, int]:
    import scipy.io

    return scipy.io.mmread(path).shape
