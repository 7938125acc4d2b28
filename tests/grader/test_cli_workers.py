"""``autograde --workers N``: several submissions at once, one gradebook writer, the same grades.

A toy cohort (correct, wrong, blank, renamed, duplicated cell, deleted test, broken JSON,
a breach) is graded serially and with two workers in two copies of the course; after
``collect`` the reports are byte-identical and so are the gradebooks' grades.
"""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from cli_helpers import HALF, filled, gradebook_scores, release_nb, submit, with_deleted_test, with_pasted_test
from grader.cli import app
from grader.status import load_statuses, status_path

pytestmark = pytest.mark.slow


def _cohort(root):
    submit(root, "good", filled(root))
    submit(root, "half", filled(root, HALF))
    submit(root, "blank", release_nb(root))
    submit(root, "renamed", filled(root), name="toy (1).ipynb")
    submit(root, "dup", with_pasted_test(root))
    submit(root, "deleted", with_deleted_test(root))
    submit(root, "badjson", raw='{"cells": [')
    submit(root, "dies", filled(root, "answer = 42\nimport os\nos._exit(1)"))


def _grades(root) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        for student in gb.students:
            for sub in student.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(student.id, nb.name, g.name)] = (g.auto_score, g.manual_score, g.needs_manual_grade)
    return out


def test_two_workers_give_the_serial_grades(toy_root, tmp_path):
    parallel = tmp_path / "parallel"
    shutil.copytree(toy_root, parallel)
    runner = CliRunner()
    reports = {}
    for root, args in ((toy_root, []), (parallel, ["--workers", "2"])):
        _cohort(root)
        result = runner.invoke(app, ["autograde", "--root", str(root), *args])
        assert result.exit_code == 1, result.output  # badjson failed
        assert "graded 7, failed 1, missing 0, skipped 0" in result.output, result.output
        result = runner.invoke(app, ["collect", "--root", str(root), "--out", str(root / "r")])
        assert result.exit_code == 0, result.output
        reports[root] = {n: (root / "r" / n).read_bytes() for n in ("grades.csv", "tests.csv", "integrity.csv")}
    assert reports[toy_root] == reports[parallel]
    assert _grades(toy_root) == _grades(parallel)
    assert gradebook_scores(parallel) == {"good": 3.0, "half": 2.0, "blank": 0.0, "renamed": 3.0, "dup": 3.0,
                                          "deleted": 3.0, "dies": 0.0}
    serial = load_statuses(status_path(toy_root))
    both = load_statuses(status_path(parallel))
    assert {k: (v.status, v.score, v.notes) for k, v in serial.items()} == {
        k: (v.status, v.score, v.notes) for k, v in both.items()}
    # one writer: no temporary gradebook is left, the course's gradebook holds every submission
    assert not list(parallel.glob("**/grader-stage-*"))


def test_a_manual_grade_survives_a_regrade_by_the_single_writer(toy_root):
    """The merge keeps a TA's manual score (as nbgrader does) and marks it for review."""
    from nbgrader.api import Gradebook

    submit(toy_root, "half", filled(toy_root, HALF))
    runner = CliRunner()
    assert runner.invoke(app, ["autograde", "--root", str(toy_root)]).exit_code == 0
    with Gradebook(f"sqlite:///{toy_root / 'gradebook.db'}", "toy-course") as gb:
        grade = gb.find_grade("test-double", "toy", "toy", "half")
        grade.manual_score = 1.0  # the TA gives the point back in the formgrader
        gb.db.commit()
    assert runner.invoke(app, ["autograde", "--root", str(toy_root), "--workers", "2"]).exit_code == 0
    with Gradebook(f"sqlite:///{toy_root / 'gradebook.db'}", "toy-course") as gb:
        grade = gb.find_grade("test-double", "toy", "toy", "half")
        assert grade.auto_score == 0.0 and grade.manual_score == 1.0 and grade.needs_manual_grade
        assert gb.find_submission("toy", "half").score == 3.0
    result = runner.invoke(app, ["collect", "--root", str(toy_root)])
    assert "integrity: 0 flagged, 1 manual grade(s)" in result.output
