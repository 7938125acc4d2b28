"""Every command of the course is a typer command: its ``--help`` works and names its options.

No kernel starts: only ``--help`` and usage errors are run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Command (arguments after ``python``) -> the options its ``--help`` must list.
COMMANDS = {
    ("-m", "grader"): ["autograde", "collect", "demo", "feedback", "solutions", "roster"],
    ("-m", "grader.calibration"): ["--seeds", "--mutant-seeds", "--out", "--root", "--no-progress", "--render-only"],
    ("-m", "grader.release"): ["--root"],
    ("-m", "main_ingredients.run_lesson"): ["--path", "--out", "--timeout"],
    ("benchmarks/bench_throughput.py",): ["--notebooks", "-n", "--assignment", "--modes", "--workers",
                                          "--breakdown", "--no-breakdown", "--timeout", "--keep"],
    ("benchmarks/bench_autograde.py",): ["--timeout", "--modes"],
    ("benchmarks/bench_sealed.py",): ["--repeat"],
    ("benchmarks/bench_reference_notebooks.py",): ["--repeat"],
}

#: Only this internal entry point reads ``sys.argv`` itself (``python -m grader.checker ADDRESS MEMORY``).
RAW_ARGV = {"grader/checker.py"}


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", list(COMMANDS), ids=" ".join)
def test_help_lists_the_options(command):
    done = _run(*command, "--help")
    assert done.returncode == 0, done.stderr
    for option in COMMANDS[command]:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", done.stdout), (option, done.stdout)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != ("-m", "grader")], ids=" ".join)
def test_an_unknown_option_is_a_usage_error(command):
    done = _run(*command, "--no-such-option")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No such option" in done.stderr


def test_one_command_line_library():
    """No argparse, and no ``sys.argv`` read by hand outside the checker's internal entry point."""
    files = [p for folder in ("grader", "main_ingredients", "benchmarks") for p in (ROOT / folder).rglob("*.py")]
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        if re.search(r"^\s*(import argparse|from argparse import)", text, re.MULTILINE):
            offenders.append(f"{name}: argparse")
        if re.search(r"(?<!``)\bsys\.argv\b", text) and name not in RAW_ARGV:  # ``sys.argv``: a docstring
            offenders.append(f"{name}: sys.argv")
    assert not offenders, offenders
