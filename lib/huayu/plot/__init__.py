"""Figures: fonts, house style, zh/en labels and deterministic saving.

* :mod:`huayu.plot.fonts` — picks an installed CJK font by glyph coverage (Simplified-Chinese faces first).
* :mod:`huayu.plot.theme` — one seaborn theme, one colour per place, PDF/SVG settings for reproducible files.
* :mod:`huayu.plot.labels` — place names and terms in Chinese or English (glossary, then pinyin).
* :mod:`huayu.plot.save` — PNG/PDF/SVG and the CSV table behind each figure, byte-identical across runs.

Notebooks use these through :class:`huayu.notebook.context.NotebookContext`.
"""
