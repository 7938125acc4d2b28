"""The sealed checks against a determined student: each kind of bending, graded by the real autograde.

Every hostile notebook below is assignment 01 with the attack written into the answer cells, as a
student would submit it. The student's kernel can do anything to itself (switch off assertions,
replace NumPy or Keras functions, fake a history); the test cells are run again, whole, by the
sealed checker on what the notebook produced, so each notebook scores its *honest* score.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ASSIGNMENT = "01-perceptron"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sealed-01")]

BLANK_MODEL = "pass\n"

#: An IPython AST transformer that wraps every later cell in try/except: every assertion of the
#: visible checks is swallowed in the kernel (hostile kind 10 of the toy course, without its answer).
SWALLOW_ERRORS = (Path(__file__).resolve().parents[1] / "grader" / "files" / "hostile" /
                  "swallow_ast.py").read_text(encoding="utf-8").split("\nanswer = ")[0]
assert "ast_transformers.append" in SWALLOW_ERRORS

#: Wrong answers (one epoch, typed-in weights) behind replaced NumPy, builtins and Keras functions.
BENT_FUNCTIONS = '''
import builtins

model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
history = model.fit(x, y, epochs=1, verbose=0)

np.isclose = lambda *args, **kwargs: True
builtins.abs = lambda value: 0.0
keras.Model.predict = lambda self, data, **kwargs: 30.0 + 5.0 * np.asarray(data, dtype="float64")
keras.Model.count_params = lambda self: 2
from main_ingredients import checks as _checks
_checks.require = lambda condition, message: None
'''

#: Looks for the hidden tests wherever the kernel could see them: its input history, its own
#: notebook file, the course folders.
LOOK_FOR_HIDDEN = '''
import glob, os
places = {"history": "\\n".join(In)}
for path in glob.glob("*.ipynb") + glob.glob("/home/*/*.ipynb") + glob.glob("../**/*.ipynb", recursive=True):
    try:
        places[path] = open(path, encoding="utf-8").read()
    except OSError:
        pass
marks = ["BEGIN HIDDEN " + "TESTS", "fit_" + "sealed"]  # built here, so this cell does not contain them
found = sorted(name for name, text in places.items() if any(mark in text for mark in marks))
print("hidden tests seen in:", found or "nowhere")
'''


def _answers(course, **cells):
    """The reference submission of 01 with some answer cells replaced (grade_id -> code)."""
    nb = course.build(ASSIGNMENT, "reference")
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in cells:
            cell.source = cells[gid]
    return nb


def _stdout(graded, course, student, grade_id):
    import nbformat

    path = course.root / "autograded" / student / ASSIGNMENT / f"{course.notebook_name(ASSIGNMENT)}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    return ""


def test_swallowing_every_error_in_the_kernel_scores_a_blank_notebook_zero(course):
    nb = _answers(course, **{"perceptron-model": SWALLOW_ERRORS, "perceptron-weights": BLANK_MODEL})
    graded = course.autograde(ASSIGNMENT, "hostile-ast-transformer", nb)
    assert graded.success and graded.autograded, graded.explain()
    assert graded.score == 0, graded.explain()
    # the kernel's visible checks were swallowed; the sealed run is what failed them
    failures = [o for outs in graded.outputs.values() for o in outs if o.get("output_type") == "error"]
    assert failures and all("Define a variable named" in o["evalue"] or "model" in o["evalue"] for o in failures), \
        graded.explain()


def test_replaced_numpy_keras_and_check_functions_do_not_make_wrong_answers_pass(course):
    nb = _answers(course, **{
        "perceptron-model": BENT_FUNCTIONS,
        "perceptron-weights": "slope = 5.0\nintercept = 30.0\n",
    })
    graded = course.autograde(ASSIGNMENT, "hostile-bent-functions", nb)
    assert graded.success and graded.autograded, graded.explain()
    got = {gid: score for gid, (score, _) in graded.cells.items()}
    # honest score: the architecture and compile settings are right; one epoch and typed-in weights are not
    assert got == {"test-perceptron-architecture": 2.0, "test-perceptron-compile": 2.0,
                   "test-perceptron-history": 0.0, "test-perceptron-fit": 0.0,
                   "test-perceptron-weights": 0.0}, graded.explain()
    assert "25 epochs" in json.dumps(graded.outputs["test-perceptron-history"]), graded.explain()


def test_the_kernel_never_sees_the_hidden_tests(course):
    nb = _answers(course)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "perceptron-weights":
            cell.source += "\n" + LOOK_FOR_HIDDEN
    graded = course.autograde(ASSIGNMENT, "hostile-look-for-hidden", nb)
    assert graded.success and graded.autograded, graded.explain()
    out = _stdout(graded, course, "hostile-look-for-hidden", "perceptron-weights")
    assert "hidden tests seen in: nowhere" in out, out
    assert graded.score == 10, graded.explain()
    # ... and the autograded notebook still shows the whole test cells to the TA and in feedback
    import nbformat

    done = nbformat.read(str(course.root / "autograded" / "hostile-look-for-hidden" / ASSIGNMENT /
                             f"{course.notebook_name(ASSIGNMENT)}.ipynb"), as_version=4)
    fit = [c for c in done.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test-perceptron-fit"]
    assert "BEGIN HIDDEN TESTS" in fit[0].source and "fit_sealed" in fit[0].source


def _validate(course, nb, name):
    """``nbgrader validate`` on a filled release notebook, as the student's Validate button runs it."""
    import nbformat

    folder = course.root / "validate" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{course.notebook_name(ASSIGNMENT)}.ipynb"
    nbformat.write(nb, str(path))
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=course.root,
                          capture_output=True, text=True, timeout=600, env=env)
    return done.stdout + done.stderr


@pytest.mark.parametrize(("name", "edit", "message"), [
    ("sigmoid", ("keras.layers.Dense(1)", 'keras.layers.Dense(1, activation="sigmoid")'),
     "Leave the activation linear for regression"),
    ("one-epoch", ("epochs=25", "epochs=1"), "Train `model` for 25 epochs; it was trained for 1"),
])
def test_validate_fails_a_wrong_perceptron_with_the_graders_message(course, name, edit, message):
    nb = course.build(ASSIGNMENT, "reference")
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "perceptron-model":
            assert edit[0] in cell.source
            cell.source = cell.source.replace(edit[0], edit[1])
    out = _validate(course, nb, name)
    assert "VALIDATION FAILED" in out, out
    assert message in out, out
    # the grader says the same
    graded = course.autograde(ASSIGNMENT, f"validate-{name}", nb)
    assert message in json.dumps(graded.outputs), graded.explain()


def test_validate_passes_the_reference(course):
    out = _validate(course, course.build(ASSIGNMENT, "reference"), "reference")
    assert "Success! Your notebook passes all the tests." in out, out
