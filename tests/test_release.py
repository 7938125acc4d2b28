"""``release/`` is generated from ``source/`` and leaks nothing; ``source/`` is committed clean.

If a test here fails after editing a source notebook: run `make release` and commit ``release/``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"

SOURCE_NOTEBOOKS = sorted(SOURCE.glob("*/*.ipynb"))
RELEASE_NOTEBOOKS = sorted(RELEASE.glob("*/*.ipynb"))
BLOCK = re.compile(r"^[ \t]*###[ \t]*BEGIN (SOLUTION|HIDDEN TESTS)[ \t]*\n(.*?)^[ \t]*###[ \t]*END \1[ \t]*$",
                   re.MULTILINE | re.DOTALL)
MIN_LINE = 12  # shorter lines (``)``, ``x = 1``) may occur anywhere by chance


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def _nbgrader(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _secret_lines(nb) -> tuple[list[str], list[str]]:
    """(blocks, lines): the solution/hidden-test blocks of a source notebook, and their lines that occur
    nowhere else in the notebook (outside the blocks), long enough to be meaningful."""
    blocks, inside = [], []
    outside_text = []
    for cell in nb.cells:
        src = cell.source
        for m in BLOCK.finditer(src):
            blocks.append(m.group(2).strip())
            inside += [line.strip() for line in m.group(2).splitlines()]
        outside_text.append(BLOCK.sub("", src))
    outside = "\n".join(outside_text)
    lines = sorted({ln for ln in inside if len(ln) >= MIN_LINE and ln not in outside})
    return [b for b in blocks if b], lines


def _release_text(assignment: str) -> str:
    parts = []
    for path in sorted((RELEASE / assignment).rglob("*")):
        if path.suffix == ".ipynb":
            nb = _read(path)
            for cell in nb.cells:
                parts.append(cell.source)
                for out in cell.get("outputs", []):
                    parts.append(str(out.get("text", "")) + str(out.get("data", "")))
        elif path.is_file() and path.suffix in {".py", ".txt", ".md", ".csv", ".json"}:
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=_id)
def test_source_notebooks_have_no_outputs(path):
    nb = _read(path)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{_id(path)}: cells {dirty} have outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=_id)
def test_release_leaks_no_solution_or_hidden_test(path):
    assignment = path.parent.name
    if not (RELEASE / assignment).is_dir():
        pytest.fail(f"release/{assignment} is missing: run `make release`")
    text = _release_text(assignment)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"release/{assignment} contains {marker!r}: run `make release`"
    blocks, lines = _secret_lines(_read(path))
    leaked = [b for b in blocks if b in text] + [ln for ln in lines if ln in text]
    assert not leaked, f"release/{assignment} contains solution or hidden-test text: {leaked[:5]}"


def test_every_source_assignment_is_released():
    missing = sorted({p.parent.name for p in SOURCE_NOTEBOOKS} - {p.parent.name for p in RELEASE_NOTEBOOKS})
    extra = sorted({_id(p) for p in RELEASE_NOTEBOOKS} - {_id(p) for p in SOURCE_NOTEBOOKS})
    assert not missing, f"not released: {missing}: run `make release`"
    assert not extra, f"release/ has notebooks with no source: {extra}"


def _cells(nb):
    return [(c.cell_type, c.source, _nbgrader(c)) for c in nb.cells]


@pytest.mark.slow
def test_release_is_in_sync_with_source(tmp_path):
    """Regenerate release/ into a copy of the course and compare with the committed one."""
    from grader.course import assignment_ids
    from grader.release import generate_release

    bindir = str(Path(sys.executable).parent)  # nbgrader's Gradebook runs `alembic` from PATH
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(SOURCE, tmp_path / "source")
    names = [a for a in assignment_ids(tmp_path) if (tmp_path / "source" / a).is_dir()]
    generate_release(root=tmp_path, assignments=names)
    fresh = sorted((tmp_path / "release").glob("*/*.ipynb"))
    assert [_id(p) for p in fresh] == [_id(p) for p in RELEASE_NOTEBOOKS], "release/ is stale: run `make release`"
    for new in fresh:
        committed = RELEASE / new.parent.name / new.name
        got, want = _cells(_read(committed)), _cells(_read(new))
        assert len(got) == len(want), f"release/{_id(new)} is stale (cell count): run `make release`"
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"release/{_id(new)} cell {i} differs from a fresh release: run `make release`"
