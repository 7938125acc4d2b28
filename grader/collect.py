"""Read the gradebook into tables a TA can trust and upload; write ``reports/``.

Pure functions build ``pandas.DataFrame`` s from a gradebook (any database URL nbgrader
accepts; read only, never created or modified) and the grader's statuses
(:mod:`grader.status`); :func:`write_reports` writes them in a separate step.

A submission whose autograde failed is ``failed`` with its reason and a missing one is
``missing``: their score is ``NaN`` (an empty CSV cell), never a silent 0. nbgrader itself
shows a crashed autograde as score 0, max 0, ``autograded`` false: its grades have
neither an automatic nor a manual score, which :func:`collect_scores` detects even
without a status file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from grader.gradebook import is_written_answer
from grader.status import SubmissionStatus

__all__ = [
    "GradebookError",
    "SCORE_COLUMNS",
    "TEST_COLUMNS",
    "collect_scores",
    "collect_tests",
    "grades_table",
    "course_maximum",
    "with_written_columns",
    "with_late_columns",
    "assignment_summary",
    "pass_rates",
    "write_reports",
    "INTEGRITY_COLUMNS",
    "check_integrity",
    "check_gradebook",
]

#: Columns of :func:`collect_scores`, with their dtypes.
SCORE_COLUMNS = {
    "student": "string",
    "assignment": "string",
    "status": "string",
    "reason": "string",
    "notes": "string",
    "score": "float64",
    "max_score": "float64",
    "manual_score": "float64",
    "manual_max": "float64",
    "manual_status": "string",
    "raw_score": "float64",
    "penalty": "float64",
    "timestamp": "string",
    "due": "string",
    "late_days": "float64",
}

#: Columns of :func:`collect_tests`, with their dtypes.
TEST_COLUMNS = {
    "student": "string",
    "assignment": "string",
    "notebook": "string",
    "grade_id": "string",
    "score": "float64",
    "max_score": "float64",
    "status": "string",
}

#: Columns of :func:`check_integrity`.
INTEGRITY_COLUMNS = {
    "student": "string",
    "assignment": "string",
    "notebook": "string",
    "grade_id": "string",
    "field": "string",
    "gradebook": "float64",
    "expected": "float64",
    "kind": "string",
    "reason": "string",
}

CRASHED = "autograde did not finish (nbgrader shows score 0 of max 0, autograded false)"


class GradebookError(RuntimeError):
    """Raised when the database is absent or is not an nbgrader gradebook."""


def _engine(db_url: str):
    from sqlalchemy import create_engine, inspect

    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///"):]
        if path and path != ":memory:" and not Path(path).is_file():
            raise GradebookError(
                f"no gradebook at {path}: autograde first (python -m grader autograde), or pass --db URL"
            )
    try:
        engine = create_engine(db_url, future=True)
        tables = set(inspect(engine).get_table_names())
    except Exception as exc:  # noqa: BLE001 - any driver error becomes a clear message
        raise GradebookError(f"cannot open the gradebook {db_url}: {exc}") from exc
    needed = {"assignment", "notebook", "base_cell", "grade_cells", "student", "submitted_assignment",
              "submitted_notebook", "grade"}
    if not needed <= tables:
        hint = ("; an empty database: release the assignments into it first (set "
                "c.CourseDirectory.db_url to this URL in nbgrader_config.py, then `make release`)") if not tables else ""
        raise GradebookError(f"{db_url} is not an nbgrader gradebook (missing tables: "
                             f"{', '.join(sorted(needed - tables))}){hint}")
    return engine


def check_gradebook(db_url: str) -> None:
    """Open the gradebook ``db_url`` once, to fail early with a clear message.

    Raises
    ------
    GradebookError
        If the database is absent, cannot be reached, or is not an nbgrader gradebook.
    """
    path = db_url[len("sqlite:///"):] if db_url.startswith("sqlite:///") else None
    if path and path != ":memory:" and not Path(path).is_file():
        raise GradebookError(f"no gradebook at {path}: check the path (an absolute path takes four slashes: "
                             "sqlite:////home/ta/course/gradebook.db)")
    _engine(db_url).dispose()


def _query(engine, sql: str, course_id: str | None) -> pd.DataFrame:
    from sqlalchemy import text

    where = " WHERE a.course_id = :course" if course_id else ""
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql + where), conn, params={"course": course_id} if course_id else {})


_CELLS_SQL = """
SELECT a.name AS assignment, n.name AS notebook, b.name AS grade_id, g.max_score AS max_score,
       g.cell_type AS cell_type, a.duedate AS due
FROM grade_cells g JOIN base_cell b ON b.id = g.id JOIN notebook n ON n.id = b.notebook_id
JOIN assignment a ON a.id = n.assignment_id"""

_SUBMISSIONS_SQL = """
SELECT a.name AS assignment, sa.student_id AS student, sa.timestamp AS timestamp, a.duedate AS due,
       (SELECT SUM(sn.late_submission_penalty) FROM submitted_notebook sn
        WHERE sn.assignment_id = sa.id) AS penalty
FROM submitted_assignment sa JOIN assignment a ON a.id = sa.assignment_id"""

_GRADES_SQL = """
SELECT a.name AS assignment, sa.student_id AS student, n.name AS notebook, b.name AS grade_id,
       gr.auto_score AS auto_score, gr.manual_score AS manual_score, gr.extra_credit AS extra_credit,
       g.cell_type AS cell_type
FROM grade gr JOIN grade_cells g ON g.id = gr.cell_id JOIN base_cell b ON b.id = g.id
JOIN notebook n ON n.id = b.notebook_id JOIN submitted_notebook sn ON sn.id = gr.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id JOIN assignment a ON a.id = sa.assignment_id"""

_STUDENTS_SQL = "SELECT s.id AS student FROM student s"


def _as_status_map(statuses) -> dict[tuple[str, str], SubmissionStatus]:
    if statuses is None:
        return {}
    if isinstance(statuses, Mapping):
        return dict(statuses)
    return {s.key: s for s in statuses}


def _read(db_url: str, course_id: str | None):
    engine = _engine(db_url)
    try:
        cells = _query(engine, _CELLS_SQL, course_id)
        subs = _query(engine, _SUBMISSIONS_SQL, course_id)
        grades = _query(engine, _GRADES_SQL, course_id)
        from sqlalchemy import text

        with engine.connect() as conn:
            students = pd.read_sql_query(text(_STUDENTS_SQL), conn)
        from grader.assignments import all_extensions

        extensions = all_extensions(engine)
    finally:
        engine.dispose()
    subs = subs.merge(extensions.rename(columns={"days": "extension_days"}), on=["assignment", "student"],
                      how="left")
    subs["extension_days"] = subs["extension_days"].astype("float64").fillna(0.0)
    manual = grades["manual_score"]
    auto = grades["auto_score"]
    extra = grades["extra_credit"].fillna(0.0)
    grades["score"] = np.where(manual.notna(), manual + extra, np.where(auto.notna(), auto + extra, np.nan))
    grades["scored"] = manual.notna() | auto.notna()
    cells["written"] = cells["cell_type"].map(is_written_answer).astype(bool)
    grades["written"] = grades["cell_type"].map(is_written_answer).astype(bool)
    return cells, subs, grades, students


def _typed(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    df = df.reindex(columns=list(columns))
    return df.astype(dict(columns)).reset_index(drop=True)


def collect_scores(
    db_url: str,
    statuses: Mapping[tuple[str, str], SubmissionStatus] | Iterable[SubmissionStatus] | None = None,
    course_id: str | None = None,
    policy=None,
) -> pd.DataFrame:
    """Return one row per (student, assignment) with its status and score.

    Parameters
    ----------
    db_url : str
        An nbgrader database URL, e.g. ``"sqlite:////path/gradebook.db"``. Only read.
    statuses : mapping or iterable of SubmissionStatus, optional
        The grader's records (:func:`grader.status.load_statuses`). A record overrides
        what the gradebook alone suggests: a later autograde that failed makes the
        submission ``failed`` even if the gradebook still holds older scores.
    course_id : str, optional
        Keep only this course's assignments (a database shared by several courses).
    policy : callable, optional
        The late policy, seconds late -> share of the score lost (e.g.
        :func:`grader.late.penalty_fraction` with the course's settings). When given, a
        penalty that the current due date and extensions would not give (they changed after
        the submission was autograded) is named in ``notes`` (``late penalty out of date``).

    Returns
    -------
    pandas.DataFrame
        Columns and dtypes (see :data:`SCORE_COLUMNS`):

        * ``student``, ``assignment`` (string): every student of the gradebook (and
          of ``statuses``) x every assignment that has graded cells and at least
          one submission (in the gradebook or in ``statuses``); sorted by
          assignment then student;
        * ``status`` (string): ``graded``, ``failed``, ``missing`` or ``skipped``;
        * ``reason`` (string): why not graded (``""`` when graded);
        * ``notes`` (string): repairs made before grading, ``"; "``-separated;
        * ``score`` (float64): the autograded score (its test cells; a TA's override of one
          counts) less the late penalty; ``NaN`` unless graded;
        * ``max_score`` (float64): the assignment's autograded maximum;
        * ``manual_score`` (float64): the written answers' score a TA gave in the
          formgrader (an answer left as released gets nbgrader's own 0, as the formgrader
          shows); ``NaN`` until every written answer of the submission is scored, and
          unless the submission is graded;
        * ``manual_max`` (float64): the written answers' points (0 when none);
        * ``manual_status`` (string): ``graded``, ``pending`` (a TA has not scored every
          written answer yet), or ``""`` (no written answers, or the submission not graded);
        * ``raw_score`` (float64): the autograded score before the late penalty;
        * ``penalty`` (float64): the late penalty nbgrader stored when it autograded (the
          course's policy, :class:`grader.late.LatePenalty`; 0 when on time or without a due
          date); ``NaN`` unless graded;
        * ``timestamp`` (string): the hand-in time nbgrader recorded (``timestamp.txt``),
          ``YYYY-MM-DD HH:MM:SS UTC``; empty unless graded or when there is none;
        * ``due`` (string): the assignment's due date, same form; empty without one;
        * ``late_days`` (float64): days after the due date and the student's extension
          (``extensions.csv``), 0 when on time; ``NaN`` without a due date or a timestamp.

        Written answers are nbgrader's manually graded answer cells (markdown, ``grade`` and
        ``solution``; :func:`grader.gradebook.is_written_answer`): their points are kept apart
        from the autograded ones, so the autograded score is complete without waiting for a TA.

    Raises
    ------
    GradebookError
        If the database does not exist, cannot be opened or is not a gradebook.
    """
    status_map = _as_status_map(statuses)
    cells, subs, grades, students = _read(db_url, course_id)
    all_max = cells.groupby("assignment")["max_score"].sum()
    max_scores = cells[~cells["written"]].groupby("assignment")["max_score"].sum().reindex(all_max.index,
                                                                                          fill_value=0.0)
    manual_maxima = cells[cells["written"]].groupby("assignment")["max_score"].sum()
    max_scores = max_scores[all_max > 0]
    active = set(subs["assignment"]) | {a for _, a in status_map}
    max_scores = max_scores[[a in active for a in max_scores.index]]
    assignments = sorted(max_scores.index)
    names = sorted(set(students["student"]) | {s for s, a in status_map if a in max_scores.index})
    submitted = set(zip(subs["student"], subs["assignment"]))
    by_sub = {k: g for k, g in grades.groupby(["student", "assignment"])}
    due_dates = pd.to_datetime(cells.groupby("assignment")["due"].first(), errors="coerce")
    sub_info = {(r.student, r.assignment): r for r in subs.itertuples(index=False)}

    rows = []
    for assignment in assignments:
        for student in names:
            rec = status_map.get((student, assignment))
            g = by_sub.get((student, assignment))
            in_db = (student, assignment) in submitted
            auto_part = None if g is None else g[~g["written"]]
            crashed = in_db and (auto_part is None or (len(auto_part) and not auto_part["scored"].any()))
            notes = "; ".join(rec.notes) if rec else ""
            score = manual = np.nan
            manual_max = float(manual_maxima.get(assignment, 0.0))
            manual_status = ""
            raw = penalty = late_days = np.nan
            due = due_dates.get(assignment, pd.NaT)
            info = sub_info.get((student, assignment))
            stamp = pd.to_datetime(info.timestamp, errors="coerce") if info is not None else pd.NaT
            if rec is not None and rec.status != "graded":
                status, reason = rec.status, rec.reason
            elif rec is not None and (not in_db or crashed):
                status, reason = "failed", "recorded as graded but its scores are not in this gradebook"
            elif rec is None and not in_db:
                status, reason = "missing", "no submission"
            elif crashed:
                status, reason = "failed", CRASHED
            else:
                status, reason = "graded", ""
                raw = float(auto_part["score"].fillna(0.0).sum())
                penalty = 0.0 if info is None or pd.isna(info.penalty) else float(info.penalty)
                score = raw - penalty
                if not pd.isna(stamp) and not pd.isna(due):
                    ends = due + pd.Timedelta(days=float(info.extension_days))
                    late_days = round(max((stamp - ends).total_seconds(), 0.0) / 86400.0, 4)
                    if policy is not None and _stale_penalty(policy((stamp - ends).total_seconds()), raw,
                                                             penalty, manual_max):
                        notes = "; ".join(filter(None, [notes, STALE_PENALTY]))
                written = g[g["written"]]
                if manual_max > 0:  # nbgrader itself gives 0 to an answer left as released
                    done = len(written) > 0 and bool(written["scored"].all())
                    manual_status = "graded" if done else "pending"
                    manual = float(written["score"].sum()) if done else np.nan
            rows.append({"student": student, "assignment": assignment, "status": status,
                         "reason": reason, "notes": notes, "score": score,
                         "max_score": float(max_scores[assignment]), "manual_score": manual,
                         "manual_max": manual_max, "manual_status": manual_status, "raw_score": raw,
                         "penalty": penalty, "timestamp": _when(stamp) if status == "graded" else "",
                         "due": _when(due), "late_days": late_days})
    return _typed(pd.DataFrame(rows, columns=list(SCORE_COLUMNS)), SCORE_COLUMNS)


#: The note of a submission whose late penalty the current due date and extensions would not give.
STALE_PENALTY = "late penalty out of date (due date or extension changed since autograde: autograde again)"


def _stale_penalty(share: float, raw: float, penalty: float, manual_max: float) -> bool:
    """Whether ``penalty`` cannot come from ``share`` of the score nbgrader penalised: the
    autograded ``raw`` score, plus at most the written answers' points a TA had already given."""
    if raw <= 0:
        return False
    low, high = share * raw, min(share * (raw + manual_max), raw + manual_max)
    return not (low - 1e-9 <= penalty <= high + 1e-9)


def _when(stamp) -> str:
    """A gradebook time (naive UTC) as ``YYYY-MM-DD HH:MM:SS UTC``; ``""`` for none."""
    return "" if stamp is None or pd.isna(stamp) else pd.Timestamp(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")


def collect_tests(
    db_url: str,
    statuses: Mapping[tuple[str, str], SubmissionStatus] | Iterable[SubmissionStatus] | None = None,
    course_id: str | None = None,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return one row per (student, assignment, test cell).

    Parameters
    ----------
    db_url, statuses, course_id
        As for :func:`collect_scores`.
    scores : pandas.DataFrame, optional
        The result of :func:`collect_scores` for the same arguments (computed if not
        given).

    Returns
    -------
    pandas.DataFrame
        Columns and dtypes (see :data:`TEST_COLUMNS`): ``student``, ``assignment``,
        ``notebook``, ``grade_id`` (string); ``score`` (float64, ``NaN`` unless the
        submission is graded), ``max_score`` (float64); ``status`` (string):
        ``pass`` (full points), ``partial``, ``fail`` (0 points) for a test cell of a
        graded submission; for a written answer (graded by a TA, not autograded)
        ``manual`` once a TA scored it, ``pending`` (score ``NaN``) before; otherwise the
        submission's status (``failed``, ``missing``, ``skipped``). Sorted by assignment,
        student, then cell order of the notebook.

    Raises
    ------
    GradebookError
        As :func:`collect_scores`.
    """
    if scores is None:
        scores = collect_scores(db_url, statuses, course_id)
    cells, _, grades, _ = _read(db_url, course_id)
    cells = cells[cells["assignment"].isin(set(scores["assignment"]))].copy()
    cells["order"] = range(len(cells))
    merged = scores[["student", "assignment", "status"]].merge(cells, on="assignment", how="inner")
    merged = merged.merge(grades[["student", "assignment", "notebook", "grade_id", "score"]],
                          on=["student", "assignment", "notebook", "grade_id"], how="left")
    graded = merged["status"] == "graded"
    written = merged["written"].astype(bool)
    pending = graded & written & merged["score"].isna()
    merged["score"] = merged["score"].where(graded & ~pending, np.nan)
    merged.loc[graded & ~written, "score"] = merged.loc[graded & ~written, "score"].fillna(0.0)
    full = np.isclose(merged["score"], merged["max_score"])
    zero = np.isclose(merged["score"], 0.0)
    test_status = np.where(full, "pass", np.where(zero, "fail", "partial"))
    test_status = np.where(written, np.where(pending, "pending", "manual"), test_status)
    merged["status"] = np.where(graded, test_status, merged["status"])
    merged = merged.sort_values(["assignment", "student", "order"], kind="stable")
    return _typed(merged, TEST_COLUMNS)


def _notebook_auto_scores(path: Path) -> dict[str, float | None]:
    """Each grade cell's automatic score as nbgrader derives it from an autograded notebook."""
    import nbformat
    from nbgrader import utils

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook is reported by the caller
        return {}
    out = {}
    for cell in nb.cells:
        if utils.is_grade(cell):
            score, _ = utils.determine_grade(cell)
            out[cell.metadata["nbgrader"]["grade_id"]] = score
    return out


def check_integrity(
    db_url: str,
    statuses: Mapping[tuple[str, str], SubmissionStatus] | Iterable[SubmissionStatus] | None,
    root: str | os.PathLike,
    course_id: str | None = None,
) -> pd.DataFrame:
    """Compare every grade of the gradebook with what the grader recorded and the autograded notebook.

    ``python -m grader autograde`` records each submission's grades right after grading
    (:attr:`grader.status.SubmissionStatus.grades`, written after the sandbox is gone) and
    flags a manual score or extra credit that appeared while the student's notebook ran.

    Parameters
    ----------
    db_url : str
        The gradebook (only read).
    statuses : mapping or iterable of SubmissionStatus
        The grader's records.
    root : path-like
        The course root (for ``autograded/<student>/<assignment>/<notebook>.ipynb``).
    course_id : str, optional
        As for :func:`collect_scores`.

    Returns
    -------
    pandas.DataFrame
        One row per suspicious grade (columns :data:`INTEGRITY_COLUMNS`), ``kind``:

        * ``flagged``: no grader set it: an ``auto_score`` that differs from the one the
          grader recorded or from the autograded notebook's outputs, or a
          ``manual_score``/``extra_credit`` set while the notebook ran;
        * ``manual grade``: a ``manual_score``/``extra_credit`` set by manual grading (the
          formgrader), after the last autograde or before it (nbgrader keeps manual scores
          across re-grades): legitimate, listed so a TA can check it; not listed for
          written answers, which only a TA scores;
        * ``unverified``: a manual score on a submission that ``python -m grader`` did not
          grade (no record to compare with).

    Raises
    ------
    GradebookError
        As :func:`collect_scores`.
    """
    status_map = _as_status_map(statuses)
    _, _, grades, _ = _read(db_url, course_id)
    rows = []

    def add(r, field, value, expected, kind, reason):
        rows.append({"student": r.student, "assignment": r.assignment, "notebook": r.notebook,
                     "grade_id": r.grade_id, "field": field, "gradebook": value, "expected": expected,
                     "kind": kind, "reason": reason})

    def same(a, b) -> bool:
        a = None if a is None or (isinstance(a, float) and np.isnan(a)) else float(a)
        b = None if b is None or (isinstance(b, float) and np.isnan(b)) else float(b)
        return a == b or (a is not None and b is not None and bool(np.isclose(a, b)))

    notebooks: dict[tuple, dict] = {}
    for r in grades.itertuples(index=False):
        rec = status_map.get((r.student, r.assignment))
        if rec is None or rec.status != "graded" or not rec.grades:
            for field in ("manual_score", "extra_credit") if not r.written else ():
                value = getattr(r, field)
                if not same(value, None):
                    add(r, field, value, np.nan, "unverified",
                        "set on a submission python -m grader did not grade: no record to compare with")
            continue
        snap = rec.grades.get(f"{r.notebook}/{r.grade_id}", [None, None, None])
        if not same(r.auto_score, snap[0]):
            add(r, "auto_score", r.auto_score, snap[0], "flagged", "auto_score changed after autograding")
        key = (r.student, r.assignment, r.notebook)
        if key not in notebooks:
            notebooks[key] = _notebook_auto_scores(Path(root) / "autograded" / r.student / r.assignment
                                                   / f"{r.notebook}.ipynb")
        if r.grade_id in notebooks[key] and not same(r.auto_score, notebooks[key][r.grade_id]):
            add(r, "auto_score", r.auto_score, notebooks[key][r.grade_id], "flagged",
                "auto_score differs from the autograded notebook's outputs")
        for i, field in ((1, "manual_score"), (2, "extra_credit")):
            value = getattr(r, field)
            if r.written:  # a written answer: a TA scoring it is the normal way, nothing to review
                continue
            if not same(value, snap[i]):
                add(r, field, value, snap[i], "manual grade", "set after autograding (manual grading)")
            elif not same(value, None):
                add(r, field, value, snap[i], "manual grade", "set before the last autograde (nbgrader keeps it)")
    for rec in status_map.values():
        for note in rec.notes:
            if note.startswith("flagged: "):
                text = note[len("flagged: "):]
                field, _, rest = text.partition(" of ")
                cell = rest.split(" set to ")[0]
                nb_name, _, gid = cell.partition("/")
                rows.append({"student": rec.student, "assignment": rec.assignment, "notebook": nb_name,
                             "grade_id": gid, "field": field, "gradebook": np.nan, "expected": np.nan,
                             "kind": "flagged", "reason": text})
    df = pd.DataFrame(rows, columns=list(INTEGRITY_COLUMNS))
    df = df.sort_values(["kind", "student", "assignment", "grade_id"], kind="stable")
    return _typed(df, INTEGRITY_COLUMNS)


def course_maximum(db_url: str, course_id: str | None = None) -> float:
    """The course's maximum as the formgrader's "Overall score" counts it.

    Every grade cell of every assignment in the gradebook (written answers included, the
    assignments nobody submitted yet too): nbgrader's ``Gradebook.student_dicts`` sums
    ``Assignment.max_score`` over all assignments.

    Returns
    -------
    float
        The sum of the maxima (0.0 for a gradebook without assignments).

    Raises
    ------
    GradebookError
        As :func:`collect_scores`.
    """
    cells, _, _, _ = _read(db_url, course_id)
    return float(cells["max_score"].sum())


def _fmt_points(x: float) -> str:
    return f"{x:.10g}"


def with_written_columns(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with the written-answer columns of :func:`collect_scores`, added empty where absent.

    A table made before written answers existed (or by hand) has no ``manual_score``,
    ``manual_max`` or ``manual_status``: they are added as ``NaN``, ``0.0`` and ``""``.
    """
    missing = {"manual_score": np.nan, "manual_max": 0.0, "manual_status": ""}
    missing = {k: v for k, v in missing.items() if k not in scores.columns}
    if not missing:
        return scores
    out = scores.assign(**missing)
    return out.astype({k: SCORE_COLUMNS[k] for k in missing})


def grades_table(scores: pd.DataFrame, maximum: float | None = None) -> pd.DataFrame:
    """Pivot :func:`collect_scores` to one row per student (the upload table).

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`collect_scores`.
    maximum : float, optional
        The course's maximum (:func:`course_maximum`, what the formgrader divides by). By
        default the sum of the listed assignments' maxima, written answers included.

    Returns
    -------
    pandas.DataFrame
        Columns: ``student``; for each assignment ``<assignment>`` (float64 autograded
        score, ``NaN`` unless graded) and ``<assignment>_status`` (``graded``,
        ``failed: <reason>``, ``missing``...); ``total`` (the graded autograded scores plus
        the written answers a TA has scored: the formgrader's "Overall score"),
        ``maximum`` (``maximum``, the same for every student, so a failed or missing
        assignment lowers the percentage), ``percent`` (``100 * total / maximum``, 1
        decimal); then, for each assignment with written answers, ``<assignment>_manual``
        (string: the points a TA gave, ``pending`` until every written answer is scored,
        empty when the submission is not graded); then, for each assignment with a due
        date, ``<assignment>_submitted`` (the hand-in time, UTC), ``<assignment>_late_days``
        (after the student's extension), ``<assignment>_raw`` (the autograded score before
        the penalty) and ``<assignment>_penalty``: ``<assignment>`` is then
        ``<assignment>_raw - <assignment>_penalty``, the score that counts.
    """
    scores = with_late_columns(with_written_columns(scores))
    out = pd.DataFrame({"student": sorted(scores["student"].unique())})
    for assignment, part in scores.groupby("assignment", sort=True):
        part = part.set_index("student")
        out[assignment] = out["student"].map(part["score"]).astype("float64")
        label = part["status"].where(part["status"].isin(["graded", "missing"]),
                                     part["status"] + ": " + part["reason"])
        out[f"{assignment}_status"] = out["student"].map(label).astype("string")
    points = scores["score"].fillna(0.0) + scores["manual_score"].fillna(0.0)
    per_student = scores.assign(points=points.where(scores["status"] == "graded", np.nan)).groupby("student")
    out["total"] = out["student"].map(per_student["points"].sum(min_count=0)).astype("float64")
    if maximum is None:
        firsts = scores.groupby("assignment")[["max_score", "manual_max"]].first()
        maximum = float((firsts["max_score"] + firsts["manual_max"].fillna(0.0)).sum())
    out["maximum"] = float(maximum)
    out["percent"] = (100 * out["total"] / out["maximum"]).round(1) if maximum else np.nan
    for assignment, part in scores.groupby("assignment", sort=True):
        if not (part["manual_max"] > 0).any():
            continue
        part = part.set_index("student")
        text = np.where(part["manual_status"] == "graded", part["manual_score"].map(_fmt_points),
                        np.where(part["manual_status"] == "pending", "pending", ""))
        out[f"{assignment}_manual"] = out["student"].map(pd.Series(text, index=part.index)).astype("string")
    for assignment, part in scores.groupby("assignment", sort=True):
        if not (part["due"].fillna("") != "").any():
            continue
        part = part.set_index("student")
        out[f"{assignment}_submitted"] = out["student"].map(part["timestamp"]).astype("string")
        out[f"{assignment}_late_days"] = out["student"].map(part["late_days"]).astype("float64")
        out[f"{assignment}_raw"] = out["student"].map(part["raw_score"]).astype("float64")
        out[f"{assignment}_penalty"] = out["student"].map(part["penalty"]).astype("float64")
    out["student"] = out["student"].astype("string")
    return out


def with_late_columns(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` with the late-penalty columns of :func:`collect_scores`, added where absent
    (a table made before due dates existed: the raw score is the score, no due date)."""
    missing = {"raw_score": scores["score"], "penalty": scores["score"].where(scores["score"].isna(), 0.0),
               "timestamp": "", "due": "", "late_days": np.nan}
    missing = {k: v for k, v in missing.items() if k not in scores.columns}
    if not missing:
        return scores
    return scores.assign(**missing).astype({k: SCORE_COLUMNS[k] for k in missing})


def assignment_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: counts by status and the mean, median, min and max of graded scores.

    Returns
    -------
    pandas.DataFrame
        Columns ``assignment``, ``graded``, ``failed``, ``missing``, ``skipped``
        (int64), ``mean``, ``median``, ``min``, ``max``, ``max_score`` (float64).
    """
    rows = []
    for assignment, part in scores.groupby("assignment", sort=True):
        graded = part.loc[part["status"] == "graded", "score"]
        row = {"assignment": assignment}
        for st in ("graded", "failed", "missing", "skipped"):
            row[st] = int((part["status"] == st).sum())
        row.update(mean=graded.mean(), median=graded.median(), min=graded.min(), max=graded.max(),
                   max_score=float(part["max_score"].iloc[0]))
        rows.append(row)
    cols = ["assignment", "graded", "failed", "missing", "skipped", "mean", "median", "min", "max", "max_score"]
    return pd.DataFrame(rows, columns=cols)


def pass_rates(tests: pd.DataFrame) -> pd.DataFrame:
    """Per test cell: how many graded submissions got full points (written answers left out).

    Returns
    -------
    pandas.DataFrame
        Columns ``assignment``, ``grade_id`` (string), ``max_score`` (float64),
        ``graded``, ``passed`` (int64), ``pass_rate`` (float64 in [0, 1], ``NaN`` if
        nothing graded), sorted by assignment then ascending pass rate (the checks
        students fail most first).
    """
    written = tests["status"].isin(["manual", "pending"])  # written answers: no test to pass
    keys = set(zip(tests.loc[written, "assignment"], tests.loc[written, "grade_id"]))
    tests = tests[[k not in keys for k in zip(tests["assignment"], tests["grade_id"])]]
    graded = tests["status"].isin(["pass", "partial", "fail"])
    t = tests.assign(graded=graded, passed=tests["status"] == "pass")
    out = (t.groupby(["assignment", "grade_id"], sort=True)
           .agg(max_score=("max_score", "first"), graded=("graded", "sum"), passed=("passed", "sum"))
           .reset_index())
    out["graded"] = out["graded"].astype("int64")
    out["passed"] = out["passed"].astype("int64")
    out["pass_rate"] = np.where(out["graded"] > 0, out["passed"] / out["graded"].where(out["graded"] > 0, 1), np.nan)
    return out.sort_values(["assignment", "pass_rate", "grade_id"], kind="stable").reset_index(drop=True)


def plot_distribution(scores: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a histogram of the graded scores of each assignment (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    assignments = sorted(scores["assignment"].unique())
    n = max(len(assignments), 1)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 2.8), squeeze=False)
    for ax, assignment in zip(axes[0], assignments):
        part = scores[scores["assignment"] == assignment]
        graded = part.loc[part["status"] == "graded", "score"].to_numpy(dtype=float)
        top = float(part["max_score"].iloc[0])
        bins = np.arange(-0.5, top + 1.0, 1.0) if top <= 40 else 20
        ax.hist(graded, bins=bins, color="#4c72b0", edgecolor="white")
        ax.set_title(assignment, fontsize=9)
        ax.set_xlabel(f"score (max {top:g})", fontsize=8)
        ax.set_xlim(-0.5, top + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a number of students: no 0.5 ticks
        ax.tick_params(labelsize=7)
        others = len(part) - len(graded)
        if others:
            ax.text(0.02, 0.95, f"not graded: {others}", transform=ax.transAxes, fontsize=7, va="top")
    axes[0][0].set_ylabel("students", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def write_reports(scores: pd.DataFrame, tests: pd.DataFrame, out: str | os.PathLike,
                  integrity: pd.DataFrame | None = None, maximum: float | None = None) -> dict[str, Path]:
    """Write ``grades.csv``, ``tests.csv``, ``score_distribution.png`` (and ``integrity.csv``) to ``out``.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`collect_scores`.
    tests : pandas.DataFrame
        From :func:`collect_tests`.
    out : path-like
        The folder (created if needed).
    integrity : pandas.DataFrame, optional
        From :func:`check_integrity`; written as ``integrity.csv`` (header only when empty).
    maximum : float, optional
        The course's maximum for ``grades.csv`` (see :func:`grades_table`).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"grades": ..., "tests": ..., "distribution": ...[, "integrity": ...]}``. The
        same inputs give byte-identical files.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"grades": out / "grades.csv", "tests": out / "tests.csv",
             "distribution": out / "score_distribution.png"}
    grades_table(scores, maximum).to_csv(paths["grades"], index=False, float_format="%.10g")
    tests.to_csv(paths["tests"], index=False, float_format="%.10g")
    plot_distribution(scores, paths["distribution"])
    if integrity is not None:
        paths["integrity"] = out / "integrity.csv"
        integrity.to_csv(paths["integrity"], index=False, float_format="%.10g")
    return paths
