"""Grader CLI behaviour that starts no kernel: demo --clean, unwrapped lines, messages, plot ticks."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from grader.autograde import UnknownAssignmentError, plan_submissions
from grader.discovery import prepare_submission
from grader.cli import app, print_demo_check, print_submission, summary_line
from grader.demo import DEMO_STUDENTS, clean_demo
from grader.status import SubmissionStatus, load_statuses, save_statuses, status_dir, status_path

from cli_helpers import submit

runner = CliRunner()


# ------------------------------------------------------------------ demo --clean

def _toy_gradebook(root, students_with_submission, students_without):
    from nbgrader.api import Gradebook

    from grader.autograde import ensure_tools_on_path

    ensure_tools_on_path()  # nbgrader runs `alembic` to create a gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        gb.add_assignment("toy")
        gb.add_notebook("toy", "toy")
        gb.add_grade_cell("test-answer", "toy", "toy", max_score=2, cell_type="code")
        for s in [*students_with_submission, *students_without]:
            gb.add_student(s)
        for s in students_with_submission:
            gb.add_submission("toy", s)


def _gradebook_students(root):
    from nbgrader.api import Grade, Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        grades = gb.db.query(Grade).count()
        return {s.id: [sub.assignment.name for sub in s.submissions] for s in gb.students}, grades


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission
def test_demo_clean_removes_only_the_demo_students(bare_toy_root):
    root = bare_toy_root
    demo, real = "s1-complete", "alice"
    _toy_gradebook(root, [demo, real], ["s3-blank", "bob"])
    statuses = {}
    for s in (demo, real):
        for parent in ("submitted", "autograded", "feedback"):
            (root / parent / s / "toy").mkdir(parents=True)
            (root / parent / s / "toy" / "toy.ipynb").write_text("{}")
        (status_dir(root) / "logs" / s).mkdir(parents=True)
        statuses[(s, "toy")] = SubmissionStatus(s, "toy", "graded", score=3, max_score=3)
    save_statuses(status_path(root), statuses)

    result = runner.invoke(app, ["demo", "--clean", "--root", str(root)])
    assert result.exit_code == 0, result.output
    for line in ("removed submitted/s1-complete/", "removed autograded/s1-complete/", "removed feedback/s1-complete/",
                 "removed autograded/.grader/logs/s1-complete/", "removed 1 status entry",
                 "removed student s1-complete from the gradebook", "removed student s3-blank from the gradebook"):
        assert line in result.output, result.output
    assert "alice" not in result.output and "bob" not in result.output
    for parent in ("submitted", "autograded", "feedback"):
        assert not (root / parent / demo).exists()
        assert (root / parent / real / "toy" / "toy.ipynb").is_file()
    assert (status_dir(root) / "logs" / real).is_dir()
    assert set(load_statuses(status_path(root))) == {(real, "toy")}
    assert _gradebook_students(root) == ({"alice": ["toy"], "bob": []}, 1)  # alice's grade kept, s1's gone

    result = runner.invoke(app, ["demo", "--clean", "--root", str(root)])
    assert result.exit_code == 0 and "nothing removed" in result.output


def test_demo_clean_creates_no_gradebook(bare_toy_root):
    (bare_toy_root / "submitted" / "s2-partial" / "toy").mkdir(parents=True)
    assert clean_demo(bare_toy_root) == ["submitted/s2-partial/"]
    assert not (bare_toy_root / "gradebook.db").exists()
    assert set(DEMO_STUDENTS) >= {"s1-complete", "s8-infinite-loop"}


# ------------------------------------------------------------------ output lines and messages

def test_submission_line_never_wraps_on_a_narrow_non_terminal():
    out = io.StringIO()
    console = Console(file=out, width=40, force_terminal=False, highlight=False)
    status = SubmissionStatus("s7-duplicate-cell", "01-perceptron", "graded", "",
                              ["duplicate grade_id test-perceptron-architecture: the earlier copy runs as an "
                               "ordinary cell, the last one is graded", "student added to the gradebook"],
                              10, 10, 10.1)
    print_submission(status, console)
    failed = SubmissionStatus("x", "toy", "failed", "toy.ipynb is not valid JSON: [brackets] kept " + "z" * 60)
    print_submission(failed, console)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(" graded s7-duplicate-cell / 01-perceptron: 10/10 (duplicate")
    assert lines[0].endswith("student added to the gradebook) 10.1s")
    assert "[brackets] kept" in lines[1]


def test_summary_and_demo_check_count_in_singular_and_plural():
    one = [SubmissionStatus("a", "toy", "graded", score=3, max_score=3)]
    two = one + [SubmissionStatus("b", "toy", "missing", "no submission folder")]
    assert summary_line(one, 5).endswith("graded 1, failed 0, missing 0, skipped 0 (1 submission in 5s)")
    assert summary_line(two, 65).endswith("(2 submissions in 1m 05s)")
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    print_demo_check([], 16, console)
    print_demo_check(["s6-raises / 01-perceptron: expected less than full marks, got 10"], 1, console)
    assert out.getvalue().splitlines() == [
        "demo check: all 16 submissions got the expected score",
        "demo check: 1 of 1 submission did not get the expected score:",
        "demo check: s6-raises / 01-perceptron: expected less than full marks, got 10",
    ]


def test_unknown_assignment_exits_2_and_names_the_course_assignments(bare_toy_root):
    submit(bare_toy_root, "a", raw="{}")
    result = runner.invoke(app, ["autograde", "99-nope", "--root", str(bare_toy_root)])
    assert result.exit_code == 2
    assert "99-nope is not an assignment of this course; its assignments are: toy" in result.output
    assert "no submissions" not in result.output
    with pytest.raises(UnknownAssignmentError, match="99-nope, 98-no are not assignments"):
        plan_submissions(bare_toy_root, ["toy", "99-nope", "98-no"])


def test_invalid_json_reason_reads_naturally(bare_toy_root, tmp_path):
    shutil.copytree(bare_toy_root / "source", bare_toy_root / "release")
    submit(bare_toy_root, "a", raw='{"cells": [\n  "abc')
    prepared = prepare_submission(bare_toy_root, "toy", "a", tmp_path / "stage")
    assert prepared.error == "toy.ipynb is not valid JSON: Unterminated string starting at line 2, column 3"


def test_score_distribution_has_integer_student_ticks(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grader.collect import plot_distribution

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    scores = pd.DataFrame({"student": ["a", "b", "c"], "assignment": "toy", "status": "graded",
                           "score": [0.0, 2.0, 3.0], "max_score": 3.0})
    plot_distribution(scores, tmp_path / "d.png")
    ticks = figures[0].axes[0].get_yticks()
    assert len(ticks) > 1 and all(float(t).is_integer() for t in ticks), ticks
