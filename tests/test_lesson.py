"""Tests of the lesson notebook ``source/00-main-ingredients/main-ingredients.ipynb``.

The fast tests read the committed notebook. The slow ones execute it once (through
:func:`main_ingredients.run_lesson.execute_lesson`) with a probe cell appended that
prints, as JSON, variables the lesson leaves in the kernel.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from main_ingredients.run_lesson import LESSON_NOTEBOOK, execute_lesson

SETUP_CELL = """\
from main_ingredients import silence_tensorflow
silence_tensorflow()  # must run before keras is imported: keeps TensorFlow's log lines out

import numpy as np
import keras
from main_ingredients import datasets

keras.utils.set_random_seed(123)"""

#: Printed after the lesson, in its kernel. Names are the lesson's documented variables.
PROBE = r"""
import json as _json
print("PROBE" + _json.dumps({
    "slope_sgd": float(slope_sgd),
    "intercept_sgd": float(intercept_sgd),
    "unshuffled": {k: [float(v) for v in vals] for k, vals in history_unshuffled.history.items()},
    "shuffled": {k: [float(v) for v in vals] for k, vals in history_shuffled.history.items()},
    "lm": [float(lm.intercept), float(lm.slope), float(lm.mse), float(lm.sigma)],
}))
"""


# --------------------------------------------------------------------------------------- fast
@pytest.fixture(scope="module")
def source_nb():
    return nbformat.read(LESSON_NOTEBOOK, as_version=4)


def test_source_notebook_is_valid_and_has_no_outputs(source_nb):
    nbformat.validate(source_nb)
    code = [c for c in source_nb.cells if c.cell_type == "code"]
    assert code, "the lesson has no code cells"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"code cell {i} has outputs"
        assert cell.execution_count is None, f"code cell {i} has an execution count"


def test_first_code_cell_silences_tensorflow_before_keras(source_nb):
    first = next(c for c in source_nb.cells if c.cell_type == "code")
    lines = first.source.splitlines()
    silence = next(i for i, line in enumerate(lines) if line.strip().startswith("silence_tensorflow()"))
    keras_import = next(i for i, line in enumerate(lines) if line.strip() == "import keras")
    assert silence < keras_import
    assert first.source.strip() == SETUP_CELL, "the setup cell differs from docs/architecture.md"


def test_lesson_has_header_introduction_and_conclusion(source_nb):
    md = [c.source for c in source_nb.cells if c.cell_type == "markdown"]
    assert md[0].startswith("# ") and "CC BY-SA 4.0" in md[0]
    assert any(s.startswith("## Introduction") for s in md)
    assert md[-1].startswith("## Conclusion")


# --------------------------------------------------------------------------------------- slow
@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson") / "main-ingredients.ipynb"
    nb = execute_lesson(out=out, extra_cells=[PROBE])
    probe_text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert "PROBE" in probe_text, probe_text
    values = json.loads(probe_text.split("PROBE", 1)[1])
    lesson_cells = nb.cells[:-1]
    return lesson_cells, values


def _stream_text(cells, name="stdout"):
    return "".join(
        o.get("text", "")
        for c in cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == name
    )


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_no_errors_and_no_stderr(executed):
    cells, _ = executed
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"cell {i} raised {out.get('ename')}: {out.get('evalue')}"
            assert not (out.output_type == "stream" and out.name == "stderr"), f"cell {i} wrote to stderr: {out.text!r}"


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_prints_the_ols_figures(executed):
    cells, values = executed
    stdout = _stream_text(cells)
    assert "OLS intercept: 30.01" in stdout
    assert "OLS slope:     4.97" in stdout
    assert "residual standard error" in stdout  # the original's "MSE" title, named correctly
    assert values["lm"][0] == pytest.approx(30.01, abs=0.005)


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_gradient_descent_trace_approaches_the_truth(executed):
    _, values = executed
    assert abs(values["slope_sgd"] - 5.0) < 0.2, values["slope_sgd"]
    assert abs(values["intercept_sgd"] - 30.0) < 0.1, values["intercept_sgd"]


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_shuffling_fixes_the_validation_split(executed):
    _, values = executed
    shuffled, unshuffled = values["shuffled"], values["unshuffled"]
    # shuffled: clearly better than chance (4 classes) on held-out rows
    assert shuffled["val_accuracy"][-1] > 0.7
    # unshuffled: validated on class 4 only, the model starts at (or near) zero accuracy there,
    # ends clearly behind the shuffled model, and its validation loss stays far above training
    assert min(unshuffled["val_accuracy"][:3]) < 0.25
    assert unshuffled["val_accuracy"][-1] < shuffled["val_accuracy"][-1] - 0.05
    assert unshuffled["val_loss"][-1] > 2 * unshuffled["loss"][-1]


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_lesson_shows_the_validation_classes(executed):
    cells, _ = executed
    stdout = _stream_text(cells)
    assert "classes of the validation rows: {4: 200}" in stdout
