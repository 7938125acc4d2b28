"""The course on a real JupyterHub: deploy/jupyterhub/ (docs/jupyterhub.md) started by the test.

As root, the test creates two local Unix users, ``mi-instructor`` and ``mi-student`` (removed at
the end, with their processes), copies the toy course (``tests/grader/files/toycourse``, no
TensorFlow) into a folder the instructor owns (0700), adds the one line docs/jupyterhub.md tells
instructors to add to the course's ``nbgrader_config.py``, and makes a shared exchange (0777)
that also holds another course's assignment. It starts JupyterHub on 127.0.0.1 (free ports) with
its proxy (``configurable-http-proxy``, npm) and ``deploy/jupyterhub/jupyterhub_config.py``,
loaded from a small test file that changes only what a test must: the ports, the Hub's state
folder, a shared password instead of PAM (the test users have no password) and an admin service
whose token the test uses. Everything else is the deployed file: LocalProcessSpawner (each
server runs as its Unix user, from the course's .venv), the groups ``formgrade-<course>`` /
``nbgrader-<course>``, the roles, the per-profile nbgrader extensions, the formgrader as a
Hub-managed service (run here by the instructor's account).

Meanwhile the instructor runs ``python -m grader.release`` outside the Hub (as over ssh); once
the service is up, ``nbgrader release_assignment toy`` in a terminal of the service. Then,
through the Hub's REST API and the servers' own APIs, the test checks that:

* the Hub runs the pinned JupyterHub and the groups hold the instructor and the student;
* the student's server runs as the student, has no formgrader (404) and no course list, and
  its page config disables the formgrader, "Create Assignment" and the course list but keeps
  the Assignment List; its courses come from JupyterHub's groups (the other course is neither
  listed nor fetchable); it lists ``toy`` as released; the student fetches it (into their home,
  as their files), answers it through the contents API and submits it (the exchange's inbound
  then holds it, the student's); the instructor collects it through the formgrader service
  (``submitted/mi-student/toy/toy.ipynb`` in the course, with the student's answer);
* the formgrader service answers the instructor (its page and its API, which lists ``toy`` as
  released), redirects an anonymous visitor to the login and refuses the student (403); a
  student the instructor adds with ``nbgrader db student add`` in a terminal of the service
  joins ``nbgrader-<course>`` on the Hub;
* the instructor's own server has no formgrader and its course list links to the service.

Skipped, with the reason, where it cannot run: not root on Linux, ``configurable-http-proxy`` or
JupyterHub missing, no ``useradd``/``userdel``/``runuser``, or users of those names that the
test did not create.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy" / "jupyterhub"
HUB_CONFIG = DEPLOY / "jupyterhub_config.py"
COMMON_NBGRADER_CONFIG = DEPLOY / "common" / "nbgrader_config.py"
TOY = REPO / "tests" / "grader" / "files" / "toycourse"
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("jupyterhub")]

INSTRUCTOR = "mi-instructor"
STUDENT = "mi-student"
#: Written into the test users' GECOS field: the teardown removes only users that carry it.
MARKER = "main-ingredients JupyterHub test"
#: The toy course's id (its nbgrader_config.py): the formgrader service's name and the groups'.
COURSE = "toy-course"
ASSIGNMENT = "toy"
NOTEBOOK = "toy.ipynb"
#: The student's answer (the toy assignment's correct one).
ANSWER = "answer = 42\ndoubled = [2 * v for v in (2, -3)]"
#: Seconds for a server (the Hub, a user's, the service) to answer.
START_TIMEOUT = 150
#: Another course on the same Hub's exchange, which the student does not take (no group).
OTHER_COURSE = "other-course"
#: A student the instructor adds with `nbgrader db student add` (a Hub user without a Unix account: never spawned).
LATECOMER = "mi-latecomer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _why_not() -> str | None:
    """Why the Hub cannot be tested here, or None."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "needs root on Linux (it creates two local users and runs JupyterHub's LocalProcessSpawner)"
    if shutil.which("configurable-http-proxy") is None:
        return ("configurable-http-proxy (npm) is not installed: .ci/run installs it as root "
                "(npm install -g configurable-http-proxy@5.2.0)")
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            return f"`{tool}` is missing: the test creates and removes two local users"
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "JupyterHub is not installed in this environment (make install installs it)"
    for name in (INSTRUCTOR, STUDENT):
        with contextlib.suppress(KeyError):
            if MARKER not in pwd.getpwnam(name).pw_gecos:
                return f"a user named {name} exists and was not created by this test"
    return None


# ------------------------------------------------------------------------------- users and files

def _kill_processes_of(user: str) -> None:
    """Stop every process running as ``user`` (a test user), one pid at a time."""
    import psutil

    procs = []
    for proc in psutil.process_iter(["username"]):
        if proc.info["username"] == user:
            with contextlib.suppress(psutil.Error):
                proc.terminate()
                procs.append(proc)
    _, alive = psutil.wait_procs(procs, timeout=10)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _remove_user(user: str) -> None:
    """Remove a test user (only one carrying MARKER), their processes and their home."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return
    if MARKER not in entry.pw_gecos:
        return
    _kill_processes_of(user)
    subprocess.run(["userdel", "-r", user], capture_output=True)
    shutil.rmtree(entry.pw_dir, ignore_errors=True)


def _create_user(user: str) -> None:
    _remove_user(user)  # left over by a run that was killed
    subprocess.run(["useradd", "-m", "-s", "/bin/bash", "-c", MARKER, user], check=True, capture_output=True)


@contextlib.contextmanager
def _searchable_ancestors(*paths: Path):
    """Let every user pass through ``paths`` and the folders above them (o+x: search, not list),
    as a deployment needs; put the modes back afterwards. A checkout in /work needs nothing (its
    folders are 0755); a Python installed in root's home (pyenv) needs /root searchable."""
    changed: dict[Path, int] = {}
    for path in paths:
        for folder in [path, *path.parents]:
            mode = folder.stat().st_mode
            if folder not in changed and not mode & stat.S_IXOTH:
                changed[folder] = mode
                folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
    if changed:
        print("made searchable for the test users (o+x), until the end of the test:",
              ", ".join(map(str, changed)))
    try:
        yield
    finally:
        for folder, mode in changed.items():
            with contextlib.suppress(OSError):
                folder.chmod(stat.S_IMODE(mode))


def _chown_tree(root: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def _as_user(user: str, cmd: list[str], env: dict) -> list[str]:
    """``cmd`` run as ``user`` with exactly ``env`` (plus HOME, USER, LOGNAME)."""
    home = pwd.getpwnam(user).pw_dir
    full = {**env, "HOME": home, "USER": user, "LOGNAME": user}
    return ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in full.items()), *cmd]


def _run_as(user: str, cmd: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``cmd`` as ``user`` with exactly ``env`` (plus HOME, USER), in ``cwd``; wait for it."""
    return subprocess.run(_as_user(user, cmd, env), cwd=cwd, capture_output=True, text=True, timeout=300)


def _start_as(user: str, cmd: list[str], env: dict, cwd: Path, output) -> subprocess.Popen:
    """Start ``cmd`` as ``user`` with exactly ``env`` (plus HOME, USER), in ``cwd``; its output to ``output``."""
    return subprocess.Popen(_as_user(user, cmd, env), cwd=cwd, stdout=output, stderr=subprocess.STDOUT)


# ----------------------------------------------------------------------------------- the Hub

class Hub:
    """A running JupyterHub of the test: its URL, the admin service's token, its log.

    Parameters
    ----------
    url : str
        The proxy's public URL (``http://127.0.0.1:<port>``).
    admin_token : str
        The token of the test's admin service (users, servers, tokens, groups).
    log : Path
        The Hub's (and its proxy's and services') output.
    course_root, exchange : Path
        The instructor's course folder and the shared exchange.
    """

    def __init__(self, url: str, admin_token: str, log: Path, course_root: Path, exchange: Path):
        import requests

        self.url = url
        self.admin_token = admin_token
        self.log = log
        self.course_root = course_root
        self.exchange = exchange
        self.http = requests.Session()
        self.http.trust_env = False  # 127.0.0.1 only, never through a proxy of the environment
        self._tokens: dict[str, str] = {}

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the Hub's log (for assertion messages)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def request(self, method: str, path: str, token: str | None = None, **kwargs):
        """One HTTP request to the Hub's proxy; ``token`` goes in the Authorization header."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"token {token}"
        kwargs.setdefault("allow_redirects", False)
        return self.http.request(method, self.url + path, headers=headers, timeout=120, **kwargs)

    def api(self, method: str, path: str, **kwargs):
        """A call to the Hub's REST API (``/hub/api``) with the admin service's token."""
        return self.request(method, "/hub/api" + path, token=self.admin_token, **kwargs)

    def token(self, user: str) -> str:
        """An API token of ``user`` (it has the user's permissions), made by the admin service."""
        if user not in self._tokens:
            r = self.api("POST", f"/users/{user}/tokens", json={"note": "test", "expires_in": 900})
            assert r.status_code in (200, 201), (r.status_code, r.text)
            self._tokens[user] = r.json()["token"]
        return self._tokens[user]

    def start_server(self, user: str) -> dict:
        """Start ``user``'s server through the Hub's API and wait until it answers; its model."""
        r = self.api("POST", f"/users/{user}/server")
        assert r.status_code in (201, 202, 400), (r.status_code, r.text)  # 400: already running
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{user}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return server
            if server is None and not model.get("pending") and r.status_code != 400:
                raise AssertionError(f"{user}'s server stopped while starting\n{self.log_tail()}")
            time.sleep(1)
        raise AssertionError(f"{user}'s server was not ready in {START_TIMEOUT} s\n{self.log_tail()}")

    def terminal(self, server: str, token: str, command: str, timeout: float = START_TIMEOUT) -> str:
        """Run ``command`` in a new terminal of ``server`` (e.g. ``/services/<course>``), as a
        person typing it would; its output, ending with ``exit <status>``."""
        import websocket

        r = self.request("POST", f"{server}/api/terminals", token=token)
        assert r.status_code == 200, (r.status_code, r.text)
        name = r.json()["name"]
        ws = websocket.create_connection(f"{self.url.replace('http', 'ws', 1)}{server}/terminals/websocket/{name}",
                                         header=[f"Authorization: token {token}"], timeout=timeout)
        output = ""
        try:
            ws.send(json.dumps(["stdin", f"{command}; echo \"exit $?\"\r"]))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not re.search(r"^exit \d+", output, re.M):
                message = json.loads(ws.recv())
                if message[0] == "stdout":
                    output += message[1]
        finally:
            ws.close()
            self.request("DELETE", f"{server}/api/terminals/{name}", token=token)
        return output

    def wait_for(self, path: str, token: str) -> None:
        """Wait until ``path`` answers 200 with ``token``."""
        deadline = time.monotonic() + START_TIMEOUT
        status = None
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                status = self.request("GET", path, token=token).status_code
                if status == 200:
                    return
            time.sleep(1)
        raise AssertionError(f"{path} did not answer 200 in {START_TIMEOUT} s (last: {status})\n{self.log_tail()}")


@pytest.fixture(scope="module")
def hub():
    """JupyterHub with deploy/jupyterhub/, two real users, the toy course released: a Hub."""
    reason = _why_not()
    if reason:
        print(f"SKIPPED test_jupyterhub: {reason}")
        pytest.skip(reason)
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="mi-hub-"))
    base.chmod(0o755)  # the users pass through it (the course and the exchange are below)
    proxy_pid_file = base / "hub" / "proxy.pid"
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, base, True)
        # The venv, the course package (installed in place from the checkout) and the Python the
        # venv was made from (it may live in root's home, e.g. pyenv's).
        stack.enter_context(_searchable_ancestors(REPO, Path(sys.prefix), Path(os.path.realpath(sys.base_prefix)),
                                                  Path(os.path.realpath(sys.executable)).parent, base))
        for user in (INSTRUCTOR, STUDENT):
            stack.callback(_remove_user, user)
            _create_user(user)

        # The users run the course's environment: check that they can, before anything else.
        probe = _run_as(STUDENT, [str(BIN / "python"), "-c", "import jupyterhub, grader, main_ingredients"],
                        {"PATH": f"{BIN}:/usr/bin:/bin"}, cwd=base)
        assert probe.returncode == 0, f"{STUDENT} cannot use {sys.prefix}: {probe.stderr}"

        # The shared exchange (0777, as nbgrader's docs say) and the instructor's course, with the
        # line docs/jupyterhub.md adds to the course's nbgrader_config.py.
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)
        other = exchange / OTHER_COURSE / "outbound" / ASSIGNMENT
        other.mkdir(parents=True)  # released there by another course's instructor
        shutil.copy(TOY / "source" / ASSIGNMENT / NOTEBOOK, other / NOTEBOOK)
        for folder in (exchange / OTHER_COURSE, exchange / OTHER_COURSE / "outbound", other):
            folder.chmod(0o755)
        course_root = base / "course"
        shutil.copytree(TOY, course_root)
        with open(course_root / "nbgrader_config.py", "a") as f:
            f.write(f"\n# JupyterHub: the shared exchange and the Hub's groups (docs/jupyterhub.md)\n"
                    f"load_subconfig({str(COMMON_NBGRADER_CONFIG)!r})\n")
        _chown_tree(course_root, INSTRUCTOR)
        course_root.chmod(0o700)  # the instructor's alone: students never see the gradebook

        ports = {name: _free_port() for name in ("proxy", "hub", "proxy_api", "formgrader")}
        hub_env = {
            "MI_COURSE_ID": COURSE,
            "MI_COURSE_ROOT": str(course_root),
            "MI_GRADER_USER": INSTRUCTOR,  # the test's instructor runs the formgrader service too
            "MI_INSTRUCTORS": INSTRUCTOR,
            "MI_STUDENTS": STUDENT,
            "MI_FORMGRADER_PORT": str(ports["formgrader"]),
            "NBGRADER_EXCHANGE": str(exchange),
        }

        # Meanwhile, the instructor runs make release's command over "ssh" (outside the Hub, as
        # the grader account): release/ and the gradebook.
        generate_log = base / "generate.log"
        generate = _start_as(INSTRUCTOR, [str(BIN / "python"), "-m", "grader.release"],
                             {"PATH": f"{BIN}:/usr/bin:/bin", "NBGRADER_EXCHANGE": str(exchange)},
                             cwd=course_root, output=stack.enter_context(open(generate_log, "wb")))

        # The Hub: the deployed config, loaded by a test file that changes only what a test must.
        hub_dir = base / "hub"
        hub_dir.mkdir()
        admin_token = secrets.token_hex(32)
        (hub_dir / "jupyterhub_config.py").write_text(f"""\
c = get_config()
load_subconfig({str(HUB_CONFIG)!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{ports['proxy']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports['hub']}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.command = [{shutil.which('configurable-http-proxy')!r}]
c.ConfigurableHTTPProxy.pid_file = {str(proxy_pid_file)!r}
c.JupyterHub.db_url = "sqlite:///{hub_dir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {str(hub_dir / 'cookie_secret')!r}
# the test users have no password: one shared password instead of PAM
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {secrets.token_hex(16)!r}
c.Spawner.start_timeout = {START_TIMEOUT}
c.Spawner.http_timeout = {START_TIMEOUT}
# the test's own admin service: its token starts servers, makes tokens and reads the groups
c.JupyterHub.services.append({{"name": "test-admin", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "test-admin", "services": ["test-admin"],
    "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "list:services", "read:services"]}})
""")
        log = hub_dir / "jupyterhub.log"
        log_file = stack.enter_context(open(log, "wb"))
        hub_proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(hub_dir / "jupyterhub_config.py")],
                                    cwd=hub_dir, env={**os.environ, **hub_env}, stdout=log_file,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        stack.callback(_stop_hub, hub_proc, proxy_pid_file)
        the_hub = Hub(f"http://127.0.0.1:{ports['proxy']}", admin_token, log, course_root, exchange)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert hub_proc.poll() is None, f"JupyterHub exited ({hub_proc.returncode})\n{the_hub.log_tail()}"
            with contextlib.suppress(OSError):
                if the_hub.api("GET", "/").status_code == 200:
                    break
            assert time.monotonic() < deadline, f"JupyterHub did not answer in {START_TIMEOUT} s\n{the_hub.log_tail()}"
            time.sleep(0.5)
        print(f"JupyterHub up in {time.monotonic() - started:.1f} s at {the_hub.url} (log: {log})")
        stack.callback(_stop_servers, the_hub)

        assert generate.wait(timeout=START_TIMEOUT) == 0, generate_log.read_text(errors="replace")
        assert (course_root / "release" / ASSIGNMENT / NOTEBOOK).is_file(), generate_log.read_text(errors="replace")
        assert (course_root / "gradebook.db").stat().st_uid == pwd.getpwnam(INSTRUCTOR).pw_uid

        # Then releases it in a terminal of the formgrader service (docs/jupyterhub.md).
        instructor = the_hub.token(INSTRUCTOR)
        the_hub.wait_for(f"/services/{COURSE}/api/status", instructor)
        output = the_hub.terminal(f"/services/{COURSE}", instructor, f"nbgrader release_assignment {ASSIGNMENT}")
        assert "exit 0" in output, output
        outbound = exchange / COURSE / "outbound" / ASSIGNMENT / NOTEBOOK
        assert outbound.is_file(), (sorted(map(str, exchange.rglob("*"))), output)
        print(f"{ASSIGNMENT} released into {exchange}: {time.monotonic() - started:.1f} s")
        yield the_hub
        print(f"test_jupyterhub: {time.monotonic() - started:.1f} s in all")


def _stop_servers(hub: Hub) -> None:
    """Stop the users' servers through the Hub (the teardown kills what is left anyway)."""
    for user in (STUDENT, INSTRUCTOR):
        with contextlib.suppress(Exception):
            hub.api("DELETE", f"/users/{user}/server")


def _stop_hub(proc: subprocess.Popen, proxy_pid_file: Path) -> None:
    """Stop JupyterHub (it stops its proxy and the service), then the proxy by its pid if left."""
    proxy_pid = None
    with contextlib.suppress(OSError, ValueError):
        proxy_pid = int(proxy_pid_file.read_text().strip())
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proxy_pid:
        import psutil

        with contextlib.suppress(psutil.Error):
            proxy = psutil.Process(proxy_pid)
            if "configurable-http-proxy" in " ".join(proxy.cmdline()):
                proxy.terminate()
                proxy.wait(timeout=10)


# ----------------------------------------------------------------------------------- the tests

def test_hub_runs_the_pinned_jupyterhub_with_the_course_groups(hub):
    import jupyterhub

    info = hub.api("GET", "/").json()
    assert info["version"] == jupyterhub.__version__
    groups = {g["name"]: g["users"] for g in hub.api("GET", "/groups").json()}
    assert groups.get(f"formgrade-{COURSE}") == [INSTRUCTOR], groups
    assert groups.get(f"nbgrader-{COURSE}") == [STUDENT], groups
    services = hub.api("GET", "/services").json()
    assert COURSE in services, services
    assert services[COURSE]["prefix"] == f"/services/{COURSE}/"


def _notebook_with_answer(content: dict) -> dict:
    """The fetched notebook (its JSON) with the answer cell filled in."""
    nb = json.loads(json.dumps(content))
    cells = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    assert len(cells) == 1, "the toy assignment has one answer cell"
    cells[0]["source"] = ANSWER
    return nb


def _answer_of(path: Path) -> str:
    """The source of the answer cell of the notebook at ``path``."""
    nb = json.loads(path.read_text())
    sources = [c["source"] for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    assert len(sources) == 1, f"{path}: {len(sources)} answer cells"
    return "".join(sources[0]) if isinstance(sources[0], list) else sources[0]


def test_student_server_lists_fetches_and_submits_through_the_shared_exchange(hub):
    import psutil

    started = time.monotonic()
    hub.start_server(STUDENT)
    print(f"{STUDENT}'s server ready in {time.monotonic() - started:.1f} s")
    token = hub.token(STUDENT)
    base = f"/user/{STUDENT}"
    student = pwd.getpwnam(STUDENT)

    # The server runs as the student, from the course's environment.
    servers = [p for p in psutil.process_iter(["username", "cmdline"])
               if p.info["username"] == STUDENT and "jupyterhub-singleuser" in " ".join(p.info["cmdline"] or [])]
    assert servers, f"no jupyterhub-singleuser process runs as {STUDENT}"
    assert str(BIN / "jupyterhub-singleuser") in " ".join(servers[0].info["cmdline"])

    # The student profile: no formgrader, no course list; the Assignment List and Validate stay.
    assert hub.request("GET", f"{base}/formgrader", token=token).status_code == 404
    assert hub.request("GET", f"{base}/formgraders", token=token).status_code == 404
    page = hub.request("GET", f"{base}/lab", token=token)
    assert page.status_code == 200, page.status_code
    disabled = page.text[page.text.index("disabledExtensions"):][:600]
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert f"@jupyter/nbgrader:{plugin}" in disabled, disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled, disabled

    # The course comes from JupyterHub's groups (nbgrader's JupyterHubAuthPlugin): not the other
    # course of the exchange, whose assignment the student cannot fetch either.
    courses = hub.request("GET", f"{base}/courses", token=token).json()
    assert courses == {"success": True, "value": [COURSE]}, courses
    other = {"course_id": OTHER_COURSE, "assignment_id": ASSIGNMENT}
    refused = hub.request("POST", f"{base}/assignments/fetch", token=token, data=other).json()
    assert refused["value"] == [], refused
    assert not (Path(student.pw_dir) / OTHER_COURSE).exists()
    listing = hub.request("GET", f"{base}/assignments", token=token, params={"course_id": COURSE}).json()
    assert listing["success"], listing
    assert [(a["assignment_id"], a["status"]) for a in listing["value"]] == [(ASSIGNMENT, "released")], listing

    # Fetch: into the student's home, as the student's files.
    form = {"course_id": COURSE, "assignment_id": ASSIGNMENT}
    fetched = hub.request("POST", f"{base}/assignments/fetch", token=token, data=form).json()
    assert fetched["success"], fetched
    assert {a["status"] for a in fetched["value"] if a["assignment_id"] == ASSIGNMENT} == {"fetched"}, fetched
    local = Path(student.pw_dir) / COURSE / ASSIGNMENT / NOTEBOOK
    assert local.is_file(), sorted(map(str, Path(student.pw_dir).rglob("*.ipynb")))
    assert local.stat().st_uid == student.pw_uid

    # The answer, typed in through the server's contents API; then submit.
    path = f"{base}/api/contents/{COURSE}/{ASSIGNMENT}/{NOTEBOOK}"
    model = hub.request("GET", path, token=token).json()
    saved = hub.request("PUT", path, token=token,
                        json={"type": "notebook", "format": "json", "content": _notebook_with_answer(model["content"])})
    assert saved.status_code == 200, saved.text
    submitted = hub.request("POST", f"{base}/assignments/submit", token=token, data=form).json()
    assert submitted["success"], submitted
    inbound = list((hub.exchange / COURSE / "inbound").glob(f"{STUDENT}+{ASSIGNMENT}+*"))
    assert len(inbound) == 1, sorted(map(str, hub.exchange.rglob("*")))
    handed_in = inbound[0] / NOTEBOOK
    assert _answer_of(handed_in) == ANSWER and handed_in.stat().st_uid == student.pw_uid
    listing = hub.request("GET", f"{base}/assignments", token=token, params={"course_id": COURSE}).json()
    handed = [a for a in listing["value"] if a["assignment_id"] == ASSIGNMENT and a["status"] == "submitted"]
    assert len(handed) == 1 and len(handed[0]["submissions"]) == 1, listing

    # The instructor collects it through the formgrader service: it lands in the course.
    instructor = hub.token(INSTRUCTOR)
    formgrader = f"/services/{COURSE}/formgrader"
    hub.wait_for(f"{formgrader}/api/status", instructor)
    collected = hub.request("POST", f"{formgrader}/api/assignment/{ASSIGNMENT}/collect", token=instructor)
    assert collected.status_code == 200 and collected.json()["success"], collected.text
    copy = hub.course_root / "submitted" / STUDENT / ASSIGNMENT / NOTEBOOK
    assert copy.is_file(), sorted(map(str, (hub.course_root / "submitted").rglob("*")))
    assert _answer_of(copy) == ANSWER
    assert copy.stat().st_uid == pwd.getpwnam(INSTRUCTOR).pw_uid


def test_formgrader_service_is_the_instructors_and_refuses_the_student(hub):
    formgrader = f"/services/{COURSE}/formgrader"
    instructor = hub.token(INSTRUCTOR)
    hub.wait_for(f"{formgrader}/api/status", instructor)

    page = hub.request("GET", formgrader, token=instructor, allow_redirects=True)
    assert page.status_code == 200 and "Manage Assignments" in page.text, (page.status_code, page.url)
    assignments = hub.request("GET", f"{formgrader}/api/assignments", token=instructor).json()
    assert {a["name"]: a["status"] for a in assignments} == {ASSIGNMENT: "released"}, assignments

    # The student: refused by the service; a visitor without a token is sent to log in.
    student = hub.token(STUDENT)
    for path in (formgrader, f"{formgrader}/api/assignments", f"/services/{COURSE}/lab"):
        assert hub.request("GET", path, token=student).status_code == 403, path
    anonymous = hub.request("GET", formgrader)
    assert anonymous.status_code == 302 and "/hub/" in anonymous.headers["Location"], anonymous.headers

    # A student added with nbgrader's own command, typed in a terminal of the formgrader service,
    # joins nbgrader-<course> on the Hub (the service's role lets nbgrader's JupyterHubAuthPlugin
    # do it; the formgrader's "Add student" form of nbgrader 0.9.6 does not touch the Hub).
    assert hub.api("POST", f"/users/{LATECOMER}").status_code == 201
    output = hub.terminal(f"/services/{COURSE}", instructor,
                          f"nbgrader db student add {LATECOMER} --first-name=Late --last-name=Comer")
    assert "exit 0" in output, output
    members = hub.api("GET", f"/groups/nbgrader-{COURSE}").json()["users"]
    assert sorted(members) == sorted([STUDENT, LATECOMER]), f"{members}\n{output}\n{hub.log_tail()}"


def test_instructor_server_links_to_the_formgrader_service(hub):
    started = time.monotonic()
    hub.start_server(INSTRUCTOR)
    print(f"{INSTRUCTOR}'s server ready in {time.monotonic() - started:.1f} s")
    token = hub.token(INSTRUCTOR)
    base = f"/user/{INSTRUCTOR}"
    assert hub.request("GET", f"{base}/formgrader", token=token).status_code == 404  # in the service only
    courses = hub.request("GET", f"{base}/formgraders", token=token).json()
    assert courses["success"], courses
    assert [(c["course_id"], c["kind"]) for c in courses["value"]] == [(COURSE, "jupyterhub")], courses
    assert courses["value"][0]["url"].endswith(f"/services/{COURSE}/lab?formgrader=true"), courses
