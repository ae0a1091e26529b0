"""notebooks/00-explore.ipynb: the house layout, and it runs headless (papermill, no browser) on a prepared corpus."""

from __future__ import annotations

import pytest

from _notebook_runs import check_parameters_agree_with_default_yaml, check_structure


def test_the_explorer_notebook_is_thin():
    check_structure("00-explore", min_markdown=2, max_statements=2)
    check_parameters_agree_with_default_yaml("00-explore")


@pytest.mark.slow
def test_the_explorer_notebook_runs_headless(tiny_out, tmp_path, repo_root):
    import nbformat
    import papermill

    from huayu.notebook import runner

    out = tmp_path / "00-explore.ipynb"
    papermill.execute_notebook(str(repo_root / "notebooks" / "00-explore.ipynb"), str(out),
                               kernel_name=runner.kernel_name(), cwd=str(repo_root / "notebooks"),
                               parameters={"interim_dir": str(tiny_out / "interim"),
                                           "processed_dir": str(tiny_out / "processed"), "query": "发展"},
                               progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "display_data"
             or o.get("output_type") == "execute_result"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
