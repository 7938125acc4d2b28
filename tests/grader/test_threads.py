"""One TensorFlow/OpenMP thread per kernel in every mode (issue 10's decision): a notebook's
numbers never depend on ``--workers`` or on the sandbox being on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli_helpers import filled, gradebook_scores, submit
from grader.sandbox import THREAD_ENV

#: Correct only when the kernel runs with the grader's thread settings.
READS_THREADS = ("import os\n"
                 f"answer = 42 if all(os.environ.get(k) == v for k, v in {THREAD_ENV!r}.items()) else 0\n"
                 "doubled = [2 * v for v in (2, -3)]")


@pytest.mark.slow
@pytest.mark.parametrize("mode", [["--workers", "2"], ["--workers", "1", "--no-sandbox"]])
def test_every_kernel_gets_one_thread_whatever_the_mode(toy_root, mode):
    for student in ("a", "b"):
        submit(toy_root, student, filled(toy_root, READS_THREADS))
    env = {k: v for k, v in os.environ.items() if k not in THREAD_ENV}
    env.update(COLUMNS="200", OMP_NUM_THREADS="2")  # the TA's own setting does not leak in
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", *mode, "--root", str(toy_root)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert gradebook_scores(toy_root) == {"a": 3.0, "b": 3.0}, run.stdout
