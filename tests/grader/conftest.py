"""Fixtures of the grader CLI tests: a copy of a tiny course (no TensorFlow) in a tmp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_helpers import FILES


@pytest.fixture
def toy_root(tmp_path) -> Path:
    """A copy of tests/grader/files/toycourse, released (gradebook created), nothing submitted."""
    from grader.autograde import ensure_tools_on_path
    from grader.release import generate_release

    ensure_tools_on_path()
    root = tmp_path / "course"
    shutil.copytree(FILES / "toycourse", root)
    generate_release(root)
    return root


@pytest.fixture
def bare_toy_root(tmp_path) -> Path:
    """A copy of the toy course without release/ nor gradebook (no nbgrader run)."""
    root = tmp_path / "course"
    shutil.copytree(FILES / "toycourse", root)
    return root
