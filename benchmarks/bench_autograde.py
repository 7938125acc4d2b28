"""Time ``python -m grader autograde`` on the demo cohort against plain ``jupyter nbconvert --execute``.

Usage::

    .venv/bin/python benchmarks/bench_autograde.py [--timeout 30] [--modes sandbox,no-sandbox]

Works in a temporary copy of the course (the real ``gradebook.db`` and ``submitted/`` are not
touched): regenerates ``release/``, builds the demo cohort (``grader.demo``), autogrades it
in the sandbox and with ``--no-sandbox`` (each on a fresh gradebook), then executes the same
submitted notebooks one by one with ``jupyter nbconvert --to notebook --execute --allow-errors``
(the floor: kernel start-up plus the student's code, without nbgrader's sanitising, hidden
tests, sandbox and gradebook writes). Prints seconds per notebook for each, side by side, and
what the sandbox adds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import typer

REPO = Path(__file__).resolve().parent.parent


def copy_course(dest: Path) -> Path:
    """Copy what grading needs (config, source/, release/) to ``dest``."""
    dest.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", dest)
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def time_autograde(root: Path, assignments, students, timeout: int, sandbox: bool) -> tuple[float, list[float], int]:
    """Autograde the cohort on a fresh gradebook; return (total seconds, each notebook's seconds, failures)."""
    from grader.autograde import autograde

    for leftover in ("gradebook.db", "autograded"):
        path = root / leftover
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    start = time.perf_counter()
    results = autograde(root, assignments, students, timeout=timeout, sandbox=sandbox, workers=1)
    total = time.perf_counter() - start
    per = [r.seconds for r in results if r.status != "missing"]
    failed = sum(r.status == "failed" for r in results)
    return total, per, failed


def time_nbconvert(notebooks: list[Path], timeout: int, out: Path) -> tuple[float, list[float]]:
    """Execute each notebook with ``jupyter nbconvert --execute``; return (total seconds, each one's seconds)."""
    per = []
    start = time.perf_counter()
    for nb in notebooks:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
             f"--ExecutePreprocessor.timeout={timeout}", "--ExecutePreprocessor.interrupt_on_timeout=True",
             "--output-dir", str(out / nb.parent.parent.name),
             "--log-level", "ERROR", str(nb)],
            check=False, cwd=nb.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        per.append(time.perf_counter() - t)
    return time.perf_counter() - start, per


#: The autograde modes, in the default order.
MODES = ("sandbox", "no-sandbox")


def parse_modes(text: str) -> list[str]:
    """The modes of a comma-separated list, in its order.

    Parameters
    ----------
    text : str
        E.g. ``"sandbox,no-sandbox"``.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a name that is not in :data:`MODES`.
    """
    modes = [m.strip() for m in text.split(",") if m.strip()]
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: expected sandbox or no-sandbox")
    return modes


def run_benchmark(timeout: int = 30, modes: Sequence[str] = MODES) -> int:
    """Time the demo cohort's autograde in each mode, then the nbconvert floor, and print the table.

    Parameters
    ----------
    timeout : int, default 30
        Cell timeout in seconds, as in ``python -m grader demo``.
    modes : sequence of str, default :data:`MODES`
        Autograde modes, timed in this order.

    Returns
    -------
    int
        0.

    Raises
    ------
    ValueError
        For a mode not in :data:`MODES`.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode {unknown[0]!r}: expected sandbox or no-sandbox")

    from grader.autograde import ensure_tools_on_path
    from grader.demo import DEMO_ASSIGNMENTS, DEMO_STUDENTS, build_demo_cohort, prepare_demo

    ensure_tools_on_path()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        root = copy_course(Path(tmp) / "course")
        prepare_demo(root, DEMO_ASSIGNMENTS)
        build_demo_cohort(root, DEMO_ASSIGNMENTS)
        notebooks = sorted((root / "submitted").glob("*/*/*.ipynb"))
        print(f"demo cohort: {len(notebooks)} notebooks ({len(DEMO_STUDENTS)} students x "
              f"{len(DEMO_ASSIGNMENTS)} assignments, one not handed in), cell timeout {timeout} s, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        rows = []
        for mode in modes:
            total, per, failed = time_autograde(root, list(DEMO_ASSIGNMENTS), list(DEMO_STUDENTS),
                                                timeout, mode == "sandbox")
            rows.append((f"python -m grader autograde ({mode})", total, per, failed))
            print(f"autograde ({mode}): {total:.1f} s, {total / len(per):.1f} s/notebook", flush=True)
        total, per = time_nbconvert(notebooks, timeout, Path(tmp) / "executed")
        print(f"nbconvert --execute: {total:.1f} s, {total / len(per):.1f} s/notebook", flush=True)
        rows.append(("jupyter nbconvert --execute (floor)", total, per, 0))

    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'':42s} {'total s':>8s} {'s/notebook':>11s} {'median':>7s} {'max':>6s}")
    for name, total, per, failed in rows:
        print(f"{name:42s} {total:8.1f} {total / len(per):11.1f} {statistics.median(per):7.1f} {max(per):6.1f}"
              + (f"   ({failed} failed)" if failed else ""))
    floor = rows[-1][1]
    for name, total, _, _ in rows[:-1]:
        print(f"{name}: {total / floor:.2f} x the floor")
    by_mode = {name: total for name, total, _, _ in rows}
    on, off = by_mode.get("python -m grader autograde (sandbox)"), by_mode.get("python -m grader autograde (no-sandbox)")
    if on and off:
        print(f"the sandbox adds {100 * (on / off - 1):+.1f} % ({on:.1f} s against {off:.1f} s)")
    return 0


app = typer.Typer(add_completion=False)


@app.command(help=__doc__.split("\n")[0])
def bench_autograde_cmd(
    timeout: int = typer.Option(30, "--timeout", help="cell timeout (s), as in `python -m grader demo`"),
    modes: str = typer.Option("sandbox,no-sandbox", "--modes", help="comma-separated: sandbox, no-sandbox"),
) -> None:
    """Wiring of :func:`run_benchmark`: exits with its code, 2 for a usage error."""
    try:
        asked = parse_modes(modes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--modes") from None
    raise typer.Exit(run_benchmark(timeout, asked))


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: run the benchmark and exit with its status.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (``None``: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        Always: 0, or 2 for a usage error.
    """
    app(args=argv, prog_name="bench_autograde.py")


if __name__ == "__main__":
    main()
