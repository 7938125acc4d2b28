"""The demo cohort of ``python -m grader demo``: 8 students, each handing in a typical case.

The notebooks are built from ``release/`` with :mod:`grader.synthetic` (reference
solutions and the calibration spec's mutants), so the demo grades exactly what the
calibration measured. :func:`run_demo` is the demo's whole sequence (release, cohort,
autograde, collect, check); the CLI only prints its steps.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from grader.course import find_course_root

__all__ = ["DEMO_ASSIGNMENTS", "DEMO_STUDENTS", "DemoError", "DemoResult", "prepare_demo", "demo_roles", "demo_case",
           "demo_notebook", "build_demo_cohort", "check_demo", "grade_quietly", "collect_quietly", "run_demo",
           "clean_demo"]

#: The assignments of the demo (the two fastest to grade).
DEMO_ASSIGNMENTS = ("01-perceptron", "02-learning-rate-momentum")

#: Student id -> what they handed in.
DEMO_STUDENTS = {
    "s1-complete": "the reference solution of every assignment",
    "s2-partial": "01: only the first exercise done; 02: not handed in",
    "s3-blank": "the release notebooks as they are (nothing done)",
    "s4-wrong-activation": "02: a linear output instead of a sigmoid; 01 correct",
    "s5-few-epochs": "01: 5 epochs instead of 25; 02 correct",
    "s6-raises": "01: a typo, model.get_weight(), raises AttributeError; 02 correct",
    "s7-duplicate-cell": "01: a test cell pasted twice (repaired: the last copy is graded); 02 correct",
    "s8-infinite-loop": "02: a loop that never ends (stopped at the cell timeout); 01 correct",
}


def prepare_demo(root: str | os.PathLike | None = None, assignments=DEMO_ASSIGNMENTS) -> Path:
    """Regenerate ``release/`` (the assignments present in ``source/``) and remove the
    demo students' earlier submissions of ``assignments`` (their other assignments stay).

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignments : sequence of str, default DEMO_ASSIGNMENTS
        The assignments the demo is about to build.

    Returns
    -------
    pathlib.Path
        The course root.
    """
    from grader.autograde import ensure_tools_on_path
    from grader.course import assignment_ids
    from grader.release import generate_release

    ensure_tools_on_path()
    course_root = find_course_root(root)
    present = [a for a in assignment_ids(course_root) if (course_root / "source" / a).is_dir()]
    generate_release(course_root, present)
    for student in DEMO_STUDENTS:
        for assignment in assignments:
            shutil.rmtree(course_root / "submitted" / student / assignment, ignore_errors=True)
    return course_root


def _mutant(assignment: str, *words: str) -> str | None:
    from grader.calibration.specs import load_spec

    for mutant in load_spec(assignment).mutants:
        if all(w in mutant.name for w in words):
            return mutant.name
    return None


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def demo_roles(assignment: str, assignments=DEMO_ASSIGNMENTS) -> set[str]:
    """Which parts of :data:`DEMO_STUDENTS` an assignment plays in a demo of ``assignments``.

    The first assignment of the demo plays ``"01"`` (partial, few epochs, typo, duplicated
    cell), the others ``"02"`` (not handed in, wrong activation, infinite loop); an
    assignment demonstrated alone plays both, so every case is shown on it.

    Parameters
    ----------
    assignment : str
    assignments : sequence of str
        The demo's assignments, in order.

    Returns
    -------
    set of str
    """
    assignments = list(assignments)
    if len(assignments) == 1:
        return {"01", "02"}
    return {"01"} if assignment == assignments[0] else {"02"}


def demo_case(assignment: str, student: str, roles: set[str]) -> tuple[str, str | None, str]:
    """What a demo student hands in for an assignment and the score it must get.

    Parameters
    ----------
    assignment : str
    student : str
        A key of :data:`DEMO_STUDENTS`.
    roles : set of str
        From :func:`demo_roles`.

    Returns
    -------
    (str, str or None, str)
        ``(kind, mutant, expected)``: kind one of ``reference``, ``partial``, ``release``,
        ``mutant``, ``typo``, ``duplicate``, ``loop``, ``none`` (nothing handed in); the
        calibration mutant's name for ``mutant``; expected one of ``full``, ``less``,
        ``zero``, ``missing``. One table for building the cohort and checking its scores.

    Raises
    ------
    ValueError
        For a student not in :data:`DEMO_STUDENTS`.
    """
    if student not in DEMO_STUDENTS:
        raise ValueError(f"unknown demo student {student!r}")
    first, second = "01" in roles, "02" in roles
    if student == "s1-complete":
        return "reference", None, "full"
    if student == "s2-partial":
        return ("partial", None, "less") if first else ("none", None, "missing")
    if student == "s3-blank":
        return "release", None, "zero"
    if student == "s4-wrong-activation" and second:
        name = _mutant(assignment, "linear") or _mutant(assignment, "activation")
        if name:
            return "mutant", name, "less"
    if student == "s5-few-epochs" and first:
        name = _mutant(assignment, "epochs")
        if name:
            return "mutant", name, "less"
    if student == "s6-raises" and first:
        return "typo", None, "less"
    if student == "s7-duplicate-cell" and first:
        return "duplicate", None, "full"
    if student == "s8-infinite-loop" and second:
        return "loop", None, "less"
    return "reference", None, "full"


#: How the cohort table describes each kind of :func:`demo_case`.
_CASE_TEXT = {
    "reference": "the reference solution",
    "partial": "only the first exercise done",
    "release": "the release notebook as it is (nothing done)",
    "mutant": "a typical mistake ({mutant})",
    "typo": "a typo that raises AttributeError",
    "duplicate": "a test cell pasted twice (repaired: the last copy is graded)",
    "loop": "a loop that never ends (stopped at the cell timeout)",
    "none": "not handed in",
}


def demo_notebook(root: str | os.PathLike, assignment: str, student: str, roles: set[str] | None = None):
    """Return the notebook a demo student hands in for an assignment (``None``: nothing).

    Parameters
    ----------
    root : path-like
        The course root (``release/`` must be up to date).
    assignment : str
    student : str
        A key of :data:`DEMO_STUDENTS`.
    roles : set of str or None
        From :func:`demo_roles`; ``None``: the part the assignment plays in the default demo.

    Returns
    -------
    nbformat.NotebookNode or None
    """
    from grader.synthetic import build_submission, fill_release, notebook_path, read_notebook, solution_code

    def with_cell(edit):
        source = read_notebook(notebook_path(root, "source", assignment))
        answers = solution_code(source)
        code_ids = [_grade_id(c) for c in source.cells if c.cell_type == "code" and _grade_id(c) in answers]
        edit(answers, code_ids)  # code_ids: the code answers, in order (not the written answers)
        return fill_release(read_notebook(notebook_path(root, "release", assignment)), answers)

    def typo(answers, code_ids):
        gid = code_ids[-1]
        code = answers[gid]
        answers[gid] = (code.replace("get_weights()", "get_weight()") if "get_weights()" in code
                        else 'raise AttributeError("a typo")\n' + code)

    def loop(answers, code_ids):
        gid = code_ids[0]
        answers[gid] = "# wait until the model is good enough\nwhile True:\n    pass\n\n" + answers[gid]

    if roles is None:
        roles = demo_roles(assignment, DEMO_ASSIGNMENTS) if assignment in DEMO_ASSIGNMENTS else {"01", "02"}
    kind, mutant, _ = demo_case(assignment, student, roles)
    if kind == "none":
        return None
    if kind == "reference":
        return build_submission(root, assignment, "reference")
    if kind == "release":
        return build_submission(root, assignment, "release")
    if kind == "mutant":
        return build_submission(root, assignment, "mutant", mutant)
    if kind == "partial":
        return with_cell(lambda a, code_ids: [a.pop(k) for k in list(a) if k != code_ids[0]])
    if kind == "typo":
        return with_cell(typo)
    if kind == "loop":
        return with_cell(loop)
    nb = build_submission(root, assignment, "reference")  # duplicate: a test cell pasted twice
    index = next(i for i, c in enumerate(nb.cells) if (_grade_id(c) or "").startswith("test-"))
    pasted = copy.deepcopy(nb.cells[index])
    pasted["id"] = nbformat.v4.new_code_cell().id
    nb.cells.insert(index + 1, pasted)
    return nb


def build_demo_cohort(root: str | os.PathLike | None, assignments=DEMO_ASSIGNMENTS) -> dict[str, str]:
    """Write the demo cohort to ``submitted/<student>/<assignment>/``.

    Parameters
    ----------
    root : path-like or None
        The course root (``release/`` up to date: see :func:`prepare_demo`).
    assignments : sequence of str, default DEMO_ASSIGNMENTS
        The parts each plays: see :func:`demo_roles`.

    Returns
    -------
    dict of str to str
        Student id -> what they handed in for each assignment, in order.
    """
    from grader.synthetic import write_submission

    course_root = find_course_root(root)
    handed: dict[str, list[str]] = {student: [] for student in DEMO_STUDENTS}
    for assignment in assignments:
        roles = demo_roles(assignment, assignments)
        for student in DEMO_STUDENTS:
            nb = demo_notebook(course_root, assignment, student, roles)
            if nb is not None:
                write_submission(course_root, assignment, student, nb)
            kind, mutant, _ = demo_case(assignment, student, roles)
            handed[student].append(_CASE_TEXT[kind].format(mutant=mutant))
    out = {}
    for student, texts in handed.items():
        if len(set(texts)) == 1:
            out[student] = texts[0] + (" (every assignment)" if len(texts) > 1 else "")
        else:
            out[student] = "; ".join(f"{a.split('-')[0]}: {t}" for a, t in zip(assignments, texts))
    return out


def check_demo(scores: pd.DataFrame, assignments=DEMO_ASSIGNMENTS) -> list[str]:
    """Compare the demo's scores with what each student's case should get (:func:`demo_case`).

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`grader.collect.collect_scores`.
    assignments : sequence of str

    Returns
    -------
    list of str
        Problems (empty when the demo behaved as expected).
    """
    s = scores.set_index(["student", "assignment"])
    problems = []
    for a in assignments:
        for student in DEMO_STUDENTS:
            _, _, how = demo_case(a, student, demo_roles(a, assignments))
            status = "missing" if how == "missing" else "graded"
            try:
                r = s.loc[(student, a)]
            except KeyError:
                problems.append(f"{student} / {a} is not in the scores")
                continue
            if r["status"] != status:
                problems.append(f"{student} / {a}: expected {status}, got {r['status']} {r['reason']}")
            elif how == "full" and r["score"] != r["max_score"]:
                problems.append(f"{student} / {a}: expected full marks, got {r['score']:g}/{r['max_score']:g}")
            elif how == "zero" and r["score"] != 0:
                problems.append(f"{student} / {a}: expected 0, got {r['score']:g}")
            elif how == "less" and not r["score"] < r["max_score"]:
                problems.append(f"{student} / {a}: expected less than full marks, got {r['score']:g}")
    return problems


class DemoError(RuntimeError):
    """Raised when the demo cohort could not be built (``release/`` not generated, an unknown assignment)."""


@dataclass
class DemoResult:
    """What :func:`run_demo` did.

    Attributes
    ----------
    course_root : pathlib.Path
    assignments : list of str
        The demo's assignments, in order.
    cohort : dict of str to str
        Student id -> what they handed in (:func:`build_demo_cohort`).
    code : int
        The exit code: 0 every demo submission got its expected score; 1 some did not (see
        `problems`); 2 the grading or the collection could not run (its step said why).
    problems : list of str or None
        From :func:`check_demo`; ``None`` when the scores were not checked (code 2).
    scores : pandas.DataFrame or None
        The collected scores (``None`` when the collection did not run or failed).
    """

    course_root: Path
    assignments: list[str]
    cohort: dict[str, str] = field(default_factory=dict)
    code: int = 0
    problems: list[str] | None = None
    scores: pd.DataFrame | None = None


def grade_quietly(course_root: Path, assignments: list[str], students: list[str], timeout: int) -> int:
    """The default grading step of :func:`run_demo`: :func:`grader.autograde.autograde`, printing nothing.

    Parameters
    ----------
    course_root : pathlib.Path
    assignments, students : list of str
    timeout : int
        Cell timeout in seconds.

    Returns
    -------
    int
        0 every submission graded, 1 some failed, 2 the run could not start (e.g. no sandbox here).
    """
    from grader.autograde import GraderError, autograde, exit_code

    try:
        return exit_code(autograde(course_root, assignments, students, timeout=timeout))
    except (GraderError, ValueError):
        return 2


def collect_quietly(course_root: Path) -> tuple[int, pd.DataFrame | None]:
    """The default collection step of :func:`run_demo`: the gradebook's scores, no report written.

    Parameters
    ----------
    course_root : pathlib.Path

    Returns
    -------
    (int, pandas.DataFrame or None)
        0 and :func:`grader.collect.collect_scores`, or 2 and ``None`` when the gradebook cannot be read.
    """
    from grader.collect import GradebookError, collect_scores
    from grader.course import load_config
    from grader.status import load_statuses, status_path

    try:
        db_url = str(load_config(course_root).CourseDirectory.db_url)
        return 0, collect_scores(db_url, load_statuses(status_path(course_root)))
    except (GradebookError, ValueError):
        return 2, None


def run_demo(
    root: str | os.PathLike | None = None,
    assignments: Sequence[str] | None = None,
    timeout: int = 30,
    *,
    on_building: Callable[[list[str]], None] | None = None,
    on_cohort: Callable[[dict[str, str]], None] | None = None,
    grade: Callable[[Path, list[str], list[str], int], int] = grade_quietly,
    collect: Callable[[Path], tuple[int, pd.DataFrame | None]] = collect_quietly,
) -> DemoResult:
    """The demo, in order: release, build the cohort, autograde it, collect the scores, check them.

    What ``python -m grader demo`` runs. Only the demo students' folders of ``assignments`` in
    ``submitted/`` are replaced (:func:`prepare_demo`); the grading and the collection are
    steps the caller may replace (the CLI passes its own, which print progress and tables).

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignments : sequence of str or None
        The demo's assignments (``None`` or empty: :data:`DEMO_ASSIGNMENTS`).
    timeout : int, default 30
        Cell timeout in seconds (the looping student waits this long).
    on_building : callable or None
        Called with the assignments before ``release/`` is regenerated.
    on_cohort : callable or None
        Called with the cohort (student -> what they handed in) once it is written.
    grade : callable, default :func:`grade_quietly`
        ``grade(course_root, assignments, students, timeout)`` autogrades the cohort and returns
        its exit code; 2 stops the demo (1, some submission failed, is for the check to judge).
    collect : callable, default :func:`collect_quietly`
        ``collect(course_root)`` returns ``(exit code, scores)``; a non-zero code stops the demo.

    Returns
    -------
    DemoResult

    Raises
    ------
    DemoError
        If the cohort could not be built (nbgrader failed to release, an unknown assignment,
        no course here).
    """
    from grader.release import ReleaseError

    names = list(assignments) if assignments else list(DEMO_ASSIGNMENTS)
    if on_building is not None:
        on_building(names)
    try:
        course_root = prepare_demo(root, names)
        cohort = build_demo_cohort(course_root, names)
    except (ReleaseError, ValueError, FileNotFoundError) as exc:
        raise DemoError(str(exc)) from exc
    result = DemoResult(course_root, names, cohort)
    if on_cohort is not None:
        on_cohort(cohort)
    if grade(course_root, names, list(cohort), timeout) == 2:
        result.code = 2  # e.g. no sandbox can start here: the step said why
        return result
    code, scores = collect(course_root)
    if code:
        result.code = code
        return result
    result.scores = scores
    result.problems = check_demo(scores, names)
    result.code = 1 if result.problems else 0
    return result


def clean_demo(root: str | os.PathLike | None = None) -> list[str]:
    """Remove the demo students, and only them, from the course.

    Run it before grading real students after a demo, so that ``autograde`` and
    ``collect`` do not count ``s1-complete`` ... ``s8-infinite-loop``. For each student
    of :data:`DEMO_STUDENTS`: their folders ``submitted/<s>``, ``autograded/<s>``,
    ``feedback/<s>`` and ``autograded/.grader/logs/<s>``, their entries in the status
    file, and their record in the gradebook (``Gradebook.remove_student``, which
    also removes their submissions and grades). No other student is touched; a
    gradebook that does not exist is not created.

    Parameters
    ----------
    root : path-like or None
        The course root.

    Returns
    -------
    list of str
        What was removed, one item a line (empty: no demo student was found).
    """
    from grader.course import load_config
    from grader.status import load_statuses, save_statuses, status_dir, status_path

    course_root = find_course_root(root)
    removed: list[str] = []
    folders = [course_root / "submitted", course_root / "autograded", course_root / "feedback",
               status_dir(course_root) / "logs"]
    for student in DEMO_STUDENTS:
        for parent in folders:
            path = parent / student
            if path.is_dir():
                shutil.rmtree(path)
                removed.append(f"{path.relative_to(course_root)}/")

    spath = status_path(course_root)
    statuses = load_statuses(spath)
    demo_keys = [k for k in statuses if k[0] in DEMO_STUDENTS]
    if demo_keys:
        for key in demo_keys:
            del statuses[key]
        save_statuses(spath, statuses)
        removed.append(f"{len(demo_keys)} status entr{'y' if len(demo_keys) == 1 else 'ies'} "
                       f"from {spath.relative_to(course_root)}")

    cfg = load_config(course_root)
    db_url = str(cfg.CourseDirectory.get("db_url", ""))
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
        return removed
    from nbgrader.api import Gradebook

    with Gradebook(db_url, cfg.CourseDirectory.get("course_id", "default_course")) as gb:
        known = {s.id for s in gb.students}
        for student in DEMO_STUDENTS:
            if student in known:
                gb.remove_student(student)
                removed.append(f"student {student} from the gradebook (with their submissions)")
    return removed
