"""The offline report: its folder, captions, atomic replacement, the KWIC index — and the page in Chromium."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from huayu.analysis import dispersion, keyness  # noqa: E402
from huayu.errors import ManifestError, ParameterError  # noqa: E402
from huayu.paths import ROOT  # noqa: E402
from huayu.pipeline import tables  # noqa: E402
from huayu.report import build_report  # noqa: E402
from huayu.report.captions import figure_entries  # noqa: E402

NOTEBOOK = "05-keyness"
#: where the browser test leaves its screenshot for a person to look at (build/ is not committed)
SCREENSHOTS = ROOT / "build" / "screenshots"
#: the keyword cells of the KWIC rows (the paragraphs in closed <details> hold marks too)
KEYWORDS = "#kwic-results tbody td:nth-child(4) mark"


def _cell(kind, source, tags=()):
    cell = {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=1)
    return cell


@pytest.fixture(scope="module")
def suite(bundled_out, tmp_path_factory):
    """A figures folder as the runner writes it (two figures, the keyness and frequency tables, MANIFEST.csv)
    and the executed notebook that says what made them."""
    root = tmp_path_factory.mktemp("suite")
    figures, executed = root / "figures", root / "executed"
    (figures / NOTEBOOK).mkdir(parents=True)
    executed.mkdir()
    toks = tables.read_tokens(bundled_out / "processed")
    keyness.keyness(toks, "laixi_2023").to_csv(figures / NOTEBOOK / "keyness-table.csv", index=False)
    dispersion.frequency_list(toks, min_freq=5).to_csv(figures / NOTEBOOK / "frequency-dispersion.csv", index=False)
    for name in ("keyness-bars", "dispersion-plot"):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, 1])
        fig.savefig(figures / NOTEBOOK / f"{name}.png")
        fig.savefig(figures / NOTEBOOK / f"{name}.pdf")
        plt.close(fig)
    with open(figures / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "kind", "notebook", "parameter_set", "corpus_sha256", "lock_sha256", "git_commit", "sha256"])
        for p in sorted((figures / NOTEBOOK).iterdir()):
            kind = "table" if p.suffix == ".csv" else "figure"
            w.writerow([f"{NOTEBOOK}/{p.name}", kind, NOTEBOOK, "bundled:abc", "c" * 64, "l" * 64, "1234567890ab", "s" * 64])
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        _cell("markdown", "# 05 · Keywords\n\nWhat one place says more than the others."),
        _cell("code", 'target = ""\nmin_freq = 3\n', ["parameters"]),
        _cell("code", 'target = "laixi_2023"\ninterim_dir = "/somewhere/interim"\n', ["injected-parameters"]),
        _cell("code", "from huayu.plot import keyness as keyness_plots\nfrom huayu.plot import dispersion as dispersion_plots"),
        _cell("markdown", "## 1. Keywords of the target\n\nBars to the right are *positive* keywords.\n\nMore text."),
        _cell("code", "keyness_plots.plot_keyness(ctx, keywords, n=15);"),
        _cell("markdown", "## 6. Dispersion plot\n\nOne line per document and word."),
        _cell("code", "dispersion_plots.plot_dispersion(ctx, positions, doc_ids=ctx.document_ids());"),
    ]}
    (executed / f"{NOTEBOOK}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return figures, executed, bundled_out / "interim"


@pytest.fixture(scope="module")
def report(suite, tmp_path_factory):
    figures, executed, interim = suite
    out = tmp_path_factory.mktemp("out") / "report"
    index = build_report(figures, out, interim_dir=interim, executed_dir=executed, title="Test report")
    return index


def test_captions_come_from_the_executed_notebook(suite):
    figures, executed, _ = suite
    entries, infos = figure_entries(figures, executed)
    by_name = {e.name: e for e in entries}
    assert list(by_name) == ["keyness-bars", "dispersion-plot"]  # the order the notebook draws them
    assert by_name["keyness-bars"].heading == "1. Keywords of the target"
    assert by_name["keyness-bars"].caption == "Bars to the right are *positive* keywords."
    assert "plot_dispersion" in by_name["dispersion-plot"].source
    assert infos[NOTEBOOK].parameters == {"target": "laixi_2023", "min_freq": 3, "interim_dir": "/somewhere/interim"}
    assert infos[NOTEBOOK].title == "05 · Keywords"


def test_the_folder_is_self_contained(report):
    folder = report.parent
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    for ref in re.findall(r'(?:src|href)="([^"#]+)"', page):
        assert not re.match(r"[a-z]+:", ref), f"external reference {ref}"
        assert (folder / ref).is_file(), ref
    for asset in ("report.js", "report.css", "font.css", "corpus.js"):
        text = (folder / "assets" / asset).read_text(encoding="utf-8")
        assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text, asset
    assert "data:font/woff;base64," in (folder / "assets" / "font.css").read_text()
    assert (folder / ".huayu-report").is_file()


def test_figures_carry_captions_parameters_and_provenance(report):
    page = report.read_text(encoding="utf-8")
    assert '<img src="figures/05-keyness/keyness-bars.png"' in page
    assert "<b>1. Keywords of the target.</b> Bars to the right are <em>positive</em> keywords." in page
    assert "&quot;laixi_2023&quot;" in page and "/somewhere/interim" not in page  # machine paths left out
    assert "1234567890ab" in page and 'href="figures/05-keyness/keyness-bars.pdf"' in page


def test_tables_are_sortable_and_complete(report, suite):
    page = report.read_text(encoding="utf-8")
    assert page.count('<table class="sortable"') == 3  # keyness, frequency, KWIC
    figures = suite[0]
    n = sum(1 for _ in open(figures / NOTEBOOK / "keyness-table.csv", encoding="utf-8")) - 1
    block = page.split('id="table-05-keyness-keyness-table"')[1].split("</table>")[0]
    assert block.count("<tr>") == min(n, 2000) + 1
    assert 'data-v="' in block  # numbers sort by their full value


def test_kwic_index_holds_every_document(report, bundled_out):
    docs = tables.read_documents(bundled_out / "interim")
    js = (report.parent / "assets" / "corpus.js").read_text(encoding="utf-8")
    corpus = json.loads(js.removeprefix("window.HUAYU_CORPUS = ").rstrip().rstrip(";"))
    assert corpus["n_included"] == corpus["n_documents"] == len(docs) and not corpus["sample"]
    assert [d["text"] for d in corpus["documents"]] == docs["text"].tolist()
    assert "covers all 5 documents" in report.read_text(encoding="utf-8")


def test_a_larger_corpus_is_sampled_and_the_report_says_so(suite, tmp_path):
    figures, executed, interim = suite
    index = build_report(figures, tmp_path / "r", interim_dir=interim, executed_dir=executed, max_documents=2,
                         random_state=3)
    js = (index.parent / "assets" / "corpus.js").read_text(encoding="utf-8")
    corpus = json.loads(js.removeprefix("window.HUAYU_CORPUS = ").rstrip().rstrip(";"))
    assert corpus["n_included"] == 2 and corpus["sample"] and corpus["n_documents"] == 5
    assert "random sample of 2 of the corpus" in index.read_text(encoding="utf-8")


def test_writing_is_atomic_and_never_replaces_other_folders(suite, tmp_path):
    figures, executed, interim = suite
    other = tmp_path / "papers"
    other.mkdir()
    (other / "draft.docx").write_text("mine")
    with pytest.raises(ParameterError, match="not a huayu report"):
        build_report(figures, other, interim_dir=interim, executed_dir=executed)
    assert [p.name for p in other.iterdir()] == ["draft.docx"]
    out = tmp_path / "report"
    build_report(figures, out, interim_dir=interim, executed_dir=executed)
    before = (out / "index.html").read_bytes()
    with pytest.raises(FileNotFoundError, match="prepare the corpus"):
        build_report(figures, out, interim_dir=tmp_path / "missing", executed_dir=executed)
    assert (out / "index.html").read_bytes() == before
    with pytest.raises(ManifestError, match="MANIFEST.csv does not exist"):
        build_report(tmp_path, out, interim_dir=interim, executed_dir=executed)
    build_report(figures, out, interim_dir=interim, executed_dir=executed, title="again")
    assert "again" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers", "report"]  # no staging folder left


def test_the_command(suite, tmp_path, capsys):
    from huayu.cli import main

    figures, executed, interim = suite
    assert main(["report", "--figures", str(figures), "--out", str(tmp_path / "r"), "--interim", str(interim),
                 "--executed", str(executed), "--lang", "en"]) == 0
    assert "report:" in capsys.readouterr().out
    assert "Chang" in (tmp_path / "r" / "assets" / "corpus.js").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "offline HTML report" in capsys.readouterr().out


def test_the_page_in_chromium(report, bundled_out):
    """Chromium opens the report from file://, the KWIC search answers a typed query, the font is the bundled one."""
    from _browser import chromium
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    texts = tables.read_documents(bundled_out / "interim")["text"].tolist()
    expected = sum(t.count("发展") for t in texts)
    with chromium() as driver:
        driver.get(report.as_uri())
        # the table is redrawn as the query is typed: an element found a moment ago may be gone
        wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))
        wait.until(lambda d: d.find_element(By.ID, "kwic-ready").text == "ready")
        box = driver.find_element(By.ID, "kwic-query")
        box.send_keys("发展")
        wait.until(lambda d: d.find_element(By.ID, "kwic-status").text.startswith(f"{expected} hit(s)"))
        rows = driver.find_elements(By.CSS_SELECTOR, "#kwic-results tbody tr")
        assert len(rows) == expected > 50
        assert {r.find_element(By.TAG_NAME, "mark").text for r in rows} == {"发展"}
        assert driver.find_element(By.ID, "kwic-status").text.startswith(f"{expected} hit(s) in 5 of 5 document(s)")
        # sort by the left context (click its header), then expand a paragraph
        driver.find_element(By.XPATH, "//table[@id='kwic-results']//th[text()='left']").click()
        assert driver.find_element(By.XPATH, "//table[@id='kwic-results']//th[text()='left']").get_attribute(
            "aria-sort") == "ascending"
        keys = driver.execute_script(
            "return Array.from(document.querySelectorAll('#kwic-results tbody td.left')).map(td => td.dataset.v)")
        assert keys == sorted(keys, key=lambda s: [ord(c) for c in s])
        first = driver.find_element(By.CSS_SELECTOR, "#kwic-results tbody tr details")
        first.find_element(By.TAG_NAME, "summary").click()
        assert first.get_attribute("open") is not None and "发展" in first.text
        # a regex, a group filter
        Select(driver.find_element(By.ID, "kwic-mode")).select_by_value("regex")
        box.clear()
        box.send_keys("两个(维护|确立)")
        wait.until(lambda d: "hit(s)" in d.find_element(By.ID, "kwic-status").text and
                   all(m.text.startswith("两个") for m in d.find_elements(By.CSS_SELECTOR, KEYWORDS)))
        n_regex = len(driver.find_elements(By.CSS_SELECTOR, "#kwic-results tbody tr"))
        assert n_regex == sum(len(re.findall("两个(?:维护|确立)", t)) for t in texts) > 0
        # the bundled font is loaded and used for the Chinese cells; English labels are lang=en
        assert driver.execute_script("return document.fonts.check('16px \"Huayu CJK\"', '发展')")
        assert driver.execute_script(
            "return Array.from(document.fonts).some(f => f.family.replace(/\"/g, '') === 'Huayu CJK' && f.status === 'loaded')")
        family = driver.execute_script(
            "return getComputedStyle(document.querySelector('#kwic-results tbody td')).fontFamily")
        assert family.startswith('"Huayu CJK"')
        assert driver.execute_script("return document.documentElement.lang") == "en"
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
        box.clear()
        box.send_keys("高质量发展")
        wait.until(lambda d: all(m.text == "高质量发展" for m in d.find_elements(By.CSS_SELECTOR, KEYWORDS)))
        driver.execute_script("document.getElementById('kwic').scrollIntoView()")
        shot = SCREENSHOTS / "report-kwic.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(shot))
        print(f"screenshot of the report's KWIC search: {shot}")
