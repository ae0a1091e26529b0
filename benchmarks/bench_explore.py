"""Response times of the explorer and of the report's KWIC search (targets: 0.5 s bundled, 2 s for 1,000 documents).

Two corpora: the bundled one (``data/interim``, ``data/processed``; prepared by ``make bench``) and a synthetic
corpus of 1,000 documents (``tests/_synthetic_corpus.write_corpus``, prepared here in a temporary folder; 200
with ``--quick``). For each: the one-off index build (``CorpusIndex``, when the explorer opens), then for
every query (word, phrase, token regex, text regex, formula) the time of each function behind a panel —
search, KWIC (sorted by left context), frequency by genre, over time, dispersion, collocates, keyness — and
their sum, the response of a query that fills every panel (the explorer computes only the visible one).
Also: the explorer's own update with matplotlib drawing (search + KWIC, then a figure panel), the analysis
functions the index replaces (``analysis.kwic.kwic``, ``analysis.collocations.collocates``) on the same
corpus, and — when Chromium is installed — the report's JavaScript KWIC search on the 1,000-document index.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

QUERIES = (("发展", "word"), ("高质量 发展", "word"), (r"发展\w*", "regex"), ("发展", "text"), ("两个维护", "formula"))
REPEAT = 3


def _best(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _measure(prefix: str, interim: Path, processed: Path) -> tuple[dict, dict]:
    from huayu.analysis import collocations, kwic
    from huayu.explore import index as ix
    from huayu.explore.widgets import Explorer
    from huayu.pipeline import tables

    started = time.perf_counter()
    index = ix.CorpusIndex.from_folders(interim, processed)
    out: dict = {f"{prefix}_index_build_s": time.perf_counter() - started,
                 f"{prefix}_documents": index.n_docs, f"{prefix}_tokens": int(len(index.t_doc))}
    details: dict = {}
    by = "genre" if "genre" in index.filter_columns() else "doc_id"
    worst = 0.0
    for pattern, match in QUERIES:
        hits = ix.search(index, pattern, match)
        steps = {
            "search": lambda: ix.search(index, pattern, match),
            "kwic": lambda: ix.concordance(index, hits, sort_by="left"),
            "frequency": lambda: ix.frequency_by(index, hits, by),
            "time": lambda: ix.over_time(index, hits),
            "dispersion": lambda: ix.dispersion(index, hits),
            "collocates": lambda: ix.collocates(index, hits),
            "keyness": lambda: ix.keyness_of(index, hits, by),
        }
        row = {name: _best(fn) for name, fn in steps.items()}
        row["all_panels"] = sum(row.values())
        row["hits"] = len(hits)
        details[f"{pattern} ({match})"] = row
        worst = max(worst, row["all_panels"])
    out[f"{prefix}_query_all_panels_max_s"] = worst
    out[f"{prefix}_query_all_panels_median_s"] = statistics.median(r["all_panels"] for r in details.values())
    # the widgets: a new query (search + KWIC table), then a figure panel drawn with matplotlib
    explorer = Explorer(index, query="")
    started = time.perf_counter()
    explorer.query.value = "发展"
    out[f"{prefix}_explorer_query_kwic_s"] = time.perf_counter() - started
    for i, key in ((1, "frequency"), (4, "collocates")):
        started = time.perf_counter()
        explorer.tabs.selected_index = i
        out[f"{prefix}_explorer_{key}_panel_s"] = time.perf_counter() - started
    # what the index replaces
    toks, docs = tables.read_tokens(processed), tables.read_documents(interim)
    out[f"{prefix}_analysis_kwic_s"] = _best(lambda: kwic.kwic(toks, docs, "发展", sort_by="left"), 1)
    out[f"{prefix}_analysis_collocates_s"] = _best(lambda: collocations.collocates(toks, "发展"), 1)
    return out, details


def _browser_search(interim: Path, tmp: Path) -> dict:
    """The report's KWIC search in headless Chromium on the corpus of ``interim`` (skipped without Chromium)."""
    import shutil

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return {}
    from _browser import chromium

    from huayu.report import build_report

    figures = tmp / "figures"
    figures.mkdir()
    (figures / "MANIFEST.csv").write_text("path,kind,notebook\n", encoding="utf-8")
    started = time.perf_counter()
    page = build_report(figures, tmp / "report", interim_dir=interim, executed_dir=tmp / "none")
    out = {"report_1000_build_s": time.perf_counter() - started,
           "report_1000_corpus_js_mb": (page.parent / "assets" / "corpus.js").stat().st_size / 1e6,
           "report_1000_font_css_mb": (page.parent / "assets" / "font.css").stat().st_size / 1e6}
    import pytest

    try:
        with chromium() as driver:
            started = time.perf_counter()
            driver.get(page.as_uri())
            out["report_1000_page_load_s"] = time.perf_counter() - started
            for q, mode in (("发展", "text"), ("两个(维护|确立)", "regex")):
                ms = driver.execute_script(
                    "var t=[];for(var i=0;i<5;i++){var s=performance.now();"
                    "window.huayuReport.search(window.HUAYU_CORPUS,arguments[0],arguments[1],'',20);"
                    "t.push(performance.now()-s);}return Math.min.apply(null,t);", q, mode)
                out[f"report_1000_js_search_{mode}_s"] = ms / 1000
    except pytest.skip.Exception:
        return out
    return out


def run(quick: bool = False) -> dict:
    from huayu.paths import INTERIM, PROCESSED
    from huayu.pipeline.prepare import prepare

    from _synthetic_corpus import write_corpus

    out: dict = {}
    details: dict = {}
    if (PROCESSED / "tokens.parquet").exists():
        metrics, details["bundled"] = _measure("explore_bundled", INTERIM, PROCESSED)
        out.update(metrics)
    n = 200 if quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_corpus(tmp / "corpus", n)
        started = time.perf_counter()
        prepare(tmp / "corpus", tmp / "out", progress=False)
        out[f"explore_synthetic{n}_prepare_s"] = time.perf_counter() - started
        metrics, details[f"synthetic{n}"] = _measure(f"explore_synthetic{n}", tmp / "out" / "interim",
                                                      tmp / "out" / "processed")
        out.update(metrics)
        if not quick:
            out.update(_browser_search(tmp / "out" / "interim", tmp))
    out["details"] = details
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, ensure_ascii=False))
