"""The Makefile picks a Python 3.11-3.13 that exists, says which, and says how to get one.

Run on a copy of the Makefile in a temporary folder with fake interpreters on PATH: the real
``.venv`` is never touched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")


def _fake_python(folder: Path, name: str, version: str) -> Path:
    """A script answering ``--version`` with ``version`` and the Makefile's check as that version would."""
    major, minor = (int(x) for x in version.split(".")[:2])
    ok = 0 if (3, 11) <= (major, minor) <= (3, 13) else 1
    path = folder / name
    path.write_text("#!/bin/sh\n"
                    f'if [ "$1" = "-c" ]; then exit {ok}; fi\n'
                    f'if [ "$1" = "--version" ]; then echo "Python {version}"; exit 0; fi\n'
                    "exit 3\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "Makefile", root / "Makefile")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / "constraints.txt").write_text("", encoding="utf-8")
    return root


def _make(root: Path, path: Path, *args: str) -> subprocess.CompletedProcess:
    """``make install`` in ``root`` with ``path`` and the text tools the Makefile uses (no Python) on PATH."""
    tools = root.parent / "tools"
    tools.mkdir(exist_ok=True)
    for name in ("tr", "grep", "paste"):
        if not (tools / name).exists():
            (tools / name).symlink_to(shutil.which(name))
    return subprocess.run([MAKE, "-C", str(root), "install", *args], capture_output=True, text=True,
                          env={"PATH": f"{path}:{tools}", "HOME": str(root)}, timeout=60)


def test_no_supported_python_says_how_to_get_one(project, tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    _fake_python(bin_, "python3", "3.10.4")
    run = _make(project, bin_)
    assert run.returncode != 0
    assert "no Python 3.11, 3.12 or 3.13 on PATH (python3: Python 3.10.4)" in run.stdout
    assert "apt install python3.11" in run.stdout and "make PYTHON=/path/to/python3.12 install" in run.stdout
    assert not (project / ".venv").exists()


def test_a_named_python_of_the_wrong_version_is_refused(project, tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    old = _fake_python(bin_, "python3.9", "3.9.18")
    run = _make(project, bin_, f"PYTHON={old}")
    assert run.returncode != 0
    assert f"PYTHON={old} is not Python 3.11, 3.12 or 3.13 (Python 3.9.18)" in run.stdout


def test_the_first_supported_python_is_chosen_and_named(project, tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    _fake_python(bin_, "python3.11", "3.10.0")      # a broken alias: skipped
    chosen = _fake_python(bin_, "python3.12", "3.12.7")
    _fake_python(bin_, "python3.13", "3.13.1")
    run = _make(project, bin_)
    assert f"make: building .venv with {chosen} (Python 3.12.7)" in run.stdout, run.stdout + run.stderr
    # the fake then "makes" no venv: make stops at the venv's pip, after naming its choice
    assert run.returncode != 0


def test_the_venv_s_own_python_is_never_chosen(project, tmp_path):
    """A TA with .venv/bin first on PATH (as the README's Instructors section has it)."""
    venv_bin = project / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    _fake_python(venv_bin, "python3.11", "3.11.7")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    chosen = _fake_python(bin_, "python3.13", "3.13.1")
    run = _make(project, Path(f"{venv_bin}:{bin_}"))
    assert f"make: building .venv with {chosen} (Python 3.13.1)" in run.stdout, run.stdout + run.stderr
