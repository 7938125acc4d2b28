"""Every command of the course is a typer command: its ``--help`` works and names its options.

No kernel starts: only ``--help`` and usage errors are run, in this process (typer's runner).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]

#: Command (module, or script under the checkout) -> the options its ``--help`` must list.
COMMANDS = {
    "grader.cli": ["autograde", "collect", "demo", "feedback", "solutions", "roster"],
    "grader.calibration.__main__": ["--seeds", "--mutant-seeds", "--out", "--root", "--no-progress", "--render-only"],
    "grader.release": ["--root"],
    "main_ingredients.run_lesson": ["--path", "--out", "--timeout"],
    "benchmarks/bench_throughput.py": ["--notebooks", "-n", "--assignment", "--modes", "--workers",
                                       "--breakdown", "--no-breakdown", "--timeout", "--keep"],
    "benchmarks/bench_autograde.py": ["--timeout", "--modes"],
    "benchmarks/bench_sealed.py": ["--repeat"],
    "benchmarks/bench_reference_notebooks.py": ["--repeat", "--lesson", "--no-lesson"],
}

#: Only this internal entry point reads ``sys.argv`` itself (``python -m grader.checker ADDRESS MEMORY``).
RAW_ARGV = {"grader/checker.py"}

_PLAIN = re.compile(r"\x1b\[[0-9;]*m")


def _app(command: str):
    """The typer app of a command: a module's, or a benchmark script's loaded by path."""
    if command.endswith(".py"):
        spec = importlib.util.spec_from_file_location(Path(command).stem, ROOT / command)
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(command)
    return module.app


def _invoke(command: str, *args: str):
    """Run a command in this process; its exit code and output without colours (CI may force them)."""
    result = CliRunner().invoke(_app(command), list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, _PLAIN.sub("", result.output)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_lists_the_options(command):
    code, out = _invoke(command, "--help")
    assert code == 0, out
    for option in COMMANDS[command]:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", out), (option, out)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "grader.cli"])
def test_an_unknown_option_is_a_usage_error(command):
    code, out = _invoke(command, "--no-such-option")
    assert code == 2, out
    assert "No such option" in out


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
