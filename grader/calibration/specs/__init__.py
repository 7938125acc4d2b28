"""Calibration specs of the graded assignments, one module per assignment.

Each module ``grader/calibration/specs/<module>.py`` defines
``SPEC = AssignmentSpec(...)`` (see :mod:`grader.calibration.spec`).
"""

from __future__ import annotations

import importlib

from grader.calibration.spec import AssignmentSpec

__all__ = ["MODULES", "module_name", "load_spec", "all_specs"]

#: Assignment id -> spec module name, in teaching order (see docs/architecture.md).
MODULES: dict[str, str] = {
    "01-perceptron": "perceptron",
    "02-learning-rate-momentum": "learning_rate_momentum",
    "03-model-capacity": "model_capacity",
    "04-batch-size": "batch_size",
    "05-iris-project": "iris_project",
}


def module_name(assignment_id: str) -> str:
    """Return the spec module name of an assignment.

    Parameters
    ----------
    assignment_id : str
        Assignment id, e.g. ``"02-learning-rate-momentum"``.

    Returns
    -------
    str
        The module name, e.g. ``"learning_rate_momentum"``. Ids not in
        :data:`MODULES` map to the id without its ``NN-`` prefix, dashes turned
        into underscores.
    """
    if assignment_id in MODULES:
        return MODULES[assignment_id]
    head, _, rest = assignment_id.partition("-")
    base = rest if head.isdigit() and rest else assignment_id
    return base.replace("-", "_")


def load_spec(assignment_id: str) -> AssignmentSpec:
    """Import the spec module of an assignment and return its ``SPEC``.

    Parameters
    ----------
    assignment_id : str
        Assignment id, e.g. ``"01-perceptron"``.

    Returns
    -------
    AssignmentSpec

    Raises
    ------
    ModuleNotFoundError
        If the assignment has no spec module.
    TypeError
        If the module's ``SPEC`` is missing or not an :class:`AssignmentSpec`.
    ValueError
        If ``SPEC.assignment`` is not ``assignment_id``.
    """
    name = module_name(assignment_id)
    module = importlib.import_module(f"{__name__}.{name}")
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, AssignmentSpec):
        raise TypeError(f"{module.__name__}.SPEC must be an AssignmentSpec, got {type(spec).__name__}")
    if spec.assignment != assignment_id:
        raise ValueError(f"{module.__name__}.SPEC.assignment is {spec.assignment!r}, expected {assignment_id!r}")
    return spec


def all_specs() -> list[AssignmentSpec]:
    """Return the specs of every graded assignment, in teaching order.

    Returns
    -------
    list of AssignmentSpec

    Raises
    ------
    ModuleNotFoundError
        If a spec module of :data:`MODULES` is missing: deleting a spec module must not
        silently remove its tests (``tests/assignments``) and its calibration.
    """
    return [load_spec(assignment_id) for assignment_id in MODULES]
