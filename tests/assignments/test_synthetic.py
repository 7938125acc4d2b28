"""grader.synthetic on the toy notebook and on every assignment with a spec (no kernel)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import copy

import pytest

from grader.calibration.spec import AssignmentSpec, Mutant, Style
from grader.calibration.specs import MODULES, all_specs, load_spec, module_name
from grader.synthetic import (
    apply_edits,
    fill_release,
    notebook_path,
    read_notebook,
    solution_code,
    variant_answers,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(__file__).resolve().parent / "files"


def load_toy_spec():
    """The spec of the toy assignment (``files/toy_spec.py``), loaded by path (no sys.path games)."""
    module_spec = importlib.util.spec_from_file_location("grading_toy_spec", FILES / "toy_spec.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.SPEC


TOY_SOURCE = FILES / "toy" / "source" / "90-toy" / "toy.ipynb"


@pytest.fixture
def toy_nb():
    return read_notebook(TOY_SOURCE)


def test_solution_code_drops_only_the_marker_lines(toy_nb):
    code = solution_code(toy_nb)
    assert code == {"toy-mean": "noise = 0.0  # code outside the markers is kept\n"
                                "m = float(np.mean(x) + np.random.normal(0.0, 0.01) + noise)"}


def test_fill_release_replaces_named_cells_in_a_copy(toy_nb):
    before = copy.deepcopy(toy_nb)
    filled = fill_release(toy_nb, {"toy-mean": "m = 0.5"})
    assert toy_nb == before
    cell = next(c for c in filled.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "toy-mean")
    assert cell.source == "m = 0.5"
    assert cell.metadata == next(c for c in toy_nb.cells if c.metadata["nbgrader"]["grade_id"] == "toy-mean").metadata


def test_fill_release_rejects_unknown_or_non_solution_cells(toy_nb):
    with pytest.raises(ValueError, match="nope"):
        fill_release(toy_nb, {"toy-mean": "m = 1.0", "nope": ""})
    with pytest.raises(ValueError, match="test-toy-mean"):
        fill_release(toy_nb, {"test-toy-mean": "pass"})


def test_apply_edits_is_sequential_and_strict():
    assert apply_edits("a = 1\nb = a", [("a = 1", "a = 2"), ("a = 2", "a = 3")]) == "a = 3\nb = a"
    with pytest.raises(ValueError, match="not found"):
        apply_edits("a = 1", [("b", "c")])


def test_variant_answers(toy_nb):
    spec = load_toy_spec()
    ref = variant_answers(spec, toy_nb, "reference")
    off = variant_answers(spec, toy_nb, "mutant", "off")
    assert off["toy-mean"] == ref["toy-mean"].replace("np.mean(x)", "np.max(x)")
    assert variant_answers(spec, toy_nb, "mutant", "negative") == {"toy-mean": "m = -1.0"}
    assert variant_answers(spec, toy_nb, "style", "numpy-scalar-cast") == {"toy-mean": "m = float(x.sum() / x.size)"}
    with pytest.raises(ValueError, match="no mutant"):
        variant_answers(spec, toy_nb, "mutant", "missing")
    with pytest.raises(ValueError, match="unknown kind"):
        variant_answers(spec, toy_nb, "bogus")
    stale = AssignmentSpec("90-toy", "toy", (), (Mutant("stale", (), edits={"toy-mean": [("np.median", "x")]}),))
    with pytest.raises(ValueError, match="stale"):
        variant_answers(stale, toy_nb, "mutant", "stale")
    wrong_cell = AssignmentSpec("90-toy", "toy", (), (), (Style("s", {"toy-means": "m = 0.5"}),))
    with pytest.raises(ValueError, match="toy-means"):
        variant_answers(wrong_cell, toy_nb, "style", "s")


def test_module_names_follow_the_architecture():
    assert module_name("02-learning-rate-momentum") == "learning_rate_momentum"
    assert module_name("05-iris-project") == "iris_project"
    assert module_name("07-new-thing") == "new_thing"
    assert list(MODULES) == ["01-perceptron", "02-learning-rate-momentum", "03-model-capacity",
                             "04-batch-size", "05-iris-project"]
    with pytest.raises(ModuleNotFoundError):
        load_spec("99-does-not-exist")


SPECS = all_specs()


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.assignment) for s in SPECS])
def test_every_variant_of_every_spec_builds(spec):
    """No kernel: every mutant's edits apply and every named cell is a solution cell of the source notebook."""
    path = notebook_path(ROOT, "source", spec.assignment)
    assert path.is_file(), f"{spec.assignment}: no {path}"
    source_nb = read_notebook(path)
    assert spec.mutants, "a graded assignment needs mutants"
    names = [m.name for m in spec.mutants] + [s.name for s in spec.styles]
    assert len(names) == len(set(names)), "mutant and style names must be unique"
    reference = variant_answers(spec, source_nb, "reference")
    assert reference, "the source notebook has no solution cells"
    for kind, items in (("mutant", spec.mutants), ("style", spec.styles)):
        for item in items:
            answers = variant_answers(spec, source_nb, kind, item.name)
            fill_release(source_nb, answers)
            if kind == "mutant":
                assert answers != reference, f"mutant {item.name} changes nothing"
