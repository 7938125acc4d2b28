# The two commands of the README: `make demo` and `make test`. Both set everything up on a
# fresh machine (a .venv with the pinned dependencies) first, with the first Python 3.11-3.13
# found (TensorFlow 2.21 has wheels for 3.10-3.13; the course needs 3.11): `make PYTHON=...` to choose.
# (Found here, before PATH gets the venv's bin below, and never inside .venv: a TA may have
# .venv/bin first on PATH.)
SUPPORTED_PYTHON := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifndef PYTHON
PYTHON := $(shell PATH=$$(printf '%s' "$$PATH" | tr ':' '\n' | grep -vxF -e '$(CURDIR)/.venv/bin' -e .venv/bin | paste -sd: -); \
	for p in python3.11 python3.12 python3.13 python3; do \
	c=$$(command -v $$p) || continue; if $$c -c '$(SUPPORTED_PYTHON)' 2>/dev/null; then echo $$c; break; fi; done)
endif
PYTHON3_FOUND := $(shell command -v python3 >/dev/null 2>&1 && python3 --version 2>&1 || echo absent)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3
export KERAS_BACKEND := tensorflow
export MPLBACKEND := Agg
# nbgrader runs helpers (alembic) by name: the venv's bin must be on PATH
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install demo test test-fast release lesson lab calibrate bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
	  echo "make: no Python 3.11, 3.12 or 3.13 on PATH (python3: $(PYTHON3_FOUND))."; \
	elif ! "$(PYTHON)" -c '$(SUPPORTED_PYTHON)' 2>/dev/null; then \
	  echo "make: PYTHON=$(PYTHON) is not Python 3.11, 3.12 or 3.13 ($$("$(PYTHON)" --version 2>&1 || echo not found))."; \
	fi
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c '$(SUPPORTED_PYTHON)' 2>/dev/null; then \
	  echo "  Get one - Debian/Ubuntu: sudo apt install python3.11 python3.11-venv; macOS: brew install python@3.12;"; \
	  echo "  any system: pyenv install 3.12 (or python.org) - then: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)"; \
	  exit 1; \
	fi
	@echo "make: building $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

## Regenerate release/ from source/ (nbgrader generate_assignment for every assignment).
release: install
	$(BIN)/python -m grader.release

## The students' JupyterLab: the student profile (no formgrader, Create Assignment or Assignment List).
lab: install
	JUPYTER_CONFIG_DIR=$(CURDIR)/jupyter-student $(BIN)/jupyter lab

## Execute the lesson notebook top to bottom (outputs go to build/, not source/).
lesson: install
	$(BIN)/python -m main_ingredients.run_lesson

## The main job, end to end: release, a sample cohort autograded and collected, then the lesson.
demo: install
	$(BIN)/python -m grader demo
	$(BIN)/python -m main_ingredients.run_lesson

## Re-measure the hidden tests' thresholds (reference under 20 seeds, every mutant and style under 5): docs/calibration.md
calibrate: install
	$(BIN)/python -m grader.calibration --seeds 20 --mutant-seeds 5

## Throughput on one 40-notebook cohort: the nbconvert floor, -j1 without/with the sandbox and the
## sealed checks, --workers 2, a Dask LocalCluster; where one notebook's seconds go; the targets.
## (A quick look: make bench BENCH_ARGS="--notebooks 4 --modes floor,serial-bare")
bench: install
	$(BIN)/python benchmarks/bench_throughput.py $(BENCH_ARGS)

## The whole test suite.
test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## Only the tests that start no kernel and train no model.
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

## Remove build artefacts only: never submissions, grades (gradebook.db) or reports.
clean:
	rm -rf $(VENV) build .pytest_cache
