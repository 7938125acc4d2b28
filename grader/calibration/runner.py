"""Run the calibration: reference solutions under many seeds, mutants under a few.

For each assignment spec the instructor's *source* notebook (it holds the hidden
tests) is executed in one Jupyter kernel per variant (the reference, each
mutant), reused across seeds to pay TensorFlow's import once. For every seed the
runner

1. clears Keras' global state and the kernel's namespace,
2. runs the setup cell with ``keras.utils.set_random_seed(<seed>)`` substituted,
3. runs every code cell in notebook order, solution cells replaced by the
   variant's answers; a test cell fails when it raises (or writes to stderr
   something the course's ``IgnorePattern`` does not drop, as in nbgrader),
4. evaluates each :class:`~grader.calibration.spec.Quantity` expression.

Thresholds are read from the hidden tests (``CONSTANT = <number>`` in the test
cell named by ``Quantity.check``). :func:`analyse` turns the raw results into
problems (a threshold inside the reference spread, a reference failing a test,
a mutant failing other cells than its ``fails``), :func:`render_markdown` writes
``docs/calibration.md``. Entry point: ``python -m grader.calibration``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from grader.calibration.spec import AssignmentSpec
from grader.synthetic import _grade_id, is_solution_cell, notebook_path, variant_answers

__all__ = [
    "SEED_CALL",
    "read_thresholds",
    "notebook_seed",
    "seed_list",
    "run_variant",
    "run_assignment",
    "analyse",
    "render_markdown",
    "merge_results",
    "calibrate",
    "rerender_markdown",
]

#: The seed call of the setup cell; the runner substitutes the integer.
SEED_CALL = re.compile(r"keras\.utils\.set_random_seed\(\s*(\d+)\s*\)")

_RESULT_TAG = "__CALIBRATION_VALUES__"

#: Run before every seed: Keras' global state and the user namespace are reset so
#: nothing leaks from the previous seed (modules stay imported: cheap).
_RESET_CODE = """\
import sys as _sys
if "keras" in _sys.modules:
    _sys.modules["keras"].backend.clear_session()
del _sys
get_ipython().run_line_magic("reset", "-f")
"""


def _nbgrader(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(_nbgrader(cell).get("grade")) and not is_solution_cell(cell)


def read_thresholds(spec: AssignmentSpec, source_nb: NotebookNode) -> dict[str, float | None]:
    """Read each quantity's threshold from the hidden tests of the source notebook.

    Parameters
    ----------
    spec : AssignmentSpec
    source_nb : nbformat.NotebookNode
        The instructor's notebook.

    Returns
    -------
    dict of str to float or None
        Quantity name -> the number assigned to ``Quantity.constant`` in the cell
        whose grade_id is ``Quantity.check`` (``None`` if not found).
    """
    cells = {_grade_id(c): c for c in source_nb.cells if _grade_id(c)}
    out: dict[str, float | None] = {}
    for q in spec.quantities:
        if "." in q.constant:  # a constant of the check library, e.g. "perceptron.MAX_MSE"
            out[q.name] = _library_constant(q.constant)
            continue
        cell = cells.get(q.check)
        match = None
        if cell is not None:
            pattern = rf"^[ \t]*{re.escape(q.constant)}[ \t]*=[ \t]*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[ \t]*(?:#.*)?$"
            match = re.search(pattern, cell.source, flags=re.MULTILINE)
        out[q.name] = float(match.group(1)) if match else None
    return out


def _library_constant(dotted: str) -> float | None:
    """``"perceptron.MAX_MSE"`` -> the value of ``main_ingredients.checks.perceptron.MAX_MSE``."""
    import importlib

    module, _, name = dotted.rpartition(".")
    try:
        value = getattr(importlib.import_module(f"main_ingredients.checks.{module}"), name)
    except (ImportError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def notebook_seed(source_nb: NotebookNode) -> int:
    """Return the seed of the notebook's single ``keras.utils.set_random_seed`` call.

    Parameters
    ----------
    source_nb : nbformat.NotebookNode

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the call is missing, appears more than once, or is not in the setup cell.
    """
    hits = [(c, m) for c in source_nb.cells if c.cell_type == "code" for m in SEED_CALL.finditer(c.source)]
    if len(hits) != 1:
        raise ValueError(f"expected exactly one keras.utils.set_random_seed(<int>) call, found {len(hits)}")
    cell, match = hits[0]
    if _grade_id(cell) != "setup":
        raise ValueError("keras.utils.set_random_seed(<int>) must be in the cell with grade_id 'setup'")
    return int(match.group(1))


def seed_list(own_seed: int, n: int) -> list[int]:
    """Return the reference seeds: the notebook's own seed first, then 1..n.

    Parameters
    ----------
    own_seed : int
        The notebook's seed (the one nbgrader grades with).
    n : int
        How many extra seeds.

    Returns
    -------
    list of int
        ``[own_seed, 1, 2, ..., n]`` without duplicates. Mutants use its first M.
    """
    return [own_seed] + [s for s in range(1, n + 1) if s != own_seed]


def _values_code(spec: AssignmentSpec) -> str:
    exprs = {q.name: q.expr for q in spec.quantities}
    return (
        "def _calibration_values(_exprs):\n"
        "    import json as _json\n"
        "    _out = {}\n"
        "    for _name, _expr in _exprs.items():\n"
        "        try:\n"
        "            _v = float(eval(_expr, globals()))\n"
        "            _out[_name] = _v if _v == _v and abs(_v) != float('inf') else None\n"
        "        except Exception as _exc:\n"
        "            _out[_name] = None\n"
        f"    print({_RESULT_TAG!r} + _json.dumps(_out))\n"
        f"_calibration_values({exprs!r})\n"
        "del _calibration_values\n"
    )


def _stdout(cell: NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _failure(cell: NotebookNode, ignore: re.Pattern | None) -> str | None:
    """Why nbgrader would give this executed test cell 0 points, or None."""
    for out in cell.outputs:
        if out.output_type == "error":
            return f"{out.ename}: {out.evalue}"[:300]
    for out in cell.outputs:
        if out.output_type == "stream" and out.name == "stderr":
            if ignore is None or not ignore.search(out.text):
                return "stderr: " + out.text.strip()[:300]
    return None


def _error(cell: NotebookNode) -> str | None:
    for out in cell.outputs:
        if out.output_type == "error":
            return f"{out.ename}: {out.evalue}"[:300]
    return None


def run_variant(
    spec: AssignmentSpec,
    source_nb: NotebookNode,
    answers: dict[str, str],
    seeds: list[int],
    cwd: str | os.PathLike,
    ignore_pattern: str | None = None,
    timeout: int = 600,
    on_seed: Callable[[int, dict], None] | None = None,
) -> list[dict[str, Any]]:
    """Run one variant of a source notebook under several seeds in one kernel.

    Parameters
    ----------
    spec : AssignmentSpec
    source_nb : nbformat.NotebookNode
        The instructor's notebook (its test cells, with hidden tests, are run).
    answers : dict of str to str
        Solution cell grade_id -> code (see :func:`grader.synthetic.variant_answers`).
    seeds : list of int
    cwd : path-like
        Working directory of the kernel (the assignment's source folder).
    ignore_pattern : str or None
        nbgrader's ``IgnorePattern.pattern``: stderr output it matches is dropped.
    timeout : int
        Seconds per cell.
    on_seed : callable or None
        Called as ``on_seed(seed, run)`` after each seed (progress).

    Returns
    -------
    list of dict
        One per seed: ``seed``, ``failed`` (test grade_id -> reason),
        ``passed`` (test grade_ids), ``values`` (quantity name -> float or None),
        ``cell_errors`` (grade_id or index of other cells that raised -> message),
        ``time_s``; or ``kernel_error`` if the kernel died.
    """
    from nbclient import NotebookClient

    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    ignore = re.compile(ignore_pattern) if ignore_pattern else None
    # nbclient stores each executed cell into ``client.nb.cells[index]``: give it a
    # scratch notebook (one slot per cell, plus one for the runner's own cells).
    from nbformat.v4 import new_notebook

    scratch = new_notebook(cells=[new_code_cell("") for _ in range(len(nb.cells) + 1)], metadata=nb.metadata)
    import zmq
    from traitlets.config import Config

    config = Config()
    if zmq.has("curve"):  # encrypted kernel transport: no "running over TCP without encryption" warning
        config.KernelManager.transport_encryption = "auto"
    client = NotebookClient(
        scratch,
        config=config,
        timeout=timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    runs: list[dict[str, Any]] = []
    with client.setup_kernel():
        for seed in seeds:
            start = time.perf_counter()
            run: dict[str, Any] = {"seed": seed, "failed": {}, "passed": [], "values": {}, "cell_errors": {}}
            try:
                client.execute_cell(new_code_cell(_RESET_CODE), len(nb.cells), store_history=False)
                for index, original in enumerate(nb.cells):
                    if original.cell_type != "code":
                        continue
                    cell = copy.deepcopy(original)
                    gid = _grade_id(cell)
                    if is_solution_cell(cell) and gid in answers:
                        cell.source = answers[gid]
                    if gid == "setup":
                        cell.source = SEED_CALL.sub(f"keras.utils.set_random_seed({seed})", cell.source)
                    client.execute_cell(cell, index)
                    if _is_test_cell(cell):
                        reason = _failure(cell, ignore)
                        if reason:
                            run["failed"][gid] = reason
                        else:
                            run["passed"].append(gid)
                    else:
                        err = _error(cell)
                        if err:
                            run["cell_errors"][gid or f"cell {index}"] = err
                probe = new_code_cell(_values_code(spec))
                client.execute_cell(probe, len(nb.cells), store_history=False)
                text = _stdout(probe)
                if _RESULT_TAG in text:
                    run["values"] = json.loads(text.split(_RESULT_TAG, 1)[1].splitlines()[0])
                else:
                    run["values"] = {q.name: None for q in spec.quantities}
                    run["cell_errors"]["<quantities>"] = _error(probe) or "no values printed"
            except Exception as exc:  # dead kernel, timeout: record and stop this variant
                run["kernel_error"] = f"{type(exc).__name__}: {exc}"[:500]
                run["time_s"] = round(time.perf_counter() - start, 2)
                runs.append(run)
                if on_seed:
                    on_seed(seed, run)
                break
            run["time_s"] = round(time.perf_counter() - start, 2)
            runs.append(run)
            if on_seed:
                on_seed(seed, run)
    return runs


def run_assignment(
    spec: AssignmentSpec,
    root: str | os.PathLike | None = None,
    n_seeds: int = 20,
    mutant_seeds: int = 5,
    progress: Any = None,
) -> dict[str, Any]:
    """Calibrate one assignment: the reference under all seeds, each mutant under a few.

    Parameters
    ----------
    spec : AssignmentSpec
    root : path-like or None
        Course root.
    n_seeds : int
        Reference seeds ``1..n_seeds`` (plus the notebook's own seed).
    mutant_seeds : int
        Each mutant runs the first ``mutant_seeds`` reference seeds.
    progress : rich.progress.Progress or None
        Progress display (one task per variant).

    Returns
    -------
    dict
        Raw results (JSON-serialisable), see :func:`analyse` for its use.
    """
    from grader.course import load_config

    start = time.perf_counter()
    cfg = load_config(root)  # also sets the kernels' environment defaults
    ignore = cfg.IgnorePattern.pattern if cfg.get("IgnorePattern", {}).get("enabled", False) else None
    path = notebook_path(root, "source", spec.assignment)
    source_nb = nbformat.read(str(path), as_version=4)
    seeds = seed_list(notebook_seed(source_nb), n_seeds)
    m_seeds = seeds[: max(1, mutant_seeds)]
    tests = {
        _grade_id(c): float(_nbgrader(c).get("points", 0)) for c in source_nb.cells if _is_test_cell(c)
    }
    result: dict[str, Any] = {
        "assignment": spec.assignment,
        "notebook": spec.notebook,
        "generated": _dt.datetime.now().isoformat(timespec="seconds"),
        "seeds": seeds,
        "mutant_seeds": m_seeds,
        "tests": tests,
        "thresholds": read_thresholds(spec, source_nb),
        "quantities": [
            {"name": q.name, "expr": q.expr, "description": q.description,
             "direction": q.direction, "constant": q.constant, "check": q.check}
            for q in spec.quantities
        ],
        "mutants": {m.name: {"fails": list(m.fails), "may_fail": list(m.may_fail), "description": m.description}
                    for m in spec.mutants},
        "styles": {st.name: {"description": st.description} for st in spec.styles},
        "variants": {},
    }
    variants = ([("reference", None, seeds)] + [("mutant", m.name, m_seeds) for m in spec.mutants]
                + [("style", st.name, m_seeds) for st in spec.styles])
    for kind, name, vseeds in variants:
        label = "reference" if kind == "reference" else f"{kind}:{name}"
        try:
            answers = variant_answers(spec, source_nb, kind, name)
        except ValueError as exc:
            result["variants"][label] = {"runs": [], "build_error": str(exc)}
            continue
        task = progress.add_task(f"{spec.assignment} {label}", total=len(vseeds)) if progress else None

        def advance(seed, run, task=task):
            if progress is not None:
                progress.advance(task)

        runs = run_variant(spec, source_nb, answers, vseeds, path.parent, ignore, on_seed=advance)
        result["variants"][label] = {"runs": runs}
    result["wall_time_s"] = round(time.perf_counter() - start, 1)
    result["problems"] = analyse(result)
    return result


def _finite(values):
    return [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


def _margin(direction: str, threshold: float | None, values: list[float]) -> float | None:
    if threshold is None or not values:
        return None
    return threshold - max(values) if direction == "max" else min(values) - threshold


def analyse(result: dict[str, Any]) -> list[str]:
    """Return the PROBLEM lines of one assignment's raw results (empty if calibrated).

    Parameters
    ----------
    result : dict
        As returned by :func:`run_assignment`.

    Returns
    -------
    list of str
        One message per problem: a threshold missing or inside the reference spread
        (margin <= 0), a quantity the reference cannot evaluate, the reference failing
        a test or raising in any cell, a mutant whose failed test cells differ from its
        ``fails`` on any seed, a variant that could not be built or whose kernel died.
    """
    a = result["assignment"]
    problems: list[str] = []
    ref = result["variants"].get("reference", {"runs": []})
    ref_runs = ref.get("runs", [])
    if not ref_runs:
        problems.append(f"{a}: the reference did not run ({ref.get('build_error', 'no runs')})")
    for q in result["quantities"]:
        thr = result["thresholds"].get(q["name"])
        values = [r["values"].get(q["name"]) for r in ref_runs if "values" in r]
        if thr is None:
            problems.append(f"{a}: no `{q['constant']} = <number>` in test cell {q['check']} (quantity {q['name']})")
        if any(v is None for v in values):
            problems.append(f"{a}: quantity {q['name']} (`{q.get('expr', '')}`) could not be evaluated for the reference on some seed")
        margin = _margin(q["direction"], thr, _finite(values))
        if margin is not None and margin <= 0:
            problems.append(
                f"{a}: threshold {q['constant']}={thr:g} of {q['name']} is inside the reference spread "
                f"[{min(_finite(values)):.4g}, {max(_finite(values)):.4g}]"
            )
    for r in ref_runs:
        if r.get("kernel_error"):
            problems.append(f"{a}: reference seed {r['seed']}: {r['kernel_error']}")
        for gid, why in r["failed"].items():
            problems.append(f"{a}: reference fails {gid} on seed {r['seed']}: {why}")
        for where, why in r["cell_errors"].items():
            problems.append(f"{a}: reference raises in {where} on seed {r['seed']}: {why}")
    for name, info in result["mutants"].items():
        var = result["variants"].get(f"mutant:{name}", {"runs": []})
        if var.get("build_error"):
            problems.append(f"{a}: mutant {name} cannot be built: {var['build_error']}")
            continue
        if not var["runs"]:
            problems.append(f"{a}: mutant {name} did not run")
        expected, may = set(info["fails"]), set(info.get("may_fail", ()))
        unknown = (expected | may) - set(result["tests"])
        if unknown:
            problems.append(f"{a}: mutant {name} lists unknown test cells {sorted(unknown)}")
        for r in var["runs"]:
            if r.get("kernel_error"):
                problems.append(f"{a}: mutant {name} seed {r['seed']}: {r['kernel_error']}")
                continue
            got = set(r["failed"])
            if not expected <= got <= expected | may:
                problems.append(
                    f"{a}: mutant {name} seed {r['seed']}: fails {sorted(got) or 'nothing'}, "
                    f"expected {sorted(expected) or 'nothing'}"
                    + (f" (and maybe {sorted(may)})" if may else "")
                )
    for name in result.get("styles", {}):
        var = result["variants"].get(f"style:{name}", {"runs": []})
        if var.get("build_error") or not var["runs"]:
            problems.append(f"{a}: style {name} did not run ({var.get('build_error', 'no runs')})")
        for r in var["runs"]:
            if r.get("kernel_error"):
                problems.append(f"{a}: style {name} seed {r['seed']}: {r['kernel_error']}")
            for gid, why in r["failed"].items():
                problems.append(f"{a}: style {name} loses the points of {gid} on seed {r['seed']}: {why}")
    if result.get("tests") and abs(sum(result["tests"].values()) - 10) > 1e-9:
        problems.append(f"{a}: test cells total {sum(result['tests'].values()):g} points, expected 10")
    return problems


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def _median(values) -> float | None:
    values = _finite(values)
    return statistics.median(values) if values else None


def render_assignment(result: dict[str, Any]) -> str:
    """Render one assignment's results as a Markdown section.

    Parameters
    ----------
    result : dict
        As returned by :func:`run_assignment` (with ``problems``).

    Returns
    -------
    str
    """
    a = result["assignment"]
    ref_runs = [r for r in result["variants"].get("reference", {}).get("runs", []) if "values" in r]
    mutant_names = list(result["mutants"])
    lines = [
        f"## {a}",
        "",
        f"Notebook `{result['notebook']}.ipynb`, run {result['generated']}, wall time "
        f"{result['wall_time_s']:.0f} s. Reference seeds: {', '.join(map(str, result['seeds']))} "
        f"({len(ref_runs)} runs); mutant seeds: {', '.join(map(str, result['mutant_seeds']))}.",
        "",
        "### Quantities",
        "",
    ]
    head = ["quantity", "description", "direction", "threshold", "ref min", "ref median", "ref max",
            "margin", "margin %"] + [f"mutant `{m}`: best (separation)" for m in mutant_names]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for q in result["quantities"]:
        thr = result["thresholds"].get(q["name"])
        vals = _finite([r["values"].get(q["name"]) for r in ref_runs])
        margin = _margin(q["direction"], thr, vals)
        pct = None if margin is None or not thr else 100 * margin / abs(thr)
        rel = "<=" if q["direction"] == "max" else ">="
        row = [
            f"`{q['name']}`", _md(q["description"]), f"{q['direction']} (value {rel} threshold)",
            f"`{q['constant']}` = {_fmt(thr)}",
            _fmt(min(vals) if vals else None), _fmt(_median(vals)), _fmt(max(vals) if vals else None),
            _fmt(margin) + (" **PROBLEM**" if margin is not None and margin <= 0 else ""),
            "n/a" if pct is None else f"{pct:.1f} %",
        ]
        for m in mutant_names:
            runs = result["variants"].get(f"mutant:{m}", {}).get("runs", [])
            mvals = _finite([r.get("values", {}).get(q["name"]) for r in runs])
            if not mvals or thr is None:
                row.append("n/a")
                continue
            # the mutant's value closest to passing, and how far it stays on the failing side
            best = min(mvals) if q["direction"] == "max" else max(mvals)
            separation = best - thr if q["direction"] == "max" else thr - best
            row.append(f"{_fmt(best)} ({'+' if separation > 0 else ''}{_fmt(separation)})")
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "### Mutants", "",
              "| mutant | description | must fail (`fails`) | failed per seed | points lost per seed | verdict |",
              "|---|---|---|---|---|---|"]
    tests = result["tests"]
    for m, info in result["mutants"].items():
        var = result["variants"].get(f"mutant:{m}", {"runs": []})
        expected, may = set(info["fails"]), set(info.get("may_fail", ()))
        if var.get("build_error"):
            lines.append(f"| `{m}` | {_md(info['description'])} | {', '.join(info['fails'])} | cannot build: "
                         f"{_md(var['build_error'].splitlines()[0])} | | **PROBLEM** |")
            continue
        per_seed, lost, ok = [], [], bool(var["runs"])
        for r in var["runs"]:
            if r.get("kernel_error"):
                per_seed.append(f"{r['seed']}: kernel error")
                ok = False
                continue
            got = set(r["failed"])
            ok &= expected <= got <= expected | may
            per_seed.append(f"{r['seed']}: {', '.join(sorted(got)) or '(none)'}")
            lost.append(f"{sum(tests.get(g, 0) for g in got):g}")
        lines.append(
            f"| `{m}` | {_md(info['description'])} | {', '.join(sorted(expected)) or '(none)'}"
            f"{' (may also fail: ' + ', '.join(sorted(may)) + ')' if may else ''} | "
            f"{'<br>'.join(per_seed)} | {' / '.join(lost)} | {'OK' if ok else '**PROBLEM**'} |"
        )
    if result.get("styles"):
        lines += ["", "### Styles (other correct answers: every test cell on every seed)", "",
                  "| style | description | seeds | points lost per seed | verdict |", "|---|---|---|---|---|"]
        for st, info in result["styles"].items():
            runs = result["variants"].get(f"style:{st}", {}).get("runs", [])
            lost = [f"{sum(tests.get(g, 0) for g in r.get('failed', {})):g}" for r in runs]
            ok = bool(runs) and all(not r.get("failed") and not r.get("kernel_error") for r in runs)
            lines.append(f"| `{st}` | {_md(info['description'])} | {', '.join(str(r['seed']) for r in runs)} | "
                         f"{' / '.join(lost) or 'n/a'} | {'OK' if ok else '**PROBLEM**'} |")
    lines += ["", "### Reference pass rate per test cell (must be 100 %)", "",
              "| test cell | points | passed | rate |", "|---|---|---|---|"]
    all_ref = result["variants"].get("reference", {}).get("runs", [])
    for gid, pts in tests.items():
        n_pass = sum(1 for r in all_ref if gid in r.get("passed", []))
        rate = 100 * n_pass / len(all_ref) if all_ref else 0
        flag = "" if all_ref and n_pass == len(all_ref) else " **PROBLEM**"
        lines.append(f"| `{gid}` | {pts:g} | {n_pass}/{len(all_ref)} | {rate:.0f} %{flag} |")
    lines.append("")
    if result["problems"]:
        lines += ["### Problems", ""] + [f"* PROBLEM {p}" for p in result["problems"]] + [""]
    else:
        lines += ["No problems: every threshold is outside the reference spread, the reference passes every "
                  "test on every seed, every mutant fails exactly its `fails`.", ""]
    return "\n".join(lines)


def render_markdown(results: dict[str, dict[str, Any]]) -> str:
    """Render ``docs/calibration.md`` from the raw results of several assignments.

    Parameters
    ----------
    results : dict of str to dict
        Assignment id -> result of :func:`run_assignment`.

    Returns
    -------
    str
    """
    from grader.calibration.specs import MODULES

    order = [a for a in MODULES if a in results] + sorted(a for a in results if a not in MODULES)
    parts = [
        "# Calibration of the hidden tests",
        "",
        "Generated by `make calibrate` (`python -m grader.calibration`); raw data in `docs/calibration.json`.",
        "Each graded notebook's *source* (with its hidden tests) was run with the reference solution under many",
        "seeds, and with each mutant (a wrong answer from `grader/calibration/specs/`) and each other correct",
        "style under a few seeds. The *margin* is the distance from the threshold to the worst reference value",
        "(positive: every reference run passes with room to spare); *margin %* is that distance as a share of",
        "the threshold. For each mutant the table gives its value closest to passing over its seeds and its",
        "*separation* from the threshold (positive: caught on every seed by that threshold alone; a mutant",
        "meant to be caught by another check may pass this one).",
        "",
        "| assignment | reference runs | mutants | wall time | problems |",
        "|---|---|---|---|---|",
    ]
    for a in order:
        r = results[a]
        n_ref = len(r["variants"].get("reference", {}).get("runs", []))
        parts.append(f"| {a} | {n_ref} | {len(r['mutants'])} | {r['wall_time_s']:.0f} s | "
                     f"{len(r['problems']) or 'none'} |")
    parts.append("")
    parts += _render_sealed_bench()
    for a in order:
        parts.append(render_assignment(results[a]))
    return "\n".join(parts)


def _render_sealed_bench() -> list[str]:
    """The section on the sealed checks' cost, from ``docs/sealed_bench.json`` (benchmarks/bench_sealed.py)."""
    path = Path(__file__).resolve().parents[2] / "docs" / "sealed_bench.json"
    if not path.is_file():
        return []
    bench = json.loads(path.read_text(encoding="utf-8"))
    lines = ["## What the sealed checks cost", "",
             f"`benchmarks/bench_sealed.py` ({bench.get('generated', '?')}): the reference notebook of each "
             "assignment autograded in the sandbox, median seconds per notebook, with the sealed checks "
             "(hidden re-training included) and with the whole test cells in the student's kernel as before. "
             "*Cold*: the re-training cache empty (the first notebook of a run, or a recipe no earlier "
             "notebook had); *warm*: a classmate with the same recipe (re-trained once per run)."
             + (f" Conditions: {bench['conditions']}" if bench.get("conditions") else ""),
             "", "| assignment | in the kernel | sealed, warm | overhead | sealed, cold | overhead |",
             "|---|---|---|---|---|---|"]
    for a, row in bench.get("assignments", {}).items():
        cold = (f"{row['sealed_cold_s']:.1f} s | {row['overhead_cold_pct']:+.1f} %" if "sealed_cold_s" in row
                else "not measured | ")
        lines.append(f"| {a} | {row['in_kernel_s']:.1f} s | {row['sealed_s']:.1f} s | {row['overhead_pct']:+.1f} % "
                     f"| {cold} |")
    return lines + [""]


def merge_results(path: str | os.PathLike, new: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Merge new results over those stored in a JSON file (other assignments are kept).

    Parameters
    ----------
    path : path-like
        ``docs/calibration.json`` (may not exist).
    new : dict of str to dict
        Assignment id -> result.

    Returns
    -------
    dict of str to dict
    """
    old: dict[str, dict[str, Any]] = {}
    p = Path(path)
    if p.is_file():
        try:
            old = json.loads(p.read_text()).get("assignments", {})
        except (ValueError, AttributeError):
            old = {}
    old.update(new)
    return old


def calibrate(
    specs: list[AssignmentSpec],
    root: str | os.PathLike | None = None,
    n_seeds: int = 20,
    mutant_seeds: int = 5,
    out: str | os.PathLike | None = None,
    show_progress: bool = True,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Calibrate assignments and write the Markdown and JSON reports.

    Parameters
    ----------
    specs : list of AssignmentSpec
    root : path-like or None
        Course root.
    n_seeds, mutant_seeds : int
        See :func:`run_assignment`.
    out : path-like or None
        Markdown file (default ``<root>/docs/calibration.md``); the JSON goes beside it
        with suffix ``.json``. Results of assignments not run now are kept from the JSON.
    show_progress : bool
        Show a rich progress bar.

    Returns
    -------
    (dict, list of str)
        All results written (merged), and the PROBLEM lines of the assignments run now.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from grader.course import find_course_root

    course = find_course_root(root)
    md_path = Path(out) if out else course / "docs" / "calibration.md"
    json_path = md_path.with_suffix(".json")
    new: dict[str, dict[str, Any]] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not show_progress, transient=False) as progress:
        for spec in specs:
            new[spec.assignment] = run_assignment(spec, course, n_seeds, mutant_seeds, progress)
    results = merge_results(json_path, new)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps({"assignments": results}, indent=1) + "\n")
    md_path.write_text(render_markdown(results))
    problems = [p for r in new.values() for p in r["problems"]]
    return results, problems


def rerender_markdown(
    root: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
) -> tuple[Path, int]:
    """Rewrite the Markdown report from the JSON beside it, running nothing.

    Parameters
    ----------
    root : path-like or None
        Course root (used only when `out` is ``None``).
    out : path-like or None
        Markdown file (default ``<root>/docs/calibration.md``); its results are read from the
        file of the same name with suffix ``.json``.

    Returns
    -------
    (pathlib.Path, int)
        The Markdown file written and the number of assignments in it.

    Raises
    ------
    FileNotFoundError
        If the JSON file does not exist.
    """
    from grader.course import find_course_root

    md_path = Path(out) if out else find_course_root(root) / "docs" / "calibration.md"
    results = json.loads(md_path.with_suffix(".json").read_text())["assignments"]
    md_path.write_text(render_markdown(results))
    return md_path, len(results)
