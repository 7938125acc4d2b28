"""The demo cohort is built as documented (no kernel), and its checker flags unexpected scores."""

from __future__ import annotations

import shutil
from collections import Counter

import nbformat
import pandas as pd
import pytest

from cli_helpers import REPO
from grader.demo import DEMO_ASSIGNMENTS, DEMO_STUDENTS, build_demo_cohort, check_demo


@pytest.fixture
def course(tmp_path):
    if not all((REPO / "release" / a).is_dir() for a in DEMO_ASSIGNMENTS):
        pytest.skip("the demo assignments are not released yet")
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    for folder in ("source", "release"):
        for a in DEMO_ASSIGNMENTS:
            shutil.copytree(REPO / folder / a, root / folder / a)
    return root


def _code(path):
    nb = nbformat.read(str(path), as_version=4)
    return nb, "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_demo_cohort_holds_each_case(course):
    assert list(build_demo_cohort(course)) == list(DEMO_STUDENTS)
    first, second = DEMO_ASSIGNMENTS
    found = sorted(p.relative_to(course / "submitted").parts[:2] for p in (course / "submitted").glob("*/*/*.ipynb"))
    assert len(found) == 2 * len(DEMO_STUDENTS) - 1 and ("s2-partial", second) not in found
    sub = course / "submitted"
    _, code = _code(next((sub / "s5-few-epochs" / first).glob("*.ipynb")))
    assert "epochs=5" in code
    _, code = _code(next((sub / "s4-wrong-activation" / second).glob("*.ipynb")))
    assert 'activation="linear"' in code
    _, code = _code(next((sub / "s6-raises" / first).glob("*.ipynb")))
    assert "get_weight()" in code
    _, code = _code(next((sub / "s8-infinite-loop" / second).glob("*.ipynb")))
    assert "while True:" in code
    nb, _ = _code(next((sub / "s7-duplicate-cell" / first).glob("*.ipynb")))
    ids = Counter(c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells)
    assert max(n for gid, n in ids.items() if gid) == 2


def _expected_scores():
    rows = []
    for student in DEMO_STUDENTS:
        for i, a in enumerate(DEMO_ASSIGNMENTS):
            status, score = "graded", 10.0
            if student == "s3-blank":
                score = 0.0
            elif (student, i) in {("s2-partial", 0), ("s5-few-epochs", 0), ("s6-raises", 0),
                                  ("s4-wrong-activation", 1), ("s8-infinite-loop", 1)}:
                score = 5.0
            elif (student, i) == ("s2-partial", 1):
                status, score = "missing", float("nan")
            rows.append({"student": student, "assignment": a, "status": status, "reason": "",
                         "score": score, "max_score": 10.0})
    return pd.DataFrame(rows)


def test_check_demo_accepts_expected_scores_and_flags_others():
    scores = _expected_scores()
    assert check_demo(scores) == []
    scores.loc[(scores["student"] == "s1-complete") & (scores["assignment"] == DEMO_ASSIGNMENTS[0]), "score"] = 8.0
    scores.loc[scores["student"] == "s7-duplicate-cell", "status"] = "failed"
    problems = check_demo(scores)
    assert any("s1-complete" in p and "full marks" in p for p in problems)
    assert any("s7-duplicate-cell" in p and "expected graded, got failed" in p for p in problems)


def test_a_demo_of_one_assignment_shows_every_case_on_it_and_keeps_the_other_folders(course):
    """``python -m grader demo 02-...`` alone: 01's mistakes are not forced on 02 (its check
    expects what was built), and the demo students' 01 folders are left alone."""
    from grader.demo import demo_case, demo_roles, prepare_demo

    first, second = DEMO_ASSIGNMENTS
    build_demo_cohort(course, [first])
    prepare_demo(course, [second])
    assert len(list((course / "submitted").glob(f"*/{first}/*.ipynb"))) == len(DEMO_STUDENTS)  # untouched
    build_demo_cohort(course, [second])
    sub = course / "submitted"
    _, code = _code(next((sub / "s8-infinite-loop" / second).glob("*.ipynb")))
    assert "while True:" in code
    assert next((sub / "s2-partial" / second).glob("*.ipynb"), None) is not None  # partial, not missing
    rows = []
    for student in DEMO_STUDENTS:
        kind, _, how = demo_case(second, student, demo_roles(second, [second]))
        rows.append({"student": student, "assignment": second, "status": "missing" if how == "missing" else "graded",
                     "reason": "", "score": {"full": 10.0, "zero": 0.0, "less": 4.0}.get(how, float("nan")),
                     "max_score": 10.0})
    scores = pd.DataFrame(rows)
    assert check_demo(scores, [second]) == []
    assert sum(r["score"] < 10 for r in rows) >= 5  # partial, blank, wrong activation, typo, loop at least
    scores.loc[scores["student"] == "s8-infinite-loop", "score"] = 10.0
    assert any("s8-infinite-loop" in p and "less than full" in p for p in check_demo(scores, [second]))


def test_run_demo_runs_its_steps_in_order_and_stops_at_one_that_cannot_run(course):
    """``python -m grader demo``'s sequence (:func:`grader.demo.run_demo`), its steps replaced:
    release and cohort, then grade, collect and check; exit code 1 for an unexpected score;
    a grading that cannot run (code 2) stops it before the collection."""
    from grader.demo import run_demo

    calls = []

    def grade(root, names, students, timeout):
        calls.append(("grade", names, students, timeout))
        return 1  # some submission failed: still collected and checked

    def collect(root):
        calls.append(("collect",))
        return 0, scores

    scores = _expected_scores()
    result = run_demo(course, None, 7, on_building=lambda names: calls.append(("building", names)),
                      on_cohort=lambda cohort: calls.append(("cohort", list(cohort))), grade=grade, collect=collect)
    assert [c[0] for c in calls] == ["building", "cohort", "grade", "collect"]
    assert calls[0] == ("building", list(DEMO_ASSIGNMENTS))
    assert calls[2] == ("grade", list(DEMO_ASSIGNMENTS), list(DEMO_STUDENTS), 7)
    assert (result.code, result.problems, result.assignments) == (0, [], list(DEMO_ASSIGNMENTS))
    assert list(result.cohort) == list(DEMO_STUDENTS) and result.scores is scores

    scores = _expected_scores()
    scores.loc[scores["student"] == "s1-complete", "score"] = 8.0
    result = run_demo(course, None, grade=grade, collect=collect)
    assert result.code == 1 and any("s1-complete" in p for p in result.problems)

    calls.clear()
    result = run_demo(course, None, grade=lambda *args: 2, collect=collect)
    assert (result.code, result.problems, result.scores, calls) == (2, None, None, [])
