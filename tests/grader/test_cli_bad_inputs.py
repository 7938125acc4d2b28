"""Every bad input through the real ``python -m grader autograde``/``collect`` (toy course, no TensorFlow).

One cohort holds all the cases, so the kernels start once per submission:

======================  ==========================================  =========================
student                 submission                                  expected
======================  ==========================================  =========================
good                    correct (already in the gradebook)          graded 3/3
half                    `doubled` wrong                             graded 2/3, student added
blank                   the release notebook                        graded 0/3
badjson                 truncated JSON                              failed: not valid JSON
notnb                   JSON that is not a notebook                 failed: not a notebook
renamed                 correct, saved as "toy (1).ipynb"           graded 3/3, note renamed
dup                     a test cell pasted twice                    graded 3/3, note duplicate
deleted                 test-double deleted                         graded 3/3, note restored
loop                    ``while True`` after answer = 42            graded 2/3 (cell timeout)
dies                    ``os._exit(1)`` in a cell                   graded 0/3, note kernel died
noint                   a loop in a kernel that ignores SIGINT      graded 0/3, note not stopped
big                     21 MB of saved outputs + 12 MB printed      graded 3/3, note large file
nothing                 a folder without a notebook                 missing
good/not-an-assignment  a folder that is no assignment              skipped
======================  ==========================================  =========================
"""

from __future__ import annotations

import math

import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import (ANSWER, HALF, filled, gradebook_scores, release_nb, submit, with_deleted_test,
                         with_pasted_test)
from grader.cli import app
from grader.status import load_statuses, status_path

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader-cli")]

EXPECTED = {
    "good": ("graded", 3.0),
    "half": ("graded", 2.0),
    "blank": ("graded", 0.0),
    "badjson": ("failed", None),
    "notnb": ("failed", None),
    "renamed": ("graded", 3.0),
    "dup": ("graded", 3.0),
    "deleted": ("graded", 3.0),
    "loop": ("graded", 2.0),
    "dies": ("graded", 0.0),
    "noint": ("graded", 0.0),
    "big": ("graded", 3.0),
    "nothing": ("missing", None),
}


def _cohort(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        gb.add_student("good")
    submit(root, "good", filled(root))
    submit(root, "half", filled(root, HALF))
    submit(root, "blank", release_nb(root))
    submit(root, "badjson", raw='{"cells": [{"cell_type": "code", ')
    submit(root, "notnb", raw='{"hello": "world"}')
    submit(root, "renamed", filled(root), name="toy (1).ipynb")
    submit(root, "dup", with_pasted_test(root))
    submit(root, "deleted", with_deleted_test(root))
    submit(root, "loop", filled(root, "answer = 42\nwhile True:\n    pass"))
    submit(root, "dies", filled(root, "import os\nos._exit(1)"))
    submit(root, "noint", filled(root, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                         "answer = 42\nwhile True:\n    pass"))
    nb = filled(root, ANSWER + "\nfor i in range(200_000):\n    print('x' * 60)")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * (21 * 2**20))]
            break
    submit(root, "big", nb)
    (root / "submitted" / "nothing" / "toy").mkdir(parents=True)
    (root / "submitted" / "nothing" / "toy" / "notes.txt").write_text("I will hand it in tomorrow")
    submit(root, "good", filled(root), assignment="not-an-assignment", name="x.ipynb")


def test_bad_inputs_graded_or_reported_and_reports_repeatable(toy_root, tmp_path):
    root = toy_root
    _cohort(root)
    runner = CliRunner()

    result = runner.invoke(app, ["autograde", "--root", str(root)])
    assert result.exit_code == 1, result.output  # some submissions failed
    assert "graded 10, failed 2, missing 1, skipped 1" in result.output

    statuses = load_statuses(status_path(root))
    for student, (status, score) in EXPECTED.items():
        rec = statuses[(student, "toy")]
        assert rec.status == status, (student, rec)
        assert rec.score == score, (student, rec)
    reasons = {s: statuses[(s, "toy")].reason for s in EXPECTED}
    notes = {s: " ".join(statuses[(s, "toy")].notes) for s in EXPECTED}
    assert "not valid JSON" in reasons["badjson"]
    assert "not a Jupyter notebook" in reasons["notnb"]
    # a breach inside the sandbox is graded: the checks that did not run score 0, the note names it
    assert statuses[("dies", "toy")].notes[0] == "the kernel died in cell toy-answer (it exited, crashed or was killed)"
    assert statuses[("noint", "toy")].notes[0] == (
        "cell toy-answer did not stop at the 5 s timeout (the kernel ignored the interrupt)")
    assert "cell toy-answer stopped at the 5 s timeout" in notes["loop"]
    assert "no notebook in submitted/nothing/toy (found: notes.txt;" in reasons["nothing"]
    assert "renamed: toy (1).ipynb graded as toy.ipynb" in notes["renamed"]
    assert "duplicate grade_id test-answer" in notes["dup"]
    assert "restored deleted locked cell(s) test-double" in notes["deleted"]
    assert "large file" in notes["big"]
    assert "student added to the gradebook" in notes["half"]
    assert "student added" not in notes["good"]
    assert statuses[("good", "not-an-assignment")].status == "skipped"
    # the huge printed output is cut by nbgrader's LimitOutput, the saved one cleared
    assert (root / "autograded" / "big" / "toy" / "toy.ipynb").stat().st_size < 2**20
    # submitted/ is never modified (the rename happens in a staged copy)
    assert not (root / "submitted" / "renamed" / "toy" / "toy.ipynb").exists()

    # collect: the CSV figures equal the gradebook's and the expected ones
    result = runner.invoke(app, ["collect", "--root", str(root), "--out", str(tmp_path / "r1")])
    assert result.exit_code == 0, result.output
    assert "Scores per assignment" in result.output and "test-double" in result.output
    grades = pd.read_csv(tmp_path / "r1" / "grades.csv").set_index("student")
    in_gradebook = gradebook_scores(root)
    for student, (status, score) in EXPECTED.items():
        row = grades.loc[student]
        if status == "graded":
            assert row["toy"] == score == in_gradebook[student]
            assert row["toy_status"] == "graded"
        else:
            assert math.isnan(row["toy"]), student  # never a silent 0
            assert row["toy_status"].startswith(status), (student, row["toy_status"])
    assert grades.loc["half", "percent"] == pytest.approx(66.7)
    assert grades.loc["dies", "toy_status"] == "graded"
    tests = pd.read_csv(tmp_path / "r1" / "tests.csv")
    half = tests[tests["student"] == "half"].set_index("grade_id")
    assert half.loc["test-answer", "status"] == "pass" and half.loc["test-double", "status"] == "fail"
    assert set(tests.loc[tests["student"] == "dies", "status"]) == {"fail"}
    assert set(tests.loc[tests["student"] == "badjson", "status"]) == {"failed"}
    assert (tmp_path / "r1" / "score_distribution.png").stat().st_size > 1000

    # a second autograde + collect gives byte-identical reports
    result = runner.invoke(app, ["autograde", "--root", str(root)])
    assert result.exit_code == 1, result.output
    result = runner.invoke(app, ["collect", "--root", str(root), "--out", str(tmp_path / "r2")])
    assert result.exit_code == 0, result.output
    for name in ("grades.csv", "tests.csv", "score_distribution.png"):
        assert (tmp_path / "r1" / name).read_bytes() == (tmp_path / "r2" / name).read_bytes(), name

    # a student's new submission breaks: recorded failed, every other grade intact
    before = load_statuses(status_path(root))
    submit(root, "half", raw="not json at all")
    result = runner.invoke(app, ["autograde", "toy", "--student", "half", "--root", str(root)])
    assert result.exit_code == 1 and "failed 1" in result.output
    after = load_statuses(status_path(root))
    assert after[("half", "toy")].status == "failed"
    assert {k: v for k, v in after.items() if k != ("half", "toy")} == {
        k: v for k, v in before.items() if k != ("half", "toy")}
    assert gradebook_scores(root) == in_gradebook
    result = runner.invoke(app, ["collect", "--root", str(root), "--out", str(tmp_path / "r3")])
    grades3 = pd.read_csv(tmp_path / "r3" / "grades.csv").set_index("student")
    assert math.isnan(grades3.loc["half", "toy"])  # the old 2/3 in the gradebook is not reported
    assert grades3.loc["good", "toy"] == 3.0
