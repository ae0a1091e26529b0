"""Figures of the rhetoric notebook (07), one module per analysis of :mod:`huayu.analysis.rhetoric`."""
