"""``python -m grader``: the TA's commands. Only wiring: the work is in importable modules.

* ``autograde`` -> :func:`grader.autograde.autograde`
* ``collect``   -> :func:`grader.collect.collect_scores` and friends
* ``demo``      -> :func:`grader.demo.run_demo` (release, cohort, the two above, check)
* ``demo --clean`` -> :func:`grader.demo.clean_demo` (removes only the demo students)
* ``roster import`` -> :func:`grader.roster.import_roster`; ``collect --format canvas|long``
  -> :func:`grader.roster.canvas_table`, :func:`grader.roster.long_table`
* ``solutions``  -> :func:`grader.solutions.write_solutions`
* ``feedback``  -> :func:`grader.feedback.generate_feedback` (the students' HTML, no hidden tests)
* ``assignments sync`` -> :func:`grader.assignments.sync_assignments` (due dates, extensions)

Exit codes: 0 everything that was submitted is graded; 1 some submission failed to
autograde (its status and reason are recorded); 2 usage error (nothing to grade or to
resume, an assignment that is not the course's, no sandbox can start here without
``--no-sandbox``, no gradebook, an unknown option).
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

_STYLE = {"graded": "green", "failed": "bold red", "missing": "yellow", "skipped": "dim", "in progress": "bold red"}


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


def run_autograde(root, assignments, students, timeout, strict, console: Console, *, sandbox: bool = True,
                  memory: Optional[str] = None, processes: Optional[int] = None,
                  notebook_timeout: Optional[int] = None, resume: bool = False, workers: Optional[int] = None,
                  scheduler: Optional[str] = None) -> int:
    """Autograde with a progress bar; print one line per submission and a summary. Return the exit code."""
    from rich.markup import escape

    from grader.autograde import GraderError, autograde, exit_code, interrupted_run, sandbox_config, sandbox_settings
    from grader.course import find_course_root

    start = time.monotonic()
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    try:
        course_root = find_course_root(root)
        settings = sandbox_settings(course_root, sandbox_config(
            course_root, sandbox=sandbox, memory=memory, processes=processes,
            notebook_timeout=notebook_timeout, timeout=timeout))
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    if not resume and interrupted_run(course_root):
        console.print("[yellow]note:[/] the last autograde run was stopped before it finished; "
                      "`autograde --resume` completes only what it left", soft_wrap=True)
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def on_start(index, total, student, assignment):
            progress.update(task, total=total, description=f"{student} / {assignment}")

        def on_running(names):
            if names:
                progress.update(task, description=", ".join(names))

        def on_done(status):
            print_submission(status, progress.console)
            progress.advance(task)

        try:
            results = autograde(course_root, assignments or None, students or None, timeout=timeout, strict=strict,
                                sandbox=sandbox, memory=memory, processes=processes,
                                notebook_timeout=notebook_timeout, resume=resume, workers=workers, scheduler=scheduler,
                                on_start=on_start, on_done=on_done, on_running=on_running)
        except (GraderError, ValueError) as exc:
            console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            return EXIT_USAGE
    print_not_graded(results, console)
    console.print(summary_line(results, time.monotonic() - start), soft_wrap=True)
    console.print(sandbox_line(settings), soft_wrap=True)
    console.print(run_line(course_root, workers, scheduler), soft_wrap=True)
    return exit_code(results)


def run_line(course_root, workers: Optional[int], scheduler: Optional[str]) -> str:
    """The last line of an autograde run: which gradebook was written, and how many notebooks ran at once."""
    from grader.autograde import default_workers
    from grader.course import load_config

    where = (f"on the Dask cluster at {scheduler}" + (f", at most {workers} at a time" if workers else "")
             if scheduler else f"{workers or default_workers()} at a time (--workers)")
    return f"gradebook: {_shown_url(str(load_config(course_root).CourseDirectory.db_url))}; notebooks graded {where}"


def sandbox_line(settings) -> str:
    """The line after the summary: the sandbox and its budgets, or a warning that it was off."""
    import os

    from grader.sandbox import format_size, limits_mechanism, parse_size

    if not settings.enabled:
        return ("[bold red]sandbox: OFF[/] (--no-sandbox): students' code ran as you, with access to the course "
                "files and the gradebook; every status says so")
    mechanism = limits_mechanism(settings)
    user = settings.user if os.geteuid() == 0 else "your uid in a user namespace"
    tasks = f"{settings.processes} tasks" if mechanism != "rlimit" or os.geteuid() == 0 else "no task limit"
    return (f"[bold]sandbox:[/] on (bubblewrap, kernel as {user}; per notebook "
            f"{format_size(parse_size(settings.memory))} memory, {tasks}, {settings.notebook_timeout} s; "
            f"limits by {mechanism})")


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


def print_not_graded(results, console: Console) -> None:
    """After the run, list again every submission not graded (failed, missing, stopped) with its
    reason, so that none scrolls away with the progress lines of a large cohort."""
    from rich.markup import escape

    left = [r for r in results if r.status in ("failed", "missing", "in progress")]
    if not left:
        return
    console.print(f"[bold]not graded ({len(left)}):[/]")
    for r in sorted(left, key=lambda r: (r.status != "failed", r.assignment, r.student)):
        console.print(f"  [{_STYLE.get(r.status, '')}]{r.status}[/] {escape(r.student)} / {escape(r.assignment)}: "
                      f"{escape(r.reason)}", soft_wrap=True)


def summary_line(results, seconds: float) -> str:
    """The last line of an autograde run: ``autograde: graded 15, failed 0, ... (16 submissions in 3m 40s)``."""
    counts = {k: sum(r.status == k for r in results) for k in ("graded", "failed", "missing", "skipped")}
    stopped = sum(r.status == "in progress" for r in results)
    if stopped:
        counts["in progress"] = stopped
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"[bold]autograde:[/] {summary} ({_plural(len(results), 'submission')} in {_duration(seconds)})"


def _shown_url(db_url: str) -> str:
    """A gradebook URL as printed: its password hidden."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - printed as given
        return db_url


def run_collect(root, out: Optional[Path], db: Optional[str], console: Console, formats=()):
    """Collect the gradebook into reports (and the LMS ``formats``) and print the summary.
    Return (exit code, scores)."""
    from grader.collect import (GradebookError, check_integrity, collect_scores, collect_tests, course_maximum,
                                write_reports)
    from grader.course import check_db_url, find_course_root, load_config
    from grader.status import load_statuses, status_path

    from grader.late import policy_from_config

    course_root = find_course_root(root)
    config = load_config(course_root)
    db_url = db or config.CourseDirectory.db_url
    statuses = load_statuses(status_path(course_root))
    try:
        check_db_url(db_url)
        scores = collect_scores(db_url, statuses, policy=policy_from_config(config))
        tests = collect_tests(db_url, statuses, scores=scores)
        integrity = check_integrity(db_url, statuses, course_root)
        maximum = course_maximum(db_url)
    except (GradebookError, ValueError) as exc:
        console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        return EXIT_USAGE, None
    console.print(f"gradebook: {_shown_url(db_url)}", soft_wrap=True)
    out = Path(out) if out else course_root / "reports"
    paths = write_reports(scores, tests, out, integrity, maximum)
    if formats:
        from grader.roster import course_roster, write_exports

        paths.update(write_exports(scores, course_roster(course_root, db_url), out, formats))
    print_summary(scores, tests, console, maximum)
    print_integrity(integrity, console)
    console.print("reports: " + ", ".join(str(p) for p in paths.values()))
    return EXIT_OK, scores


def print_summary(scores, tests, console: Console, maximum: float | None = None) -> None:
    """Print the per-student score table, then the per-assignment and per-test-cell tables.

    ``maximum``: the course's maximum (:func:`grader.collect.course_maximum`), as in grades.csv."""
    from grader.collect import assignment_summary, grades_table, pass_rates

    grades = grades_table(scores, maximum)
    assignments = [c for c in grades.columns if f"{c}_status" in grades.columns]
    written = [c for c in grades.columns if c.endswith("_manual")]
    t = Table(title="Scores per student (grades.csv)")
    t.add_column("student")
    for col in [*assignments, "total", "maximum", "percent", *written]:
        t.add_column(col, justify="right")
    for row in grades.to_dict("records"):
        cells = []
        for a in assignments:
            status = str(row[f"{a}_status"])
            cells.append(_fmt(row[a]) if status == "graded" else f"[{_STYLE.get(status.split(':')[0], 'red')}]{status.split(':')[0]}[/]")
        t.add_row(str(row["student"]), *cells, _fmt(row["total"]), _fmt(row["maximum"]), _fmt(row["percent"]),
                  *[str(row[c]) if isinstance(row[c], str) else "" for c in written])
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

    from grader.collect import with_written_columns

    scores = with_written_columns(scores)
    pending = int((scores["manual_status"] == "pending").sum())
    if (scores["manual_max"] > 0).any():
        scored = int((scores["manual_status"] == "graded").sum())
        console.print(f"written answers: {scored} scored, {pending} pending (score them in the formgrader's "
                      "Manual Grading; grades.csv shows them in the <assignment>_manual columns)", soft_wrap=True)

    from grader.collect import with_late_columns

    late = with_late_columns(scores)
    late = late[(late["status"] == "graded") & (late["penalty"] > 0)]
    if len(late):
        shown = "; ".join(f"{r.student} {r.assignment} {r.late_days:g} days late -{_fmt(r.penalty)}"
                          for r in late.itertuples(index=False))
        console.print(f"late penalties ({len(late)}): {shown} (grades.csv: <assignment>_raw, _penalty, "
                      "_late_days, _submitted)", soft_wrap=True)
    from grader.collect import STALE_PENALTY

    stale = scores[scores["notes"].fillna("").str.contains(STALE_PENALTY, regex=False)]
    if len(stale):
        names = ", ".join(f"{r.student} {r.assignment}" for r in stale.itertuples(index=False))
        console.print(f"[yellow]late penalty out of date ({len(stale)}):[/] {names}: the due date or an "
                      "extension changed after autograde; autograde them again (python -m grader autograde "
                      "<assignment> --student <id>)", soft_wrap=True)

    problems = scores[scores["status"].isin(["failed", "skipped", "in progress"])]
    if len(problems):
        t = Table(title="Not graded")
        for col in ("student", "assignment", "status", "reason"):
            t.add_column(col)
        for row in problems.itertuples(index=False):
            t.add_row(row.student, row.assignment, f"[{_STYLE[row.status]}]{row.status}[/]", row.reason)
        console.print(t)


def print_integrity(integrity, console: Console) -> None:
    """Print the grades no grader set (``flagged``) and count the manual grades (``integrity.csv``)."""
    from rich.markup import escape

    flagged = integrity[integrity["kind"] == "flagged"]
    manual = int((integrity["kind"] != "flagged").sum())
    if len(flagged):
        t = Table(title="[bold red]Integrity: grades no grader set[/] (integrity.csv)")
        for col in ("student", "assignment", "grade_id", "field", "gradebook", "expected", "reason"):
            t.add_column(col)
        for row in flagged.itertuples(index=False):
            t.add_row(escape(str(row.student)), escape(str(row.assignment)), escape(str(row.grade_id)),
                      row.field, _fmt(row.gradebook), _fmt(row.expected), escape(str(row.reason)))
        console.print(t)
    console.print(f"integrity: {len(flagged)} flagged, {manual} manual grade(s) to review (integrity.csv)")


@app.command("autograde")
def autograde_cmd(
    assignments: Optional[List[str]] = typer.Argument(None, help="Assignment ids (default: every assignment found in submitted/)."),
    student: Optional[List[str]] = typer.Option(None, "--student", "-s", help="Grade only this student (repeatable)."),
    timeout: Optional[int] = typer.Option(None, "--timeout", min=1, help="Seconds a cell may run (default: c.Execute.timeout, 120 in nbgrader_config.py)."),
    notebook_timeout: Optional[int] = typer.Option(None, "--notebook-timeout", min=1, help="Seconds a whole notebook may run, whatever its cell count (default: c.Sandbox.notebook_timeout, 900 in nbgrader_config.py)."),
    memory: Optional[str] = typer.Option(None, "--memory", help="Memory budget per notebook, e.g. 4GiB or 512MiB (default: c.Sandbox.memory, 4GiB)."),
    processes: Optional[int] = typer.Option(None, "--processes", min=8, help="Processes and threads per notebook, at least 8 (default: c.Sandbox.processes, 256)."),
    no_sandbox: bool = typer.Option(False, "--no-sandbox", help="Run students' code without the sandbox, as you: it can then read the hidden tests and write the gradebook. For machines where no sandbox can start (and to measure its cost); printed and recorded in every status."),
    resume: bool = typer.Option(False, "--resume", help="Complete the last run, stopped half-way: grade only what it did not finish."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Submissions graded at once, each in its own process and sandbox (the gradebook still has one writer; default: the number of cores, 1 grades one at a time)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help="Grade on the workers of a Dask cluster (tcp://HOST:8786, started with `dask scheduler` / `dask worker`; docs/scaling.md). Each worker needs the course package at the pinned versions (pip install -c constraints.txt .) and bwrap (or --no-sandbox), not the course folder; this machine stages the submissions and alone writes the gradebook. --workers then caps the submissions in flight (default: the cluster's worker threads)."),
    strict: bool = typer.Option(False, "--strict", help="Mark duplicated grade cells failed instead of repairing them."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL", help="Gradebook database for this run, e.g. postgresql://user@host/gradebook, shared by several graders writing at once (default: c.CourseDirectory.db_url of nbgrader_config.py, the course's gradebook.db)."),
    root: Optional[Path] = RootOption,
) -> None:
    """Autograde submitted/<student>/<assignment>/, each notebook in the sandbox (--workers at once).

    Exit code 0: all graded (missing or skipped submissions are not errors); 1: some failed (see their reason); 2: nothing to grade, or no sandbox can start here (see --no-sandbox).
    """
    from grader.collect import GradebookError, check_gradebook
    from grader.course import using_gradebook

    console = _console()
    try:
        with using_gradebook(db):
            if db:
                check_gradebook(db)
            code = run_autograde(root, assignments, student, timeout, strict, console, sandbox=not no_sandbox,
                                 memory=memory, processes=processes, notebook_timeout=notebook_timeout,
                                 resume=resume, workers=workers, scheduler=scheduler)
    except (ValueError, GradebookError) as exc:
        console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        code = EXIT_USAGE
    raise typer.Exit(code)


@app.command("collect")
def collect_cmd(
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for grades.csv, tests.csv, integrity.csv and score_distribution.png (default: <root>/reports)."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL", help="Gradebook database URL, e.g. postgresql://user@host/gradebook (default: c.CourseDirectory.db_url of nbgrader_config.py, the course's gradebook.db)."),
    formats: Optional[List[str]] = typer.Option(None, "--format", help="Also write a file for an LMS (repeatable): canvas (canvas.csv, Canvas's gradebook import) or long (grades_long.csv, one row per student and assignment)."),
    root: Optional[Path] = RootOption,
) -> None:
    """Read the gradebook, write the reports and print the summary. Exit code 2 if there is no gradebook."""
    bad = sorted(set(formats or []) - {"canvas", "long"})
    if bad:
        _console().print(f"[bold red]error:[/] unknown --format {', '.join(bad)}: expected canvas or long")
        raise typer.Exit(EXIT_USAGE)
    code, _ = run_collect(root, out, db, _console(), formats=list(dict.fromkeys(formats or [])))
    raise typer.Exit(code)


@app.command("solutions")
def solutions_cmd(
    assignment: str = typer.Argument(..., help="Assignment id, e.g. 01-perceptron."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder to write to (its other files are left alone); default: <root>/solutions/<assignment>, emptied first."),
    root: Optional[Path] = RootOption,
) -> None:
    """Write an assignment's worked solutions, to hand out after the deadline.

    The source notebook with its solutions, without the hidden tests, outputs or nbgrader metadata."""
    from grader.solutions import write_solutions

    console = _console()
    try:
        result = write_solutions(root, assignment, out)
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    for path in result.notebooks + result.files:
        console.print(f"wrote {path}", soft_wrap=True, markup=False)
    console.print("solutions: no hidden test is in them; hand them out after the deadline", soft_wrap=True)
    raise typer.Exit(EXIT_OK)


def _require_release(course_root: Path, db: Optional[str], db_url: str, then: str, console: Console) -> None:
    """Stop with exit code 2 and "run `make release` first, then <then>" when the course's own
    gradebook (no --db given) does not exist yet."""
    default_db = course_root / "gradebook.db"
    if db is None and db_url == f"sqlite:///{default_db}" and not default_db.is_file():
        console.print(f"[bold red]error:[/] the course has no gradebook yet ({default_db}): run `make release` "
                      f"first (it creates the gradebook with the assignments), then {then}", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)


roster_app = typer.Typer(no_args_is_help=True, help="The class list: student ids, names and emails.")
app.add_typer(roster_app, name="roster")


@roster_app.command("import")
def roster_import_cmd(
    path: Path = typer.Argument(..., help="CSV with a header: the student id (id, student_id, 'Student ID', username or sis_user_id), first_name, last_name, email; optional section, canvas_id, sis_login_id. Header case, spaces and dashes do not matter."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL", help="Gradebook database URL (default: c.CourseDirectory.db_url of nbgrader_config.py)."),
    root: Optional[Path] = RootOption,
) -> None:
    """Add or update the students of a roster CSV in the gradebook (names shown by the formgrader
    and in the LMS exports); keeps a checked copy as <root>/roster.csv. Nobody is removed.
    Exit code 2 for a file that cannot be imported (the message names the line)."""
    from grader.collect import GradebookError, check_gradebook
    from grader.course import check_db_url, find_course_root, load_config
    from grader.roster import RosterError, import_roster, read_roster, save_roster

    console = _console()
    course_root = find_course_root(root)
    db_url = db or str(load_config(course_root).CourseDirectory.db_url)
    _require_release(course_root, db, db_url, "import the roster", console)
    try:
        check_db_url(db_url)
        check_gradebook(db_url)
        roster = read_roster(path)
        result = import_roster(db_url, roster)
    except (RosterError, GradebookError, ValueError) as exc:
        console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    kept, lms_changed = save_roster(course_root, roster)
    updated = sorted(set(result.updated) | set(lms_changed))
    unchanged = len(roster) - len(result.added) - len(updated)
    console.print(f"roster: {_plural(len(roster), 'student')} read from {path}: {len(result.added)} added, "
                  f"{len(updated)} updated, {unchanged} unchanged (gradebook: {_shown_url(db_url)}); "
                  f"merged into {kept} (students of earlier imports kept)", soft_wrap=True)
    raise typer.Exit(EXIT_OK)


assignments_app = typer.Typer(no_args_is_help=True, help="Due dates and per-student extensions.")
app.add_typer(assignments_app, name="assignments")


def _when(value) -> str:
    return "no due date" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


@assignments_app.command("sync")
def assignments_sync_cmd(
    table: Optional[Path] = typer.Option(None, "--assignments", help="The due dates: CSV with columns assignment, due (ISO 8601; no time zone = UTC; empty = none). Default: <root>/assignments.csv."),
    extensions: Optional[Path] = typer.Option(None, "--extensions", help="Per-student extensions: CSV with columns assignment, student, days. Default: <root>/extensions.csv if it exists (none otherwise: earlier extensions are removed)."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL", help="Gradebook database URL (default: c.CourseDirectory.db_url of nbgrader_config.py)."),
    root: Optional[Path] = RootOption,
) -> None:
    """Write the course's due dates (assignments.csv) and extensions (extensions.csv) into the
    gradebook: the formgrader shows the due dates, and autograde applies the late policy of
    nbgrader_config.py (c.LatePenalty). Exit code 2 for a table that cannot be used (the
    message names the line)."""
    from grader.assignments import (ASSIGNMENTS_FILE, EXTENSIONS_FILE, DueDateError, read_assignments,
                                    read_extensions, sync_assignments)
    from grader.collect import GradebookError, check_gradebook
    from grader.course import check_db_url, find_course_root, load_config

    console = _console()
    course_root = find_course_root(root)
    config = load_config(course_root)
    db_url = db or str(config.CourseDirectory.db_url)
    known = list(config.Course.assignments) if "assignments" in config.Course else None
    table = table or course_root / ASSIGNMENTS_FILE
    ext_path = extensions or (course_root / EXTENSIONS_FILE)
    _require_release(course_root, db, db_url, "sync the due dates", console)
    try:
        check_db_url(db_url)
        check_gradebook(db_url)
        due = read_assignments(table, known)
        ext = read_extensions(ext_path, list(due)) if (extensions or ext_path.is_file()) else {}
        result = sync_assignments(db_url, str(config.CourseDirectory.course_id), due, ext)
    except (DueDateError, GradebookError, ValueError) as exc:
        console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    for name, when in result.due.items():
        console.print(f"  {name}: {_when(when)}" + (" (new in the gradebook)" if name in result.created else ""))
    console.print(f"assignments: {_plural(len(result.due), 'due date')} from {table}, "
                  f"{_plural(result.extensions, 'extension')}" + (f" from {ext_path}" if ext else "")
                  + f" (gradebook: {_shown_url(db_url)})", soft_wrap=True)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
    if result.graded:
        console.print(f"note: changed since the last sync: {', '.join(result.changed)}, with "
                      f"{_plural(result.graded, 'submission')} autograded before: their late penalties change "
                      "when they are autograded again (python -m grader autograde "
                      f"{' '.join(result.changed)}); until then collect marks them", soft_wrap=True)
    raise typer.Exit(EXIT_OK)


_FEEDBACK_STYLE = {"written": "green", "skipped": "yellow", "failed": "bold red"}


def run_feedback(root, assignments, students, console: Console) -> int:
    """Write the feedback; print one line per submission, the timestamps written and a summary.

    Return the exit code: 0 when no feedback failed, 1 when some did, 2 for a usage error.
    """
    from rich.markup import escape

    from grader.autograde import GraderError
    from grader.course import find_course_root
    from grader.feedback import exit_code, generate_feedback

    start = time.monotonic()
    try:
        course_root = find_course_root(root)
        results = generate_feedback(course_root, assignments or None, students or None,
                                    on_done=lambda r: print_feedback(r, console))
    except (GraderError, FileNotFoundError, ValueError) as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    stamped = [r for r in results if r.time is not None and r.time.written]
    untimed = [r for r in results if r.time is not None and r.time.timestamp is None]
    if stamped:
        console.print(f"timestamps: {_plural(len(stamped), 'submission')} had no timestamp.txt in autograded/; "
                      "written from the submission's own time (never the grading time):", soft_wrap=True)
        for r in stamped:
            console.print(f"  {escape(r.student)} / {escape(r.assignment)}: {escape(r.time.timestamp)} "
                          f"({escape(r.time.source)})", soft_wrap=True, highlight=False)
    for r in untimed:
        console.print(f"[yellow]timestamps:[/] {escape(r.student)} / {escape(r.assignment)}: no submission time "
                      "found (no timestamp.txt, no submitted notebook): none written, Release Feedback will "
                      "fail for it", soft_wrap=True)
    pending = _pending_written(course_root, [r for r in results if r.status == "written"])
    if pending:
        console.print(f"[yellow]written answers not scored yet ({len(pending)}):[/] "
                      + ", ".join(f"{escape(s)} / {escape(a)}" for s, a in pending)
                      + ": their feedback shows those answers as 0; score them in the formgrader's Manual "
                      "Grading, then write the feedback again before releasing it", soft_wrap=True)
    counts = ", ".join(f"{k} {sum(r.status == k for r in results)}" for k in ("written", "skipped", "failed"))
    console.print(f"[bold]feedback:[/] {counts} ({_plural(len(results), 'submission')} in "
                  f"{_duration(time.monotonic() - start)}); files in {course_root / 'feedback'}", soft_wrap=True)
    return exit_code(results)


def _pending_written(course_root, results) -> list[tuple[str, str]]:
    """(student, assignment) of ``results`` whose written answers a TA has not scored yet."""
    from grader.collect import GradebookError, collect_scores
    from grader.course import load_config

    if not results:
        return []
    try:
        scores = collect_scores(str(load_config(course_root).CourseDirectory.db_url))
    except (GradebookError, ValueError):
        return []
    pending = set(zip(scores.loc[scores["manual_status"] == "pending", "student"],
                      scores.loc[scores["manual_status"] == "pending", "assignment"]))
    return sorted({(r.student, r.assignment) for r in results} & pending)


def print_feedback(result, console: Console) -> None:
    """One submission's feedback line: status, student / assignment, files or reason, time."""
    from rich.markup import escape

    style = _FEEDBACK_STYLE.get(result.status, "")
    what = ", ".join(result.files) if result.status == "written" else result.reason
    note = ""
    if result.time is not None and result.time.written:
        note = (f" [dim](timestamp.txt written: {escape(result.time.timestamp)}, from "
                f"{escape(result.time.source)})[/]")
    console.print(f"[{style}]{result.status:>7}[/] {escape(result.student)} / {escape(result.assignment)}: "
                  f"{escape(what)}{note} [dim]{result.seconds:.1f}s[/]", soft_wrap=True)


@app.command("feedback")
def feedback_cmd(
    assignments: Optional[List[str]] = typer.Argument(None, help="Assignment ids (default: every assignment autograded or submitted)."),
    student: Optional[List[str]] = typer.Option(None, "--student", "-s", help="Only this student (repeatable)."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL", help="Gradebook database the scores are read from (default: c.CourseDirectory.db_url of nbgrader_config.py, the course's gradebook.db)."),
    root: Optional[Path] = RootOption,
) -> None:
    """Write feedback/<student>/<assignment>/<notebook>.html for every autograded submission.

    Students see each test cell's points and, for a failed check, its message, with their own code and outputs; never the hidden tests nor traceback lines. A submission without timestamp.txt gets one from its own time (submitted/.../timestamp.txt, else the submitted notebook's file time), so the formgrader's Release Feedback works. Exit code 0: written (skipped ones, e.g. not autograded yet, are not errors); 1: some feedback failed; 2: nothing to do or an unknown assignment.
    """
    from grader.course import using_gradebook

    console = _console()
    try:
        with using_gradebook(db):
            code = run_feedback(root, assignments, student, console)
    except ValueError as exc:
        console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        code = EXIT_USAGE
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
    from grader.demo import DemoError, clean_demo, run_demo

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
    try:
        result = run_demo(
            root, assignments, timeout,
            on_building=lambda names: console.print(
                f"[bold]demo:[/] regenerating release/ and building a cohort for {', '.join(names)}"),
            on_cohort=lambda cohort: print_demo_cohort(cohort, console),
            grade=lambda course_root, names, students, timeout: run_autograde(
                course_root, names, students, timeout, False, console),
            collect=lambda course_root: run_collect(course_root, None, None, console),
        )
    except DemoError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE)
    if result.problems is not None:
        print_demo_check(result.problems, len(result.cohort) * len(result.assignments), console)
    raise typer.Exit(result.code)


def print_demo_cohort(cohort: dict[str, str], console: Console) -> None:
    """Print the demo cohort's table: each student and what they handed in."""
    t = Table(title="Demo cohort")
    t.add_column("student")
    t.add_column("what they handed in")
    for student, text in cohort.items():
        t.add_row(student, text)
    console.print(t)


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
