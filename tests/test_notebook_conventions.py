"""Static checks of the graded source notebooks (no kernel): the rules of docs/architecture.md
that nbgrader does not enforce itself."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GRADED = sorted(p for p in (ROOT / "source").glob("*/*.ipynb") if not p.parent.name.startswith("00-"))
SETUP = (
    "from main_ingredients import silence_tensorflow\n"
    "silence_tensorflow()"
)


def _meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _code(source: str) -> str:
    """Cell source without IPython magics (``%``/``!`` lines), so ``ast`` can parse it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def bare_last_expression(source: str) -> str | None:
    """Return the text of the cell's last statement if it is a bare, non-call expression.

    nbgrader reads a numeric value shown by a test cell's last expression as partial credit,
    so ``assert ...`` / assignments / calls (``print(...)``, which show nothing) are fine, but
    ``final_loss`` or ``x == 1`` as the last line are not.
    """
    tree = ast.parse(_code(source))
    if not tree.body:
        return None
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not isinstance(last.value, (ast.Call, ast.Constant)):
        return ast.unparse(last)
    return None


def test_bare_last_expression_detector():
    assert bare_last_expression("x = 1\nx") == "x"
    assert bare_last_expression("assert True") is None
    assert bare_last_expression("print(1)") is None


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.parent.name)
def test_test_cells_never_end_with_a_bare_expression(path):
    nb = nbformat.read(path, as_version=4)
    offenders = {
        _meta(c)["grade_id"]: bare_last_expression(c.source)
        for c in nb.cells
        if c.cell_type == "code" and _meta(c).get("grade")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.parent.name)
def test_graded_notebook_layout(path):
    """Setup cell first and locked; 10 points over test cells named test-*; unique grade_ids."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source.startswith(SETUP), "the first code cell must call silence_tensorflow() first"
    assert _meta(code[0]).get("locked") and _meta(code[0]).get("grade_id") == "setup"
    assert code[0].source.count("keras.utils.set_random_seed(") == 1
    ids = [_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("grade_id")]
    assert len(ids) == len(set(ids)), "duplicate grade_ids"
    tests = [c for c in nb.cells if _meta(c).get("grade") and c.cell_type == "code"]
    assert tests and all(_meta(c)["grade_id"].startswith("test-") and _meta(c).get("locked") for c in tests)
    assert sum(_meta(c)["points"] for c in tests) == 10
