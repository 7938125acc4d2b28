"""The persistent status of every submission: graded, failed (with the reason), missing, skipped.

``python -m grader autograde`` records one :class:`SubmissionStatus` per (student,
assignment) in ``autograded/.grader/status.json`` after each submission, so an
interrupted run keeps what it did and ``collect`` can tell a failed autograde from a
real score of 0. The file never lives in ``gradebook.db`` (nbgrader owns that) and is
rewritten atomically. Deleting ``autograded/`` resets it together with nbgrader's
autograded notebooks.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "STATUSES",
    "SubmissionStatus",
    "status_dir",
    "status_path",
    "load_statuses",
    "save_statuses",
    "update_statuses",
]

#: Every status a submission can have.
#:
#: * ``graded``: nbgrader executed the notebook and saved its scores (possibly after a
#:   repair listed in ``notes``: renamed notebook, duplicated cell, restored test cell).
#: * ``failed``: it could not be graded; ``reason`` says why (not a notebook, the
#:   notebook not found, nbgrader's error...). Its score is unknown, never 0.
#: * ``missing``: the student has no submission for that assignment.
#: * ``skipped``: not graded on purpose (the assignment is not one of the course's).
#: * ``in progress``: a grading run started it and was stopped before it was done;
#:   ``python -m grader autograde --resume`` completes it.
STATUSES = ("graded", "failed", "missing", "skipped", "in progress")


@dataclass
class SubmissionStatus:
    """What happened to one submission.

    Attributes
    ----------
    student, assignment : str
        Identify the submission (``submitted/<student>/<assignment>/``).
    status : str
        One of :data:`STATUSES`.
    reason : str
        Why it failed, is missing or was skipped; ``""`` when graded.
    notes : list of str
        Repairs and remarks (``renamed: ...``, ``duplicate grade_id ...``,
        ``restored deleted cell ...``, ``student added to the gradebook``...).
    score, max_score : float or None
        The autograded score from the gradebook; ``None`` unless graded.
    seconds : float
        Wall-clock time spent on it.
    sandbox : bool or None
        Whether the notebook ran in the sandbox (``None``: not executed, or an old record).
    run : str
        Id of the grading run that wrote the record (see ``--resume``).
    grades : dict of str to list
        The gradebook's grades right after autograding,
        ``{"<notebook>/<grade_id>": [auto_score, manual_score, extra_credit]}``: what
        ``collect``'s integrity check compares the gradebook with.
    """

    student: str
    assignment: str
    status: str
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    sandbox: bool | None = None
    run: str = ""
    grades: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}: expected one of {', '.join(STATUSES)}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.student, self.assignment)

    def describe(self) -> str:
        """One line for a terminal: ``failed: not valid JSON``, ``graded 7/10``."""
        if self.status == "graded":
            text = f"graded {_fmt(self.score)}/{_fmt(self.max_score)}"
        else:
            text = f"{self.status}: {self.reason}" if self.reason else self.status
        if self.notes:
            text += " (" + "; ".join(self.notes) + ")"
        return text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionStatus":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def status_dir(root: str | os.PathLike) -> Path:
    """Return ``<root>/autograded/.grader``: statuses and nbgrader logs of the grader."""
    return Path(root) / "autograded" / ".grader"


def status_path(root: str | os.PathLike) -> Path:
    """Return the status file of a course root: ``<root>/autograded/.grader/status.json``."""
    return status_dir(root) / "status.json"


def load_statuses(path: str | os.PathLike) -> dict[tuple[str, str], SubmissionStatus]:
    """Read a status file.

    Parameters
    ----------
    path : path-like
        A file written by :func:`save_statuses`.

    Returns
    -------
    dict of (student, assignment) to SubmissionStatus
        Empty if the file does not exist.

    Raises
    ------
    ValueError
        If the file exists but is not a status file.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = [SubmissionStatus.from_dict(r) for r in data["submissions"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a grader status file: {exc}") from exc
    return {r.key: r for r in records}


def save_statuses(path: str | os.PathLike, statuses: dict[tuple[str, str], SubmissionStatus]) -> Path:
    """Write statuses atomically (a temporary file renamed over the old one).

    Parameters
    ----------
    path : path-like
    statuses : dict of (student, assignment) to SubmissionStatus

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [statuses[k].to_dict() for k in sorted(statuses)]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".status-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"version": 1, "submissions": records}, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def update_statuses(path: str | os.PathLike, *records: SubmissionStatus) -> Path:
    """Merge records into a status file: each replaces the one of the same submission.

    Parameters
    ----------
    path : path-like
    *records : SubmissionStatus

    Returns
    -------
    pathlib.Path
    """
    statuses = load_statuses(path)
    for r in records:
        statuses[r.key] = r
    return save_statuses(path, statuses)
