"""The students' JupyterLab (``make lab``) runs without the instructor's nbgrader tools.

``jupyter-student/`` is a Jupyter config folder (``JUPYTER_CONFIG_DIR``) that disables the
formgrader, "Create Assignment", the course and assignment lists (no exchange here) and
nbgrader's menu, and keeps Validate. The test starts a real Jupyter server on 127.0.0.1 with
and without it and asks for the formgrader's page.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "jupyter-student"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(path: str, env: dict) -> int:
    """Start a Jupyter server in the course root, GET ``path``, return the HTTP status."""
    port = _free_port()
    cmd = [os.path.join(os.path.dirname(sys.executable), "jupyter"), "server", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.disable_check_xsrf=True", "--allow-root"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise AssertionError("the Jupyter server did not answer in 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_lab_extension_list_shows_the_instructor_tools_disabled():
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(PROFILE))
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "jupyter"), "labextension", "list"],
                         capture_output=True, text=True, env=env, timeout=120)
    text = out.stdout + out.stderr
    disabled = text[text.index("Disabled extensions:"):]
    for plugin in ("formgrader", "create-assignment", "assignment-list", "course-list", "menu"):
        assert f"@jupyter/nbgrader:{plugin}" in disabled, text
    assert "@jupyter/nbgrader:validate-assignment" not in disabled  # students keep Validate


def test_the_formgrader_is_served_to_the_ta_but_not_in_the_student_profile(tmp_path):
    ta_env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "empty"))  # the TA's: the venv's config only
    student_env = dict(os.environ, JUPYTER_CONFIG_DIR=str(PROFILE))
    assert _status("/formgrader", ta_env) == 200
    assert _status("/formgrader", student_env) == 404
