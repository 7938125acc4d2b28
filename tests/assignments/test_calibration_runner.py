"""The calibration runner: threshold parsing, analysis, report, and one real run on the toy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import dataclasses
import json
import shutil

import pytest

from grader.calibration import __main__ as cli
from grader.calibration.runner import analyse, calibrate, notebook_seed, read_thresholds, render_markdown, seed_list
from grader.synthetic import read_notebook

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(__file__).resolve().parent / "files"


def load_toy_spec():
    """The spec of the toy assignment (``files/toy_spec.py``), loaded by path (no sys.path games)."""
    module_spec = importlib.util.spec_from_file_location("grading_toy_spec", FILES / "toy_spec.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.SPEC


TOY_SOURCE = FILES / "toy" / "source" / "90-toy" / "toy.ipynb"


def test_thresholds_and_seed_are_read_from_the_notebook():
    nb = read_notebook(TOY_SOURCE)
    spec = load_toy_spec()
    assert read_thresholds(spec, nb) == {"error": 0.1}
    missing = dataclasses.replace(spec.quantities[0], name="other", constant="MAX_OTHER")
    assert read_thresholds(dataclasses.replace(spec, quantities=(missing,)), nb) == {"other": None}
    assert notebook_seed(nb) == 123
    assert seed_list(123, 3) == [123, 1, 2, 3]
    assert seed_list(2, 3) == [2, 1, 3]


def test_two_seed_calls_are_refused():
    nb = read_notebook(TOY_SOURCE)
    nb.cells[2].source += "\nkeras.utils.set_random_seed(1)"
    with pytest.raises(ValueError, match="exactly one"):
        notebook_seed(nb)


def _result(ref_values, threshold=1.0, direction="max", mutant_failed=("test-a",), ref_failed=None):
    runs = [{"seed": s, "failed": dict(ref_failed or {}), "passed": ["test-a", "test-b"], "values": {"q": v},
             "cell_errors": {}} for s, v in enumerate(ref_values)]
    return {
        "assignment": "99-x", "notebook": "x", "generated": "now", "seeds": list(range(len(ref_values))),
        "mutant_seeds": [0], "tests": {"test-a": 4.0, "test-b": 6.0}, "thresholds": {"q": threshold},
        "quantities": [{"name": "q", "expr": "q", "description": "d", "direction": direction,
                        "constant": "MAX_Q", "check": "test-a"}],
        "mutants": {"m": {"fails": ["test-a"], "description": "wrong"}},
        "variants": {"reference": {"runs": runs}, "mutant:m": {"runs": [
            {"seed": 0, "failed": {g: "AssertionError" for g in mutant_failed}, "passed": [],
             "values": {"q": 5.0}, "cell_errors": {}}]}},
        "wall_time_s": 1.0,
    }


def test_analyse_accepts_a_calibrated_assignment():
    r = _result([0.5, 0.6, 0.7])
    r["quantities"][0]["description"] = "|q - 1|"
    assert analyse(r) == []
    r["problems"] = []
    md = render_markdown({"99-x": r})
    assert "| `q` |" in md and "0.3" in md and "30.0 %" in md and "| OK |" in md and "PROBLEM" not in md
    row = next(line for line in md.splitlines() if line.startswith("| `q` |"))
    assert "\\|q - 1\\|" in row and row.replace("\\|", "").count("|") == 11  # 10 columns


@pytest.mark.parametrize(
    ("result", "needle"),
    [
        (_result([0.5, 1.2]), "inside the reference spread"),
        (_result([1.5, 1.7], threshold=1.6, direction="min"), "inside the reference spread"),
        (_result([0.5], threshold=None), "no `MAX_Q = <number>`"),
        (_result([0.5, None]), "could not be evaluated"),
        (_result([0.5], ref_failed={"test-b": "AssertionError"}), "reference fails test-b"),
        (_result([0.5], mutant_failed=("test-a", "test-b")), "mutant m seed 0"),
        (_result([0.5], mutant_failed=()), "expected ['test-a']"),
    ],
)
def test_analyse_reports_problems(result, needle):
    problems = analyse(result)
    assert any(needle in p for p in problems), problems
    result["problems"] = problems
    assert "PROBLEM" in render_markdown({"99-x": result})


def test_may_fail_allows_an_extra_failure_but_not_a_missing_one():
    allowed = _result([0.5], mutant_failed=("test-a", "test-b"))
    allowed["mutants"]["m"]["may_fail"] = ["test-b"]
    assert analyse(allowed) == []
    md = render_markdown({"99-x": dict(allowed, problems=[])})
    assert "test-a (may also fail: test-b)" in md and "| OK |" in md
    missing = _result([0.5], mutant_failed=("test-b",))
    missing["mutants"]["m"]["may_fail"] = ["test-b"]
    assert any("expected ['test-a'] (and maybe ['test-b'])" in p for p in analyse(missing))


@pytest.mark.slow
@pytest.mark.xdist_group("toy")
def test_calibrate_the_toy_end_to_end(tmp_path):
    """One kernel per variant, two reference seeds, one mutant seed; then judged against a wrong spec."""
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(FILES / "toy" / "source", tmp_path / "source")
    spec = load_toy_spec()
    out = tmp_path / "docs" / "calibration.md"
    results, problems = calibrate([spec], root=tmp_path, n_seeds=1, mutant_seeds=1, out=out, show_progress=False)
    assert problems == [], problems
    r = results["90-toy"]
    ref = r["variants"]["reference"]["runs"]
    assert [run["seed"] for run in ref] == [123, 1]
    values = [run["values"]["error"] for run in ref]
    assert values[0] != values[1], "the seed substitution has no effect"
    assert all(run["passed"] == ["test-toy-mean", "test-toy-warnings"] for run in ref)
    assert r["variants"]["mutant:negative"]["runs"][0]["failed"].keys() == {"test-toy-mean", "test-toy-warnings"}
    assert "| `off` |" in out.read_text() and json.loads(out.with_suffix(".json").read_text())["assignments"]

    # the same results judged against a wrong `fails` and a threshold inside the reference spread
    wrong = json.loads(json.dumps(r))
    wrong["mutants"]["off"]["fails"] = ["test-toy-warnings"]
    wrong["thresholds"]["error"] = sorted(values)[0] + 1e-9
    text = "\n".join(analyse(wrong))
    assert "mutant off seed 123" in text and "inside the reference spread" in text, text


def test_cli_rejects_unknown_assignments(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["99-does-not-exist"])
    assert exc.value.code == 2
