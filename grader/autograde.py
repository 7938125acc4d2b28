"""Autograde a cohort one submission at a time, so one broken submission never stops the others.

``nbgrader autograde`` grades every submission in one process, and some inputs abort the
whole run (a duplicated grade cell raises ``SchemaTooOldError``, which nbgrader re-raises)
or score a student 0 without a word (a renamed notebook is "skipped", a crashed autograde
shows as score 0 of max 0). This module:

1. checks and *stages* each submission in a temporary folder before nbgrader sees it
   (:mod:`grader.discovery`; ``submitted/`` is only read, but for the ``timestamp.txt`` of a
   hand copy): not valid JSON or not a notebook -> ``failed``;
   the expected notebook renamed by the student -> graded under the expected name;
   duplicated grade_ids -> the last copy keeps its nbgrader metadata, the earlier ones
   become ordinary code cells (they still run); deleted locked cells (tests, set-up) ->
   restored from ``release/`` (nbgrader then overwrites them with the gradebook's
   version, hidden tests included); outputs cleared (a huge notebook is small again);
2. runs ``NbGraderAPI.autograde(assignment, student, force=True, create=True)`` on the
   staged copy in a child process forked once nbgrader is imported, with an outer
   wall-clock guard; nbgrader's ``Execute`` is replaced by
   :class:`grader.preprocessors.SandboxedExecute`, so the student's kernel runs in the
   sandbox of :mod:`grader.sandbox` (only its own notebook, no course files, no network,
   its own PID namespace, an unprivileged user, memory/process/time budgets). Only this
   process and nbgrader's ``SaveAutoGrades`` (after the sandbox is gone) write the gradebook;
3. records a :class:`grader.status.SubmissionStatus` per submission in
   ``autograded/.grader/status.json`` (``in progress`` before, the result after; a run
   killed half-way is completed by ``--resume``) and nbgrader's log in
   ``autograded/.grader/logs/<student>/<assignment>.log``.

The functions return results and raise :class:`GraderError` subclasses; they never exit.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from grader.course import ensure_tools_on_path, find_course_root, load_config, subfolders
from grader.discovery import expected_notebooks, prepare_submission, read_notebook
from grader.gradebook import private_copy
from grader.status import SubmissionStatus, load_statuses, status_dir, status_path, update_statuses

__all__ = [
    "GraderError",
    "NoSubmissionsError",
    "UnknownAssignmentError",
    "ensure_tools_on_path",
    "plan_submissions",
    "autograde_submission",
    "autograde",
    "setup_failure",
    "exit_code",
    "failure_reason",
    "ISOLATIONS",
    "SandboxError",
    "sandbox_config",
    "sandbox_settings",
    "check_sandbox",
    "start_run",
    "finish_run",
    "last_run",
    "interrupted_run",
]

#: Seconds added to the outer guard of a notebook, beyond its time budget
#: (``c.Sandbox.notebook_timeout``): kernel start, nbgrader's own work, the gradebook.
GUARD_MARGIN = 120

#: How :func:`autograde_submission` isolates nbgrader itself (the student's kernel is in the
#: sandbox either way): ``"fork"`` (default) forks a child from this process once nbgrader
#: is imported, stopped by an outer guard; ``"inprocess"`` calls nbgrader in this process
#: inside ``try``/``except`` (no guard against a hang in nbgrader).
ISOLATIONS = ("fork", "inprocess")


class GraderError(RuntimeError):
    """Base class of the grader's errors (usage errors: the CLI exits with code 2)."""


class NoSubmissionsError(GraderError):
    """Raised when there is nothing to autograde (an empty ``submitted/``)."""


class SandboxError(GraderError):
    """Raised when the sandbox is wanted and cannot start here (the CLI exits with code 2)."""


class UnknownAssignmentError(GraderError):
    """Raised when an assignment named explicitly is not one of the course's."""


# --------------------------------------------------------------------------- planning

def _course_assignments(root: Path) -> set[str]:
    known = set(subfolders(root / "source")) | set(subfolders(root / "release"))
    cfg = load_config(root)
    known |= set(cfg.get("Course", {}).get("assignments", []))
    return known


def plan_submissions(
    root: str | os.PathLike | None = None,
    assignments: Iterable[str] | None = None,
    students: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """List the (student, assignment) pairs to autograde, assignment by assignment.

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`grader.course.find_course_root`).
    assignments : iterable of str or None
        Assignment ids; ``None``: every assignment that has a folder in some
        ``submitted/<student>/``.
    students : iterable of str or None
        Student ids; ``None``: every folder of ``submitted/``.

    Returns
    -------
    list of (str, str)
        Sorted by assignment, then student. A pair may have no folder (the
        submission is then reported ``missing``).

    Raises
    ------
    UnknownAssignmentError
        If an assignment named in ``assignments`` is not one of the course's
        (``c.Course.assignments``, ``source/``, ``release/``).
    NoSubmissionsError
        If no pair has a submission folder (an empty or absent ``submitted/``), or a student
        named in ``students`` has no folder ``submitted/<id>`` (a mistyped id).
    """
    root = find_course_root(root)
    submitted = root / "submitted"
    studs = sorted(set(students)) if students else subfolders(submitted)
    if assignments:
        assigns = list(dict.fromkeys(assignments))
        known = _course_assignments(root)
        unknown = [a for a in assigns if a not in known]
        if unknown:
            verb = "is not an assignment" if len(unknown) == 1 else "are not assignments"
            raise UnknownAssignmentError(
                f"{', '.join(unknown)} {verb} of this course; its assignments are: "
                + ", ".join(sorted(known))
            )
    else:
        assigns = sorted({a for s in studs for a in subfolders(submitted / s)})
    pairs = [(s, a) for a in assigns for s in studs]
    if not any((submitted / s / a).is_dir() for s, a in pairs):
        what = []
        if assignments:
            what.append("assignment(s) " + ", ".join(assigns))
        if students:
            what.append("student(s) " + ", ".join(studs))
        raise NoSubmissionsError(
            f"no submissions to autograde in {submitted}"
            + (f" for {' and '.join(what)}" if what else "")
            + ": expected folders submitted/<student>/<assignment>/ holding the notebooks"
        )
    if students:
        absent = [s for s in studs if not (submitted / s).is_dir()]
        if absent:  # a mistyped id would become a lasting "missing" student in every report
            raise NoSubmissionsError(
                f"no folder submitted/<id> for student(s) {', '.join(absent)}: check the id(s); "
                f"the students with a folder are: {', '.join(subfolders(submitted)[:20])}"
                + (" ..." if len(subfolders(submitted)) > 20 else ""))
    return pairs


# --------------------------------------------------------------------------- nbgrader

def sandbox_config(
    root: str | os.PathLike,
    *,
    sandbox: bool = True,
    memory: str | None = None,
    processes: int | None = None,
    notebook_timeout: int | None = None,
    timeout: int | None = None,
):
    """The nbgrader config of one grading run: the course's, with the run's budgets over it.

    Whatever the course config says, ``Execute`` is replaced by
    :class:`grader.preprocessors.SandboxedExecute` in ``Autograde``, so
    ``python -m grader autograde`` always runs notebooks under the budgets (and in the
    sandbox unless ``sandbox=False``), and :class:`grader.preprocessors.SealTests` /
    :class:`grader.preprocessors.SealedChecks` are put around it when the course config
    lacks them (the hidden tests always run in the sealed checker);
    :class:`grader.preprocessors.RepairSubmission` runs first in the sanitize step and
    :class:`grader.preprocessors.SubmissionExporter` reads the notebooks.

    Parameters
    ----------
    root : path-like
        The course root.
    sandbox : bool, default True
        ``c.Sandbox.enabled``.
    memory : str or None
        Memory budget per notebook (``"4GiB"``); ``None`` keeps ``c.Sandbox.memory``.
    processes : int or None
        Task budget per notebook; ``None`` keeps ``c.Sandbox.processes``.
    notebook_timeout : int or None
        Seconds per notebook; ``None`` keeps ``c.Sandbox.notebook_timeout``.
    timeout : int or None
        Seconds per cell; ``None`` keeps ``c.Execute.timeout``.

    Returns
    -------
    traitlets.config.Config
        The overrides only (to merge over the course's config).

    Raises
    ------
    ValueError
        If ``memory`` is not a size.
    """
    from traitlets.config import Config

    from grader.sandbox import parse_size

    cfg = Config()
    course = load_config(root)
    from grader.preprocessors import AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS, SUBMISSION_EXPORTER

    pps = list(course.get("Autograde", {}).get("autograde_preprocessors", [])) or AUTOGRADE_PREPROCESSORS
    names = [p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in pps]
    names = ["grader.preprocessors.SandboxedExecute" if n.rsplit(".", 1)[-1] in ("Execute", "SandboxedExecute")
             else n for n in names]
    # the sealed checks wrap the execution: hidden tests out before, checked outside after
    if not any(n.endswith(".SealTests") for n in names):
        names.insert(names.index("grader.preprocessors.SandboxedExecute"), "grader.preprocessors.SealTests")
    if not any(n.endswith(".SealedChecks") for n in names):
        names.insert(names.index("grader.preprocessors.SandboxedExecute") + 1, "grader.preprocessors.SealedChecks")
    cfg.Autograde.autograde_preprocessors = names
    # the repairs run first in the sanitize step, whatever the course config says
    sanitize = list(course.get("Autograde", {}).get("sanitize_preprocessors", [])) or SANITIZE_PREPROCESSORS
    sanitize = [p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in sanitize]
    if not any(n.endswith(".RepairSubmission") for n in sanitize):
        sanitize.insert(0, "grader.preprocessors.RepairSubmission")
    cfg.Autograde.sanitize_preprocessors = sanitize
    if "exporter_class" not in course.get("Autograde", {}):
        cfg.Autograde.exporter_class = SUBMISSION_EXPORTER
    # the set-up check is made on the autograded copy (setup_failure): a `failed` status with
    # the reason and nothing merged, rather than nbgrader's generic failure
    cfg.SetupGuard.enabled = False
    cfg.Sandbox.enabled = bool(sandbox)
    if memory is not None:
        parse_size(memory)
        cfg.Sandbox.memory = str(memory)
    if processes is not None:
        cfg.Sandbox.processes = int(processes)
    if notebook_timeout is not None:
        cfg.Sandbox.notebook_timeout = int(notebook_timeout)
    if timeout is not None:
        cfg.Execute.timeout = int(timeout)
    return cfg


def sandbox_settings(root: str | os.PathLike, overrides=None):
    """The effective :class:`grader.sandbox.Sandbox` settings of a run (course config + overrides)."""
    from grader.sandbox import Sandbox

    cfg = load_config(root)
    if overrides is not None:
        cfg.merge(overrides)
    return Sandbox(config=cfg)


def check_sandbox(root: str | os.PathLike, overrides=None) -> None:
    """Raise :class:`SandboxError` when the run wants the sandbox and none can start here."""
    from grader.sandbox import probe

    settings = sandbox_settings(root, overrides)
    if not settings.enabled:
        return
    reason = probe(settings)
    if reason:
        raise SandboxError(
            f"cannot start the sandbox: {reason}. Without it, students' code runs as you and can read the "
            "hidden tests and write the gradebook; pass --no-sandbox only if you accept that."
        )


def _nbgrader_autograde(root: str, staging: str, assignment: str, student: str, overrides, report_dir: str) -> dict:
    """Run nbgrader's autograde on a staged submission in this process.

    Returns nbgrader's result dict (``success``, ``log``, ``error``).
    """
    from traitlets.config import Config

    from grader.course import course_api

    cfg = Config()
    cfg.merge(overrides)
    cfg.CourseDirectory.submitted_directory = str(Path(staging).resolve())
    cfg.SandboxedExecute.report_dir = report_dir
    api = course_api(root, config=cfg)
    try:
        return api.autograde(assignment, student, force=True, create=True)
    except Exception as exc:  # noqa: BLE001 - report, never propagate
        import traceback

        return {"success": False, "log": "", "error": traceback.format_exc() or repr(exc)}


_KNOWN_REASONS = [
    (re.compile(r"DeadKernelError|Kernel died"), "the kernel died while executing the notebook (os._exit, a crash or out of memory)"),
    (re.compile(r"UnresponsiveKernelError|became unresponsive"), "the kernel became unresponsive and could not be interrupted"),
    (re.compile(r"CellTimeoutError"), "a cell exceeded the cell timeout and could not be interrupted"),
    (re.compile(r"No notebooks found"), "no notebook nbgrader knows in the submission"),
    (re.compile(r"SchemaTooOldError|old version\s+of the nbgrader metadata"), "nbgrader metadata of a cell was damaged (old schema)"),
    (re.compile(r"SchemaTooNewError"), "nbgrader metadata of a cell is newer than this nbgrader"),
]
_EXC_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception)): (.+)$")


def failure_reason(log: str, error: str = "") -> str:
    """Turn nbgrader's log and traceback into a one-line reason.

    Parameters
    ----------
    log, error : str
        ``log`` and ``error`` of an nbgrader API result.

    Returns
    -------
    str
    """
    text = f"{log}\n{error}"
    for pattern, reason in _KNOWN_REASONS:
        if pattern.search(text):
            return reason
    lines = [m.groups() for m in map(_EXC_LINE.match, text.splitlines()) if m]
    lines = [(n, msg) for n, msg in lines if not n.endswith("NbGraderException")]
    if lines:
        name, msg = lines[-1]
        return f"{name.rsplit('.', 1)[-1]}: {msg.strip()}"[:300]
    errors = [ln.split("]", 1)[-1].strip() for ln in log.splitlines() if ln.startswith("[ERROR]")]
    errors = [e for e in errors if not e.startswith(("There was an error", "Please see"))]
    return (errors[-1] if errors else "nbgrader failed (see the log)")[:300]


def _kill_tree(pid: int) -> None:
    try:
        import psutil

        proc = psutil.Process(pid)
        for child in proc.children(recursive=True):
            child.kill()
        proc.kill()
    except Exception:  # noqa: BLE001 - already gone
        pass


def default_workers() -> int:
    """The default of ``--workers``: the number of cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _warm_checker(root, overrides) -> None:
    """Start the sealed checker here, before the grading jobs fork, so they all share it
    (TensorFlow is imported once per run, not once per submission)."""
    from grader.checker import ensure_server, memory_limit

    cfg = load_config(root)
    if overrides is not None:
        cfg.merge(overrides)
    if cfg.get("SealTests", {}).get("enabled", True) is False:
        return  # no sealed check in this run: no checker (and no TensorFlow import) to pay for
    ensure_server(memory_limit(sandbox_settings(root, overrides)))


def _fork_context():
    """A ``fork`` multiprocessing context, with nbgrader imported here first.

    Children are forked from this process, so they start with nbgrader already
    imported (no ~2.5 s import each) and without re-importing ``__main__`` (the
    ``forkserver`` and ``spawn`` methods do, which breaks scripts and test runners).
    """
    import multiprocessing

    import nbgrader.apps  # noqa: F401  (imported once, inherited by every child)
    import nbgrader.converters  # noqa: F401

    return multiprocessing.get_context("fork")


def _child(root: str, staging: str, assignment: str, student: str, overrides, report_dir: str,
           out: str, log: str) -> None:
    """Forked child: silence fds 1 and 2 (kernels inherit them), autograde, write the result."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    import warnings

    warnings.simplefilter("ignore")
    result = _nbgrader_autograde(root, staging, assignment, student, overrides, report_dir)
    Path(out).write_text(json.dumps({k: result.get(k) for k in ("success", "log", "error")}), encoding="utf-8")


def _tail(path: Path, limit: int = 20000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace")


def _gradebook_facts(root: Path, assignment: str, student: str):
    """Return (assignment in gradebook, student in gradebook)."""
    from nbgrader.api import Gradebook, MissingEntry

    cfg = load_config(root)
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        try:
            gb.find_assignment(assignment)
            has_assignment = True
        except MissingEntry:
            has_assignment = False
        try:
            gb.find_student(student)
            has_student = True
        except MissingEntry:
            has_student = False
    return has_assignment, has_student


def _gradebook_score(root: Path, assignment: str, student: str):
    """The submission's autograded score and maximum, ``(score, max_score)``.

    Written answers (:func:`grader.gradebook.is_written_answer`) are left out: a TA scores them
    later in the formgrader.
    """
    from nbgrader.api import Gradebook

    from grader.gradebook import is_written_answer

    cfg = load_config(root)
    score = maximum = 0.0
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        sub = gb.find_submission(assignment, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                if not is_written_answer(grade.cell.cell_type):
                    score += float(grade.score)
                    maximum += float(grade.max_score)
    return score, maximum


def _gradebook_snapshot(root: Path, assignment: str, student: str) -> dict[str, list]:
    """Every grade of a submission: ``{"<notebook>/<grade_id>": [auto_score, manual_score, extra_credit]}``."""
    from nbgrader.api import Gradebook, MissingEntry

    cfg = load_config(root)
    out: dict[str, list] = {}
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return out
        for nb in sub.notebooks:
            for grade in nb.grades:
                out[f"{nb.name}/{grade.name}"] = [grade.auto_score, grade.manual_score, grade.extra_credit]
    return out


def _changed_during_run(before: dict, after: dict) -> list[str]:
    """Manual scores or extra credit that appeared or changed while the notebook ran (no grader sets them)."""
    changed = []
    for key, (_, manual, extra) in sorted(after.items()):
        old = before.get(key, [None, None, None])
        for label, new_value, old_value in (("manual_score", manual, old[1]), ("extra_credit", extra, old[2])):
            if new_value != old_value:
                changed.append(f"{label} of {key} set to {new_value} while the notebook ran")
    return changed


def _read_report(report_dir: Path) -> dict:
    """Merge the per-notebook reports of :class:`grader.preprocessors.SandboxedExecute` (and the
    notes :class:`grader.preprocessors.SealedChecks` adds when the checker itself failed)."""
    merged = {"events": [], "breach": None, "sandbox": None}
    for path in sorted(report_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        merged["events"] += data.get("events", [])
        merged["breach"] = merged["breach"] or data.get("breach")
        merged["sandbox"] = data.get("sandbox") or merged["sandbox"]  # the sealed checks' file has none
    return merged


@dataclass
class _Job:
    """One submission on its way through the grader (see :func:`autograde`)."""

    student: str
    assignment: str
    tmp: tempfile.TemporaryDirectory
    notes: list[str]
    before: dict
    db_url: str
    guard: float
    start: float
    process: object = None
    result: dict | None = None

    @property
    def folder(self) -> Path:
        return Path(self.tmp.name)


def _job_status(job_or_pair, status: str, reason: str = "", notes=(), score=None, max_score=None, grades=None, *,
                sandbox: bool, run_id: str, start: float) -> SubmissionStatus:
    student, assignment = job_or_pair
    notes = list(notes)
    if not sandbox and status == "graded":
        notes.append("graded without the sandbox (--no-sandbox)")
    return SubmissionStatus(student, assignment, status, reason, notes, score, max_score,
                            round(time.monotonic() - start, 2), sandbox=bool(sandbox), run=run_id,
                            grades=grades or {})


def _start_job(root: Path, assignment: str, student: str, overrides, *, strict: bool, sandbox: bool,
               run_id: str, isolation: str, remote=None):
    """Stage a submission and start grading it; return a :class:`_Job`, or a final status.

    ``remote`` (a :class:`grader.remote.DaskGrading`) sends it to a Dask worker instead.

    Runs in the coordinating process: discovery, staging and the private gradebook copy.
    """
    start = time.monotonic()

    def final(status, reason="", notes=()):
        return _job_status((student, assignment), status, reason, notes, sandbox=sandbox, run_id=run_id, start=start)

    has_assignment, has_student = _gradebook_facts(root, assignment, student)
    if not has_assignment:
        return final("skipped", f"assignment {assignment} is not in the gradebook (run `make release`)")
    tmp = tempfile.TemporaryDirectory(prefix="grader-stage-")
    folder = Path(tmp.name)
    prepared = prepare_submission(root, assignment, student, folder / "submitted", strict=strict)
    if prepared.error:
        tmp.cleanup()
        return final(prepared.status, prepared.error, prepared.notes)
    notes = list(prepared.notes)
    if not has_student:
        notes.append("student added to the gradebook")
    cfg = load_config(root)
    cfg.merge(overrides)
    from grader.sandbox import Sandbox

    settings = Sandbox(config=cfg)
    job = _Job(student, assignment, tmp, notes, _gradebook_snapshot(root, assignment, student),
               private_copy(cfg.CourseDirectory.db_url, folder, student=student),
               len(expected_notebooks(root, assignment)) * (settings.notebook_timeout + GUARD_MARGIN), start)
    args = (str(root), str(folder / "submitted"), assignment, student, _with_db(overrides, job.db_url),
            str(folder / "reports"))
    if remote is not None:  # graded on a Dask worker; the results come back in poll_result()
        job.process = remote.submit(job)
    elif isolation == "fork":
        job.process = _fork_context().Process(
            target=_child, args=(*args, str(folder / ".result.json"), str(folder / ".nbgrader.log")), daemon=False)
        job.process.start()
    else:
        job.result = _nbgrader_autograde(*args)
    return job


def _with_db(overrides, db_url: str):
    from traitlets.config import Config

    cfg = Config()
    cfg.merge(overrides)
    cfg.CourseDirectory.db_url = db_url
    return cfg


def _poll_job(job: _Job) -> bool:
    """True once the job's grading process has ended (or was stopped at its guard)."""
    if job.result is not None:
        return True
    proc = job.process
    if hasattr(proc, "poll_result"):  # a grader.remote.RemoteJob: the worker has its own guard
        job.result = proc.poll_result()
        return job.result is not None
    if proc.is_alive():
        if time.monotonic() - job.start < job.guard:
            return False
        _kill_tree(proc.pid)
        proc.join()
        job.result = {"success": False, "log": _tail(job.folder / ".nbgrader.log"), "error": "",
                      "reason": f"autograde took longer than {job.guard:.0f} s and was stopped"}
        return True
    proc.join()
    try:
        job.result = json.loads((job.folder / ".result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        code = proc.exitcode
        what = (f"was killed by signal {-code}" if code is not None and code < 0 else f"ended with code {code}")
        job.result = {"success": False, "log": _tail(job.folder / ".nbgrader.log"), "error": "",
                      "reason": f"the autograde process {what}"}
    return True


def _finish_job(root: Path, job: _Job, *, sandbox: bool, run_id: str) -> SubmissionStatus:
    """Write the job's results into the course's gradebook (the single writer) and build its status."""
    from nbgrader.api import MissingEntry

    from grader.gradebook import merge_submission

    result = job.result or {}
    report = _read_report(job.folder / "reports")

    def final(status, reason="", notes=(), score=None, max_score=None, grades=None):
        return _job_status((job.student, job.assignment), status, reason, notes, score, max_score, grades,
                           sandbox=sandbox, run_id=run_id, start=job.start)

    try:
        log_file = status_dir(root) / "logs" / job.student / f"{job.assignment}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text((result.get("log") or "") + "\n" + (result.get("error") or ""), encoding="utf-8")
        notes = report["events"] + job.notes
        if not result.get("success"):
            reason = result.get("reason") or failure_reason(result.get("log") or "", result.get("error") or "")
            return final("failed", reason, notes)
        autograded = root / "autograded" / job.student / job.assignment
        absent = [n for n in expected_notebooks(root, job.assignment) if not (autograded / n).is_file()]
        if absent:
            return final("failed", "nbgrader wrote no autograded notebook " + ", ".join(absent), notes)
        broken = setup_failure(autograded, expected_notebooks(root, job.assignment))
        if broken:  # nothing merged: a zero here would blame the student for the grader's environment
            return final("failed", broken, notes)
        cfg = load_config(root)
        try:
            merge_submission(job.db_url, cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id,
                             job.assignment, job.student)
        except MissingEntry:
            return final("failed", "nbgrader saved no grades for this submission", notes)
        after = _gradebook_snapshot(root, job.assignment, job.student)
        notes += [f"flagged: {c}" for c in _changed_during_run(job.before, after)]
        score, max_score = _gradebook_score(root, job.assignment, job.student)
        return final("graded", "", notes, score, max_score, grades=after)
    finally:
        job.tmp.cleanup()


def setup_failure(folder: Path, notebooks: Iterable[str]) -> str | None:
    """Why the grading environment is broken, judged from autograded notebooks; else None.

    A locked code cell *before the first answer cell* (the set-up cell: imports, data) that
    ends in an error did not fail because of the student's answer: the course package or a
    dependency is missing or broken where the notebook ran (a virtual environment built for
    another checkout, a worker without the course). Grading it would give every student 0.

    Parameters
    ----------
    folder : Path
        ``autograded/<student>/<assignment>/``.
    notebooks : iterable of str
        The notebook file names to look at.

    Returns
    -------
    str or None
        A reason naming the cell and the error, for a ``failed`` status.
    """
    from grader.preprocessors.setup_guard import setup_failure_reason

    for name in notebooks:
        nb, _ = read_notebook(folder / name)
        if nb is None:  # unreadable: reported elsewhere
            continue
        reason = setup_failure_reason(nb, name)
        if reason:
            return reason
    return None


def autograde_submission(
    root: str | os.PathLike | None,
    assignment: str,
    student: str,
    *,
    timeout: int | None = None,
    strict: bool = False,
    isolation: str = "fork",
    sandbox: bool = True,
    memory: str | None = None,
    processes: int | None = None,
    notebook_timeout: int | None = None,
    run_id: str = "",
) -> SubmissionStatus:
    """Autograde one submission in the sandbox; never raises for a bad submission.

    nbgrader grades into a private copy of the gradebook; this process then writes the
    submission's results into the course's gradebook (:mod:`grader.gradebook`).

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`grader.course.find_course_root`).
    assignment, student : str
        The submission ``submitted/<student>/<assignment>/``.
    timeout : int or None, default None
        Seconds a cell may run (nbgrader's ``Execute.timeout``); ``None`` keeps
        ``nbgrader_config.py``'s. A cell past it is interrupted, gets an error and the
        rest of the notebook is graded.
    strict : bool, default False
        See :func:`prepare_submission`.
    isolation : {"fork", "inprocess"}, default "fork"
        See :data:`ISOLATIONS`. ``"fork"`` runs nbgrader in a child process stopped after
        ``notebook_timeout + GUARD_MARGIN`` seconds per notebook.
    sandbox : bool, default True
        Run the notebook's kernel in :mod:`grader.sandbox`. ``False`` (``--no-sandbox``)
        runs it as the grader's own user; the status says so.
    memory, processes, notebook_timeout : optional
        Budgets per notebook (see :func:`sandbox_config`); ``None`` keeps the course config's.
    run_id : str
        The grading run this belongs to (recorded for ``--resume``).

    Returns
    -------
    SubmissionStatus
        Not yet saved (see :func:`autograde`). A budget breach (memory, time, processes,
        a kernel that died) is *graded*: the checks that did not run score 0 and the first
        note names the breach. The assignment must be in the gradebook; the student is
        added if new.

    Raises
    ------
    ValueError
        If ``isolation`` or ``memory`` is malformed.
    """
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
    ensure_tools_on_path()
    root = find_course_root(root)
    overrides = sandbox_config(root, sandbox=sandbox, memory=memory, processes=processes,
                               notebook_timeout=notebook_timeout, timeout=timeout)
    job = _start_job(root, assignment, student, overrides, strict=strict, sandbox=sandbox, run_id=run_id,
                     isolation=isolation)
    if isinstance(job, SubmissionStatus):
        return job
    while not _poll_job(job):
        time.sleep(0.05)
    return _finish_job(root, job, sandbox=sandbox, run_id=run_id)


def start_run(root: Path, pairs: list[tuple[str, str]], run_id: str | None = None) -> str:
    """Record that a grading run starts (``autograded/.grader/run.json``); return its id."""
    run_id = run_id or time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    record = {"run": run_id, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "finished": None,
              "submissions": [list(p) for p in pairs]}
    _write_json(status_dir(root) / "run.json", record)
    return run_id


def finish_run(root: Path, run_id: str) -> None:
    """Mark the run record finished (a later ``--resume`` has nothing to do)."""
    record = last_run(root)
    if record and record.get("run") == run_id:
        record["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        _write_json(status_dir(root) / "run.json", record)


def last_run(root: str | os.PathLike) -> dict | None:
    """The record of the last grading run (``None`` if there was none): id, start, end, submissions."""
    path = status_dir(root) / "run.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def interrupted_run(root: str | os.PathLike) -> dict | None:
    """The last run's record if it was killed before it finished, else ``None``."""
    record = last_run(root)
    return record if record and not record.get("finished") else None


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".run-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)


def autograde(
    root: str | os.PathLike | None = None,
    assignments: Iterable[str] | None = None,
    students: Iterable[str] | None = None,
    *,
    timeout: int | None = None,
    strict: bool = False,
    isolation: str = "fork",
    sandbox: bool = True,
    memory: str | None = None,
    processes: int | None = None,
    notebook_timeout: int | None = None,
    resume: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[int, int, str, str], None] | None = None,
    on_done: Callable[[SubmissionStatus], None] | None = None,
    on_running: Callable[[list[str]], None] | None = None,
) -> list[SubmissionStatus]:
    """Autograde submissions one at a time, each in the sandbox, and record each one's status.

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignments, students : iterable of str or None
        What to grade (see :func:`plan_submissions`); ignored with ``resume``.
    timeout : int or None, default None
        Cell timeout in seconds (``None``: the course config's).
    strict : bool, default False
        See :func:`prepare_submission`.
    isolation : {"fork", "inprocess"}, default "fork"
        See :func:`autograde_submission`.
    sandbox : bool, default True
        ``False`` grades without the sandbox (``--no-sandbox``); every status says so.
    memory, processes, notebook_timeout : optional
        Budgets per notebook (``None``: ``c.Sandbox.*`` of the course config).
    resume : bool, default False
        Complete the last run, which was killed half-way: grade only its submissions that
        it did not finish (``in progress`` or not reached). Nothing is graded twice.
    workers : int or None, default None
        Submissions graded at once (each in its own forked process and sandbox, each into a
        private gradebook copy; this process alone writes the course's gradebook, in the
        order they finish). Any number gives the same grades. ``None``:
        :func:`default_workers` (the cores this process may use); 1: one at a time.
        With ``scheduler``: submissions in flight on the cluster (``None``: as many as its
        worker threads, counted again as workers come and go).
    scheduler : str or None, default None
        Address of a Dask ``distributed`` scheduler (``tcp://HOST:8786``): the notebooks are
        graded on its workers (:mod:`grader.remote`), each needing the course package at the
        pinned versions and bubblewrap (unless ``sandbox=False``); this process still stages
        the submissions and alone writes the gradebook. ``isolation`` is then ignored.
    on_start : callable(index, total, student, assignment) or None
        Called before each submission starts (a progress bar).
    on_done : callable(SubmissionStatus) or None
        Called after each submission, once its status is saved.
    on_running : callable(list of str) or None
        Called with the submissions in flight (``"student / assignment"``) when that changes.

    Returns
    -------
    list of SubmissionStatus
        In plan order. Each submission is recorded ``in progress`` in
        ``autograded/.grader/status.json`` before it is graded and with its result after;
        statuses of other submissions are kept.

    Raises
    ------
    NoSubmissionsError
        If there is nothing to grade (or, with ``resume``, nothing left to resume).
    SandboxError
        If the sandbox is wanted and cannot start here (on a connected Dask worker, with
        ``scheduler``).
    grader.remote.SchedulerError
        If ``scheduler`` cannot be reached or one of its workers cannot grade.
    ValueError
        If ``memory`` is not a size.
    """
    ensure_tools_on_path()
    root = find_course_root(root)
    overrides = sandbox_config(root, sandbox=sandbox, memory=memory, processes=processes,
                               notebook_timeout=notebook_timeout, timeout=timeout)
    remote = None
    if scheduler:
        from grader.remote import DaskGrading

        remote = DaskGrading(scheduler, root, overrides)  # checks the workers, the sandbox among them
    else:
        check_sandbox(root, overrides)
    path = status_path(root)
    if resume:
        record = interrupted_run(root)
        if record is None:
            raise NoSubmissionsError("nothing to resume: the last autograde run finished (or there was none)")
        done_already = {k for k, v in load_statuses(path).items()
                        if v.run == record["run"] and v.status != "in progress"}
        pairs = [tuple(p) for p in record["submissions"] if tuple(p) not in done_already]
        run_id = record["run"]
    else:
        pairs = plan_submissions(root, assignments, students)
        run_id = start_run(root, pairs)
    known = _course_assignments(root)
    given = workers  # with a scheduler, None: as many as the cluster's worker threads
    workers = max(1, int(workers or default_workers())) if isolation == "fork" else 1
    if pairs and isolation == "fork" and remote is None:
        _warm_checker(root, overrides)
    order = {pair: i for i, pair in enumerate(pairs)}
    results: list[SubmissionStatus] = []
    ready: dict[str, str | None] = {}
    pending = list(enumerate(pairs))
    running: list[_Job] = []

    def record(status: SubmissionStatus) -> None:
        if ready.get(status.assignment) and status.status != "skipped":
            status.notes.append(ready[status.assignment])
            ready[status.assignment] = None
        update_statuses(path, status)
        results.append(status)
        if on_done is not None:
            on_done(status)

    def show() -> None:
        if on_running is not None:
            on_running([f"{j.student} / {j.assignment}" for j in running])

    while pending or running:
        while pending and len(running) < (remote.slots(given) if remote else workers):
            index, (student, assignment) = pending.pop(0)
            if on_start is not None:
                on_start(index, len(pairs), student, assignment)
            if assignment not in known:
                record(SubmissionStatus(student, assignment, "skipped", "not an assignment of this course",
                                        run=run_id))
                continue
            update_statuses(path, SubmissionStatus(student, assignment, "in progress",
                                                   "the grading run stopped before this submission was done",
                                                   run=run_id, sandbox=bool(sandbox)))
            if assignment not in ready:
                ready[assignment] = _ensure_in_gradebook(root, assignment)
            job = _start_job(root, assignment, student, overrides, strict=strict, sandbox=sandbox,
                             run_id=run_id, isolation=isolation, remote=remote)
            if isinstance(job, SubmissionStatus):
                record(job)
            else:
                running.append(job)
                show()
        finished = [job for job in running if _poll_job(job)]
        for job in finished:
            running.remove(job)
            show()
            record(_finish_job(root, job, sandbox=sandbox, run_id=run_id))
        if running and not finished:
            time.sleep(0.1)
    finish_run(root, run_id)
    if remote is not None:
        remote.close()
    results.sort(key=lambda r: order.get((r.student, r.assignment), len(order)))
    return results


def _ensure_in_gradebook(root: Path, assignment: str) -> str | None:
    """Add a released assignment missing from the gradebook (a fresh clone has none)."""
    has_assignment, _ = _gradebook_facts(root, assignment, "")
    if has_assignment or not (root / "source" / assignment).is_dir():
        return None
    from grader.release import generate_release

    generate_release(root, [assignment])
    return f"assignment {assignment} added to the gradebook from source/"


def exit_code(statuses: Iterable[SubmissionStatus]) -> int:
    """Return the CLI's exit code for a run: 1 if any submission ``failed`` (or stayed
    ``in progress``), else 0."""
    return 1 if any(s.status in ("failed", "in progress") for s in statuses) else 0
