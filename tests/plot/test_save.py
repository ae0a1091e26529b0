"""Saving figures and tables: formats, validation, byte-identical output across runs and processes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import huayu.notebook.context  # noqa: F401 — house style
from huayu.plot import save


DRAW = """
import sys
import matplotlib
matplotlib.use("Agg")
import pandas as pd
from huayu.notebook.context import NotebookContext
ctx = NotebookContext("99-determinism", figures_dir=sys.argv[1], lang="en", formats=["png", "pdf", "svg"], dpi=120)
fig, ax = ctx.figure("double", 2)
ax.bar(["高质量发展", "乡村振兴", "营商环境"], [3, 1.5, 2], color=["#0072B2", "#D55E00", "#009E73"])
ax.set_title(ctx.label.term("高质量发展"))
ax.set_ylabel(ctx.label.text(zh="每千词", en="per 1,000 tokens"))
ctx.save(fig, "bars", table=pd.DataFrame({"term": ["高质量发展"], "value": [0.1 + 0.2]}))
"""


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 3, 2], label="长安区")
    ax.set_title("两个维护 −1")
    ax.legend()
    return fig


def test_save_figure_writes_each_format_and_the_table(tmp_path):
    fig = _figure()
    table = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="doc_id"))
    paths = save.save_figure(fig, tmp_path / "nb", "line-plot", formats=["png", "pdf", "svg"], dpi=100, table=table)
    plt.close(fig)
    assert [p.name for p in paths] == ["line-plot.png", "line-plot.pdf", "line-plot.svg", "line-plot.csv"]
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == sorted(p.name for p in paths)  # no temp files
    assert (tmp_path / "nb" / "line-plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = (tmp_path / "nb" / "line-plot.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf and b"/Type3" not in pdf
    svg = (tmp_path / "nb" / "line-plot.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    csv = pd.read_csv(tmp_path / "nb" / "line-plot.csv", encoding="utf-8-sig")
    assert list(csv.columns) == ["doc_id", "x"] and csv["doc_id"].tolist() == ["a", "b"]


def test_saving_twice_is_byte_identical(tmp_path):
    for run in ("a", "b"):
        fig = _figure()
        save.save_figure(fig, tmp_path / run, "fig", formats=["png", "pdf", "svg"], dpi=100)
        plt.close(fig)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_two_processes_with_different_hash_seeds_write_identical_files(tmp_path):
    for run, seed in (("a", "1"), ("b", "2")):
        env = dict(os.environ, PYTHONHASHSEED=seed, MPLBACKEND="Agg")
        subprocess.run([sys.executable, "-c", DRAW, str(tmp_path / run)], check=True, env=env, cwd=tmp_path,
                       timeout=120)
    a, b = _digests(tmp_path / "a" / "99-determinism"), _digests(tmp_path / "b" / "99-determinism")
    assert sorted(a) == [".terms.json", "bars.csv", "bars.pdf", "bars.png", "bars.svg"]
    assert a == b


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"formats": ["png", "jpeg"]}, "'jpeg' is not a supported figure format; valid values: 'png', 'pdf', 'svg'"),
    ({"formats": []}, "give at least one of"),
    ({"dpi": 10}, "dpi=10"),
    ({"dpi": True}, "dpi=True"),
])
def test_bad_save_arguments_are_clear_errors(tmp_path, kwargs, message):
    fig = _figure()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        save.save_figure(fig, tmp_path, "fig", **kwargs)
    plt.close(fig)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["Keyness Bars", "../escape", "", "a/b", "图"])
def test_bad_names_are_rejected(tmp_path, name):
    with pytest.raises(ValueError, match="kebab-case"):
        save.save_table(pd.DataFrame({"a": [1]}), tmp_path, name)


def test_context_writes_into_the_notebook_folder(tmp_path):
    ctx = huayu.notebook.context.NotebookContext("05-keyness", figures_dir=tmp_path, formats=["png"], dpi=72)
    fig, ax = ctx.figure(width="single")
    assert tuple(fig.get_size_inches()) == pytest.approx((3.5, 3.5 * 0.75))
    ctx.save(fig, "keyness-bars", table=pd.DataFrame({"a": [1]}))
    ctx.save_table(pd.DataFrame({"b": [2]}), "keyness")
    plt.close(fig)
    out = tmp_path / "05-keyness"
    assert sorted(p.name for p in out.iterdir()) == ["keyness-bars.csv", "keyness-bars.png", "keyness.csv"]
    assert ctx.written == [out / "keyness-bars.png", out / "keyness-bars.csv", out / "keyness.csv"]


def test_context_validates_its_arguments(repo_root, tmp_path):
    NotebookContext = huayu.notebook.context.NotebookContext
    with pytest.raises(ValueError, match="lang='de'"):
        NotebookContext("01-x", figures_dir=tmp_path, lang="de")
    with pytest.raises(ValueError, match="'gif' is not a supported figure format"):
        NotebookContext("01-x", figures_dir=tmp_path, formats=["gif"])
    with pytest.raises(ValueError, match="notebook="):
        NotebookContext("../01-x", figures_dir=tmp_path)
    ctx = NotebookContext("01-x", figures_dir=tmp_path)
    with pytest.raises(ValueError, match="width='triple'.*'double', 'single'"):
        ctx.figure(width="triple")
    # relative folders resolve from the repository root, whatever the working directory
    assert NotebookContext("01-x", interim_dir="data/interim").interim_dir == repo_root / "data" / "interim"


def test_documents_selection(tmp_path):
    ctx = huayu.notebook.context.NotebookContext("01-x", figures_dir=tmp_path)
    ctx._tables["documents"] = pd.DataFrame({"doc_id": ["b_doc", "a_doc", "c_doc"],
                                             "place_zh": ["乙", "甲", "unknown"], "place_en": ["B", "A", "unknown"]})
    assert ctx.document_ids("all") == ["b_doc", "a_doc", "c_doc"]
    assert ctx.document_ids(["c_doc", "b_doc"]) == ["b_doc", "c_doc"]  # corpus order
    with pytest.raises(ValueError, match="unknown doc_id\\(s\\) 'zzz'; valid values: 'b_doc', 'a_doc', 'c_doc'"):
        ctx.document_ids(["zzz"])
    # [], "" and None mean "no filter", as everywhere in lib
    assert ctx.document_ids([]) == ctx.document_ids("") == ctx.document_ids(None) == ["b_doc", "a_doc", "c_doc"]
    colors = ctx.doc_colors
    assert colors["b_doc"] != colors["a_doc"] and colors["c_doc"].startswith("#7F")


def _faceted_figure():
    """A constrained-layout figure with several panels, CJK tick labels and a figure-level label."""
    ctx = huayu.notebook.context.NotebookContext("99-layout", figures_dir="/nonexistent-not-written", formats=["png"], dpi=100)
    fig, axes = ctx.figure(width="double", height=3, nrows=2, ncols=2)
    for i, ax in enumerate(axes.ravel()):
        ax.barh([0, 1, 2], [3 + i, 1.5, 2], color="#0072B2")
        ax.set_yticks([0, 1, 2], ["高质量发展", "乡村振兴", "营商环境"])
        ax.set_title(f"面板 {i + 1}")
    fig.supxlabel("每千词频次")
    return fig


def test_saved_png_has_the_pixels_savefig_draws(tmp_path):
    """save_figure lays the figure out once and draws each format once; the PNG is savefig's, pixel for pixel."""
    import numpy as np
    from PIL import Image

    fig = _faceted_figure()
    save.save_figure(fig, tmp_path, "once", formats=["png", "pdf"], dpi=150)
    plt.close(fig)
    fig = _faceted_figure()
    fig.savefig(tmp_path / "reference.png", dpi=150, metadata=save.METADATA["png"])
    plt.close(fig)
    ours = Image.open(tmp_path / "once.png")
    reference = Image.open(tmp_path / "reference.png")
    assert ours.mode == "RGB" and reference.mode == "RGBA"  # opaque figure: no alpha channel written
    assert ours.info["dpi"] == pytest.approx(reference.info["dpi"])
    assert np.asarray(reference)[..., 3].min() == 255
    assert np.array_equal(np.asarray(ours), np.asarray(reference)[..., :3])


def test_a_figure_with_transparency_keeps_its_alpha_channel(tmp_path):
    import numpy as np
    from PIL import Image

    fig = _faceted_figure()
    fig.patch.set_alpha(0.0)
    save.save_figure(fig, tmp_path, "clear", formats=["png"], dpi=60)
    fig.savefig(tmp_path / "reference.png", dpi=60, metadata=save.METADATA["png"])
    plt.close(fig)
    ours, reference = Image.open(tmp_path / "clear.png"), Image.open(tmp_path / "reference.png")
    assert ours.mode == "RGBA"
    assert np.array_equal(np.asarray(ours), np.asarray(reference))


def test_saving_keeps_the_layout_engine(tmp_path):
    fig = _faceted_figure()
    engine = fig.get_layout_engine()
    save.save_figure(fig, tmp_path, "fig", formats=["png", "pdf"], dpi=72)
    assert fig.get_layout_engine() is engine  # shown later (JupyterLab), the figure lays itself out again
    plt.close(fig)


def test_context_exempts_imported_objects_from_collection_but_not_later_ones(tmp_path):
    import gc
    import weakref

    huayu.notebook.context.NotebookContext("05-keyness", figures_dir=tmp_path)
    assert huayu.notebook.context._imports_frozen and gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    huayu.notebook.context.NotebookContext("06-kwic", figures_dir=tmp_path)
    assert gc.get_freeze_count() == frozen  # once per process

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a reference cycle made after the freeze: still collected
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


def test_no_saved_text_is_below_6_pt(tmp_path):
    import matplotlib.pyplot as plt

    from huayu.plot.save import save_figure
    from huayu.plot.theme import MIN_FONT_PT, enforce_min_font, text_artists

    fig, ax = plt.subplots(figsize=(3.5, 2.5))
    ax.set_title("title", fontsize="xx-small")
    ax.annotate("note", (0.5, 0.5), fontsize=4)
    ax.tick_params(labelsize=3)
    ax.legend(handles=ax.plot([0, 1], label="line"), fontsize="xx-small")
    assert min(t.get_fontsize() for t in text_artists(fig)) < MIN_FONT_PT
    save_figure(fig, tmp_path, "small", formats=["png"], dpi=50)
    sizes = [t.get_fontsize() for t in text_artists(fig)]
    assert min(sizes) == MIN_FONT_PT and any(s > MIN_FONT_PT for s in [ax.xaxis.label.get_fontsize()])
    assert all(t.get_fontsize() >= MIN_FONT_PT for t in ax.get_xticklabels() + ax.get_yticklabels())
    assert enforce_min_font(fig) == 0  # nothing left to raise
    plt.close(fig)
