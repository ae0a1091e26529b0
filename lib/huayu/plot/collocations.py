"""Collocation figures (notebook 06): the co-occurrence network and a node's collocates.

Each function draws through a :class:`huayu.notebook.context.NotebookContext` (``ctx``), saves the figure with its
table (``ctx.save``) and returns the figure. Labels go through ``ctx.label.term`` (Chinese, or English
from the glossary / pinyin) and are drawn with the figure font, so CJK labels never fall back to a font
without the glyphs.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from huayu.checks import check_choice, check_columns, check_int
from huayu.errors import ParameterError
from huayu.analysis.collocations import MEASURES
from huayu.plot.keyness import term_labels

__all__ = ["plot_network", "plot_collocates", "network_table"]

MEASURE_LABELS = {
    "log_dice": ("logDice", "logDice"),
    "pmi": ("互信息 PMI", "PMI"),
    "t_score": ("t 值", "t-score"),
    "log_likelihood": ("对数似然 G²", "Log-likelihood G²"),
    "observed": ("共现频次", "Co-occurrences"),
}
NODE_COLOR = "#8fb7dd"
EDGE_COLOR = "0.45"


def network_table(graph) -> pd.DataFrame:
    """The edges of a collocation graph as a table: ``source, target, weight, observed``."""
    rows = [(u, v, d.get("weight", np.nan), d.get("observed", 0)) for u, v, d in graph.edges(data=True)]
    return pd.DataFrame(rows, columns=["source", "target", "weight", "observed"])


def plot_network(ctx, graph, *, name: str = "collocation-network", random_state: int = 1, iterations: int = 200):
    """The collocation network: vertex area ∝ word frequency, edge width ∝ association strength.

    The layout is networkx's spring (Fruchterman–Reingold) layout with a fixed ``random_state``, so the figure is
    the same on every run; distances in it are only roughly meaningful — read the edges, not the geometry.
    """
    if graph.number_of_nodes() == 0:
        raise ParameterError("the graph has no vertex: build it with huayu.analysis.collocations.collocation_network")
    random_state = check_int("random_state", random_state, minimum=0)
    nodes = sorted(graph.nodes)
    sub = nx.Graph()
    sub.add_nodes_from((n, graph.nodes[n]) for n in nodes)
    sub.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in graph.edges(data=True)))
    # k: preferred distance between vertices, wider than networkx's 1/√n so that labels do not collide
    pos = nx.spring_layout(sub, seed=random_state, iterations=iterations, weight="weight",
                           k=2.2 / np.sqrt(max(sub.number_of_nodes(), 1)))
    fig, ax = ctx.figure(width="double", height=5.2)
    weights = np.array([d.get("weight", 1.0) for _, _, d in sub.edges(data=True)], dtype=float)
    if weights.size:
        lo, hi = float(weights.min()), float(weights.max())
        widths = 0.6 + 3.0 * ((weights - lo) / (hi - lo) if hi > lo else np.ones_like(weights))
        nx.draw_networkx_edges(sub, pos, ax=ax, width=widths, edge_color=EDGE_COLOR, alpha=0.6)
    freq = np.array([sub.nodes[n].get("freq", 1) for n in sub.nodes], dtype=float)
    sizes = 120 + 1400 * np.sqrt(freq / freq.max())
    nx.draw_networkx_nodes(sub, pos, ax=ax, node_size=sizes, node_color=NODE_COLOR, edgecolors="0.3",
                           linewidths=0.6)
    names = dict(zip(sub.nodes, term_labels(ctx, sub.nodes), strict=True))
    for n in sub.nodes:  # labels drawn as plain text in the figure font (≤ a few dozen vertices)
        x, y = pos[n]
        ax.text(x, y, names[n], ha="center", va="center", fontsize="small")
    ax.set_axis_off()
    ax.margins(0.08)
    measure = graph.graph.get("measure", "log_dice")
    zh, en = MEASURE_LABELS.get(measure, (measure, measure))
    ax.set_title(ctx.label.text(zh=f"搭配网络（边宽 = {zh}，圆面积 = 词频）",
                                en=f"Collocation network (edge width = {en}, circle area = frequency)"),
                 fontsize="medium")
    ctx.save(fig, name, table=network_table(sub))
    return fig


def plot_collocates(ctx, table: pd.DataFrame, *, n: int = 20, measure: str = "log_dice",
                    name: str = "collocates"):
    """Bars of the ``n`` strongest collocates of one node, split into left and right co-occurrences.

    Left panel: the measure; right panel: how many co-occurrences fall left / right of the node (a
    collocate that is always on one side is part of a fixed phrase).
    """
    check_choice("measure", measure, MEASURES)
    n = check_int("n", n, minimum=1, maximum=60)
    check_columns("table", table, ["collocate", measure, "left", "right"])
    if table.empty:
        raise ParameterError("the collocate table is empty; lower min_freq or widen the window")
    top = table.sort_values([measure, "collocate"], ascending=[False, True], kind="mergesort").head(n)
    y = np.arange(len(top))
    fig, (ax, ax2) = ctx.figure(width="double", height=1.0 + 0.2 * len(top), nrows=1, ncols=2, sharey=True,
                                width_ratios=(1.4, 1))
    ax.barh(y, top[measure].to_numpy(dtype=float), color=NODE_COLOR, edgecolor="0.3", linewidth=0.5)
    ax.set_yticks(y, term_labels(ctx, top["collocate"]), fontsize="small")
    ax.invert_yaxis()
    zh, en = MEASURE_LABELS[measure]
    ax.set_xlabel(ctx.label.text(zh=zh, en=en))
    left = top["left"].to_numpy(dtype=float)
    right = top["right"].to_numpy(dtype=float)
    ax2.barh(y, -left, color="0.55", label=ctx.label.text(zh="左侧", en="left of the node"))
    ax2.barh(y, right, color="#d9822b", label=ctx.label.text(zh="右侧", en="right of the node"))
    ax2.axvline(0, color="0.3", lw=0.8)
    ax2.set_xlabel(ctx.label.text(zh="共现次数", en="Co-occurrences"))
    ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))
    ax2.legend(loc="lower right", fontsize="small", frameon=False)
    node = table.attrs.get("node", "")
    if node:
        fig.suptitle(ctx.label.text(zh=f"“{node}”的搭配词", en=f"Collocates of “{ctx.label.term(node)}”"),
                     fontsize="medium")
    ctx.save(fig, name, table=top)
    return fig
