"""Throughput of ``python -m grader autograde`` on one cohort: serial, ``--workers 2``, a Dask cluster, the floor.

Usage::

    .venv/bin/python benchmarks/bench_throughput.py [--notebooks 40] [--assignment 01-perceptron]
        [--modes floor,serial-bare,serial-sandbox,serial,workers,dask] [--workers 2]
        [--breakdown | --no-breakdown] [--timeout S]

``make bench`` runs it with the defaults (issue 10's figures and the sandbox's added cost,
in one table). It works in a temporary copy of the course (``nbgrader_config.py``,
``source/``, ``release/``; the real ``submitted/`` and ``gradebook.db`` are never touched),
builds ONE cohort of ``--notebooks`` submissions of ``--assignment`` with
:mod:`grader.synthetic` (mostly the reference solution under different student ids, about
10 % calibration mutants and 5 % blank release notebooks) and then, printing each figure as
soon as it is measured:

0. ``--breakdown`` (default on): where the seconds of one notebook of the cohort go (kernel
   start, set-up cell, the student's cells, the visible test cells, the sealed checks,
   nbgrader's own work), measured piece by piece with ``nbclient`` and the grader's functions;
1. ``floor``: ``jupyter nbconvert --to notebook --execute`` of every submitted notebook, one
   after the other (a new Python per notebook, no sandbox, no nbgrader, no hidden checks);
2. ``serial-bare``: ``python -m grader autograde --workers 1 --no-sandbox`` with the sealed
   checks off (``c.SealTests.enabled = False`` in the copy's ``nbgrader_config.py``: the
   hidden tests then run in the kernel, as plain nbgrader does): the grader's own cost;
3. ``serial-sandbox``: ``--workers 1`` in the sandbox, sealed checks off (the sandbox's cost);
4. ``serial``: ``--workers 1``, sandbox and sealed checks (what a TA runs, one at a time);
5. ``workers``: ``--workers 2`` (``--workers N``), the same;
6. ``dask``: ``--scheduler`` on a ``distributed.LocalCluster`` of 2 worker processes with one
   thread each on 127.0.0.1, started by this script (its start-up is not counted; each worker
   process still imports the grader and starts its sealed checker during the timed run).

Each autograde mode is ``python -m grader autograde`` in a subprocess (what a TA types, timed
from the command's start to its exit) on a fresh gradebook that holds the assignment and no
student. Every kernel, in every mode and in the floor, gets the same thread settings
(:data:`grader.sandbox.THREAD_ENV` where the grader defines it: one TensorFlow intra-op and
inter-op thread, one OpenMP thread). At the end: whether every mode graded every notebook,
whether modes ``serial``, ``workers`` and ``dask`` gave identical grades (every test cell),
a table (total, seconds per notebook, median and max of the notebooks' own times, ratio to
the floor) and the targets with PASS/MISS: ``--workers 2`` at least 1.5x ``serial``;
``serial-bare`` at most 1.15x the floor; the sandbox at most +10 % and the sealed checks at
most +50 % (their own issues' budgets).

Run it on an idle machine: the load average at the start and at the end is printed.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import typer

REPO = Path(__file__).resolve().parent.parent

#: The modes, in the order they run, and what each line of the table says.
MODES = {
    "floor": "jupyter nbconvert --execute (floor)",
    "serial-bare": "autograde -j1, no sandbox, no sealed",
    "serial-sandbox": "autograde -j1, sandbox, no sealed",
    "serial": "autograde -j1 (sandbox + sealed)",
    "workers": "autograde -j{workers} (sandbox + sealed)",
    "dask": "autograde --scheduler LocalCluster 2x1",
}

#: The modes whose grades must be identical (the same configuration, graded differently).
SAME_GRADES = ("serial", "workers", "dask")

#: Targets: (name, numerator mode, denominator mode, bound, "min" or "max", what it is).
TARGETS = (
    ("speed-up of --workers N over --workers 1", "serial", "workers", 1.5, "min",
     "issue 10: --workers 2 at least 1.5x serial"),
    ("serial grader / floor", "serial-bare", "floor", 1.15, "max",
     "issue 10: the grader's own cost, at most 1.15x the floor"),
    ("sandbox: serial-sandbox / serial-bare", "serial-sandbox", "serial-bare", 1.10, "max",
     "sandbox issue: at most +10 %"),
    ("sealed checks: serial / serial-sandbox", "serial", "serial-sandbox", 1.50, "max",
     "sealed-checks issue: at most +50 %"),
)

#: Thread settings of every kernel when the grader does not define them itself.
FALLBACK_THREAD_ENV = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}


@dataclass
class ModeResult:
    """What one mode measured.

    Attributes
    ----------
    mode : str
        A key of :data:`MODES`.
    label : str
        Its line in the table.
    total : float
        Wall-clock seconds of the whole mode.
    per : list of float
        Each notebook's own seconds (the grader's per-submission time; the floor: each
        ``nbconvert`` process).
    graded : int
        Notebooks graded (the floor: executed to the end).
    failed : int
        Notebooks failed (the floor: ``nbconvert`` exited non-zero).
    grades : dict
        ``student -> (status, score, {grade_id: auto_score})`` (empty for the floor).
    """

    mode: str
    label: str
    total: float
    per: list[float]
    graded: int
    failed: int = 0
    grades: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- set-up

def thread_env() -> dict[str, str]:
    """The thread settings every kernel gets (the grader's, when it defines them).

    Returns
    -------
    dict of str to str
    """
    import grader.sandbox

    return dict(getattr(grader.sandbox, "THREAD_ENV", FALLBACK_THREAD_ENV))


def copy_course(dest: Path) -> Path:
    """Copy what grading needs (``nbgrader_config.py``, ``source/``, ``release/``) to ``dest``.

    Parameters
    ----------
    dest : pathlib.Path
        A folder that does not exist yet.

    Returns
    -------
    pathlib.Path
        ``dest``, the course root of the copy.
    """
    dest.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", dest)
    for folder in ("source", "release"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def cohort_plan(n: int, mutants: list[str]) -> list[tuple[str, str, str | None]]:
    """The cohort: who hands in what.

    About 10 % calibration mutants (at least one from 2 notebooks on) and 5 % blank release
    notebooks (at least one from 3 on), spread through the cohort; the rest, the first student
    included, hand in the reference solution.

    Parameters
    ----------
    n : int
        Number of notebooks.
    mutants : list of str
        The assignment's mutant names (taken in turn).

    Returns
    -------
    list of (str, str, str or None)
        ``(student, kind, mutant)`` with kind ``reference``, ``mutant`` or ``release``.
    """
    n_blank = n // 20 if n >= 20 else int(n >= 3)
    n_mutant = (max(1, n // 10) if n >= 2 else 0) if mutants else 0
    special = n_blank + n_mutant
    kinds = ["reference"] * n
    blanks_left, mutants_left = n_blank, n_mutant
    for j in range(special):
        index = min(n - 1, int((j + 0.5) * n / special))
        if blanks_left and (j % 3 == 2 or not mutants_left):
            kinds[index], blanks_left = "release", blanks_left - 1
        else:
            kinds[index], mutants_left = "mutant", mutants_left - 1
    plan, m = [], 0
    for i, kind in enumerate(kinds):
        mutant = None
        if kind == "mutant":
            mutant, m = mutants[m % len(mutants)], m + 1
        plan.append((f"student-{i + 1:03d}", kind, mutant))
    return plan


def build_cohort(root: Path, assignment: str, n: int) -> list[tuple[str, str, str | None]]:
    """Write the cohort of :func:`cohort_plan` to ``root/submitted/``.

    Parameters
    ----------
    root : pathlib.Path
        The course root (``release/`` up to date).
    assignment : str
    n : int
        Number of notebooks.

    Returns
    -------
    list of (str, str, str or None)
        The plan written.
    """
    from grader.calibration.specs import load_spec
    from grader.synthetic import build_submission, write_submission

    try:
        mutants = [m.name for m in load_spec(assignment).mutants]
    except ModuleNotFoundError:
        mutants = []
    plan = cohort_plan(n, mutants)
    cache = {}
    for student, kind, mutant in plan:
        key = (kind, mutant)
        if key not in cache:
            cache[key] = build_submission(root, assignment, kind, mutant)
        write_submission(root, assignment, student, cache[key])
    return plan


def reset_course(root: Path, template: Path) -> None:
    """A fresh gradebook (the assignment, no student) and no autograded output.

    Parameters
    ----------
    root : pathlib.Path
        The course root of the copy.
    template : pathlib.Path
        The gradebook saved right after the assignment was released.
    """
    for name in ("autograded", "feedback"):
        shutil.rmtree(root / name, ignore_errors=True)
    for path in root.glob("gradebook.db*"):
        path.unlink()
    shutil.copy(template, root / "gradebook.db")


def set_sealed(root: Path, original: str, sealed: bool) -> None:
    """Switch the sealed checks of the copy on (the course's config) or off.

    Off appends ``c.SealTests.enabled = False``: ``SealTests`` then leaves the hidden tests in
    the test cells (they run in the kernel), ``SandboxedExecute`` exports no artifact and
    ``SealedChecks`` has nothing to check. (``python -m grader autograde`` puts
    ``SealTests``/``SealedChecks`` back into ``Autograde.autograde_preprocessors`` when the
    config leaves them out, so removing them there would not switch them off.)

    Parameters
    ----------
    root : pathlib.Path
    original : str
        The copy's ``nbgrader_config.py`` as copied.
    sealed : bool
    """
    text = original if sealed else original + "\n# bench_throughput: sealed checks off\nc.SealTests.enabled = False\n"
    (root / "nbgrader_config.py").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- the modes

def time_floor(notebooks: list[Path], timeout: int, out: Path, env: dict) -> ModeResult:
    """``jupyter nbconvert --to notebook --execute`` of each notebook, one after the other.

    Parameters
    ----------
    notebooks : list of pathlib.Path
        The submitted notebooks.
    timeout : int
        Cell timeout (s), the grader's.
    out : pathlib.Path
        Where the executed copies go.
    env : dict
        The processes' environment.

    Returns
    -------
    ModeResult
    """
    per, failed = [], 0
    start = time.perf_counter()
    for nb in notebooks:
        t = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
             f"--ExecutePreprocessor.timeout={timeout}", "--ExecutePreprocessor.interrupt_on_timeout=True",
             "--output-dir", str(out / nb.parent.parent.name), "--log-level", "ERROR", str(nb)],
            check=False, cwd=nb.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        per.append(time.perf_counter() - t)
        failed += run.returncode != 0
    total = time.perf_counter() - start
    return ModeResult("floor", MODES["floor"], total, per, len(notebooks) - failed, failed)


def time_autograde(root: Path, mode: str, label: str, assignment: str, args: list[str], env: dict,
                   log: Path) -> ModeResult:
    """``python -m grader autograde ASSIGNMENT ARGS --root ROOT`` in a subprocess, timed.

    Parameters
    ----------
    root : pathlib.Path
        The course root (gradebook reset by the caller).
    mode, label : str
    assignment : str
    args : list of str
        The mode's options (``--workers 1``, ``--no-sandbox``, ``--scheduler ADDRESS``...).
    env : dict
        The process's environment.
    log : pathlib.Path
        Where its output goes.

    Returns
    -------
    ModeResult
    """
    from grader.status import load_statuses, status_path

    cmd = [sys.executable, "-m", "grader", "autograde", assignment, *args, "--root", str(root)]
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        run = subprocess.run(cmd, check=False, stdout=fh, stderr=subprocess.STDOUT, env=env)
    total = time.perf_counter() - start
    statuses = load_statuses(status_path(root)) if status_path(root).exists() else {}
    per = [s.seconds for s in statuses.values() if s.status in ("graded", "failed")]
    grades = {s.student: (s.status, s.score, {k: (v[0] if isinstance(v, (list, tuple)) else v)
                                              for k, v in sorted((s.grades or {}).items())})
              for s in statuses.values()}
    graded = sum(s.status == "graded" for s in statuses.values())
    failed = sum(s.status != "graded" for s in statuses.values())
    summary = [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines()
               if ln.strip().startswith(("autograde:", "error:"))]
    if run.returncode not in (0, 1) or not per:
        print(f"  {mode}: exit code {run.returncode}; last lines of {log.name}:\n"
              + "\n".join("    " + ln for ln in log.read_text(errors="replace").splitlines()[-15:]), flush=True)
    elif summary:
        print(f"  {summary[-1]}", flush=True)
    return ModeResult(mode, label, total, per or [total], graded, failed, grades)


def start_cluster(folder: Path):
    """A ``distributed.LocalCluster``: 2 worker processes, one thread each, on 127.0.0.1.

    Parameters
    ----------
    folder : pathlib.Path
        The workers' local directory.

    Returns
    -------
    distributed.LocalCluster
    """
    from distributed import LocalCluster

    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, local_directory=str(folder))


# --------------------------------------------------------------------------- the breakdown

def _stamp(text: str | None) -> float | None:
    if not text:
        return None
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _kernel_seconds(cell) -> float | None:
    """Seconds the kernel spent on a cell (``shell.execute_reply`` - ``iopub.execute_input``)."""
    ex = cell.get("metadata", {}).get("execution", {})
    begin, end = _stamp(ex.get("iopub.execute_input")), _stamp(ex.get("shell.execute_reply"))
    return None if begin is None or end is None else end - begin


def plain_kernel_start() -> tuple[float, float]:
    """Start and shut down a plain ``python3`` kernel (no sandbox).

    Returns
    -------
    (float, float)
        Seconds to start it (``start_kernel`` + ``wait_for_ready``) and to shut it down.
    """
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    t = time.perf_counter()
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    started = time.perf_counter() - t
    t = time.perf_counter()
    kc.stop_channels()
    km.shutdown_kernel()
    return started, time.perf_counter() - t


def breakdown(root: Path, assignment: str, student: str, timeout: int, work: Path) -> list[tuple[str, float, str]]:
    """Where one submitted notebook's seconds go, measured piece by piece.

    The notebook is executed with ``nbclient`` as the grader executes it (the cells nbgrader
    would run: the test cells cut to their visible part by ``SealTests``, the artifacts of each
    test cell exported after it), in the sandbox when one can start here (else a plain
    kernel); then the sealed checks run on those artifacts (:func:`grader.checker.run_checks`,
    cold then warm), and nbgrader's own work on the notebook is timed without executing it
    (``NbGraderAPI.autograde`` with every preprocessor but ``SealTests``, ``SandboxedExecute``
    and ``SealedChecks``).

    Parameters
    ----------
    root : pathlib.Path
        The course root of the copy.
    assignment, student : str
        The notebook: ``submitted/<student>/<assignment>/``.
    timeout : int
        Cell timeout (s).
    work : pathlib.Path
        A scratch folder.

    Returns
    -------
    list of (str, float, str)
        ``(what, seconds, kind)``; kind ``"nb"`` for the parts of one notebook's grading
        (they add up to its cost), ``"run"`` for once-per-run costs, ``"info"`` for figures
        given for comparison.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbformat import NotebookNode

    from grader.checker import ensure_server, memory_limit, run_checks, stop_server
    from grader.course import load_config
    from grader.preprocessors.execute import ARTIFACTS
    from grader.preprocessors.sealed import export_code, is_test_cell, read_names, split_hidden
    from grader.sandbox import HOME, Jail, Sandbox, SandboxKernelManager, probe
    from grader.synthetic import is_solution_cell, notebook_path, read_notebook

    rows: list[tuple[str, float, str]] = []
    name = notebook_path(root, "release", assignment).name
    nb = read_notebook(root / "submitted" / student / assignment / name)
    full = {}
    for cell in read_notebook(notebook_path(root, "source", assignment)).cells:
        if is_test_cell(cell):
            full.setdefault(cell.metadata.nbgrader["grade_id"], cell.source)
    for cell in nb.cells:  # what the kernel runs: OverwriteCells' source, cut by SealTests
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if is_test_cell(cell) and gid in full:
                cell.source = split_hidden(full[gid])

    settings = Sandbox(config=load_config(root))
    sandboxed = settings.enabled and probe(settings) is None
    artifacts = work / "artifacts"
    artifacts.mkdir(parents=True)
    jail = None
    t = time.perf_counter()
    if sandboxed:
        jail = Jail(settings, name, nbformat.writes(nb), {})
        km = SandboxKernelManager(jail=jail, kernel_name="python3")
        rows.append(("sandbox set-up (folders, cgroup)", time.perf_counter() - t, "nb"))
    else:
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name="python3")
    where = "in the sandbox" if sandboxed else "no sandbox here"
    run_dir = work / "run"
    run_dir.mkdir()
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=True, allow_errors=True,
                            kernel_name="python3", resources={"metadata": {"path": str(run_dir)}})
    try:
        t = time.perf_counter()
        client.start_new_kernel()
        client.start_new_kernel_client()
        client.wait_for_reply(client.kc.kernel_info())
        rows.append((f"kernel start ({where}: launch + ready)", time.perf_counter() - t, "nb"))
        groups: dict[str, list[float]] = {}
        kernel_side: dict[str, float] = {}
        passed = []
        for index, cell in enumerate(list(client.nb.cells)):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id")
            if gid == "setup":
                group = "set-up cell (imports, TensorFlow included)"
            elif is_solution_cell(cell):
                group = "the student's cells (training included)"
            elif is_test_cell(cell):
                group = "visible test cells (in the kernel)"
            else:
                group = "other cells (data, plots)"
            t = time.perf_counter()
            client.execute_cell(cell, index)
            groups.setdefault(group, []).append(time.perf_counter() - t)
            kernel_side[group] = kernel_side.get(group, 0.0) + (_kernel_seconds(cell) or 0.0)
            if is_test_cell(cell) and gid in full:
                if not any(o.get("output_type") == "error" for o in cell.outputs):
                    passed.append(gid)
                folder = f"{HOME}/{ARTIFACTS}/{gid}" if sandboxed else str(artifacts / gid)
                probe_cell = NotebookNode(cell_type="code", source=export_code(folder, read_names(full[gid])),
                                          metadata={}, outputs=[], execution_count=None)
                t = time.perf_counter()
                client.execute_cell(probe_cell, index, store_history=False)
                groups.setdefault("artifact export after each test cell", []).append(time.perf_counter() - t)
                client.nb.cells[index] = cell
        for group, seconds in groups.items():
            note = f" (kernel {kernel_side[group]:.2f} s)" if kernel_side.get(group) else ""
            rows.append((f"{group}: {len(seconds)} cell(s){note}", sum(seconds), "nb"))
        t = time.perf_counter()
        client._cleanup_kernel()
        rows.append(("kernel shutdown", time.perf_counter() - t, "nb"))
        if jail is not None:
            t = time.perf_counter()
            source = jail.scratch / ARTIFACTS
            if source.is_dir():
                shutil.copytree(source, artifacts, dirs_exist_ok=True)
            jail.teardown()
            rows.append(("sandbox teardown (artifacts copied out)", time.perf_counter() - t, "nb"))
    except BaseException:
        if client.km is not None:  # the kernel and its sandbox never outlive a failure here
            try:
                client._cleanup_kernel()
            except Exception:  # noqa: BLE001 - already gone
                pass
        if jail is not None:
            jail.teardown()
        raise
    if sandboxed:
        started, _ = plain_kernel_start()
        rows.append(("for comparison: a plain kernel's start (no sandbox)", started, "info"))

    memory = memory_limit(settings)
    t = time.perf_counter()
    ensure_server(memory)
    rows.append(("sealed checker start (imports TensorFlow; once per run, per Dask worker)",
                 time.perf_counter() - t, "run"))
    todo = [{"grade_id": gid, "source": full[gid]} for gid in passed]
    try:
        t = time.perf_counter()
        verdicts = run_checks(todo, str(artifacts), timeout=600, memory=memory)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        run_checks(todo, str(artifacts), timeout=600, memory=memory)
        warm = time.perf_counter() - t
    finally:
        stop_server()  # its memory is not the modes' to pay
    ok = sum(v is None for v in verdicts.values())
    rows.append((f"sealed checks, {len(todo)} test cells ({ok} pass), warm: a classmate's recipe "
                 "already re-trained", warm, "nb"))
    rows.append(("sealed checks cold: first notebook of a run, or a recipe no classmate had",
                 cold, "info"))

    rows += nbgrader_cost(root, assignment, student, work / "stage")
    return rows


def import_seconds(statement: str) -> float:
    """Seconds a fresh Python spends on ``statement`` (a new interpreter, minus one that imports nothing).

    Parameters
    ----------
    statement : str
        Python code, e.g. ``"import nbgrader.apps"``.

    Returns
    -------
    float
    """
    def run(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return time.perf_counter() - t

    return max(0.0, run(statement) - run("pass"))


def nbgrader_cost(root: Path, assignment: str, student: str, stage: Path) -> list[tuple[str, float, str]]:
    """nbgrader's own work on a notebook, without executing it.

    ``NbGraderAPI.autograde`` on a staged copy with the run's configuration
    (:func:`grader.autograde.sandbox_config`) minus ``SealTests``, ``SandboxedExecute`` and
    ``SealedChecks``: the sanitize step (repairs, ``ClearOutput``, ``OverwriteCells``...),
    the remaining autograde preprocessors, the gradebook writes and the files. Timed again
    without ``SaveAutoGrades`` and ``AssignLatePenalties`` to single out the gradebook writes.

    Parameters
    ----------
    root : pathlib.Path
    assignment, student : str
        The notebook to copy (graded under throw-away ids ``zz-bench-*``).
    stage : pathlib.Path
        The staging folder (nbgrader's ``submitted_directory`` for these calls).

    Returns
    -------
    list of (str, float, str)
        As :func:`breakdown`.
    """
    import io
    import contextlib

    from traitlets.config import Config

    from grader.autograde import sandbox_config
    from grader.course import course_api

    rows = []
    rows.append(("import nbgrader (once per run: the grading jobs are forked after it)", import_seconds(
        "import nbgrader.apps, nbgrader.converters"), "run"))
    overrides = sandbox_config(root, sandbox=False)
    every = [p for p in overrides.Autograde.autograde_preprocessors
             if not p.endswith((".SealTests", ".SandboxedExecute", ".SealedChecks"))]
    no_writes = [p for p in every if not p.endswith((".SaveAutoGrades", ".AssignLatePenalties"))]
    src = root / "submitted" / student / assignment

    def once(tag: str, preprocessors: list[str]) -> float:
        sid = f"zz-bench-{tag}"
        shutil.copytree(src, stage / sid / assignment)
        cfg = Config()
        cfg.merge(overrides)
        cfg.Autograde.autograde_preprocessors = preprocessors
        cfg.CourseDirectory.submitted_directory = str(stage.resolve())
        api = course_api(root, config=cfg)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            t = time.perf_counter()
            result = api.autograde(assignment, sid, force=True, create=True)
            seconds = time.perf_counter() - t
        if not result.get("success"):
            print(f"  (nbgrader failed on the breakdown's copy: {str(result.get('error'))[-300:]})", flush=True)
        return seconds

    first = once("0", every)
    full = [once(f"a{i}", every) for i in range(2)]
    bare = [once(f"b{i}", no_writes) for i in range(2)]
    rows.append(("nbgrader without executing: sanitize, repairs, OverwriteCells, preprocessors, "
                 "SaveAutoGrades, files", min(full), "nb"))
    rows.append(("  of which SaveAutoGrades + AssignLatePenalties (gradebook writes; difference)",
                 max(0.0, min(full) - min(bare)), "part"))
    rows.append(("  nbgrader's first call in a process (lazy imports, new gradebook session)", first, "info"))
    return rows


def print_breakdown(rows: list[tuple[str, float, str]], student: str) -> None:
    """Print the rows of :func:`breakdown` with each part's share of the notebook.

    Parameters
    ----------
    rows : list of (str, float, str)
    student : str
    """
    total = sum(s for _, s, kind in rows if kind == "nb")
    print(f"\nper-notebook cost of {student} (one notebook of the cohort; each part measured on its own):", flush=True)
    for what, seconds, kind in rows:
        if kind == "nb":
            print(f"  {seconds:7.2f} s  {100 * seconds / total:5.1f} %  {what}")
        elif kind == "part":
            print(f"  {seconds:7.2f} s  {100 * seconds / total:5.1f} %  {what}")
        elif kind == "run":
            print(f"  {seconds:7.2f} s     once  {what}")
        else:
            print(f"  {seconds:7.2f} s          {what}")
    print(f"  {total:7.2f} s  100.0 %  sum of the parts of one notebook (not counting the grader's staging, "
          "private gradebook copy, merge and status: see serial-bare - floor below)")
    print("  (wall-clock seconds seen by the grader's side; 'kernel' = the kernel's own time from its execution "
          "timestamps; 'once' = paid once per run, not per notebook; the lines without a share are for "
          "comparison)", flush=True)


# --------------------------------------------------------------------------- report

def machine_facts() -> str:
    """Cores, memory, versions and thread settings, one line each.

    Returns
    -------
    str
    """
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    from grader.sandbox import Sandbox, limits_mechanism, probe
    from grader.course import load_config

    settings = Sandbox(config=load_config(REPO))
    reason = probe(settings)
    sandbox = f"bubblewrap, limits by {limits_mechanism(settings)}" if reason is None else f"unavailable ({reason})"
    return "\n".join([
        f"machine: {os.cpu_count()} cores ({usable} usable), {mem:.1f} GiB RAM, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)",
        f"versions: Python {sys.version.split()[0]}, TensorFlow {version('tensorflow')}, Keras {version('keras')}, "
        f"nbgrader {version('nbgrader')}, distributed {version('distributed')}",
        f"sandbox: {sandbox}; kernel threads: " + " ".join(f"{k}={v}" for k, v in thread_env().items()),
    ])


def compare_grades(results: dict[str, ModeResult]) -> tuple[bool | None, list[str]]:
    """Whether modes :data:`SAME_GRADES` gave identical grades (status, score, every test cell).

    Parameters
    ----------
    results : dict of str to ModeResult

    Returns
    -------
    (bool or None, list of str)
        ``None`` when fewer than two of them ran; the differences, one line each.
    """
    modes = [m for m in SAME_GRADES if m in results]
    if len(modes) < 2:
        return None, []
    base = results[modes[0]].grades
    diffs = []
    for mode in modes[1:]:
        other = results[mode].grades
        for student in sorted(set(base) | set(other)):
            if base.get(student) != other.get(student):
                diffs.append(f"{student}: {modes[0]} {base.get(student)} / {mode} {other.get(student)}")
    return not diffs, diffs


def print_table(results: dict[str, ModeResult], n: int) -> None:
    """The table: total, s/notebook, median, max, ratio to the floor; then the targets.

    Parameters
    ----------
    results : dict of str to ModeResult
        In the order measured.
    n : int
        Notebooks in the cohort.
    """
    floor = results.get("floor")
    print(f"\n{'mode':42s} {'total s':>8s} {'s/notebook':>10s} {'median':>7s} {'max':>6s} {'x floor':>8s}  graded")
    for r in results.values():
        ratio = f"{r.total / floor.total:8.2f}" if floor else f"{'-':>8s}"
        print(f"{r.label:42s} {r.total:8.1f} {r.total / n:10.2f} {statistics.median(r.per):7.1f} "
              f"{max(r.per):6.1f} {ratio}  {r.graded}/{n}" + (f" ({r.failed} failed)" if r.failed else ""))
    print("(s/notebook: total / notebooks, the throughput; median and max: each notebook's own time)")
    if "serial-bare" in results and floor:
        extra = (results["serial-bare"].total - floor.total) / n
        print(f"the grader's own cost (serial-bare - floor): {extra:+.2f} s per notebook")
    print("\ntargets:")
    for what, num, den, bound, kind, why in TARGETS:
        if num not in results or den not in results:
            print(f"  {what}: not measured ({num} and {den} needed)   [{why}]")
            continue
        value = results[num].total / results[den].total
        if kind == "min":
            ok = value >= bound
            shown = f"{value:.2f}x (target at least {bound:.2f}x)"
        else:
            ok = value <= bound
            shown = f"{value:.2f}x = {100 * (value - 1):+.1f} % (target at most {bound:.2f}x)"
        print(f"  {'PASS' if ok else 'MISS'}  {what}: {shown}   [{why}]")
    if "dask" in results and "serial" in results:
        print(f"  info  speed-up of the Dask LocalCluster (2 x 1 thread) over --workers 1: "
              f"{results['serial'].total / results['dask'].total:.2f}x")


# --------------------------------------------------------------------------- main

def parse_modes(text: str) -> list[str]:
    """The modes asked for, in :data:`MODES` order.

    Parameters
    ----------
    text : str
        Comma-separated mode names; ``""``, ``none``: no mode (the breakdown only); ``all``.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a name that is not a mode.
    """
    asked = [m.strip() for m in text.split(",") if m.strip() and m.strip() != "none"]
    if asked == ["all"]:
        return list(MODES)
    unknown = [m for m in asked if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(unknown)}: expected {', '.join(MODES)}, all or none")
    return [m for m in MODES if m in asked]


def run_benchmark(n_notebooks: int = 40, assignment: str = "01-perceptron", modes: Sequence[str] = tuple(MODES),
                  workers: int = 2, breakdown_first: bool = True, timeout: int | None = None,
                  keep: Path | None = None) -> int:
    """Run the benchmark and print its figures; see the module docstring.

    Parameters
    ----------
    n_notebooks : int, default 40
        Notebooks in the cohort, at least 1.
    assignment : str, default ``"01-perceptron"``
    modes : sequence of str, default every mode
        Keys of :data:`MODES` (run in :data:`MODES` order; see :func:`parse_modes`); empty: the
        breakdown only.
    workers : int, default 2
        ``--workers`` of the ``workers`` mode, at least 1.
    breakdown_first : bool, default True
        Print where one notebook's seconds go, before the modes.
    timeout : int or None
        Cell timeout in seconds (``None``: ``c.Execute.timeout`` of ``nbgrader_config.py``).
    keep : pathlib.Path or None
        Work in this folder (must not exist) and keep it: logs, gradebook, autograded
        (``None``: a temporary folder, removed at the end).

    Returns
    -------
    int
        0, or 1 when a mode did not grade every notebook or the full modes' grades differ.

    Raises
    ------
    ValueError
        For an unknown mode, or `n_notebooks` or `workers` below 1.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(unknown)}: expected {', '.join(MODES)}, all or none")
    if n_notebooks < 1 or workers < 1:
        raise ValueError("--notebooks and --workers must be at least 1")
    modes = [m for m in MODES if m in modes]
    labels = dict(MODES, workers=MODES["workers"].format(workers=workers))

    from grader.course import ensure_tools_on_path, load_config
    from grader.release import generate_release

    ensure_tools_on_path()
    for key, value in {"PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
                       "MPLBACKEND": "Agg"}.items():
        os.environ.setdefault(key, value)
    os.environ.update(thread_env())  # every kernel, the floor's included, and the Dask workers
    env = dict(os.environ, COLUMNS="200")
    print(machine_facts(), flush=True)
    started = time.perf_counter()

    tmp_ctx = None
    if keep is not None:
        work = keep.resolve()
        work.mkdir(parents=True)
    else:
        tmp_ctx = tempfile.TemporaryDirectory(prefix="bench-throughput-")
        work = Path(tmp_ctx.name)
    results: dict[str, ModeResult] = {}
    try:
        root = copy_course(work / "course")
        original_config = (root / "nbgrader_config.py").read_text(encoding="utf-8")
        generate_release(root, [assignment])
        template = work / "gradebook-template.db"
        shutil.copy(root / "gradebook.db", template)
        plan = build_cohort(root, assignment, n_notebooks)
        notebooks = sorted((root / "submitted").glob(f"*/{assignment}/*.ipynb"))
        timeout = timeout or int(load_config(root).Execute.timeout)
        kinds = {}
        for _, kind, mutant in plan:
            key = f"mutant {mutant}" if kind == "mutant" else kind
            kinds[key] = kinds.get(key, 0) + 1
        print(f"cohort: {len(notebooks)} notebook{'' if len(notebooks) == 1 else 's'} of {assignment} ("
              + ", ".join(f"{v} {k}" for k, v in kinds.items()) + f"), cell timeout {timeout} s, "
              f"modes: {', '.join(modes) or 'none'}", flush=True)
        logs = work / "logs"
        logs.mkdir()

        if breakdown_first:
            first = next(s for s, kind, _ in plan if kind == "reference") if any(
                k == "reference" for _, k, _ in plan) else plan[0][0]
            try:
                rows = breakdown(root, assignment, first, timeout, work / "breakdown")
            except Exception as exc:  # noqa: BLE001 - the modes still run
                import traceback

                traceback.print_exc()
                print(f"per-notebook cost: the breakdown failed ({type(exc).__name__}: {exc}); "
                      "going on with the modes", flush=True)
            else:
                print_breakdown(rows, first)
            shutil.rmtree(work / "breakdown" / "stage", ignore_errors=True)
        if modes:
            print()
        for mode in modes:
            reset_course(root, template)
            set_sealed(root, original_config, mode not in ("serial-bare", "serial-sandbox"))
            label = labels[mode]
            if mode == "floor":
                result = time_floor(notebooks, timeout, work / "executed", env)
            elif mode == "dask":
                t = time.perf_counter()
                cluster = start_cluster(work / "dask")
                print(f"  LocalCluster at {cluster.scheduler_address} started in {time.perf_counter() - t:.1f} s "
                      "(not counted)", flush=True)
                try:
                    result = time_autograde(root, mode, label, assignment,
                                            ["--scheduler", cluster.scheduler_address], env, logs / f"{mode}.log")
                finally:
                    import logging

                    # the nanny warns when it has to kill a worker process that is slow to exit
                    logging.getLogger("distributed").setLevel(logging.ERROR)
                    cluster.close()
            else:
                extra = {"serial-bare": ["--workers", "1", "--no-sandbox"],
                         "serial-sandbox": ["--workers", "1"],
                         "serial": ["--workers", "1"],
                         "workers": ["--workers", str(workers)]}[mode]
                result = time_autograde(root, mode, label, assignment, extra, env, logs / f"{mode}.log")
            results[mode] = result
            line = (f"{label:42s} {result.total:8.1f} s  {result.total / len(notebooks):6.2f} s/notebook  "
                    f"graded {result.graded}/{len(notebooks)}")
            if mode.startswith("serial"):
                line += (f"  (the notebooks' own times add up to {sum(result.per):.1f} s; the rest is the "
                         "command's start, the checker's start and the run's bookkeeping)")
            if "serial" in results and mode == "workers":
                line += f"  speed-up over -j1: {results['serial'].total / result.total:.2f}x"
            print(line, flush=True)
        set_sealed(root, original_config, True)
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()

    code = 0
    if results:
        n = n_notebooks
        incomplete = [m for m, r in results.items() if r.graded != n]
        print(f"\nevery mode graded every notebook: {'yes' if not incomplete else 'NO'} "
              + ("" if not incomplete else "(" + ", ".join(f"{m}: {results[m].graded}/{n}" for m in incomplete) + ")"))
        same, diffs = compare_grades(results)
        if same is not None:
            ran = [m for m in SAME_GRADES if m in results]
            print(f"grades of {', '.join(ran)} (status, score, every test cell): "
                  + ("identical" if same else f"DIFFERENT for {len(diffs)} notebook(s)"))
            for line in diffs[:20]:
                print(f"  {line}")
        code = int(bool(incomplete) or same is False)
        print_table(results, n)
    print("\nload average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
          + f"; whole benchmark {time.perf_counter() - started:.0f} s")
    return code


app = typer.Typer(add_completion=False)


@app.command(help=__doc__.split("\n")[0])
def bench_throughput_cmd(
    notebooks: int = typer.Option(40, "--notebooks", "-n", help="notebooks in the cohort (default 40)",
                                  show_default=False),
    assignment: str = typer.Option("01-perceptron", "--assignment", help="the assignment (default 01-perceptron)",
                                   show_default=False),
    modes: str = typer.Option("all", "--modes", help="comma-separated, run in this order: " + ", ".join(MODES)
                              + " (default all; none: the breakdown only)", show_default=False),
    workers: int = typer.Option(2, "--workers", help="--workers of the 'workers' mode (default 2)",
                                show_default=False),
    breakdown_first: bool = typer.Option(True, "--breakdown/--no-breakdown",
                                         help="print where one notebook's seconds go, before the modes (default on)",
                                         show_default=False),
    timeout: Optional[int] = typer.Option(None, "--timeout",
                                          help="cell timeout in seconds (default: c.Execute.timeout of "
                                          "nbgrader_config.py)", show_default=False),
    keep: Optional[Path] = typer.Option(None, "--keep",
                                        help="work in this folder (must not exist) and keep it: logs, gradebook, "
                                        "autograded", show_default=False),
) -> None:
    """Wiring of :func:`run_benchmark`: exits with its code, 2 for a usage error."""
    try:
        asked = parse_modes(modes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--modes") from None
    if notebooks < 1 or workers < 1:
        raise typer.BadParameter("--notebooks and --workers must be at least 1")
    raise typer.Exit(run_benchmark(notebooks, assignment, asked, workers, breakdown_first, timeout, keep))


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: run the benchmark and exit with its status.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (``None``: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        Always: 0, 1 when a mode did not grade every notebook or the full modes' grades
        differ, 2 for a usage error.
    """
    app(args=argv, prog_name="bench_throughput.py")


if __name__ == "__main__":
    main()
