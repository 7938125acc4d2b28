"""nbgrader preprocessors of the course, registered in ``nbgrader_config.py``.

Every nbgrader entry point that loads the course's config (``python -m grader autograde``,
``nbgrader autograde``, the formgrader's Autograde button) gets them.

* :class:`SealTests` cuts the hidden tests out of the test cells before the kernel starts;
* :class:`RepairSubmission` mends a submission first (deleted or stripped locked cells put
  back in their release position, duplicated grade_ids, older nbgrader metadata, widget
  metadata nbconvert cannot read), and :class:`SubmissionExporter` reads a notebook saved with
  a byte-order mark;
* :class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``Autograde``: the kernel
  runs in :mod:`grader.sandbox`, under a memory, process and whole-notebook time budget, and
  exports after each test cell what that cell's checks read;
* :class:`SealedChecks` runs every test cell, whole, in the sealed checker
  (:mod:`grader.checker`) on those artifacts: a cell scores only if both runs pass;
* :class:`SetupGuard` fails a notebook whose set-up cell failed (a broken environment, not
  a cohort of zeros);
* :class:`UnscoredStderr` (before ``SaveAutoGrades``) shows a grade cell's stderr without
  scoring it: only an error output costs a test cell its points.
"""

#: nbgrader's ``Autograde.sanitize_preprocessors`` (0.9's) with the course's repairs first.
SANITIZE_PREPROCESSORS = [
    "grader.preprocessors.RepairSubmission",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: ``Autograde.exporter_class``: nbconvert's notebook exporter, tolerant of a byte-order mark.
SUBMISSION_EXPORTER = "grader.preprocessors.SubmissionExporter"

#: nbgrader's ``Autograde.autograde_preprocessors`` with ``SandboxedExecute`` in place of
#: ``Execute`` (nbgrader 0.9's order); ``nbgrader_config.py`` of a course sets it.
AUTOGRADE_PREPROCESSORS = [
    "grader.preprocessors.SealTests",
    "grader.preprocessors.SandboxedExecute",
    "grader.preprocessors.SealedChecks",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "grader.preprocessors.UnscoredStderr",
    "grader.preprocessors.SetupGuard",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: ``GenerateFeedback.preprocessors``: nbgrader 0.9's (``GetGrades``, ``CSSHTMLHeaderPreprocessor``)
#: after the course's safe ones (:mod:`grader.preprocessors.feedback`): hidden-test blocks
#: removed, tracebacks cut to ``ename: evalue``, unreadable widget metadata dropped, and a
#: hand-copied submission's ``timestamp.txt`` written from its own time.
FEEDBACK_PREPROCESSORS = [
    "grader.preprocessors.StripHiddenTests",
    "grader.preprocessors.ShortTracebacks",
    "grader.preprocessors.DropBrokenWidgetState",
    "grader.preprocessors.SubmissionTimestamp",
    "grader.preprocessors.GraderNotes",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

from grader.preprocessors.execute import BREACH, NOT_RUN, SandboxedExecute  # noqa: E402
from grader.preprocessors.repair import RepairSubmission, SubmissionExporter  # noqa: E402
from grader.preprocessors.sealed import SEALED_ERROR, SealedChecks, SealTests  # noqa: E402
from grader.preprocessors.setup_guard import SetupGuard  # noqa: E402
from grader.preprocessors.stderr import UnscoredStderr  # noqa: E402

__all__ = ["SandboxedExecute", "SealTests", "SealedChecks", "BREACH", "NOT_RUN", "SEALED_ERROR",
           "AUTOGRADE_PREPROCESSORS", "SANITIZE_PREPROCESSORS", "SUBMISSION_EXPORTER",
           "RepairSubmission", "SubmissionExporter"]
from grader.preprocessors.feedback import (  # noqa: E402
    DropBrokenWidgetState, GraderNotes, ShortTracebacks, StripHiddenTests, SubmissionTimestamp)

__all__ += ["FEEDBACK_PREPROCESSORS", "StripHiddenTests", "ShortTracebacks", "DropBrokenWidgetState",
            "SubmissionTimestamp", "GraderNotes"]
__all__ += ["UnscoredStderr", "SetupGuard"]
