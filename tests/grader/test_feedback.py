"""Feedback for students (``python -m grader feedback``, ``nbgrader generate_feedback``, the formgrader's
Generate/Release Feedback) through the real nbgrader on the toy course.

The slow tests share one autograded cohort (kernels start once per submission), copied per test:

==========  ==============================================================  ==========================
student     submission                                                      feedback
==========  ==============================================================  ==========================
good        correct, copied in by hand, file time 2026-11-28 08:15:30 UTC  3/3, timestamp = file time
            (its staged timestamp.txt removed, as nbgrader's own autograde
            leaves it; wrong's and widget's too)
wrong       ``answer = 41`` (visible check fails with its message) and      0/3, the message; no hidden
            ``doubled = [4, 0]`` (only the hidden check fails)              source
collected   correct, with the ``timestamp.txt`` of ``nbgrader collect``     timestamp from that file
widget      correct, widget metadata without ``state`` (put back into the   written (no KeyError)
            autograded notebook too, as nbgrader's own autograde keeps it)
late        handed in after the autograde run                               skipped: not autograded yet
==========  ==============================================================  ==========================

Every feedback file a test writes is searched for the text of the hidden blocks of the toy
course's *source* notebook and for ``BEGIN HIDDEN``; controls with nbgrader's default feedback
preprocessors show that the same search finds the hidden text there.
"""

from __future__ import annotations

import copy
import datetime
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from typer.testing import CliRunner

from cli_helpers import ANSWER, FILES, REPO, hidden_lines, filled, submit
from grader.cli import app
from grader.course import course_api
from grader.feedback import (FORCED_PREPROCESSORS, NBGRADER_DEFAULT, ensure_submission_files, feedback_config,
                             format_timestamp, generate_feedback, submission_time)
from grader.preprocessors import FEEDBACK_PREPROCESSORS
from grader.preprocessors.feedback import (WIDGET_STATE, DropBrokenWidgetState, ShortTracebacks, StripHiddenTests,
                                           strip_hidden_blocks)

runner = CliRunner()

#: nbgrader's NbGraderAPI.release_feedback passes a misspelt ``authentictor`` (nbgrader 0.9.6)
release_warning = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

UTC = datetime.timezone.utc
#: The file time of good's notebook (as an LMS download or a copy keeps it).
GOOD_TIME = datetime.datetime(2026, 11, 28, 8, 15, 30, tzinfo=UTC)
#: What ``nbgrader collect`` wrote for the student "collected".
COLLECTED_STAMP = "2026-11-29 09:30:00.000000 UTC"
WRONG = "answer = 41\ndoubled = [4, 0]"
#: A widget-state entry without ``state``, as some hosted notebook services save it.
BROKEN_WIDGETS = {WIDGET_STATE: {"version_major": 2, "version_minor": 0}}
FEEDBACK_LINE = "c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS"


# ------------------------------------------------------------------ helpers

def page_text(path: Path) -> str:
    """What a browser shows of an HTML file: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))).split())


def _plain(path: Path) -> str:
    """Tags removed without adding spaces (syntax highlighting splits a code line into spans)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))).split())


def leaks(root: Path) -> dict[str, list[str]]:
    """For every feedback HTML file under ``root/feedback``: the hidden text it shows."""
    hidden = hidden_lines(root / "source" / "toy" / "toy.ipynb")
    assert hidden, "the toy course's source notebook must have a hidden-test block"
    found = {}
    for page in sorted((root / "feedback").rglob("*.html")):
        raw, text = page.read_text(encoding="utf-8"), _plain(page)
        shown = [h for h in hidden if h in text]
        shown += [w for w in ("BEGIN HIDDEN", "END HIDDEN") if w in raw or w in text]
        found[str(page.relative_to(root))] = shown
    return found


def assert_no_hidden_text(root: Path, expected_files: int) -> None:
    found = leaks(root)
    assert len(found) >= expected_files, found
    assert {k: v for k, v in found.items() if v} == {}


def feedback_page(root: Path, student: str) -> Path:
    return root / "feedback" / student / "toy" / "toy.html"


def without_feedback_config(root: Path) -> None:
    """Remove the feedback preprocessors from a course copy's config (nbgrader's defaults then apply)."""
    cfg = root / "nbgrader_config.py"
    text = cfg.read_text(encoding="utf-8")
    assert FEEDBACK_LINE in text
    cfg.write_text(text.replace(FEEDBACK_LINE, "pass  # feedback preprocessors removed by the test"),
                   encoding="utf-8")


def nbgrader_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run nbgrader's own command line in the course folder (it reads nbgrader_config.py there)."""
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def autograded_nb(root: Path, student: str) -> Path:
    return root / "autograded" / student / "toy" / "toy.ipynb"


def put_broken_widgets(root: Path, student: str) -> None:
    """Give an autograded notebook the broken widget metadata (as nbgrader's own autograde keeps it)."""
    path = autograded_nb(root, student)
    os.chmod(path, 0o644)
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["widgets"] = copy.deepcopy(BROKEN_WIDGETS)
    assert any(o.get("data") for c in nb.cells for o in c.get("outputs", [])), \
        "nbconvert reads the widget state only for an output with rich data"
    nbformat.write(nb, str(path))


# ------------------------------------------------------------------ the shared autograded cohort

@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Path:
    """The toy course, released, with the cohort of the module docstring autograded (but late)."""
    from grader.autograde import ensure_tools_on_path
    from grader.release import generate_release

    ensure_tools_on_path()
    root = tmp_path_factory.mktemp("feedback") / "course"
    shutil.copytree(FILES / "toycourse", root)
    generate_release(root)
    good = submit(root, "good", filled(root))
    os.utime(good, (GOOD_TIME.timestamp(), GOOD_TIME.timestamp()))
    submit(root, "wrong", filled(root, WRONG))
    submit(root, "collected", filled(root))
    (root / "submitted" / "collected" / "toy" / "timestamp.txt").write_text(COLLECTED_STAMP + "\n")
    widget = filled(root, ANSWER + "\nanswer")  # an execute_result: rich data nbconvert filters
    widget.metadata["widgets"] = copy.deepcopy(BROKEN_WIDGETS)
    submit(root, "widget", widget)
    result = runner.invoke(app, ["autograde", "--root", str(root)])
    assert result.exit_code == 0, result.output
    for student in ("good", "wrong", "collected", "widget"):
        assert autograded_nb(root, student).is_file(), result.output
    # nbgrader's own autograde (the formgrader's button) leaves a hand-copied submission without
    # the hand-in time that `python -m grader autograde` stages: as those three were graded so
    for student in ("good", "wrong", "widget"):
        (root / "autograded" / student / "toy" / "timestamp.txt").unlink(missing_ok=True)
    submit(root, "late", filled(root))
    return root


@pytest.fixture
def course(graded_course, tmp_path) -> Path:
    """A private copy of the autograded cohort."""
    root = tmp_path / "course"
    shutil.copytree(graded_course, root)
    return root


# ------------------------------------------------------------------ (a) python -m grader feedback

@pytest.mark.slow
def test_grader_feedback_writes_safe_html_even_without_the_config(course):
    without_feedback_config(course)  # `python -m grader feedback` forces its preprocessors
    result = runner.invoke(app, ["feedback", "--root", str(course)])
    assert result.exit_code == 0, result.output
    for student in ("good", "wrong", "collected", "widget"):
        assert feedback_page(course, student).is_file(), result.output
        assert f"written {student} / toy: feedback/{student}/toy/toy.html" in " ".join(result.output.split())
    assert_no_hidden_text(course, expected_files=4)

    wrong = page_text(feedback_page(course, "wrong"))
    assert "AssertionError: answer should be 42" in wrong  # the failed check's message
    assert "toy (Score: 0.0 / 3.0)" in wrong
    assert "Test cell (Score: 0.0 / 2.0)" in wrong and "Test cell (Score: 0.0 / 1.0)" in wrong
    assert "answer = 41" in _plain(feedback_page(course, "wrong"))  # the student's own code
    assert "assert doubled[0] == 4" in _plain(feedback_page(course, "wrong"))  # the visible checks
    assert "Traceback (most recent call last)" not in wrong
    good = page_text(feedback_page(course, "good"))
    assert "toy (Score: 3.0 / 3.0)" in good and "AssertionError" not in good


# ------------------------------------------------------------------ (b) nbgrader's own generate_feedback

@pytest.mark.slow
@release_warning
def test_nbgrader_generate_feedback_with_the_course_config_hides_the_hidden_tests(course, tmp_path):
    # control: nbgrader's default feedback shows the hidden tests, and the search finds them
    control = tmp_path / "control"
    shutil.copytree(course, control)
    without_feedback_config(control)
    assert course_api(control).generate_feedback("toy", "good")["success"]
    shown = leaks(control)
    assert shown["feedback/good/toy/toy.html"], "the control should show the hidden tests"
    assert "BEGIN HIDDEN" in shown["feedback/good/toy/toy.html"]

    done = nbgrader_cli(course, "generate_feedback", "toy", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "not recognized" not in done.stderr
    assert_no_hidden_text(course, expected_files=4)
    assert "AssertionError: answer should be 42" in page_text(feedback_page(course, "wrong"))
    # the formgrader's Release Feedback works after its Generate Feedback (same API, same config)
    assert (course / "feedback" / "good" / "toy" / "timestamp.txt").read_text() == format_timestamp(
        GOOD_TIME.timestamp())
    released = course_api(course).release_feedback("toy")
    assert released["success"], released.get("error", "")[-3000:]
    assert len(list((course / "exchange" / "toy-course" / "feedback").glob("*.html"))) == 4


# ------------------------------------------------------------------ (c) hand-copied: timestamps, release

@pytest.mark.slow
@release_warning
def test_hand_copied_submission_gets_its_own_time_and_release_feedback_works(course, tmp_path):
    # control: nbgrader's defaults, as today: Release Feedback fails on the missing timestamp.txt
    control = tmp_path / "control"
    shutil.copytree(course, control)
    without_feedback_config(control)
    assert course_api(control).generate_feedback("toy", "good")["success"]
    failed = course_api(control).release_feedback("toy", "good")
    assert not failed["success"] and "timestamp.txt" in failed["error"]

    result = runner.invoke(app, ["feedback", "--root", str(course)])
    assert result.exit_code == 0, result.output
    stamp = (course / "feedback" / "good" / "toy" / "timestamp.txt").read_text()
    assert stamp == "2026-11-28 08:15:30.000000 UTC" == format_timestamp(GOOD_TIME.timestamp())
    from nbgrader.utils import parse_utc

    assert parse_utc(stamp) == GOOD_TIME.replace(tzinfo=None)
    assert (course / "autograded" / "good" / "toy" / "timestamp.txt").read_text() == stamp
    # collected's autograded/ holds the collected time already (staged by autograde): kept
    assert (course / "feedback" / "collected" / "toy" / "timestamp.txt").read_text().strip() == COLLECTED_STAMP
    out = " ".join(result.output.split())
    assert "timestamps: 3 submissions had no timestamp.txt in autograded/" in out
    assert f"good / toy: {stamp} (file time of submitted/good/toy/toy.ipynb)" in out
    assert "collected / toy: 20" not in out

    released = course_api(course).release_feedback("toy")
    assert released["success"], released.get("error", "")[-3000:]
    assert "Releasing feedback for student 'good'" in released["log"]
    assert len(list((course / "exchange" / "toy-course" / "feedback").glob("*.html"))) == 4
    assert_no_hidden_text(course, expected_files=4)


# ------------------------------------------------------------------ (d) widget metadata without state

@pytest.mark.slow
def test_widget_state_without_state_key_gets_feedback(course, tmp_path):
    put_broken_widgets(course, "widget")
    control = tmp_path / "control"
    shutil.copytree(course, control)
    without_feedback_config(control)
    crashed = course_api(control).generate_feedback("toy", "widget")
    assert "KeyError: 'state'" in crashed["log"] and not feedback_page(control, "widget").exists()

    results = {r.student: r for r in generate_feedback(course)}
    assert {s: r.status for s, r in results.items()} == {
        "collected": "written", "good": "written", "late": "skipped", "widget": "written", "wrong": "written"}
    assert "toy (Score: 3.0 / 3.0)" in page_text(feedback_page(course, "widget"))
    assert_no_hidden_text(course, expected_files=4)


# ------------------------------------------------------------------ (e) skipped and broken submissions

@pytest.mark.slow
def test_not_autograded_is_skipped_and_a_broken_one_does_not_stop_the_others(course):
    result = runner.invoke(app, ["feedback", "toy", "--student", "late", "--root", str(course)])
    assert result.exit_code == 0, result.output
    assert "skipped late / toy: not autograded yet" in " ".join(result.output.split())
    assert not (course / "feedback" / "late").exists()

    broken = course / "autograded" / "broken" / "toy"
    broken.mkdir(parents=True)
    (broken / "toy.ipynb").write_text('{"cells": [', encoding="utf-8")  # damaged after grading
    result = runner.invoke(app, ["feedback", "--root", str(course)])
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "failed broken / toy: NotJSONError: Notebook does not appear to be JSON" in out
    assert "feedback: written 4, skipped 1, failed 1" in out
    for student in ("good", "wrong", "collected", "widget"):
        assert feedback_page(course, student).is_file()
    assert_no_hidden_text(course, expected_files=4)


# ------------------------------------------------------------------ fast: preprocessors and config

def test_strip_hidden_blocks_never_fails_nor_shows_a_hidden_line():
    src = "a = 1\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nb = 2"
    assert strip_hidden_blocks(src) == "a = 1\nb = 2"
    assert strip_hidden_blocks("a\n# BEGIN HIDDEN TESTS\nsecret\n# BEGIN HIDDEN TESTS\nx\n# END HIDDEN TESTS\nb") == "a\nb"
    assert strip_hidden_blocks("a\n### BEGIN HIDDEN TESTS\nsecret()") == "a"  # never closed
    assert strip_hidden_blocks("a\n### END HIDDEN TESTS\nb") == "a\nb"
    assert strip_hidden_blocks("no block") == "no block"


def test_strip_hidden_tests_touches_only_the_instructors_cells():
    test = new_code_cell("check()\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\n",
                         metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                "grade_id": "test-x", "points": 1}})
    locked = new_code_cell("x = 1\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS",
                           metadata={"nbgrader": {"grade": False, "solution": False, "locked": True,
                                                  "grade_id": "setup"}})
    own = new_code_cell("# my notes: ### BEGIN HIDDEN TESTS\nmine()")
    answer = new_code_cell("### BEGIN HIDDEN TESTS\nmine()",
                           metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "a"}})
    nb = new_notebook(cells=[test, locked, own, answer, new_markdown_cell("text")])
    nb, resources = StripHiddenTests().preprocess(nb, {})
    assert [c.source for c in nb.cells] == ["check()\n", "x = 1", own.source, answer.source, "text"]
    assert resources["feedback"]["hidden_blocks_removed"] == 2


def test_short_tracebacks_keep_only_the_error_line():
    cell = new_code_cell("assert doubled[1] == -6", outputs=[
        new_output("error", ename="AssertionError", evalue="doubled is wrong",
                   traceback=["---------", "----> 3 assert doubled[1] == -6", "AssertionError: doubled is wrong"]),
        new_output("error", ename="AssertionError", evalue="", traceback=["----> 1 assert secret"]),
        new_output("stream", name="stdout", text="kept\n")])
    nb, _ = ShortTracebacks().preprocess(new_notebook(cells=[cell]), {})
    outs = nb.cells[0].outputs
    assert outs[0].traceback == ["AssertionError: doubled is wrong"]
    assert outs[1].traceback == ["AssertionError"]
    assert outs[2].text == "kept\n"


@pytest.mark.parametrize("widgets, kept", [
    (BROKEN_WIDGETS, False),
    ({WIDGET_STATE: {"state": {}, "version_major": 2}}, True),
    ({WIDGET_STATE: "garbage"}, False),
    ({"other": {}}, False),  # nbconvert looks the state entry up and would raise KeyError too
])
def test_drop_broken_widget_state(widgets, kept):
    nb = new_notebook(metadata={"widgets": copy.deepcopy(widgets)})
    nb, _ = DropBrokenWidgetState().preprocess(nb, {})
    assert ("widgets" in nb.metadata) is kept


def test_course_config_sets_the_feedback_preprocessors_and_keeps_nbgraders():
    from grader.course import load_config

    for root in (REPO, FILES / "toycourse"):
        assert list(load_config(root).GenerateFeedback.preprocessors) == FEEDBACK_PREPROCESSORS
    assert FEEDBACK_PREPROCESSORS[-len(NBGRADER_DEFAULT):] == NBGRADER_DEFAULT
    from nbgrader.converters import GenerateFeedback

    default = [f"{c.__module__.split('.')[0]}.preprocessors.{c.__name__}"
               for c in GenerateFeedback.class_traits()["preprocessors"].default()]
    assert default == NBGRADER_DEFAULT  # nbgrader 0.9.6's own list, kept after ours


def test_feedback_config_forces_the_safe_preprocessors(bare_toy_root):
    assert list(feedback_config(bare_toy_root).GenerateFeedback.preprocessors) == FEEDBACK_PREPROCESSORS
    without_feedback_config(bare_toy_root)
    with (bare_toy_root / "nbgrader_config.py").open("a") as fh:
        fh.write("\nc.StripHiddenTests.enabled = False\n")
    cfg = feedback_config(bare_toy_root)
    assert list(cfg.GenerateFeedback.preprocessors) == FORCED_PREPROCESSORS + NBGRADER_DEFAULT
    assert cfg.StripHiddenTests.enabled is True


def test_feedback_of_every_real_test_cell_is_the_released_cell():
    """On the course's own notebooks, feedback shows a test cell as the release does: no hidden line."""
    for source in sorted((REPO / "source").glob("*/*.ipynb")):
        release = REPO / "release" / source.parent.name / source.name
        released = {c.metadata["nbgrader"]["grade_id"]: c.source
                    for c in nbformat.read(str(release), as_version=4).cells
                    if c.metadata.get("nbgrader", {}).get("grade")
                    and not c.metadata["nbgrader"].get("solution")}  # test cells, not written answers
        nb = nbformat.read(str(source), as_version=4)
        hidden = hidden_lines(source)
        nb, _ = StripHiddenTests().preprocess(nb, {})
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in released:
                assert cell.source.rstrip() == released[gid].rstrip(), (source.name, gid)
            assert not any(h in " ".join(cell.source.split()) for h in hidden if len(h) > 12), (source.name, gid)


def test_submission_time_from_collection_else_file_time_never_grading_time(tmp_path):
    submitted, autograded = tmp_path / "submitted" / "s" / "toy", tmp_path / "autograded" / "s" / "toy"
    autograded.mkdir(parents=True)
    assert submission_time(submitted) == (None, "no submission time found")
    found = ensure_submission_files(autograded, submitted)
    assert found.timestamp is None and not found.written
    assert not (autograded / "timestamp.txt").exists()
    # a new secret, as nbgrader's submit makes one: release_feedback needs it
    assert len((autograded / "submission_secret.txt").read_text()) == 128
    (autograded / "submission_secret.txt").unlink()

    submitted.mkdir(parents=True)
    for name, when in (("old.ipynb", GOOD_TIME.timestamp() - 3600), ("toy.ipynb", GOOD_TIME.timestamp())):
        (submitted / name).write_text("{}")
        os.utime(submitted / name, (when, when))
    assert submission_time(submitted) == ("2026-11-28 08:15:30.000000 UTC", "file time of submitted/s/toy/toy.ipynb")
    (submitted / "timestamp.txt").write_text("not a time")
    assert submission_time(submitted)[0] == "2026-11-28 08:15:30.000000 UTC"
    (submitted / "timestamp.txt").write_text(COLLECTED_STAMP + "\n")
    (submitted / "submission_secret.txt").write_text("abc")
    found = ensure_submission_files(autograded, submitted)
    assert (found.timestamp, found.source, found.written) == (COLLECTED_STAMP, "submitted/s/toy/timestamp.txt", True)
    assert (autograded / "timestamp.txt").read_text() == COLLECTED_STAMP
    assert (autograded / "submission_secret.txt").read_text() == "abc"

    (submitted / "timestamp.txt").write_text("2030-01-01 00:00:00.000000 UTC")
    again = ensure_submission_files(autograded, submitted)  # what is in autograded/ is kept
    assert (again.timestamp, again.written) == (COLLECTED_STAMP, False)



def test_feedback_usage_errors_exit_2(bare_toy_root):
    result = runner.invoke(app, ["feedback", "--root", str(bare_toy_root)])
    assert result.exit_code == 2 and "no submissions" in result.output
    submit(bare_toy_root, "s", new_notebook())
    result = runner.invoke(app, ["feedback", "99-nope", "--root", str(bare_toy_root)])
    assert result.exit_code == 2
    assert "99-nope is not an assignment of this course; its assignments are: toy" in result.output


@pytest.mark.slow
def test_the_graders_notes_are_at_the_top_of_the_feedback(course):
    """A student whose deleted test cell was put back reads why it is there; TA-only notes
    (the gradebook's) stay out, and a submission without notes gets no notes cell."""
    from grader.status import load_statuses, status_path, update_statuses

    record = load_statuses(status_path(course))[("good", "toy")]
    record.notes = ["restored deleted locked cell(s) test_double from release/, in their release position",
                    "student added to the gradebook"]
    update_statuses(status_path(course), record)
    result = runner.invoke(app, ["feedback", "--root", str(course)])
    assert result.exit_code == 0, result.output
    good = page_text(feedback_page(course, "good"))
    assert "Notes from the grader on this submission" in good
    assert "restored deleted locked cell(s) test_double from release/" in good
    assert "student added to the gradebook" not in good
    assert "Notes from the grader" not in page_text(feedback_page(course, "wrong"))


def test_a_failed_regrade_removes_the_stale_feedback(bare_toy_root):
    """Feedback of an earlier grading must not stay where the formgrader can release it."""
    from grader.feedback import generate_feedback
    from grader.status import SubmissionStatus, status_path, update_statuses

    root = bare_toy_root
    submit(root, "s", new_notebook())
    (root / "autograded" / "s" / "toy").mkdir(parents=True)
    (root / "autograded" / "s" / "toy" / "toy.ipynb").write_text("{}")
    old = root / "feedback" / "s" / "toy"
    old.mkdir(parents=True)
    (old / "toy.html").write_text("<p>old grading</p>")
    update_statuses(status_path(root), SubmissionStatus("s", "toy", "failed", reason="toy.ipynb is not valid JSON"))
    [result] = generate_feedback(root, ["toy"], ["s"])
    assert result.status == "skipped" and "earlier feedback was removed" in result.reason
    assert not old.exists()
