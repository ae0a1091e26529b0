# huayu — comparative discourse analysis of Chinese local-government speeches.
# `make` builds every figure; `make test` runs the test suite. Both create .venv when it is missing.
# Run `make help` for every target.

SHELL := /bin/bash
.DEFAULT_GOAL := figures

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)

# Corpus in, outputs out. Defaults: the bundled corpus (data/metadata.csv + data/raw/),
# cleaned tables in data/interim, tokens in data/processed, figures in figures/.
CORPUS  ?= data
OUT     ?=
PARAMS  ?=
JOBS    ?= 2
ifeq ($(strip $(OUT)),)
  INTERIM   := data/interim
  PROCESSED := data/processed
  FIGURES   := figures
  EXECUTED  := notebooks/executed
  PREP_OUT  := data
else
  INTERIM   := $(OUT)/interim
  PROCESSED := $(OUT)/processed
  FIGURES   := $(OUT)/figures
  EXECUTED  := $(OUT)/notebooks/executed
  PREP_OUT  := $(OUT)
endif

# The parameter file: PARAMS when given; else params/bundled.yaml for the bundled corpus, CORPUS/params.yaml
# when that file exists, else params/default.yaml (rules for every corpus; see its header).
ifeq ($(strip $(PARAMS)),)
  ifeq ($(abspath $(CORPUS)),$(abspath data))
    override PARAMS := params/bundled.yaml
  else ifneq ($(wildcard $(CORPUS)/params.yaml),)
    override PARAMS := $(CORPUS)/params.yaml
  else
    override PARAMS := params/default.yaml
  endif
endif

LIB_SOURCES    := $(shell find lib -name '*.py' 2>/dev/null)
DICTIONARIES   := $(wildcard data/dictionaries/*)
CORPUS_FILES   := $(shell $(PYTHON_SYS) -c "import csv,os,sys;d=sys.argv[1];m=os.path.join(d,'metadata.csv');print(m, ' '.join(os.path.join(d,r['file']) for r in csv.DictReader(open(m,encoding='utf-8-sig')) if r.get('file')) if os.path.exists(m) else '')" $(CORPUS) 2>/dev/null)
NOTEBOOKS      := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb))
NOTEBOOK_NAMES := $(notdir $(basename $(NOTEBOOKS)))
NOTEBOOK_DONE  := $(foreach n,$(NOTEBOOK_NAMES),$(FIGURES)/$(n)/.done)
PREPARED       := $(PROCESSED)/tokens.parquet

MAKEFLAGS += -j$(JOBS)
export PYTHONHASHSEED := 0
export MPLBACKEND     := Agg
export HUAYU_CACHE_DIR ?= $(CURDIR)/.cache

.PHONY: help all figures prepare test test-fast bench bench-dask lab venv lock clean clean-outputs

help: ## List every target with one line each
	@echo "huayu — make targets (variables: CORPUS=dir OUT=dir PARAMS=file.yaml JOBS=n; PARAMS default: see the Makefile)"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN{FS=":.*## "}{printf "  %-14s %s\n", $$1, $$2}'

all: figures ## Same as `make figures`

venv: $(STAMP) ## Create .venv and install the pinned dependencies (requirements.lock)

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -c "import pathlib,sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'],'huayu.pth').write_text(str(pathlib.Path('lib').resolve())+'\n')"
	$(PY) -m ipykernel install --sys-prefix --name huayu --display-name "Python (huayu)" >/dev/null
	@touch $@

lock: ## Re-resolve requirements.in into requirements.lock (needs the package index)
	rm -rf .lock-venv && $(PYTHON_SYS) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Every package of the huayu environment, pinned exactly (pip freeze of requirements.in on CPython 3.11)."; \
	  echo "# Regenerate with: make lock"; .lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lock-venv

prepare: $(PREPARED) ## Load, validate, clean and segment CORPUS (default: data/) into OUT (default: data/interim, data/processed)

$(PREPARED): $(STAMP) $(CORPUS_FILES) $(LIB_SOURCES) $(DICTIONARIES)
	$(PY) -m huayu prepare --corpus $(CORPUS) --out $(PREP_OUT)

figures: $(FIGURES)/MANIFEST.csv ## Prepare the corpus if needed and run every notebook (papermill) into FIGURES

# One runner for all notebooks (JOBS at a time, one plain Jupyter kernel per notebook). It is given the
# notebooks that changed, or all of them when something they share changed (the parameter file, the prepared
# tables, lib/, the dictionaries) or when a notebook's .done is missing; of those it re-executes only the ones
# whose inputs really changed (content fingerprints, see lib/huayu/notebook/runner.py).
SUITE_STAMP  := $(FIGURES)/.notebooks-done
# Which parameter file the figures are made with, rewritten (whenever make reads this file) only when it
# changes: switching PARAMS re-runs the notebooks even when the other file is older than the last run.
PARAMS_IN_USE := $(FIGURES)/.params-in-use
$(shell mkdir -p "$(FIGURES)" && p='$(abspath $(PARAMS))' && { [ "$$(cat "$(PARAMS_IN_USE)" 2>/dev/null)" = "$$p" ] || printf '%s\n' "$$p" > "$(PARAMS_IN_USE)"; })
SHARED_NEWER  = $(filter-out $(NOTEBOOKS) $(NOTEBOOK_DONE),$?)
CHANGED_NBS   = $(filter $(NOTEBOOKS),$?) $(patsubst $(FIGURES)/%/.done,notebooks/%.ipynb,$(filter $(NOTEBOOK_DONE),$?))
NOTEBOOKS_DUE = $(if $(SHARED_NEWER),$(NOTEBOOKS),$(sort $(CHANGED_NBS)))

$(SUITE_STAMP): $(NOTEBOOKS) $(NOTEBOOK_DONE) $(PARAMS) $(PARAMS_IN_USE) $(PREPARED) $(LIB_SOURCES) $(DICTIONARIES)
	$(PY) -m huayu run-notebook $(NOTEBOOKS_DUE) --jobs $(JOBS) --params $(PARAMS) --interim $(INTERIM) \
	    --processed $(PROCESSED) --figures $(FIGURES) --executed $(EXECUTED)
	@touch $@

# A notebook's .done is written by the runner; when it is missing (figures deleted), this empty rule
# counts it as changed, so the runner above gets that notebook again.
$(NOTEBOOK_DONE): ;

$(FIGURES)/MANIFEST.csv: $(SUITE_STAMP)
	$(PY) -m huayu manifest --figures $(FIGURES)

test: $(STAMP) ## Run the whole test suite (unit, property-based, notebooks end to end)
	$(PY) -m pytest -n $(JOBS) --dist loadfile

test-fast: $(STAMP) ## Run the tests that do not execute notebooks
	$(PY) -m pytest -n $(JOBS) --dist loadfile -m "not slow"

bench: $(STAMP) $(PREPARED) ## Run the benchmarks; writes benchmarks/results.json and prints a table
	$(PY) benchmarks/run.py --out benchmarks/results.json

bench-dask: $(STAMP) ## prepare of 10,000 documents locally vs a Dask LocalCluster(2) → benchmarks/results.json
	$(PY) benchmarks/run.py --only dask --out benchmarks/results.json

lab: $(STAMP) ## Start JupyterLab on localhost with the project's kernel ("Python (huayu)")
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

clean-outputs: ## Remove generated data and figures (data/interim, data/processed, figures/, executed notebooks)
	rm -rf data/interim data/processed notebooks/executed
	find figures -mindepth 1 ! -name README.md -exec rm -rf {} +

clean: clean-outputs ## Also remove .venv and caches
	rm -rf $(VENV) .cache .pytest_cache .hypothesis
