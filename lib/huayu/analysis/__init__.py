"""The analyses: each reads the stage tables and returns tables (one module per method)."""
