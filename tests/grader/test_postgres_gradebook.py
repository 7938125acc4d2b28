"""A PostgreSQL gradebook shared by two graders writing at once (a real server on 127.0.0.1).

Two TAs, each with their own clone of the toy course whose ``nbgrader_config.py`` names the
same PostgreSQL database, run ``python -m grader autograde`` at the same moment on their
halves of the cohort, and both grade one submission in common. Every score lands once and
right in the shared gradebook; ``collect`` reads it; a private copy made for one submission
holds the course's definitions and that student's rows only. ``--db`` points a clone whose
config names SQLite at the server instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import FILES, HALF, filled, gradebook_scores, release_nb, submit

pytestmark = pytest.mark.slow

EXPECTED = {"good": 3.0, "half": 2.0, "blank": 0.0}


def clone(tmp_path: Path, name: str, db_url: str | None) -> Path:
    """A copy of the toy course; its config names ``db_url`` when given."""
    from grader.autograde import ensure_tools_on_path
    from grader.release import generate_release

    ensure_tools_on_path()
    root = tmp_path / name / "course"
    shutil.copytree(FILES / "toycourse", root)
    if db_url:
        with open(root / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    generate_release(root)
    return root


def hand_in(root: Path, prefix: str) -> None:
    for kind, code in (("good", None), ("half", HALF)):
        submit(root, f"{prefix}-{kind}", filled(root) if code is None else filled(root, code))
    submit(root, f"{prefix}-blank", release_nb(root))
    submit(root, "both-good", filled(root))  # graded by both TAs at once


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader", *args, "--root", str(root)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ, COLUMNS="200"))


def test_two_graders_write_one_postgresql_gradebook_at_once(tmp_path, postgres_url):
    ta1, ta2 = clone(tmp_path, "ta1", postgres_url), clone(tmp_path, "ta2", postgres_url)
    assert not (ta1 / "gradebook.db").exists()  # the assignment went to the server
    hand_in(ta1, "a")
    hand_in(ta2, "b")
    runs = [start(ta1, "autograde", "--workers", "2"), start(ta2, "autograde", "--workers", "2")]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("graded 4, failed 0" in out for out in outputs), outputs
    assert all("gradebook: postgresql://postgres@127.0.0.1:" in out and "2 at a time" in out for out in outputs)

    scores = gradebook_scores(None, db_url=postgres_url)
    expected = {f"{p}-{kind}": value for p in "ab" for kind, value in EXPECTED.items()}
    expected["both-good"] = 3.0
    assert scores == expected

    # collect reads the server gradebook: TA1's table has TA1's students with their scores
    col = subprocess.run([sys.executable, "-m", "grader", "collect", "--root", str(ta1)], capture_output=True,
                         text=True)
    assert col.returncode == 0, col.stdout + col.stderr
    grades = pd.read_csv(ta1 / "reports" / "grades.csv").set_index("student")
    for kind, value in EXPECTED.items():
        assert grades.loc[f"a-{kind}", "toy"] == value


def test_a_private_copy_holds_the_definitions_and_one_students_rows(tmp_path, postgres_url):
    from nbgrader.api import Gradebook

    from grader.gradebook import private_copy

    root = clone(tmp_path, "ta", postgres_url)
    hand_in(root, "a")
    run = start(root, "autograde", "--workers", "1")
    assert run.wait(timeout=600) == 0, run.stdout.read()
    copy_url = private_copy(postgres_url, tmp_path, student="a-half")
    with Gradebook(copy_url, "toy-course") as copy, Gradebook(postgres_url, "toy-course") as server:
        assert [s.id for s in copy.students] == ["a-half"]
        assert len(server.students) == 4
        assert copy.find_submission("toy", "a-half").score == 2.0
        assert [a.name for a in copy.assignments] == ["toy"]
        assert [c.name for c in copy.find_notebook("toy", "toy").grade_cells] == \
            [c.name for c in server.find_notebook("toy", "toy").grade_cells]


def test_db_option_grades_into_a_server_gradebook(tmp_path, postgres_url):
    """A clone whose config names SQLite, pointed at the server for one run with --db."""
    root = clone(tmp_path, "ta", None)
    clone(tmp_path, "instructor", postgres_url)  # the instructor released into the server gradebook
    hand_in(root, "a")
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--db", postgres_url, "--root", str(root)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert gradebook_scores(None, db_url=postgres_url)["a-half"] == 2.0
    assert "a-half" not in gradebook_scores(root)  # the course's own SQLite file was not written


@pytest.mark.parametrize(("db", "message"), [
    ("not a url", "is not a database URL"),
    ("postgresql://postgres@127.0.0.1:1/gradebook", "cannot open the gradebook postgresql://"),
    ("postgres://postgres@127.0.0.1/gradebook", "the scheme is postgresql://, not postgres://"),
    ("sqlite:////nowhere/gradbook.db", "no gradebook at /nowhere/gradbook.db: check the path"),
])
def test_a_bad_db_option_stops_before_grading_with_a_clear_message(toy_root, db, message):
    from typer.testing import CliRunner

    from grader.cli import app

    submit(toy_root, "good", filled(toy_root))
    result = CliRunner().invoke(app, ["autograde", "--db", db, "--root", str(toy_root)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert not (toy_root / "autograded" / "good").exists()


def test_an_empty_database_says_to_release_into_it_first(toy_root, postgres_url):
    from typer.testing import CliRunner

    from grader.cli import app

    submit(toy_root, "good", filled(toy_root))
    result = CliRunner().invoke(app, ["autograde", "--db", postgres_url, "--root", str(toy_root)])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "is not an nbgrader gradebook" in text and "release the assignments into it first" in text, text
