"""Grade on a Dask ``distributed`` cluster: ``python -m grader autograde --scheduler tcp://HOST:8786``.

The coordinator (the process running ``python -m grader autograde``) does what it does for
``--workers N``: it stages each submission, makes a private copy of the gradebook and, once
the submission is graded, alone merges that copy into the course's gradebook and records the
status (:func:`grader.autograde.autograde`). Only the grading itself moves: instead of a
forked child on this machine, :func:`grade_on_worker` runs on a Dask worker.

What travels, both ways as bytes (no shared file system is assumed):

* to the worker (:func:`grade_on_worker`'s payload): the course's ``nbgrader_config.py``
  text, the instructor files of ``source/<assignment>/`` (not its notebooks: nbgrader takes
  the cells from the gradebook), the staged submission, the private gradebook copy, the run's
  config overrides (a picklable ``traitlets.config.Config``) and the ids;
* back: the files nbgrader wrote to ``autograded/<student>/<assignment>/``, the private
  gradebook copy it graded into, the sandbox's reports and nbgrader's log.

The worker builds a throw-away course root from these (in the Dask worker's local directory)
and grades there exactly as the coordinator would: :func:`grader.autograde._child` in a
forked process with the same outer guard, the same :class:`grader.preprocessors.SandboxedExecute`
(bubblewrap is needed on the worker unless ``--no-sandbox``) and its own sealed checker
(:func:`grader.checker.ensure_server` is per process: each worker process starts one).
So a worker needs the course's Python environment (the course package at the pinned
versions: ``pip install -c constraints.txt .``) and bubblewrap, but not the course folder.

A worker lost mid-job is Dask's business: the scheduler gives the task to another worker
(up to ``distributed.scheduler.allowed-failures`` losses), and an error raised by the task
itself (a full disk on the worker, a failed fork) is retried ``retries`` times. A submission
the student broke is not an error of the task: it comes back as a failed result at once.
Only the coordinator's single future per submission delivers a result, so a submission is
never merged twice, and one that the cluster could not grade becomes ``failed`` with the
reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

from grader.autograde import GraderError, SandboxError

__all__ = [
    "SchedulerError",
    "RETRIES",
    "grade_on_worker",
    "check_worker",
    "installed_versions",
    "DaskGrading",
    "RemoteJob",
]

#: Retries of a task that raised (Dask's ``retries=``); a lost worker is rescheduled anyway.
RETRIES = 2

#: Seconds to wait for the scheduler when connecting.
CONNECT_TIMEOUT = 30


class SchedulerError(GraderError):
    """Raised when the Dask scheduler cannot be reached or its workers cannot grade (CLI exit 2)."""


# --------------------------------------------------------------------------- both sides

def installed_versions() -> dict[str, str | None]:
    """Versions of Python, the course package and each of its pinned dependencies here.

    Returns
    -------
    dict of str to str or None
        ``{"python": "3.11", "main-ingredients-course": "0.1.0", "nbgrader": "0.9.6", ...}``;
        ``None`` for a distribution that is not installed.
    """
    import re
    from importlib import metadata

    out: dict[str, str | None] = {"python": f"{sys.version_info[0]}.{sys.version_info[1]}"}
    try:
        course = metadata.distribution("main-ingredients-course")
    except metadata.PackageNotFoundError:
        out["main-ingredients-course"] = None
        return out
    out["main-ingredients-course"] = course.version
    for req in course.requires or []:
        if ";" in req:  # extras (the test dependencies) are not needed to grade
            continue
        name = re.split(r"[\s<>=!~\[(]", req, maxsplit=1)[0]
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / _safe_rel(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _safe_rel(rel: str) -> Path:
    path = Path(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"not a relative path inside the folder: {rel!r}")
    return path


# --------------------------------------------------------------------------- worker side

#: Serialises starting the sealed checker and forking in a worker process: a grading thread
#: must never fork while another holds the checker's lock (the child would inherit it locked).
_FORK_LOCK = threading.Lock()

#: Sandbox probe per settings, once per worker process: None (it starts) or why not.
_SANDBOX_PROBES: dict[str, str | None] = {}


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return f"{get_worker().address} ({socket.gethostname()})"
    except (ImportError, ValueError):
        return f"{socket.gethostname()} (pid {os.getpid()})"


def _scratch_parent() -> str | None:
    """The Dask worker's local directory (Dask purges what a killed worker left), else TMPDIR."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return None


def _course_root(folder: Path, config: str, source: dict[str, bytes], assignment: str) -> Path:
    """A throw-away course root: the course's config and the assignment's instructor files."""
    root = folder / "course"
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(config, encoding="utf-8")
    _write_tree(root / "source" / assignment, source)
    return root


def _sandbox_reason(root: Path, config: str, overrides) -> str | None:
    """Why the sandbox cannot start on this worker (None if it can); probed once per process."""
    from grader.autograde import check_sandbox

    key = hashlib.sha256((config + json.dumps(overrides, sort_keys=True, default=repr)).encode()).hexdigest()
    if key not in _SANDBOX_PROBES:
        try:
            check_sandbox(root, overrides)
            _SANDBOX_PROBES[key] = None
        except SandboxError as exc:
            _SANDBOX_PROBES[key] = str(exc)
    return _SANDBOX_PROBES[key]


class _Forked:
    """A forked child with the interface :func:`grader.autograde._poll_job` uses.

    ``os.fork`` rather than ``multiprocessing``: Dask runs its workers as daemonic processes,
    which multiprocessing forbids to have children. The child dies with the worker thread that
    forked it (``PR_SET_PDEATHSIG``), so a killed worker leaves no grading behind.
    """

    def __init__(self, target, args: tuple) -> None:
        self.exitcode: int | None = None
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                _die_with_parent(parent)
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, signal.SIG_DFL)  # not the Dask worker's handlers
                target(*args)
                code = 0
            except BaseException:  # noqa: BLE001 - the parent reads .result.json or the code
                traceback.print_exc()
            finally:
                os._exit(code)
        self.pid = pid

    def _reap(self, flags: int) -> None:
        if self.exitcode is None:
            pid, status = os.waitpid(self.pid, flags)
            if pid:
                self.exitcode = os.waitstatus_to_exitcode(status)

    def is_alive(self) -> bool:
        self._reap(os.WNOHANG)
        return self.exitcode is None

    def join(self) -> None:
        self._reap(0)


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this process when the thread that forked it ends (a killed worker)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the worker died before prctl
        os._exit(1)


def grade_on_worker(payload: dict) -> dict:
    """Autograde one staged submission on this machine (a Dask worker) and return the results.

    A pure function of its payload: it builds a temporary course root, grades there
    (:func:`grader.autograde._child` in a forked process, stopped at the payload's guard) and
    deletes it. It never writes anything else and never raises for a bad submission.

    Parameters
    ----------
    payload : dict
        Built by :meth:`DaskGrading.submit`:

        * ``student``, ``assignment`` : str;
        * ``config`` : str, the course's ``nbgrader_config.py``;
        * ``source`` : dict of str to bytes, the instructor files of ``source/<assignment>/``
          (paths relative to it, notebooks left out);
        * ``submission`` : dict of str to bytes, the staged ``submitted/<student>/<assignment>/``;
        * ``gradebook`` : bytes, the private SQLite copy of the gradebook;
        * ``overrides`` : ``traitlets.config.Config``, the run's settings
          (:func:`grader.autograde.sandbox_config`);
        * ``guard`` : float, seconds before the grading process is stopped.

    Returns
    -------
    dict
        * ``success``, ``log``, ``error`` : nbgrader's result (as ``NbGraderAPI.autograde``);
          ``reason`` when the grader stopped it (guard, sandbox unavailable, crash);
        * ``ran`` : bool, whether nbgrader ran (then ``autograded`` replaces the
          coordinator's ``autograded/<student>/<assignment>/``, as nbgrader's ``--force`` does);
        * ``autograded`` : dict of str to [int, bytes] or None, each file nbgrader wrote
          there (relative path -> [mode, content]); ``None`` when it left no folder;
        * ``gradebook`` : bytes or None, the private copy after grading;
        * ``reports`` : dict of str to bytes, :class:`grader.preprocessors.SandboxedExecute`'s
          reports;
        * ``worker`` : str, which worker graded it; ``seconds`` : float.

    Raises
    ------
    OSError
        If the worker cannot write its temporary files or fork (Dask retries the task).
    """
    from grader.autograde import _child, _Job, _poll_job, _warm_checker, _with_db
    from grader.course import ensure_tools_on_path

    started = time.monotonic()
    student, assignment = payload["student"], payload["assignment"]
    worker = _worker_name()
    out = {"success": False, "log": "", "error": "", "reason": None, "ran": False, "autograded": None,
           "gradebook": None, "reports": {}, "worker": worker, "seconds": 0.0}
    ensure_tools_on_path()
    import nbgrader.apps  # noqa: F401  (imported once per worker process, inherited by the children)
    import nbgrader.converters  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="grader-remote-", dir=_scratch_parent()) as tmp:
        root = _course_root(Path(tmp), payload["config"], payload["source"], assignment)
        overrides = payload["overrides"]
        reason = _sandbox_reason(root, payload["config"], overrides)
        if reason:
            out["reason"] = f"on Dask worker {worker}: {reason}"
            return out
        job_tmp = tempfile.TemporaryDirectory(prefix="job-", dir=tmp)
        folder = Path(job_tmp.name)
        _write_tree(folder / "submitted" / student / assignment, payload["submission"])
        (folder / "gradebook.db").write_bytes(payload["gradebook"])
        db_url = f"sqlite:///{folder / 'gradebook.db'}"
        job = _Job(student, assignment, job_tmp, [], {}, db_url, float(payload["guard"]), time.monotonic())
        args = (str(root), str(folder / "submitted"), assignment, student, _with_db(overrides, db_url),
                str(folder / "reports"), str(folder / ".result.json"), str(folder / ".nbgrader.log"))
        try:
            with _FORK_LOCK:
                _warm_checker(root, overrides)
                job.process = _Forked(_child, args)
            while not _poll_job(job):
                time.sleep(0.1)
            out.update({k: v for k, v in job.result.items() if k in ("success", "log", "error", "reason")})
            out["ran"] = True
            autograded = root / "autograded" / student / assignment
            if autograded.is_dir():
                out["autograded"] = {rel: [(autograded / rel).stat().st_mode & 0o777, data]
                                     for rel, data in _read_tree(autograded).items()}
            out["gradebook"] = (folder / "gradebook.db").read_bytes()
            if (folder / "reports").is_dir():
                out["reports"] = _read_tree(folder / "reports")
        finally:
            job_tmp.cleanup()
    out["seconds"] = round(time.monotonic() - started, 2)
    return out


def check_worker(config: str, overrides, versions: dict[str, str | None]) -> dict:
    """What stops this worker from grading (run on every worker by :class:`DaskGrading`).

    Parameters
    ----------
    config : str
        The course's ``nbgrader_config.py``.
    overrides : traitlets.config.Config
        The run's settings (the sandbox among them).
    versions : dict
        :func:`installed_versions` of the coordinator.

    Returns
    -------
    dict
        ``{"sandbox": None or why it cannot start, "versions": [differences], "host": str}``.
    """
    from grader.course import ensure_tools_on_path

    ensure_tools_on_path()
    here = installed_versions()
    differences = [f"{name} {here.get(name) or 'not installed'} (the coordinator has {version})"
                   for name, version in sorted(versions.items()) if here.get(name) != version]
    with tempfile.TemporaryDirectory(prefix="grader-check-", dir=_scratch_parent()) as tmp:
        root = _course_root(Path(tmp), config, {}, "check")
        sandbox = _sandbox_reason(root, config, overrides)
    return {"sandbox": sandbox, "versions": differences, "host": socket.gethostname()}


# --------------------------------------------------------------------------- coordinator side

class RemoteJob:
    """One submission sent to the cluster; :meth:`poll_result` brings its results home."""

    def __init__(self, future, root: Path, student: str, assignment: str, folder: Path) -> None:
        self.future = future
        self.root = Path(root)
        self.student = student
        self.assignment = assignment
        self.folder = Path(folder)

    def poll_result(self) -> dict | None:
        """None while the cluster grades; then the result dict of :func:`grader.autograde._poll_job`.

        On completion the worker's files are written where a local run would have left them:
        ``autograded/<student>/<assignment>/`` (replaced, as nbgrader's ``--force`` does), the
        graded private gradebook and the reports in the job's temporary folder. A task the
        cluster could not finish gives a failed result with the reason.
        """
        if not self.future.done():
            return None
        try:
            out = self.future.result()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - KilledWorker, cancelled, raised on every try
            return {"success": False, "log": "", "error": "".join(traceback.format_exception(exc))[-20000:],
                    "reason": _task_failure(exc)}
        finally:
            self.future.release()
        if out.get("ran"):
            dest = self.root / "autograded" / self.student / self.assignment
            _remove_tree(dest)
            for rel, (mode, data) in sorted((out.get("autograded") or {}).items()):
                path = dest / _safe_rel(rel)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                os.chmod(path, mode)
        if out.get("gradebook") is not None:
            (self.folder / "gradebook.db").write_bytes(out["gradebook"])
        _write_tree(self.folder / "reports", out.get("reports") or {})
        log = f"[grader] graded on Dask worker {out.get('worker')} in {out.get('seconds', 0):.1f} s\n"
        result = {"success": bool(out.get("success")), "log": log + (out.get("log") or ""),
                  "error": out.get("error") or ""}
        if out.get("reason"):
            result["reason"] = out["reason"]
        return result


def _remove_tree(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _task_failure(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    if name == "KilledWorker":
        return ("the Dask workers grading it died too often (KilledWorker: the notebook may crash or exhaust "
                "the worker's memory); see the workers' logs")
    if "Cancelled" in name:
        return "the Dask scheduler cancelled it (the connection to the scheduler was lost?)"
    return f"grading on the Dask cluster failed after {RETRIES + 1} tries: {name}: {text}"


class DaskGrading:
    """The coordinator's connection to a Dask cluster (used by :func:`grader.autograde.autograde`).

    Parameters
    ----------
    scheduler : str
        The scheduler's address, ``tcp://HOST:8786``.
    root : path-like
        The course root (its ``nbgrader_config.py`` and ``source/`` are sent to the workers).
    overrides : traitlets.config.Config
        The run's settings (:func:`grader.autograde.sandbox_config`).
    timeout : float or None
        Seconds to wait for the scheduler (``None``: :data:`CONNECT_TIMEOUT`).

    Raises
    ------
    SchedulerError
        If the scheduler cannot be reached, or a connected worker cannot import the grader or
        has other versions of the course's packages than this machine.
    SandboxError
        If the run wants the sandbox and a connected worker cannot start it.
    """

    def __init__(self, scheduler: str, root, overrides, *, timeout: float | None = None) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency of the course package
            raise SchedulerError(f"--scheduler needs the 'distributed' package ({exc})") from exc
        scheme = scheduler.split("://", 1)[0] if "://" in scheduler else ""
        if scheme in ("http", "https"):
            raise SchedulerError(f"{scheduler} is a web address (the dashboard's?); the scheduler's address "
                                 "is the one `dask scheduler` prints as 'Scheduler at:', e.g. tcp://HOST:8786")
        self.scheduler = scheduler
        self.root = Path(root)
        self.overrides = overrides
        self.config = (self.root / "nbgrader_config.py").read_text(encoding="utf-8")
        self._sources: dict[str, dict[str, bytes]] = {}
        self._threads, self._seen = 1, 0.0
        try:
            self.client = Client(scheduler, timeout=timeout or CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: "
                                 f"{exc}); start it with `dask scheduler` (see docs/scaling.md)") from exc
        try:
            self.check_workers()
        except BaseException:
            self.close()
            raise

    def check_workers(self) -> None:
        """Check every connected worker (:func:`check_worker`); raise on the first kind of problem.

        Workers that join later are not checked here (each task still probes the sandbox).
        """
        answers = self.client.run(check_worker, self.config, self.overrides, installed_versions(),
                                  on_error="return")
        broken = {w: a for w, a in answers.items() if isinstance(a, BaseException)}
        if broken:
            listed = "; ".join(f"{w}: {type(e).__name__}: {e}" for w, e in sorted(broken.items()))
            raise SchedulerError(f"{len(broken)} Dask worker(s) cannot run the grader ({listed}): install the "
                                 "course package there (see docs/scaling.md)")
        versions = {w: a["versions"] for w, a in answers.items() if a["versions"]}
        if versions:
            listed = "; ".join(f"{w}: {', '.join(v)}" for w, v in sorted(versions.items()))
            raise SchedulerError(f"Dask worker(s) with other versions than this machine ({listed}): install "
                                 "the course package with `pip install -c constraints.txt .` on every worker")
        sandbox = {w: a["sandbox"] for w, a in answers.items() if a["sandbox"]}
        if sandbox:
            listed = "; ".join(f"{w}: {r}" for w, r in sorted(sandbox.items()))
            raise SandboxError(f"{len(sandbox)} Dask worker(s) cannot start the sandbox ({listed})")

    def slots(self, workers: int | None = None) -> int:
        """Submissions to keep in flight: ``workers`` if given, else the cluster's worker threads now."""
        if workers:
            return max(1, int(workers))
        now = time.monotonic()
        if now - self._seen > 2:
            try:
                info = self.client.scheduler_info()
                self._threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
            except (OSError, TimeoutError):
                pass
            self._seen = now
        return max(1, self._threads)

    def _source(self, assignment: str) -> dict[str, bytes]:
        """``source/<assignment>/``'s files other than notebooks (what nbgrader and the sandbox copy)."""
        if assignment not in self._sources:
            folder = self.root / "source" / assignment
            files = {}
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    rel = path.relative_to(folder)
                    if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in rel.parts:
                        files[str(rel)] = path.read_bytes()
            self._sources[assignment] = files
        return self._sources[assignment]

    def submit(self, job, overrides=None) -> RemoteJob:
        """Send a staged submission (a :class:`grader.autograde._Job`) to the cluster.

        Parameters
        ----------
        job : grader.autograde._Job
            Staged in ``job.folder / "submitted"``, its private gradebook copy at ``job.db_url``.
        overrides : traitlets.config.Config or None
            The run's settings (default: those given to the constructor).

        Returns
        -------
        RemoteJob
        """
        from grader.gradebook import sqlite_path

        staged = job.folder / "submitted" / job.student / job.assignment
        payload = {
            "student": job.student,
            "assignment": job.assignment,
            "config": self.config,
            "source": self._source(job.assignment),
            "submission": _read_tree(staged),
            "gradebook": sqlite_path(job.db_url).read_bytes(),
            "overrides": self.overrides if overrides is None else overrides,
            "guard": job.guard,
        }
        key = f"grade-{job.student}-{job.assignment}-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(grade_on_worker, payload, key=key, pure=False, retries=RETRIES)
        return RemoteJob(future, self.root, job.student, job.assignment, job.folder)

    def close(self) -> None:
        """Close the connection (tasks still running are cancelled by the scheduler)."""
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - already closed or the scheduler is gone
            pass
