"""A broken grading environment is a failure of the grader, never a cohort of zeros.

When the course package (or any module the set-up cell imports) is missing where the
notebooks run, every student's set-up cell fails before any answer runs. Graded, that is
0/3 for everyone and a "graded" status; the grader must instead say ``failed`` with the
reason and record nothing in the gradebook.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from cli_helpers import filled, gradebook_scores, submit

pytestmark = pytest.mark.slow


def _broken_environment(root):
    """The toy course whose set-up cell imports a module the grading environment lacks."""
    from grader.release import generate_release

    source = root / "source" / "toy" / "toy.ipynb"
    nb = nbformat.read(str(source), as_version=4)
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    setup.source += "\nimport course_package_not_installed_here"  # what the sandbox cannot import
    nbformat.write(nb, str(source))
    generate_release(root)
    submit(root, "good", filled(root))
    return root


def test_a_failing_set_up_cell_fails_the_submission_and_records_nothing(bare_toy_root):
    root = _broken_environment(bare_toy_root)
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--root", str(root)], capture_output=True,
                         text=True, timeout=600)
    out = " ".join(run.stdout.split())
    assert run.returncode == 1, run.stdout + run.stderr
    assert "failed good / toy" in out and "graded 0, failed 1" in out, out
    assert ("the set-up cell setup of toy.ipynb failed before any answer ran (ModuleNotFoundError: No module "
            "named 'course_package_not_installed_here')") in out, out
    assert "good" not in gradebook_scores(root)


def test_nbgrader_autograde_also_records_nothing_for_a_broken_environment(bare_toy_root):
    """The formgrader's Autograde button runs ``nbgrader autograde``: SetupGuard (from the course
    config) makes it fail that notebook with the reason instead of recording 0/3."""
    import os

    root = _broken_environment(bare_toy_root)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    run = subprocess.run([os.path.join(bindir, "nbgrader"), "autograde", "toy", "--force"], cwd=root,
                         capture_output=True, text=True, env=env, timeout=600)
    log = " ".join((run.stdout + run.stderr).split())
    assert run.returncode != 0, log
    assert "GradingEnvironmentError" in log and "course_package_not_installed_here" in log, log
    assert gradebook_scores(root).get("good") in (None, 0.0)
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "gradebook.db")) as gb:
        grades = [g for s in gb.find_student("good").submissions for nb in s.notebooks for g in nb.grades]
        assert all(g.auto_score is None for g in grades), [(g.name, g.auto_score) for g in grades]
