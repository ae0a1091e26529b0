"""Rhetoric features of notebook 07: formulas, slogans, outline, modality, style."""
