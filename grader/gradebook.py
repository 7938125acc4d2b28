"""The gradebook's single writer: private copies for the notebooks being graded, one merge back.

nbgrader's ``autograde`` writes its grades into the gradebook it is given. The grader gives
each submission a *private copy* of the course's SQLite gradebook (made with SQLite's
online backup, so it is consistent even while the coordinator writes), lets nbgrader grade
into that copy, and then the coordinating process alone copies that submission's automatic
results (auto scores, auto comments, flags, late penalties, timestamp) into the course's
gradebook. Manual scores and comments already in the course's gradebook are kept, as
nbgrader keeps them on a re-grade.

So several submissions can be graded at once (``--workers``) and SQLite still has exactly
one writer, and every mode writes the same rows.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

__all__ = ["sqlite_path", "private_copy", "merge_submission"]


def sqlite_path(db_url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for another database."""
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///"):])
    return None


def private_copy(db_url: str, dest: str | os.PathLike) -> str:
    """Copy the gradebook ``db_url`` into the folder ``dest``; return the copy's URL.

    Parameters
    ----------
    db_url : str
        A ``sqlite:///`` URL of the course's gradebook.
    dest : path-like
        An existing folder (the submission's private temporary folder).

    Returns
    -------
    str
        ``sqlite:///<dest>/gradebook.db``.

    Raises
    ------
    ValueError
        If ``db_url`` is not a SQLite URL (a server database needs no private copy: see
        the throughput issue's PostgreSQL support).
    """
    path = sqlite_path(db_url)
    if path is None:
        raise ValueError(f"a private gradebook copy needs a sqlite:/// URL, not {db_url!r}")
    target = Path(dest) / "gradebook.db"
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return f"sqlite:///{target}"


def merge_submission(src_url: str, dst_url: str, course_id: str, assignment: str, student: str) -> None:
    """Copy one submission's automatic results from ``src_url`` into ``dst_url``.

    Parameters
    ----------
    src_url : str
        The private gradebook nbgrader graded into.
    dst_url : str
        The course's gradebook (written here, and only here).
    course_id : str
    assignment, student : str
        The submission.

    Raises
    ------
    nbgrader.api.MissingEntry
        If the submission is not in ``src_url`` (nbgrader did not grade it).
    """
    import warnings

    from nbgrader.api import Gradebook

    with warnings.catch_warnings(), Gradebook(src_url, course_id) as src, Gradebook(dst_url, course_id) as dst:
        # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warnings on a
        # new submission; they are about nbgrader's own session and change nothing here
        warnings.simplefilter("ignore")
        sub = src.find_submission(assignment, student)
        person = src.find_student(student)
        dst.update_or_create_student(student, first_name=person.first_name, last_name=person.last_name,
                                     email=person.email, lms_user_id=person.lms_user_id)
        dst.update_or_create_submission(assignment, student, timestamp=sub.timestamp)
        for nb in sub.notebooks:
            target = dst.find_submission_notebook(nb.name, assignment, student)
            target.flagged = nb.flagged
            target.late_submission_penalty = nb.late_submission_penalty
            for grade in nb.grades:
                row = dst.find_grade(grade.name, nb.name, assignment, student)
                row.auto_score = grade.auto_score
                # as nbgrader's SaveAutoGrades: a manual score, or no automatic one, needs review
                row.needs_manual_grade = row.manual_score is not None or row.auto_score is None
            for comment in nb.comments:
                row = dst.find_comment(comment.name, nb.name, assignment, student)
                row.auto_comment = comment.auto_comment
        dst.db.commit()
