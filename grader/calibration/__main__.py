"""``python -m grader.calibration [ASSIGNMENT ...] [--seeds 20] [--mutant-seeds 5] [--out docs/calibration.md]``.

``--render-only`` rewrites the Markdown from the JSON without running anything.

Runs :func:`grader.calibration.runner.calibrate` (``make calibrate``) and exits
non-zero, after printing the PROBLEM lines, when the calibration found a problem.
Only wiring: the work is in :mod:`grader.calibration.runner`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    add_completion=False,
    help="Calibrate the hidden tests: reference under many seeds, mutants under a few.",
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@app.command()
def calibrate_cmd(
    assignments: Optional[List[str]] = typer.Argument(
        None, help="assignment ids (default: every one with a spec)", show_default=False),
    seeds: int = typer.Option(
        20, "--seeds", help="reference seeds 1..N, plus the notebook's own (default 20)", show_default=False),
    mutant_seeds: int = typer.Option(
        5, "--mutant-seeds", help="seeds per mutant and per style (default 5)", show_default=False),
    out: Optional[Path] = typer.Option(
        None, "--out", help="Markdown report (default docs/calibration.md; JSON beside it)", show_default=False),
    root: Optional[Path] = typer.Option(
        None, "--root", help="course root (default: current directory or the checkout)", show_default=False),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar", show_default=False),
    render_only: bool = typer.Option(
        False, "--render-only", help="run nothing: rewrite the Markdown report from the JSON beside it",
        show_default=False),
) -> None:
    """Calibrate the hidden tests: reference under many seeds, mutants under a few.

    Exit code 0: no problem; 1: the calibration found problems (the PROBLEM lines); 2: usage error.
    """
    if render_only:
        from grader.calibration.runner import rerender_markdown

        md, count = rerender_markdown(root, out)
        print(f"rewrote {md} from {md.with_suffix('.json').name} ({count} assignment(s))")
        raise typer.Exit(EXIT_OK)

    from grader.calibration.runner import calibrate
    from grader.calibration.specs import all_specs, load_spec

    try:
        specs = [load_spec(a) for a in assignments] if assignments else all_specs()
    except ModuleNotFoundError as exc:
        raise typer.BadParameter(f"no calibration spec: {exc.name}", param_hint="assignments") from None
    if not specs:
        print("no calibration specs found under grader/calibration/specs/", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    results, problems = calibrate(
        specs, root=root, n_seeds=seeds, mutant_seeds=mutant_seeds, out=out, show_progress=not no_progress,
    )
    for spec in specs:
        r = results[spec.assignment]
        print(f"{spec.assignment}: {len(r['problems'])} problem(s), {r['wall_time_s']:.0f} s")
    for p in problems:
        print(f"PROBLEM {p}")
    print("wrote", out or "docs/calibration.md", "and its .json")
    raise typer.Exit(EXIT_PROBLEMS if problems else EXIT_OK)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: run the command on `argv` and exit with its status.

    Parameters
    ----------
    argv : list of str or None
        Arguments (``None``: ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        Always: 0 no problem, 1 problems found, 2 usage error (an unknown option, an
        assignment without a calibration spec).
    """
    app(args=argv, prog_name="python -m grader.calibration")


if __name__ == "__main__":
    main()
