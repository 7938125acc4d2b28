"""Tests of the lesson notebook ``source/00-main-ingredients/main-ingredients.ipynb``.

The fast tests read the committed notebook. The slow ones execute it once (through
:func:`main_ingredients.run_lesson.execute_lesson`) with a probe cell appended that
prints, as JSON, variables the lesson leaves in the kernel. :func:`executed_lesson` caches
that run for the whole pytest process, so ``tests/test_lesson_prose.py`` reuses it.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from main_ingredients.run_lesson import LESSON_NOTEBOOK, ROOT, execute_lesson

RELEASE_NOTEBOOK = ROOT / "release" / "00-main-ingredients" / "main-ingredients.ipynb"

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
    "trace_epochs": [int(e) for e in trace.index],
    "unshuffled": {k: [float(v) for v in vals] for k, vals in history_unshuffled.history.items()},
    "shuffled": {k: [float(v) for v in vals] for k, vals in history_shuffled.history.items()},
    "lm": [float(lm.intercept), float(lm.slope), float(lm.mse), float(lm.sigma)],
    "fit_stats": {k: float(v) for k, v in fit_stats.items()},
    "ols_table": {k: [float(v) for v in col] for k, col in table.to_dict(orient="list").items()},
    "distance_10_epochs": float(distance_10_epochs),
    "noise_variance": float(noise_variance),
    "mse_one_layer": float(mse_one_layer),
    "mse_two_layers": float(mse_two_layers),
    "mse_wide": float(mse_wide),
    "split_at": int(split_at),
    "batch_val_loss": {str(k): [float(v) for v in h.history["val_loss"]] for k, h in batch_histories.items()},
}))
"""

_EXECUTED: dict = {}


def executed_lesson():
    """Execute the lesson once per pytest process (with :data:`PROBE` appended).

    Returns
    -------
    tuple
        ``(cells, values)``: the lesson's executed cells (the probe removed) and the dict the
        probe printed.
    """
    if "run" not in _EXECUTED:
        out = Path(tempfile.mkdtemp(prefix="lesson-")) / "main-ingredients.ipynb"
        nb = execute_lesson(out=out, extra_cells=[PROBE])
        probe_text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
        assert "PROBE" in probe_text, probe_text
        values = json.loads(probe_text.split("PROBE", 1)[1])
        _EXECUTED["run"] = (nb.cells[:-1], values)
    return _EXECUTED["run"]


def answer_cells(nb):
    """The exercises' answer cells (tagged ``answer``)."""
    return [c for c in nb.cells if "answer" in c.get("metadata", {}).get("tags", [])]


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


def test_three_exercises_each_with_a_self_check_and_a_collapsed_answer(source_nb):
    cells = source_nb.cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("### Your turn:")]
    assert len(starts) == 3, "one exercise per 'Your Turn' of the original module"
    for start in starts:
        block = cells[start:start + 6]
        checks = [c for c in block if c.cell_type == "code" and "lesson.check_" in c.source
                  and "answer" not in c.metadata.get("tags", [])]
        answers = [c for c in block if "answer" in c.metadata.get("tags", [])]
        assert checks and len(answers) == 1, block[0].source.splitlines()[0]
        exercise = next(c for c in block if c.cell_type == "code")
        assert "= ..." in exercise.source, "the exercise cell leaves blanks for the student"


@pytest.mark.parametrize("which", ["source", "release"])
def test_answers_start_collapsed_in_jupyterlab(source_nb, which):
    nb = source_nb if which == "source" else nbformat.read(RELEASE_NOTEBOOK, as_version=4)
    answers = answer_cells(nb)
    assert len(answers) == 3
    for cell in answers:
        # JupyterLab 4 reads metadata.jupyter.source_hidden / outputs_hidden when it opens a
        # notebook (nbformat's documented keys) and collapses the input and the output; the
        # classic Notebook's "collapsed" (outputs only) is dropped by nbgrader's release
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


def test_every_learning_curve_is_shown_with_alt_text(source_nb):
    """A cell that plots values per epoch (learning curves) shows the figure with alt text, never bare."""
    code = [c.source for c in source_nb.cells if c.cell_type == "code"]
    plotted = [s for s in code if "plot_history(" in s or 'xlabel="epoch"' in s]
    assert len(plotted) >= 4
    for source in plotted:
        assert "plt.show()" not in source, source[:80]
        assert "show_figure(" in source or "show_history(" in source, source[:80]


def test_every_figure_is_shown_with_alt_text(source_nb):
    shown = [c.source for c in source_nb.cells if c.cell_type == "code" and "show_figure(" in c.source]
    for name in ["draw_perceptron", "plot_gradient_descent", "draw_training_loop", "draw_mlp",
                 "plot_momentum", "plot_relu_folding"]:
        calls = [s for s in shown if f"{name}(" in s]
        assert len(calls) == 1, name
        assert re.search(r'alt="[^"]{60,}', calls[0]), f"{name}: no alt text, or a very short one"


def test_installation_section_and_jupyterlab_menu_names(source_nb):
    md = "\n".join(c.source for c in source_nb.cells if c.cell_type == "markdown")
    install = next(c.source for c in source_nb.cells if c.source.startswith("## Installation"))
    for needed in ("make install", "make lab", "3.11", "3.13", "Restart Kernel and Run All Cells"):
        assert needed in install, needed
    assert "Restart & Run All" not in md


# --------------------------------------------------------------------------------------- slow
@pytest.fixture(scope="module")
def executed():
    return executed_lesson()


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
    # one row per epoch, numbered 1..25: the callback's epoch counts from 0, as the prose says
    assert values["trace_epochs"] == list(range(1, 26))


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


def _cell_text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_blank_exercises_run_and_say_what_to_do(executed):
    cells, _ = executed
    checks = [c for c in cells if c.cell_type == "code" and c.source.startswith("lesson.check_")]
    assert len(checks) == 3
    for cell in checks:
        text = _cell_text(cell)
        assert "[to do]" in text and "[right]" not in text, text


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_worked_answers_pass_their_self_checks(executed):
    cells, values = executed
    answers = answer_cells(nbformat.v4.new_notebook(cells=cells))
    texts = [_cell_text(c) for c in answers]
    assert all("[right]" in t for t in texts), texts
    # exercises 1 and 2: every point right
    assert "[not yet]" not in texts[0] and "[not yet]" not in texts[1], texts[:2]
    # exercise 3: of two networks of about 320 weights the deep one reaches the noise, as its comment says
    assert values["mse_two_layers"] <= 1.20 * values["noise_variance"] < values["mse_wide"]


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_figures_carry_alt_text_in_their_output(executed):
    cells, _ = executed
    # (the exercise cells plot only once the student has filled them in)
    shown = [c for c in cells if c.cell_type == "code" and ("show_figure(" in c.source or "show_history(" in c.source)
             and "lesson.is_blank(" not in c.source]
    assert len(shown) >= 10
    for cell in shown:
        assert [o.output_type for o in cell.outputs if o.output_type == "execute_result"] == [], cell.source[:60]
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}" alt="[^"]{40,}"', html), cell.source[:60]


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_regression_summary_matches_r(executed):
    _, values = executed
    stats, table = values["fit_stats"], values["ols_table"]
    # the figures R's summary(lm(y ~ x)) gave in the original module (tests/test_baselines.py)
    assert round(stats["residual standard error"], 5) == 1.00188
    assert [round(v, 2) for v in table["Estimate"]] == [30.01, 4.97]
    assert stats["degrees of freedom"] == 998
    assert round(stats["MSE"], 4) == round(values["lm"][2], 4)
    # the columns are consistent: t value = estimate / standard error
    assert table["t value"][1] == pytest.approx(table["Estimate"][1] / table["Std. Error"][1])


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_larger_batches_learn_slower_per_epoch(executed):
    # what the lesson's text under "Learning curves per batch size" says
    _, values = executed
    final = {int(k): v[-1] for k, v in values["batch_val_loss"].items()}
    sizes = sorted(s for s in final if s >= 32)
    assert [final[s] for s in sizes] == sorted(final[s] for s in sizes), final
    whole = max(final)
    assert final[whole] > 2 * final[32], "the whole-set batch has barely started"
