"""`python -m huayu export`: what AntConc, Voyant, Sketch Engine and R read, round-tripped."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import scipy.io

from huayu.analysis.dfm import build_dfm
from huayu.errors import ParameterError
from huayu.paths import ROOT
from huayu.pipeline.export import attribute_name, export, xml_escape
from huayu.pipeline.tables import read_documents, read_tokens


@pytest.fixture(scope="module")
def exported(bundled_out, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "export"
    manifest = export(out, interim_dir=bundled_out / "interim", processed_dir=bundled_out / "processed", progress=False)
    return out, manifest, read_documents(bundled_out / "interim"), read_tokens(bundled_out / "processed")


def test_matrix_market_reads_back_as_the_dfm(exported):
    out, manifest, _, tokens = exported
    dfm = build_dfm(tokens, "doc_id", drop_punct=True)
    matrix = scipy.io.mmread(out / "matrix" / "dtm.mtx")
    assert matrix.shape == dfm.shape == (manifest["matrix"]["documents"], manifest["matrix"]["terms"])
    assert np.issubdtype(matrix.dtype, np.integer)
    assert (matrix.tocsr() != dfm.matrix).nnz == 0
    terms = (out / "matrix" / "terms.txt").read_text(encoding="utf-8").splitlines()
    docs = (out / "matrix" / "documents.txt").read_text(encoding="utf-8").splitlines()
    assert terms == list(dfm.terms) and docs == list(dfm.units)
    docvars = pd.read_csv(out / "matrix" / "docvars.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(docvars["doc_id"]) == docs and "text" not in docvars.columns and "place_zh" in docvars.columns
    # one count by hand: how often 发展 occurs in the first document, from the tokens table itself
    first = tokens[(tokens.doc_id == docs[0]) & (tokens.token == "发展")]
    assert matrix.tocsr()[0, terms.index("发展")] == len(first) > 0


def test_vertical_format_is_well_formed_with_documents_paragraphs_and_sentences(exported):
    out, manifest, documents, tokens = exported
    text = (out / "vertical" / "corpus.vert").read_text(encoding="utf-8")
    root = ET.fromstring("<corpus>\n" + text + "</corpus>")      # well-formed XML once wrapped in a root
    docs = root.findall("doc")
    assert [d.get("id") for d in docs] == list(documents["doc_id"])
    assert docs[0].get("place_zh") == documents["place_zh"].iloc[0] and docs[0].get("genre")
    assert len(root.findall("doc/p/s")) == tokens.groupby(["doc_id", "sent_id"]).ngroups
    lines = [line for line in text.splitlines() if not line.startswith("<")]
    assert len(lines) == len(tokens) == manifest["vertical"]["token_lines"]
    assert all(line.count("\t") == 1 for line in lines)
    assert lines[:3] == [f"{t}\t{p}" for t, p in zip(tokens["token"].head(3).map(xml_escape), tokens["pos"].head(3))]


def test_escaping_and_attribute_names():
    assert xml_escape('A&B <"x">\n') == "A&amp;B &lt;&quot;x&quot;&gt; "
    assert attribute_name("Place ZH") == "place_zh" and attribute_name("年份") == "nian_fen" and attribute_name("2nd") == "a_2nd"


def test_segmented_text_per_document_and_the_tokens_table(exported):
    out, _, documents, tokens = exported
    files = sorted(p.name for p in (out / "text").iterdir())
    assert files == sorted(f"{d}.txt" for d in documents["doc_id"])
    doc_id = documents["doc_id"].iloc[1]
    text = (out / "text" / f"{doc_id}.txt").read_text(encoding="utf-8")
    doc_tokens = tokens[tokens.doc_id == doc_id]
    assert text.split() == list(doc_tokens["token"])
    assert len(text.rstrip("\n").split("\n")) == doc_tokens["para_id"].nunique()
    table = pd.read_csv(out / "tokens" / "tokens.csv", encoding="utf-8-sig", keep_default_na=False, dtype={"token": str})
    assert len(table) == len(tokens) and list(table.columns) == list(tokens.columns)
    assert pd.read_parquet(out / "tokens" / "tokens.parquet").equals(tokens)


def _tree(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_replaces_only_an_earlier_export_and_fails_cleanly(bundled_out, tmp_path):
    out = tmp_path / "export"
    export(out, interim_dir=bundled_out / "interim", processed_dir=bundled_out / "processed", formats=["matrix"],
           progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["export_manifest.json", "matrix"]
    before = _tree(out)
    with pytest.raises(FileNotFoundError, match="run `make prepare` first"):
        export(out, interim_dir=tmp_path / "none", processed_dir=tmp_path / "none", progress=False)
    assert _tree(out) == before and not list(tmp_path.glob(".export.*"))
    with pytest.raises(ParameterError, match="--format vrt: unknown; choose from text, vertical, matrix, tokens"):
        export(out, interim_dir=bundled_out / "interim", processed_dir=bundled_out / "processed", formats=["vrt"])
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(ParameterError, match="is not an earlier export"):
        export(foreign, interim_dir=bundled_out / "interim", processed_dir=bundled_out / "processed")


def test_the_command_line(bundled_out, tmp_path):
    result = subprocess.run([sys.executable, "-m", "huayu", "export", "--interim", str(bundled_out / "interim"),
                             "--processed", str(bundled_out / "processed"), "--out", str(tmp_path / "x"),
                             "--format", "text", "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    assert result.returncode == 0, result.stderr
    assert "exported 5 documents" in result.stdout and "AntConc" in result.stdout
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["export_manifest.json", "text"]
