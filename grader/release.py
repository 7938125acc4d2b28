"""Regenerate ``release/`` from ``source/`` with nbgrader's ``generate_assignment``.

Run as ``python -m grader.release [ASSIGNMENT ...]`` (``make release``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from grader.course import assignment_ids, course_api

__all__ = ["generate_release", "is_gradable"]


class ReleaseError(RuntimeError):
    """Raised when nbgrader could not generate an assignment."""


def generate_release(root: str | os.PathLike | None = None, assignments: list[str] | None = None) -> list[str]:
    """Run ``nbgrader generate_assignment --force --create`` for each assignment.

    Solution code between ``### BEGIN SOLUTION`` / ``### END SOLUTION`` and hidden
    tests between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` are
    removed; outputs are cleared; the assignment is added to the gradebook if new, unless it
    has no graded cell (the lesson: see :func:`is_gradable`).

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`grader.course.find_course_root`).
    assignments : list of str or None
        Assignment ids; ``None`` means every assignment of the course.

    Returns
    -------
    list of str
        The assignment ids released, in order.

    Raises
    ------
    ReleaseError
        If nbgrader reports a failure for any assignment (its log is included).
    """
    from traitlets.config import Config

    from grader.course import find_course_root

    course = find_course_root(root)
    api = course_api(course)
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import SaveCells

    lesson_cfg = Config()
    lesson_cfg.GenerateAssignment.no_database = True  # nbgrader still saves cells unless SaveCells goes too
    lesson_cfg.GenerateAssignment.preprocessors = [
        p for p in GenerateAssignment.class_traits()["preprocessors"].default() if p is not SaveCells]
    lesson_api = None
    names = list(assignments) if assignments else assignment_ids(course)
    for name in names:
        if is_gradable(course, name):
            result = api.generate_assignment(name, force=True, create=True)
        else:  # the lesson: released for students, never an assignment of the gradebook
            lesson_api = lesson_api or course_api(course, lesson_cfg)
            result = lesson_api.generate_assignment(name, force=True, create=False)
            if result["success"]:
                _drop_from_gradebook(api, name)
        if not result["success"]:
            raise ReleaseError(f"generate_assignment {name} failed:\n{result.get('error') or result.get('log')}")
    return names


def is_gradable(root: str | os.PathLike, assignment: str) -> bool:
    """Whether ``source/<assignment>/`` has a graded cell (the lesson has none).

    Parameters
    ----------
    root : path-like
        The course root.
    assignment : str

    Returns
    -------
    bool
        ``False`` for an assignment whose notebooks hold no nbgrader grade cell: it is
        released for students but kept out of the gradebook (so the formgrader does not list
        it as an assignment worth 0 points).
    """
    import nbformat

    for path in sorted((Path(root) / "source" / assignment).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        if any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in nb.cells):
            return True
    return False


def _drop_from_gradebook(api, assignment: str) -> None:
    """Remove a not-gradable assignment an earlier release put in the gradebook, unless it has submissions."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return
        if not found.submissions:
            gb.remove_assignment(assignment)


app = typer.Typer(
    add_completion=False,
    help=("Generate release/ from source/ (solutions and hidden tests removed) and add the assignments "
          "to the gradebook named by c.CourseDirectory.db_url in nbgrader_config.py."),
)


@app.command()
def release_cmd(
    assignments: Optional[List[str]] = typer.Argument(
        None, help="assignment ids (default: every one in source/)", show_default=False),
    root: Optional[Path] = typer.Option(
        None, "--root", help="the course folder (default: the current one, or this checkout)", show_default=False),
) -> None:
    """Generate release/ from source/ (solutions and hidden tests removed) and add the assignments to the
    gradebook named by c.CourseDirectory.db_url in nbgrader_config.py.

    Exit code 0: released; 1: nbgrader failed (its log is printed); 2: an assignment not in source/.
    """
    try:
        unknown = sorted(set(assignments or []) - set(assignment_ids(root)))
        if unknown:
            print(f"error: no assignment {', '.join(unknown)} in source/ (there are: "
                  f"{', '.join(assignment_ids(root))})", file=sys.stderr)
            raise typer.Exit(2)
        names = generate_release(root, assignments=assignments or None)
    except (ReleaseError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"released {len(names)} assignment(s) to release/: {', '.join(names)}")
    raise typer.Exit(0)


def main(argv: list[str] | None = None) -> None:
    """``python -m grader.release [ASSIGNMENT ...] [--root DIR]``: what ``make release`` runs.

    Writes ``release/`` and adds the assignments to the gradebook that ``nbgrader_config.py``
    names (``c.CourseDirectory.db_url``: the course's ``gradebook.db``, or a PostgreSQL
    server).

    Parameters
    ----------
    argv : list of str or None
        Arguments (``None``: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        Always, with the exit code: 0, 1 when nbgrader fails (its log is printed), 2 for an
        assignment not in ``source/`` or an unknown option.
    """
    app(args=argv, prog_name="python -m grader.release")


if __name__ == "__main__":
    main()
