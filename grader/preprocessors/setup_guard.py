"""``SetupGuard``: a broken grading environment fails the notebook instead of scoring it 0.

A locked code cell before the first answer cell (the set-up cell: imports, data) that ends in
an error did not fail because of the student's answer: the course package or a dependency is
missing where the notebook ran. Graded, every student of the cohort would get 0 and a
"graded" status. ``SetupGuard`` (in ``c.Autograde.autograde_preprocessors``, before
``SaveAutoGrades``) raises instead, so ``nbgrader autograde`` and the formgrader's Autograde
button record no grade for that notebook and report the error; ``python -m grader autograde``
makes the same check (:func:`setup_failure_reason`) on the autograded copy and reports the
submission ``failed`` without merging anything.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

__all__ = ["SetupGuard", "GradingEnvironmentError", "setup_failure_reason"]


class GradingEnvironmentError(RuntimeError):
    """Raised by :class:`SetupGuard` when a set-up cell failed before any answer ran."""


def setup_failure_reason(nb, name: str) -> str | None:
    """Why the grading environment is broken, judged from an executed notebook; else ``None``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed (autograded) notebook.
    name : str
        Its file name, for the message.

    Returns
    -------
    str or None
        A reason naming the set-up cell and its error.
    """
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if meta.get("solution") or meta.get("grade"):
            return None  # the student's part begins
        if cell.get("cell_type") != "code" or not meta.get("locked"):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return (f"the set-up cell {meta.get('grade_id') or index} of {name} failed before any "
                        f"answer ran ({out.get('ename')}: {str(out.get('evalue'))[:200]}): the grading "
                        "environment is broken (is the course package importable where the notebook "
                        "runs?); nothing was recorded, fix it and grade again")
    return None


class SetupGuard(NbGraderPreprocessor):
    """Raise :class:`GradingEnvironmentError` when the set-up cell failed (see the module docstring)."""

    enabled = Bool(True, help="Fail a notebook whose set-up cell failed before any answer ran, "
                   "instead of grading it.").tag(config=True)

    def preprocess(self, nb, resources):
        """Check the executed notebook.

        Returns
        -------
        (NotebookNode, dict)

        Raises
        ------
        GradingEnvironmentError
            If a set-up cell ends in an error.
        """
        if self.enabled:
            name = (resources or {}).get("nbgrader", {}).get("notebook", "notebook")
            reason = setup_failure_reason(nb, f"{name}.ipynb")
            if reason:
                self.log.error("%s", reason)
                raise GradingEnvironmentError(reason)
        return nb, resources
