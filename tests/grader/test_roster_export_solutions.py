"""Roster import, the LMS exports (Canvas, long) and the worked solutions without hidden tests."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import HALF, filled, submit
from grader.cli import app
from grader.roster import RosterError, canvas_table, long_table, read_roster
from grader.solutions import solution_source, write_solutions

runner = CliRunner()

ROSTER = ("student_id,First Name,Last Name,Email,Section,canvas_id\n"
          "good,Ada,Lovelace,ada@example.org,A,101\n"
          "half,Alan,Turing,alan@example.org,B,102\n"
          "absent,Grace,Hopper,grace@example.org,A,103\n")


def _db(root):
    return "sqlite:///" + str(root / "gradebook.db")


def test_roster_import_names_students_in_the_gradebook_and_updates_them(toy_root, tmp_path):
    from nbgrader.api import Gradebook

    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ROSTER.encode())  # as Excel saves it
    result = runner.invoke(app, ["roster", "import", str(path), "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    assert "3 added, 0 updated, 0 unchanged" in result.output
    with Gradebook(_db(toy_root)) as gb:
        ada = gb.find_student("good")
        assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada@example.org")
    path.write_text(ROSTER.replace("Alan,Turing", "Alan M.,Turing"))
    result = runner.invoke(app, ["roster", "import", str(path), "--root", str(toy_root)])
    assert "0 added, 1 updated, 2 unchanged" in result.output, result.output
    # a one-student file for a late change (a new section) keeps everyone else's LMS fields
    late = tmp_path / "late.csv"
    late.write_text("student_id,First Name,Last Name,Email,Section,canvas_id\nhalf,Alan M.,Turing,alan@example.org,C,102\n")
    result = runner.invoke(app, ["roster", "import", str(late), "--root", str(toy_root)])
    assert "1 student read" in result.output and "0 added, 1 updated, 0 unchanged" in result.output, result.output
    kept = read_roster(toy_root / "roster.csv").set_index("id")
    assert kept.loc["good", "section"] == "A" and kept.loc["good", "canvas_id"] == "101"
    assert kept.loc["half", "section"] == "C" and len(kept) == 3


@pytest.mark.parametrize("text, match", [
    ("name,email\nAda,ada@example.org\n", "no student id column"),
    ("id,first_name\ngood,Ada\n,Alan\n", "line 3: the student id is blank"),
    ("id\ngood\nhalf\ngood\n", "listed more than once: good on lines 2, 4"),
    ("id\n../etc\n", "cannot be a student id"),
    ("", "not a readable CSV"),
])
def test_bad_rosters_are_refused_naming_the_problem(tmp_path, text, match):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError, match=match):
        read_roster(path)


def test_a_bad_roster_exits_2_and_imports_nobody(toy_root, tmp_path):
    from nbgrader.api import Gradebook

    path = tmp_path / "roster.csv"
    path.write_text("id,first_name\ngood,Ada\ngood,Alan\n")
    result = runner.invoke(app, ["roster", "import", str(path), "--root", str(toy_root)])
    assert result.exit_code == 2 and "listed more than once" in result.output
    with Gradebook(_db(toy_root)) as gb:
        assert [s.id for s in gb.students] == []


def _scores():
    return pd.DataFrame({
        "student": ["good", "half", "broken", "good", "half", "broken"],
        "assignment": ["a1"] * 3 + ["a2"] * 3,
        "status": ["graded", "graded", "failed", "graded", "missing", "graded"],
        "reason": ["", "", "not valid JSON", "", "no submission", ""],
        "score": [10.0, 6.5, float("nan"), 3.0, float("nan"), 0.0],
        "max_score": [10.0] * 3 + [3.0] * 3,
    })


def test_canvas_table_has_canvas_columns_points_possible_and_no_zero_for_a_failure(tmp_path):
    roster = read_roster(_write(tmp_path, ROSTER))
    table = canvas_table(_scores(), roster)
    assert list(table.columns) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "a1", "a2"]
    assert table.iloc[0].tolist() == ["Points Possible", "", "", "", "", "10", "3"]
    rows = table.iloc[1:].set_index("SIS User ID")
    assert rows.loc["good"].tolist() == ["Lovelace, Ada", "101", "good", "A", "10", "3"]
    assert rows.loc["half", "a1"] == "6.5" and rows.loc["half", "a2"] == ""  # missing: empty, not 0
    assert rows.loc["broken", "a1"] == "" and rows.loc["broken", "a2"] == "0"  # failed: empty; a real 0 stays
    assert rows.loc["broken", "Student"] == "broken"  # not in the roster: its id


def test_long_table_has_one_row_per_student_and_assignment(tmp_path):
    roster = read_roster(_write(tmp_path, ROSTER))
    table = long_table(_scores(), roster)
    assert len(table) == 6 and list(table.columns[:6]) == ["student_id", "first_name", "last_name", "email",
                                                           "section", "assignment"]
    row = table[(table.student_id == "half") & (table.assignment == "a1")].iloc[0]
    assert (row.first_name, row.score, row.status) == ("Alan", 6.5, "graded")


def _write(tmp_path, text):
    path = tmp_path / "r.csv"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_collect_writes_the_canvas_and_long_files_with_the_roster_names(toy_root, tmp_path):
    submit(toy_root, "good", filled(toy_root))
    submit(toy_root, "half", filled(toy_root, HALF))
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--root", str(toy_root)],
                         capture_output=True, text=True, timeout=600, env=dict(os.environ, COLUMNS="200"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert runner.invoke(app, ["roster", "import", str(_write(tmp_path, ROSTER)), "--root", str(toy_root)]).exit_code == 0
    result = runner.invoke(app, ["collect", "--format", "canvas", "--format", "long", "--root", str(toy_root),
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    canvas = pd.read_csv(tmp_path / "r" / "canvas.csv", dtype=str, keep_default_na=False)
    assert canvas.iloc[0]["toy"] == "3"
    by_id = canvas.iloc[1:].set_index("SIS User ID")
    assert by_id.loc["good", "toy"] == "3" and by_id.loc["half", "toy"] == "2"
    assert by_id.loc["half", "Student"] == "Turing, Alan" and by_id.loc["good", "Section"] == "A"
    long = pd.read_csv(tmp_path / "r" / "grades_long.csv")
    assert set(long["student_id"]) >= {"good", "half"}
    assert runner.invoke(app, ["collect", "--format", "moodle", "--root", str(toy_root)]).exit_code == 2


# ------------------------------------------------------------------ solutions

def test_solutions_keep_the_solution_and_drop_every_hidden_test(toy_root, tmp_path):
    source = nbformat.read(str(toy_root / "source" / "toy" / "toy.ipynb"), as_version=4)
    hidden = [line.strip() for c in source.cells for line in c.source.split("### BEGIN HIDDEN TESTS")[1:]
              for line in line.split("### END HIDDEN TESTS")[0].splitlines() if line.strip()]
    assert hidden, "the toy course must have a hidden test for this check to mean anything"
    result = runner.invoke(app, ["solutions", "toy", "--out", str(tmp_path / "sol"), "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "sol" / "toy.ipynb").read_text()
    for line in hidden:
        assert line not in text
    assert "HIDDEN" not in text and "BEGIN SOLUTION" not in text and '"nbgrader"' not in text
    assert "answer = 42" in text


def test_solutions_out_never_deletes_the_folders_other_files(toy_root, tmp_path):
    handouts = tmp_path / "handouts"
    handouts.mkdir()
    (handouts / "syllabus.txt").write_text("keep me")
    result = runner.invoke(app, ["solutions", "toy", "--out", str(handouts), "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    assert (handouts / "syllabus.txt").read_text() == "keep me" and (handouts / "toy.ipynb").is_file()


def test_solution_source_refuses_an_unclosed_hidden_block():
    with pytest.raises(ValueError, match="never closed"):
        solution_source("x = 1\n### BEGIN HIDDEN TESTS\nassert secret")


def test_solutions_of_an_unknown_assignment_exit_2(toy_root):
    result = runner.invoke(app, ["solutions", "nope", "--root", str(toy_root)])
    assert result.exit_code == 2 and "source/nope has no notebook" in result.output
    with pytest.raises(FileNotFoundError):
        write_solutions(toy_root, "nope")


def test_roster_import_before_any_gradebook_says_to_release_first(toy_root, tmp_path):
    """A fresh course has no gradebook.db until `make release` (or a first autograde): the message
    says so (was: a hint about four slashes in a database URL the TA never typed)."""
    (toy_root / "gradebook.db").unlink(missing_ok=True)
    path = tmp_path / "class-list.csv"
    path.write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n", encoding="utf-8")
    result = runner.invoke(app, ["roster", "import", str(path), "--root", str(toy_root)])
    assert result.exit_code == 2, result.output
    assert "make release" in result.output and "four slashes" not in result.output
    assert not (toy_root / "gradebook.db").exists() and not (toy_root / "roster.csv").exists()
