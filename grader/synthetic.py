"""Synthetic submissions: the release notebook filled with a known answer.

Kinds: the reference solution, a mutant (a wrong answer), a style (another correct
answer) and the release copy as handed out (nothing done). The answers come from the
instructor's source notebook (the reference solution) and from the assignment's
calibration spec (mutants and styles). The demo (``python -m grader demo``), the
calibration runner, the benchmarks and the tests of the assignments
(``tests/assignments``) all use these functions, so every one of them grades exactly
the same notebooks.

Typical use::

    nb = build_submission(root, "01-perceptron", "mutant", "no-bias")
    write_submission(root, "01-perceptron", "alice", nb)
    course_api(root).autograde("01-perceptron", "alice")
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.calibration.spec import AssignmentSpec

__all__ = [
    "KINDS",
    "is_solution_cell",
    "solution_code",
    "fill_release",
    "apply_edits",
    "variant_answers",
    "notebook_path",
    "read_notebook",
    "build_submission",
    "write_submission",
]

#: Kinds of submission :func:`build_submission` can build.
KINDS = ("release", "reference", "mutant", "style")

_MARKER = re.compile(r"^\s*###\s*(BEGIN|END) SOLUTION\s*$")


def is_solution_cell(cell: NotebookNode) -> bool:
    """Return whether a cell is an nbgrader solution cell.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A notebook cell.

    Returns
    -------
    bool
        ``True`` if its ``metadata.nbgrader.solution`` is true.
    """
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution", False))


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_code(source_nb: NotebookNode) -> dict[str, str]:
    """Return the reference code of each solution cell of a source notebook.

    Parameters
    ----------
    source_nb : nbformat.NotebookNode
        The instructor's notebook (with solutions).

    Returns
    -------
    dict of str to str
        grade_id -> the cell's source with the ``### BEGIN SOLUTION`` and
        ``### END SOLUTION`` marker lines removed (code outside the markers is
        kept), in notebook order.

    Raises
    ------
    ValueError
        If a solution cell has no grade_id or two share one.
    """
    answers: dict[str, str] = {}
    for cell in source_nb.cells:
        if not is_solution_cell(cell):
            continue
        gid = _grade_id(cell)
        if not gid:
            raise ValueError("a solution cell has no nbgrader grade_id")
        if gid in answers:
            raise ValueError(f"duplicate solution grade_id {gid!r}")
        lines = cell.source.splitlines(keepends=True)
        code = "".join(line for line in lines if not _MARKER.match(line))
        answers[gid] = code.rstrip("\n")
    return answers


def fill_release(release_nb: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """Return a copy of a release notebook with solution cells replaced by answers.

    Parameters
    ----------
    release_nb : nbformat.NotebookNode
        The student's notebook as released (not modified).
    answers : dict of str to str
        grade_id of a solution cell -> its new source. Solution cells not named
        keep the release text (``raise NotImplementedError()``).

    Returns
    -------
    nbformat.NotebookNode
        A deep copy with the answers filled in; metadata is kept, so nbgrader
        grades it like a real submission.

    Raises
    ------
    ValueError
        If a grade_id in ``answers`` is not a solution cell of the notebook.
    """
    nb = copy.deepcopy(release_nb)
    found = set()
    for cell in nb.cells:
        gid = _grade_id(cell)
        if is_solution_cell(cell) and gid in answers:
            cell.source = answers[gid]
            found.add(gid)
    unknown = sorted(set(answers) - found)
    if unknown:
        raise ValueError(f"not solution cells of the release notebook: {', '.join(unknown)}")
    return nb


def apply_edits(code: str, edits: list[tuple[str, str]]) -> str:
    """Apply text replacements in order.

    Parameters
    ----------
    code : str
        The code to edit.
    edits : list of (str, str)
        ``(old, new)`` pairs; each replaces every occurrence of ``old`` in the
        code as edited so far.

    Returns
    -------
    str
        The edited code.

    Raises
    ------
    ValueError
        If an ``old`` text does not occur (the spec went stale).
    """
    for old, new in edits:
        if old not in code:
            raise ValueError(f"edit target not found: {old!r}\nin code:\n{code}")
        code = code.replace(old, new)
    return code


def _named(items, name: str | None, what: str, spec: AssignmentSpec):
    if name is None:
        raise ValueError(f"a {what} name is required")
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items) or "none"
    raise ValueError(f"{spec.assignment} has no {what} {name!r} (known: {known})")


def _check_ids(ids, reference: dict[str, str], where: str) -> None:
    unknown = sorted(set(ids) - set(reference))
    if unknown:
        raise ValueError(f"{where}: not solution cells: {', '.join(unknown)}")


def variant_answers(
    spec: AssignmentSpec, source_nb: NotebookNode, kind: str, name: str | None = None
) -> dict[str, str]:
    """Return the answers (solution cell sources) of one variant of an assignment.

    Parameters
    ----------
    spec : AssignmentSpec
        The assignment's calibration spec.
    source_nb : nbformat.NotebookNode
        The instructor's notebook (reference solutions).
    kind : {"reference", "mutant", "style"}
        ``"reference"``: the solution code; ``"mutant"``: the reference with the
        mutant's ``edits`` applied and ``replace`` cells substituted;
        ``"style"``: the reference with the style's ``cells`` substituted.
    name : str or None
        The mutant's or style's name (ignored for ``"reference"``).

    Returns
    -------
    dict of str to str
        grade_id -> source, for every solution cell.

    Raises
    ------
    ValueError
        For an unknown kind or name, a grade_id that is not a solution cell, or
        an edit whose ``old`` text does not occur.
    """
    answers = solution_code(source_nb)
    if kind == "reference":
        return answers
    if kind == "mutant":
        mutant = _named(spec.mutants, name, "mutant", spec)
        where = f"{spec.assignment} mutant {mutant.name!r}"
        _check_ids(list(mutant.edits) + list(mutant.replace), answers, where)
        for gid, edits in mutant.edits.items():
            try:
                answers[gid] = apply_edits(answers[gid], list(edits))
            except ValueError as exc:
                raise ValueError(f"{where}, cell {gid!r}: {exc}") from None
        answers.update(mutant.replace)
        return answers
    if kind == "style":
        style = _named(spec.styles, name, "style", spec)
        _check_ids(style.cells, answers, f"{spec.assignment} style {style.name!r}")
        answers.update(style.cells)
        return answers
    raise ValueError(f"unknown kind {kind!r}: expected reference, mutant or style")


def notebook_path(root: str | os.PathLike | None, folder: str, assignment: str) -> Path:
    """Return the path of an assignment's notebook in ``source/`` or ``release/``.

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`grader.course.find_course_root`).
    folder : {"source", "release"}
        Which copy.
    assignment : str
        Assignment id.

    Returns
    -------
    pathlib.Path
        ``<root>/<folder>/<assignment>/<notebook>.ipynb``, the notebook named in the
        assignment's spec, or the only notebook of the folder when there is no spec.
    """
    from grader.calibration.specs import load_spec
    from grader.course import find_course_root

    base = find_course_root(root) / folder / assignment
    try:
        return base / f"{load_spec(assignment).notebook}.ipynb"
    except ModuleNotFoundError:
        found = sorted(base.glob("*.ipynb"))
        if len(found) != 1:
            raise FileNotFoundError(f"expected one notebook in {base}, found {len(found)}") from None
        return found[0]


def read_notebook(path: str | os.PathLike) -> NotebookNode:
    """Read a notebook as nbformat version 4.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    nbformat.NotebookNode
    """
    return nbformat.read(str(path), as_version=4)


def build_submission(
    root: str | os.PathLike | None, assignment: str, kind: str, name: str | None = None
) -> NotebookNode:
    """Build a submission notebook of an assignment.

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`grader.course.find_course_root`).
    assignment : str
        Assignment id, e.g. ``"01-perceptron"``.
    kind : {"release", "reference", "mutant", "style"}
        ``"release"``: the unmodified release notebook (a student who did
        nothing); otherwise see :func:`variant_answers`.
    name : str or None
        The mutant's or style's name.

    Returns
    -------
    nbformat.NotebookNode
        Ready to be written to ``submitted/<student>/<assignment>/<notebook>.ipynb``
        (see :func:`write_submission`).

    Raises
    ------
    ValueError
        See :func:`variant_answers` and :func:`fill_release`.
    """
    from grader.calibration.specs import load_spec

    release_nb = read_notebook(notebook_path(root, "release", assignment))
    if kind == "release":
        return copy.deepcopy(release_nb)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    spec = load_spec(assignment)
    source_nb = read_notebook(notebook_path(root, "source", assignment))
    return fill_release(release_nb, variant_answers(spec, source_nb, kind, name))


def write_submission(
    root: str | os.PathLike | None, assignment: str, student: str, nb: NotebookNode
) -> Path:
    """Write a submission where ``nbgrader autograde`` looks for it.

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignment : str
        Assignment id.
    student : str
        Student id (folder name under ``submitted/``).
    nb : nbformat.NotebookNode
        The notebook, e.g. from :func:`build_submission`.

    Returns
    -------
    pathlib.Path
        ``<root>/submitted/<student>/<assignment>/<notebook>.ipynb``.
    """
    from grader.course import find_course_root

    name = notebook_path(root, "release", assignment).name
    path = find_course_root(root) / "submitted" / student / assignment / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path
