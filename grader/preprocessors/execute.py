"""``SandboxedExecute``: nbgrader's ``Execute`` with the kernel in the sandbox and budgets per notebook.

It executes the cells as nbgrader's ``Execute`` does (errors are recorded, the next cell
runs), with three differences:

* the kernel starts in a :class:`grader.sandbox.Jail` (unless ``c.Sandbox.enabled`` is
  False): only its own notebook in a scratch folder, no course files, no network, its own
  PID namespace, an unprivileged user, memory and process budgets;
* the whole notebook has a wall-time budget (``c.Sandbox.notebook_timeout``) that does not
  grow with the number of cells: each cell's timeout is the smaller of ``Execute.timeout``
  and what is left of the budget;
* a *breach* (memory budget exceeded, time budget used up, a kernel that dies, exits or
  ignores the interrupt) does not fail the notebook: the cell where it happened gets an
  error output ``SandboxLimitExceeded: <what happened>`` and every later code cell an error
  output ``NotRun: ...``, so their checks score 0 and the other scores are kept. The
  notebook is then graded as usual by nbgrader's ``SaveAutoGrades``, after the sandbox and
  every process in it are gone.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Unicode, default

from grader.sandbox import HOME, THREAD_ENV, Jail, Sandbox, SandboxKernelManager

#: Folder of the kernel's home where it exports the artifacts of the sealed checks.
ARTIFACTS = ".sealed"

__all__ = ["SandboxedExecute", "BREACH", "NOT_RUN", "cell_name"]

#: ``ename`` of the error output put in the cell where a budget was breached.
BREACH = "SandboxLimitExceeded"
#: ``ename`` of the error output put in every code cell after a breach.
NOT_RUN = "NotRun"


def cell_name(cell, index: int) -> str:
    """A cell's name for notes: its nbgrader ``grade_id``, else ``#<n>`` (its 1-based position)."""
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return gid or f"#{index + 1}"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` in the sandbox, with a whole-notebook time budget.

    Configured by ``c.Sandbox.*`` (see :class:`grader.sandbox.Sandbox`) and nbgrader's
    ``c.Execute.*`` (cell timeout, extra arguments...). Register it in place of
    ``Execute`` in ``c.Autograde.autograde_preprocessors``.
    """

    report_dir = Unicode("", help="Folder where a JSON report per notebook is written (breach, "
                         "events, budgets); empty: none. Set by `python -m grader autograde`.").tag(config=True)

    @default("shutdown_kernel")
    def _shutdown_kernel_default(self):
        # nbclient's "graceful" shutdown waits ~3 s per notebook for a kernel whose sandbox is
        # torn down right after; everything graded was read before (measured: 2.7-3.1 s saved)
        return "immediate"

    def preprocess(self, nb, resources=None, km=None):
        """Execute every code cell of ``nb`` in the sandbox; see the module docstring.

        Parameters
        ----------
        nb : NotebookNode
            Modified in place.
        resources : dict or None
            nbconvert resources (``metadata.path`` is nbgrader's execution folder).
        km : KernelManager or None
            Ignored when the sandbox is on (each notebook gets its own).

        Returns
        -------
        (NotebookNode, dict)

        Raises
        ------
        grader.sandbox.SandboxUnavailable
            If the sandbox is enabled but cannot start here.
        """
        from nbconvert.preprocessors.execute import NotebookClient

        settings = self._settings = Sandbox(parent=self)
        os.environ.update(THREAD_ENV)  # the kernel inherits it: the same threads in every mode
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._jail = None
        if settings.enabled:
            name = (resources or {}).get("unique_key", "notebook") + ".ipynb"
            self._jail = Jail(settings, name, json.dumps(nb), self._instructor_files(resources))
        cell_timeout = self.timeout
        budget = int(settings.notebook_timeout)
        deadline = time.monotonic() + budget
        report = {"sandbox": settings.enabled, "events": [], "breach": None,
                  "budgets": {"memory": settings.memory, "processes": settings.processes,
                              "notebook_timeout": budget, "cell_timeout": cell_timeout}}
        if self._jail is not None:
            report["mechanism"] = self._jail.mechanism
        breach = None
        try:
            with self.setup_kernel():
                assert self.kc
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                assert info_msg
                self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
                for index, cell in enumerate(self.nb.cells):
                    if cell.cell_type != "code":
                        continue
                    name = cell_name(cell, index)
                    if breach is not None:
                        cell.outputs = [_error(NOT_RUN, f"not run: {breach}")]
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        breach = f"notebook time limit ({budget} s) reached before cell {name}"
                        cell.outputs = [_error(NOT_RUN, f"not run: {breach}")]
                        continue
                    by_budget = cell_timeout is None or remaining < cell_timeout
                    self.timeout = max(1, math.ceil(remaining)) if by_budget else cell_timeout
                    before = self._events()
                    self._timed_out = False
                    try:
                        self.preprocess_cell(cell, resources, index)
                    except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as exc:
                        breach = self._diagnose(exc, name, before, by_budget, budget, cell_timeout)
                        cell.outputs.append(_error(BREACH, breach))
                        self._stop_kernel()
                        continue
                    finally:
                        self.timeout = cell_timeout
                    # set by the client when the cell reached its timeout (never read from the
                    # outputs: the student's code can raise an exception named CellTimeoutError)
                    timed_out = self._timed_out
                    if not timed_out:
                        self._export_artifacts(cell, index, resources, deadline, report)
                    after = self._events()
                    if timed_out and by_budget:
                        breach = f"notebook time limit ({budget} s) reached in cell {name}"
                        cell.outputs.append(_error(BREACH, breach))
                        self._stop_kernel()
                    elif timed_out:
                        report["events"].append(f"cell {name} stopped at the {cell_timeout} s timeout")
                    if after["oom_kill"] > before["oom_kill"] or any(
                            o.get("ename") == "MemoryError" for o in cell.outputs if o.get("output_type") == "error"):
                        if breach is None:
                            report["events"].append(f"memory limit ({self._memory_text(settings)}) exceeded in cell {name}")
                    if after["pids_max"] > before["pids_max"]:
                        report["events"].append(f"process limit ({settings.processes}) reached in cell {name}")
            self.set_widgets_metadata()
        finally:
            if self._jail is not None:
                self._collect_artifacts(resources, report)
                self._jail.teardown()
        if breach is not None:
            report["breach"] = breach
            report["events"].insert(0, breach)
        self._write_report(resources, report)
        return self.nb, self.resources

    # -- sealed checks: artifacts ----------------------------------------------------------------
    def _artifact_folder(self, resources, gid: str) -> str | None:
        """Where the kernel exports a test cell's artifacts (None: the cell is not sealed)."""
        sealed = (resources or {}).get("sealed")
        if not sealed or gid not in sealed.get("cells", {}):
            return None
        if self._jail is not None:
            return f"{HOME}/{ARTIFACTS}/{gid}"
        return str(Path(sealed["folder"]) / gid)

    def _export_artifacts(self, cell, index, resources, deadline, report) -> None:
        """After a sealed test cell: the kernel exports the names its checks read (outputs dropped)."""
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        folder = self._artifact_folder(resources, gid) if gid else None
        if folder is None:
            return
        from grader.preprocessors.sealed import export_code

        names = resources["sealed"]["cells"][gid]["names"]
        probe = NotebookNode(cell_type="code", source=export_code(folder, names), metadata={},
                             outputs=[], execution_count=None)
        saved = self.timeout
        self.timeout = max(1, min(120, math.ceil(deadline - time.monotonic())))
        try:
            self.execute_cell(probe, index, store_history=False)
        except Exception as exc:  # noqa: BLE001 - the next cell meets a dead kernel and reports it
            report["events"].append(f"export after cell {cell_name(cell, index)} failed: {type(exc).__name__}")
        finally:
            self.timeout = saved
            self.nb.cells[index] = cell  # nbclient stores the executed cell at its index

    def _collect_artifacts(self, resources, report) -> None:
        """Copy the artifacts out of the jail before it is deleted: folders and regular files only."""
        sealed = (resources or {}).get("sealed")
        if not sealed or self._jail is None:
            return
        source = self._jail.scratch / ARTIFACTS
        target = Path(sealed["folder"])
        total, limit = 0, 256 * 2**20
        if source.is_symlink() or not source.is_dir():
            return
        for gid in sealed.get("cells", {}):
            folder = source / gid
            if folder.is_symlink() or not folder.is_dir():
                continue
            (target / gid).mkdir(parents=True, exist_ok=True)
            for path in folder.iterdir():
                if path.is_symlink() or not path.is_file():
                    continue
                total += path.stat().st_size
                if total > limit:
                    report["events"].append("artifacts larger than 256 MB: the rest was not copied")
                    return
                shutil.copyfile(path, target / gid / path.name, follow_symlinks=False)

    # -- helpers --------------------------------------------------------------------------------
    async def _async_handle_timeout(self, timeout, cell=None):
        """nbclient's timeout handling (interrupt, then an error reply), remembering that it happened."""
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def create_kernel_manager(self):
        """A :class:`SandboxKernelManager` bound to this notebook's jail (plain one without the sandbox)."""
        if getattr(self, "_jail", None) is None:
            return super().create_kernel_manager()
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or ""
        kwargs = {"kernel_name": self.kernel_name} if self.kernel_name else {}
        self.km = SandboxKernelManager(config=self.config, jail=self._jail, **kwargs)
        return self.km

    def _events(self) -> dict:
        return self._jail.events() if self._jail is not None else {"oom_kill": 0, "pids_max": 0}

    @staticmethod
    def _memory_text(settings) -> str:
        from grader.sandbox import format_size, parse_size

        return format_size(parse_size(settings.memory))

    def _diagnose(self, exc, name, before, by_budget, budget, cell_timeout) -> str:
        after = self._events()
        if after["oom_kill"] > before["oom_kill"]:
            return f"memory limit ({self._memory_text(self._settings)}) exceeded in cell {name}"
        if isinstance(exc, (CellTimeoutError, TimeoutError)) or "Timeout" in type(exc).__name__:
            if by_budget:
                return f"notebook time limit ({budget} s) reached in cell {name}"
            return (f"cell {name} did not stop at the {cell_timeout} s timeout "
                    "(the kernel ignored the interrupt)")
        if isinstance(exc, DeadKernelError):
            return f"the kernel died in cell {name} (it exited, crashed or was killed)"
        return f"the kernel stopped responding in cell {name} ({type(exc).__name__}: {exc})"[:300]

    def _stop_kernel(self) -> None:
        """Kill the kernel and everything in its sandbox now (after a breach)."""
        if self._jail is not None:
            self._jail.teardown()
        elif self.km is not None:
            try:
                self.km.kill_kernel() if hasattr(self.km, "kill_kernel") else None
            except Exception:  # noqa: BLE001 - already dead
                pass

    def _instructor_files(self, resources) -> dict:
        """The non-notebook files of ``source/<assignment>/`` (copied by nbgrader into the
        execution folder), for the scratch folder. A student's other files never go there."""
        resources = resources or {}
        folder = resources.get("metadata", {}).get("path")
        assignment = resources.get("nbgrader", {}).get("assignment")
        root = self.config.get("CourseDirectory", {}).get("root")
        if not (folder and assignment and root):
            return {}
        source = Path(root) / "source" / assignment
        out = {}
        if source.is_dir():
            for path in source.rglob("*"):
                rel = path.relative_to(source)
                if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in rel.parts:
                    candidate = Path(folder) / rel
                    out[str(rel)] = str(candidate if candidate.is_file() else path)
        return out

    def _write_report(self, resources, report: dict) -> None:
        if not self.report_dir:
            return
        name = (resources or {}).get("unique_key", "notebook")
        os.makedirs(self.report_dir, exist_ok=True)
        Path(self.report_dir, f"{name}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
