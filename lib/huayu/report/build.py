"""``python -m huayu report``: a self-contained offline HTML report of a corpus and its figures.

The report is one folder that opens from the file system (``file://``) in any browser, with no server,
no network and no external resource (no CDN, no web font service):

``index.html``
    the figures of the suite, notebook by notebook, each with its caption (the notebook section it
    belongs to), the parameters of the run and the call that drew it (see :mod:`huayu.report.captions`),
    and links to its PDF and CSV; the keyness, frequency and collocation tables, sortable (click a
    column) and filterable; a KWIC search over the corpus; provenance from ``MANIFEST.csv``.
``figures/<notebook>/``
    copies of the PNG, PDF and CSV files of every figure and table shown.
``assets/``
    ``report.css`` and ``report.js`` (ours: sorting, filtering, KWIC; in the package as data files),
    ``font.css`` (the bundled Noto Sans CJK SC subset to the report's characters, embedded as a
    ``data:`` URL — :mod:`huayu.report.font`) and ``corpus.js`` (the KWIC index, below).

The KWIC index is the cleaned text of every document with its paragraph offsets and its label, as one
JavaScript file (a ``<script>``: ``fetch`` of a local file is blocked under ``file://``). The browser
searches it directly — a plain string or a JavaScript regular expression over the characters, context
cut from the text, the paragraph shown on demand — which for 1,000 documents (≈ 2 million characters,
≈ 6 MB) answers in milliseconds. Above ``max_documents`` (default 2,000) the index holds a random
sample of that many documents (``random_state``, kept in corpus order), and the report says so;
the explorer (``notebooks/00-explore.ipynb``) searches any number. At most ``max_rows`` (1,000) rows
are drawn per query; the count covers every hit.

The folder is written atomically: built in a staging folder beside ``out``, then swapped in; a failed
build leaves the previous report in place. An existing ``out`` that is not a huayu report (no
``.huayu-report`` file) is never replaced.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

import huayu
from huayu.checks import check_int
from huayu.errors import ParameterError
from huayu.paths import resolve
from huayu.report.captions import FigureEntry, NotebookInfo, figure_entries

log = logging.getLogger(__name__)

__all__ = ["build_report", "add_arguments", "run", "REPORT_TABLES", "MARKER"]

MARKER = ".huayu-report"
#: The tables shown (sortable): (notebook, table name, title).
REPORT_TABLES: tuple[tuple[str, str, str], ...] = (
    ("05-keyness", "keyness-table", "Keywords of the target against the reference (G², log ratio)"),
    ("05-keyness", "keyness-by-group", "Keywords of every document against the rest"),
    ("05-keyness", "frequency-dispersion", "Frequency list with dispersion across documents"),
    ("05-keyness", "frequency-dispersion-segments", "Frequency and dispersion within one speech"),
    ("06-collocations-kwic", "collocates", "Collocates of the node word"),
)
MAX_TABLE_ROWS = 2000
#: Parameters that name folders of the machine that ran the notebooks: not shown.
_PATH_PARAMETERS = ("interim_dir", "processed_dir", "figures_dir")


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _markdown(text: str) -> str:
    import mistune

    return mistune.create_markdown(escape=True)(text)


def _num(value) -> tuple[str, str]:
    """``(shown, sort key)`` of a table cell."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value)), str(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return "–", ""
        shown = f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"
        return shown, repr(float(value))
    return str(value), str(value)


def table_html(df: pd.DataFrame, table_id: str, *, max_rows: int = MAX_TABLE_ROWS) -> str:
    """A sortable HTML table of ``df`` (first ``max_rows`` rows); numbers keep their full value for sorting."""
    rows = df.head(max_rows)
    head = "".join(f"<th>{_esc(c)}</th>" for c in df.columns)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    body = []
    for rec in rows.itertuples(index=False):
        cells = []
        for value, is_num in zip(rec, numeric):
            shown, key = _num(value)
            if is_num:
                cells.append(f'<td class="n" data-v="{_esc(key)}">{_esc(shown)}</td>')
            else:
                cells.append(f"<td>{_esc(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table class="sortable" id="{_esc(table_id)}"><thead><tr>{head}</tr></thead>'
            f'<tbody lang="zh-Hans">{"".join(body)}</tbody></table></div>')


def _corpus_index(documents_table: pd.DataFrame, paragraphs: pd.DataFrame, *, labels: dict[str, str],
                  group_by: str | None, max_documents: int, random_state: int, max_rows: int) -> dict:
    n = len(documents_table)
    chosen = np.arange(n)
    if n > max_documents:
        rng = np.random.default_rng(random_state)
        chosen = np.sort(rng.choice(n, size=max_documents, replace=False))
    starts = paragraphs.groupby("doc_id", sort=False)["char_start"].apply(lambda s: sorted(int(v) for v in s)).to_dict()
    docs = []
    for i in chosen.tolist():
        row = documents_table.iloc[i]
        doc_id = str(row["doc_id"])
        docs.append({"id": doc_id, "label": labels.get(doc_id, doc_id),
                     "group": str(row[group_by]) if group_by else "",
                     "text": str(row["text"]), "paras": starts.get(doc_id, [0]) or [0]})
    return {"documents": docs, "n_documents": n, "n_included": len(docs), "sample": bool(n > max_documents),
            "random_state": random_state, "max_documents": max_documents, "max_rows": max_rows,
            "group_by": group_by or ""}


def _figure_html(entry: FigureEntry, info: NotebookInfo) -> str:
    png = entry.files["png"]
    links = " ".join(f'<a href="figures/{_esc(entry.files[ext])}">{ext.upper()}</a>'
                     for ext in ("pdf", "svg", "csv") if ext in entry.files)
    params = {k: v for k, v in info.parameters.items() if k not in _PATH_PARAMETERS}
    param_rows = "".join(f"<tr><th>{_esc(k)}</th><td lang=\"zh-Hans\">{_esc(json.dumps(v, ensure_ascii=False))}</td></tr>"
                         for k, v in params.items())
    m = entry.manifest
    provenance = (f'parameter set <code>{_esc(m.get("parameter_set", ""))}</code> · commit '
                  f'<code>{_esc(m.get("git_commit", "")[:12])}</code> · corpus '
                  f'<code>{_esc(m.get("corpus_sha256", "")[:12])}</code> · PNG sha256 '
                  f'<code>{_esc(m.get("sha256", "")[:12])}</code>')
    heading = f"<b>{_esc(entry.heading)}.</b> " if entry.heading else ""
    caption = _markdown(entry.caption) if entry.caption else "<p></p>"
    caption = caption.replace("<p>", f"<p>{heading}", 1) if heading else caption
    source = (f"<details><summary>the call and the parameters</summary><pre lang=\"zh-Hans\">{_esc(entry.source)}</pre>"
              f"<table>{param_rows}</table></details>") if (entry.source or param_rows) else ""
    return (f'<figure id="fig-{_esc(entry.notebook)}-{_esc(entry.name)}">'
            f'<img src="figures/{_esc(png)}" alt="{_esc(entry.notebook)}: {_esc(entry.name)}" loading="lazy">'
            f'<figcaption><p class="muted"><code>{_esc(entry.notebook)}/{_esc(entry.name)}</code> · '
            f'<span class="files">{links}</span></p>{caption}{source}<p class="note">{provenance}</p>'
            f"</figcaption></figure>")


def _page(title: str, summary: str, figures: str, tables: str, kwic: str, nav: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="huayu {_esc(huayu.__version__)}">
<title>{_esc(title)}</title>
<link rel="stylesheet" href="assets/font.css">
<link rel="stylesheet" href="assets/report.css">
<script src="assets/corpus.js"></script>
<script src="assets/report.js"></script>
</head>
<body>
<header><h1>{_esc(title)}</h1>{summary}</header>
<nav aria-label="contents"><h2>Contents</h2>{nav}</nav>
<main>
<section id="figures"><h2>Figures</h2>{figures}</section>
<section id="tables"><h2>Tables</h2>{tables}</section>
<section id="kwic"><h2>KWIC search</h2>{kwic}</section>
</main>
<footer class="note"><p>Written by huayu {_esc(huayu.__version__)} (<code>python -m huayu report</code>). Opens offline;
every file it uses is in this folder. Chinese text is set in Noto Sans CJK SC (SIL Open Font License 1.1),
subset to the characters of this report.</p></footer>
</body>
</html>
"""


def _kwic_html(index: dict, group_values: list[str]) -> str:
    if index["sample"]:
        scope = (f"The search covers a random sample of {index['n_included']:,} of the corpus's "
                 f"{index['n_documents']:,} documents (random_state={index['random_state']}; the report's limit is "
                 f"{index['max_documents']:,}); search the whole corpus in the explorer, notebooks/00-explore.ipynb.")
    else:
        scope = f"The search covers all {index['n_documents']:,} documents of the corpus."
    options = "".join(f'<option value="{_esc(v)}" lang="zh-Hans">{_esc(v)}</option>' for v in group_values)
    group = (f'<label>{_esc(index["group_by"])} <select id="kwic-group"><option value="">all</option>{options}</select></label>'
             if index["group_by"] else '<select id="kwic-group" hidden><option value=""></option></select>')
    return f"""<p>Every occurrence of a string (or of a JavaScript regular expression) in the cleaned texts, with
its context and the paragraph it belongs to (open ¶). Click a column to sort (left context sorts from the keyword
backwards). {_esc(scope)} At most {index['max_rows']:,} rows are drawn; the count covers every hit.
Status: <span id="kwic-ready">loading</span>.</p>
<div class="controls">
<label>Search <input type="search" id="kwic-query" lang="zh-Hans" placeholder="a word or a regular expression" autocomplete="off"></label>
<label>as <select id="kwic-mode"><option value="text">text</option><option value="regex">regular expression</option></select></label>
<label>context <input type="number" id="kwic-context" value="20" min="1" max="200" style="width:4em"> characters</label>
{group}
</div>
<p id="kwic-status" class="muted" aria-live="polite"></p>
<div class="scroll"><table class="sortable" id="kwic-results"><thead><tr><th>#</th><th>document</th><th>left</th>
<th>keyword</th><th>right</th><th>¶</th></tr></thead><tbody lang="zh-Hans"></tbody></table></div>"""


def _summary(documents_table: pd.DataFrame, entries: list[FigureEntry]) -> str:
    parts = [f"{len(documents_table):,} documents"]
    for col in ("genre", "admin_level", "province"):
        if col in documents_table.columns:
            counts = documents_table[col].astype("str").value_counts()
            parts.append(f"{col}: " + ", ".join(f"{k} ({v})" for k, v in counts.head(8).items())
                         + (" …" if len(counts) > 8 else ""))
    if "date" in documents_table.columns:
        years = documents_table["date"].astype("str").str.extract(r"^(\d{4})")[0].dropna()
        if len(years):
            parts.append(f"years {years.min()}–{years.max()}")
    m = entries[0].manifest if entries else {}
    prov = (f"<p class=\"note\">Figures of commit <code>{_esc(m.get('git_commit', ''))}</code>, parameter set "
            f"<code>{_esc(m.get('parameter_set', ''))}</code>, corpus <code>{_esc(m.get('corpus_sha256', '')[:16])}</code>, "
            f"environment <code>{_esc(m.get('lock_sha256', '')[:16])}</code> (figures/MANIFEST.csv).</p>") if m else ""
    return f'<p lang="zh-Hans">{_esc(" · ".join(parts))}</p>{prov}'


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise ParameterError(f"--out {out} exists and is not a huayu report (no {MARKER} file): it is never "
                             "replaced; choose another folder or remove it")


def build_report(figures_dir, out_dir, *, interim_dir="data/interim", executed_dir="notebooks/executed",
                 title: str | None = None, lang: str = "zh", group_by: str | None = "genre",
                 max_documents: int = 2000, random_state: int = 0, max_rows: int = 1000) -> Path:
    """Write the report folder ``out_dir`` (atomically); returns its ``index.html``.

    ``figures_dir`` holds ``MANIFEST.csv`` and the notebooks' figures; ``executed_dir`` the executed notebooks
    (captions and parameters); ``interim_dir`` the prepared documents and paragraphs (the KWIC index).
    ``lang`` labels the documents (``zh``/``en``); ``group_by`` a metadata column for the KWIC filter
    (``None``/``""``: none); ``max_documents``/``random_state`` the size of the KWIC index (module docstring).
    """
    from huayu.pipeline import tables
    from huayu.plot.labels import Labeler, check_lang
    from huayu.report.font import font_css

    figures, out = resolve(figures_dir), resolve(out_dir)
    executed, interim = resolve(executed_dir), resolve(interim_dir)
    lang = check_lang(lang)
    max_documents = check_int("max_documents", max_documents, minimum=1)
    max_rows = check_int("max_rows", max_rows, minimum=1)
    _check_out(out)
    entries, infos = figure_entries(figures, executed)  # ManifestError when MANIFEST.csv is missing
    if not interim.exists():
        raise FileNotFoundError(f"folder {interim} does not exist; prepare the corpus first (`make prepare`)")
    documents_table = tables.read_documents(interim)
    paragraphs = tables.read_paragraphs(interim)
    if group_by in ("", None):
        group_by = None
    elif group_by not in documents_table.columns:
        log.warning("group_by=%r is not a column of the documents table: the KWIC search gets no filter", group_by)
        group_by = None
    labeler = Labeler(lang, documents_table)
    labels = {str(d): labeler.doc(str(d)) for d in documents_table["doc_id"]}

    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (staging / "assets").mkdir(parents=True)
        (staging / MARKER).write_text("A report written by `python -m huayu report`; the command replaces this folder.\n",
                                      encoding="utf-8")
        for name in ("report.css", "report.js"):
            (staging / "assets" / name).write_bytes(resources.files("huayu.report").joinpath("assets", name).read_bytes())
        # figures: copies of their files, sections per notebook
        blocks, nav = [], []
        for notebook in dict.fromkeys(e.notebook for e in entries):
            info = infos[notebook]
            mine = [e for e in entries if e.notebook == notebook]
            nav.append(f'<li><a href="#nb-{_esc(notebook)}">{_esc(info.title or notebook)}</a></li>')
            blocks.append(f'<h3 id="nb-{_esc(notebook)}">{_esc(info.title or notebook)}</h3>')
            if info.intro:
                blocks.append(f'<div class="muted">{_markdown(info.intro)}</div>')
            for e in mine:
                for rel in e.files.values():
                    _copy(figures / rel, staging / "figures" / rel)
                blocks.append(_figure_html(e, info))
        if not entries:
            blocks.append('<p class="note">No figure with a PNG in the manifest.</p>')
        # tables
        table_blocks = []
        for notebook, name, caption in REPORT_TABLES:
            path = figures / notebook / f"{name}.csv"
            if not path.is_file():
                continue
            df = pd.read_csv(path, encoding="utf-8-sig")
            _copy(path, staging / "figures" / notebook / f"{name}.csv")
            tid = f"table-{notebook}-{name}"
            shown = min(len(df), MAX_TABLE_ROWS)
            table_blocks.append(
                f'<h3 id="{_esc(tid)}-h">{_esc(caption)}</h3><p class="muted"><code>{_esc(notebook)}/{_esc(name)}.csv</code> '
                f'· {len(df):,} rows{f", the first {shown:,} shown" if shown < len(df) else ""} · '
                f'<a href="figures/{_esc(notebook)}/{_esc(name)}.csv">CSV</a> · filter '
                f'<input type="search" data-filter-for="{_esc(tid)}" lang="zh-Hans" placeholder="a term"></p>'
                + table_html(df, tid))
            nav.append(f'<li><a href="#{_esc(tid)}-h">{_esc(caption)}</a></li>')
        if not table_blocks:
            table_blocks.append('<p class="note">No keyness or frequency table among the figures.</p>')
        nav.append('<li><a href="#kwic">KWIC search</a></li>')
        # KWIC index
        index = _corpus_index(documents_table, paragraphs, labels=labels, group_by=group_by,
                              max_documents=max_documents, random_state=random_state, max_rows=max_rows)
        corpus_js = "window.HUAYU_CORPUS = " + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + ";\n"
        (staging / "assets" / "corpus.js").write_text(corpus_js, encoding="utf-8")
        group_values = (list(dict.fromkeys(documents_table[group_by].astype("str"))) if group_by else [])
        page = _page(title or "huayu report", _summary(documents_table, entries), "".join(blocks),
                     "".join(table_blocks), _kwic_html(index, group_values), "<ul>" + "".join(nav) + "</ul>")
        (staging / "index.html").write_text(page, encoding="utf-8")
        (staging / "assets" / "font.css").write_text(font_css(page + corpus_js), encoding="utf-8")
        _swap(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("report: %d figures, %d tables, KWIC over %d of %d documents → %s", len(entries), len(table_blocks),
             index["n_included"], index["n_documents"], out / "index.html")
    return out / "index.html"


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` in place of ``out``: the old report is renamed away first, removed last."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    try:
        os.replace(staging, out)
    except OSError:
        if old.exists():
            os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Write a self-contained offline HTML report: the figures with captions and parameters, "
                          "the keyness and frequency tables (sortable), a KWIC search over the corpus. The folder "
                          "opens from the file system (no server, no internet); send it to a co-author or put it "
                          "beside a paper.")
    parser.epilog = ("Example: python -m huayu report --figures figures --out report\n"
                     "         (then open report/index.html). `make report` does this for CORPUS/OUT.")
    parser.add_argument("--figures", required=True, help="the figures folder (with MANIFEST.csv), e.g. figures")
    parser.add_argument("--out", required=True, help="the report folder to write (replaced atomically), e.g. report")
    parser.add_argument("--interim", default="data/interim", help="prepared documents and paragraphs (default data/interim)")
    parser.add_argument("--executed", default="notebooks/executed",
                        help="the executed notebooks, for captions and parameters (default notebooks/executed)")
    parser.add_argument("--title", default=None, help="the report's title (default: huayu report)")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of document labels (default zh)")
    parser.add_argument("--group-by", default="genre",
                        help="metadata column offered as a filter of the KWIC search (default genre; '' for none)")
    parser.add_argument("--max-documents", type=int, default=2000,
                        help="documents in the KWIC index; a larger corpus is sampled (default 2000)")
    parser.add_argument("--random-state", type=int, default=0, help="seed of that sample (default 0)")


def run(args: argparse.Namespace) -> int:
    path = build_report(args.figures, args.out, interim_dir=args.interim, executed_dir=args.executed,
                        title=args.title, lang=args.lang, group_by=args.group_by,
                        max_documents=args.max_documents, random_state=args.random_state)
    print(f"report: {path}")
    return 0
