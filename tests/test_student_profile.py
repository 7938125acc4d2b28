"""The students' JupyterLab (``make lab``) runs without the instructor's nbgrader tools, with the
Assignment List working through the course's exchange.

``jupyter-student/`` is a Jupyter config folder (``JUPYTER_CONFIG_DIR``) that disables the
formgrader, "Create Assignment" and the course list (the instructor's list of courses), keeps
the Assignment List (fetch, submit, fetch feedback), nbgrader's menu (it then shows only
"Assignment List": the menu hides the commands of disabled plugins) and Validate, and names the
course and its exchange in ``jupyter-student/nbgrader_config.py``. The slow tests start a real
Jupyter server on 127.0.0.1 with and without it: the formgrader's page, and the Assignment List's
server API listing, fetching and submitting a released assignment of a copy of the toy course.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "jupyter-student"
TOY = REPO / "tests" / "grader" / "files" / "toycourse"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(env: dict, cwd: Path = REPO):
    """A Jupyter server started in ``cwd`` on 127.0.0.1 without a token; yields its base URL once
    it answers."""
    port = _free_port()
    cmd = [str(BIN / "jupyter"), "server", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.disable_check_xsrf=True", "--allow-root"]
    env = dict(env, PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]))
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api", timeout=10):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise AssertionError("the Jupyter server did not answer in 120 s") from None
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _status(path: str, env: dict) -> int:
    """Start a Jupyter server in the course root, GET ``path``, return the HTTP status."""
    with _server(env) as base:
        try:
            with urllib.request.urlopen(base + path, timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code


def _json(url: str, data: dict | None = None) -> dict:
    """GET (or POST form ``data`` to) ``url``; the JSON answer."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=300) as r:
        return json.loads(r.read().decode())


@pytest.mark.slow
def test_lab_extension_list_shows_the_instructor_tools_disabled():
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(PROFILE))
    out = subprocess.run([str(BIN / "jupyter"), "labextension", "list"],
                         capture_output=True, text=True, env=env, timeout=120)
    text = out.stdout + out.stderr
    disabled = text[text.index("Disabled extensions:"):]
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert f"@jupyter/nbgrader:{plugin}" in disabled, text
    for plugin in ("validate-assignment", "assignment-list", "menu"):  # the students' tools
        assert f"@jupyter/nbgrader:{plugin}" not in disabled, text


def test_the_profile_names_the_course_and_exchange_of_the_courses_config():
    from traitlets.config.loader import PyFileConfigLoader

    from grader.course import load_config

    course = load_config(REPO)
    student = PyFileConfigLoader("nbgrader_config.py", path=str(PROFILE)).load_config()
    assert student.CourseDirectory.course_id == course.CourseDirectory.course_id == "main-ingredients"
    assert Path(student.Exchange.root) == Path(course.Exchange.root) == REPO / "exchange"
    # nothing of the instructor's: no gradebook, no course root, no grading settings
    assert set(student.keys()) == {"CourseDirectory", "Exchange"}
    assert set(student.CourseDirectory.keys()) == {"course_id"}
    servers = json.loads((PROFILE / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert servers == {"nbgrader.server_extensions.formgrader": False,
                       "nbgrader.server_extensions.assignment_list": True,
                       "nbgrader.server_extensions.course_list": False}


@pytest.mark.slow
def test_the_formgrader_is_served_to_the_ta_but_not_in_the_student_profile(tmp_path):
    ta_env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "empty"))  # the TA's: the venv's config only
    student_env = dict(os.environ, JUPYTER_CONFIG_DIR=str(PROFILE))
    assert _status("/formgrader", ta_env) == 200
    assert _status("/formgrader", student_env) == 404


@pytest.mark.slow
def test_the_assignment_list_fetches_and_submits_through_the_course_exchange(tmp_path):
    # a copy of the toy course with this profile beside it (the profile finds the course's exchange
    # as ../exchange); the course id is the toy course's
    course = tmp_path / "course"
    shutil.copytree(TOY, course)
    profile = course / "jupyter-student"
    shutil.copytree(PROFILE, profile, ignore=shutil.ignore_patterns("migrated", "lab", "__pycache__"))
    cfg = profile / "nbgrader_config.py"
    text = cfg.read_text(encoding="utf-8")
    assert 'c.CourseDirectory.course_id = "main-ingredients"' in text
    cfg.write_text(text.replace('"main-ingredients"', '"toy-course"'), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    for step in ("generate_assignment", "release_assignment"):
        done = subprocess.run([str(BIN / "nbgrader"), step, "toy"], cwd=course, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    home = tmp_path / "student"  # the student's own folder (and home): no nbgrader_config.py of its own
    home.mkdir()
    student_env = dict(env, HOME=str(home), JUPYTER_CONFIG_DIR=str(profile))
    with _server(student_env, cwd=home) as base:
        assert _json(f"{base}/courses") == {"success": True, "value": ["toy-course"]}  # not "No courses found"
        listed = _json(f"{base}/assignments?course_id=toy-course")
        assert listed["success"], listed
        assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [("toy", "released")]
        fetched = _json(f"{base}/assignments/fetch", {"course_id": "toy-course", "assignment_id": "toy"})
        assert fetched["success"], fetched
        assert (home / "toy" / "toy.ipynb").is_file()
        assert ("toy", "fetched") in [(a["assignment_id"], a["status"]) for a in fetched["value"]]
        submitted = _json(f"{base}/assignments/submit", {"course_id": "toy-course", "assignment_id": "toy"})
        assert submitted["success"], submitted
    inbound = list((course / "exchange" / "toy-course" / "inbound").iterdir())
    assert len(inbound) == 1 and (inbound[0] / "toy.ipynb").is_file(), inbound
