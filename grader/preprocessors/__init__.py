"""nbgrader preprocessors of the course, registered in ``nbgrader_config.py``.

Every nbgrader entry point that loads the course's config (``python -m grader autograde``,
``nbgrader autograde``, the formgrader's Autograde button) gets them.

* :class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``Autograde``: the kernel
  runs in :mod:`grader.sandbox`, under a memory, process and whole-notebook time budget.
"""

from grader.preprocessors.execute import BREACH, NOT_RUN, SandboxedExecute

__all__ = ["SandboxedExecute", "BREACH", "NOT_RUN"]
