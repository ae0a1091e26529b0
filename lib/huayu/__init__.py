"""huayu (话语): comparative discourse analysis of Chinese local-government political speeches.

The stages are modules: :mod:`huayu.pipeline.corpus` → :mod:`huayu.pipeline.clean` → :mod:`huayu.pipeline.segment` →
:mod:`huayu.analysis.dfm` → analyses → :mod:`huayu.plot`. See ``lib/README.md`` for the tables they exchange.
"""

__version__ = "0.1.0"


def __getattr__(name):
    """``huayu.explore(...)``: the interactive explorer, imported only when asked for (it needs ipywidgets)."""
    if name == "explore":
        import importlib

        return importlib.import_module("huayu.explore")
    raise AttributeError(f"module 'huayu' has no attribute {name!r}")
