"""The notebook benchmark times what a student runs: the source without its hidden tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("bench_reference_notebooks",
                                                  ROOT / "benchmarks" / "bench_reference_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_student_copy_has_the_solutions_and_no_hidden_tests():
    bench = _bench()
    source = nbformat.read(ROOT / "source" / "01-perceptron" / "perceptron.ipynb", as_version=4)
    text = "\n".join(c.source for c in source.cells)
    assert "BEGIN HIDDEN TESTS" in text and "fit_sealed" in text
    student = "\n".join(c.source for c in bench.student_copy(source).cells)
    assert "fit_sealed" not in student and "HIDDEN TESTS" not in student
    assert "model.fit(x, y, epochs=25" in student  # the reference solution is kept
    assert "BEGIN HIDDEN TESTS" in "\n".join(c.source for c in source.cells)  # the source is untouched


def test_cells_are_counted_in_the_right_part():
    bench = _bench()
    nb = nbformat.read(ROOT / "source" / "04-batch-size" / "batch_size.ipynb", as_version=4)
    kinds = {c.metadata.get("nbgrader", {}).get("grade_id"): bench._kind(c) for c in nb.cells if c.cell_type == "code"}
    assert kinds["setup"] == "set-up (imports)"
    assert kinds["batch-model"] == kinds["batch-compare"] == "training cells"
    assert kinds["test-batch-accuracy"] == "test cells"
    assert kinds["data"] == "other cells"
    lesson = nbformat.read(bench.LESSON, as_version=4)
    lesson_kinds = [bench._kind(c) for c in lesson.cells if c.cell_type == "code"]
    assert lesson_kinds.count("set-up (imports)") == 1 and lesson_kinds.count("training cells") >= 10
