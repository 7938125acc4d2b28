"""End to end on a real assignment (01-perceptron, Keras): ``autograde`` then ``collect`` in a course copy."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import REPO
from grader.cli import app
from grader.status import load_statuses, status_path

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader-cli")]

ASSIGNMENT = "01-perceptron"


@pytest.fixture
def course(tmp_path):
    if not (REPO / "source" / ASSIGNMENT).is_dir():
        pytest.skip(f"{ASSIGNMENT} is not written yet")
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder / ASSIGNMENT, root / folder / ASSIGNMENT)
    return root


def test_reference_blank_and_mutant_scores_match_gradebook(course, tmp_path):
    from nbgrader.api import Gradebook

    from grader.calibration.specs import load_spec
    from grader.synthetic import build_submission, write_submission

    mutant = next(m for m in load_spec(ASSIGNMENT).mutants if "epochs" in m.name)
    write_submission(course, ASSIGNMENT, "ref", build_submission(course, ASSIGNMENT, "reference"))
    write_submission(course, ASSIGNMENT, "blank", build_submission(course, ASSIGNMENT, "release"))
    write_submission(course, ASSIGNMENT, "mut", build_submission(course, ASSIGNMENT, "mutant", mutant.name))

    # a fresh clone has no gradebook.db: autograde adds the assignment from source/ itself
    result = CliRunner().invoke(app, ["autograde", ASSIGNMENT, "--root", str(course)])
    assert result.exit_code == 0, result.output
    assert "graded 3, failed 0" in result.output
    statuses = load_statuses(status_path(course))
    assert {k[0]: v.status for k, v in statuses.items()} == {"ref": "graded", "blank": "graded", "mut": "graded"}

    result = CliRunner().invoke(app, ["collect", "--root", str(course), "--out", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    grades = pd.read_csv(tmp_path / "reports" / "grades.csv").set_index("student")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "main-ingredients") as gb:
        in_db = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("ref", "blank", "mut")}
    assert grades.loc["ref", ASSIGNMENT] == in_db["ref"] == 10
    assert grades.loc["blank", ASSIGNMENT] == in_db["blank"] == 0
    assert grades.loc["mut", ASSIGNMENT] == in_db["mut"] < 10
    tests = pd.read_csv(tmp_path / "reports" / "tests.csv")
    failed = set(tests.loc[(tests["student"] == "mut") & tests["status"].isin(["partial", "fail"]), "grade_id"])
    assert failed == set(mutant.fails)


def test_written_answers_wait_for_a_ta_and_totals_match_the_formgrader(course, tmp_path):
    """01's written answer is a manually graded cell: ``pending`` until a TA scores it, apart from
    the 10 autograded points; grades.csv's total and maximum are the formgrader's "Overall score"."""
    from nbgrader.api import Gradebook

    from grader.synthetic import build_submission, write_submission

    write_submission(course, ASSIGNMENT, "ref", build_submission(course, ASSIGNMENT, "reference"))
    result = CliRunner().invoke(app, ["autograde", ASSIGNMENT, "--root", str(course)])
    assert result.exit_code == 0, result.output
    rec = load_statuses(status_path(course))[("ref", ASSIGNMENT)]
    assert (rec.status, rec.score, rec.max_score) == ("graded", 10, 10), rec  # the autograded part only
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    out = tmp_path / "reports"

    def collect():
        res = CliRunner().invoke(app, ["collect", "--root", str(course), "--out", str(out), "--format", "canvas"])
        assert res.exit_code == 0, res.output
        with Gradebook(db_url, "main-ingredients") as gb:
            shown = {d["id"]: (d["score"], d["max_score"]) for d in gb.student_dicts()}  # the formgrader's
        return (res.output, pd.read_csv(out / "grades.csv", dtype={f"{ASSIGNMENT}_manual": str}).set_index("student"),
                pd.read_csv(out / "tests.csv"), pd.read_csv(out / "integrity.csv"),
                pd.read_csv(out / "canvas.csv", dtype=str), shown)

    output, grades, tests, integrity, canvas, shown = collect()
    row = grades.loc["ref"]
    assert row[ASSIGNMENT] == 10 and row[f"{ASSIGNMENT}_manual"] == "pending"
    assert (row["total"], row["maximum"]) == shown["ref"] == (10, 12)
    assert "written answers: 0 scored, 1 pending" in output
    written = tests[(tests["student"] == "ref") & (tests["grade_id"] == "written-weights")]
    assert list(written["status"]) == ["pending"] and written["score"].isna().all()
    assert list(canvas.columns[-2:]) == [ASSIGNMENT, f"{ASSIGNMENT} (written)"]
    assert canvas.iloc[0][f"{ASSIGNMENT} (written)"] == "2" and pd.isna(canvas.iloc[1][f"{ASSIGNMENT} (written)"])
    feedback = CliRunner().invoke(app, ["feedback", ASSIGNMENT, "--root", str(course)])
    assert feedback.exit_code == 0, feedback.output
    assert f"written answers not scored yet (1): ref / {ASSIGNMENT}" in " ".join(feedback.output.split())

    with Gradebook(db_url, "main-ingredients") as gb:  # what the formgrader's Manual Grading saves
        grade = gb.find_grade("written-weights", "perceptron", ASSIGNMENT, "ref")
        assert grade.auto_score is None and grade.needs_manual_grade
        grade.manual_score = 1.5
        gb.db.commit()

    output, grades, tests, integrity, canvas, shown = collect()
    row = grades.loc["ref"]
    assert row[ASSIGNMENT] == 10 and row[f"{ASSIGNMENT}_manual"] == "1.5"
    assert (row["total"], row["maximum"]) == shown["ref"] == (11.5, 12)
    assert row["percent"] == round(100 * 11.5 / 12, 1)
    written = tests[(tests["student"] == "ref") & (tests["grade_id"] == "written-weights")]
    assert list(written["status"]) == ["manual"] and list(written["score"]) == [1.5]
    assert "written-weights" not in set(integrity["grade_id"])  # a TA's score of a written answer: normal
    assert canvas.iloc[1][f"{ASSIGNMENT} (written)"] == "1.5" and canvas.iloc[1][ASSIGNMENT] == "10"
    feedback = CliRunner().invoke(app, ["feedback", ASSIGNMENT, "--root", str(course)])
    assert feedback.exit_code == 0, feedback.output
    assert "feedback: written 1" in feedback.output and "not scored yet" not in feedback.output
