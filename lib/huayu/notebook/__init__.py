"""What runs the notebooks: the context a notebook works with, its parameters, the runner, provenance."""
