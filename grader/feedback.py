"""Feedback for students: ``python -m grader feedback`` writes what each student may see.

For every autograded submission, :func:`generate_feedback` writes
``feedback/<student>/<assignment>/<notebook>.html`` through nbgrader's own
``NbGraderAPI.generate_feedback`` (the formgrader's "Generate Feedback"), with the course's
config and the safe preprocessors of :mod:`grader.preprocessors.feedback` forced in front of
nbgrader's: per test cell its points and, for a failed check, its message; the student's code
and outputs; no hidden-test source, no traceback lines. One submission at a time, each on its
own: a broken one is reported ``failed`` and the others go on.

Timestamps: nbgrader's ``release_feedback`` reads ``feedback/<student>/<assignment>/timestamp.txt``
(and ``submission_secret.txt``), which ``generate_feedback`` copies from ``autograded/``. A
submission copied into ``submitted/`` by hand has neither; :func:`ensure_submission_files`
writes them into ``autograded/<student>/<assignment>/`` from the submission's own time
(``submitted/<student>/<assignment>/timestamp.txt``, else the newest file time of the submitted
notebooks: the time the LMS or the collection gave the file), never the grading time.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from grader.course import assignment_ids, course_api, find_course_root, load_config, subfolders
from grader.preprocessors import FEEDBACK_PREPROCESSORS

__all__ = ["FeedbackResult", "SubmissionTime", "generate_feedback", "feedback_config", "plan_feedback",
           "ensure_submission_files", "copy_submission_files", "submission_time", "format_timestamp",
           "exit_code", "TIMESTAMP_FORMAT", "FORCED_PREPROCESSORS"]

#: nbgrader's timestamp format (``Exchange.timestamp_format``), always in UTC here:
#: ``2026-11-30 12:00:00.000000 UTC``.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"

#: The preprocessors :func:`feedback_config` puts in front of a course's ``GenerateFeedback``
#: preprocessors when its config lacks them (and always enables).
FORCED_PREPROCESSORS = [p for p in FEEDBACK_PREPROCESSORS if p.startswith("grader.")]

#: nbgrader 0.9's ``GenerateFeedback.preprocessors`` default.
NBGRADER_DEFAULT = ["nbgrader.preprocessors.GetGrades", "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]


@dataclass
class SubmissionTime:
    """When a submission was handed in, and where that time comes from.

    Attributes
    ----------
    timestamp : str or None
        nbgrader's format (:data:`TIMESTAMP_FORMAT`); ``None`` when no time was found.
    source : str
        ``autograded/<s>/<a>/timestamp.txt`` (nbgrader's, kept), ``submitted/<s>/<a>/timestamp.txt``
        (the collection's), ``file time of submitted/<s>/<a>/<notebook>.ipynb``, or
        ``no submission time found``.
    written : bool
        ``True`` when ``autograded/<s>/<a>/timestamp.txt`` was missing and this time was written
        there.
    """

    timestamp: str | None
    source: str
    written: bool = False


@dataclass
class FeedbackResult:
    """What :func:`generate_feedback` did for one submission.

    Attributes
    ----------
    student, assignment : str
    status : str
        ``written``, ``skipped`` (not autograded yet, its autograde failed, not an assignment of
        the course) or ``failed`` (nbgrader could not write it; ``reason`` says why).
    reason : str
        Why it was skipped or failed; ``""`` when written.
    files : list of str
        The feedback files written, relative to the course root.
    time : SubmissionTime or None
        The submission's time (``None`` when skipped before looking).
    seconds : float
        Wall-clock time spent on it.
    """

    student: str
    assignment: str
    status: str
    reason: str = ""
    files: list[str] = field(default_factory=list)
    time: SubmissionTime | None = None
    seconds: float = 0.0


# --------------------------------------------------------------------------- timestamps

def format_timestamp(seconds: float) -> str:
    """A POSIX time in nbgrader's timestamp format, in UTC (``2026-11-30 12:00:00.000000 UTC``)."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).strftime(TIMESTAMP_FORMAT)


def _shown(path: Path, depth: int = 3) -> str:
    """``submitted/<student>/<assignment>/...``: the last ``depth`` parts of a course path."""
    return "/".join(path.parts[-depth:])


def submission_time(submitted: str | os.PathLike) -> tuple[str | None, str]:
    """The time a submission was handed in, from its folder in ``submitted/``.

    Parameters
    ----------
    submitted : path-like
        ``submitted/<student>/<assignment>/``.

    Returns
    -------
    (str or None, str)
        The timestamp in nbgrader's format and where it comes from: the folder's
        ``timestamp.txt`` (written by ``nbgrader collect``) when it holds a time nbgrader can
        read, else the newest modification time of the folder's notebooks (the file time an
        LMS download or a copy kept), else ``(None, "no submission time found")``.
    """
    from nbgrader.utils import parse_utc

    submitted = Path(submitted)
    stamp = submitted / "timestamp.txt"
    invalid = ""
    if stamp.is_file():
        text = stamp.read_text(encoding="utf-8", errors="replace").strip()
        try:
            parse_utc(text)
            from grader.discovery import GRADER_TIMESTAMP

            marker = submitted / GRADER_TIMESTAMP  # written by the grader: a hand copy's file time
            notebooks = [p for p in submitted.glob("*.ipynb") if p.is_file()]
            if marker.is_file() and marker.read_text(errors="replace").strip() == text and notebooks:
                return text, f"file time of {_shown(max(notebooks, key=lambda p: p.stat().st_mtime), 4)}"
            return text, _shown(stamp, 4)
        except (ValueError, OverflowError):
            invalid = f" ({_shown(stamp, 4)} unreadable)"
    notebooks = [p for p in submitted.glob("*.ipynb") if p.is_file()] if submitted.is_dir() else []
    if notebooks:
        newest = max(notebooks, key=lambda p: p.stat().st_mtime)
        return format_timestamp(newest.stat().st_mtime), f"file time of {_shown(newest, 4)}{invalid}"
    return None, "no submission time found" + invalid


def ensure_submission_files(autograded: str | os.PathLike, submitted: str | os.PathLike) -> SubmissionTime:
    """Give an autograded submission the ``timestamp.txt`` and ``submission_secret.txt`` nbgrader expects.

    nbgrader's exchange writes both when a student submits, ``nbgrader collect`` copies them to
    ``submitted/`` and ``nbgrader autograde`` to ``autograded/``; a submission copied in by
    hand has neither (``python -m grader autograde`` stages its time, :func:`submission_time`,
    but no secret; nbgrader's own autograde neither), and ``release_feedback`` then fails.
    Existing files are kept.

    Parameters
    ----------
    autograded : path-like
        ``autograded/<student>/<assignment>/`` (nothing is written when it does not exist).
    submitted : path-like
        ``submitted/<student>/<assignment>/``: where the time (:func:`submission_time`) and a
        collected ``submission_secret.txt`` are read.

    Returns
    -------
    SubmissionTime
        The timestamp now in ``autograded/``, where it came from, and whether it was written.
        ``timestamp`` is ``None`` (and nothing is written) when no submission time exists:
        never the grading time.
    """
    autograded, submitted = Path(autograded), Path(submitted)
    stamp = autograded / "timestamp.txt"
    if stamp.is_file() and stamp.read_text(encoding="utf-8", errors="replace").strip():
        found = SubmissionTime(stamp.read_text(encoding="utf-8", errors="replace").strip(), _shown(stamp, 4))
    else:
        timestamp, source = submission_time(submitted)
        found = SubmissionTime(timestamp, source)
        if timestamp is not None and autograded.is_dir():
            _write(stamp, timestamp)
            found.written = True
    secret = autograded / "submission_secret.txt"
    if autograded.is_dir() and not secret.is_file():
        collected = submitted / "submission_secret.txt"
        # a hand-copied submission has no secret: no student cache matches the released file's
        # name, so fetch_feedback cannot find it, but release_feedback no longer fails
        _write(secret, collected.read_text(encoding="utf-8").strip() if collected.is_file() else secrets.token_hex(64))
    return found


def copy_submission_files(autograded: str | os.PathLike, feedback: str | os.PathLike) -> None:
    """Copy ``timestamp.txt`` and ``submission_secret.txt`` from ``autograded/`` to the feedback folder
    when it lacks them (what ``generate_feedback`` does for the files present when it starts)."""
    autograded, feedback = Path(autograded), Path(feedback)
    for name in ("timestamp.txt", "submission_secret.txt"):
        if (autograded / name).is_file() and not (feedback / name).is_file():
            feedback.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(autograded / name, feedback / name)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- configuration

def feedback_config(root: str | os.PathLike | None = None):
    """The nbgrader config overrides of a feedback run: the safe preprocessors, whatever the course says.

    Keeps the course's ``GenerateFeedback.preprocessors`` (nbgrader's default when it sets
    none) and puts each of :data:`FORCED_PREPROCESSORS` it lacks in front, enabled: what
    ``python -m grader autograde`` does for the sealed checks. A course config without
    ``HTMLExporter.extra_template_basedirs`` gets :data:`grader.templates.TEMPLATE_BASEDIRS`
    (MathJax from the Jupyter server that shows the page).

    Parameters
    ----------
    root : path-like or None
        The course root.

    Returns
    -------
    traitlets.config.Config
        The overrides (to merge over the course's config).
    """
    from traitlets.config import Config

    course = load_config(root)
    pps = list(course.get("GenerateFeedback", {}).get("preprocessors", [])) or NBGRADER_DEFAULT
    names = [p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in pps]
    short = {n.rsplit(".", 1)[-1] for n in names}
    missing = [n for n in FORCED_PREPROCESSORS if n.rsplit(".", 1)[-1] not in short]
    cfg = Config()
    cfg.GenerateFeedback.preprocessors = missing + names
    for name in FORCED_PREPROCESSORS:
        cfg[name.rsplit(".", 1)[-1]].enabled = True
    if "extra_template_basedirs" not in course.get("HTMLExporter", {}):
        from grader.templates import TEMPLATE_BASEDIRS  # MathJax from the server, CDN fallback

        cfg.HTMLExporter.extra_template_basedirs = TEMPLATE_BASEDIRS
    return cfg


# --------------------------------------------------------------------------- planning

def plan_feedback(
    root: str | os.PathLike | None = None,
    assignments: Iterable[str] | None = None,
    students: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """The (student, assignment) pairs that have a submission, in ``submitted/`` or ``autograded/``.

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignments : iterable of str or None
        Assignment ids; ``None``: every assignment folder found.
    students : iterable of str or None
        Student ids; ``None``: every student folder of ``submitted/`` and ``autograded/``.

    Returns
    -------
    list of (str, str)
        Sorted by assignment, then student.

    Raises
    ------
    grader.autograde.UnknownAssignmentError
        If a named assignment is not one of the course's.
    grader.autograde.NoSubmissionsError
        If there is no submission at all for what was asked.
    """
    from grader.autograde import NoSubmissionsError, UnknownAssignmentError

    root = find_course_root(root)
    folders = [root / "submitted", root / "autograded"]
    studs = sorted(set(students)) if students else sorted({s for f in folders for s in subfolders(f)})
    known = set(assignment_ids(root)) | set(subfolders(root / "source")) | set(subfolders(root / "release"))
    if assignments:
        assigns = list(dict.fromkeys(assignments))
        unknown = [a for a in assigns if a not in known]
        if unknown:
            verb = "is not an assignment" if len(unknown) == 1 else "are not assignments"
            raise UnknownAssignmentError(f"{', '.join(unknown)} {verb} of this course; its assignments are: "
                                         + ", ".join(sorted(known)))
    else:
        assigns = sorted({a for f in folders for s in studs for a in subfolders(f / s)})
    pairs = [(s, a) for a in assigns for s in studs if any((f / s / a).is_dir() for f in folders)]
    if not pairs:
        what = [w for w in (("assignment(s) " + ", ".join(assigns)) if assignments else "",
                            ("student(s) " + ", ".join(studs)) if students else "") if w]
        raise NoSubmissionsError(f"no submissions in {root / 'submitted'} nor {root / 'autograded'}"
                                 + (f" for {' and '.join(what)}" if what else "")
                                 + ": autograde them first (python -m grader autograde)")
    return pairs


# --------------------------------------------------------------------------- generating

_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Z]\w*): (.+)$")


def _reason(result: dict) -> str:
    """The exception nbgrader met, from its log (``NotJSONError: ...``), else its own error's last line."""
    for text in (result.get("log") or "", result.get("error") or ""):
        for line in reversed(text.splitlines()):
            match = _EXCEPTION_LINE.match(line.strip())
            if match and match.group(1) != "NbGraderException":
                return f"{match.group(1)}: {match.group(2)}"[:500]
    lines = [ln.strip() for ln in (result.get("error") or result.get("log") or "").splitlines() if ln.strip()]
    return lines[-1][:500] if lines else "nbgrader did not write the feedback (no error given)"


def generate_feedback(
    root: str | os.PathLike | None = None,
    assignments: Iterable[str] | None = None,
    students: Iterable[str] | None = None,
    *,
    on_done: Callable[[FeedbackResult], None] | None = None,
) -> list[FeedbackResult]:
    """Write the students' feedback HTML for every autograded submission asked for.

    For each pair of :func:`plan_feedback`: a submission without autograded notebook, or whose
    last ``python -m grader autograde`` failed or did not finish, is ``skipped`` with the reason;
    otherwise the submission's time is put in ``autograded/`` when missing
    (:func:`ensure_submission_files`) and nbgrader's ``NbGraderAPI.generate_feedback`` (forced,
    so a re-grade's feedback replaces the old one) writes
    ``feedback/<student>/<assignment>/<notebook>.html`` with the course config and
    :func:`feedback_config` over it. Never raises for one submission: its error becomes a
    ``failed`` result and the next one is done.

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignments, students : iterable of str or None
        Restrict to these (``None``: everything found, see :func:`plan_feedback`).
    on_done : callable or None
        Called with each :class:`FeedbackResult` as soon as it is known.

    Returns
    -------
    list of FeedbackResult
        One per pair, in the order of :func:`plan_feedback`.

    Raises
    ------
    grader.autograde.UnknownAssignmentError, grader.autograde.NoSubmissionsError
        See :func:`plan_feedback` (nothing is written then).
    """
    from grader.status import load_statuses, status_path

    root = find_course_root(root)
    pairs = plan_feedback(root, assignments, students)
    known = set(assignment_ids(root)) | set(subfolders(root / "source")) | set(subfolders(root / "release"))
    statuses = load_statuses(status_path(root))
    api = None
    results = []
    for student, assignment in pairs:
        start = time.monotonic()
        result = FeedbackResult(student, assignment, "written")
        autograded = root / "autograded" / student / assignment
        notebooks = sorted(p.stem for p in autograded.glob("*.ipynb")) if autograded.is_dir() else []
        record = statuses.get((student, assignment))
        if assignment not in known:
            result.status, result.reason = "skipped", "not an assignment of this course"
        elif record is not None and record.status in ("failed", "in progress"):
            result.status = "skipped"
            result.reason = (f"its last autograde failed ({record.reason}): no grade to give feedback on"
                             if record.status == "failed" else
                             "its autograde was stopped before it finished (python -m grader autograde --resume)")
            stale = root / "feedback" / student / assignment
            if stale.is_dir():  # it described an earlier grading: never released by mistake
                shutil.rmtree(stale)
                result.reason += "; its earlier feedback was removed"
        elif not notebooks:
            result.status, result.reason = "skipped", "not autograded yet (run python -m grader autograde first)"
        else:
            try:
                result.time = ensure_submission_files(autograded, root / "submitted" / student / assignment)
                if api is None:
                    api = course_api(root, config=feedback_config(root))
                out = api.generate_feedback(assignment, student, force=True)
                dest = root / "feedback" / student / assignment
                written = [dest / f"{name}.html" for name in notebooks]
                result.files = [str(p.relative_to(root)) for p in written if p.is_file()]
                if not out.get("success") or len(result.files) < len(notebooks):
                    result.status, result.reason = "failed", _reason(out)
            except Exception as exc:  # noqa: BLE001 - one submission never stops the others
                result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"[:500]
        result.seconds = round(time.monotonic() - start, 2)
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results


def exit_code(results: Iterable[FeedbackResult]) -> int:
    """0 when no feedback failed (skipped ones are not errors), else 1."""
    return 1 if any(r.status == "failed" for r in results) else 0
