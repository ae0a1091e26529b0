"""huayu (话语): comparative discourse analysis of Chinese local-government political speeches.

The stages are modules: :mod:`huayu.pipeline.corpus` → :mod:`huayu.pipeline.clean` → :mod:`huayu.pipeline.segment` →
:mod:`huayu.analysis.dfm` → analyses → :mod:`huayu.plot`. See ``lib/README.md`` for the tables they exchange.
"""

__version__ = "0.1.0"
