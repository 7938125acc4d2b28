"""What the sealed checks add to a notebook's grading time, per assignment.

Usage::

    .venv/bin/python benchmarks/bench_sealed.py [--repeat 2] [ASSIGNMENT ...]

Works in a temporary copy of the course. For each assignment the reference solution is
submitted and autograded by nbgrader (in the sandbox) ``--repeat`` times in each mode:

* ``sealed``: the course's configuration (hidden tests cut out, artifacts exported, every
  test cell re-run in the sealed checker, hidden re-training included);
* ``in-kernel``: the same preprocessors without ``SealTests``/``SealedChecks``: the whole
  test cells run in the student's kernel, as before the sealed checks.

The checker server is started once before the timings (as ``python -m grader autograde``
does before its workers fork), so its TensorFlow import is not counted per notebook. Its
re-training cache (``checks.retrain``: an identical recipe is trained once per grading run)
is emptied before each assignment's first sealed grading, timed apart as the *cold* figure
(the first student of a run, or any student whose recipe differs from all before); the
later ones are the *warm* figure (a classmate with the same recipe).
Prints the median seconds per notebook of each mode and the overhead, and writes them to
``docs/sealed_bench.json``, which ``docs/calibration.md`` shows (``make calibrate`` or
``python -m grader.calibration --render-only`` re-renders it).
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import List, Optional

import typer

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "sealed_bench.json"


def run_benchmark(assignments: Sequence[str] = (), repeat: int = 3) -> int:
    """Run the benchmark, print its figures and merge them into :data:`OUT`; see the module docstring.

    Parameters
    ----------
    assignments : sequence of str, default ()
        Assignment ids (empty: every graded one).
    repeat : int, default 3
        Gradings per mode; the first sealed one is the cold figure.

    Returns
    -------
    int
        0.

    Raises
    ------
    SystemExit
        When nbgrader fails to autograde the reference solution (its log's end is printed).
    """
    from traitlets.config import Config

    from grader.calibration.specs import MODULES
    from grader.checker import ensure_server
    from grader.course import course_api, ensure_tools_on_path
    from grader.preprocessors import AUTOGRADE_PREPROCESSORS
    from grader.release import generate_release
    from grader.synthetic import build_submission, write_submission

    ensure_tools_on_path()
    assignments = list(assignments) or list(MODULES)
    unsealed = [p for p in AUTOGRADE_PREPROCESSORS if not p.endswith((".SealTests", ".SealedChecks"))]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-sealed-") as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        shutil.copy(REPO / "nbgrader_config.py", root)
        shutil.copytree(REPO / "source", root / "source")
        generate_release(root=root, assignments=assignments)
        server = ensure_server(8 * 2**30)
        cache = Path(server["folder"]) / "retrain-cache"
        for assignment in assignments:
            shutil.rmtree(cache, ignore_errors=True)  # the first sealed grading is cold
            times: dict[str, list[float]] = {"sealed": [], "in-kernel": []}
            scores: dict[str, list[float]] = {"sealed": [], "in-kernel": []}
            for i in range(repeat):
                for mode in ("sealed", "in-kernel"):
                    student = f"{mode}-{i}"
                    write_submission(root, assignment, student, build_submission(root, assignment, "reference"))
                    config = Config()
                    if mode == "in-kernel":
                        config.Autograde.autograde_preprocessors = unsealed
                    api = course_api(root, config=config)
                    start = time.perf_counter()
                    result = api.autograde(assignment, student, force=True, create=True)
                    times[mode].append(time.perf_counter() - start)
                    if not result.get("success"):
                        print(result.get("log", "")[-2000:], file=sys.stderr)
                        raise SystemExit(f"{assignment}: autograde failed in mode {mode}")
                    scores[mode].append(api.get_submission(assignment, student).get("score"))
            cold, plain = times["sealed"][0], statistics.median(times["in-kernel"])
            sealed = statistics.median(times["sealed"][1:] or times["sealed"])
            rows[assignment] = {"sealed_s": round(sealed, 1), "sealed_cold_s": round(cold, 1),
                                "in_kernel_s": round(plain, 1),
                                "overhead_pct": round(100 * (sealed - plain) / plain, 1),
                                "overhead_cold_pct": round(100 * (cold - plain) / plain, 1),
                                "scores": scores, "runs": repeat}
            print(f"{assignment:28s} sealed {sealed:6.1f} s (cold {cold:6.1f} s)   in-kernel {plain:6.1f} s   "
                  f"overhead {rows[assignment]['overhead_pct']:+5.1f} % (cold "
                  f"{rows[assignment]['overhead_cold_pct']:+5.1f} %)   scores {scores}", flush=True)
    record = {"generated": _dt.datetime.now().isoformat(timespec="seconds"), "assignments": rows}
    old = json.loads(OUT.read_text()) if OUT.exists() else {"assignments": {}}
    old["assignments"].update(rows)
    old["generated"] = record["generated"]
    OUT.write_text(json.dumps(old, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


app = typer.Typer(add_completion=False)


@app.command(help=" ".join(__doc__.split("\n\n")[0].split()))
def bench_sealed_cmd(
    assignments: Optional[List[str]] = typer.Argument(
        None, help="assignment ids (default: every graded one)", show_default=False),
    repeat: int = typer.Option(3, "--repeat", help="gradings per mode (default 3; the first sealed one is the "
                               "cold figure)", show_default=False),
) -> None:
    """Wiring of :func:`run_benchmark`: exits with its code."""
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
        Always: 0, 2 for a usage error, or a message when an autograde failed.
    """
    app(args=argv, prog_name="bench_sealed.py")


if __name__ == "__main__":
    main()
