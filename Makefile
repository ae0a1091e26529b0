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
# make import: SOURCE (files or folders) into the new corpus folder CORPUS; IMPORT_ARGS e.g. "--set admin_level=national".
# make export: the prepared tables of OUT into EXPORT (default OUT/export, data/export for the bundled corpus).
SOURCE      ?=
IMPORT_ARGS ?=
EXPORT      ?=
# make prepare: extra options of `python -m huayu prepare`, e.g. PREPARE_ARGS="--to-simplified --exclude-flagged".
# They are remembered in INTERIM/.prepare-args, so changing them prepares again.
PREPARE_ARGS ?=
ifeq ($(strip $(OUT)),)
  INTERIM   := data/interim
  PROCESSED := data/processed
  FIGURES   := figures
  EXECUTED  := notebooks/executed
  PREP_OUT  := data
  REPORT    := figures/report
else
  INTERIM   := $(OUT)/interim
  PROCESSED := $(OUT)/processed
  FIGURES   := $(OUT)/figures
  EXECUTED  := $(OUT)/notebooks/executed
  PREP_OUT  := $(OUT)
  REPORT    := $(OUT)/figures/report
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
# The corpus files are prerequisites of `prepare` only when they exist: a metadata.csv that names a missing file
# (or no metadata.csv at all) makes `prepare` run anyway (FORCE), so `huayu prepare` reports every problem itself.
CORPUS_META    := $(wildcard $(CORPUS)/metadata.csv)
CORPUS_NAMED   := $(if $(CORPUS_META),$(shell $(PYTHON_SYS) -c "import csv,os,sys;d=sys.argv[1];print(' '.join(os.path.join(d,r.get('file') or '') for r in csv.DictReader(open(os.path.join(d,'metadata.csv'),encoding='utf-8-sig',errors='replace')) if (r.get('file') or '').strip()))" $(CORPUS) 2>/dev/null))
CORPUS_FILES   := $(CORPUS_META) $(wildcard $(CORPUS_NAMED))
CORPUS_CHECK   := $(if $(CORPUS_META),$(if $(filter-out $(CORPUS_FILES),$(CORPUS_NAMED)),FORCE),FORCE)
# 00-explore is the interactive explorer (`make lab`): it writes no figure, so `make figures` leaves it out
# (tests/explore runs it headless).
INTERACTIVE    := notebooks/00-explore.ipynb
NOTEBOOKS      := $(filter-out $(INTERACTIVE),$(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb)))
NOTEBOOK_NAMES := $(notdir $(basename $(NOTEBOOKS)))
NOTEBOOK_DONE  := $(foreach n,$(NOTEBOOK_NAMES),$(FIGURES)/$(n)/.done)
# What `make` takes as prepared: the marker both layouts of `prepare` write last (tokens.parquet alone is not
# there after `prepare --scheduler`, which writes processed/tokens/part-*.parquet).
PREPARED       := $(PROCESSED)/prepared.json
ARGS_STAMP     := $(INTERIM)/.prepare-args
ifneq ($(strip $(PREPARE_ARGS))$(wildcard $(ARGS_STAMP)),)
  $(shell mkdir -p $(INTERIM) && { printf '%s\n' '$(strip $(PREPARE_ARGS))' | cmp -s - $(ARGS_STAMP) || printf '%s\n' '$(strip $(PREPARE_ARGS))' > $(ARGS_STAMP); })
endif

MAKEFLAGS += -j$(JOBS)
export PYTHONHASHSEED := 0
export MPLBACKEND     := Agg
export HUAYU_CACHE_DIR ?= $(CURDIR)/.cache

.PHONY: help all figures prepare import export report test test-fast bench bench-scale bench-dask lab browser venv lock clean clean-outputs FORCE

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

$(PREPARED): $(STAMP) $(CORPUS_FILES) $(LIB_SOURCES) $(DICTIONARIES) $(CORPUS_CHECK) $(wildcard $(ARGS_STAMP))
	$(PY) -m huayu prepare --corpus $(CORPUS) --out $(PREP_OUT) $(PREPARE_ARGS)

FORCE:
import: $(STAMP) ## Make the corpus folder CORPUS from SOURCE (spreadsheet, CSV, JSON Lines, folder of .txt/.docx/.pdf)
	@test -n "$(strip $(SOURCE))" || { echo "make import needs SOURCE=file-or-folder and CORPUS=new-corpus-folder" >&2; exit 2; }
	@test "$(abspath $(CORPUS))" != "$(abspath data)" || { echo "make import: give CORPUS=a new folder (not data/, the bundled corpus)" >&2; exit 2; }
	$(PY) -m huayu import $(SOURCE) --out $(CORPUS) --replace $(IMPORT_ARGS)

export: $(PREPARED) ## Write the prepared tables for AntConc/Voyant (text), Sketch Engine (vertical), R (Matrix Market) to EXPORT
	$(PY) -m huayu export --interim $(INTERIM) --processed $(PROCESSED) --out $(if $(strip $(EXPORT)),$(EXPORT),$(PREP_OUT)/export)

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

report: $(FIGURES)/MANIFEST.csv ## Write the offline HTML report (figures, sortable tables, KWIC search) to REPORT (default figures/report/)
	$(PY) -m huayu report --figures $(FIGURES) --interim $(INTERIM) --executed $(EXECUTED) --out $(REPORT)

# The browser test of the report (tests/report) drives Debian's chromium with chromium-driver. Installed here
# when missing and we are root (as CI is); otherwise the test is skipped and says why.
browser: ## Install chromium and chromium-driver (Debian packages) for the report's browser test, if missing and root
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium and chromium-driver for the browser test"; \
	    { apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null 2>&1 || \
	      { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null; }; } || \
	    echo "could not install chromium: the browser test will be skipped"; \
	else echo "chromium/chromedriver missing and not root: the browser test will be skipped"; fi

test: $(STAMP) browser ## Run the whole test suite (unit, property-based, notebooks end to end, the report in Chromium)
	$(PY) -m pytest -n $(JOBS) --dist loadfile

test-fast: $(STAMP) browser ## Run the tests that do not execute notebooks
	$(PY) -m pytest -n $(JOBS) --dist loadfile -m "not slow"

bench: $(STAMP) $(PREPARED) ## Run the benchmarks; writes benchmarks/results.json and prints a table
	$(PY) benchmarks/run.py --out benchmarks/results.json

bench-scale: $(STAMP) ## prepare + every notebook on 1,000 and 10,000 synthetic documents (~11,000 chars each) → benchmarks/results.json
	$(PY) benchmarks/bench_scale.py --out benchmarks/results.json

bench-dask: $(STAMP) ## prepare of 10,000 documents locally vs a Dask LocalCluster(2) → benchmarks/results.json
	$(PY) benchmarks/run.py --only dask --out benchmarks/results.json

lab: $(STAMP) $(PREPARED) ## Prepare the corpus if needed, start JupyterLab on localhost (kernel "Python (huayu)"); notebooks/00-explore.ipynb explores it
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

clean-outputs: ## Remove generated data, figures and the report (data/interim, data/processed, figures/ with figures/report/, executed notebooks)
	rm -rf data/interim data/processed notebooks/executed
	find figures -mindepth 1 -maxdepth 1 ! -name README.md ! -name own-corpus -exec rm -rf {} +

clean: clean-outputs ## Also remove .venv and caches
	rm -rf $(VENV) .cache .pytest_cache .hypothesis
