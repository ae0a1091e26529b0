"""Figures of the keyword-trends notebook (04): narrative-time trends, trends across dated documents,
lexical dispersion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from huayu.checks import document_ids
from huayu.plot.panels import (MAX_DOCUMENT_PANELS, MAX_LABELS, MAX_PANELS, doc_color, facet_axes, longest,
                               place_handles, shown_note, term_label, top_by, unit_label)

__all__ = ["plot_segment_trends", "plot_document_trends", "plot_dispersion", "plot_period_trends", "plot_unit_rates"]


def plot_segment_trends(ctx, segments: pd.DataFrame, *, ncols: int = 2, name: str = "segment-trends"):
    """One panel per keyword: relative frequency (per 1,000 tokens) in each of the N segments of each
    document, one line per document (narrative time, like Voyant's Trends). At most
    :data:`~huayu.plot.panels.MAX_PANELS` keywords and lines for at most :data:`~huayu.plot.panels.MAX_DOCUMENT_PANELS`
    documents (the longest), as the title says; the saved table holds all."""
    all_keywords = list(pd.unique(segments["keyword"]))
    keywords = all_keywords[:MAX_PANELS]
    all_docs = list(pd.unique(segments["doc_id"]))
    docs = longest(ctx, all_docs, MAX_DOCUMENT_PANELS)
    n_segments = int(segments["segment"].max())
    nrows = -(-len(keywords) // min(ncols, len(keywords)))
    fig, axes = facet_axes(ctx, len(keywords), ncols=ncols, width="double", height=0.9 + 1.9 * nrows)
    for ax, keyword in zip(axes, keywords, strict=False):
        part = segments[segments["keyword"] == keyword]
        for doc_id in docs:
            line = part[part["doc_id"] == doc_id]
            ax.plot(line["segment"], line["per_1000"], marker="o", ms=3, lw=1.2, color=doc_color(ctx, doc_id),
                    label=unit_label(ctx, doc_id))
        ax.set_title(term_label(ctx, keyword))
        ax.set_xticks(range(1, n_segments + 1))
        ax.set_ylim(bottom=0)
    fig.supxlabel(ctx.label.text(zh=f"叙事位置：文本均分为 {n_segments} 份（1 = 开头）",
                                 en=f"Narrative position: the text in {n_segments} equal parts (1 = opening)"),
                  fontsize="medium")
    fig.supylabel(ctx.label.text(zh="每千词频次", en="Per 1,000 tokens"), fontsize="medium")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(len(docs), 5), fontsize="small",
               frameon=False)
    notes = [shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest"),
             shown_note(ctx, len(keywords), len(all_keywords), criterion_zh="前几个", criterion_en="the first",
                        what_zh="个关键词", what_en="keywords")]
    if any(notes):
        fig.suptitle(" ".join(n for n in notes if n), fontsize="small")
    ctx.save(fig, name, table=segments)
    return fig


def plot_document_trends(ctx, by_document: pd.DataFrame, *, name: str = "document-trends"):
    """Relative frequency of each keyword per document, documents in date order (undated ones last,
    after a dashed line; inferred dates marked): one line per keyword."""
    import seaborn as sns

    docs = by_document.drop_duplicates("doc_id").sort_values("order")
    keywords = list(pd.unique(by_document["keyword"]))
    palette = dict(zip(keywords, sns.color_palette("colorblind", n_colors=len(keywords)), strict=False))
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    if len(docs) > MAX_PANELS:
        return _plot_document_trends_dated(ctx, by_document, docs, keywords, palette, markers, name=name)
    fig, ax = ctx.figure(width="double", height=3.4)
    x_of = dict(zip(docs["doc_id"], range(len(docs)), strict=True))
    for i, keyword in enumerate(keywords):
        part = by_document[by_document["keyword"] == keyword].sort_values("order")
        dated = part[part["dated"]]
        ax.plot(dated["doc_id"].map(x_of), dated["per_1000"], color=palette[keyword], lw=1.2,
                marker=markers[i % len(markers)], ms=4, label=term_label(ctx, keyword))
        undated = part[~part["dated"]]
        ax.scatter(undated["doc_id"].map(x_of), undated["per_1000"], color=palette[keyword],
                   marker=markers[i % len(markers)], s=16)
    n_dated = int(docs["dated"].sum())
    if n_dated < len(docs):
        ax.axvline(n_dated - 0.5, color="0.5", ls="--", lw=0.8)
    undated = ctx.label.text(zh="无日期", en="undated")
    inferred = ctx.label.text(zh="（推定）", en=" (inferred)")
    certainty = docs["date_certainty"] if "date_certainty" in docs.columns else pd.Series("", index=docs.index)
    ticks = [f"{unit_label(ctx, d)}\n{(date + (inferred if c == 'inferred' else '')) if dated else undated}"
             for d, date, dated, c in zip(docs["doc_id"], docs["date"], docs["dated"], certainty, strict=True)]
    ax.set_xticks(range(len(docs)), ticks, fontsize="small")
    ax.set_ylabel(ctx.label.text(zh="每千词频次", en="Per 1,000 tokens"))
    ax.set_ylim(bottom=0)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", frameon=False)
    ctx.save(fig, name, table=by_document)
    return fig


#: Above this many dated documents the per-document points are not joined by lines (a line through 10,000
#: documents is a solid block): the lines are then the mean of the documents' rates per period.
MAX_CONNECTED_DOCUMENTS = 200
#: The periods of those means, the finest giving at most :data:`MAX_MEAN_POINTS` points; names zh, en.
PERIOD_NAMES = {"M": ("月", "monthly"), "Q": ("季度", "quarterly"), "Y": ("年", "yearly")}
MAX_MEAN_POINTS = 80


def _mean_period(dates: pd.Series) -> str:
    """The finest of month, quarter, year giving at most :data:`MAX_MEAN_POINTS` periods over ``dates``."""
    known = dates.dropna()
    for period in PERIOD_NAMES:
        if known.dt.to_period(period).nunique() <= MAX_MEAN_POINTS:
            return period
    return "Y"


def _plot_document_trends_dated(ctx, by_document, docs, keywords, palette, markers, *, name):
    """Many documents: a real time axis (one point per dated document at its date); undated documents are
    left out of the figure (the title says how many), not of the table. Of more than
    :data:`MAX_CONNECTED_DOCUMENTS` dated documents the points are faint and unjoined and each keyword's line
    is the mean rate of the documents per month, quarter or year (:func:`_mean_period`; the title says which)."""
    import matplotlib.dates as mdates

    dates = pd.to_datetime(docs["date"].astype(str), errors="coerce", format="mixed")
    when = dict(zip(docs["doc_id"], dates, strict=True))
    fig, ax = ctx.figure(width="double", height=3.4)
    dense = int(dates.notna().sum()) > MAX_CONNECTED_DOCUMENTS
    period = _mean_period(dates) if dense else None
    for i, keyword in enumerate(keywords):
        part = by_document[by_document["keyword"] == keyword]
        part = part.assign(when=part["doc_id"].map(when)).dropna(subset=["when"]).sort_values("when")
        if not dense:
            ax.plot(part["when"], part["per_1000"], color=palette[keyword], lw=0.8, alpha=0.8,
                    marker=markers[i % len(markers)], ms=2.5, label=term_label(ctx, keyword))
            continue
        # too many documents to join: each one a faint point, the line the mean of the documents per period
        ax.scatter(part["when"], part["per_1000"], color=palette[keyword], s=1.5, alpha=0.25, linewidths=0,
                   rasterized=True)
        means = part.groupby(part["when"].dt.to_period(period))["per_1000"].mean()
        ax.plot(means.index.to_timestamp(how="start"), means.to_numpy(), color=palette[keyword], lw=1.4,
                marker=markers[i % len(markers)], ms=2.5, label=term_label(ctx, keyword))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel(ctx.label.text(zh="每千词频次", en="Per 1,000 tokens"))
    ax.set_xlabel(ctx.label.text(zh="日期", en="Date"))
    ax.set_ylim(bottom=0)
    n_undated = int(dates.isna().sum())
    note = ctx.label.text(zh=f"（{len(docs)} 个文本按日期绘出" + (f"，{n_undated} 个无日期的未绘出" if n_undated else "")
                          + (f"；点为各文本，折线为每{PERIOD_NAMES[period][0]}平均" if dense else "") + "；表格含全部）",
                          en=f"({len(docs)} documents at their dates" + (f"; {n_undated} undated not drawn" if n_undated
                                                                         else "")
                          + (f"; points: documents, lines: {PERIOD_NAMES[period][1]} mean" if dense else "")
                          + "; all in the table)")
    ax.set_title(note, fontsize="small")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", frameon=False)
    ctx.save(fig, name, table=by_document)
    return fig


def plot_dispersion(ctx, hits: pd.DataFrame, keywords: list[str], doc_ids: list[str] | str | None = None, *,
                    name: str = "dispersion"):
    """Lexical dispersion: one panel per document, one row per keyword, a tick at every occurrence
    (x = relative position in the document, 0 = opening, 1 = close). ``doc_ids`` ``"all"``, empty or
    ``None`` = every document of the corpus, in corpus order (a document without any hit keeps its empty panel).
    At most :data:`~huayu.plot.panels.MAX_DOCUMENT_PANELS` panels: of more documents, the longest, as the title
    says; the saved table holds every hit."""
    all_docs = document_ids(ctx.documents_table, doc_ids)
    docs = longest(ctx, all_docs, MAX_DOCUMENT_PANELS)
    keywords = list(keywords)
    fig, axes = facet_axes(ctx, len(docs), ncols=1, width="double",
                           height=0.5 + len(docs) * (0.35 + 0.2 * len(keywords)), sharex=True)
    y_of = {k: i for i, k in enumerate(keywords)}
    for ax, doc_id in zip(axes, docs, strict=False):
        part = hits[hits["doc_id"] == doc_id]
        ax.scatter(part["relative_position"], part["keyword"].map(y_of), marker="|", s=120, lw=1.4,
                   color=doc_color(ctx, doc_id))
        ax.set_yticks(np.arange(len(keywords)), [term_label(ctx, k) for k in keywords], fontsize="small")
        ax.set_ylim(len(keywords) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_title(unit_label(ctx, doc_id), loc="left", fontsize="small", color=doc_color(ctx, doc_id))
        ax.grid(axis="x", alpha=0.4)
    axes[len(docs) - 1].set_xlabel(ctx.label.text(zh="在文中的相对位置（0 = 开头，1 = 结尾）",
                                                       en="Relative position in the text (0 = start, 1 = end)"))
    note = shown_note(ctx, len(docs), len(all_docs), criterion_zh="最长的", criterion_en="the longest")
    if note:
        fig.suptitle(note, fontsize="small")
    ctx.save(fig, name, table=hits)
    return fig


def _time_segments(part: pd.DataFrame) -> pd.DataFrame:
    """Rows of one keyword in time order with ``x`` (the middle of the period, in years) and a row of NaN
    wherever a period is missing (no document), so lines and bands break at gaps instead of bridging them."""
    part = part.dropna(subset=["start_year", "end_year"]).sort_values("start_year")
    start = part["start_year"].astype(float).to_numpy()
    end = part["end_year"].astype(float).to_numpy()
    part = part.assign(x=(start + end) / 2)  # the year itself, or the middle year of a period
    gap = np.flatnonzero(start[1:] > end[:-1] + 1)
    if gap.size:
        blank = pd.DataFrame({c: [np.nan] * gap.size for c in ("x", "per_1000", "ci_low", "ci_high")})
        blank["x"] = (end[gap] + start[gap + 1]) / 2
        part = pd.concat([part[["x", "per_1000", "ci_low", "ci_high", "start_year", "end_year"]], blank],
                         ignore_index=True).sort_values("x", kind="mergesort")
    return part


def plot_period_trends(ctx, rates: pd.DataFrame, *, ncols: int = 2, name: str = "period-trends"):
    """Keywords over real time: one panel per keyword (at most :data:`~huayu.plot.panels.MAX_PANELS`), the rate per
    1,000 word tokens of each year or period (a point at the year, or the middle year of a period; horizontal bars
    from its first to its last year)
    and the exact Poisson confidence band (:func:`huayu.analysis.trends.keyword_rates` with ``unit="year"`` or
    ``"period"``). Years without a document break the line; undated documents are not drawn (the caption
    says how many tokens they hold); the saved table holds every row."""
    from matplotlib.ticker import MaxNLocator

    all_keywords = list(pd.unique(rates["keyword"]))
    keywords = all_keywords[:MAX_PANELS]
    ci = rates.attrs.get("ci", 0.95)
    nrows = -(-len(keywords) // min(ncols, len(keywords)))
    fig, axes = facet_axes(ctx, len(keywords), ncols=ncols, width="double", height=0.9 + 1.8 * nrows, sharex=True)
    wide = bool(((rates["end_year"] - rates["start_year"]).fillna(0) > 0).any())
    for i, (ax, keyword) in enumerate(zip(axes, keywords, strict=False)):
        part = _time_segments(rates[rates["keyword"] == keyword])
        color = f"C{i % 10}"
        ax.fill_between(part["x"], part["ci_low"], part["ci_high"], color=color, alpha=0.22, lw=0, step=None)
        ax.plot(part["x"], part["per_1000"], color=color, lw=1.0, marker="o", ms=2.2)
        values = part["per_1000"].to_numpy(dtype=float)
        alone = ~np.isnan(values) & np.isnan(np.r_[np.nan, values[:-1]]) & np.isnan(np.r_[values[1:], np.nan])
        ax.vlines(part["x"][alone], part["ci_low"][alone], part["ci_high"][alone], color=color, lw=0.8,
                  alpha=0.5)  # a year between gaps has no band to draw: its interval as a bar
        if wide:
            drawn = part.dropna(subset=["per_1000"])
            ax.hlines(drawn["per_1000"], drawn["start_year"].astype(float), drawn["end_year"].astype(float),
                      color=color, lw=0.8, alpha=0.7)
        ax.set_title(term_label(ctx, keyword))
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    n_undated = int(rates.loc[rates["start_year"].isna(), "n_tokens"].drop_duplicates().sum()) if len(rates) else 0
    level = f"{ci:.0%}"
    unit_zh = "每个时期" if wide else "每年"
    unit_en = "per period (bars: its years)" if wide else "per year"
    title = ctx.label.text(zh=f"{unit_zh}每千词频次，阴影 = {level} 精确泊松置信区间",
                           en=f"Per 1,000 tokens {unit_en}; band = {level} exact Poisson interval")
    notes = [shown_note(ctx, len(keywords), len(all_keywords), criterion_zh="前几个", criterion_en="the first",
                        what_zh="个关键词", what_en="keywords")]
    if n_undated:
        notes.append(ctx.label.text(zh=f"（无日期文本的 {n_undated} 个词未绘出；表格含全部）",
                                    en=f"({n_undated} tokens of undated documents not drawn; all in the table)"))
    fig.suptitle(" ".join([title, *[n for n in notes if n]]), fontsize="medium")
    fig.supxlabel(ctx.label.text(zh="年份", en="Year"), fontsize="medium")
    fig.supylabel(ctx.label.text(zh="每千词频次", en="Per 1,000 tokens"), fontsize="medium")
    ctx.save(fig, name, table=rates)
    return fig


def plot_unit_rates(ctx, rates: pd.DataFrame, *, name: str = "unit-rates"):
    """Keyword × unit heatmap of the rate per 1,000 word tokens (:func:`huayu.analysis.trends.keyword_rates`), cells
    annotated when there is room. At most :data:`~huayu.plot.panels.MAX_LABELS` units: of more, those with the most
    tokens (kept in their order), as the title says; the saved table holds every unit with its interval."""
    import seaborn as sns

    unit = rates.attrs.get("unit", "unit")
    all_units = list(pd.unique(rates["unit"]))
    sizes = rates.drop_duplicates("unit").set_index("unit")["n_tokens"]
    shown_units = top_by(all_units, sizes.reindex(all_units).to_numpy(), MAX_LABELS)
    keywords = list(pd.unique(rates["keyword"]))[:MAX_LABELS]
    grid = rates.pivot(index="unit", columns="keyword", values="per_1000").reindex(index=shown_units,
                                                                                 columns=keywords)
    n_units = len(shown_units)
    fig, ax = ctx.figure(width="double", height=1.6 + 0.2 * n_units)
    shown = grid.copy()
    shown.index = [unit_label(ctx, u) for u in grid.index]
    shown.columns = [term_label(ctx, k) for k in grid.columns]
    sns.heatmap(shown, ax=ax, cmap="rocket_r", annot=n_units * len(keywords) <= 240, fmt=".1f",
                annot_kws={"fontsize": 6}, linewidths=0.4 if n_units <= 60 else 0, linecolor="white",
                yticklabels=True,
                cbar_kws={"label": ctx.label.text(zh="每千词频次", en="Per 1,000 tokens"), "shrink": 0.8})
    ax.set_xlabel("")
    ax.set_ylabel(unit)
    ax.tick_params(axis="x", rotation=30 if len(keywords) > 4 else 0)
    ax.tick_params(axis="y", rotation=0)
    for tick, u in zip(ax.get_yticklabels(), grid.index, strict=False):
        tick.set_color(doc_color(ctx, u))
    note = shown_note(ctx, n_units, len(all_units), criterion_zh="词数最多的", criterion_en="most tokens",
                      what_zh="个单位", what_en="units")
    title = ctx.label.text(zh=f"按 {unit} 的每千词频次", en=f"Per 1,000 tokens by {unit}")
    ax.set_title(f"{title}\n{note}" if note else title, fontsize="medium")
    ctx.save(fig, name, table=rates)
    return fig
