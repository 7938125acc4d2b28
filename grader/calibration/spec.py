"""The calibration spec of an assignment: what is measured, which wrong answers exist.

Every graded assignment has one spec module ``grader/calibration/specs/<module>.py``
defining ``SPEC = AssignmentSpec(...)``. The spec is the single place that says

* which quantities the hidden tests check (each read from the student's namespace by
  a Python expression) and the name of the constant in the hidden test that holds its
  threshold (the notebook is the single source of truth for threshold values);
* the mutants: wrong answers, written as text edits of the reference solution cells,
  and the test cells (grade_ids) each mutant must fail; every other test cell must
  pass, so the mutant loses exactly the points of the checks it breaks;
* the styles: other correct ways to write the answer, which must score full marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Quantity", "Mutant", "Style", "AssignmentSpec"]


@dataclass(frozen=True)
class Quantity:
    """A number a hidden test checks against a calibrated threshold.

    Parameters
    ----------
    name : str
        Short identifier used in the calibration table, e.g. ``"final_loss"``.
    expr : str
        Python expression evaluated in the notebook's namespace after the solution
        cells ran, returning a float, e.g. ``"history.history['loss'][-1]"``.
    constant : str
        Where the threshold is: a constant of the check library, ``"<module>.<NAME>"``
        (``"perceptron.MAX_MSE"`` is ``main_ingredients.checks.perceptron.MAX_MSE``), or the
        name of a constant assigned in the test cell ``check`` (``MAX_LOSS = 1.10``).
    direction : {"max", "min"}
        ``"max"``: the test requires ``value <= threshold``; ``"min"``: ``value >= threshold``.
    check : str
        grade_id of the test cell that holds the check.
    description : str
        One line for the calibration table.
    """

    name: str
    expr: str
    constant: str
    direction: Literal["max", "min"]
    check: str
    description: str = ""


@dataclass(frozen=True)
class Mutant:
    """A wrong answer: the reference solution with text edits.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"no-momentum"``.
    edits : dict of str to list of (str, str)
        For each solution cell's grade_id, ``(old, new)`` replacements applied in order
        to the reference solution code (markers removed). Every ``old`` must occur.
    fails : tuple of str
        grade_ids of the test cells this mutant must fail (score 0) on every seed. All
        other test cells must give full points, except those of ``may_fail``.
    may_fail : tuple of str
        grade_ids of test cells the same mistake may also fail on some seeds (a
        consequence measured by the calibration, e.g. a layer that can stall training);
        empty by default.
    description : str
        One line for the calibration table.
    replace : dict of str to str
        Alternatively, full replacement source for a solution cell (by grade_id).
    """

    name: str
    fails: tuple[str, ...]
    edits: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    replace: dict[str, str] = field(default_factory=dict)
    description: str = ""
    may_fail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Style:
    """Another correct way of writing the answer; it must score full marks.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"input-shape-tf-keras"``.
    cells : dict of str to str
        Full source of each replaced solution cell, by grade_id. Cells not named keep
        the reference solution.
    description : str
        One line for the tests' ids and the docs.
    """

    name: str
    cells: dict[str, str]
    description: str = ""


@dataclass(frozen=True)
class AssignmentSpec:
    """Everything the calibration and ``tests/assignments`` need to know about one assignment.

    Parameters
    ----------
    assignment : str
        Assignment id (folder under ``source/``), e.g. ``"01-perceptron"``.
    notebook : str
        Notebook name without ``.ipynb``, e.g. ``"perceptron"``.
    quantities : tuple of Quantity
    mutants : tuple of Mutant
    styles : tuple of Style
    """

    assignment: str
    notebook: str
    quantities: tuple[Quantity, ...]
    mutants: tuple[Mutant, ...]
    styles: tuple[Style, ...] = ()
