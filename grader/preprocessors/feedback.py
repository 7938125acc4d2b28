"""Feedback that is safe to hand to students: nbgrader's ``GenerateFeedback`` preprocessors.

nbgrader renders feedback from the *autograded* notebook, whose test cells hold the
instructor's whole source (``OverwriteCells`` puts it back, and :class:`SealedChecks` restores
it after the kernel ran), hidden tests included. ``nbgrader_config.py`` puts these
preprocessors in front of nbgrader's own (``c.GenerateFeedback.preprocessors =
FEEDBACK_PREPROCESSORS``), so ``nbgrader generate_feedback``, the formgrader's "Generate
Feedback" and ``python -m grader feedback`` (which forces them whatever the config says) all
write the same safe HTML:

* :class:`StripHiddenTests` removes every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN
  TESTS`` block from the instructor's cells (test cells and other locked cells), as nbgrader's
  ``generate_assignment`` does for the release, but never refuses a notebook;
* :class:`ShortTracebacks` reduces every error output to its ``ename: evalue`` line: a
  traceback quotes source lines (those of a hidden check, when a course grades without
  :class:`SealTests`), the message is what the student needs;
* :class:`DropBrokenWidgetState` drops notebook widget metadata that nbconvert cannot read
  (a widget-state entry without its ``state``, as some hosted notebook services save; nbconvert
  raises ``KeyError: 'state'`` on it);
* :class:`SubmissionTimestamp` gives a submission copied in by hand the ``timestamp.txt`` and
  ``submission_secret.txt`` that nbgrader's ``release_feedback`` reads, from the submission's
  own time (:func:`grader.feedback.ensure_submission_files`), never the grading time;
* :class:`GraderNotes` puts the grader's notes on the submission (a deleted test cell put
  back, a cell stopped at the timeout, files not used...) at the top, so the student knows why
  the notebook looks or scores as it does.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

__all__ = ["StripHiddenTests", "ShortTracebacks", "DropBrokenWidgetState", "SubmissionTimestamp", "GraderNotes",
           "strip_hidden_blocks", "WIDGET_STATE"]

from grader.preprocessors.repair import WIDGET_STATE, widget_state_readable  # noqa: E402


class _FeedbackPreprocessor(NbGraderPreprocessor):
    """nbgrader's base, with ``display_data_priority`` configurable as nbconvert's HTML exporter
    expects (else traitlets warns that the exporter's setting is "not recognized")."""

    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value).tag(config=True)


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def strip_hidden_blocks(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> str:
    """The source without its hidden-test blocks, delimiter lines included.

    A line *containing* ``begin`` opens a block and a line containing ``end`` closes it (nbgrader's
    ``ClearHiddenTests`` rule, so what the release hides is hidden here too). Unlike nbgrader, a
    block left open hides the rest of the cell, a nested ``begin`` stays inside the block and a
    stray ``end`` line goes: feedback never fails, nor shows a hidden line, because of a
    malformed block.

    Parameters
    ----------
    source : str
        A cell's source.
    begin, end : str
        The delimiters (``ClearHiddenTests.begin_test_delimeter`` / ``end_test_delimeter``).

    Returns
    -------
    str
        The source with every block removed; unchanged when it has none.
    """
    if begin not in source and end not in source:
        return source
    kept, hidden = [], False
    for line in source.split("\n"):
        if begin in line:
            hidden = True
        elif end in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


class StripHiddenTests(_FeedbackPreprocessor):
    """Remove the hidden-test blocks from the instructor's cells of an autograded notebook.

    Applies to every cell whose nbgrader metadata marks it graded or locked and that is not an
    answer (``solution``) cell: the cells nbgrader's ``OverwriteCells`` fills with the
    instructor's source. The student's own cells are shown as they wrote them.
    """

    begin_test_delimeter = Unicode(
        "", help="Delimiter opening a hidden block (default: ClearHiddenTests.begin_test_delimeter, "
        "'BEGIN HIDDEN TESTS').").tag(config=True)
    end_test_delimeter = Unicode(
        "", help="Delimiter closing a hidden block (default: ClearHiddenTests.end_test_delimeter, "
        "'END HIDDEN TESTS').").tag(config=True)

    def preprocess(self, nb, resources):
        """Strip every instructor cell; count the cells changed in ``resources["feedback"]``.

        Parameters
        ----------
        nb : nbformat.NotebookNode
        resources : dict

        Returns
        -------
        (nbformat.NotebookNode, dict)
        """
        course = self.config.get("ClearHiddenTests", {})  # the course's delimiters, when it changed them
        begin = self.begin_test_delimeter or course.get("begin_test_delimeter", "BEGIN HIDDEN TESTS")
        end = self.end_test_delimeter or course.get("end_test_delimeter", "END HIDDEN TESTS")
        changed = 0
        for cell in nb.cells:
            meta = _nbgrader(cell)
            if meta.get("solution") or not (meta.get("grade") or meta.get("locked")):
                continue
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(source)
            stripped = strip_hidden_blocks(source, begin, end)
            if stripped != source:
                cell.source = stripped.rstrip() + ("\n" if source.endswith("\n") else "")
                changed += 1
        if resources is not None:
            resources.setdefault("feedback", {})["hidden_blocks_removed"] = changed
        return nb, resources


class ShortTracebacks(_FeedbackPreprocessor):
    """Reduce every error output's traceback to its ``ename: evalue`` line (no source lines)."""

    def preprocess(self, nb, resources):
        """Rewrite the traceback of every ``error`` output of every code cell.

        Parameters
        ----------
        nb : nbformat.NotebookNode
        resources : dict

        Returns
        -------
        (nbformat.NotebookNode, dict)
        """
        for cell in nb.cells:
            for output in cell.get("outputs", []) or []:
                if output.get("output_type") == "error":
                    ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
                    output["traceback"] = [f"{ename}: {evalue}" if evalue else ename]
        return nb, resources


class DropBrokenWidgetState(_FeedbackPreprocessor):
    """Drop notebook widget metadata nbconvert cannot render (it raises ``KeyError: 'state'``).

    nbconvert's HTML exporter reads ``metadata.widgets[WIDGET_STATE]["state"]`` as soon as an
    output has rich data, whenever ``metadata.widgets`` exists. Kept only when that path holds
    a dict; otherwise the whole ``widgets`` entry goes (the widgets then show as their text).
    """

    def preprocess(self, nb, resources):
        """Remove ``nb.metadata.widgets`` unless it carries a readable widget state.

        Parameters
        ----------
        nb : nbformat.NotebookNode
        resources : dict

        Returns
        -------
        (nbformat.NotebookNode, dict)
        """
        if not widget_state_readable(nb):
            del nb.metadata["widgets"]
            if resources is not None:
                resources.setdefault("feedback", {})["widget_state_dropped"] = True
        return nb, resources


class SubmissionTimestamp(_FeedbackPreprocessor):
    """Give a hand-copied submission the ``timestamp.txt`` nbgrader's ``release_feedback`` reads.

    ``generate_feedback`` copies ``autograded/<student>/<assignment>/timestamp.txt`` (and
    ``submission_secret.txt``) into the feedback folder, and ``release_feedback`` fails
    without them. For a submission that never went through nbgrader's exchange, this writes
    both into the autograded folder (the time from ``submitted/.../timestamp.txt`` or the
    submitted notebook's file time: :func:`grader.feedback.ensure_submission_files`) and into
    the feedback folder being written, so the formgrader's "Release Feedback" works. Nothing is
    written when the files exist, nor when no submission time can be found.
    """

    def _coursedir(self):
        parent = self.parent
        while parent is not None:
            coursedir = getattr(parent, "coursedir", None)
            if coursedir is not None:
                return coursedir
            parent = getattr(parent, "parent", None)
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    def preprocess(self, nb, resources):
        """Write the missing files for ``resources["nbgrader"]``'s student and assignment.

        Parameters
        ----------
        nb : nbformat.NotebookNode
        resources : dict

        Returns
        -------
        (nbformat.NotebookNode, dict)
            ``resources["feedback"]["timestamp"]``: what :func:`grader.feedback.ensure_submission_files`
            found or wrote.
        """
        info = (resources or {}).get("nbgrader") or {}
        student, assignment = info.get("student"), info.get("assignment")
        if not student or not assignment:
            return nb, resources
        from grader.feedback import copy_submission_files, ensure_submission_files

        coursedir = self._coursedir()
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        feedback = Path(coursedir.format_path(coursedir.feedback_directory, student, assignment))
        found = ensure_submission_files(autograded, submitted)
        copy_submission_files(autograded, feedback)
        resources.setdefault("feedback", {})["timestamp"] = found
        return nb, resources


#: Notes of a status that concern the TA's gradebook, not the student's work.
_TA_ONLY = ("student added to the gradebook", "assignment ")


class GraderNotes(SubmissionTimestamp):
    """Put the grader's notes on this submission at the top of its feedback (a markdown cell).

    The notes are those of ``python -m grader autograde``'s status file
    (``autograded/.grader/status.json``): repairs made (a deleted test cell restored, an answer
    cell re-identified, a renamed notebook), cells stopped at a time or memory limit, files not
    used. Notes about the gradebook itself are left out; nothing is added when there is no
    note (or the submission was graded by ``nbgrader autograde`` alone).
    """

    def preprocess(self, nb, resources):
        """Insert the notes cell.

        Returns
        -------
        (nbformat.NotebookNode, dict)
        """
        info = (resources or {}).get("nbgrader") or {}
        student, assignment = info.get("student"), info.get("assignment")
        if not student or not assignment:
            return nb, resources
        import nbformat

        from grader.status import load_statuses, status_path

        try:
            record = load_statuses(status_path(self._coursedir().root)).get((student, assignment))
        except Exception:  # noqa: BLE001 - no readable status file: no notes, feedback still written
            return nb, resources
        notes = [n for n in (record.notes if record else []) if not n.startswith(_TA_ONLY)]
        if notes:
            text = "**Notes from the grader on this submission**\n\n" + "\n".join(
                "* " + n.replace("*", "\\*").replace("_", "\\_") for n in notes)
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(text))
        return nb, resources
