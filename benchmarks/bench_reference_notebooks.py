"""Time each graded assignment's reference solution, executed top to bottom.

Usage::

    .venv/bin/python benchmarks/bench_reference_notebooks.py [--repeat 1] [ASSIGNMENT ...]

Executes every ``source/<assignment>/<notebook>.ipynb`` (solutions and hidden tests
included) with nbclient in a fresh kernel, as nbgrader's autograde would, and prints the
wall time of each run including kernel start-up (the budget is 20 s per notebook on a
2-core machine). Nothing is written back to ``source/``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import List, Optional

import nbformat
import typer
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
BUDGET_S = 20.0


def time_notebook(path: Path, timeout: int = 300) -> float:
    """Execute ``path`` in a fresh ``python3`` kernel and return the wall time in seconds.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell fails (the reference solution must pass its own tests).
    """
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def run_benchmark(assignments: Sequence[str] = (), repeat: int = 1) -> int:
    """Print a table: assignment, runs, median and max seconds, within the budget or not.

    Parameters
    ----------
    assignments : sequence of str, default ()
        Assignment ids (empty: every graded one).
    repeat : int, default 1
        Runs per notebook.

    Returns
    -------
    int
        0 when every run is within :data:`BUDGET_S`, else 1.
    """
    from grader.calibration.specs import all_specs
    from grader.course import ensure_tools_on_path

    ensure_tools_on_path()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    specs = [s for s in all_specs() if not assignments or s.assignment in assignments]
    print(f"{'assignment':28} {'runs':>4} {'median s':>9} {'max s':>7}  budget {BUDGET_S:.0f} s")
    worst = 0.0
    for spec in specs:
        path = REPO / "source" / spec.assignment / f"{spec.notebook}.ipynb"
        times = [time_notebook(path) for _ in range(repeat)]
        worst = max(worst, max(times))
        verdict = "ok" if max(times) <= BUDGET_S else "OVER"
        print(f"{spec.assignment:28} {len(times):>4} {statistics.median(times):>9.1f} {max(times):>7.1f}  {verdict}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (figures are only comparable on an idle machine)")
    return 0 if worst <= BUDGET_S else 1


app = typer.Typer(add_completion=False)


@app.command(help=__doc__.splitlines()[0])
def bench_reference_notebooks_cmd(
    assignments: Optional[List[str]] = typer.Argument(
        None, help="assignment ids (default: every graded one)", show_default=False),
    repeat: int = typer.Option(1, "--repeat", help="runs per notebook (default 1)", show_default=False),
) -> None:
    """Wiring of :func:`run_benchmark`: exits with its code (1: a notebook over the budget)."""
    raise typer.Exit(run_benchmark(assignments or (), repeat))


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
