"""The instructor's week through nbgrader's exchange, end to end, with the commands a TA types.

On a copy of the toy course (one assignment ``toy``, 3 points, no TensorFlow) whose
``nbgrader_config.py`` has the course-local exchange (``c.Exchange.root = <root>/exchange``)
and, appended by the test, the course's late policy (``grader.late.LatePenalty``: 10 % per
started day late, everything after 7 days):

==========  =====================================================  ==============================
who         does                                                   checked
==========  =====================================================  ==============================
instructor  ``nbgrader generate_assignment toy``                    release/ without hidden tests
alice       ``nbgrader fetch_assignment toy`` before the release    nbgrader's "Assignment not
                                                                   found", exit code 1, no folder
instructor  ``assignments.csv`` (due 2026-12-01 17:00 UTC),         the gradebook's due date; the
            ``extensions.csv`` (bob: 1 day),                        formgrader's view: released,
            ``python -m grader assignments sync``,                  with its due date
            ``nbgrader release_assignment toy``
alice       fetch, the correct answer, submit: 1.5 days late        raw 3, penalty 0.6 (2 started
                                                                   days), final 2.4
bob         fetch, a wrong ``doubled`` (only the hidden check       raw 2, on time thanks to his
            fails), submit: 0.5 days late                          extension: penalty 0, final 2
instructor  ``nbgrader collect toy``, ``python -m grader            timestamps carried to
            autograde toy``, ``python -m grader feedback``,         submitted/; reports/grades.csv
            ``nbgrader release_feedback toy``, ``python -m
            grader collect``
students    ``nbgrader fetch_feedback toy``                         each gets their own page, with
                                                                   no hidden test in it
==========  =====================================================  ==============================

Each student works in a folder of their own (``tmp/alice``, ``tmp/bob``: their home, so each has
their own nbgrader cache, which ``fetch_feedback`` reads) with a two-line ``nbgrader_config.py``
naming the exchange, and passes ``--course toy-course``. nbgrader 0.9.6 takes the student id of
``submit`` and ``fetch_feedback`` from the OS account (``pwd``, not ``$USER``): the test runs as
one account, so each student also passes ``--student <id>``, which is what a shared machine
without per-student accounts needs too. The submission times are the students' clock: the test
moves them (the exchange's ``timestamp.txt`` and folder name, as ``nbgrader submit`` writes them)
to 1.5 and 0.5 days after the due date instead of waiting.

Two tests start no kernel: a student fetching an assignment not released yet gets nbgrader's
``Assignment not found at: ...`` and exit code 1; and the real course's ``nbgrader_config.py``
(course id ``main-ingredients``, the course-local exchange) on a copy of ``01-perceptron``:
release, fetch, submit and collect, with a student folder whose config names the course.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cli_helpers import ANSWER, FILES, REPO, hidden_lines

VENV_BIN = Path(sys.executable).parent
COURSE_ID = "toy-course"
DUE = "2026-12-01 17:00:00+00:00"
#: alice: 1.5 days after the due date (2 started days: 20 % of 3 points).
ALICE_STAMP = "2026-12-03 05:00:00.000000 UTC"
#: bob: half a day after the due date, within his 1-day extension.
BOB_STAMP = "2026-12-02 05:00:00.000000 UTC"
#: bob's answer: ``answer`` right (2 points), ``doubled[0]`` right (the visible check passes),
#: ``doubled[1]`` wrong: only the hidden check of test-double fails (0 of its 1 point).
BOB_ANSWER = "answer = 42\ndoubled = [4, 0]"
#: The course's late policy, as the instructor puts it in nbgrader_config.py.
LATE_POLICY = """
# --- Late submissions (appended by test_exchange_cycle) ---
c.AssignLatePenalties.plugin_class = "grader.late.LatePenalty"
c.LatePenalty.per_day = 0.1
c.LatePenalty.zero_after_days = 7
"""
#: nbgrader's message for an assignment that is not in the exchange's outbound folder.
NOT_FOUND = "Assignment not found at: "


# ------------------------------------------------------------------ helpers

def tool_env(home: Path | None = None, user: str | None = None) -> dict[str, str]:
    """The environment of a command: the venv's tools first on PATH (nbgrader calls alembic by
    name); for a student, their own home (and so their own nbgrader cache) and user name."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "XDG_DATA_HOME"}}
    env["PATH"] = os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])
    if home is not None:
        env["HOME"] = str(home)
    if user is not None:
        env["USER"] = env["LOGNAME"] = user
    return env


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    """Run one command (``nbgrader ...`` or ``python -m grader ...``) in ``cwd``; with ``ok``,
    fail the test with its output when it exits non-zero."""
    exe = str(VENV_BIN / args[0]) if args[0] in {"nbgrader", "python"} else args[0]
    done = subprocess.run([exe, *args[1:]], cwd=cwd, env=env or tool_env(), capture_output=True, text=True,
                          timeout=600)
    if ok:
        assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def student_folder(tmp: Path, name: str, course: Path) -> Path:
    """A student's own folder (their home) with an nbgrader_config.py naming the course's exchange."""
    home = tmp / name
    home.mkdir()
    (home / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(course / 'exchange')!r}\n", encoding="utf-8")
    return home


def as_student(home: Path, name: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """``nbgrader <args> --course toy-course`` typed by student ``name`` in their folder."""
    return run(["nbgrader", *args, "--course", COURSE_ID], cwd=home, env=tool_env(home, name), ok=ok)


def answer(notebook: Path, code: str) -> None:
    """Write ``code`` into the answer cell of a fetched notebook, as the student would."""
    nb = nbformat.read(str(notebook), as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(cells) == 1, "the toy assignment has one answer cell"
    cells[0].source = code
    nbformat.write(nb, str(notebook))


def move_submission_time(course: Path, student: str, stamp: str) -> None:
    """Make a submission in the exchange's inbound folder look handed in at ``stamp``
    (``timestamp.txt`` and the folder name, both written by ``nbgrader submit``)."""
    inbound = course / "exchange" / COURSE_ID / "inbound"
    found = sorted(inbound.glob(f"{student}+toy+*"))
    assert len(found) == 1, f"one submission of {student} in {inbound}: {[p.name for p in inbound.iterdir()]}"
    (found[0] / "timestamp.txt").write_text(stamp, encoding="utf-8")
    random_part = found[0].name.rsplit("+", 1)[1]
    found[0].rename(inbound / f"{student}+toy+{stamp}+{random_part}")


def plain(text: str) -> str:
    """An HTML page's text: tags removed without adding spaces (highlighting splits a code line
    into spans), entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def hidden_shown(page_html: str, hidden: list[str]) -> list[str]:
    """The hidden-test lines (and ``BEGIN/END HIDDEN`` markers) an HTML page shows."""
    text = plain(page_html)
    shown = [h for h in hidden if h in text]
    return shown + [w for w in ("BEGIN HIDDEN", "END HIDDEN") if w in page_html or w in text]


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the toy course (nothing generated) with the course's late policy in its config."""
    root = tmp_path / "course"
    shutil.copytree(FILES / "toycourse", root)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
        cfg.write(LATE_POLICY)
    return root


# ------------------------------------------------------------------ an unreleased assignment

def test_fetching_an_unreleased_assignment_gives_nbgraders_message(course, tmp_path):
    # the instructor has generated the assignment (nbgrader reads the course's config, which makes
    # the exchange folder) but not released it
    run(["nbgrader", "generate_assignment", "toy"], cwd=course)
    alice = student_folder(tmp_path, "alice", course)
    done = as_student(alice, "alice", "fetch_assignment", "toy", ok=False)
    assert done.returncode != 0, done.stderr
    outbound = course / "exchange" / COURSE_ID / "outbound" / "toy"
    assert f"{NOT_FOUND}{outbound}" in done.stderr, done.stderr
    assert "nbgrader fetch_assignment failed" in done.stderr
    assert not (alice / "toy").exists()


# ------------------------------------------------------------------ the real course's exchange

def test_the_real_course_releases_fetches_submits_and_collects_through_its_own_exchange(tmp_path):
    """The course's own nbgrader_config.py (course id, course-local exchange) on a copy of its
    01-perceptron (source/ and the committed release/): no kernel, nothing graded."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    for step in ("source", "release"):
        shutil.copytree(REPO / step / "01-perceptron", course / step / "01-perceptron")
    run(["nbgrader", "release_assignment", "01-perceptron"], cwd=course)
    outbound = course / "exchange" / "main-ingredients" / "outbound" / "01-perceptron"
    assert (outbound / "perceptron.ipynb").read_bytes() == (REPO / "release" / "01-perceptron" / "perceptron.ipynb").read_bytes()

    carol = tmp_path / "carol"
    carol.mkdir()
    (carol / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(course / 'exchange')!r}\n"
        'c.CourseDirectory.course_id = "main-ingredients"\n', encoding="utf-8")
    env = tool_env(carol, "carol")
    run(["nbgrader", "fetch_assignment", "01-perceptron"], cwd=carol, env=env)
    run(["nbgrader", "submit", "01-perceptron", "--student", "carol"], cwd=carol, env=env)
    run(["nbgrader", "collect", "01-perceptron"], cwd=course)
    handed_in = course / "submitted" / "carol" / "01-perceptron"
    assert (handed_in / "perceptron.ipynb").read_bytes() == (outbound / "perceptron.ipynb").read_bytes()
    stamp = (handed_in / "timestamp.txt").read_text(encoding="utf-8")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC", stamp), stamp


# ------------------------------------------------------------------ the whole week

@pytest.mark.slow
def test_release_fetch_submit_collect_autograde_feedback_and_late_grades(course, tmp_path):
    from nbgrader.api import Gradebook

    from grader.course import course_api

    hidden = hidden_lines(course / "source" / "toy" / "toy.ipynb")
    assert hidden == ["assert doubled[1] == -6"]

    # --- instructor: generate the student version; nothing is released yet
    run(["nbgrader", "generate_assignment", "toy"], cwd=course)
    released_nb = (course / "release" / "toy" / "toy.ipynb").read_text(encoding="utf-8")
    assert "assert doubled[0] == 4" in released_nb and not hidden_shown(released_nb, hidden)
    alice = student_folder(tmp_path, "alice", course)
    bob = student_folder(tmp_path, "bob", course)
    early = as_student(alice, "alice", "fetch_assignment", "toy", ok=False)
    assert early.returncode == 1 and NOT_FOUND in early.stderr, early.stderr
    assert not (alice / "toy").exists()

    # --- instructor: due date (and bob's extension), then release
    (course / "assignments.csv").write_text(f"assignment,due\ntoy,{DUE}\n", encoding="utf-8")
    (course / "extensions.csv").write_text("assignment,student,days\ntoy,bob,1\n", encoding="utf-8")
    run(["python", "-m", "grader", "assignments", "sync"], cwd=course)
    run(["nbgrader", "release_assignment", "toy"], cwd=course)
    shown = course_api(course).get_assignment("toy")  # what the formgrader's Manage Assignments shows
    assert shown["status"] == "released", shown
    assert shown["duedate_notimezone"] == "2026-12-01T17:00:00", shown

    # --- students: fetch, answer, submit
    for home, name, code in ((alice, "alice", ANSWER), (bob, "bob", BOB_ANSWER)):
        as_student(home, name, "fetch_assignment", "toy")
        fetched = home / "toy" / "toy.ipynb"
        assert fetched.read_text(encoding="utf-8") == released_nb
        answer(fetched, code)
        done = as_student(home, name, "submit", "toy", "--student", name)
        assert "Submitted as: toy-course toy" in done.stderr, done.stderr
    inbound = course / "exchange" / COURSE_ID / "inbound"
    assert sorted(p.name.split("+")[0] for p in inbound.iterdir()) == ["alice", "bob"]
    move_submission_time(course, "alice", ALICE_STAMP)
    move_submission_time(course, "bob", BOB_STAMP)

    # --- instructor: collect, autograde, feedback
    run(["nbgrader", "collect", "toy"], cwd=course)
    for name, stamp in (("alice", ALICE_STAMP), ("bob", BOB_STAMP)):
        folder = course / "submitted" / name / "toy"
        assert (folder / "timestamp.txt").read_text(encoding="utf-8").strip() == stamp
        assert (folder / "submission_secret.txt").is_file()
    graded = run(["python", "-m", "grader", "autograde", "toy"], cwd=course)
    assert "autograde: graded 2, failed 0" in " ".join(graded.stdout.split()), graded.stdout
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        assert str(gb.find_assignment("toy").duedate) == "2026-12-01 17:00:00"
        assert str(gb.find_submission("toy", "alice").timestamp) == "2026-12-03 05:00:00"
    # the hidden check ran in grading: it is in what the instructor keeps
    assert "assert doubled[1] == -6" in (course / "autograded" / "bob" / "toy" / "toy.ipynb").read_text()
    written = run(["python", "-m", "grader", "feedback", "toy"], cwd=course)
    assert "feedback: written 2" in " ".join(written.stdout.split()), written.stdout
    run(["nbgrader", "release_feedback", "toy"], cwd=course)
    assert len(list((course / "exchange" / COURSE_ID / "feedback").glob("*.html"))) == 2

    # --- students: fetch their feedback; each their own, no hidden test
    pages = {}
    for home, name in ((alice, "alice"), (bob, "bob")):
        as_student(home, name, "fetch_feedback", "toy", "--student", name)
        found = sorted((home / "toy" / "feedback").glob("*/toy.html"))
        assert len(found) == 1, found
        pages[name] = found[0].read_text(encoding="utf-8")
        assert hidden_shown(pages[name], hidden) == [], name
        assert "Traceback (most recent call last)" not in plain(pages[name])
    assert "doubled = [2 * v for v in (2, -3)]" in plain(pages["alice"])
    assert "doubled = [4, 0]" not in plain(pages["alice"])
    assert "doubled = [4, 0]" in plain(pages["bob"])
    assert "Test cell (Score: 0.0 / 1.0)" in plain(pages["bob"])     # test-double: the hidden check failed
    assert "Test cell (Score: 0.0 / 1.0)" not in plain(pages["alice"])

    # --- instructor: the grades
    run(["python", "-m", "grader", "collect"], cwd=course)
    grades = pd.read_csv(course / "reports" / "grades.csv", dtype=str, keep_default_na=False).set_index("student")
    assert list(grades.index) == ["alice", "bob"]
    for column in ("toy", "toy_status", "toy_submitted", "toy_late_days", "toy_raw", "toy_penalty"):
        assert column in grades.columns, list(grades.columns)
    alice_row, bob_row = grades.loc["alice"], grades.loc["bob"]
    assert alice_row["toy_status"] == bob_row["toy_status"] == "graded"
    assert float(alice_row["toy_raw"]) == 3.0 and float(bob_row["toy_raw"]) == 2.0
    assert alice_row["toy_submitted"].startswith("2026-12-03 05:00:00")
    assert bob_row["toy_submitted"].startswith("2026-12-02 05:00:00")
    assert float(alice_row["toy_late_days"]) == pytest.approx(1.5)
    assert float(bob_row["toy_late_days"]) == 0.0           # half a day late, 1 day of extension
    assert float(alice_row["toy_penalty"]) == pytest.approx(0.6)   # 2 started days x 10 % of 3
    assert float(bob_row["toy_penalty"]) == 0.0
    assert float(alice_row["toy"]) == pytest.approx(2.4)
    assert float(bob_row["toy"]) == 2.0
