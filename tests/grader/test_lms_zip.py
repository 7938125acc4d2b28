"""LMS downloads: a Canvas "Download Submissions" zip through the real ``nbgrader zip_collect``
with :class:`grader.lms.CanvasCollector`, and the Canvas file-name parser on its own."""

from __future__ import annotations

import datetime
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Configurable

from cli_helpers import HALF, filled
from grader.lms import (CanvasCollector, LmsNameError, match_notebook, parse_canvas_name, zip_member_time)

UTC = datetime.timezone.utc

#: The lines the course's nbgrader_config.py gets (appended to the toy course's copy here).
CONFIG = '''
c.ZipCollectApp.collector_plugin = "grader.lms.CanvasCollector"
c.CanvasCollector.zip_times = "auto"
c.CanvasCollector.zip_timezone = "UTC"
'''

ROSTER = ("student_id,first_name,last_name,email,canvas_id\n"
          "good,Ada,Lovelace,ada@example.org,101\n"
          "half,Alan,Turing,alan@example.org,102\n")

# the hand-in times the members carry
ADA_TIME = datetime.datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC)
ALAN_DOS = datetime.datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)     # the DOS field...
ALAN_EXACT = datetime.datetime(2026, 11, 22, 8, 0, 7, tzinfo=UTC)   # ...and the extended timestamp (wins)


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _nb_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _member(name: str, when: datetime.datetime, exact: datetime.datetime | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    if exact is not None:  # an "extended timestamp" field (0x5455): flags (mtime), mtime
        info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(exact.timestamp()))
    return info


def _canvas_zip(path: Path, members: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _zip_collect(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nbgrader", "zip_collect", "toy", *args], cwd=root, env=_env(),
                          capture_output=True, text=True, timeout=300)


def _import_roster(root: Path, tmp_path: Path) -> None:
    class_list = tmp_path / "class-list.csv"
    class_list.write_text(ROSTER)
    done = subprocess.run([sys.executable, "-m", "grader", "roster", "import", str(class_list), "--root", str(root)],
                          cwd=root, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _write_roster(root: Path, tmp_path: Path) -> None:
    """roster.csv as ``roster import`` keeps it (without a subprocess: the first test runs the real one)."""
    from grader.roster import read_roster, save_roster

    class_list = tmp_path / "class-list.csv"
    class_list.write_text(ROSTER)
    save_roster(root, read_roster(class_list))


def _stamp(folder: Path) -> datetime.datetime:
    from nbgrader.utils import parse_utc

    return parse_utc((folder / "timestamp.txt").read_text()).replace(tzinfo=UTC)


@pytest.fixture
def canvas_course(toy_root, tmp_path):
    """The toy course with the collector configured, and a Canvas zip in downloaded/toy/archive/."""
    with open(toy_root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(CONFIG)
    ada, alan, ghost = filled(toy_root), filled(toy_root, HALF), filled(toy_root)
    ghost.cells[0].source += "\n<!-- ghost -->"
    first_try = filled(toy_root, "answer = 0")
    contents = {"ada": _nb_bytes(ada), "alan": _nb_bytes(alan), "ghost": _nb_bytes(ghost),
                "alan-first": _nb_bytes(first_try)}
    members = [  # not in time order (Canvas's own zips are: see the next tests)
        (_member("turingalan_LATE_102_5002_Toy-1.ipynb", ALAN_DOS, exact=ALAN_EXACT), contents["alan"]),
        # Alan's first upload of the same notebook, still in the submission: an older file id
        (_member("turingalan_LATE_102_4990_toy.ipynb", ALAN_DOS - datetime.timedelta(hours=5)),
         contents["alan-first"]),
        (_member("lovelaceada_101_5001_toy.ipynb", ADA_TIME), contents["ada"]),
        (_member("ghostcasper_999_5003_toy.ipynb", ADA_TIME + datetime.timedelta(hours=3)), contents["ghost"]),
        (_member("lovelaceada_101_5004_notes.pdf", ADA_TIME - datetime.timedelta(hours=1)), b"%PDF-1.4 notes"),
    ]
    _canvas_zip(toy_root / "downloaded" / "toy" / "archive" / "course-toy submissions.zip", members)
    return toy_root, contents


def test_canvas_zip_is_collected_to_the_roster_students_with_the_lms_times(canvas_course, tmp_path):
    from grader.discovery import GRADER_TIMESTAMP, prepare_submission
    from grader.feedback import submission_time

    root, contents = canvas_course
    _import_roster(root, tmp_path)  # canvas_id -> roster.csv
    done = _zip_collect(root)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "Using file collector: CanvasCollector" in log

    good, half = root / "submitted" / "good" / "toy", root / "submitted" / "half" / "toy"
    assert sorted(p.name for p in (root / "submitted").iterdir()) == ["good", "half"]
    assert sorted(p.name for p in good.iterdir()) == ["timestamp.txt", "toy.ipynb"]
    assert (good / "toy.ipynb").read_bytes() == contents["ada"]
    # the late resubmission "Toy-1.ipynb" is the assignment's toy.ipynb; the first upload is not collected
    assert sorted(p.name for p in half.iterdir()) == ["timestamp.txt", "toy.ipynb"]
    assert (half / "toy.ipynb").read_bytes() == contents["alan"]
    # the LMS file times: the DOS time (UTC) and the member's exact extended timestamp
    assert _stamp(good) == ADA_TIME
    assert _stamp(half) == ALAN_EXACT
    # a collected time, not a hand copy's: the grader keeps it
    assert not (good / GRADER_TIMESTAMP).exists()
    assert submission_time(good)[1].endswith("timestamp.txt")
    staged = prepare_submission(root, "toy", "good", tmp_path / "staging")
    assert staged.error is None and not (good / GRADER_TIMESTAMP).exists()
    assert _stamp(tmp_path / "staging" / "good" / "toy") == ADA_TIME

    # the unknown Canvas user and the PDF: each named, skipped, counted
    assert "skipped" in log and "ghostcasper_999_5003_toy.ipynb" in log
    assert "Canvas user 999 (ghostcasper) is not in the roster" in log
    assert "lovelaceada_101_5004_notes.pdf: not a notebook" in log
    assert "Skipped submission with no match information provided" in log
    assert "turingalan_LATE_102_4990_toy.ipynb: an older upload of the same notebook by Canvas user 102" in log
    assert "2 files collected, 3 files skipped" in log
    assert "Canvas marks it late" in log
    assert not any("999" in p.name or "ghost" in p.name for p in (root / "submitted").rglob("*"))


def test_gradebook_lms_user_id_maps_without_a_roster_file(canvas_course):
    from nbgrader.api import Gradebook

    root, contents = canvas_course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        gb.update_or_create_student("good", lms_user_id="101")
        gb.update_or_create_student("half", lms_user_id="102")
    assert not (root / "roster.csv").exists()
    done = _zip_collect(root)
    assert done.returncode == 0, done.stderr
    assert (root / "submitted" / "good" / "toy" / "toy.ipynb").read_bytes() == contents["ada"]
    assert (root / "submitted" / "half" / "toy" / "toy.ipynb").read_bytes() == contents["alan"]
    assert "2 files collected, 3 files skipped" in done.stderr


def _build_time_zip(root: Path) -> None:
    """A zip as Canvas builds it: every member stamped with the build time, in archive order."""
    archive = root / "downloaded" / "toy" / "archive"
    shutil.rmtree(archive)
    built = datetime.datetime(2026, 11, 29, 9, 0, 0, tzinfo=UTC)
    _canvas_zip(archive / "submissions.zip", [
        (_member("lovelaceada_101_5001_toy.ipynb", built), _nb_bytes(filled(root))),
        (_member("turingalan_102_5002_toy.ipynb", built + datetime.timedelta(seconds=2)),
         _nb_bytes(filled(root, HALF))),
    ])


def test_a_zip_stamped_when_built_gives_no_time_unless_trusted(canvas_course, tmp_path):
    root, _ = canvas_course
    _write_roster(root, tmp_path)
    _build_time_zip(root)
    done = _zip_collect(root)
    assert done.returncode == 0, done.stderr
    assert "the time the LMS built the zip, not hand-in times" in done.stderr and "submissions.zip" in done.stderr
    for student in ("good", "half"):
        folder = root / "submitted" / student / "toy"
        assert (folder / "toy.ipynb").is_file() and not (folder / "timestamp.txt").exists()

    done = _zip_collect(root, "--force", "--CanvasCollector.zip_times=trust")
    assert done.returncode == 0, done.stderr
    assert _stamp(root / "submitted" / "good" / "toy") == datetime.datetime(2026, 11, 29, 9, 0, 0, tzinfo=UTC)
    assert _stamp(root / "submitted" / "half" / "toy") == datetime.datetime(2026, 11, 29, 9, 0, 2, tzinfo=UTC)


def test_zip_timezone_reads_dos_times_in_that_zone(canvas_course, tmp_path):
    root, _ = canvas_course
    _write_roster(root, tmp_path)
    done = _zip_collect(root, "--CanvasCollector.zip_timezone=Europe/Paris")
    assert done.returncode == 0, done.stderr
    # Ada's DOS time 10:15:30 is Paris time (UTC+1 in November); Alan's exact time is UTC anyway
    assert _stamp(root / "submitted" / "good" / "toy") == ADA_TIME - datetime.timedelta(hours=1)
    assert _stamp(root / "submitted" / "half" / "toy") == ALAN_EXACT


# ------------------------------------------------------------------------ the parser, no nbgrader run

@pytest.mark.parametrize("name, expected", [
    ("lovelaceada_101_5001_toy.ipynb", ("lovelaceada", False, "101", "5001", "toy.ipynb")),
    ("turingalan_LATE_102_5002_Toy-1.ipynb", ("turingalan", True, "102", "5002", "Toy-1.ipynb")),
    ("turingalan_late_102_5002_toy.ipynb", ("turingalan", True, "102", "5002", "toy.ipynb")),
    ("de_la_cruzmaria_77_8_01_perceptron.ipynb", ("de_la_cruzmaria", False, "77", "8", "01_perceptron.ipynb")),
    ("/x/extracted/sub/smithjane_12345_67890_01-perceptron.ipynb",
     ("smithjane", False, "12345", "67890", "01-perceptron.ipynb")),
    ("12345_67890_toy.ipynb", ("", False, "12345", "67890", "toy.ipynb")),  # an older nameless download
    ("LATE_12345_67890_toy.ipynb", ("", True, "12345", "67890", "toy.ipynb")),
    ("smithjane_12345_67890_notes.pdf", ("smithjane", False, "12345", "67890", "notes.pdf")),
])
def test_parse_canvas_name(name, expected):
    got = parse_canvas_name(name)
    assert (got.name, got.late, got.user_id, got.attachment_id, got.original) == expected


@pytest.mark.parametrize("name, match", [
    ("toy.ipynb", "not a Canvas submission name"),
    ("smithjane_toy.ipynb", "not a Canvas submission name"),
    ("smithjane_12345_toy.ipynb", "not a Canvas submission name"),
    ("smithjane_abc_678_toy.ipynb", "not a Canvas submission name"),
    ("smithjane_12345_6x8_toy.ipynb", "not a Canvas submission name"),
    ("_12345_678_toy.ipynb", "not a Canvas submission name"),
    ("smithjane_12345_678_", "not a Canvas submission name"),
    ("smithjane_12345_678_.ipynb", "own name is empty"),
    ("smithjane_12345_678_-.ipynb", "own name is empty"),
    ("smith-jane_12345_678_toy.ipynb", "not a Canvas submission name"),
    ("", "not a Canvas submission name"),
    ("anon_k3x9q_678_toy.ipynb", "anonymous-grading"),
    ("LATE_anon_12345_678_toy.ipynb", "anonymous-grading"),
])
def test_parse_canvas_name_refuses(name, match):
    with pytest.raises(LmsNameError, match=match):
        parse_canvas_name(name)


@pytest.mark.parametrize("original, expected", [
    ("01-perceptron.ipynb", "01-perceptron.ipynb"),
    ("01-perceptron-1.ipynb", "01-perceptron.ipynb"),
    ("01-perceptron-12.ipynb", "01-perceptron.ipynb"),
    ("01-Perceptron.IPYNB", "01-perceptron.ipynb"),
    ("01_perceptron.ipynb", "01-perceptron.ipynb"),
    ("01 Perceptron (1).ipynb", "01-perceptron.ipynb"),
    ("01-perceptron-1-2.ipynb", "01-perceptron.ipynb"),
    ("02-learning-rate-momentum-3.ipynb", "02-learning-rate-momentum.ipynb"),
    ("part-1.ipynb", "part-1.ipynb"),  # an expected name ending in -1 is kept as it is
    ("part-1-1.ipynb", "part-1.ipynb"),
    ("untitled.ipynb", None),
    ("untitled-1.ipynb", None),
    ("01-perceptron.pdf", None),
    ("01-perceptron.py", None),
])
def test_match_notebook(original, expected):
    names = ["01-perceptron.ipynb", "02-learning-rate-momentum.ipynb", "part-1.ipynb", "part.ipynb"]
    assert match_notebook(original, names) == expected


def test_zip_member_time_extended_field_first_then_dos_time_in_its_zone():
    from dateutil.tz import gettz

    exact = datetime.datetime(2026, 11, 22, 8, 0, 7, tzinfo=UTC)
    info = _member("a.ipynb", datetime.datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC), exact=exact)
    assert zip_member_time(info, gettz("Europe/Paris")) == exact
    plain = _member("b.ipynb", datetime.datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC))
    assert zip_member_time(plain, UTC) == datetime.datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
    assert zip_member_time(plain, gettz("Europe/Paris")) == datetime.datetime(2026, 7, 1, 10, 0, 0, tzinfo=UTC)


class _App(Configurable):
    """Stands for the ZipCollectApp: the course folder the collector reads."""

    def __init__(self, coursedir, **kwargs):
        super().__init__(**kwargs)
        self.coursedir = coursedir


def test_a_canvas_id_given_to_two_students_is_skipped_naming_both(toy_root, caplog):
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    (toy_root / "roster.csv").write_text("id,canvas_id\ngood,101\nhalf,102\n")
    with Gradebook(f"sqlite:///{toy_root / 'gradebook.db'}", "toy-course") as gb:
        gb.update_or_create_student("other", lms_user_id="101")  # the gradebook disagrees with roster.csv
    coursedir = CourseDirectory(root=str(toy_root), db_url=f"sqlite:///{toy_root / 'gradebook.db'}",
                                course_id="toy-course", assignment_id="toy")
    collector = CanvasCollector(parent=_App(coursedir))
    assert collector.lms_roster() == {"102": "half"}
    assert collector.collect("/x/lovelaceada_101_5001_toy.ipynb") is None
    assert collector.collect("/x/turingalan_102_5002_TOY-2.ipynb") == {
        "student_id": "half", "file_id": "toy.ipynb", "canvas_user_id": "102", "canvas_late": False}
    text = caplog.text
    assert "lovelaceada_101_5001_toy.ipynb" in text and "given to several students (good, other)" in text
