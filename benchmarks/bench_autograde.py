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

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_course(dest: Path) -> Path:
    """Copy what grading needs (config, source/, release/) to ``dest``."""
    dest.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", dest)
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def time_autograde(root: Path, assignments, students, timeout: int, sandbox: bool) -> tuple[float, list[float], int]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=int, default=30, help="cell timeout (s), as in `python -m grader demo`")
    parser.add_argument("--modes", default="sandbox,no-sandbox", help="comma-separated: sandbox, no-sandbox")
    args = parser.parse_args(argv)

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
              f"{len(DEMO_ASSIGNMENTS)} assignments, one not handed in), cell timeout {args.timeout} s, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        rows = []
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            if mode not in ("sandbox", "no-sandbox"):
                parser.error(f"unknown mode {mode!r}: expected sandbox or no-sandbox")
            total, per, failed = time_autograde(root, list(DEMO_ASSIGNMENTS), list(DEMO_STUDENTS),
                                                args.timeout, mode == "sandbox")
            rows.append((f"python -m grader autograde ({mode})", total, per, failed))
            print(f"autograde ({mode}): {total:.1f} s, {total / len(per):.1f} s/notebook", flush=True)
        total, per = time_nbconvert(notebooks, args.timeout, Path(tmp) / "executed")
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


if __name__ == "__main__":
    raise SystemExit(main())
