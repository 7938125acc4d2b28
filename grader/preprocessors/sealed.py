"""Sealed checks: the hidden tests never reach the student's kernel and cannot be bent by it.

Two nbgrader preprocessors around :class:`~grader.preprocessors.SandboxedExecute`:

* :class:`SealTests` (before execution) cuts the hidden-test block out of every test cell: the
  kernel runs only the visible checks, so the hidden tests are not in the notebook the kernel can
  read nor in its input history. It records, per test cell, the full source and the names the
  cell's checks read (``resources["sealed"]``); after the cell ran, ``SandboxedExecute`` has the
  kernel export those names (:func:`main_ingredients.artifacts.export`).
* :class:`SealedChecks` (after execution) puts the full sources back and runs every test cell
  that passed in the kernel again, whole, in the sealed checker (:mod:`grader.checker`) on the
  exported artifacts. A cell whose sealed run fails gets that failure as an error output, so
  nbgrader's ``SaveAutoGrades`` scores it 0 with the same message the student would have seen.

A test cell scores its points only when both its visible checks (in the kernel) and its sealed
run pass.
"""

from __future__ import annotations

import ast
import builtins
import shutil
import tempfile
import time

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float

__all__ = ["SealTests", "SealedChecks", "split_hidden", "read_names", "SEALED_ERROR", "export_code",
           "is_test_cell"]

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: ``ename`` of the output a cell gets when the checker itself failed (crash, time budget).
SEALED_ERROR = "SealedCheckError"


def is_test_cell(cell) -> bool:
    """An nbgrader autograder test cell (graded, not a solution)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def split_hidden(source: str) -> str:
    """The visible part of a test cell: the source without its hidden-test blocks.

    Parameters
    ----------
    source : str

    Returns
    -------
    str
    """
    out, hidden = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            hidden = True
        elif stripped == END:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


def read_names(source: str) -> list[str]:
    """Names a cell reads from the notebook's namespace (loaded, never assigned in it, not builtins).

    Parameters
    ----------
    source : str

    Returns
    -------
    list of str
        Sorted; empty when the source does not parse.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    loaded, stored = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return sorted(n for n in loaded - stored if not hasattr(builtins, n))


def export_code(folder: str, names: list[str]) -> str:
    """The code the kernel runs after a test cell to export what the cell's checks read."""
    return ("__import__('main_ingredients.artifacts', fromlist=['export']).export("
            f"globals(), {folder!r}, {list(names)!r})")


class SealTests(NbGraderPreprocessor):
    """Cut the hidden tests out of test cells before the kernel runs (see the module docstring)."""

    enabled = Bool(True, help="Seal the hidden tests (run them in the sealed checker, not in the "
                   "student's kernel).").tag(config=True)

    def preprocess(self, nb, resources):
        """Record each test cell's full source and read names; leave only the visible part.

        Returns
        -------
        (NotebookNode, dict)
            ``resources["sealed"]`` = ``{"cells": {grade_id: {"source", "names"}}, "folder": tmp}``.
        """
        if not self.enabled:
            return nb, resources
        cells = {}
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            gid = cell.metadata.nbgrader.get("grade_id")
            if not gid or gid in cells:
                continue
            cells[gid] = {"source": cell.source, "names": read_names(cell.source)}
            cell.source = split_hidden(cell.source)
        resources["sealed"] = {"cells": cells, "folder": tempfile.mkdtemp(prefix="grader-artifacts-")}
        return nb, resources


class SealedChecks(NbGraderPreprocessor):
    """Run each test cell, whole, in the sealed checker on its artifacts (see the module docstring)."""

    timeout = Float(600, help="Seconds for all the sealed checks of one notebook (re-training "
                    "included).").tag(config=True)

    def preprocess(self, nb, resources):
        """Restore the full sources; give a failing sealed run's error to its cell.

        Returns
        -------
        (NotebookNode, dict)
        """
        sealed = resources.get("sealed") if resources else None
        if not sealed:
            return nb, resources
        started = time.monotonic()
        todo = []
        try:
            by_id = {}
            for cell in nb.cells:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if not is_test_cell(cell) or gid not in sealed["cells"] or gid in by_id:
                    continue
                by_id[gid] = cell
                cell.source = sealed["cells"][gid]["source"]
                if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                    todo.append({"grade_id": gid, "source": cell.source})
            if todo:
                from grader.checker import memory_limit, run_checks
                from grader.sandbox import Sandbox

                results = run_checks(todo, sealed["folder"], timeout=self.timeout,
                                     memory=memory_limit(Sandbox(parent=self)))
                broken: dict[str, list[str]] = {}
                for item in todo:
                    failure = results.get(item["grade_id"], (SEALED_ERROR, "the sealed checker gave no verdict"))
                    if failure is not None:
                        ename, evalue = failure
                        if ename == SEALED_ERROR:  # the checker itself failed, not a check
                            broken.setdefault(evalue, []).append(item["grade_id"])
                        by_id[item["grade_id"]].outputs.append(NotebookNode(
                            output_type="error", ename=ename, evalue=evalue,
                            traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}",
                                       "(from the sealed checks, run by the grader on what your notebook produced)"]))
                self._report(resources, broken)
        finally:
            shutil.rmtree(sealed.get("folder", ""), ignore_errors=True)
        resources["sealed"]["seconds"] = round(time.monotonic() - started, 2)
        resources["sealed"]["checked"] = len(todo)
        return nb, resources

    def _report(self, resources, broken: dict[str, list[str]]) -> None:
        """Say why test cells scored 0 when the sealed checker itself failed (time budget, crash).

        Logged as a warning (``nbgrader autograde``) and written beside ``SandboxedExecute``'s
        report, whose ``events`` become the first notes of the status
        (``python -m grader autograde``), so the TA sees the reason, not a bare score.
        """
        if not broken:
            return
        import json
        import os

        notes = [f"{reason}: test cell(s) {', '.join(ids)} scored 0" for reason, ids in broken.items()]
        for note in notes:
            self.log.warning("%s", note)
        folder = self.config.get("SandboxedExecute", {}).get("report_dir")
        if folder:
            name = (resources or {}).get("unique_key", "notebook")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"{name}.sealed.json"), "w", encoding="utf-8") as fh:
                json.dump({"events": notes}, fh)
