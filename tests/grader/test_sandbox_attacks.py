"""Hostile notebooks through the real ``python -m grader autograde``, in the sandbox and without it.

Each kind of attack of ``files/hostile/`` is one student of a toy cohort, beside honest
classmates (``good`` 3/3, ``half`` 2/3) and a blank control (0/3). In the sandbox every
attacker gets at most its honest score, no classmate's score, status or file changes, no
hidden-test text reaches an output, no process an attack started survives, every student is
graded and the run's exit code and summary are right. The controls run the same attacks with
``--no-sandbox`` and show that each one *succeeds* there, so these tests can fail.

The CLI runs as a subprocess (an attack may kill its grandparent) with ``TMPDIR`` in the
test's folder, so leftover temporary folders are seen.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest

from cli_helpers import ANSWER, FILES, HALF, filled, gradebook_scores, release_nb, submit
from grader.status import load_statuses, status_path

pytestmark = pytest.mark.slow  # each test builds its own course: no xdist group needed

HOSTILE = FILES / "hostile"
HIDDEN = "assert doubled[1] == -6"  # the toy assignment's hidden test
HONEST = {"good": 3.0, "half": 2.0, "blank": 0.0}
#: attacker -> its honest score (what its code earns without the attack)
ATTACKERS = {"read_hidden": 0.0, "write_gradebook": 0.0, "other_files": 0.0, "detached": 0.0,
             "kill_grader": 3.0, "sideload": 0.0, "memory_hog": 2.0, "many_processes": 2.0,
             "slow_cells": 0.0}
BUDGETS = ["--memory", "1GiB", "--processes", "64", "--notebook-timeout", "15"]


def attack_code(name: str, root: Path, marker: str, victim: str = "good") -> str:
    text = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    return (text.replace("{ROOT!r}", repr(str(root))).replace("{VICTIM!r}", repr(victim))
            .replace("{VICTIM}", victim).replace("{MARKER!r}", repr(marker)))


def build_cohort(root: Path, marker: str, attackers) -> None:
    submit(root, "good", filled(root))
    submit(root, "half", filled(root, HALF))
    submit(root, "blank", release_nb(root))
    for name in attackers:
        if name == "sideload":
            path = submit(root, name, release_nb(root))
            (path.parent / "numpy.py").write_text((HOSTILE / "numpy.py").read_text(encoding="utf-8"))
            continue
        nb = filled(root, attack_code(name, root, marker))
        if name == "slow_cells":  # many cells, each just under the 5 s cell timeout
            at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
            for _ in range(8):
                nb.cells.insert(at + 1, nbformat.v4.new_code_cell("import time\ntime.sleep(4)"))
        submit(root, name, nb)


def grade(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "grader", *args, "--root", str(root)], capture_output=True,
                          text=True, env=env, timeout=timeout)


def survivors(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info.get("cmdline") or []):
            found.append(proc)
    return found


def output_text(root: Path, student: str = "*") -> str:
    """Every output of every autograded notebook (or one student's), not the cells' sources."""
    parts = []
    for path in (root / "autograded").glob(f"{student}/toy/toy.ipynb"):
        for cell in nbformat.read(str(path), as_version=4).cells:
            parts.append(json.dumps(cell.get("outputs", [])))
    return "\n".join(parts)


def test_every_attack_fails_in_the_sandbox(toy_root):
    root = toy_root
    marker = f"attack-{uuid.uuid4().hex}"
    build_cohort(root, marker, ATTACKERS)
    good_submitted = (root / "submitted" / "good" / "toy" / "toy.ipynb").read_bytes()

    run = grade(root, "autograde", *BUDGETS)
    assert run.returncode == 0, run.stdout + run.stderr
    total = len(HONEST) + len(ATTACKERS)
    assert f"graded {total}, failed 0, missing 0, skipped 0" in run.stdout, run.stdout
    assert "sandbox: on" in run.stdout and "1 GiB memory, 64 tasks, 15 s; limits by cgroup" in run.stdout

    statuses = {s: r for (s, a), r in load_statuses(status_path(root)).items()}
    scores = gradebook_scores(root)
    for student, honest in {**HONEST, **ATTACKERS}.items():
        rec = statuses[student]
        assert rec.status == "graded" and rec.sandbox is True, (student, rec)
        if student in HONEST:
            assert rec.score == honest == scores[student], (student, rec)
        else:
            assert rec.score <= honest and scores[student] <= honest, (student, rec, scores[student])
    # nothing of a classmate changed
    assert (root / "submitted" / "good" / "toy" / "toy.ipynb").read_bytes() == good_submitted
    # no hidden-test text in any output the students' code produced
    assert HIDDEN not in output_text(root)
    # what the spy saw: its own scratch folder only, and blocked reads
    spy = output_text(root)
    assert "blocked:" in spy
    # no descriptor of the kernel leads to a file of the grader (only to its own output file)
    inherited = [line for line in spy.split("\\n") if "inherited:" in line]
    assert inherited and all("grader-stage" not in line and str(root) not in line for line in inherited), inherited
    if os.geteuid() == 0:  # the TA is root: the student's code is not
        assert f"uid={pwd.getpwnam('nobody').pw_uid} pid=2" in spy
    # every process an attack started is gone
    assert survivors(marker) == []
    # the budgets: each breach named on the status
    notes = {s: "; ".join(statuses[s].notes) for s in statuses}
    assert statuses["memory_hog"].notes[0] == "memory limit (1 GiB) exceeded in cell toy-answer", notes["memory_hog"]
    assert "process limit (64) reached in cell toy-answer" in notes["many_processes"]
    assert "notebook time limit (15 s) reached" in statuses["slow_cells"].notes[0]
    assert statuses["slow_cells"].seconds < 15 + 30
    assert statuses["kill_grader"].score == 3.0  # the run went on, and so did the kernel
    assert "not used: numpy.py (only the notebook is graded)" in notes["sideload"]
    # the notes are on the status lines too
    assert "memory limit (1 GiB) exceeded in cell toy-answer" in run.stdout
    # no temporary folder left behind
    assert list((root.parent / "tmp").iterdir()) == []

    # collect: the integrity check finds nothing to flag, the table equals the gradebook
    col = grade(root, "collect")
    assert col.returncode == 0, col.stdout + col.stderr
    assert "integrity: 0 flagged, 0 manual grade(s)" in col.stdout
    grades = pd.read_csv(root / "reports" / "grades.csv").set_index("student")
    for student in statuses:
        assert grades.loc[student, "toy"] == scores[student]


def test_every_attack_succeeds_without_the_sandbox(toy_root):
    """The control: the same attacks with --no-sandbox do what they claim."""
    root = toy_root
    marker = f"attack-{uuid.uuid4().hex}"
    attackers = ["read_hidden", "other_files", "detached", "sideload", "memory_hog", "write_gradebook"]
    build_cohort(root, marker, attackers)
    try:
        # last week's grading put the attacker's rows in the gradebook (the attack updates them)
        grade(root, "autograde", "--no-sandbox", "--student", "write_gradebook")
        # one at a time: the attack forges the status of a classmate graded before it
        run = grade(root, "autograde", "--no-sandbox", "--workers", "1", *BUDGETS)
        assert "sandbox: OFF" in run.stdout, run.stdout
        statuses = {s: r for (s, a), r in load_statuses(status_path(root)).items()}
        assert statuses["read_hidden"].sandbox is False
        assert "graded without the sandbox (--no-sandbox)" in statuses["read_hidden"].notes
        # 1. the hidden test is printed in the spy's outputs
        assert HIDDEN in output_text(root)
        # 2. the gradebook says 3/3 for a blank notebook and 0 for the victim
        scores = gradebook_scores(root)
        assert scores["write_gradebook"] == 3.0 and scores["good"] == 0.0
        # 3. the victim's submission was replaced and its status forged
        assert statuses["good"].status == "failed"
        # 4. the detached child outlived its kernel
        assert survivors(marker) != []
        # 6. 3 GiB went through
        assert not any("memory limit" in n for n in statuses["memory_hog"].notes)
        # 7. (the grader stages only the notebook even without the sandbox: see the nbgrader test)
        assert statuses["sideload"].score == 0.0
        # collect's integrity check flags the forged manual scores
        col = grade(root, "collect")
        integrity = pd.read_csv(root / "reports" / "integrity.csv")
        flagged = integrity[integrity["kind"] == "flagged"]
        assert {"write_gradebook"} <= set(flagged["student"]), col.stdout
        assert "Integrity: grades no grader set" in col.stdout
    finally:
        for proc in survivors(marker):
            proc.kill()


def nbgrader_autograde(root: Path, *args: str) -> subprocess.CompletedProcess:
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([os.path.join(bindir, "nbgrader"), "autograde", "toy", "--force", *args],
                          cwd=root, capture_output=True, text=True, env=env, timeout=300)


def test_nbgrader_autograde_gets_the_sandbox_from_the_course_config(toy_root):
    """`nbgrader autograde` (and so the formgrader's button) runs SandboxedExecute: side-loaded
    code and the file system walk fail there; with the sandbox switched off they succeed."""
    root = toy_root
    marker = f"attack-{uuid.uuid4().hex}"
    build_cohort(root, marker, ["sideload", "read_hidden"])
    nbgrader_autograde(root, "--Sandbox.enabled=False")
    # numpy.py beside the notebook is imported by the kernel and puts the answers in builtins, but the
    # sealed checks only see what the notebook's own variables hold: nothing
    assert gradebook_scores(root)["sideload"] == 0.0
    assert HIDDEN in output_text(root)
    run = nbgrader_autograde(root)
    assert run.returncode == 0, run.stdout + run.stderr
    scores = gradebook_scores(root)
    assert scores["sideload"] == 0.0 and scores["good"] == 3.0 and scores["half"] == 2.0
    assert HIDDEN not in output_text(root)


def test_kill_attack_stops_an_unsandboxed_run_but_not_a_sandboxed_one(toy_root):
    root = toy_root
    marker = f"attack-{uuid.uuid4().hex}"
    submit(root, "kill_grader", filled(root, attack_code("kill_grader", root, marker)))
    submit(root, "later", filled(root))
    # 5. without the sandbox the student's cell kills `python -m grader autograde` itself
    run = grade(root, "autograde", "--no-sandbox", "--workers", "1")
    assert run.returncode == -9, run.stdout + run.stderr
    statuses = load_statuses(status_path(root))
    assert statuses[("kill_grader", "toy")].status == "in progress"  # the record a killed run leaves
    assert ("later", "toy") not in statuses
    # in the sandbox: every student graded, the attacker at its honest score
    run = grade(root, "autograde")
    assert run.returncode == 0, run.stdout + run.stderr
    statuses = load_statuses(status_path(root))
    assert statuses[("kill_grader", "toy")].score == 3.0
    assert statuses[("later", "toy")].score == 3.0


def test_a_killed_run_is_completed_by_resume_and_nothing_is_graded_twice(toy_root):
    root = toy_root
    for student in ("a1", "a2", "a3"):
        submit(root, student, filled(root, ANSWER + "\nimport time\ntime.sleep(2)"))
    tmp = root.parent / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "grader", "autograde", "--workers", "1", "--root", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            env=dict(os.environ, TMPDIR=str(tmp)))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        statuses = load_statuses(status_path(root)) if status_path(root).exists() else {}
        if statuses.get(("a1", "toy")) and statuses[("a1", "toy")].status == "graded" and \
                statuses.get(("a2", "toy")) and statuses[("a2", "toy")].status == "in progress":
            break
        time.sleep(0.2)
    os.killpg(proc.pid, 9)  # the TA's terminal closes half-way
    proc.wait()
    statuses = load_statuses(status_path(root))
    first = statuses[("a1", "toy")]
    assert first.status == "graded" and statuses[("a2", "toy")].status == "in progress"

    run = grade(root, "autograde", "--student", "nobody")  # any run tells the TA about --resume
    assert run.returncode == 2 and "`autograde --resume` completes" in run.stdout
    run = grade(root, "autograde", "--resume")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graded 2, failed 0" in run.stdout  # a2 and a3 only
    statuses = load_statuses(status_path(root))
    assert statuses[("a1", "toy")] == first
    assert all(statuses[(s, "toy")].status == "graded" and statuses[(s, "toy")].score == 3.0
               for s in ("a1", "a2", "a3"))
    run = grade(root, "autograde", "--resume")
    assert run.returncode == 2 and "nothing to resume" in run.stdout


def test_autograde_refuses_without_a_sandbox_unless_told(toy_root):
    submit(toy_root, "good", filled(toy_root))
    cfg = toy_root / "nbgrader_config.py"
    cfg.write_text(cfg.read_text() + "\nc.Sandbox.bwrap = '/nonexistent/bwrap'\n")
    run = grade(toy_root, "autograde")
    assert run.returncode == 2
    assert "cannot start the sandbox" in run.stdout and "--no-sandbox" in run.stdout
    assert not (toy_root / "autograded" / "good").exists()
    run = grade(toy_root, "autograde", "--no-sandbox")
    assert run.returncode == 0 and "sandbox: OFF" in run.stdout
    rec = load_statuses(status_path(toy_root))[("good", "toy")]
    assert rec.score == 3.0 and rec.sandbox is False


def test_budgets_without_a_cgroup_fall_back_to_rlimits(toy_root):
    """Where no cgroup can be made (a TA who is not root), RLIMIT_AS still stops a memory hog."""
    root = toy_root
    cfg = root / "nbgrader_config.py"
    cfg.write_text(cfg.read_text() + "\nc.Sandbox.cgroup = False\nc.Sandbox.address_space_headroom = '1GiB'\n")
    build_cohort(root, "unused", ["memory_hog"])
    run = grade(root, "autograde", "--memory", "1GiB", "--student", "memory_hog", "--student", "good")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "limits by rlimit" in run.stdout
    statuses = load_statuses(status_path(root))
    assert statuses[("good", "toy")].score == 3.0
    hog = statuses[("memory_hog", "toy")]
    assert hog.status == "graded" and hog.score <= 2.0
    assert "memory limit (1 GiB) exceeded in cell toy-answer" in hog.notes
