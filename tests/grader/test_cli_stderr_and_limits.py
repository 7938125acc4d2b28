"""stderr never costs a passing test cell its points; timeouts and budgets are named on the status.

Through the real ``python -m grader autograde`` on the toy course (test-answer 2 points,
test-double 1), one cohort with a 3 s cell timeout:

==============  =====================================================  ==============================
student         submission                                             expected
==============  =====================================================  ==============================
good            correct                                                3/3
stderr_hook     correct; an IPython hook of the student's writes to    3/3, the text shown, unscored
                stderr during every test cell (``print(file=...)``,
                ``sys.stderr.write``, a subprocess writing to fd 2)
stderr_eq       correct; ``answer``'s own ``__eq__`` (called by the     3/3
                test) writes to stderr, also through a subprocess
stderr_wrong    the hook, and ``answer`` wrong                         1/3 (test-answer fails)
warning         correct; a library-style warning in every test cell    3/3
forged_result   ``answer`` wrong; a hook publishes an execute_result   1/3 (nbgrader alone: 3/3)
                "2" ahead of the failing assertion
fake_timeout    correct; raises an exception named CellTimeoutError    3/3, no timeout note
loop_answer     ``answer`` set, then ``while True`` in the answer cell  2/3, note ``cell toy-answer
                                                                       stopped at the 3 s timeout``
loop_test       ``answer.__eq__`` (called by test-answer) never ends   1/3, note ``cell test-answer
                                                                       stopped at the 3 s timeout``
loop_extra      correct; a cell of its own (no metadata) loops          3/3, note ``cell #4 stopped
                                                                       at the 3 s timeout``
==============  =====================================================  ==============================

A second run grades one more student whose cells of its own use up the whole-notebook budget
(``--notebook-timeout``): the breach, named after the cell, is the first note.

The preprocessor itself (:class:`grader.preprocessors.UnscoredStderr`) is also checked on
hand-made cells against nbgrader's ``determine_grade``, without a kernel.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from cli_helpers import ANSWER, filled, gradebook_scores, submit
from grader.preprocessors import UnscoredStderr
from grader.status import load_statuses, status_path
from test_sandbox_attacks import grade

#: A student's debugging hook: runs before every later cell, the test cells included.
HOOK = '''import os, sys
def _debug(info):
    print("debug: checking my answer", file=sys.stderr)
    sys.stderr.write("still debugging\\n")
    os.system("echo from-a-subprocess >&2")
get_ipython().events.register("pre_run_cell", _debug)
'''
NOISY_EQ = '''import os, sys
class Noisy(int):
    def __eq__(self, other):
        print("comparing", int(self), "with", other, file=sys.stderr)
        os.system("echo eq-subprocess >&2")
        return int(self) == other
    __hash__ = int.__hash__
answer = Noisy(42)
doubled = [4, -6]
'''
WARNING = ANSWER + '''
import warnings
def _deprecated(info):
    warnings.warn("this call is deprecated", DeprecationWarning)
warnings.simplefilter("always")
get_ipython().events.register("pre_run_cell", _deprecated)
'''
FORGED_RESULT = '''ip = get_ipython()
def _forge(info):
    kernel = ip.kernel
    points = "2" if "answer" in info.raw_cell else "1"
    kernel.session.send(kernel.iopub_socket, "execute_result",
                        {"data": {"text/plain": points}, "metadata": {}, "execution_count": 1},
                        parent=kernel.get_parent(), ident=b"execute_result")
ip.events.register("pre_run_cell", _forge)
answer = 41
doubled = [4, -6]
'''
FAKE_TIMEOUT = ANSWER + '''
class CellTimeoutError(Exception):
    pass
raise CellTimeoutError("not a real timeout")
'''
LOOP_IN_EQ = '''class Endless(int):
    def __eq__(self, other):
        while True:
            pass
    __hash__ = int.__hash__
answer = Endless(42)
doubled = [4, -6]
'''

EXPECTED = {"good": 3.0, "stderr_hook": 3.0, "stderr_eq": 3.0, "stderr_wrong": 1.0, "warning": 3.0,
            "forged_result": 1.0, "fake_timeout": 3.0, "loop_answer": 2.0, "loop_test": 1.0,
            "loop_extra": 3.0}
REASONS = {"loop_answer": "cell toy-answer stopped at the 3 s timeout",
           "loop_test": "cell test-answer stopped at the 3 s timeout",
           "loop_extra": "cell #4 stopped at the 3 s timeout"}


def _with_cells(root, code, extra):
    """The toy notebook answered with ``code``, then cells of the student's own (no metadata)."""
    nb = filled(root, code)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    for source in reversed(extra):
        nb.cells.insert(at + 1, new_code_cell(source))
    return nb


def _graded_cells(root, student):
    nb = nbformat.read(str(root / "autograded" / student / "toy" / "toy.ipynb"), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def _line(stdout: str, student: str) -> str:
    lines = [ln for ln in stdout.splitlines() if f" {student} / toy:" in ln]
    assert len(lines) == 1, (student, stdout)
    return lines[0]


@pytest.mark.slow
def test_stderr_is_unscored_and_timeouts_are_named(toy_root):
    root = toy_root
    submit(root, "good", filled(root))
    submit(root, "stderr_hook", filled(root, HOOK + ANSWER))
    submit(root, "stderr_eq", filled(root, NOISY_EQ))
    submit(root, "stderr_wrong", filled(root, HOOK + "answer = 41\ndoubled = [4, -6]"))
    submit(root, "warning", filled(root, WARNING))
    submit(root, "forged_result", filled(root, FORGED_RESULT))
    submit(root, "fake_timeout", filled(root, FAKE_TIMEOUT))
    submit(root, "loop_answer", filled(root, "answer = 42\nwhile True:\n    pass"))
    submit(root, "loop_test", filled(root, LOOP_IN_EQ))
    submit(root, "loop_extra", _with_cells(root, ANSWER, ["while True:\n    pass"]))

    run = grade(root, "autograde", "--timeout", "3", "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"graded {len(EXPECTED)}, failed 0, missing 0, skipped 0" in run.stdout, run.stdout
    scores = gradebook_scores(root)
    statuses = {s: r for (s, a), r in load_statuses(status_path(root)).items()}
    for student, expected in EXPECTED.items():
        assert statuses[student].status == "graded", (student, statuses[student])
        assert scores[student] == statuses[student].score == expected, (student, scores[student], run.stdout)

    # the stderr text is still in the autograded notebook, in place, marked; no stderr stream is left
    cells = _graded_cells(root, "stderr_hook")
    for gid, outputs in cells.items():
        shown = [o for o in outputs if o.get("metadata", {}).get("grader") == {"stream": "stderr"}]
        text = "".join(o.data["text/plain"] for o in shown)
        assert "debug: checking my answer" in text and "still debugging" in text, (gid, outputs)
        assert "from-a-subprocess" in text, (gid, outputs)  # written to file descriptor 2
        assert not any(o.output_type == "stream" and o.name == "stderr" for o in outputs), outputs
    eq_text = str(_graded_cells(root, "stderr_eq")["test-answer"])
    assert "comparing 42 with 42" in eq_text and "eq-subprocess" in eq_text
    # a wrong answer still fails on its error, with its stderr shown beside it
    wrong = _graded_cells(root, "stderr_wrong")["test-answer"]
    assert [o.output_type for o in wrong if o.output_type == "error"] == ["error"], wrong
    assert "answer should be 42" in str(wrong) and "debug: checking my answer" in str(wrong)
    # the forged execute_result is kept in sight, no longer read as the cell's grade
    forged = _graded_cells(root, "forged_result")["test-answer"]
    assert [o.output_type for o in forged] == ["display_data", "error"], forged
    assert forged[0].metadata["grader"] == {"output_type": "execute_result"}

    # timeouts: on the status line printed by the CLI and in status.json
    for student, reason in REASONS.items():
        assert reason in statuses[student].notes, (student, statuses[student].notes)
        assert reason in _line(run.stdout, student), run.stdout
    # an exception the student named CellTimeoutError is not a timeout
    assert not any("timeout" in note for note in statuses["fake_timeout"].notes), statuses["fake_timeout"]
    for student in ("good", "stderr_hook", "stderr_wrong", "forged_result"):
        assert not any("timeout" in note or "limit" in note for note in statuses[student].notes), student

    # the whole-notebook budget, used up by cells of the student's own: the first note, on the line
    submit(root, "budget", _with_cells(root, ANSWER, ["import time\ntime.sleep(2)"] * 10))
    run = grade(root, "autograde", "--student", "budget", "--timeout", "3", "--notebook-timeout", "10")
    assert run.returncode == 0, run.stdout + run.stderr
    budget = load_statuses(status_path(root))[("budget", "toy")]
    assert budget.status == "graded" and budget.score == 0.0, budget
    assert re.fullmatch(r"notebook time limit \(10 s\) reached (in|before) cell #\d+", budget.notes[0]), budget.notes
    assert budget.notes[0] in _line(run.stdout, "budget"), run.stdout
    assert load_statuses(status_path(root))[("good", "toy")].score == 3.0  # the others are kept


# ------------------------------------------------------------------ the preprocessor, no kernel

def _grade_cell(outputs, points=2):
    cell = new_code_cell("assert answer == 42", outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test-answer", "locked": True, "points": points,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def _scored(cell):
    from nbgrader.utils import determine_grade

    nb = nbformat.v4.new_notebook(cells=[cell])
    nb, _ = UnscoredStderr().preprocess(nb, {})
    nbformat.validate(nb)
    return determine_grade(nb.cells[0])[0], nb.cells[0]


def _error():
    return new_output("error", ename="AssertionError", evalue="answer should be 42", traceback=["AssertionError"])


def test_stderr_in_a_grade_cell_is_shown_not_scored():
    score, cell = _scored(_grade_cell([new_output("stream", name="stdout", text="ok\n"),
                                       new_output("stream", name="stderr", text="debug\n")]))
    assert score == 2
    assert cell.outputs[0] == new_output("stream", name="stdout", text="ok\n")
    assert cell.outputs[1].output_type == "display_data"
    assert cell.outputs[1].data == {"text/plain": "debug\n"}
    assert cell.outputs[1].metadata == {"grader": {"stream": "stderr"}}


def test_an_error_output_always_scores_zero():
    # with stderr before or after it
    for outputs in ([new_output("stream", name="stderr", text="x"), _error()],
                    [_error(), new_output("stream", name="stderr", text="x")]):
        assert _scored(_grade_cell(outputs))[0] == 0
    # an execute_result ahead of the error (published by the student's code) is not a grade
    forged = new_output("execute_result", data={"text/plain": "2"}, execution_count=1)
    score, cell = _scored(_grade_cell([forged, _error()]))
    assert score == 0
    assert cell.outputs[0].output_type == "display_data"
    assert cell.outputs[0].metadata == {"grader": {"output_type": "execute_result"}}
    # without an error, a published number is not a grade either: a passing cell keeps its
    # points, and a number above them no longer makes nbgrader raise (a forced `failed`)
    for text in ("1.5", "99"):
        published = new_output("execute_result", data={"text/plain": text}, execution_count=1)
        assert _scored(_grade_cell([published]))[0] == 2
    # a course whose test cells return partial credit keeps nbgrader's rule
    from traitlets.config import Config

    cfg = Config()
    cfg.UnscoredStderr.partial_credit = True
    nb = nbformat.v4.new_notebook(cells=[_grade_cell([new_output("execute_result", data={"text/plain": "1.5"},
                                                                 execution_count=1)])])
    nb, _ = UnscoredStderr(config=cfg).preprocess(nb, {})
    from nbgrader.utils import determine_grade

    assert determine_grade(nb.cells[0])[0] == 1.5


def test_other_cells_and_disabled_are_untouched():
    plain = new_code_cell("print(1)", outputs=[new_output("stream", name="stderr", text="x")])
    nb = nbformat.v4.new_notebook(cells=[plain])
    nb, _ = UnscoredStderr().preprocess(nb, {})
    assert nb.cells[0].outputs[0].output_type == "stream"
    from traitlets.config import Config

    cfg = Config()
    cfg.UnscoredStderr.enabled = False
    nb = nbformat.v4.new_notebook(cells=[_grade_cell([new_output("stream", name="stderr", text="x")])])
    nb, _ = UnscoredStderr(config=cfg)(nb, {})
    assert nb.cells[0].outputs[0].output_type == "stream"


@pytest.mark.slow
def test_a_failed_sealed_checker_is_named_on_the_status_not_a_bare_score(toy_root):
    """The sealed checks' own time budget reached: the test cells it could not check score 0,
    and the status says why (was: only SealedCheckError inside the notebook)."""
    import os
    import subprocess
    import sys

    from cli_helpers import filled, submit
    from grader.status import load_statuses, status_path

    with open(toy_root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write("\nc.SealedChecks.timeout = 0.001\n")
    submit(toy_root, "good", filled(toy_root))
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--root", str(toy_root)],
                         capture_output=True, text=True, timeout=600, env=dict(os.environ, COLUMNS="300"))
    assert run.returncode == 0, run.stdout + run.stderr
    rec = load_statuses(status_path(toy_root))[("good", "toy")]
    assert rec.score < 3, rec
    assert any("sealed check" in n and n.endswith("test-answer, test-double scored 0") for n in rec.notes), rec.notes
