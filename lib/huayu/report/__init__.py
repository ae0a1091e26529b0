"""The offline HTML report (``python -m huayu report``, ``make report``): figures with captions and
parameters, sortable tables and a client-side KWIC search, in one folder that opens from the file system.

:mod:`huayu.report.build` writes it, :mod:`huayu.report.captions` says what made each figure,
:mod:`huayu.report.font` embeds the Chinese font; ``assets/`` holds the stylesheet and the script.
"""

from huayu.report.build import build_report

__all__ = ["build_report"]
