"""The metadata sheet and its controlled vocabularies."""

from __future__ import annotations

import pandas as pd
import pytest

from huayu.pipeline.metadata import REQUIRED_COLUMNS, admin_levels, check_metadata, date_sort_key, genres, is_valid_date


def _row(**overrides):
    row = {c: "x" for c in REQUIRED_COLUMNS}
    row.update(doc_id="d1", file="d1.txt", admin_level="district", date="2023-01-04", date_certainty="stated",
               genre="speech")
    row.update(overrides)
    return row


@pytest.mark.parametrize("value, ok", [("2023", True), ("2023-02", True), ("2023-02-28", True),
                                       ("2023-02-30", False), ("2023/02/01", False), ("23-02-01", False),
                                       ("2023-13", False), ("", False), ("1800-01-01", False)])
def test_dates(value, ok):
    assert is_valid_date(value) is ok


def test_vocabularies_are_data_files_including_work_reports():
    assert {"speech", "news_report", "template", "work_report"} <= set(genres())
    assert genres()["work_report"]["label_zh"] == "政府工作报告"
    assert {"district", "county_level_city", "unknown"} <= set(admin_levels())


def test_vocabulary_can_be_extended(tmp_path):
    (tmp_path / "genres.csv").write_text("genre,label_zh,label_en,description\nsermon,布道,sermon,test\n",
                                         encoding="utf-8")
    (tmp_path / "admin_levels.csv").write_text("admin_level,label_zh,label_en,description\ndistrict,区,d,t\n",
                                               encoding="utf-8")
    table = pd.DataFrame([_row(genre="sermon")])
    assert check_metadata(table, "m.csv", dictionaries=tmp_path) == []
    assert "unknown genre 'speech'" in str(check_metadata(pd.DataFrame([_row()]), "m.csv", dictionaries=tmp_path)[0])


def test_all_problems_collected():
    table = pd.DataFrame([
        _row(),
        _row(doc_id="d1"),
        _row(doc_id="a/b", admin_level="galaxy"),
        _row(doc_id="d3", date="", date_certainty="stated"),
        _row(doc_id="d4", date_certainty="maybe"),
    ])
    problems = [str(p) for p in check_metadata(table, "m.csv")]
    assert "m.csv row 3: duplicate doc_id 'd1' (first used in row 2)" in problems
    assert any(p.startswith("m.csv row 4: unsafe doc_id 'a/b'") for p in problems)
    assert any(p.startswith("m.csv row 4: unknown admin_level 'galaxy'") for p in problems)
    assert any(p.startswith("m.csv row 5: date is empty") for p in problems)
    assert any(p.startswith("m.csv row 6: date_certainty 'maybe'") for p in problems)
    assert len(problems) == 5


def test_missing_columns_named():
    (problem,) = check_metadata(pd.DataFrame({"doc_id": ["a"]}), "m.csv")
    assert "missing column(s) file, place_zh" in str(problem)


def test_date_sort_key_puts_unknown_last():
    order = date_sort_key(pd.Series(["2023-01-04", "", "2021", "2022-02-11"])).sort_values(na_position="last")
    assert list(order.index) == [2, 3, 0, 1]
