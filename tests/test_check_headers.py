"""Every test cell of assignments 01-05 is introduced by a visible header, and its checks say what passed.

Issue 11, item 5: a locked markdown cell just above each test cell reads
"**Check, N points:** <what it checks>", N being the test cell's nbgrader ``points``; the check
functions print one ``✓`` line per target they verified, to stdout (nbgrader scores a test cell
that writes to stderr 0). Static checks of ``source/`` and ``release/``; no kernel.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = [f"0{i}" for i in range(1, 6)]
NOTEBOOKS = sorted(p for folder in ("source", "release") for p in (ROOT / folder).glob("0[1-5]-*/*.ipynb"))
HEADER = re.compile(r"^\*\*Check, (\d+(?:\.\d+)?) points?:\*\* (\S.*)$", re.DOTALL)


def _id(path: Path) -> str:
    return f"{path.parts[-3]}/{path.parent.name}"


def _meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(_meta(cell).get("grade")) and not _meta(cell).get("solution")


def header_problems(nb) -> list[str]:
    """What is wrong with the headers of a notebook's test cells (empty: nothing).

    Each test cell must follow a locked, ungraded markdown cell that reads
    ``**Check, N point(s):** ...`` with N equal to the test cell's points.
    """
    problems = []
    for index, cell in enumerate(nb.cells):
        if not _is_test_cell(cell):
            continue
        gid = _meta(cell).get("grade_id")
        before = nb.cells[index - 1] if index else None
        if before is None or before.cell_type != "markdown":
            problems.append(f"{gid}: no markdown header just above it")
            continue
        meta = _meta(before)
        if not meta.get("locked") or meta.get("grade") or meta.get("solution"):
            problems.append(f"{gid}: its header is not a locked, ungraded nbgrader cell ({meta})")
        match = HEADER.match(before.source.strip())
        if not match:
            problems.append(f"{gid}: header {before.source[:60]!r} does not read '**Check, N points:** ...'")
            continue
        stated, points = float(match.group(1)), float(_meta(cell).get("points", -1))
        if stated != points:
            problems.append(f"{gid}: header says {match.group(1)} points, the cell has {points:g}")
        if (stated == 1) != (match.group(0).startswith("**Check, 1 point:")):
            problems.append(f"{gid}: 'point' / 'points' does not agree with {match.group(1)}")
    return problems


def test_every_assignment_has_notebooks_in_source_and_release():
    found = {(p.parts[-3], p.parent.name[:2]) for p in NOTEBOOKS}
    assert found == {(folder, a) for folder in ("source", "release") for a in ASSIGNMENTS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_every_test_cell_has_a_header_with_its_points(path):
    nb = nbformat.read(str(path), as_version=4)
    assert any(_is_test_cell(c) for c in nb.cells)
    assert header_problems(nb) == []


def _toy(points: float, header: str | None, locked: bool = True):
    cells = [nbformat.v4.new_markdown_cell("intro")]
    if header is not None:
        meta = {"nbgrader": {"grade": False, "grade_id": "check-x", "locked": locked, "schema_version": 3,
                             "solution": False, "task": False}}
        cells.append(nbformat.v4.new_markdown_cell(header, metadata=meta))
    cells.append(nbformat.v4.new_code_cell("checks.x()", metadata={"nbgrader": {
        "grade": True, "grade_id": "test-x", "locked": True, "points": points, "schema_version": 3,
        "solution": False, "task": False}}))
    return nbformat.v4.new_notebook(cells=cells)


def test_header_checker_catches_wrong_points_and_missing_or_unlocked_headers():
    """The control: the checker above can fail."""
    assert header_problems(_toy(2, "**Check, 2 points:** the fit.")) == []
    assert header_problems(_toy(1, "**Check, 1 point:** the epochs.")) == []
    assert header_problems(_toy(3, "**Check, 2 points:** the fit."))
    assert header_problems(_toy(1, "**Check, 1 points:** the epochs."))
    assert header_problems(_toy(2, None))
    assert header_problems(_toy(2, "**Check, 2 points:** the fit.", locked=False))
    assert header_problems(_toy(2, "Checking the fit (2 points)."))


def test_passed_prints_one_marked_line_to_stdout_only():
    from main_ingredients import checks

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        checks.passed("architecture: one Dense layer")
    assert out.getvalue() == f"{checks.PASS_MARK} architecture: one Dense layer\n"
    assert checks.PASS_MARK == "\u2713"
    assert err.getvalue() == ""


def _public_checks(module) -> list[str]:
    """The functions of a check module that a test cell calls in its visible part."""
    names = set()
    for path in (ROOT / "source").glob("0[1-5]-*/*.ipynb"):
        for cell in nbformat.read(str(path), as_version=4).cells:
            if _is_test_cell(cell):
                visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
                names.update(re.findall(rf"checks\.{module}\.(\w+)\(", visible))
    return sorted(names)


@pytest.mark.parametrize("module", ["perceptron", "momentum", "capacity", "batch_size", "iris"])
def test_every_visible_check_prints_what_passed(module):
    """Each function a test cell calls (visibly) reports through ``checks.passed`` (read from its source)."""
    import importlib
    import inspect

    mod = importlib.import_module(f"main_ingredients.checks.{module}")
    functions = _public_checks(module)
    assert functions, module
    def reports(function) -> bool:
        source = inspect.getsource(function)
        helpers = [getattr(mod, h) for h in re.findall(r"\b(_\w+)\(", source) if callable(getattr(mod, h, None))]
        return "passed(" in source or any("passed(" in inspect.getsource(h) for h in helpers)

    silent = [name for name in functions if not reports(getattr(mod, name))]
    assert silent == []
