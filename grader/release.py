"""Regenerate ``release/`` from ``source/`` with nbgrader's ``generate_assignment``.

Run as ``python -m grader.release [ASSIGNMENT ...]`` (``make release``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.release [ASSIGNMENT ...] [--root DIR]``: what ``make release`` runs.

    Writes ``release/`` and adds the assignments to the gradebook that ``nbgrader_config.py``
    names (``c.CourseDirectory.db_url``: the course's ``gradebook.db``, or a PostgreSQL
    server). Returns the exit code: 0, or 1 when nbgrader fails (its log is printed).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m grader.release", description=(
        "Generate release/ from source/ (solutions and hidden tests removed) and add the assignments "
        "to the gradebook named by c.CourseDirectory.db_url in nbgrader_config.py."))
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every one in source/)")
    parser.add_argument("--root", help="the course folder (default: the current one, or this checkout)")
    args = parser.parse_args(argv)
    try:
        unknown = sorted(set(args.assignments) - set(assignment_ids(args.root)))
        if unknown:
            print(f"error: no assignment {', '.join(unknown)} in source/ (there are: "
                  f"{', '.join(assignment_ids(args.root))})", file=sys.stderr)
            return 2
        names = generate_release(args.root, assignments=args.assignments or None)
    except (ReleaseError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"released {len(names)} assignment(s) to release/: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
