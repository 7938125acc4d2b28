"""Due dates, extensions and the late policy: the tables, the plugin, and autograde + collect."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import HALF, filled, submit
from grader.assignments import DueDateError, parse_due, read_assignments, read_extensions
from grader.cli import app
from grader.late import penalty_fraction

runner = CliRunner()
DAY = 86400.0


# ------------------------------------------------------------------ the policy


@pytest.mark.parametrize("seconds, expected", [
    (-5.0, 0.0), (0.0, 0.0), (1.0, 0.1), (DAY, 0.1), (DAY + 1, 0.2), (1.5 * DAY, 0.2), (6.5 * DAY, 0.7),
    (7 * DAY, 0.7), (7 * DAY + 1, 1.0), (30 * DAY, 1.0),
])
def test_penalty_is_a_tenth_per_started_day_and_everything_after_a_week(seconds, expected):
    assert penalty_fraction(seconds) == pytest.approx(expected)


def test_grace_minutes_and_other_rates():
    assert penalty_fraction(240.0, grace_minutes=5) == 0.0
    assert penalty_fraction(360.0, grace_minutes=5) == pytest.approx(0.1)
    assert penalty_fraction(3 * DAY, per_day=0.5) == 1.0          # capped at the whole score
    assert penalty_fraction(2 * DAY, per_day=0.0, zero_after_days=1) == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"per_day": 1.5}, "per_day must be in"), ({"per_day": -0.1}, "per_day must be in"),
    ({"zero_after_days": -1}, "must be >= 0"), ({"grace_minutes": -1}, "must be >= 0"),
])
def test_bad_policy_settings_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        penalty_fraction(DAY, **kwargs)


# ------------------------------------------------------------------ the tables


def test_due_dates_are_stored_in_utc():
    assert parse_due("2027-01-15 23:59:00+01:00") == dt.datetime(2027, 1, 15, 22, 59)
    assert parse_due("2027-01-15T22:59") == dt.datetime(2027, 1, 15, 22, 59)   # no zone: UTC
    assert parse_due("2027-01-15 22:59:00 UTC") == dt.datetime(2027, 1, 15, 22, 59)
    assert parse_due("  ") is None


@pytest.mark.parametrize("text, match", [
    ("assignment,when\ntoy,2027-01-01 12:00\n", "missing column.*due"),
    ("assignment,due\ntoy,next friday\n", "line 2: 'next friday' is not a date"),
    ("assignment,due\ntoy,2027-01-01 12:00\ntoy,2027-01-02 12:00\n", "line 3: toy is listed twice"),
    ("assignment,due\ntpy,2027-01-01 12:00\n", "line 2: unknown assignment 'tpy'"),
    ("assignment,due\n,2027-01-01 12:00\n", "line 2: no assignment name"),
    ("assignment,due\ntoy,12/01/2026 18:00\n", "line 2: '12/01/2026 18:00' is not a date and time .*ISO 8601"),
    ("assignment,due\ntoy,2027-01-15\n", "line 2: '2027-01-15' has no time of day"),
])
def test_bad_assignment_tables_say_which_line(tmp_path, text, match):
    path = tmp_path / "assignments.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DueDateError, match=match):
        read_assignments(path, ["toy"])


@pytest.mark.parametrize("text, match", [
    ("assignment,student,days\ntoy,alice,two\n", "line 2: days 'two' is not a number"),
    ("assignment,student,days\ntoy,alice,-1\n", "line 2: days must be a positive"),
    ("assignment,student,days\ntoy,alice,0\n", "line 2: days must be a positive"),
    ("assignment,student,days\ntoy,,1\n", "line 2: no student id"),
    ("assignment,student,days\nother,alice,1\n", "line 2: assignment 'other' is not in assignments.csv .there: toy."),
    ("assignment,student,days\ntoy,alice,1\ntoy,alice,2\n", "line 3: alice has two extensions"),
    ("assignment,student\ntoy,alice\n", "missing column.*days"),
])
def test_bad_extension_tables_say_which_line(tmp_path, text, match):
    path = tmp_path / "extensions.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DueDateError, match=match):
        read_extensions(path, ["toy"])


def test_sync_writes_due_dates_and_replaces_extensions(toy_root):
    from nbgrader.api import Gradebook

    from grader.assignments import all_extensions

    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,2026-12-01 17:00:00+00:00\n", encoding="utf-8")
    (toy_root / "extensions.csv").write_text("assignment,student,days\ntoy,carol,2\ntoy,dan,0.5\n", encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    assert "toy: 2026-12-01 17:00 UTC" in result.output and "2 extensions" in result.output
    db_url = f"sqlite:///{toy_root / 'gradebook.db'}"
    with Gradebook(db_url, "toy-course") as gb:
        assert gb.find_assignment("toy").duedate == dt.datetime(2026, 12, 1, 17, 0)
    assert sorted(all_extensions(db_url)[["student", "days"]].itertuples(index=False, name=None)) == [
        ("carol", 2.0), ("dan", 0.5)]
    # the file is the truth: without extensions.csv the extensions are gone; an empty due clears the date
    (toy_root / "extensions.csv").unlink()
    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,\n", encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    assert "toy: no due date" in result.output and "0 extensions" in result.output
    with Gradebook(db_url, "toy-course") as gb:
        assert gb.find_assignment("toy").duedate is None
    assert all_extensions(db_url).empty


def test_sync_with_a_bad_table_exits_2_and_changes_nothing(toy_root):
    from nbgrader.api import Gradebook

    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,2026-12-01 17:00\n", encoding="utf-8")
    assert runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)]).exit_code == 0
    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,tomorrow-ish\n", encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)])
    assert result.exit_code == 2
    assert "assignments.csv line 2" in result.output
    with Gradebook(f"sqlite:///{toy_root / 'gradebook.db'}", "toy-course") as gb:
        assert gb.find_assignment("toy").duedate == dt.datetime(2026, 12, 1, 17, 0)


# ------------------------------------------------------------------ autograde + collect


def _stamp(root, student: str, when: str) -> None:
    """A collected submission's timestamp.txt (nbgrader's format), as `nbgrader collect` writes it."""
    (root / "submitted" / student / "toy" / "timestamp.txt").write_text(when + "\n", encoding="utf-8")


@pytest.mark.slow
def test_late_submissions_lose_the_policy_share_and_extensions_count(toy_root):
    """Due 2026-12-01 17:00 UTC. on-time: 1 h early, 3/3. late: 1.5 days late -> 20 % of 3.
    extended: 1.5 days late with a 2-day extension -> on time. half-late: 8 days late, 2/3 -> 0.
    hand: a hand copy (no timestamp.txt): its file time, 3 days 1 minute late -> 40 %."""
    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,2026-12-01 17:00:00 UTC\n", encoding="utf-8")
    (toy_root / "extensions.csv").write_text("assignment,student,days\ntoy,extended,2\n", encoding="utf-8")
    assert runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)]).exit_code == 0
    for student, when, nb in [("on-time", "2026-12-01 16:00:00.000000 UTC", filled(toy_root)),
                              ("late", "2026-12-03 05:00:00.000000 UTC", filled(toy_root)),
                              ("extended", "2026-12-03 05:00:00.000000 UTC", filled(toy_root)),
                              ("half-late", "2026-12-09 18:00:00.000000 UTC", filled(toy_root, HALF))]:
        submit(toy_root, student, nb)
        _stamp(toy_root, student, when)
    hand = submit(toy_root, "hand", filled(toy_root))
    due = pd.Timestamp("2026-12-01 17:00:00", tz="UTC").timestamp()
    os.utime(hand, (due + 3 * DAY + 60, due + 3 * DAY + 60))  # 3 days 1 minute late -> 40 %
    result = runner.invoke(app, ["autograde", "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["collect", "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    assert "late penalties (3): half-late toy 8.0417 days late -2;" in " ".join(result.output.split())
    grades = pd.read_csv(toy_root / "reports" / "grades.csv", dtype={"student": str}).set_index("student")
    expected = {  # raw, penalty, late days
        "on-time": (3.0, 0.0, 0.0), "late": (3.0, 0.6, 1.5), "extended": (3.0, 0.0, 0.0),
        "half-late": (2.0, 2.0, 8.0417), "hand": (3.0, 1.2, 3.0007),
    }
    for student, (raw, penalty, late) in expected.items():
        row = grades.loc[student]
        assert row["toy_raw"] == pytest.approx(raw), student
        assert row["toy_penalty"] == pytest.approx(penalty), student
        assert row["toy"] == pytest.approx(raw - penalty), student
        assert row["toy_late_days"] == pytest.approx(late, abs=1e-3), student
        assert row["total"] == pytest.approx(raw - penalty), student
    assert grades.loc["late", "toy_submitted"] == "2026-12-03 05:00:00 UTC"
    assert grades.loc["on-time", "toy_submitted"] == "2026-12-01 16:00:00 UTC"
    # the late columns come after percent: the first columns an LMS upload reads are unchanged
    columns = list(grades.reset_index().columns)
    assert columns.index("toy_raw") > columns.index("percent")
    assert "out of date" not in result.output
    # an extension granted after autograde: collect says the stored penalty is out of date
    (toy_root / "extensions.csv").write_text("assignment,student,days\ntoy,extended,2\ntoy,late,2\n",
                                             encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)])
    assert "changed since the last sync: toy" in " ".join(result.output.split())
    result = runner.invoke(app, ["collect", "--root", str(toy_root)])
    assert "late penalty out of date (1): late toy" in " ".join(result.output.split())


def test_extensions_follow_a_server_gradebook_into_its_private_copies(toy_root, tmp_path):
    """A private copy from a server database is made table by table: the extensions come too
    (the table-by-table path, run here on a SQLite source)."""
    from grader.assignments import all_extensions, sync_assignments
    from grader.gradebook import _copy_from_server

    db_url = f"sqlite:///{toy_root / 'gradebook.db'}"
    sync_assignments(db_url, "toy-course", {"toy": dt.datetime(2026, 12, 1, 17)}, {("toy", "carol"): 1.5})
    target = tmp_path / "copy.db"
    _copy_from_server(db_url, target, "carol")
    copied = all_extensions(f"sqlite:///{target}")
    assert list(copied.itertuples(index=False, name=None)) == [("toy", "carol", 1.5)]


def test_an_lms_download_without_times_gets_no_hand_in_time_and_no_penalty(toy_root, tmp_path):
    """zip_collect copied the notebook from downloaded/: its file time is the collection's."""
    from grader.discovery import prepare_submission

    path = submit(toy_root, "lms-student", filled(toy_root))
    extracted = toy_root / "downloaded" / "toy" / "extracted"
    extracted.mkdir(parents=True)
    (extracted / "lmsstudent_101_5001_toy.ipynb").write_bytes(path.read_bytes())
    prepared = prepare_submission(toy_root, "toy", "lms-student", tmp_path / "staging")
    assert prepared.error is None
    assert any("hand-in time unknown" in note for note in prepared.notes)
    assert not (tmp_path / "staging" / "lms-student" / "toy" / "timestamp.txt").exists()
    assert not (toy_root / "submitted" / "lms-student" / "toy" / "timestamp.txt").exists()
    # the control: a hand copy that differs from every downloaded file keeps its file time
    other = submit(toy_root, "hand", filled(toy_root, HALF))
    prepared = prepare_submission(toy_root, "toy", "hand", tmp_path / "staging")
    assert not any("hand-in time unknown" in note for note in prepared.notes)
    assert (tmp_path / "staging" / "hand" / "toy" / "timestamp.txt").is_file()
    assert other.is_file()


def test_sync_warns_of_likely_typos_and_names_what_changed(toy_root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{toy_root / 'gradebook.db'}", "toy-course") as gb:
        gb.add_student("alice")
    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,2026-12-01 17:00\n", encoding="utf-8")
    (toy_root / "extensions.csv").write_text("assignment,student,days\ntoy,alcie,1\n", encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)])
    assert result.exit_code == 0, result.output
    assert "warning: extension for 'alcie' (toy): not a student of the gradebook" in " ".join(result.output.split())
    (toy_root / "assignments.csv").write_text("assignment,due\ntoy,\n", encoding="utf-8")
    (toy_root / "extensions.csv").write_text("assignment,student,days\ntoy,alice,1\n", encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(toy_root)])
    assert "extension for alice on toy, which has no due date" in " ".join(result.output.split())
    assert "not a student" not in result.output


def test_sync_before_make_release_says_to_run_it(bare_toy_root):
    (bare_toy_root / "assignments.csv").write_text("assignment,due\ntoy,2026-12-01 17:00\n", encoding="utf-8")
    result = runner.invoke(app, ["assignments", "sync", "--root", str(bare_toy_root)])
    assert result.exit_code == 2
    assert "run `make release` first" in " ".join(result.output.split())


@pytest.mark.parametrize("share, raw, penalty, manual_max, stale", [
    (0.2, 3.0, 0.6, 0.0, False), (0.0, 3.0, 0.0, 0.0, False), (0.0, 3.0, 0.6, 0.0, True),
    (0.2, 3.0, 0.0, 0.0, True), (0.3, 3.0, 0.6, 0.0, True), (0.2, 3.0, 1.0, 2.0, False),  # 0.2 x (3 + 2)
    (1.0, 3.0, 3.0, 0.0, False), (0.2, 0.0, 0.0, 0.0, False),
])
def test_a_penalty_the_current_dates_would_not_give_is_out_of_date(share, raw, penalty, manual_max, stale):
    from grader.collect import _stale_penalty

    assert _stale_penalty(share, raw, penalty, manual_max) is stale
