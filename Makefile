# KI-Werkbank: two commands on a fresh machine with Python 3.11 -> `make demo`, `make test`.
# Everything installs into .venv; torch is installed FIRST and pinned to the CPU wheel 2.13.0,
# otherwise pip resolves peft/transformers to a multi-GB CUDA build (STACK_NOTES).

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
export HF_HUB_DISABLE_TELEMETRY ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: help install demo demo-smoke test test-fast test-slow test-notebooks test-browser lab bench bench-smoke pii-eval pii-tagger clean strip-notebooks

help:
	@echo "make demo   - set up and run every use case end to end; writes runs/demo/report.html"
	@echo "make test   - set up and run the whole default test suite (incl. notebooks in smoke mode)"
	@echo "make lab    - open JupyterLab on notebooks/"
	@echo "make bench  - run the benchmarks (ratios against baselines measured in the same run)"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install "$(TORCH)"
	$(PY) -m pip install "$(TORCH)" -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name ki-werkbank --display-name "KI-Werkbank (Python 3)"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m workbench demo --output runs/demo

demo-smoke: $(STAMP)
	$(PY) -m workbench demo --smoke --output runs/demo-smoke

# One torch thread per test worker: two workers with two threads each oversubscribe 2 cores
# and make tiny matmuls ~100x slower.
test: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadfile tests
	WORKBENCH_SMOKE=1 $(PY) -m pytest --nbval-lax --nbval-current-env notebooks workshop/solutions

test-fast: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadfile tests

test-notebooks: $(STAMP)
	WORKBENCH_SMOKE=1 $(PY) -m pytest --nbval-lax --nbval-current-env notebooks workshop/solutions

test-slow: $(STAMP)
	$(PY) -m pytest -m slow tests

# JupyterHub and headless-Chromium tests (what .ci/run does after `make test`). Hard time limits
# (SIGINT first, so pytest stops the servers it started); a missing dependency fails, not skips.
test-browser: $(STAMP)
	PY=$(PY) bash .ci/install_system_deps.sh
	WORKBENCH_REQUIRE_SYSTEM_DEPS=1 OMP_NUM_THREADS=1 timeout --signal=INT --kill-after=30 600 $(PY) -m pytest -m hub tests/deploy
	WORKBENCH_REQUIRE_SYSTEM_DEPS=1 OMP_NUM_THREADS=1 timeout --signal=INT --kill-after=30 900 $(PY) -m pytest -m browser tests/browser tests/workshop/test_workshop_browser.py

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)
	$(PY) -m benchmarks

bench-smoke: $(STAMP)
	$(PY) -m benchmarks --smoke

pii-eval: $(STAMP)
	$(PY) -m workbench.governance.pii_eval

# Reproduce the shipped learned PII tagger (needs ../shared/data/german_gazetteers and faker).
pii-tagger: $(STAMP)
	$(PY) -m workbench.governance.pii_tagger_train

strip-notebooks: $(STAMP)
	$(VENV)/bin/nbstripout --drop-empty-cells --extra-keys "metadata.widgets cell.metadata.execution" notebooks/*.ipynb workshop/*/*.ipynb

clean:
	rm -rf runs .pytest_cache
