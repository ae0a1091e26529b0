"""The explorer's widgets: a search box and metadata filters linked to six panels (ipywidgets).

Every callback is a plain method (:meth:`Explorer.update`, :meth:`Explorer.render`,
:meth:`Explorer.show_paragraph`) that reads the widget values and writes widget values (HTML, PNG
images), so tests drive it from Python: set ``explorer.query.value = "发展"`` and read
``explorer.kwic.value`` or ``explorer.tables["frequency"]``. Figures are plain matplotlib figures
(:class:`matplotlib.figure.Figure`, no pyplot state) rendered to PNG into :class:`ipywidgets.Image`.

Only the visible panel is computed when a value changes; the others are marked stale and computed when
their tab is opened (``render_all=True`` computes every panel, as the tests do). Queries are cached, so
changing a filter does not search again.
"""

from __future__ import annotations

import html
import io
import logging
import time
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import pandas as pd

from huayu.errors import ParameterError
from huayu.explore import index as ix

log = logging.getLogger(__name__)

__all__ = ["Explorer", "PANELS"]

#: The panels, in tab order: (key, title).
PANELS: tuple[tuple[str, str], ...] = (
    ("kwic", "KWIC"),
    ("frequency", "Frequency"),
    ("time", "Over time"),
    ("dispersion", "Dispersion"),
    ("collocates", "Collocates"),
    ("keyness", "Keyness"),
)
_MATCH_OPTIONS = (("word", "word"), ("regex", "regex (token)"), ("text", "text (characters)"),
                  ("formula", "formula"))
_CSS = """<style>
.huayu-x table{border-collapse:collapse;font-size:13px}
.huayu-x td,.huayu-x th{padding:2px 6px;border-bottom:1px solid #e3e3e3;vertical-align:top}
.huayu-x th{text-align:left;background:#f5f5f5}
.huayu-x td.l{text-align:right;white-space:nowrap}
.huayu-x td.r{white-space:nowrap}
.huayu-x td.n{text-align:right;font-variant-numeric:tabular-nums}
.huayu-x mark{background:#ffe08a;font-weight:bold}
.huayu-x details{max-width:42em;white-space:normal}
.huayu-x summary{cursor:pointer;color:#2a6ebb}
.huayu-x .note{color:#666}
</style>"""


def _cell(text: str) -> str:
    return html.escape(str(text)).replace("\n", '<span title="paragraph break">¶</span>')


def _table_html(df: pd.DataFrame, columns: Sequence[str], *, digits: int = 3, max_rows: int = 50) -> str:
    rows = df.head(max_rows)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for rec in rows[list(columns)].itertuples(index=False):
        cells = []
        for v in rec:
            if isinstance(v, (float, np.floating)):
                cells.append(f'<td class="n">{v:.{digits}f}</td>' if np.isfinite(v) else '<td class="n">–</td>')
            elif isinstance(v, (int, np.integer, bool, np.bool_)):
                cells.append(f'<td class="n">{v}</td>')
            else:
                cells.append(f"<td>{_cell(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="note">{len(df) - len(rows)} more row(s) not shown.</p>' if len(df) > len(rows) else "")
    return f'<div class="huayu-x"><table><tr>{head}</tr>{"".join(body)}</table>{more}</div>'


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96)
    return buf.getvalue()


class Explorer:
    """The explorer of one corpus: ``explorer.widget`` is the whole interface (displayed by the notebook).

    Parameters
    ----------
    index : the :class:`huayu.explore.index.CorpusIndex` of the corpus (built once).
    lang : ``"zh"`` or ``"en"`` — how documents are labelled (:class:`huayu.plot.labels.Labeler`).
    query, match : the first search (``match`` one of ``word``, ``regex``, ``text``, ``formula``).
    by : the grouping of the frequency and keyness panels (``genre``, ``doc_id``, ``year``, ``province`` …).
    page_size : KWIC rows shown (all rows are in ``tables["kwic"]``).
    """

    def __init__(self, index: ix.CorpusIndex, *, lang: str = "zh", query: str = "", match: str = "word",
                 by: str = "genre", context: int = 20, page_size: int = 100) -> None:
        from huayu.plot import labels, theme

        self.index = index
        self.font = theme.apply_style()
        self.label = labels.Labeler(lang, index.documents_table)
        self.page_size = page_size
        self.hits: ix.Hits | None = None
        self.doc_ids: list[str] = [str(d) for d in index.doc_ids]
        self.tables: dict[str, pd.DataFrame] = {}
        self.timings: dict[str, float] = {}
        self.error = ""
        self._stale: set[str] = set()
        self._cache: dict[tuple[str, str], ix.Hits] = {}

        groupings = ["doc_id", "year", *index.filter_columns()]
        self.query = widgets.Combobox(value=query, options=index.top_terms(300), ensure_option=False,
                                      continuous_update=False, description="Search",
                                      placeholder="word, phrase, regex or formula",
                                      layout=widgets.Layout(width="24em"))
        self.match = widgets.ToggleButtons(options=[(t, k) for k, t in _MATCH_OPTIONS], value=match,
                                           style={"button_width": "8.5em"})
        self.context = widgets.IntSlider(value=context, min=5, max=80, step=5, description="Context",
                                         continuous_update=False)
        self.sort_by = widgets.Dropdown(options=list(ix.KWIC_SORT_KEYS), value="position", description="Sort")
        self.by = widgets.Dropdown(options=groupings, value=by if by in groupings else "doc_id", description="By")
        self.coll_sort = widgets.Dropdown(options=["log_dice", "pmi", "t_score", "log_likelihood", "observed"],
                                          value="log_dice", description="Score")
        self.filters: dict[str, widgets.SelectMultiple] = {}
        for column in index.filter_columns():
            values = list(dict.fromkeys(index.group_values(column).tolist()))
            self.filters[column] = widgets.SelectMultiple(options=values, rows=min(5, max(len(values), 2)),
                                                          description=column, layout=widgets.Layout(width="18em"))
        dated = index.years[index.years >= 0]
        self.years = (widgets.IntRangeSlider(value=(int(dated.min()), int(dated.max())), min=int(dated.min()),
                                             max=int(dated.max()), description="Years", continuous_update=False)
                      if dated.size else None)
        self.undated = widgets.Checkbox(value=True, description="include undated", indent=False)
        self.status = widgets.HTML()
        self.kwic = widgets.HTML()
        self.row = widgets.BoundedIntText(value=1, min=1, max=1, description="Row", layout=widgets.Layout(width="10em"))
        self.paragraph = widgets.HTML()
        self.images = {key: widgets.Image(format="png") for key, _ in PANELS[1:]}
        self.notes = {key: widgets.HTML() for key, _ in PANELS[1:]}
        kwic_box = widgets.VBox([widgets.HBox([self.sort_by, self.context]), self.kwic,
                                 widgets.HBox([self.row, widgets.HTML("full paragraph of a row (or open ¶ in the table)")]),
                                 self.paragraph])
        boxes = [kwic_box] + [widgets.VBox([self.images[k], self.notes[k]]) for k, _ in PANELS[1:]]
        boxes[4] = widgets.VBox([self.coll_sort, self.images["collocates"], self.notes["collocates"]])
        self.tabs = widgets.Tab(children=boxes)
        for i, (_, title) in enumerate(PANELS):
            self.tabs.set_title(i, title)
        filter_items = [*self.filters.values()] + ([self.years] if self.years else []) + [self.undated]
        self.fontface = widgets.HTML(self._font_css(), layout=widgets.Layout(display="none"))
        self.widget = widgets.VBox([
            self.fontface, widgets.HBox([self.query, self.by]), self.match,
            widgets.HBox([widgets.VBox(filter_items, layout=widgets.Layout(min_width="19em")),
                          widgets.VBox([self.status, self.tabs], layout=widgets.Layout(flex="1"))]),
        ])
        self.widget.add_class("huayu-explorer")
        for w in (self.query, self.match, self.undated, *self.filters.values(), *([self.years] if self.years else [])):
            w.observe(self._on_change, names="value")
        for w in (self.context, self.sort_by):
            w.observe(lambda _c: self.render("kwic"), names="value")
        self.by.observe(lambda _c: self._restale({"frequency", "keyness"}), names="value")
        self.coll_sort.observe(lambda _c: self._restale({"collocates"}), names="value")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.row.observe(lambda _c: self.show_paragraph(self.row.value), names="value")
        self.update()

    def _font_css(self) -> str:
        """A ``<style>`` embedding the bundled CJK font, subset to the corpus's characters (cached), so the
        tables and menus show Chinese on a machine without a Chinese system font (as figures do)."""
        from huayu.errors import FontError
        from huayu.report.font import FAMILY, font_css

        meta = self.index.documents_table.drop(columns=["text"], errors="ignore").astype("str")
        chars = set("".join(self.index.texts)) | set("".join(meta.to_numpy().ravel().tolist())) | set("¶·、…")
        chars |= set("".join(self.label.doc(d) for d in self.index.doc_ids))
        try:
            face = font_css("".join(sorted(chars)))
        except (FontError, OSError) as exc:
            log.warning("explorer: no embedded CJK font (%s); the browser's own fonts are used", exc)
            return ""
        stack = f'system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,"{FAMILY}",sans-serif'
        return (f"<style>{face}.huayu-explorer,.huayu-explorer select,.huayu-explorer input,"
                f".huayu-explorer button,.huayu-x{{font-family:{stack}}}</style>")

    # ------------------------------------------------------------------ display
    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    @property
    def panel(self) -> str:
        """The key of the visible panel."""
        return PANELS[self.tabs.selected_index or 0][0]

    # ------------------------------------------------------------------ callbacks
    def _on_change(self, _change=None) -> None:
        self.update()

    def _on_tab(self, _change=None) -> None:
        if self.panel in self._stale:
            self.render(self.panel)

    def _restale(self, panels: set[str]) -> None:
        self._stale |= panels
        for key in panels:  # a stale table is dropped, never shown as if current
            self.tables.pop(key, None)
        if self.panel in self._stale:
            self.render(self.panel)

    def selection(self) -> list[str]:
        """The doc_ids the filters keep (corpus order)."""
        filters = {col: list(w.value) for col, w in self.filters.items()}
        years = self.years.value if self.years is not None else None
        return ix.filter_documents(self.index, filters, years=years, include_undated=self.undated.value)

    def update(self, *, render_all: bool = False) -> None:
        """Search (cached per query), apply the filters, render the visible panel (every panel with ``render_all``)."""
        started = time.perf_counter()
        self.doc_ids = self.selection()
        pattern, match = self.query.value.strip(), self.match.value
        self.error = ""
        if not pattern:
            self.hits = None
            self.status.value = "<i>Type a word, a phrase (words separated by spaces), a regex or a formula and press Enter.</i>"
            self._clear()
            return
        try:
            key = (pattern, match)
            if key not in self._cache:
                self._cache = {key: ix.search(self.index, pattern, match)} if len(self._cache) > 50 else \
                    {**self._cache, key: ix.search(self.index, pattern, match)}
            self.hits = self._cache[key]
        except ParameterError as exc:
            self.hits = None
            self.error = str(exc)
            self.status.value = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
            self._clear()
            return
        self.timings["search"] = time.perf_counter() - started
        self._status()
        self.tables = {}  # every panel's table belongs to the current query and selection only
        self._stale = {k for k, _ in PANELS}
        for key in ([k for k, _ in PANELS] if render_all else [self.panel]):
            self.render(key)

    def _clear(self) -> None:
        self.tables = {}
        self.kwic.value = ""
        self.paragraph.value = ""
        for key in self.images:
            self.images[key].value = b""
            self.notes[key].value = ""
        self._stale = set()

    def _status(self) -> None:
        mask = self.index.doc_mask(self.doc_ids)
        inside = self.hits.in_documents(mask)
        n_docs_hit = np.unique(inside.doc).size
        n_tokens = int(self.index.doc_words[mask].sum())
        per = 1000.0 * len(inside) / n_tokens if n_tokens else 0.0
        msg = (f"<b>{len(inside)}</b> hit(s) of <b>{html.escape(self.hits.pattern)}</b> ({self.hits.match}) in "
               f"{n_docs_hit} of {int(mask.sum())} selected document(s) ({per:.2f} per 1,000 tokens; "
               f"{len(self.hits)} in all {self.index.n_docs})")
        if len(self.hits.types) > 1:
            shown = "、".join(self.hits.types[:12]) + (" …" if len(self.hits.types) > 12 else "")
            msg += f"<br><span class='note'>matched types: {html.escape(shown)}</span>"
        if len(self.hits) == 0:
            near = ix.suggestions(self.index, self.hits.pattern)
            if near:
                msg += (f"<br>tokens that contain it: {html.escape('、'.join(near))} — or use "
                        "<i>text (characters)</i> to find it inside longer words")
        self.status.value = msg

    def render(self, panel: str) -> None:
        """Compute and draw one panel (``kwic``, ``frequency``, ``time``, ``dispersion``, ``collocates``, ``keyness``)."""
        if self.hits is None:
            return
        started = time.perf_counter()
        getattr(self, f"_render_{panel}")()
        self._stale.discard(panel)
        self.timings[panel] = time.perf_counter() - started

    # ------------------------------------------------------------------ panels
    def _inside(self) -> ix.Hits:
        return self.hits.in_documents(self.index.doc_mask(self.doc_ids))

    def _render_kwic(self) -> None:
        table = ix.concordance(self.index, self._inside(), context=self.context.value, sort_by=self.sort_by.value)
        self.tables["kwic"] = table
        self.kwic.value = self.kwic_html(table)
        self.row.max = max(len(table), 1)
        self.show_paragraph(min(self.row.value, self.row.max))

    def kwic_html(self, table: pd.DataFrame) -> str:
        """The first ``page_size`` KWIC rows as HTML: document, left, keyword, right, and a ¶ expander
        holding the full paragraph with the keyword marked."""
        rows = table.head(self.page_size)
        out = [_CSS, '<div class="huayu-x"><table><tr><th>#</th><th>document</th><th></th><th>keyword</th>'
               '<th></th><th>paragraph</th></tr>']
        for i, r in enumerate(rows.itertuples(index=False), start=1):
            out.append(
                f'<tr><td class="n">{i}</td><td>{html.escape(self.label.doc(r.doc_id))}</td>'
                f'<td class="l">{_cell(r.left)}</td><td><mark>{_cell(r.keyword)}</mark></td>'
                f'<td class="r">{_cell(r.right)}</td><td><details><summary>¶ {r.para_id}</summary>'
                f'{self._marked_paragraph(r)}</details></td></tr>')
        out.append("</table>")
        if len(table) > len(rows):
            out.append(f'<p class="note">first {len(rows)} of {len(table)} rows (sort to see others; '
                       f'all rows: explorer.tables["kwic"])</p>')
        if table.empty:
            out.append('<p class="note">no hit in the selected documents</p>')
        out.append("</div>")
        return "".join(out)

    @staticmethod
    def _marked_paragraph(r) -> str:
        text = str(r.paragraph)
        a = int(np.clip(r.char_start - r.para_start, 0, len(text)))
        b = int(np.clip(r.char_end - r.para_start, a, len(text)))
        return f"{html.escape(text[:a])}<mark>{html.escape(text[a:b])}</mark>{html.escape(text[b:])}"

    def show_paragraph(self, row: int) -> str:
        """Show the full paragraph of KWIC row ``row`` (from 1) with its document's metadata; returns the HTML."""
        table = self.tables.get("kwic")
        if table is None or table.empty or not 1 <= row <= len(table):
            self.paragraph.value = ""
            return ""
        r = table.iloc[row - 1]
        meta = self.index.documents_table.set_index("doc_id").loc[r["doc_id"]]
        facts = [f"{c}: {html.escape(str(meta[c]))}" for c in ("date", "genre", "place_zh", "province", "admin_level")
                 if c in meta.index and str(meta[c]) not in ("", "nan")]
        self.paragraph.value = (f'{_CSS}<div class="huayu-x"><p><b>{html.escape(self.label.doc(r["doc_id"]))}</b> · '
                                f'paragraph {int(r["para_id"])} · {" · ".join(facts)}</p>'
                                f'<p lang="zh" style="max-width:46em">{self._marked_paragraph(r)}</p></div>')
        return self.paragraph.value

    def _figure(self, height: float = 2.8, left: float = 1.6):
        """A figure with fixed margins (``left`` inches for the labels): a constrained or tight layout would
        draw it twice, the larger part of a panel's response time."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7.0, height))
        fig.subplots_adjust(left=left / 7.0, right=0.97, bottom=0.5 / height, top=1 - 0.35 / height)
        return fig

    def _render_frequency(self) -> None:
        by = self.by.value
        table = ix.frequency_by(self.index, self.hits, by, self.doc_ids)
        self.tables["frequency"] = table
        shown = table.sort_values(["per_1000", by], ascending=[False, True]).head(30)
        fig = self._figure(max(2.0, 0.22 * len(shown) + 0.8))
        ax = fig.subplots()
        names = [self.label.doc(v) if by == "doc_id" else str(v) for v in shown[by]]
        ax.barh(names[::-1], shown["per_1000"].to_numpy()[::-1], color="#4c72b0")
        ax.set_xlabel("hits per 1,000 tokens")
        ax.set_title(f"{self.hits.pattern} by {by}" + (" (30 highest)" if len(table) > 30 else ""), fontsize=10)
        self.images["frequency"].value = _png(fig)
        self.notes["frequency"].value = _table_html(table.sort_values("per_1000", ascending=False),
                                                    [by, "hits", "n_tokens", "per_1000", "n_docs", "docs_with_hits"])

    def _render_time(self) -> None:
        table = ix.over_time(self.index, self.hits, self.doc_ids)
        self.tables["time"] = table
        dated = table[table["year"] != ix.UNDATED]
        fig = self._figure(2.6, left=0.8)
        ax = fig.subplots()
        if len(dated):
            years = dated["year"].astype(int).to_numpy()
            ax.plot(years, dated["per_1000"], marker="o", color="#4c72b0")
            ax.set_xticks(years if len(years) <= 15 else years[:: max(len(years) // 10, 1)])
        ax.set_xlabel("year")
        ax.set_ylabel("per 1,000 tokens")
        undated = table[table["year"] == ix.UNDATED]
        note = (f" · undated: {int(undated['hits'].iloc[0])} hit(s) in {int(undated['n_docs'].iloc[0])} document(s)"
                if len(undated) else "")
        ax.set_title(f"{self.hits.pattern} over time{note}", fontsize=10)
        self.images["time"].value = _png(fig)
        self.notes["time"].value = _table_html(table, ["year", "hits", "n_tokens", "per_1000", "n_docs"])

    def _render_dispersion(self) -> None:
        try:
            measures, positions = ix.dispersion(self.index, self.hits, self.doc_ids)
        except ParameterError as exc:
            self.images["dispersion"].value = b""
            self.notes["dispersion"].value = html.escape(str(exc))
            return
        self.tables["dispersion"] = measures
        self.tables["positions"] = positions
        docs = [d for d in self.doc_ids if d in set(positions["doc_id"])][:30]
        fig = self._figure(max(1.6, 0.25 * len(docs) + 0.8))
        ax = fig.subplots()
        for i, d in enumerate(docs):
            x = positions.loc[positions["doc_id"] == d, "relative_position"].to_numpy()
            ax.vlines(x, i - 0.35, i + 0.35, color="#4c72b0", linewidth=1)
        ax.set_yticks(range(len(docs)), [self.label.doc(d) for d in docs])
        ax.set_ylim(len(docs) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_xlabel("relative position in the document")
        more = f" (first 30 of {positions['doc_id'].nunique()} documents)" if positions["doc_id"].nunique() > 30 else ""
        ax.set_title(f"{self.hits.pattern}: where it occurs{more}", fontsize=10)
        self.images["dispersion"].value = _png(fig)
        self.notes["dispersion"].value = _table_html(measures, ["pattern", "freq", "per_million", "range",
                                                                "range_pct", "juilland_d", "dp", "dp_norm", "n_parts"])

    def _render_collocates(self) -> None:
        table = ix.collocates(self.index, self.hits, sort_by=self.coll_sort.value, doc_ids=self.doc_ids, n=50)
        self.tables["collocates"] = table
        top = table.head(20)
        fig = self._figure(max(1.6, 0.22 * len(top) + 0.8))
        ax = fig.subplots()
        score = self.coll_sort.value
        ax.barh(top["collocate"].tolist()[::-1], top[score].to_numpy()[::-1], color="#55a868")
        ax.set_xlabel(score)
        ax.set_title(f"collocates of {self.hits.pattern} (±5 tokens, same sentence, min_freq 2)", fontsize=10)
        self.images["collocates"].value = _png(fig)
        self.notes["collocates"].value = (_table_html(table, ["collocate", "observed", "left", "right", "f_collocate",
                                                               "log_dice", "pmi", "t_score", "log_likelihood"])
                                          if len(table) else '<p class="note">no collocate occurs twice</p>')

    def _render_keyness(self) -> None:
        by = self.by.value
        table = ix.keyness_of(self.index, self.hits, by, doc_ids=self.doc_ids)
        self.tables["keyness"] = table
        shown = table.head(30)
        fig = self._figure(max(1.6, 0.22 * len(shown) + 0.8))
        ax = fig.subplots()
        names = [("selection" if k == "selection" else (self.label.doc(g) if by == "doc_id" else g))
                 for k, g in zip(shown["comparison"], shown["group"])]
        colors = ["#c44e52" if s else "#8c8c8c" for s in shown["significant"]]
        ax.barh(names[::-1], shown["g2"].to_numpy()[::-1], color=colors[::-1])
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel("signed G² (red: significant after Bonferroni)")
        ax.set_title(f"keyness of {self.hits.pattern}: each group against the rest", fontsize=10)
        self.images["keyness"].value = _png(fig)
        self.notes["keyness"].value = _table_html(table, ["comparison", "group", "freq_target", "freq_reference",
                                                          "pm_target", "pm_reference", "g2", "log_ratio",
                                                          "p_bonferroni", "significant"])
