"""The pipeline stages: corpus → clean → tokens (see lib/README.md)."""
