"""Helpers of the grader CLI tests: the toy course (no TensorFlow) and writing submissions."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

FILES = Path(__file__).parent / "files"
REPO = Path(__file__).resolve().parents[2]

#: The toy assignment's correct answer (3 points: test-answer 2, test-double 1).
ANSWER = "answer = 42\ndoubled = [2 * v for v in (2, -3)]"

def release_nb(root: Path):
    return nbformat.read(str(root / "release" / "toy" / "toy.ipynb"), as_version=4)


def filled(root: Path, code: str = ANSWER):
    """The toy release notebook with the solution cell replaced by ``code``."""
    nb = copy.deepcopy(release_nb(root))
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = code
    return nb


#: The toy assignment with `doubled` wrong (2 points of 3).
HALF = "answer = 42\ndoubled = [v for v in (2, -3)]"


def with_pasted_test(root: Path):
    """A correct toy notebook with the test-answer cell pasted twice (a duplicated grade_id)."""
    nb = filled(root)
    i = cell_index(nb, "test-answer")
    pasted = copy.deepcopy(nb.cells[i])
    pasted["id"] = "pasted-copy"
    nb.cells.insert(i + 1, pasted)
    return nb


def with_deleted_test(root: Path):
    """A correct toy notebook without its test-double cell."""
    nb = filled(root)
    del nb.cells[cell_index(nb, "test-double")]
    return nb


def cell_index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def submit(root: Path, student: str, nb=None, *, name: str = "toy.ipynb", raw: str | None = None,
           assignment: str = "toy") -> Path:
    """Write a submission to submitted/<student>/<assignment>/<name>."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if raw is not None:
        path.write_text(raw, encoding="utf-8")
    else:
        nbformat.write(nb, str(path))
    return path


def gradebook_scores(root: Path | None, assignment: str = "toy", *, db_url: str | None = None) -> dict[str, float]:
    """Each student's score for ``assignment`` straight from the toy course's gradebook
    (``root/gradebook.db``, or the database ``db_url``)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(db_url or f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        for student in gb.students:
            try:
                out[student.id] = gb.find_submission(assignment, student.id).score
            except MissingEntry:
                pass
    return out


def hidden_lines(source_nb: Path) -> list[str]:
    """Every non-blank line inside a hidden-test block of a source notebook (delimiters excluded)."""
    lines = []
    for cell in nbformat.read(str(source_nb), as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.append(" ".join(line.split()))
    return lines
