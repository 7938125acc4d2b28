"""Bending the checks from the kernel, through the real ``python -m grader autograde``.

Each kind of ``files/hostile/`` numbered 10-14 is one student of the toy cohort beside honest
classmates: swallowing failures (an AST transformer, an input transformer, a silenced traceback display),
values equal to anything, and tampering with the exported artifacts. With the sealed checks
(the default) each attacker scores at most its honest score and its classmates are unchanged;
the control grades the same cohort with ``c.SealTests.enabled = False`` in the course's
``nbgrader_config.py`` (the hidden tests then run in the kernel, as nbgrader does by default)
and shows two kinds *succeed* there (one fails even there), so these tests can fail. Assignment 01's own
versions of these kinds (replaced NumPy, builtins and Keras functions) are graded in
``tests/assignments/test_sealed_checks.py``.
"""

from __future__ import annotations

import uuid

import pytest

from cli_helpers import HALF, filled, gradebook_scores, release_nb, submit
from grader.status import load_statuses, status_path
from test_sandbox_attacks import HONEST, attack_code, grade, output_text, survivors

pytestmark = pytest.mark.slow

#: attacker -> its score with sealed checks: the honest one (answer right: 2 points; doubled[1]
#: wrong or no answer: 0); tampering with the export loses the points of every tampered cell
ATTACKERS = {"swallow_ast": 2.0, "swallow_input": 2.0, "silence_tracebacks": 2.0, "forged_equality": 0.0, "tamper_artifacts": 0.0}
#: the kinds that work when the hidden tests run in the kernel (full marks there); a silenced
#: traceback display does not (IPython still reports the failure as an error output)
BENDS_THE_KERNEL = {"swallow_ast", "swallow_input", "forged_equality"}


def cohort(root, marker):
    submit(root, "good", filled(root))
    submit(root, "half", filled(root, HALF))
    submit(root, "blank", release_nb(root))
    for name in ATTACKERS:
        submit(root, name, filled(root, attack_code(name, root, marker)))


def test_bending_the_kernel_earns_nothing_with_sealed_checks(toy_root):
    root = toy_root
    marker = f"attack-{uuid.uuid4().hex}"
    cohort(root, marker)
    run = grade(root, "autograde", "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"graded {len(HONEST) + len(ATTACKERS)}, failed 0" in run.stdout, run.stdout
    scores = gradebook_scores(root)
    for student, honest in HONEST.items():
        assert scores[student] == honest, (student, scores)
    for student, honest in ATTACKERS.items():
        assert scores[student] == honest, (student, scores[student], run.stdout)
    statuses = {s: r for (s, a), r in load_statuses(status_path(root)).items()}
    assert all(rec.status == "graded" for rec in statuses.values()), statuses
    # the sealed run's message is the one the student reads in the autograded notebook
    outputs = output_text(root)
    assert "SealedCheckError" not in outputs  # a failed check, not a crashed checker
    # tampering: the link to the gradebook was never followed, the refused value never loaded
    assert "SQLite format" not in outputs
    tampered = output_text(root, "tamper_artifacts")
    assert tampered.count('"ename": "ExportError"') == 2, tampered
    assert "could not read what your notebook exported after this test cell" in tampered
    assert survivors(marker) == []


def test_the_same_kinds_succeed_when_the_hidden_tests_run_in_the_kernel(toy_root):
    """The control: sealing switched off in the course config, as plain nbgrader runs."""
    root = toy_root
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write("\nc.SealTests.enabled = False\n")
    marker = f"attack-{uuid.uuid4().hex}"
    cohort(root, marker)
    run = grade(root, "autograde")
    assert run.returncode == 0, run.stdout + run.stderr
    scores = gradebook_scores(root)
    for student, honest in HONEST.items():
        assert scores[student] == honest, (student, scores)
    for student in BENDS_THE_KERNEL:
        assert scores[student] == 3.0 > ATTACKERS[student], (student, scores[student], run.stdout)
    # without sealing nothing is exported, so there is nothing to tamper with: its honest score
    assert scores["tamper_artifacts"] == 2.0
    assert scores["silence_tracebacks"] == 2.0
