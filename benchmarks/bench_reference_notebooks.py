"""Time each graded assignment's reference solution, executed top to bottom.

Usage::

    .venv/bin/python benchmarks/bench_reference_notebooks.py [--repeat 1] [ASSIGNMENT ...]

Executes every ``source/<assignment>/<notebook>.ipynb`` (solutions and hidden tests
included) with nbclient in a fresh kernel, as nbgrader's autograde would, and prints the
wall time of each run including kernel start-up (the budget is 20 s per notebook on a
2-core machine). Nothing is written back to ``source/``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import nbformat
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


def main(argv: list[str] | None = None) -> int:
    """Print a table: assignment, runs, median and max seconds, within the budget or not."""
    from grader.calibration.specs import all_specs
    from grader.course import ensure_tools_on_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every graded one)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (default 1)")
    args = parser.parse_args(argv)
    ensure_tools_on_path()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    specs = [s for s in all_specs() if not args.assignments or s.assignment in args.assignments]
    print(f"{'assignment':28} {'runs':>4} {'median s':>9} {'max s':>7}  budget {BUDGET_S:.0f} s")
    worst = 0.0
    for spec in specs:
        path = REPO / "source" / spec.assignment / f"{spec.notebook}.ipynb"
        times = [time_notebook(path) for _ in range(args.repeat)]
        worst = max(worst, max(times))
        verdict = "ok" if max(times) <= BUDGET_S else "OVER"
        print(f"{spec.assignment:28} {len(times):>4} {statistics.median(times):>9.1f} {max(times):>7.1f}  {verdict}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (figures are only comparable on an idle machine)")
    return 0 if worst <= BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
