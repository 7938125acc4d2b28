"""``python -m grader``: the TA's commands. Only wiring: the work is in importable modules.

* ``autograde`` -> :func:`grader.autograde.autograde`
* ``collect``   -> :func:`grader.collect.collect_scores` and friends
* ``demo``      -> :func:`grader.demo.build_demo_cohort`, then the two above
* ``demo --clean`` -> :func:`grader.demo.clean_demo` (removes only the demo students)

Exit codes: 0 everything that was submitted is graded; 1 some submission failed to
autograde (its status and reason are recorded); 2 usage error (nothing to grade, an
assignment that is not the course's, no gradebook, an unknown option).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Autograde the course's submissions and collect the scores (nbgrader underneath).",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

RootOption = typer.Option(None, "--root", help="Course root (the folder of nbgrader_config.py). Default: current folder or this checkout.")

_STYLE = {"graded": "green", "failed": "bold red", "missing": "yellow", "skipped": "dim"}


def _console() -> Console:
    import sys

    # piped output (make, CI logs) gets wide tables instead of rich's 80-column default
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}m {s:02d}s" if m else f"{s}s"


def run_autograde(root, assignments, students, timeout, strict, console: Console) -> int:
    """Autograde with a progress bar; print one line per submission and a summary. Return the exit code."""
    from grader.autograde import GraderError, autograde, exit_code

    start = time.monotonic()
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def on_start(index, total, student, assignment):
            progress.update(task, total=total, completed=index, description=f"{student} / {assignment}")

        def on_done(status):
            print_submission(status, progress.console)
            progress.advance(task)

        try:
            results = autograde(root, assignments or None, students or None, timeout=timeout, strict=strict,
                                on_start=on_start, on_done=on_done)
        except GraderError as exc:
            from rich.markup import escape

            console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            return EXIT_USAGE
    console.print(summary_line(results, time.monotonic() - start), soft_wrap=True)
    return exit_code(results)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def print_submission(status, console: Console) -> None:
    """Print one submission's line: status, student / assignment, score or reason, notes, time.

    Never wrapped (``soft_wrap``), even when the output is not a terminal (CI logs,
    ``| tee``): one submission is one line, whatever its length.
    """
    from rich.markup import escape

    style = _STYLE.get(status.status, "")
    what = f"{_fmt(status.score)}/{_fmt(status.max_score)}" if status.status == "graded" else escape(status.reason)
    notes = f" [dim]({escape('; '.join(status.notes))})[/]" if status.notes else ""
    console.print(f"[{style}]{status.status:>7}[/] {escape(status.student)} / {escape(status.assignment)}: "
                  f"{what}{notes} [dim]{status.seconds:.1f}s[/]", soft_wrap=True)


def summary_line(results, seconds: float) -> str:
    """The last line of an autograde run: ``autograde: graded 15, failed 0, ... (16 submissions in 3m 40s)``."""
    counts = {k: sum(r.status == k for r in results) for k in ("graded", "failed", "missing", "skipped")}
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"[bold]autograde:[/] {summary} ({_plural(len(results), 'submission')} in {_duration(seconds)})"


def run_collect(root, out: Optional[Path], db: Optional[str], console: Console):
    """Collect the gradebook into reports and print the summary. Return (exit code, scores)."""
    from grader.collect import GradebookError, collect_scores, collect_tests, write_reports
    from grader.course import find_course_root, load_config
    from grader.status import load_statuses, status_path

    course_root = find_course_root(root)
    db_url = db or load_config(course_root).CourseDirectory.db_url
    statuses = load_statuses(status_path(course_root))
    try:
        scores = collect_scores(db_url, statuses)
        tests = collect_tests(db_url, statuses, scores=scores)
    except GradebookError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return EXIT_USAGE, None
    out = Path(out) if out else course_root / "reports"
    paths = write_reports(scores, tests, out)
    print_summary(scores, tests, console)
    console.print("reports: " + ", ".join(str(p) for p in paths.values()))
    return EXIT_OK, scores


def print_summary(scores, tests, console: Console) -> None:
    """Print the per-student score table, then the per-assignment and per-test-cell tables."""
    from grader.collect import assignment_summary, grades_table, pass_rates

    grades = grades_table(scores)
    assignments = [c for c in grades.columns if f"{c}_status" in grades.columns]
    t = Table(title="Scores per student (grades.csv)")
    t.add_column("student")
    for col in [*assignments, "total", "maximum", "percent"]:
        t.add_column(col, justify="right")
    for row in grades.to_dict("records"):
        cells = []
        for a in assignments:
            status = str(row[f"{a}_status"])
            cells.append(_fmt(row[a]) if status == "graded" else f"[{_STYLE.get(status.split(':')[0], 'red')}]{status.split(':')[0]}[/]")
        t.add_row(str(row["student"]), *cells, _fmt(row["total"]), _fmt(row["maximum"]), _fmt(row["percent"]))
    console.print(t)

    t = Table(title="Scores per assignment")
    for col in ("assignment", "graded", "failed", "missing", "mean", "median", "min", "max", "max score"):
        t.add_column(col, justify="left" if col == "assignment" else "right")
    for row in assignment_summary(scores).itertuples(index=False):
        t.add_row(row.assignment, str(row.graded), str(row.failed), str(row.missing), _fmt(row.mean),
                  _fmt(row.median), _fmt(row.min), _fmt(row.max), _fmt(row.max_score))
    console.print(t)

    t = Table(title="Test cells (hardest first)")
    for col in ("assignment", "test cell", "points", "passed", "pass rate"):
        t.add_column(col, justify="left" if col in ("assignment", "test cell") else "right")
    for row in pass_rates(tests).itertuples(index=False):
        rate = "-" if math.isnan(row.pass_rate) else f"{100 * row.pass_rate:.0f}%"
        t.add_row(row.assignment, row.grade_id, _fmt(row.max_score), f"{row.passed}/{row.graded}", rate)
    console.print(t)

    problems = scores[scores["status"].isin(["failed", "skipped"])]
    if len(problems):
        t = Table(title="Not graded")
        for col in ("student", "assignment", "status", "reason"):
            t.add_column(col)
        for row in problems.itertuples(index=False):
            t.add_row(row.student, row.assignment, f"[{_STYLE[row.status]}]{row.status}[/]", row.reason)
        console.print(t)


@app.command("autograde")
def autograde_cmd(
    assignments: Optional[List[str]] = typer.Argument(None, help="Assignment ids (default: every assignment found in submitted/)."),
    student: Optional[List[str]] = typer.Option(None, "--student", "-s", help="Grade only this student (repeatable)."),
    timeout: Optional[int] = typer.Option(None, "--timeout", min=1, help="Seconds a cell may run (default: nbgrader_config.py's)."),
    strict: bool = typer.Option(False, "--strict", help="Mark duplicated grade cells failed instead of repairing them."),
    root: Optional[Path] = RootOption,
) -> None:
    """Autograde submitted/<student>/<assignment>/, one submission at a time.

    Exit code 0: all graded (missing or skipped submissions are not errors); 1: some failed (see their reason); 2: nothing to grade.
    """
    raise typer.Exit(run_autograde(root, assignments, student, timeout, strict, _console()))


@app.command("collect")
def collect_cmd(
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for grades.csv, tests.csv and score_distribution.png (default: <root>/reports)."),
    db: Optional[str] = typer.Option(None, "--db", help="Gradebook database URL (default: the course's gradebook.db)."),
    root: Optional[Path] = RootOption,
) -> None:
    """Read the gradebook, write the reports and print the summary. Exit code 2 if there is no gradebook."""
    code, _ = run_collect(root, out, db, _console())
    raise typer.Exit(code)


@app.command("demo")
def demo_cmd(
    assignments: Optional[List[str]] = typer.Argument(None, help="Assignments of the demo cohort (default: grader.demo.DEMO_ASSIGNMENTS)."),
    timeout: int = typer.Option(30, "--timeout", min=1, help="Cell timeout of the demo (the looping student waits this long)."),
    clean: bool = typer.Option(False, "--clean", help="Remove the demo students (folders, statuses, gradebook records) and exit: run it before grading real students."),
    root: Optional[Path] = RootOption,
) -> None:
    """Release, build a sample cohort of 8 students, autograde it and collect the scores.

    Touches only the demo students' folders in submitted/ (s1-complete ... s8-infinite-loop). Exit code 0 when every demo student got the expected score, 1 otherwise, 2 if the cohort could not be built. With --clean: remove only the demo students (their folders in submitted/, autograded/ and feedback/, their statuses and their gradebook records) and exit.
    """
    from grader.demo import DEMO_ASSIGNMENTS, build_demo_cohort, check_demo, clean_demo, prepare_demo

    console = _console()
    if clean:
        if assignments:
            console.print("[bold red]error:[/] demo --clean takes no assignment (it removes the demo students from every assignment)")
            raise typer.Exit(EXIT_USAGE)
        removed = clean_demo(root)
        if not removed:
            console.print("demo --clean: no demo student found, nothing removed")
        for line in removed:
            console.print(f"removed {line}", soft_wrap=True, markup=False)
        raise typer.Exit(EXIT_OK)
    names = list(assignments) if assignments else list(DEMO_ASSIGNMENTS)
    console.print(f"[bold]demo:[/] regenerating release/ and building a cohort for {', '.join(names)}")
    from grader.release import ReleaseError

    try:
        course_root = prepare_demo(root)
        cohort = build_demo_cohort(course_root, names)
    except (ReleaseError, ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE)
    t = Table(title="Demo cohort")
    t.add_column("student")
    t.add_column("what they handed in")
    for student, text in cohort.items():
        t.add_row(student, text)
    console.print(t)
    run_autograde(course_root, names, list(cohort), timeout, False, console)
    code, scores = run_collect(course_root, None, None, console)
    if code:
        raise typer.Exit(code)
    problems = check_demo(scores, names)
    print_demo_check(problems, len(cohort) * len(names), console)
    raise typer.Exit(EXIT_FAILED if problems else EXIT_OK)


def print_demo_check(problems: list[str], total: int, console: Console) -> None:
    """Print the demo's verdict: one line when every submission got its expected score, else the problems."""
    from rich.markup import escape

    expected = _plural(total, "submission")
    if problems:
        console.print(f"[bold red]demo check:[/] {len(problems)} of {expected} did not get the expected score:")
        for p in problems:
            console.print(f"[bold red]demo check:[/] {escape(p)}", soft_wrap=True)
    else:
        console.print(f"[bold]demo check:[/] all {expected} got the expected score")


def main() -> None:
    """Console entry point."""
    app()
