"""The class list and the grade files an LMS imports.

* :func:`read_roster` / :func:`import_roster`: a CSV of students (``id``, ``first_name``,
  ``last_name``, ``email``; optional ``section``, ``canvas_id``, ``sis_login_id``) checked
  and written into the nbgrader gradebook (``python -m grader roster import FILE.csv``), so
  the formgrader shows names instead of "None, None";
* :func:`gradebook_roster`: the students the gradebook knows, with their names;
* :func:`canvas_table`: the scores as Canvas's gradebook import expects them (columns
  ``Student, ID, SIS User ID, SIS Login ID, Section``, one column per assignment, and a
  "Points Possible" row); :func:`long_table`: one row per student and assignment for any
  other LMS (``python -m grader collect --format canvas|long``).

Both tables are pure functions of :func:`grader.collect.collect_scores`'s DataFrame and the
roster; writing them is the caller's step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["ROSTER_COLUMNS", "RosterError", "ImportResult", "read_roster", "import_roster", "gradebook_roster",
           "save_roster", "course_roster", "canvas_table", "long_table", "write_exports"]

#: The checked copy of the last imported roster, in the course root (sections and LMS ids
#: are not gradebook fields).
ROSTER_FILE = "roster.csv"

#: Columns of a roster, in order: the first four are nbgrader's student fields.
ROSTER_COLUMNS = ("id", "first_name", "last_name", "email", "section", "canvas_id", "sis_login_id")

#: Header spellings accepted for each column (lower-cased, spaces and dashes as underscores).
_ALIASES = {
    "id": ("id", "student_id", "student", "sis_user_id", "username"),
    "first_name": ("first_name", "firstname", "given_name"),
    "last_name": ("last_name", "lastname", "surname", "family_name"),
    "email": ("email", "e_mail", "email_address"),
    "section": ("section",),
    "canvas_id": ("canvas_id",),
    "sis_login_id": ("sis_login_id", "login_id"),
}


class RosterError(ValueError):
    """Raised for a roster file that cannot be imported as it is (the message says why)."""


@dataclass
class ImportResult:
    """What :func:`import_roster` did.

    Attributes
    ----------
    added, updated : list of str
        Student ids created in the gradebook / whose names or email changed.
    unchanged : int
        Students already there with the same fields.
    """

    added: list[str]
    updated: list[str]
    unchanged: int


def _norm(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def read_roster(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a roster CSV.

    Parameters
    ----------
    path : path-like
        A CSV with a header row. ``id`` (or ``student_id``, ``username``...) is required;
        ``first_name``, ``last_name``, ``email``, ``section``, ``canvas_id``,
        ``sis_login_id`` are optional. A UTF-8 byte-order mark (Excel's) is accepted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ROSTER_COLUMNS` (string dtype, ``""`` where not given), one row per
        student, in the file's order.

    Raises
    ------
    RosterError
        If the file cannot be read, has no id column, a blank id, an id that is not a valid
        folder name (it names ``submitted/<id>/``), or the same id twice.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path} is not a readable CSV file ({exc})") from None
    found = {_norm(c): c for c in raw.columns}
    out = pd.DataFrame(index=raw.index)
    for column in ROSTER_COLUMNS:
        source = next((found[a] for a in _ALIASES[column] if a in found), None)
        out[column] = raw[source].str.strip() if source is not None else ""
        if column == "id" and source is None:
            raise RosterError(f"{path} has no student id column (expected one of: {', '.join(_ALIASES['id'])}); "
                              f"its columns are: {', '.join(map(str, raw.columns))}")
    for i, sid in out["id"].items():
        line = i + 2  # the header is line 1
        if not sid:
            raise RosterError(f"{path}, line {line}: the student id is blank")
        if sid in (".", "..") or "/" in sid or "\\" in sid or sid.startswith("."):
            raise RosterError(f"{path}, line {line}: {sid!r} cannot be a student id (it names a folder "
                              "submitted/<id>/)")
    dups = sorted(out.loc[out["id"].duplicated(), "id"].unique())
    if dups:
        where = "; ".join(f"{d} on lines {', '.join(str(i + 2) for i in out.index[out['id'] == d])}" for d in dups)
        raise RosterError(f"{path}: student id(s) listed more than once: {where}")
    return out.astype("string").reset_index(drop=True)


def import_roster(db_url: str, roster: pd.DataFrame) -> ImportResult:
    """Create or update the roster's students in the nbgrader gradebook.

    Parameters
    ----------
    db_url : str
        The gradebook's URL (SQLite or PostgreSQL).
    roster : pandas.DataFrame
        From :func:`read_roster`.

    Returns
    -------
    ImportResult
        Nothing is removed: a student of the gradebook missing from the roster stays.

    Notes
    -----
    Uses nbgrader's ``Gradebook.update_or_create_student`` (what ``nbgrader db student
    import`` does); ``section``, ``canvas_id`` and ``sis_login_id`` are not gradebook fields
    and are read from the roster file again at export time.
    """
    from nbgrader.api import Gradebook, MissingEntry

    added, updated, unchanged = [], [], 0
    with Gradebook(db_url) as gb:
        for row in roster.itertuples(index=False):
            fields = {"first_name": row.first_name or None, "last_name": row.last_name or None,
                      "email": row.email or None}
            try:
                student = gb.find_student(row.id)
            except MissingEntry:
                gb.update_or_create_student(row.id, **fields)
                added.append(row.id)
                continue
            if any(getattr(student, k) != v for k, v in fields.items()):
                gb.update_or_create_student(row.id, **fields)
                updated.append(row.id)
            else:
                unchanged += 1
    return ImportResult(added, updated, unchanged)


def gradebook_roster(db_url: str) -> pd.DataFrame:
    """The students of the gradebook with their names (the roster as nbgrader stores it).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ROSTER_COLUMNS` (string; ``section``, ``canvas_id`` and
        ``sis_login_id`` empty), sorted by id.
    """
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        rows = [{"id": s.id, "first_name": s.first_name or "", "last_name": s.last_name or "",
                 "email": s.email or ""} for s in gb.students]
    out = pd.DataFrame(rows, columns=list(ROSTER_COLUMNS[:4]))
    for column in ROSTER_COLUMNS[4:]:
        out[column] = ""
    return out.sort_values("id").reset_index(drop=True).astype("string")


def save_roster(root: str | os.PathLike, roster: pd.DataFrame) -> tuple[Path, list[str]]:
    """Merge the checked roster into ``<root>/roster.csv`` (columns :data:`ROSTER_COLUMNS`).

    A student of an earlier import who is not in ``roster`` keeps their row (a one-student
    file for a late change removes nobody's section or LMS ids); a student in both takes the
    new row.

    Returns
    -------
    (pathlib.Path, list of str)
        The file, and the ids whose section, ``canvas_id`` or ``sis_login_id`` changed.
    """
    path = Path(root) / ROSTER_FILE
    changed: list[str] = []
    if path.is_file():
        kept = read_roster(path)
        old = kept.set_index("id")
        for row in roster.itertuples(index=False):
            if row.id in old.index and any(str(old.loc[row.id, c]) != str(getattr(row, c)) for c in ROSTER_COLUMNS[4:]):
                changed.append(row.id)
        roster = pd.concat([kept[~kept["id"].isin(roster["id"])], roster], ignore_index=True)
    roster.to_csv(path, index=False)
    return path, changed


def course_roster(root: str | os.PathLike, db_url: str) -> pd.DataFrame:
    """The roster for exports: the gradebook's names, completed by ``<root>/roster.csv``
    (sections, Canvas and login ids) where it exists.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ROSTER_COLUMNS`.
    """
    known = gradebook_roster(db_url)
    path = Path(root) / ROSTER_FILE
    if not path.is_file():
        return known
    kept = read_roster(path).set_index("id")
    known = known.set_index("id")
    for column in ROSTER_COLUMNS[4:]:
        known[column] = known.index.map(kept[column]).fillna("").astype("string")
    extra = kept.loc[~kept.index.isin(known.index)]
    return pd.concat([known, extra[known.columns]]).reset_index().astype("string")


def _merged_roster(scores: pd.DataFrame, roster: pd.DataFrame | None) -> pd.DataFrame:
    students = sorted(scores["student"].unique())
    base = pd.DataFrame({"id": students}).astype("string")
    if roster is None or roster.empty:
        roster = pd.DataFrame(columns=list(ROSTER_COLUMNS)).astype("string")
    merged = base.merge(roster.drop_duplicates("id"), on="id", how="left")
    return merged.fillna("").astype("string")


def canvas_table(scores: pd.DataFrame, roster: pd.DataFrame | None = None) -> pd.DataFrame:
    """The scores in the layout of Canvas's gradebook CSV import.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`grader.collect.collect_scores`.
    roster : pandas.DataFrame or None
        From :func:`read_roster` or :func:`gradebook_roster`: names, Canvas ids, sections.

    Returns
    -------
    pandas.DataFrame
        Columns ``Student`` ("Last, First", or the id when no name is known), ``ID`` (the
        roster's ``canvas_id``, else empty), ``SIS User ID`` (our student id), ``SIS Login
        ID`` (the roster's ``sis_login_id``, else the student id), ``Section``, then one
        column per assignment (the autograded part), then ``<assignment> (written)`` for each
        assignment with written answers. The first row is ``Points Possible`` with each
        column's maximum; then one row per student: the score of a graded submission (of
        written answers a TA has scored), empty otherwise (Canvas leaves an empty cell
        ungraded; a failed submission or a pending written answer must not become a 0
        there).

    Notes
    -----
    Canvas matches rows on ``ID``, ``SIS User ID`` or ``SIS Login ID``; a column whose
    header is not an existing Canvas assignment creates one on import.
    """
    from grader.collect import with_written_columns

    scores = with_written_columns(scores)
    people = _merged_roster(scores, roster)
    assignments = sorted(scores["assignment"].unique())
    maxima = scores.groupby("assignment")["max_score"].first()
    manual_maxima = scores.groupby("assignment")["manual_max"].first().fillna(0.0)
    written = [a for a in assignments if manual_maxima[a] > 0]
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments,
              *[f"{a} (written)" for a in written]]
    rows = [["Points Possible", "", "", "", "", *[f"{maxima[a]:g}" for a in assignments],
             *[f"{manual_maxima[a]:g}" for a in written]]]
    graded = scores[scores["status"] == "graded"].set_index(["student", "assignment"])["score"]
    manual = scores[scores["manual_status"] == "graded"].set_index(["student", "assignment"])["manual_score"]
    for p in people.itertuples(index=False):
        name = f"{p.last_name}, {p.first_name}" if p.last_name and p.first_name else (p.last_name or p.first_name or p.id)
        values = [f"{graded[(p.id, a)]:g}" if (p.id, a) in graded.index else "" for a in assignments]
        values += [f"{manual[(p.id, a)]:g}" if (p.id, a) in manual.index else "" for a in written]
        rows.append([name, p.canvas_id, p.id, p.sis_login_id or p.id, p.section, *values])
    return pd.DataFrame(rows, columns=header, dtype="string")


def long_table(scores: pd.DataFrame, roster: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per student and assignment, for any LMS (the "long" format).

    Returns
    -------
    pandas.DataFrame
        Columns ``student_id``, ``first_name``, ``last_name``, ``email``, ``section``,
        ``assignment``, ``score`` (float64, ``NaN`` unless graded), ``max_score``,
        ``status``, ``reason``, then the written answers' ``manual_score``, ``manual_max``,
        ``manual_status``, then ``raw_score``, ``penalty``, ``timestamp``, ``due``,
        ``late_days`` (the late policy; see :func:`grader.collect.collect_scores`); sorted
        by student then assignment.
    """
    from grader.collect import with_late_columns, with_written_columns

    scores = with_late_columns(with_written_columns(scores))
    people = _merged_roster(scores, roster).set_index("id")
    late = ["raw_score", "penalty", "timestamp", "due", "late_days"]
    out = scores[["student", "assignment", "score", "max_score", "status", "reason", "manual_score", "manual_max",
                  "manual_status", *late]].copy()
    for column in ("first_name", "last_name", "email", "section"):
        out[column] = out["student"].map(people[column]).fillna("").astype("string")
    out = out.rename(columns={"student": "student_id"})
    cols = ["student_id", "first_name", "last_name", "email", "section", "assignment", "score", "max_score",
            "status", "reason", "manual_score", "manual_max", "manual_status", *late]
    return out[cols].sort_values(["student_id", "assignment"]).reset_index(drop=True)


def write_exports(scores: pd.DataFrame, roster: pd.DataFrame | None, out: str | os.PathLike,
                  formats) -> dict[str, Path]:
    """Write ``canvas.csv`` and/or ``grades_long.csv`` to ``out`` (see :func:`canvas_table`, :func:`long_table`).

    Returns
    -------
    dict of str to pathlib.Path
        Format -> file written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    if "canvas" in formats:
        paths["canvas"] = out / "canvas.csv"
        canvas_table(scores, roster).to_csv(paths["canvas"], index=False)
    if "long" in formats:
        paths["long"] = out / "grades_long.csv"
        long_table(scores, roster).to_csv(paths["long"], index=False, float_format="%.10g")
    return paths
