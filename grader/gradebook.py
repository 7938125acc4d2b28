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

A server gradebook (PostgreSQL: ``c.CourseDirectory.db_url = "postgresql://..."`` or
``--db``) lets several graders (TAs, machines) write at once: the private copy is then a
SQLite file holding the course's definitions and the graded student's rows, read in one
snapshot, and the merge is tried again when it meets another grader's
concurrent write.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

__all__ = ["sqlite_path", "private_copy", "merge_submission", "STUDENT_TABLES", "is_written_answer",
           "is_written_answer_cell"]


def is_written_answer(cell_type: str | None) -> bool:
    """Whether a grade cell of the gradebook (its ``grade_cells.cell_type``) is a written answer.

    The course's written answers are nbgrader's manually graded answer cells: markdown cells
    marked ``grade`` and ``solution``. nbgrader gives them no automatic score; a TA scores
    them in the formgrader. Every other grade cell is an autograded test cell.

    Parameters
    ----------
    cell_type : str or None
        ``"markdown"`` or ``"code"``.

    Returns
    -------
    bool
    """
    return cell_type == "markdown"


def is_written_answer_cell(cell) -> bool:
    """Whether a notebook cell (nbformat) is a written answer: markdown, nbgrader ``grade`` and ``solution``."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution"))


def sqlite_path(db_url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for another database."""
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///"):])
    return None


#: Tables holding one student's work; a private copy from a server database holds the graded
#: student's rows only (the course's definitions are copied whole).
STUDENT_TABLES = ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")


def private_copy(db_url: str, dest: str | os.PathLike, *, student: str | None = None) -> str:
    """Copy the gradebook ``db_url`` into the folder ``dest``; return the copy's URL.

    Parameters
    ----------
    db_url : str
        The course's gradebook: a ``sqlite:///`` URL (copied whole with SQLite's online
        backup) or a server database such as ``postgresql://user@host/db`` (copied table by
        table in one consistent read: the course's assignments, notebooks and cells, and the
        rows of ``student`` only when it is given).
    dest : path-like
        An existing folder (the submission's private temporary folder).
    student : str or None
        The student graded into the copy (server databases only; ``None``: every student).

    Returns
    -------
    str
        ``sqlite:///<dest>/gradebook.db``.

    Raises
    ------
    sqlalchemy.exc.SQLAlchemyError
        If the server database cannot be read.
    """
    target = Path(dest) / "gradebook.db"
    path = sqlite_path(db_url)
    if path is None:
        _copy_from_server(db_url, target, student)
        return f"sqlite:///{target}"
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


def _student_rows(table, student: str, kept: dict[str, list]):
    """The WHERE clause keeping ``student``'s rows of a :data:`STUDENT_TABLES` table.

    ``kept`` holds the ids already copied from the tables before it (nbgrader's tables are
    visited parents first), so a notebook's grades follow its submission.
    """
    if table.name == "student":
        return table.c.id == student
    if table.name == "submitted_assignment":
        return table.c.student_id == student
    if table.name == "submitted_notebook":
        return table.c.assignment_id.in_(kept["submitted_assignment"])
    return table.c.notebook_id.in_(kept["submitted_notebook"])  # grade, comment


def _copy_from_server(db_url: str, target: Path, student: str | None) -> None:
    """A SQLite gradebook at ``target`` with the rows of the server database ``db_url``."""
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, delete, select

    with Gradebook(f"sqlite:///{target}", "_"):
        pass  # nbgrader creates its schema (and its migration stamp) in the new file
    source = create_engine(db_url, future=True)
    copy = create_engine(f"sqlite:///{target}", future=True)
    kept: dict[str, list] = {}
    try:
        with source.connect() as src, copy.begin() as dst:
            if source.dialect.name == "postgresql":  # one snapshot: other graders may be writing
                src = src.execution_options(isolation_level="REPEATABLE READ")
            with src.begin():
                for table in Base.metadata.sorted_tables:
                    dst.execute(delete(table))
                    query = select(table)
                    if student is not None and table.name in STUDENT_TABLES:
                        query = query.where(_student_rows(table, student, kept))
                    rows = [dict(row._mapping) for row in src.execute(query)]
                    kept[table.name] = [row["id"] for row in rows]
                    if rows:
                        dst.execute(table.insert(), rows)
                _copy_extensions(src, dst)
    finally:
        source.dispose()
        copy.dispose()


def _copy_extensions(src, dst) -> None:
    """The grader's extensions table (:data:`grader.assignments.EXTENSION_TABLE`), if the source has one."""
    from sqlalchemy import inspect, select

    from grader.assignments import EXTENSION_TABLE

    if not inspect(src).has_table(EXTENSION_TABLE.name):
        return
    EXTENSION_TABLE.create(dst, checkfirst=True)
    rows = [dict(row._mapping) for row in src.execute(select(EXTENSION_TABLE))]
    if rows:
        dst.execute(EXTENSION_TABLE.insert(), rows)


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
    sqlalchemy.exc.SQLAlchemyError
        If the course's gradebook cannot be written (after :data:`MERGE_ATTEMPTS` tries when
        other graders write the same rows at once).
    """
    from sqlalchemy.exc import IntegrityError, OperationalError

    for attempt in range(MERGE_ATTEMPTS):
        try:
            _merge(src_url, dst_url, course_id, assignment, student)
            return
        except (IntegrityError, OperationalError):
            # another grader wrote the same rows at the same moment (a server database): the
            # merge is idempotent, so it is tried again on what is there now
            if attempt == MERGE_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


#: Attempts of a merge that meets another grader's concurrent write (server databases).
MERGE_ATTEMPTS = 5


def _merge(src_url: str, dst_url: str, course_id: str, assignment: str, student: str) -> None:
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
