"""Units of comparison and period bins (huayu.analysis.units): labels, order, sums and means by unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _token_tables import make_documents, make_tokens

from huayu.analysis import units
from huayu.analysis.dfm import build_dfm
from huayu.errors import ParameterError

DOCS = {
    "a": [["发展", "改革", "。"], ["发展"]],
    "b": [["改革", "创新", "。"]],
    "c": [["发展", "发展", "人民", "。"]],
    "d": [["人民", "，", "创新"]],
    "e": [["创新"]],
}
DATES = {"a": "1954-09-23", "b": "1963", "c": "1966-01", "d": "2025-03-05", "e": ""}


@pytest.fixture
def documents():
    table = make_documents(DOCS, dates=DATES)
    table["province"] = ["陕西", "甘肃", "", "陕西", "甘肃"]   # a column a researcher added, one value missing
    return table


def test_five_year_plans_file():
    plans = units.five_year_plans()
    rows = {p: (s, e) for p, s, e in zip(plans["period"], plans["start"], plans["end"], strict=True)}
    assert rows["1st"] == (1953, 1957) and rows["2nd"] == (1958, 1962) and rows["readjustment"] == (1963, 1965)
    assert rows["3rd"] == (1966, 1970) and rows["14th"] == (2021, 2025) and rows["15th"] == (2026, 2030)
    # contiguous from the recovery (1949) to the 15th plan: every year in exactly one period
    assert (plans["start"].iloc[1:].to_numpy() == plans["end"].iloc[:-1].to_numpy() + 1).all()
    assert plans["start"].iloc[0] == 1949 and len(plans) == 17


def test_periods_by_rule(documents):
    fyp = units.document_periods(documents, "five_year_plan")
    assert fyp["period"].to_dict() == {"a": "1953–1957", "b": "1963–1965", "c": "1966–1970", "d": "2021–2025",
                                       "e": "unknown"}
    assert fyp.loc["b", "period_name"] == "Readjustment" and fyp.loc["a", "period_name"] == "1st Five-Year Plan"
    years = units.document_periods(documents, "year")
    assert years["period"].tolist() == ["1954", "1963", "1966", "2025", "unknown"]
    breaks = units.document_periods(documents, [1978, 2012])
    # the open ends are the corpus's first and last years
    assert breaks["period"].tolist() == ["1954–1977", "1954–1977", "1954–1977", "2012–2025", "unknown"]
    assert breaks.loc["d", "period_start"] == 2012 and breaks.loc["a", "period_end"] == 1977
    early = make_documents({"x": [["a"]], "y": [["b"]]}, dates={"x": "1921", "y": "2031"})
    assert units.document_periods(early, "five_year_plan")["period"].tolist() == ["before 1949", "after 2030"]


@pytest.mark.parametrize("bad", ["decade", ["1978", "x"], [1978.5], {"a": 1}, [99]])
def test_bad_period_is_one_clear_error(bad):
    with pytest.raises(ParameterError, match="period="):
        units.check_period(bad)


def test_empty_period_means_year():
    for empty in ("", [], None):
        assert units.check_period(empty) == "year"
    assert units.check_period([2012, 1978, 2012]) == [1978, 2012]


def test_document_units_any_column(documents):
    assert units.document_units(documents, "province").to_dict() == {"a": "陕西", "b": "甘肃", "c": "unknown",
                                                                     "d": "陕西", "e": "甘肃"}
    assert units.document_units(documents, "year").tolist() == ["1954", "1963", "1966", "2025", "unknown"]
    assert units.document_units(documents).tolist() == list("abcde")
    with pytest.raises(ParameterError, match=r"unit='provnce' is not a column.*'province'.*'period'"):
        units.document_units(documents, "provnce")


def test_unit_order_is_chronological_for_periods_and_unknown_last(documents):
    labels = units.document_units(documents, "period", period="five_year_plan")
    assert units.unit_order(labels) == ["1953–1957", "1963–1965", "1966–1970", "2021–2025", "unknown"]
    assert units.unit_order(units.document_units(documents, "province")) == ["陕西", "甘肃", "unknown"]


def test_sum_by_unit_is_the_hand_sum(documents):
    counts = build_dfm(make_tokens(DOCS))
    labels = units.document_units(documents, "province")
    summed = units.sum_by_unit(counts, labels)
    assert list(summed.units) == ["陕西", "甘肃", "unknown"]
    frame = summed.to_frame()
    # 陕西 = a + d: 发展 2, 改革 1, 人民 1, 创新 1; 甘肃 = b + e: 改革 1, 创新 2; unknown = c
    assert frame.loc["陕西"].to_dict() == {"人民": 1, "创新": 1, "发展": 2, "改革": 1}
    assert frame.loc["甘肃"].to_dict() == {"人民": 0, "创新": 2, "发展": 0, "改革": 1}
    assert frame.loc["unknown"].to_dict() == {"人民": 1, "创新": 0, "发展": 2, "改革": 0}
    assert summed.matrix.sum() == counts.matrix.sum()
    assert units.sum_by_unit(counts, units.document_units(documents)) is counts


def test_unit_table_lists_every_unit(documents):
    table = units.unit_table(documents, "province", tokens=make_tokens(DOCS))
    assert table["unit"].tolist() == ["陕西", "甘肃", "unknown"]
    assert table["n_documents"].tolist() == [2, 2, 1]
    assert table["n_tokens"].tolist() == [3 + 2, 2 + 1, 3]  # punctuation excluded
    assert table["doc_ids"].tolist() == ["a; d", "b; e", "c"]
    assert table.loc[0, "first_year"] == 1954 and table.loc[0, "last_year"] == 2025


def test_mean_by_unit_weights_by_length(documents):
    frame = pd.DataFrame({"doc_id": list("abcde"), "n_chars": [10, 30, 20, 10, 0],
                          "shared": [0.5, 0.1, 0.2, 0.3, 0.9]})
    out = units.mean_by_unit(frame, units.document_units(documents, "province"), weights="n_chars")
    assert out.index.tolist() == ["陕西", "甘肃", "unknown"]
    assert out.loc["陕西", "shared"] == pytest.approx((10 * 0.5 + 10 * 0.3) / 20)
    assert out.loc["甘肃", "shared"] == pytest.approx(0.1)  # e has no characters: no weight
    assert out["n_chars"].tolist() == [20, 30, 20] and out["n_documents"].tolist() == [2, 2, 1]
    same = units.mean_by_unit(frame, units.document_units(documents))
    assert same["shared"].tolist() == frame["shared"].tolist()


def test_is_dated_and_what_is_printed(documents):
    assert units.is_dated(documents)
    assert not units.is_dated(documents.assign(date=["2023"] * 5))
    two_in_one_plan = documents.assign(date=["2021", "2022", "", "", ""])
    assert units.is_dated(two_in_one_plan) and not units.is_dated(two_in_one_plan, period="five_year_plan")
    assert "skipped" in units.describe_dating(two_in_one_plan, "five_year_plan")
    assert "4 of 5 documents dated, 1954–2025 (4 years)" in units.describe_dating(documents)


def test_document_tokens(documents):
    assert units.document_tokens(make_tokens(DOCS)).to_dict() == {"a": 3, "b": 2, "c": 3, "d": 2, "e": 1}
    assert np.issubdtype(units.document_tokens(make_tokens(DOCS)).dtype, np.integer)
