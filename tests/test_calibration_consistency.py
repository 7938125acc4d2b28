"""The calibration record agrees with the checks: no threshold changed without re-calibrating.

Fast (no kernel): reads the specs, the source notebooks, the check library's constants and
``docs/calibration.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from grader.calibration.runner import read_thresholds
from grader.calibration.specs import MODULES, all_specs, load_spec
from grader.synthetic import notebook_path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "docs" / "calibration.json"


def _graded_assignments():
    out = []
    for folder in sorted((ROOT / "source").iterdir()):
        for path in folder.glob("*.ipynb"):
            nb = nbformat.read(str(path), as_version=4)
            if any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in nb.cells):
                out.append(folder.name)
    return out


def test_every_graded_assignment_has_a_spec_module():
    graded = _graded_assignments()
    assert graded, "no graded assignment found under source/"
    for assignment in graded:
        assert assignment in MODULES, f"{assignment} has test cells but no entry in grader.calibration.specs.MODULES"
        load_spec(assignment)  # raises ModuleNotFoundError when the module was deleted


def test_a_missing_spec_module_is_an_error(monkeypatch):
    from grader.calibration import specs

    monkeypatch.setitem(specs.MODULES, "99-gone", "gone_module_that_does_not_exist")
    with pytest.raises(ModuleNotFoundError):
        all_specs()


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.assignment)
def test_every_threshold_is_readable(spec):
    nb = nbformat.read(str(notebook_path(ROOT, "source", spec.assignment)), as_version=4)
    missing = [name for name, value in read_thresholds(spec, nb).items() if value is None]
    assert not missing, f"{spec.assignment}: no threshold found for {missing}"


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.assignment)
def test_calibration_record_matches_the_thresholds(spec):
    record = json.loads(RECORD.read_text(encoding="utf-8"))["assignments"]
    assert spec.assignment in record, f"{spec.assignment} was never calibrated: run make calibrate"
    entry = record[spec.assignment]
    nb = nbformat.read(str(notebook_path(ROOT, "source", spec.assignment)), as_version=4)
    now = read_thresholds(spec, nb)
    assert entry["thresholds"] == now, (
        f"{spec.assignment}: docs/calibration.json records {entry['thresholds']}, the checks now use {now}: "
        "re-run make calibrate"
    )
    assert sorted(entry["mutants"]) == sorted(m.name for m in spec.mutants), (
        f"{spec.assignment}: the calibrated mutants differ from the spec's: re-run make calibrate"
    )
