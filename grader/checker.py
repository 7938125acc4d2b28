"""The sealed checker: test cells run outside the student's kernel, on exported artifacts.

A *warm* server process imports TensorFlow, Keras and the course's check library once; for each
notebook it forks a child that loads that notebook's artifacts (:mod:`main_ingredients.artifacts`)
and runs every test cell's full source (visible and hidden checks) in a fresh namespace that
holds only the check library, NumPy, Keras, the course's datasets and the loaded artifacts. No
student code is imported or executed: models are rebuilt from their configuration with
``safe_mode``, values are plain data.

The server listens on a Unix socket in a private (0700) folder and authenticates clients with a
random key; any process of the grader (the coordinator or a forked grading job) can use it.
Each child has a wall-time budget (``SIGALRM``) and an address-space limit, so a recipe that
would re-train forever or allocate without bound fails its checks instead of stopping the run.

Entry points: :func:`run_checks` (used by :class:`grader.preprocessors.SealedChecks`),
:func:`ensure_server` (start the server before forking workers, so they share it),
:func:`stop_server`.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["run_checks", "ensure_server", "stop_server", "check_cells", "memory_limit", "EXPORT_ERROR"]

#: ``ename`` of a cell whose exported artifacts are missing or damaged (the notebook's own code
#: interfered with the export, or the kernel died before it).
EXPORT_ERROR = "ExportError"

_lock = threading.Lock()
_server: dict[str, Any] = {}


def memory_limit(settings) -> int:
    """Address-space limit of a check process: the sandbox's memory budget plus its headroom (bytes).

    Parameters
    ----------
    settings : grader.sandbox.Sandbox
    """
    from grader.sandbox import parse_size

    return parse_size(settings.memory) + parse_size(settings.address_space_headroom)


# --------------------------------------------------------------------------- the work itself

def _namespace(artifacts: dict) -> dict:
    import builtins

    import keras
    import numpy as np

    from main_ingredients import checks, datasets

    namespace = {"__builtins__": builtins, "__name__": "__sealed__", "checks": checks, "np": np,
                 "keras": keras, "datasets": datasets}
    namespace.update(artifacts)
    return namespace


def check_cells(cells: list[dict], folder: str) -> dict[str, Any]:
    """Run test cells on the artifacts exported for each (in this process).

    Parameters
    ----------
    cells : list of dict
        ``{"grade_id": str, "source": str}``: the full source of each test cell (hidden checks
        included), in notebook order.
    folder : str
        Holds one artifact folder per grade_id (written by :func:`main_ingredients.artifacts.export`).

    Returns
    -------
    dict of str to (str, str) or None
        grade_id -> None when every check passed, else ``(ename, evalue)`` of the first failure.
    """
    import contextlib
    import io
    import warnings

    import keras

    from main_ingredients import artifacts

    results: dict[str, Any] = {}
    for cell in cells:
        gid = cell["grade_id"]
        sink = io.StringIO()
        try:
            values = artifacts.load(Path(folder) / gid)
        except (ValueError, OSError) as error:
            results[gid] = (EXPORT_ERROR, f"The grader could not read what your notebook exported after "
                            f"this test cell ({error}). Your code must leave the grader's export alone "
                            "(the hidden folder ~/.sealed and the cells the grader runs); run the "
                            "notebook again from a fresh kernel.")
            continue
        try:
            namespace = _namespace(values)
            keras.backend.clear_session()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(cell["source"], f"<sealed check {gid}>", "exec"), namespace)  # noqa: S102
            results[gid] = None
        except AssertionError as error:
            results[gid] = (type(error).__name__, str(error))
        except Exception as error:  # noqa: BLE001 - any error fails the cell, as in the kernel
            results[gid] = (type(error).__name__, str(error)[:1000])
    return results


# --------------------------------------------------------------------------- server side

def _serve(listener, memory: int) -> None:
    """Server loop (runs in the server process): fork a child per connection."""
    import resource
    import signal

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    with listener:
        while True:
            try:
                conn = listener.accept()
            except (OSError, EOFError):
                continue
            except Exception:  # noqa: BLE001 - a client that failed authentication
                continue
            pid = os.fork()
            if pid:
                conn.close()
                continue
            try:  # the child: one job, then exit
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                job = conn.recv()
                signal.setitimer(signal.ITIMER_REAL, max(0.001, float(job.get("timeout", 600))))  # SIGALRM kills it
                if memory:
                    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
                conn.send(check_cells(job["cells"], job["folder"]))
            except BaseException as error:  # noqa: BLE001
                try:
                    conn.send({"__error__": f"{type(error).__name__}: {error}"[:500]})
                except Exception:  # noqa: BLE001
                    pass
            finally:
                os._exit(0)


def _main() -> None:
    """``python -m grader.checker <address> <memory>``: the key comes on stdin."""
    import logging

    from main_ingredients.quiet import QUIET_ENV, suppress_stderr_fd

    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    with suppress_stderr_fd():
        # imported once, before the children fork; no TensorFlow op may run here: the first op
        # starts TensorFlow's thread pools, and a child forked after that deadlocks in its first op
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)

    import main_ingredients.artifacts  # noqa: F401
    import main_ingredients.checks  # noqa: F401

    # re-training results shared by this run's children (identical recipes train once); the
    # folder is the server's own, removed with it
    os.environ[main_ingredients.checks.RETRAIN_CACHE_ENV] = os.path.join(os.getcwd(), "retrain-cache")

    from multiprocessing.connection import Listener

    address, memory = sys.argv[1], int(sys.argv[2])
    authkey = bytes.fromhex(sys.stdin.buffer.readline().strip().decode())

    def exit_with_the_grader() -> None:
        # stdin stays open in the grader (and the grading jobs it forks): end of file means they
        # are all gone, even killed, and the server must not outlive them
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=exit_with_the_grader, daemon=True).start()
    listener = Listener(address, family="AF_UNIX", authkey=authkey)
    print("ready", flush=True)
    _serve(listener, memory)


# --------------------------------------------------------------------------- client side

def ensure_server(memory: int = 0) -> dict:
    """Start the checker server if this process (or its parent) has none running.

    Parameters
    ----------
    memory : int
        Address-space limit of each check (bytes); 0: none.

    Returns
    -------
    dict
        ``{"address", "authkey", "pid"}`` of the server.

    Raises
    ------
    RuntimeError
        If the server does not start within 120 s.
    """
    with _lock:
        proc = _server.get("proc")
        if proc is not None and _server.get("owner") == os.getpid() and proc.poll() is None:
            return _server
        if proc is not None and _server.get("owner") != os.getpid() and _alive(_server.get("pid")):
            return _server  # inherited from the parent (a forked grading job): share it
        folder = tempfile.mkdtemp(prefix="grader-checker-", dir="/tmp" if os.access("/tmp", os.W_OK) else None)
        os.chmod(folder, 0o700)
        address = os.path.join(folder, "socket")
        authkey = secrets.token_bytes(32)
        from grader.sandbox import THREAD_ENV

        env = dict(os.environ, PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3", **THREAD_ENV)
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "grader.checker", address, str(int(memory))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=folder, start_new_session=True)
        proc.stdin.write((authkey.hex() + "\n").encode())
        proc.stdin.flush()  # kept open: the server exits when the last holder of it is gone
        line = proc.stdout.readline()
        if line.strip() != b"ready":
            proc.kill()
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError("the sealed checker did not start")
        _server.clear()
        _server.update(proc=proc, pid=proc.pid, owner=os.getpid(), address=address, authkey=authkey,
                       folder=folder, memory=memory)
        return _server


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@atexit.register
def stop_server() -> None:
    """Stop the checker server started by this process (forked children leave it alone)."""
    with _lock:
        proc = _server.get("proc")
        if proc is None or _server.get("owner") != os.getpid():
            return
        proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(_server.get("folder", ""), ignore_errors=True)
        _server.clear()


def run_checks(cells: list[dict], folder: str | os.PathLike, *, timeout: float = 600,
               memory: int = 0) -> dict[str, Any]:
    """Run test cells in a fresh child of the warm checker server.

    Parameters
    ----------
    cells : list of dict
        ``{"grade_id", "source"}`` per test cell (full source, hidden checks included).
    folder : str or path-like
        The notebook's artifact folder (one sub-folder per grade_id).
    timeout : float
        Seconds for all the cells together.
    memory : int
        Address-space limit of the check process (bytes), used when the server starts.

    Returns
    -------
    dict of str to (str, str) or None
        grade_id -> None (passed) or ``(ename, evalue)``. When the check process dies or runs
        out of time, every cell gets ``("SealedCheckError", <what happened>)``.
    """
    from multiprocessing.connection import Client

    if not cells:
        return {}
    server = ensure_server(memory)
    started = time.monotonic()
    try:
        with Client(server["address"], family="AF_UNIX", authkey=server["authkey"]) as conn:
            conn.send({"cells": cells, "folder": str(folder), "timeout": timeout})
            if not conn.poll(timeout + 30):
                raise TimeoutError
            answer = conn.recv()
    except (EOFError, ConnectionError, OSError, TimeoutError) as error:
        spent = time.monotonic() - started
        if spent >= timeout - 1:
            what = (f"the sealed checks did not finish in {timeout:g} s (re-training your recipe took too "
                    "long)")
        else:
            what = (f"the sealed check process stopped after {spent:.0f} s ({type(error).__name__}: "
                    f"{str(error)[:100]}): it ran out of memory or crashed")
        return {cell["grade_id"]: ("SealedCheckError", what) for cell in cells}
    if isinstance(answer, dict) and "__error__" in answer:
        return {cell["grade_id"]: ("SealedCheckError", str(answer["__error__"])) for cell in cells}
    return answer


if __name__ == "__main__":
    _main()
