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
    from grader.submissions import build_submission, write_submission

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
    failed = set(tests.loc[(tests["student"] == "mut") & (tests["status"] != "pass"), "grade_id"])
    assert failed == set(mutant.fails)
