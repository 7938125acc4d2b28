"""Repairs of damaged submissions (grader.preprocessors.repair), as a kind each.

Fast tests align a damaged toy notebook with its release and check where every cell lands.
The slow tests grade one cohort of damaged but correct notebooks through ``python -m grader
autograde`` and through ``nbgrader autograde`` itself (what the formgrader's Autograde button
runs): both must read them as the correct notebooks they are.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cli_helpers import ANSWER, HALF, cell_index, filled, gradebook_scores, release_nb, submit, with_pasted_test
from grader.preprocessors.repair import WIDGET_STATE, repair_notebook


def _ids(nb) -> list:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def _strip(nb, *grade_ids):
    """Remove the nbgrader metadata of the named cells (all cells when none is named)."""
    for cell in nb.cells:
        if not grade_ids or cell.metadata.get("nbgrader", {}).get("grade_id") in grade_ids:
            cell.metadata.pop("nbgrader", None)
    return nb


def recreated_answer_without_test(root: Path):
    """Correct; the answer cell re-created (no metadata) and test-answer deleted."""
    nb = _strip(filled(root), "toy-answer")
    del nb.cells[cell_index(nb, "test-answer")]
    return nb


def all_metadata_stripped(root: Path, code: str = ANSWER):
    """Every cell's nbgrader metadata gone (another editor saved it)."""
    return _strip(filled(root, code))


def old_schema(root: Path):
    """Correct; metadata as nbgrader's schema 1 wrote it (no ``task``)."""
    nb = filled(root)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            meta.pop("task", None)
            meta["schema_version"] = 1
    return nb


def bad_widgets(root: Path):
    """Correct; a widget-state entry without its ``state`` key (some hosted services save it)."""
    nb = filled(root)
    nb.metadata["widgets"] = {WIDGET_STATE: {"version_major": 2, "version_minor": 0}}
    return nb


# ------------------------------------------------------------------ fast: where cells go

def test_a_recreated_answer_is_reidentified_and_the_deleted_test_goes_after_it(toy_root):
    nb = recreated_answer_without_test(toy_root)
    notes = repair_notebook(nb, release_nb(toy_root))
    assert _ids(nb) == ["intro", "setup", "toy-answer", "test-answer", "test-double"]
    assert nb.cells[cell_index(nb, "toy-answer")].source == ANSWER  # the student's code, not the release's
    assert any("re-identified" in n for n in notes) and any("restored" in n for n in notes), notes


def test_every_cell_stripped_gets_its_metadata_back_in_place(toy_root):
    nb = all_metadata_stripped(toy_root)
    repair_notebook(nb, release_nb(toy_root))
    assert _ids(nb) == ["intro", "setup", "toy-answer", "test-answer", "test-double"]
    release = release_nb(toy_root)
    assert [c.metadata.nbgrader for c in nb.cells] == [c.metadata.nbgrader for c in release.cells]


def test_a_restored_test_goes_after_the_students_extra_cells(toy_root):
    nb = filled(toy_root)
    i = cell_index(nb, "test-answer")
    nb.cells.insert(i, nbformat.v4.new_code_cell("answer = answer + 0  # student's own cell"))
    del nb.cells[cell_index(nb, "test-answer")]
    repair_notebook(nb, release_nb(toy_root))
    sources = [c.source for c in nb.cells]
    assert sources.index("answer = answer + 0  # student's own cell") < _ids(nb).index("test-answer")
    assert _ids(nb)[:3] == ["intro", "setup", "toy-answer"]


def test_a_deleted_setup_cell_goes_back_at_its_place_not_before_the_title(toy_root):
    nb = _strip(filled(toy_root), "toy-answer")
    del nb.cells[cell_index(nb, "setup")]
    repair_notebook(nb, release_nb(toy_root))
    assert _ids(nb) == ["intro", "setup", "toy-answer", "test-answer", "test-double"]


def test_old_schema_metadata_is_updated_as_nbgrader_update_does(toy_root):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = old_schema(toy_root)
    notes = repair_notebook(nb, release_nb(toy_root))
    MetadataValidator().validate_nb(nb)  # raises if anything is still outdated
    assert any("schema 1" in n for n in notes), notes


def test_bad_widget_metadata_is_dropped_and_good_is_kept(toy_root):
    nb = bad_widgets(toy_root)
    assert any("widget" in n for n in repair_notebook(nb, release_nb(toy_root)))
    assert "widgets" not in nb.metadata
    good = filled(toy_root)
    good.metadata["widgets"] = {WIDGET_STATE: {"state": {}, "version_major": 2, "version_minor": 0}}
    assert repair_notebook(good, release_nb(toy_root)) == []
    assert "widgets" in good.metadata


def test_a_duplicated_grade_id_leaves_no_empty_metadata(toy_root):
    """nbgrader's DeduplicateIds leaves ``nbgrader: {}``, later read as an outdated schema."""
    nb = with_pasted_test(toy_root)
    repair_notebook(nb, release_nb(toy_root))
    assert _ids(nb).count("test-answer") == 1
    assert all(c.metadata.get("nbgrader", None) != {} for c in nb.cells)


@pytest.mark.parametrize("make", [recreated_answer_without_test, all_metadata_stripped, old_schema, bad_widgets,
                                  with_pasted_test])
def test_repairs_are_idempotent(toy_root, make):
    nb = make(toy_root)
    repair_notebook(nb, release_nb(toy_root))
    once = copy.deepcopy(nb)
    assert repair_notebook(nb, release_nb(toy_root)) == []
    assert nb == once


def test_an_untouched_notebook_needs_no_repair(toy_root):
    nb = filled(toy_root)
    assert repair_notebook(nb, release_nb(toy_root)) == []


# ------------------------------------------------------------------ slow: graded by the real tools

def _cohort(root: Path) -> dict[str, float]:
    """Submit the damaged cohort; return each student's expected score."""
    submit(root, "recreated", recreated_answer_without_test(root))
    submit(root, "stripped", all_metadata_stripped(root))
    submit(root, "stripped_half", all_metadata_stripped(root, HALF))
    submit(root, "oldschema", old_schema(root))
    submit(root, "widgets", bad_widgets(root))
    submit(root, "dup", with_pasted_test(root))
    bom = submit(root, "bom", filled(root))
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    return {"recreated": 3.0, "stripped": 3.0, "stripped_half": 2.0, "oldschema": 3.0, "widgets": 3.0,
            "dup": 3.0, "bom": 3.0}


@pytest.mark.slow
def test_python_m_grader_reads_every_damaged_notebook_as_written(toy_root):
    expected = _cohort(toy_root)
    run = subprocess.run([sys.executable, "-m", "grader", "autograde", "--root", str(toy_root)],
                         capture_output=True, text=True, timeout=900, env=dict(os.environ, COLUMNS="200"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert gradebook_scores(toy_root) == expected, run.stdout
    assert "in their release position" in run.stdout and "byte-order mark" in run.stdout, run.stdout


@pytest.mark.slow
def test_nbgrader_autograde_gets_the_repairs_from_the_course_config(toy_root):
    """The formgrader's Autograde button runs ``nbgrader autograde``: the same repairs, the same scores."""
    expected = _cohort(toy_root)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    run = subprocess.run([os.path.join(bindir, "nbgrader"), "autograde", "toy", "--force"],
                         cwd=toy_root, capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "old version" not in run.stdout + run.stderr  # nbgrader's SchemaTooOldError message
    assert gradebook_scores(toy_root) == expected, run.stdout + run.stderr
