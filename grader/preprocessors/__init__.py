"""nbgrader preprocessors of the course, registered in ``nbgrader_config.py``.

Every nbgrader entry point that loads the course's config (``python -m grader autograde``,
``nbgrader autograde``, the formgrader's Autograde button) gets them.

* :class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``Autograde``: the kernel
  runs in :mod:`grader.sandbox`, under a memory, process and whole-notebook time budget.
"""

#: nbgrader's ``Autograde.autograde_preprocessors`` with ``SandboxedExecute`` in place of
#: ``Execute`` (nbgrader 0.9's order); ``nbgrader_config.py`` of a course sets it.
AUTOGRADE_PREPROCESSORS = [
    "grader.preprocessors.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

from grader.preprocessors.execute import BREACH, NOT_RUN, SandboxedExecute  # noqa: E402

__all__ = ["SandboxedExecute", "BREACH", "NOT_RUN", "AUTOGRADE_PREPROCESSORS"]
