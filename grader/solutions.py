"""``python -m grader solutions ASSIGNMENT``: the worked solutions to hand out after the deadline.

The instructor's ``source/`` notebook holds the solutions and the hidden tests. What students
may see after the deadline is the solutions without the hidden tests: this module writes
``solutions/<assignment>/<notebook>.ipynb`` with every ``### BEGIN SOLUTION`` block's code kept
(the marker lines removed), every hidden-test block removed, outputs cleared and the nbgrader
metadata dropped, plus the assignment's other files (the data the notebook reads).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.course import find_course_root
from grader.preprocessors.sealed import BEGIN as BEGIN_HIDDEN
from grader.preprocessors.sealed import END as END_HIDDEN

__all__ = ["SolutionsResult", "solution_source", "write_solutions"]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


@dataclass
class SolutionsResult:
    """What :func:`write_solutions` wrote.

    Attributes
    ----------
    assignment : str
    notebooks : list of pathlib.Path
        The solution notebooks written.
    files : list of pathlib.Path
        The other files copied beside them.
    """

    assignment: str
    notebooks: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def solution_source(source: str) -> str:
    """A cell's source as students may see it after the deadline.

    Parameters
    ----------
    source : str
        A cell of an instructor's ``source/`` notebook.

    Returns
    -------
    str
        The source without its hidden-test blocks (markers and content) and without the
        ``### BEGIN SOLUTION`` / ``### END SOLUTION`` marker lines (their content kept).

    Raises
    ------
    ValueError
        If a hidden-test block is not closed (its end would leak into the solutions).
    """
    out, hidden = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN_HIDDEN:
            hidden = True
        elif stripped == END_HIDDEN:
            hidden = False
        elif not hidden and stripped not in (BEGIN_SOLUTION, END_SOLUTION):
            out.append(line)
    if hidden:
        raise ValueError(f"a {BEGIN_HIDDEN} block is never closed by {END_HIDDEN}")
    return "\n".join(out).rstrip()


def write_solutions(root: str | os.PathLike | None, assignment: str,
                    out: str | os.PathLike | None = None) -> SolutionsResult:
    """Write the worked solutions of an assignment, without the hidden tests.

    Parameters
    ----------
    root : path-like or None
        The course root.
    assignment : str
        An assignment id with a folder in ``source/``.
    out : path-like or None
        The folder to write to (its other files are left alone; same-named ones are
        replaced); default ``<root>/solutions/<assignment>``, emptied first.

    Returns
    -------
    SolutionsResult

    Raises
    ------
    FileNotFoundError
        If ``source/<assignment>/`` has no notebook.
    ValueError
        If a hidden-test block is not closed.
    """
    course = find_course_root(root)
    src = course / "source" / assignment
    notebooks = sorted(src.glob("*.ipynb")) if src.is_dir() else []
    if not notebooks:
        known = sorted(p.name for p in (course / "source").iterdir() if p.is_dir()) if (course / "source").is_dir() else []
        raise FileNotFoundError(f"source/{assignment} has no notebook; the course's assignments are: "
                                + ", ".join(known))
    dest = Path(out) if out else course / "solutions" / assignment
    if not out and dest.is_dir():
        shutil.rmtree(dest)  # our own folder: emptied, so no stale file stays
    dest.mkdir(parents=True, exist_ok=True)  # a folder named with --out: only our files are written
    result = SolutionsResult(assignment)
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            cell.source = solution_source(cell.source)
            cell.metadata.pop("nbgrader", None)
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        target = dest / path.name
        nbformat.write(nb, str(target))
        result.notebooks.append(target)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in rel.parts:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
            result.files.append(dest / rel)
    return result
