"""``UnscoredStderr``: text on stderr never costs a test cell its points; an error output always does.

nbgrader's ``determine_grade`` (:mod:`nbgrader.utils`) reads a grade cell's outputs in order
and stops at the first one that decides: an ``error`` output or a ``stream`` output named
``stderr`` scores 0, an ``execute_result`` is read as partial credit. Two of those rules are
wrong for a student's notebook:

* **stderr is not failure.** Whatever reaches stderr while a test cell runs (the student's
  debug ``print(..., file=sys.stderr)``, a subprocess writing to file descriptor 2, a
  progress bar, a library's log line) would cost that passing cell its points. A check that
  fails raises, and the exception is an ``error`` output.
* **an execute_result before an error is not a grade.** The student's code runs during a
  test cell (an ``__eq__``, an IPython event hook) and can publish an ``execute_result``
  through the kernel's session ahead of the failing assertion; nbgrader would read that
  number as the cell's partial credit and never look at the error after it.

So in every grade cell, after execution and before ``SaveAutoGrades``:

* each ``stream`` output named ``stderr`` becomes a ``display_data`` output with the same
  text (``text/plain``) and ``metadata["grader"] = {"stream": "stderr"}``: the TA and the
  student still see it, in place, and nothing scores it;
* each ``execute_result`` becomes a ``display_data`` marked ``{"output_type":
  "execute_result"}``: a test cell of this course passes or fails, it never returns a
  partial credit, so no number a student's code publishes can be read as one (a number above
  the cell's points would even make nbgrader raise and the whole submission ``failed``);
  with ``c.UnscoredStderr.partial_credit = True`` (a course whose test cells return partial
  credit) only those before the first error are converted: the error decides, the cell
  scores 0.

Nothing else changes: an ``error`` output is never touched (the kernel's own, the one
nbgrader adds from a failed execute reply, the sealed checker's, a breach's), so a failing
cell keeps scoring 0, and a student who forges one only loses points. A ``display_data``
output is what ``determine_grade`` and nbgrader's validator skip; a ``stream`` output could
not carry the marker (nbformat's schema allows no metadata there) and a stream of another
name is not one renderers know. Register it after ``LimitOutput`` (the stderr text is already
cut to its line budget) and before ``SaveAutoGrades``.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Bool

__all__ = ["UnscoredStderr", "MARK"]

#: Key of the output metadata that marks an output this preprocessor converted.
MARK = "grader"


def _shown(data: dict, mark: dict) -> NotebookNode:
    return NotebookNode(output_type="display_data", data=NotebookNode(data), metadata=NotebookNode({MARK: mark}))


class UnscoredStderr(NbGraderPreprocessor):
    """In grade cells, stderr is shown but not scored; only an error output fails the cell.

    See the module docstring. Register it in ``c.Autograde.autograde_preprocessors`` after
    ``LimitOutput`` and before ``SaveAutoGrades``; ``c.UnscoredStderr.enabled = False``
    restores nbgrader's scoring.
    """

    partial_credit = Bool(False, help="Test cells may return a partial credit (nbgrader's execute_result "
                          "rule); False: every execute_result of a grade cell is shown, never scored.").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        """Convert the stderr streams (and an execute_result ahead of an error) of a grade cell.

        Parameters
        ----------
        cell : NotebookNode
            Modified in place when it is a graded code cell.
        resources : dict
        cell_index : int

        Returns
        -------
        (NotebookNode, dict)
        """
        if cell.get("cell_type") != "code" or not is_grade(cell):
            return cell, resources
        outputs = cell.get("outputs", [])
        first_error = next((i for i, o in enumerate(outputs) if o.get("output_type") == "error"), len(outputs))
        converted = []
        for i, output in enumerate(outputs):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                output = _shown({"text/plain": output.get("text", "")}, {"stream": "stderr"})
            elif kind == "execute_result" and (not self.partial_credit or i < first_error < len(outputs)):
                output = _shown(output.get("data", {}), {"output_type": "execute_result"})
            converted.append(output)
        cell.outputs = converted
        return cell, resources
