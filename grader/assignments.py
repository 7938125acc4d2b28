"""Due dates and per-student extensions: the course's tables, read into the gradebook.

* ``assignments.csv`` (course root): one row per assignment, columns ``assignment`` and
  ``due`` (an ISO 8601 date and time, e.g. ``2027-01-15 23:59:00+01:00``; without a time
  zone the time is UTC; empty: no due date). nbgrader keeps the due date on its
  ``Assignment`` (the formgrader shows it, and nbgrader measures how late a submission is
  against it).
* ``extensions.csv`` (course root, optional): columns ``assignment``, ``student``, ``days``
  (extra days, may be fractional, e.g. ``2`` or ``0.5``). nbgrader's own extensions live on
  a submission, which exists only once the student's work is autograded, so the grader keeps
  them in a table of its own in the gradebook (:data:`EXTENSION_TABLE`) where the late
  policy (:class:`grader.late.LatePenalty`) reads them.

``python -m grader assignments sync`` = :func:`read_assignments` + :func:`read_extensions` +
:func:`sync_assignments`. Late penalties are computed when a submission is autograded (as
nbgrader does): a due date set later applies once the submission is autograded again.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Column, Float, MetaData, String, Table

__all__ = ["ASSIGNMENTS_FILE", "EXTENSIONS_FILE", "EXTENSION_TABLE", "DueDateError", "SyncResult",
           "read_assignments", "read_extensions", "sync_assignments", "extension_days", "parse_due"]

#: The course's table of due dates, in the course root.
ASSIGNMENTS_FILE = "assignments.csv"
#: The course's optional table of per-student extensions, in the course root.
EXTENSIONS_FILE = "extensions.csv"

_metadata = MetaData()
#: The grader's table of extensions in the gradebook (nbgrader ignores tables it does not know).
EXTENSION_TABLE = Table(
    "grader_extension", _metadata,
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("days", Float, nullable=False),
)


class DueDateError(ValueError):
    """Raised for an ``assignments.csv`` or ``extensions.csv`` that cannot be used as it is."""


@dataclass
class SyncResult:
    """What :func:`sync_assignments` did.

    Attributes
    ----------
    due : dict of str to datetime.datetime or None
        Each assignment of the table with its due date as stored (UTC, naive, as nbgrader
        keeps it); ``None``: no due date.
    created : list of str
        Assignments the gradebook did not know yet (created, without notebooks, until
        ``make release`` fills them).
    extensions : int
        Extensions stored (the table replaces every earlier one).
    changed : list of str
        Assignments whose due date or extensions differ from what the gradebook held.
    graded : int
        Submissions of the ``changed`` assignments already in the gradebook: their late
        penalties change only when they are autograded again.
    warnings : list of str
        Likely mistakes that were stored all the same: an extension for a student the
        gradebook does not know (a typo, or a student not imported yet), or for an
        assignment without a due date.
    """

    due: dict[str, dt.datetime | None]
    created: list[str] = field(default_factory=list)
    extensions: int = 0
    changed: list[str] = field(default_factory=list)
    graded: int = 0
    warnings: list[str] = field(default_factory=list)


def parse_due(text: str, *, where: str = "") -> dt.datetime | None:
    """Parse a due date into nbgrader's form: a naive datetime in UTC.

    Parameters
    ----------
    text : str
        ISO 8601, e.g. ``2027-01-15 23:59``, ``2027-01-15T23:59:00+01:00`` or
        ``2027-01-15 22:59:00 UTC``; without a time zone the time is UTC; empty: no due date.
    where : str
        Where the text comes from, for the error message (``"assignments.csv line 3"``).

    Returns
    -------
    datetime.datetime or None
        The time in UTC without tzinfo (``None`` for an empty text).

    Raises
    ------
    DueDateError
        If the text is not a date and time.
    """
    text = str(text).strip()
    if not text or text.lower() == "nan":
        return None
    example = "write e.g. 2027-01-15 23:59:00+01:00, ISO 8601"
    try:  # ISO 8601 only: 12/01/2026 is 1 December to some and 12 January to others
        stamp = dt.datetime.fromisoformat(text[:-4] + "+00:00" if text.endswith(" UTC") else text)
    except ValueError:
        raise DueDateError(f"{where}: {text!r} is not a date and time ({example})") from None
    if ":" not in text.split("+")[0][10:]:
        raise DueDateError(f"{where}: {text!r} has no time of day: midnight or the end of the day? ({example})")
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return stamp


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
    except FileNotFoundError:
        raise DueDateError(f"no {path.name} at {path}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DueDateError(f"{path}: not a CSV table ({exc})") from exc
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DueDateError(f"{path}: missing column(s) {', '.join(missing)} (the header must name "
                           f"{', '.join(required)})")
    return table.apply(lambda col: col.str.strip())


def read_assignments(path: str | os.PathLike, known: list[str] | None = None) -> dict[str, dt.datetime | None]:
    """Read the course's ``assignments.csv``.

    Parameters
    ----------
    path : path-like
        The table: a header with ``assignment`` and ``due``; one row per assignment.
    known : list of str, optional
        The course's assignments (``c.Course.assignments``): an assignment outside them is
        an error (most likely a typo).

    Returns
    -------
    dict of str to datetime.datetime or None
        Each assignment's due date (UTC, naive); ``None`` where ``due`` is empty.

    Raises
    ------
    DueDateError
        For a missing file or column, an empty or unknown assignment name, an assignment
        listed twice or a due date that is not a date (the message names the line).
    """
    path = Path(path)
    table = _read_csv(path, ("assignment", "due"))
    out: dict[str, dt.datetime | None] = {}
    for i, row in enumerate(table.itertuples(index=False), start=2):
        where = f"{path.name} line {i}"
        name = row.assignment
        if not name:
            raise DueDateError(f"{where}: no assignment name")
        if known is not None and name not in known:
            raise DueDateError(f"{where}: unknown assignment {name!r} (the course's: {', '.join(known)})")
        if name in out:
            raise DueDateError(f"{where}: {name} is listed twice")
        out[name] = parse_due(row.due, where=where)
    return out


def read_extensions(path: str | os.PathLike, assignments: list[str]) -> dict[tuple[str, str], float]:
    """Read the course's ``extensions.csv``.

    Parameters
    ----------
    path : path-like
        The table: a header with ``assignment``, ``student`` and ``days``.
    assignments : list of str
        The assignments an extension may name.

    Returns
    -------
    dict of (str, str) to float
        ``(assignment, student) -> days`` (> 0).

    Raises
    ------
    DueDateError
        For a missing column, an unknown assignment, an empty student id, a ``days`` that
        is not a positive number, or the same student and assignment twice.
    """
    path = Path(path)
    table = _read_csv(path, ("assignment", "student", "days"))
    out: dict[tuple[str, str], float] = {}
    for i, row in enumerate(table.itertuples(index=False), start=2):
        where = f"{path.name} line {i}"
        if row.assignment not in assignments:
            raise DueDateError(f"{where}: assignment {row.assignment!r} is not in {ASSIGNMENTS_FILE} "
                               f"(there: {', '.join(assignments) or 'none'})")
        if not row.student:
            raise DueDateError(f"{where}: no student id")
        try:
            days = float(row.days)
        except ValueError:
            raise DueDateError(f"{where}: days {row.days!r} is not a number") from None
        if not days > 0 or days != days or days == float("inf"):
            raise DueDateError(f"{where}: days must be a positive number of days, not {row.days!r}")
        key = (row.assignment, row.student)
        if key in out:
            raise DueDateError(f"{where}: {row.student} has two extensions for {row.assignment}")
        out[key] = days
    return out


def sync_assignments(db_url: str, course_id: str, due: dict[str, dt.datetime | None],
                     extensions: dict[tuple[str, str], float] | None = None) -> SyncResult:
    """Write due dates and extensions into the gradebook ``db_url`` (nbgrader's API).

    Parameters
    ----------
    db_url : str
        The gradebook (created by ``make release``).
    course_id : str
        The course (``c.CourseDirectory.course_id``).
    due : dict
        From :func:`read_assignments`; an assignment the table does not list is left alone.
    extensions : dict, optional
        From :func:`read_extensions`: replaces every extension stored before (``{}`` or
        ``None`` removes them all).

    Returns
    -------
    SyncResult

    Raises
    ------
    sqlalchemy.exc.SQLAlchemyError
        If the gradebook cannot be written.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy import create_engine, delete

    extensions = dict(extensions or {})
    result = SyncResult(due=dict(due))
    before = all_extensions(db_url)
    before = {(r.assignment, r.student): float(r.days) for r in before.itertuples(index=False)}
    with Gradebook(db_url, course_id) as gb:
        students = {s.id for s in gb.students}
        for (name, student), days in sorted(extensions.items()):
            if students and student not in students:
                result.warnings.append(f"extension for {student!r} ({name}): not a student of the gradebook "
                                       "(a typo, or not imported yet: python -m grader roster import)")
            if due.get(name) is None:
                result.warnings.append(f"extension for {student} on {name}, which has no due date: it changes nothing")
        for name, when in due.items():
            try:
                assignment = gb.find_assignment(name)
            except MissingEntry:
                result.created.append(name)
                assignment = gb.add_assignment(name)
            old_ext = {k: v for k, v in before.items() if k[0] == name}
            new_ext = {k: v for k, v in extensions.items() if k[0] == name}
            if assignment.duedate != when or old_ext != new_ext:
                result.changed.append(name)
                result.graded += len(assignment.submissions)
            assignment.duedate = when
        gb.db.commit()
    engine = create_engine(db_url, future=True)
    try:
        EXTENSION_TABLE.create(engine, checkfirst=True)
        rows = [{"assignment": a, "student": s, "days": d} for (a, s), d in sorted(extensions.items())]
        with engine.begin() as conn:
            conn.execute(delete(EXTENSION_TABLE))
            if rows:
                conn.execute(EXTENSION_TABLE.insert(), rows)
    finally:
        engine.dispose()
    result.extensions = len(extensions)
    return result


def extension_days(connection, assignment: str, student: str) -> float:
    """The extra days ``student`` has for ``assignment`` (0.0 when none or no table).

    Parameters
    ----------
    connection : sqlalchemy Connection or Session
        An open connection to the gradebook (nbgrader's ``Gradebook.db`` session works).
    assignment, student : str
        The ids.

    Returns
    -------
    float
        Days, >= 0.
    """
    from sqlalchemy import inspect, select

    bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
    if not inspect(bind).has_table(EXTENSION_TABLE.name):
        return 0.0
    query = select(EXTENSION_TABLE.c.days).where(EXTENSION_TABLE.c.assignment == assignment,
                                                 EXTENSION_TABLE.c.student == student)
    days = connection.execute(query).scalar()
    return float(days or 0.0)


def all_extensions(db_url_or_engine) -> pd.DataFrame:
    """Every stored extension: columns ``assignment``, ``student`` (string), ``days`` (float64)."""
    from sqlalchemy import create_engine, inspect, select

    engine = create_engine(db_url_or_engine, future=True) if isinstance(db_url_or_engine, str) else db_url_or_engine
    try:
        if not inspect(engine).has_table(EXTENSION_TABLE.name):
            return pd.DataFrame({"assignment": pd.Series(dtype="string"), "student": pd.Series(dtype="string"),
                                 "days": pd.Series(dtype="float64")})
        with engine.connect() as conn:
            rows = conn.execute(select(EXTENSION_TABLE)).all()
        return pd.DataFrame(rows, columns=["assignment", "student", "days"]).astype(
            {"assignment": "string", "student": "string", "days": "float64"})
    finally:
        if isinstance(db_url_or_engine, str):
            engine.dispose()
