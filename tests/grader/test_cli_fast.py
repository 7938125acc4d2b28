"""Grader CLI checks that start no kernel: usage errors, staging repairs, statuses, collect errors."""

from __future__ import annotations

import copy
import shutil
import sqlite3

import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import ANSWER, cell_index, submit
from grader.autograde import NoSubmissionsError, exit_code, plan_submissions
from grader.discovery import prepare_submission
from grader.cli import app
from grader.collect import GradebookError, collect_scores, grades_table, pass_rates
from grader.status import SubmissionStatus, load_statuses, save_statuses, update_statuses

runner = CliRunner()


@pytest.fixture
def staged_root(bare_toy_root):
    """The toy course with release/ made by copying source/ (enough for the staging checks)."""
    shutil.copytree(bare_toy_root / "source", bare_toy_root / "release")
    return bare_toy_root


def _nb(root, code=ANSWER):
    nb = nbformat.read(str(root / "release" / "toy" / "toy.ipynb"), as_version=4)
    nb.cells[cell_index(nb, "toy-answer")].source = code
    return nb


# ------------------------------------------------------------------ usage errors

def test_empty_submitted_exits_2_with_a_clear_message(bare_toy_root):
    result = runner.invoke(app, ["autograde", "--root", str(bare_toy_root)])
    assert result.exit_code == 2
    assert "no submissions to autograde" in result.output
    (bare_toy_root / "submitted").mkdir()
    result = runner.invoke(app, ["autograde", "--root", str(bare_toy_root)])
    assert result.exit_code == 2
    with pytest.raises(NoSubmissionsError, match="student.s. ghost"):
        plan_submissions(bare_toy_root, ["toy"], ["ghost"])


def test_collect_without_gradebook_exits_2(bare_toy_root, tmp_path):
    result = runner.invoke(app, ["collect", "--root", str(bare_toy_root)])
    assert result.exit_code == 2
    assert "no gradebook" in result.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(GradebookError, match="not an nbgrader gradebook"):
        collect_scores(f"sqlite:///{other}")


def test_plan_lists_every_student_and_assignment(staged_root):
    submit(staged_root, "a", _nb(staged_root))
    submit(staged_root, "b", _nb(staged_root), assignment="extra", name="x.ipynb")
    assert plan_submissions(staged_root) == [("a", "extra"), ("b", "extra"), ("a", "toy"), ("b", "toy")]
    assert plan_submissions(staged_root, ["toy"], ["b", "a"]) == [("a", "toy"), ("b", "toy")]


# ------------------------------------------------------------------ staging repairs

def test_prepare_renamed_notebook_is_graded_under_the_expected_name(staged_root, tmp_path):
    submit(staged_root, "s", _nb(staged_root), name="toy-Copy1.ipynb")
    (staged_root / "submitted" / "s" / "toy" / "data.csv").write_text("1,2\n")
    p = prepare_submission(staged_root, "toy", "s", tmp_path / "stage")
    assert p.error is None and p.notes == ["renamed: toy-Copy1.ipynb graded as toy.ipynb",
                                           "not used: data.csv (only the notebook is graded)"]
    # only the notebook (and its hand-in time) is staged: the student's other files never reach the kernel
    assert sorted(x.name for x in (tmp_path / "stage" / "s" / "toy").iterdir()) == ["timestamp.txt", "toy.ipynb"]
    assert (staged_root / "submitted" / "s" / "toy" / "toy-Copy1.ipynb").exists()


def test_prepare_two_worked_notebooks_fail_naming_both(staged_root, tmp_path):
    submit(staged_root, "s", _nb(staged_root), name="a.ipynb")
    submit(staged_root, "s", _nb(staged_root), name="b.ipynb")
    p = prepare_submission(staged_root, "toy", "s", tmp_path / "stage")
    assert p.status == "failed" and "several notebooks differ from the release" in p.error
    assert "a.ipynb, b.ipynb" in p.error


def test_prepare_duplicate_grade_id_keeps_the_last_copy(staged_root, tmp_path):
    nb = _nb(staged_root)
    i = cell_index(nb, "test-answer")
    pasted = copy.deepcopy(nb.cells[i])
    pasted.source = "print('my own check')"
    nb.cells.insert(i, pasted)
    submit(staged_root, "s", nb)
    p = prepare_submission(staged_root, "toy", "s", tmp_path / "stage")
    assert p.error is None and "duplicate grade_id test-answer" in p.notes[0]
    staged = nbformat.read(str(tmp_path / "stage" / "s" / "toy" / "toy.ipynb"), as_version=4)
    assert "nbgrader" not in staged.cells[i].metadata  # an ordinary cell now, still executed
    assert staged.cells[i].source == "print('my own check')"
    assert staged.cells[i + 1].metadata.nbgrader["grade_id"] == "test-answer"
    assert len({c.id for c in staged.cells}) == len(staged.cells)
    strict = prepare_submission(staged_root, "toy", "s", tmp_path / "stage2", strict=True)
    assert strict.status == "failed" and strict.error == "duplicate grade_id test-answer"


def test_prepare_restores_deleted_locked_cells_in_place(staged_root, tmp_path):
    nb = _nb(staged_root)
    del nb.cells[cell_index(nb, "test-answer")]
    del nb.cells[cell_index(nb, "setup")]
    submit(staged_root, "s", nb)
    p = prepare_submission(staged_root, "toy", "s", tmp_path / "stage")
    assert p.notes == ["restored deleted locked cell(s) setup, test-answer from release/, in their release position"]
    staged = nbformat.read(str(tmp_path / "stage" / "s" / "toy" / "toy.ipynb"), as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in staged.cells]
    assert ids == ["intro", "setup", "toy-answer", "test-answer", "test-double"]


@pytest.mark.parametrize("raw, expected", [
    (b'{"cells": [', "not valid JSON"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (b"\xff\xfe\x00garbage", "not a text file"),
])
def test_prepare_invalid_files_fail(staged_root, tmp_path, raw, expected):
    submit(staged_root, "s", raw="").write_bytes(raw)
    p = prepare_submission(staged_root, "toy", "s", tmp_path / "stage")
    assert p.status == "failed" and expected in p.error


def test_prepare_missing_folder_and_folder_without_notebook(staged_root, tmp_path):
    assert prepare_submission(staged_root, "toy", "ghost", tmp_path).status == "missing"
    (staged_root / "submitted" / "s" / "toy").mkdir(parents=True)
    p = prepare_submission(staged_root, "toy", "s", tmp_path)
    assert p.status == "missing" and "the folder is empty" in p.error


def test_strict_duplicate_is_failed_through_the_cli(toy_root):
    nb = _nb(toy_root)
    i = cell_index(nb, "test-double")
    nb.cells.insert(i, copy.deepcopy(nb.cells[i]))
    submit(toy_root, "dup", nb)
    result = runner.invoke(app, ["autograde", "--strict", "--root", str(toy_root)])
    assert result.exit_code == 1, result.output
    assert "failed 1" in result.output and "duplicate grade_id test-double" in result.output


# ------------------------------------------------------------------ statuses and tables

def test_status_file_round_trip_and_merge(tmp_path):
    path = tmp_path / "status.json"
    a = SubmissionStatus("a", "toy", "graded", score=3.0, max_score=3.0)
    b = SubmissionStatus("b", "toy", "failed", "the kernel died")
    save_statuses(path, {a.key: a})
    update_statuses(path, b)
    assert load_statuses(path) == {a.key: a, b.key: b}
    assert exit_code([a]) == 0 and exit_code([a, b]) == 1
    assert exit_code([SubmissionStatus("c", "toy", "missing")]) == 0
    with pytest.raises(ValueError):
        SubmissionStatus("a", "toy", "maybe")
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a grader status file"):
        load_statuses(path)


def test_grades_table_and_test_summary_are_explicit():
    scores = pd.DataFrame({
        "student": ["a", "b", "c"], "assignment": ["x"] * 3, "status": ["graded", "failed", "missing"],
        "reason": ["", "the kernel died", "no submission"], "notes": [""] * 3,
        "score": [2.0, float("nan"), float("nan")], "max_score": [4.0] * 3,
    })
    g = grades_table(scores).set_index("student")
    assert list(g.columns) == ["x", "x_status", "total", "maximum", "percent"]
    assert g.loc["b", "x_status"] == "failed: the kernel died" and g.loc["c", "x_status"] == "missing"
    assert g.loc["a", "percent"] == 50.0 and g.loc["b", "total"] == 0.0 and pd.isna(g.loc["b", "x"])
    tests = pd.DataFrame({
        "student": ["a", "a", "b"], "assignment": ["x"] * 3, "notebook": ["n"] * 3,
        "grade_id": ["t1", "t2", "t1"], "score": [1.0, 0.0, float("nan")], "max_score": [1.0, 3.0, 1.0],
        "status": ["pass", "fail", "failed"],
    })
    s = pass_rates(tests)
    assert list(s["grade_id"]) == ["t2", "t1"] and list(s["pass_rate"]) == [0.0, 1.0]


def test_written_answers_get_their_own_column_pending_until_scored():
    """``<assignment>_manual`` after ``percent``: the TA's points, ``pending``, or empty when not graded;
    ``total`` adds the scored written answers; ``maximum`` is the course's (the formgrader's)."""
    scores = pd.DataFrame({
        "student": ["a", "b", "c", "a"], "assignment": ["x", "x", "x", "y"],
        "status": ["graded", "graded", "failed", "graded"], "reason": ["", "", "boom", ""], "notes": [""] * 4,
        "score": [8.0, 10.0, float("nan"), 3.0], "max_score": [10.0, 10.0, 10.0, 4.0],
        "manual_score": [1.5, float("nan"), float("nan"), float("nan")], "manual_max": [2.0, 2.0, 2.0, 0.0],
        "manual_status": ["graded", "pending", "", ""],
    })
    g = grades_table(scores).set_index("student")
    assert list(g.columns) == ["x", "x_status", "y", "y_status", "total", "maximum", "percent", "x_manual"]
    assert list(g["x_manual"].fillna("")) == ["1.5", "pending", ""]
    assert list(g["total"]) == [12.5, 10.0, 0.0] and set(g["maximum"]) == {16.0}
    g = grades_table(scores, maximum=20.0).set_index("student")
    assert g.loc["a", "maximum"] == 20.0 and g.loc["a", "percent"] == 62.5
    tests = pd.DataFrame({
        "student": ["a", "b", "c"], "assignment": ["x"] * 3, "notebook": ["n"] * 3, "grade_id": ["w", "w", "w"],
        "score": [1.5, float("nan"), float("nan")], "max_score": [2.0] * 3, "status": ["manual", "pending", "missing"],
    })
    assert pass_rates(tests).empty  # a written answer is no test to pass, whoever is missing


def test_the_grader_console_script_is_the_same_cli():
    import os
    import subprocess
    import sys

    script = os.path.join(os.path.dirname(sys.executable), "grader")
    assert os.path.exists(script), "pyproject.toml's [project.scripts] grader is not installed (make install)"
    run = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "autograde" in run.stdout and "feedback" in run.stdout
