"""Time the course's notebooks as a student runs them: the lesson and each assignment's reference solution.

Usage::

    .venv/bin/python benchmarks/bench_reference_notebooks.py [--repeat 1] [--lesson | --no-lesson] [ASSIGNMENT ...]

For every graded assignment, ``source/<assignment>/<notebook>.ipynb`` is executed with
nbclient in a fresh ``python3`` kernel, cell by cell, twice:

* ``student``: with the hidden tests removed by nbgrader's own ``ClearHiddenTests``: the
  Run All of a student whose answers are the reference solution (the budget,
  :data:`BUDGET_S`, applies to this run);
* ``+hidden``: as the source is, the hidden tests (recipe re-trainings) run in the kernel, as
  plain ``nbgrader autograde`` without the grader's sealed checker would run them.

Each run is split into the kernel's start, the set-up cell (TensorFlow's import), the cells
that train (solution cells and the lesson's code cells that call ``fit``), the test cells and
the rest. ``--lesson`` (default on) also times ``source/00-main-ingredients`` (budget
:data:`LESSON_BUDGET_S`). Last, the floor every notebook pays on this machine is measured in
a fresh Python: the import of TensorFlow + Keras and Keras 3's cost per training step of a
one-weight model. Nothing is written back to ``source/``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Dict, List, Optional

import nbformat
import typer
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
#: Seconds a student's Run All of an assignment notebook may take (issue 11).
BUDGET_S = 20.0
#: Seconds the lesson's Run All may take (issue 11).
LESSON_BUDGET_S = 90.0
LESSON = REPO / "source" / "00-main-ingredients" / "main-ingredients.ipynb"

#: Printed by :data:`FLOOR_PROBE`: import seconds, then milliseconds per step.
FLOOR_PROBE = r"""
import os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
start = time.perf_counter()
from main_ingredients import silence_tensorflow
silence_tensorflow()
import keras, numpy as np
imported = time.perf_counter() - start
x = np.linspace(0, 1, 1000)[:, None]; y = 5 * x[:, 0] + 30
model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, y, epochs=1, verbose=0)  # tracing
start = time.perf_counter()
model.fit(x, y, epochs=25, verbose=0)  # 25 epochs x 32 steps
print(f"FLOOR {imported:.2f} {(time.perf_counter() - start) / 800 * 1000:.2f}")
"""


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of a source notebook without its hidden tests (nbgrader's ``ClearHiddenTests``).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A notebook of ``source/`` (solutions and ``### BEGIN HIDDEN TESTS`` blocks included).

    Returns
    -------
    nbformat.NotebookNode
        The same notebook, hidden blocks removed, solutions kept.
    """
    import copy

    from nbgrader.preprocessors import ClearHiddenTests

    clean, _ = ClearHiddenTests().preprocess(copy.deepcopy(nb), {})
    return clean


def _kind(cell: nbformat.NotebookNode) -> str:
    """The part of a run a code cell belongs to: set-up, training, tests or other."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade_id") == "setup" or "silence_tensorflow()" in cell.source:
        return "set-up (imports)"
    if meta.get("grade"):
        return "test cells"
    if meta.get("solution") or ".fit(" in cell.source:
        return "training cells"
    return "other cells"


def time_notebook(nb: nbformat.NotebookNode, folder: Path, timeout: int = 600) -> Dict[str, float]:
    """Execute ``nb`` cell by cell in a fresh ``python3`` kernel and time each part.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook (executed in place).
    folder : pathlib.Path
        Working directory of the kernel.
    timeout : int, default 600
        Seconds allowed per cell.

    Returns
    -------
    dict
        ``{"kernel start": s, "set-up (imports)": s, "training cells": s, "test cells": s,
        "other cells": s, "total": s}`` (wall seconds; ``total`` runs from the kernel's start to
        the end of the last cell, what a student's Run All waits for: the kernel's shutdown
        afterwards, 2-3 s here, is not counted).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell fails (the reference solution must pass its own tests).
    """
    parts = dict.fromkeys(("kernel start", "set-up (imports)", "training cells", "test cells", "other cells"), 0.0)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    with client.setup_kernel():
        parts["kernel start"] = time.perf_counter() - start
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            began = time.perf_counter()
            client.execute_cell(cell, index)
            parts[_kind(cell)] += time.perf_counter() - began
        parts["total"] = time.perf_counter() - start  # the last cell's end: what a Run All waits for
    return parts


def floor() -> tuple[float, float]:
    """Measure, in a fresh Python, the import of TensorFlow + Keras (s) and Keras' cost per step (ms).

    Returns
    -------
    tuple of float
        ``(import_seconds, milliseconds_per_step)`` of a one-weight ``Dense(1)`` model trained on
        1000 rows in batches of 32 (the course's smallest model: the cost is Keras', not the model's).
    """
    out = subprocess.run([sys.executable, "-c", FLOOR_PROBE], capture_output=True, text=True, check=True,
                         cwd=REPO).stdout
    line = next(l for l in out.splitlines() if l.startswith("FLOOR "))
    imported, per_step = (float(v) for v in line.split()[1:])
    return imported, per_step


def _row(name: str, mode: str, runs: List[Dict[str, float]], budget: Optional[float]) -> str:
    totals = [r["total"] for r in runs]
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    verdict = "" if budget is None else ("ok" if max(totals) <= budget else "OVER")
    return (f"{name:26} {mode:8} {median['total']:7.1f} {max(totals):6.1f} "
            f"{median['kernel start'] + median['set-up (imports)']:9.1f} {median['training cells']:9.1f} "
            f"{median['test cells']:6.1f} {median['other cells']:6.1f}  {verdict}")


def run_benchmark(assignments: Sequence[str] = (), repeat: int = 1, lesson: bool = True) -> int:
    """Print one table (median and max seconds per notebook and mode, where they go) and the floor.

    Parameters
    ----------
    assignments : sequence of str, default ()
        Assignment ids (empty: every graded one).
    repeat : int, default 1
        Runs per notebook and mode.
    lesson : bool, default True
        Also time the lesson (its budget: :data:`LESSON_BUDGET_S`).

    Returns
    -------
    int
        0 when every student run is within its budget, else 1.
    """
    from grader.calibration.specs import all_specs
    from grader.course import ensure_tools_on_path

    ensure_tools_on_path()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    print(f"{'notebook':26} {'mode':8} {'median':>7} {'max':>6} {'start+imp':>9} {'training':>9} "
          f"{'tests':>6} {'other':>6}  budget (student run): lesson {LESSON_BUDGET_S:.0f} s, "
          f"assignments {BUDGET_S:.0f} s", flush=True)
    over = False
    if lesson and not assignments:
        source = nbformat.read(LESSON, as_version=4)
        runs = [time_notebook(nbformat.from_dict(source), LESSON.parent) for _ in range(repeat)]
        over |= max(r["total"] for r in runs) > LESSON_BUDGET_S
        print(_row("00-main-ingredients", "student", runs, LESSON_BUDGET_S), flush=True)
    for spec in all_specs():
        if assignments and spec.assignment not in assignments:
            continue
        path = REPO / "source" / spec.assignment / f"{spec.notebook}.ipynb"
        source = nbformat.read(path, as_version=4)
        runs = [time_notebook(student_copy(source), path.parent) for _ in range(repeat)]
        over |= max(r["total"] for r in runs) > BUDGET_S
        print(_row(spec.assignment, "student", runs, BUDGET_S), flush=True)
        runs = [time_notebook(nbformat.from_dict(source), path.parent) for _ in range(repeat)]
        print(_row(spec.assignment, "+hidden", runs, None), flush=True)
    imported, per_step = floor()
    print(f"floor on this machine: TensorFlow + Keras import {imported:.1f} s; Keras fit {per_step:.2f} ms per "
          "step of a one-weight model (32 steps per epoch on the course's 1000-row data sets)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (figures are only comparable on an idle machine)")
    return 1 if over else 0


app = typer.Typer(add_completion=False)


@app.command(help=__doc__.splitlines()[0])
def bench_reference_notebooks_cmd(
    assignments: Optional[List[str]] = typer.Argument(
        None, help="assignment ids (default: every graded one)", show_default=False),
    repeat: int = typer.Option(1, "--repeat", help="runs per notebook and mode (default 1)", show_default=False),
    lesson: bool = typer.Option(True, "--lesson/--no-lesson", help="also time the lesson (default: on)",
                                show_default=False),
) -> None:
    """Wiring of :func:`run_benchmark`: exits with its code (1: a student run over its budget)."""
    raise typer.Exit(run_benchmark(assignments or (), repeat, lesson))


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: run the benchmark and exit with its status.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (``None``: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        Always: 0, 1 when a notebook is over the budget, 2 for a usage error.
    """
    app(args=argv, prog_name="bench_reference_notebooks.py")


if __name__ == "__main__":
    main()
