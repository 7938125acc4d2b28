"""A PostgreSQL gradebook shared by two graders writing at once (a real server on 127.0.0.1).

Two TAs, each with their own clone of the toy course whose ``nbgrader_config.py`` names the
same PostgreSQL database, run ``python -m grader autograde`` at the same moment on their
halves of the cohort, and both grade one submission in common. Every score lands once and
right in the shared gradebook; ``collect`` reads it; a private copy made for one submission
holds the course's definitions and that student's rows only. ``--db`` points a clone whose
config names SQLite at the server instead.

The TA's other tools read the same server gradebook: ``python -m grader feedback`` (through the
config and through ``--db``) writes each student's scores without the hidden tests, and the
formgrader of a real Jupyter server on 127.0.0.1 serves, from its JSON API, the scores
``collect`` wrote to ``grades.csv`` and the students of the server gradebook.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest

from cli_helpers import FILES, HALF, filled, gradebook_scores, release_nb, submit
from test_feedback import leaks, page_text

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


# ------------------------------------------------------------------ feedback and the formgrader

#: What nbgrader collect writes beside a submission: the formgrader counts a submission as
#: autograded only when the gradebook's timestamp equals this file's. A hand-copied one gets the
#: file from the grader at its first grading (it was listed as not autograded, score 0 of 0).
COLLECTED = "2026-11-29 09:30:00.000000 UTC"


def grade_two(root: Path, *, collected: tuple = ()) -> None:
    """Hand in a-good (3 of 3) and a-half (2 of 3) and autograde them into the course's gradebook;
    the ``collected`` students' folders hold nbgrader collect's timestamp.txt, the others are hand copies."""
    for student, nb in (("a-good", filled(root)), ("a-half", filled(root, HALF))):
        path = submit(root, student, nb)
        if student in collected:
            (path.parent / "timestamp.txt").write_text(COLLECTED + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--workers", "2", "--root", str(root)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graded 2, failed 0" in run.stdout, run.stdout


def feedback(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m grader feedback`` on the course ``root``."""
    return subprocess.run([sys.executable, "-m", "grader", "feedback", *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ, COLUMNS="200"))


def test_feedback_reads_the_scores_from_a_postgresql_gradebook(tmp_path, postgres_url):
    root = clone(tmp_path, "ta", postgres_url)
    grade_two(root)
    # a second clone whose config names SQLite, holding the same graded submissions
    other = clone(tmp_path, "ta2", None)
    for folder in ("submitted", "autograded"):
        shutil.copytree(root / folder, other / folder)

    done = feedback(root)  # c.CourseDirectory.db_url names the server
    assert done.returncode == 0, done.stdout + done.stderr
    assert "feedback: written 2, skipped 0, failed 0" in done.stdout, done.stdout
    page = root / "feedback" / "a-half" / "toy" / "toy.html"
    assert "toy (Score: 2.0 / 3.0)" in page_text(page)
    assert "toy (Score: 3.0 / 3.0)" in page_text(root / "feedback" / "a-good" / "toy" / "toy.html")
    shown = leaks(root)
    assert len(shown) == 2 and {k: v for k, v in shown.items() if v} == {}, shown
    assert not (root / "gradebook.db").exists()  # nothing fell back to a SQLite file

    # control: the SQLite clone's own gradebook has no grades, so its feedback fails there...
    control = feedback(other, "--student", "a-half")
    assert control.returncode == 1, control.stdout + control.stderr
    assert "failed 1" in control.stdout and not (other / "feedback" / "a-half" / "toy" / "toy.html").exists()
    # ...and --db reads the server's
    done = feedback(other, "--student", "a-half", "--db", postgres_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "toy (Score: 2.0 / 3.0)" in page_text(other / "feedback" / "a-half" / "toy" / "toy.html")
    shown = leaks(other)
    assert len(shown) == 1 and {k: v for k, v in shown.items() if v} == {}, shown


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_server(root: Path, tmp_path: Path) -> Iterator[str]:
    """A real Jupyter server (the formgrader enabled by the venv's config) with the course root as
    its root and working folder, on 127.0.0.1 without token; yields its base URL and stops it."""
    port = _free_port()
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),  # the venv's config only
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
               PATH=os.pathsep.join([bindir, os.environ.get("PATH", "")]))  # nbgrader runs `alembic heads`
    cmd = [os.path.join(bindir, "jupyter"), "server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root", f"--ServerApp.root_dir={root}"]
    log = tmp_path / "jupyter-server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/api/status", timeout=10):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the Jupyter server did not start:\n" + log.read_text()[-5000:])
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def get_json(url: str, log: Path):
    """GET a JSON API URL; on an HTTP error, fail with the server's log."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"GET {url}: {exc.code}\n" + log.read_text()[-5000:]) from None


def test_the_formgrader_serves_the_postgresql_gradebook(tmp_path, postgres_url):
    from nbgrader.api import Gradebook

    root = clone(tmp_path, "ta", postgres_url)
    grade_two(root, collected=("a-good",))  # a-half: copied in by hand
    col = subprocess.run([sys.executable, "-m", "grader", "collect", "--root", str(root)], capture_output=True,
                         text=True, timeout=300)
    assert col.returncode == 0, col.stdout + col.stderr
    grades = pd.read_csv(root / "reports" / "grades.csv").set_index("student")
    assert grades.loc["a-half", "toy"] == 2.0 and grades.loc["a-half", "maximum"] == 3.0
    # a student of the roster, in the server gradebook only (no folder anywhere)
    with Gradebook(postgres_url, "toy-course") as gb:
        gb.update_or_create_student("roster-only", first_name="Ada", last_name="Lovelace")

    log = tmp_path / "jupyter-server.log"
    with jupyter_server(root, tmp_path) as url:
        api = url + "/formgrader/api"
        submissions = {s["student"]: s for s in get_json(f"{api}/submissions/toy", log)}
        students = {s["id"]: s for s in get_json(f"{api}/students", log)}
        assignments = {a["name"]: a for a in get_json(f"{api}/assignments", log)}
        one = get_json(f"{api}/submission/toy/a-half", log)
        good = get_json(f"{api}/submission/toy/a-good", log)

    assert sorted(submissions) == ["a-good", "a-half"]
    for student in ("a-good", "a-half"):
        row = submissions[student]
        assert row["autograded"], row  # the gradebook's time is submitted/'s timestamp.txt
        assert (row["score"], row["max_score"]) == (grades.loc[student, "toy"], grades.loc[student, "maximum"])
        assert (students[student]["score"], students[student]["max_score"]) == \
            (grades.loc[student, "total"], grades.loc[student, "maximum"])
    assert (one["score"], one["max_score"], one["student"]) == (2.0, 3.0, "a-half")
    assert good["timestamp"].startswith("2026-11-29T09:30:00")  # the collected time
    written = (root / "submitted" / "a-half" / "toy" / "timestamp.txt").read_text().strip()  # the file time
    assert one["timestamp"].replace("T", " ").startswith(written[:19]), (one["timestamp"], written)
    assert sorted(students) == ["a-good", "a-half", "roster-only"]
    ada = students["roster-only"]
    assert (ada["first_name"], ada["last_name"], ada["score"], ada["max_score"]) == ("Ada", "Lovelace", 0.0, 3.0)
    toy = assignments["toy"]
    assert (toy["max_score"], toy["num_submissions"]) == (3.0, 2)
    assert toy["average_score"] == grades["toy"].dropna().mean() == 2.5
    assert not (root / "gradebook.db").exists()  # the formgrader opened no SQLite gradebook
