"""Finding the notebook to grade in a submission folder: never a wrong one, never a silent zero.

Each case is a layout met in real hand-ins (a second copy beside the untouched hand-out, an
LMS download unpacked one folder deeper, macOS and JupyterLab leftovers, no notebook at all).
The slow test grades a cohort of them through ``python -m grader autograde``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

from cli_helpers import filled, gradebook_scores, release_nb, submit
from grader.discovery import prepare_submission


def _staged(stage, student="s"):
    return nbformat.read(str(stage / student / "toy" / "toy.ipynb"), as_version=4)


def _answer(nb) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))


def test_the_worked_copy_beside_the_untouched_release_is_graded(toy_root, tmp_path):
    submit(toy_root, "s", release_nb(toy_root))  # toy.ipynb: the hand-out, never opened
    submit(toy_root, "s", filled(toy_root), name="toy (1).ipynb")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.error is None
    assert p.notes[0] == "graded toy (1).ipynb as toy.ipynb; not graded: toy.ipynb (identical to the release)"
    assert "answer = 42" in _answer(_staged(tmp_path))


def test_a_notebook_one_folder_down_is_found_and_said(toy_root, tmp_path):
    submit(toy_root, "s", filled(toy_root), assignment="toy/toy")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.error is None and p.notes == ["found one folder down, in toy/"]
    assert "answer = 42" in _answer(_staged(tmp_path))


def test_leftovers_of_macos_and_jupyterlab_are_not_candidates(toy_root, tmp_path):
    folder = submit(toy_root, "s", filled(toy_root)).parent
    for leftover in ("__MACOSX/._toy.ipynb", ".ipynb_checkpoints/toy-checkpoint.ipynb"):
        (folder / leftover).parent.mkdir(parents=True, exist_ok=True)
        (folder / leftover).write_bytes(b"\x00\x05\x16\x07 not a notebook")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.error is None and p.notes == []


def test_every_copy_untouched_grades_the_expected_name_and_says_so(toy_root, tmp_path):
    submit(toy_root, "s", release_nb(toy_root))
    submit(toy_root, "s", release_nb(toy_root), name="toy-Copy1.ipynb")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.error is None and p.notes == ["every notebook is the untouched release; graded toy.ipynb"]


def test_files_but_no_notebook_are_missing_naming_them(toy_root, tmp_path):
    folder = submit(toy_root, "s", raw="answer = 42\n", name="toy.py").parent
    (folder / "work.zip").write_bytes(b"PK\x03\x04")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.status == "missing" and "found: toy.py, work.zip" in p.error


def test_a_byte_order_mark_is_read_and_noted(toy_root, tmp_path):
    path = submit(toy_root, "s", filled(toy_root))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.error is None and p.notes == ["toy.ipynb began with a byte-order mark (read without it)"]


@pytest.mark.slow
def test_a_cohort_of_odd_layouts_is_graded_and_the_rest_listed_at_the_end(toy_root):
    submit(toy_root, "copy", release_nb(toy_root))
    submit(toy_root, "copy", filled(toy_root), name="toy (1).ipynb")
    submit(toy_root, "nested", filled(toy_root), assignment="toy/toy")
    submit(toy_root, "pyfile", raw="answer = 42\n", name="toy.py")
    (toy_root / "submitted" / "empty" / "toy").mkdir(parents=True)
    submit(toy_root, "two", filled(toy_root), name="a.ipynb")
    submit(toy_root, "two", filled(toy_root), name="b.ipynb")
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--root", str(toy_root)],
                         capture_output=True, text=True, timeout=900, env=dict(os.environ, COLUMNS="200"))
    assert run.returncode == 1, run.stdout + run.stderr  # two failed
    assert gradebook_scores(toy_root) == {"copy": 3.0, "nested": 3.0}, run.stdout
    tail = " ".join(run.stdout[run.stdout.index("not graded (3):"):].split())
    assert "failed two / toy: several notebooks differ from the release" in tail, tail
    assert "missing empty / toy: no notebook in submitted/empty/toy (the folder is empty)" in tail, tail
    assert "missing pyfile / toy: no notebook in submitted/pyfile/toy (found: toy.py;" in tail, tail
    assert "graded 2, failed 1, missing 2" in run.stdout


def test_the_hand_in_time_is_staged_for_nbgrader_never_the_grading_time(toy_root, tmp_path):
    path = submit(toy_root, "s", filled(toy_root))
    os.utime(path, (1764500000, 1764500000))  # 2025-11-30 10:53:20 UTC, as an LMS download keeps it
    prepare_submission(toy_root, "toy", "s", tmp_path)
    assert (tmp_path / "s" / "toy" / "timestamp.txt").read_text().startswith("2025-11-30 10:53:20")
    (path.parent / "timestamp.txt").write_text("2026-01-02 03:04:05.000000 UTC")  # collected by nbgrader
    prepare_submission(toy_root, "toy", "s", tmp_path)
    assert (tmp_path / "s" / "toy" / "timestamp.txt").read_text().strip() == "2026-01-02 03:04:05.000000 UTC"


def test_the_exchange_files_are_staged_not_listed_as_unused(toy_root, tmp_path):
    folder = submit(toy_root, "s", filled(toy_root)).parent
    (folder / "timestamp.txt").write_text("2026-01-02 03:04:05.000000 UTC")
    (folder / "submission_secret.txt").write_text("abc123")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.notes == []
    assert (tmp_path / "s" / "toy" / "submission_secret.txt").read_text() == "abc123"


def test_the_hand_in_time_is_the_graded_files_not_an_untouched_copys(toy_root, tmp_path):
    untouched = submit(toy_root, "s", release_nb(toy_root))
    worked = submit(toy_root, "s", filled(toy_root), name="toy (1).ipynb")
    os.utime(worked, (1764500000, 1764500000))
    os.utime(untouched, (1764600000, 1764600000))  # newer: the hand-out opened later, never worked on
    prepare_submission(toy_root, "toy", "s", tmp_path)
    assert (tmp_path / "s" / "toy" / "timestamp.txt").read_text().startswith("2025-11-30 10:53:20")


def test_a_mistyped_student_id_is_refused_not_kept_as_missing(toy_root):
    from grader.autograde import NoSubmissionsError, plan_submissions

    submit(toy_root, "s", filled(toy_root))
    with pytest.raises(NoSubmissionsError, match="no folder submitted/<id> for student.s. s-typo: check the id"):
        plan_submissions(toy_root, ["toy"], ["s", "s-typo"])


def test_an_untouched_hand_out_on_top_does_not_hide_the_work_one_folder_down(toy_root, tmp_path):
    submit(toy_root, "s", release_nb(toy_root))  # the hand-out, never opened
    submit(toy_root, "s", filled(toy_root), assignment="toy/unpacked")
    p = prepare_submission(toy_root, "toy", "s", tmp_path)
    assert p.error is None and p.notes == ["found one folder down, in unpacked/"]
    assert "answer = 42" in _answer(_staged(tmp_path))


def test_a_hand_copied_submission_gets_the_timestamp_collect_would_have_written(toy_root, tmp_path):
    """nbgrader's formgrader lists a submission as autograded only when the gradebook's time equals
    ``submitted/<s>/<a>/timestamp.txt``: a hand copy gets its notebook's file time there (marked as
    the grader's), a replaced notebook its new time, and a collected timestamp.txt is never touched."""
    from nbgrader.utils import parse_utc

    from grader.discovery import GRADER_TIMESTAMP

    folder = toy_root / "submitted" / "s" / "toy"
    submit(toy_root, "s", filled(toy_root))
    os.utime(folder / "toy.ipynb", (1_700_000_000, 1_700_000_000))
    assert prepare_submission(toy_root, "toy", "s", tmp_path / "a").error is None
    written = (folder / "timestamp.txt").read_text().strip()
    assert parse_utc(written).timestamp() == 1_700_000_000
    assert (folder / GRADER_TIMESTAMP).read_text().strip() == written
    assert (tmp_path / "a" / "s" / "toy" / "timestamp.txt").read_text().strip() == written  # what nbgrader reads

    os.utime(folder / "toy.ipynb", (1_700_086_400, 1_700_086_400))  # the TA copies in a newer hand-in
    p = prepare_submission(toy_root, "toy", "s", tmp_path / "b")
    assert parse_utc((folder / "timestamp.txt").read_text().strip()).timestamp() == 1_700_086_400
    assert not any("not used" in n for n in p.notes), p.notes  # the grader's files are no student files

    collected = "2023-11-14 22:13:20.000000 UTC"
    (folder / "timestamp.txt").write_text(collected + "\n")  # as nbgrader collect leaves it
    (folder / GRADER_TIMESTAMP).unlink()
    prepare_submission(toy_root, "toy", "s", tmp_path / "c")
    assert (folder / "timestamp.txt").read_text().strip() == collected
    assert (tmp_path / "c" / "s" / "toy" / "timestamp.txt").read_text().strip() == collected
    assert not (folder / GRADER_TIMESTAMP).exists()
