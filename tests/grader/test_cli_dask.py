"""``autograde --scheduler ADDRESS``: the notebooks graded on a Dask cluster, the same grades.

A ``distributed.LocalCluster`` of two worker processes (one thread each) on 127.0.0.1 stands
for the machines of a real cluster: the workers get the submissions as bytes and send the
autograded notebooks, the private gradebook and the logs back; ``python -m grader autograde``
(a separate process, as on a TA's machine) alone writes the gradebook.

* a toy cohort graded on the cluster and serially (``--workers 1``) in two copies of the
  course gives byte-identical reports after ``collect``; the broken submissions (invalid
  JSON, caught while staging; metadata of a future nbgrader schema, failed by nbgrader on the worker)
  fail alone;
* a worker killed while it grades a (sleeping) submission: the scheduler gives the task to
  another worker, every submission is graded exactly once and nothing of the killed worker's
  grading is left running.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from typer.testing import CliRunner

from cli_helpers import ANSWER, HALF, filled, gradebook_scores, release_nb, submit, with_pasted_test
from grader.cli import app
from grader.status import load_statuses, status_path

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader-dask")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes with one thread each, their scratch space in a tmp folder."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, local_directory=str(tmp_path_factory.mktemp("dask"))) as cluster:
        yield cluster


def grade(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """``python -m grader <args> --root <root>`` in its own process."""
    return subprocess.run([sys.executable, "-m", "grader", *args, "--root", str(root)], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, COLUMNS="200"))


def with_new_schema(root: Path):
    """A correct toy notebook whose answer cell claims a future nbgrader schema (nbgrader refuses it;
    an older schema is updated by the repairs)."""
    nb = filled(root)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.metadata.nbgrader["schema_version"] = 99
    return nb


def _cohort(root: Path) -> None:
    submit(root, "good", filled(root))
    submit(root, "half", filled(root, HALF))
    submit(root, "blank", release_nb(root))
    submit(root, "renamed", filled(root), name="toy (1).ipynb")
    submit(root, "dup", with_pasted_test(root))
    submit(root, "badjson", raw='{"cells": [')
    submit(root, "newschema", with_new_schema(root))
    submit(root, "dies", filled(root, "answer = 42\nimport os\nos._exit(1)"))


def _content(path: Path) -> list:
    """An autograded notebook's cells: sources, outputs, nbgrader metadata (not the execution times)."""
    nb = nbformat.read(str(path), as_version=4)
    return [(c.cell_type, c.source, c.get("outputs"), c.metadata.get("nbgrader")) for c in nb.cells]


def _status_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"^\s*(graded|failed|missing|skipped) ", line)]


def test_the_cluster_gives_the_serial_grades_and_a_broken_submission_fails_alone(toy_root, tmp_path, cluster):
    on_cluster = tmp_path / "on-cluster"
    shutil.copytree(toy_root, on_cluster)
    reports, outputs = {}, {}
    for root, args in ((toy_root, ["--workers", "1"]), (on_cluster, ["--scheduler", cluster.scheduler_address])):
        _cohort(root)
        run = grade(root, "autograde", *args)
        outputs[root] = run.stdout
        assert run.returncode == 1, run.stdout + run.stderr  # badjson and newschema failed
        assert "graded 6, failed 2, missing 0, skipped 0" in run.stdout, run.stdout + run.stderr
        result = CliRunner().invoke(app, ["collect", "--root", str(root), "--out", str(root / "r")])
        assert result.exit_code == 0, result.output
        reports[root] = {n: (root / "r" / n).read_bytes() for n in ("grades.csv", "tests.csv", "integrity.csv")}
    assert reports[toy_root] == reports[on_cluster]
    assert gradebook_scores(on_cluster) == gradebook_scores(toy_root) == {
        "good": 3.0, "half": 2.0, "blank": 0.0, "renamed": 3.0, "dup": 3.0, "dies": 0.0}
    serial = load_statuses(status_path(toy_root))
    remote = load_statuses(status_path(on_cluster))
    assert {k: (v.status, v.reason, v.score, v.notes) for k, v in serial.items()} == {
        k: (v.status, v.reason, v.score, v.notes) for k, v in remote.items()}
    assert remote[("newschema", "toy")].reason == "nbgrader metadata of a cell is newer than this nbgrader"
    assert remote[("badjson", "toy")].reason.startswith("toy.ipynb is not valid JSON")
    # the autograded notebooks came back, the logs say where they were graded
    for student in ("good", "half", "blank", "renamed", "dup", "dies"):
        here, there = (r / "autograded" / student / "toy" / "toy.ipynb" for r in (toy_root, on_cluster))
        assert _content(there) == _content(here), student
        assert there.stat().st_mode & 0o777 == here.stat().st_mode & 0o777 == 0o444  # nbgrader's permissions
        log = (on_cluster / "autograded" / ".grader" / "logs" / student / "toy.log").read_text()
        assert log.startswith("[grader] graded on Dask worker tcp://127.0.0.1:"), log[:200]
    assert not (on_cluster / "autograded" / "newschema").exists()  # nbgrader removed its failed folder
    assert not list(on_cluster.glob("**/grader-stage-*"))


def test_a_worker_killed_mid_job_loses_no_submission_and_grades_none_twice(toy_root, cluster):
    from distributed import Client
    from nbgrader.api import Gradebook

    root = toy_root
    submit(root, "a-sleeper", filled(root, ANSWER + "\nimport time\ntime.sleep(25)"))
    submit(root, "good", filled(root))
    submit(root, "half", filled(root, HALF))
    proc = subprocess.Popen([sys.executable, "-m", "grader", "autograde", "--scheduler", cluster.scheduler_address,
                             "--timeout", "120", "--root", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, COLUMNS="200"))
    try:
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            victim = None
            deadline = time.monotonic() + 300
            while victim is None and time.monotonic() < deadline and proc.poll() is None:
                for worker, keys in client.processing().items():
                    if any(str(k).startswith("grade-a-sleeper-toy-") for k in keys):
                        victim = worker
                time.sleep(0.5)
            assert victim is not None, "the sleeping submission never reached a worker"
            time.sleep(8)  # well into the job: the kernel starts, the cell sleeps
            pid = client.run(os.getpid, workers=[victim])[victim]
            left_behind = [p.pid for p in psutil.Process(pid).children(recursive=True)]
            assert left_behind, "the killed worker was grading nothing"
            os.kill(pid, signal.SIGKILL)
        output, _ = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "graded 3, failed 0, missing 0, skipped 0" in output, output
    lines = _status_lines(output)
    assert sorted(re.search(r"graded (\S+) / toy", line).group(1) for line in lines) == ["a-sleeper", "good",
                                                                                           "half"], output
    log = (root / "autograded" / ".grader" / "logs" / "a-sleeper" / "toy.log").read_text()
    assert log.startswith("[grader] graded on Dask worker") and victim not in log.splitlines()[0], log[:300]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        assert sorted(s.student.id for s in gb.find_assignment("toy").submissions) == ["a-sleeper", "good", "half"]
    assert gradebook_scores(root) == {"a-sleeper": 3.0, "good": 3.0, "half": 2.0}
    # the killed worker's grading process (and its kernel, its checker) died with it
    deadline = time.monotonic() + 60
    while any(psutil.pid_exists(p) for p in left_behind) and time.monotonic() < deadline:
        time.sleep(1)
    assert not [p for p in left_behind if psutil.pid_exists(p)]
    statuses = load_statuses(status_path(root))
    assert {k[0]: v.status for k, v in statuses.items()} == {"a-sleeper": "graded", "good": "graded",
                                                             "half": "graded"}


def test_an_unreachable_scheduler_is_a_usage_error_before_the_run_starts(toy_root, monkeypatch):
    import grader.remote

    monkeypatch.setattr(grader.remote, "CONNECT_TIMEOUT", 2)
    submit(toy_root, "good", filled(toy_root))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(app, ["autograde", "--scheduler", f"tcp://127.0.0.1:{port}", "--root", str(toy_root)])
    assert result.exit_code == 2, result.output
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.output, result.output
    assert not (toy_root / "autograded" / ".grader" / "run.json").exists()  # no run to --resume


def test_the_dashboards_address_is_refused_with_the_right_one_named(toy_root):
    submit(toy_root, "good", filled(toy_root))
    result = CliRunner().invoke(app, ["autograde", "--scheduler", "http://127.0.0.1:8787", "--root", str(toy_root)])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "is a web address" in text and "tcp://HOST:8786" in text, text


def test_workers_that_cannot_start_the_sandbox_are_named_before_anything_is_graded(toy_root, cluster):
    """The course's config travels to the workers: there it names a bwrap that does not exist."""
    with open(toy_root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write('\nc.Sandbox.bwrap = "/nonexistent/bwrap"\n')
    submit(toy_root, "good", filled(toy_root))
    run = grade(toy_root, "autograde", "--scheduler", cluster.scheduler_address)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "2 Dask worker(s) cannot start the sandbox" in run.stdout, run.stdout
    assert "bubblewrap (bwrap) is not installed" in run.stdout and "--no-sandbox" in run.stdout, run.stdout
    assert not (toy_root / "autograded" / ".grader" / "run.json").exists()


def test_a_task_that_raises_on_every_try_comes_back_as_a_failed_result(cluster, tmp_path):
    """Not a student's doing (a broken worker): Dask retries it, then the reason says what happened."""
    from distributed import Client

    from grader.remote import RETRIES, RemoteJob, grade_on_worker

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        future = client.submit(grade_on_worker, {"student": "x"}, key="grade-x-broken", pure=False, retries=RETRIES)
        job = RemoteJob(future, tmp_path, "x", "toy", tmp_path)
        deadline = time.monotonic() + 120
        while (result := job.poll_result()) is None and time.monotonic() < deadline:
            time.sleep(0.2)
    assert result is not None and result["success"] is False
    assert result["reason"] == "grading on the Dask cluster failed after 3 tries: KeyError: 'assignment'"
    assert not (tmp_path / "autograded").exists()


def test_the_demo_cohort_gets_the_same_grades_serially_with_two_workers_and_on_the_cluster(tmp_path, cluster):
    """The demo cohort of 01 (every demo case on one real assignment: complete, partial, blank,
    wrong, few epochs, raises, duplicated cell, infinite loop) graded three ways, each in its own
    copy of the course: ``--workers 1``, ``--workers 2`` and ``--scheduler`` (the LocalCluster).
    The reports are byte-identical and the scores are the demo's expected ones."""
    from cli_helpers import REPO
    from grader.collect import collect_scores
    from grader.demo import build_demo_cohort, check_demo

    assignment = "01-perceptron"
    modes = {"serial": ["--workers", "1"], "workers": ["--workers", "2"],
             "cluster": ["--scheduler", cluster.scheduler_address]}
    reports = {}
    for mode, args in modes.items():
        root = tmp_path / mode
        root.mkdir()
        shutil.copy(REPO / "nbgrader_config.py", root)
        for folder in ("source", "release"):
            shutil.copytree(REPO / folder / assignment, root / folder / assignment)
        build_demo_cohort(root, [assignment])
        # a 60 s cell timeout: the infinite loop stops sooner than at 120 s, and the set-up cell's
        # TensorFlow import (9 s idle) still fits on a machine busy with the other tests
        run = grade(root, "autograde", assignment, "--timeout", "60", *args, timeout=1800)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "graded 8, failed 0" in run.stdout, run.stdout
        result = CliRunner().invoke(app, ["collect", "--root", str(root), "--out", str(root / "r")])
        assert result.exit_code == 0, result.output
        scores = collect_scores(f"sqlite:///{root / 'gradebook.db'}", load_statuses(status_path(root)))
        assert check_demo(scores, [assignment]) == [], (mode, scores)
        reports[mode] = {n: (root / "r" / n).read_bytes() for n in ("grades.csv", "tests.csv", "integrity.csv")}
    assert reports["serial"] == reports["workers"] == reports["cluster"]
