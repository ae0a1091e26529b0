"""One name per concept across the public API, the notebooks' parameters and params/.

The vocabulary (lib/README.md, "One vocabulary"):

* ``doc_ids`` — a filter: the doc_ids to include (``None``, ``[]``, ``""`` or ``"all"`` = every document);
* ``doc_id`` — the id of exactly one document (never a list);
* ``documents_table`` — the documents table (``interim/documents.parquet`` or a frame with its columns);
* ``min_freq`` — a minimum frequency; ``random_state`` — the seed of a randomised method;
* ``by`` — a grouping column (``doc_id`` or a metadata column), never a ranking measure (that is ``sort_by``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import huayu
from huayu.notebook.params import declared_parameters, read_parameter_file

#: banned name → the name to use instead
SYNONYMS = {
    "documents": "doc_ids (a filter) or documents_table (the table)",
    "docs": "doc_ids",
    "document_ids": "doc_ids",
    "min_count": "min_freq",
    "min_frequency": "min_freq",
    "seed": "random_state",
    "groupby": "by",
    "group_col": "by",
    "rank_by": "sort_by",
    "order_by": "sort_by",
}
#: ranking measures: never the value of ``by``
MEASURES = {"g2", "chi2", "log_ratio", "pct_diff", "pmi", "t_score", "log_dice", "count", "normalized", "surface"}


def _public_callables():
    for info in pkgutil.walk_packages(huayu.__path__, "huayu."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{info.name}.{name}", obj
            elif inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and (not attr.startswith("_") or attr == "__init__"):
                        yield f"{info.name}.{name}.{attr}", member


PUBLIC = sorted(_public_callables(), key=lambda item: item[0])


def test_the_walk_sees_the_analyses():
    names = {name for name, _ in PUBLIC}
    assert "huayu.analysis.keyness.keyness" in names and "huayu.analysis.dfm.document_dfm" in names
    assert len(PUBLIC) > 150


@pytest.mark.parametrize(("name", "func"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_signatures_use_one_name_per_concept(name, func):
    params = inspect.signature(func).parameters
    banned = {p: SYNONYMS[p] for p in params if p in SYNONYMS}
    assert not banned, f"{name}: rename {banned}"
    if "by" in params:
        default = params["by"].default
        assert default not in MEASURES, f"{name}: by={default!r} is a ranking measure; call it sort_by"
    if "doc_id" in params:
        annotation = str(params["doc_id"].annotation)
        assert "list" not in annotation and "Iterable" not in annotation and "Sequence" not in annotation, (
            f"{name}: doc_id is one document; a filter of several is doc_ids")


def _notebook_parameters():
    from huayu.paths import ROOT

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        yield path.stem, declared_parameters(path)


def test_notebook_parameters_and_params_files_use_the_vocabulary():
    from huayu.paths import ROOT

    for notebook, params in _notebook_parameters():
        banned = {p: SYNONYMS[p] for p in params if p in SYNONYMS}
        assert not banned, f"{notebook}: parameter(s) {banned}"
        assert not any(p.startswith("min_count") for p in params), f"{notebook}: min_count… is min_freq…"
    for path in sorted((ROOT / "params").glob("*.yaml")):
        shared, sections = read_parameter_file(path)
        keys = set(shared) | {k for section in sections.values() for k in section}
        banned = {k: SYNONYMS[k] for k in keys if k in SYNONYMS}
        assert not banned, f"{path.name}: key(s) {banned}"


def test_none_like_values_mean_no_filter():
    import pandas as pd

    from huayu.checks import document_ids

    table = pd.DataFrame({"doc_id": ["b", "a"]})
    for none_like in (None, [], "", "all", "  "):
        assert document_ids(table, none_like) == ["b", "a"], none_like
