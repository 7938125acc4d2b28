# The two commands of the README: `make demo` and `make test`. Both set everything up on a
# fresh machine with Python 3.11 (a .venv with the pinned dependencies) first.
PYTHON ?= python3.11
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
