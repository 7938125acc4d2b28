"""``python -m grader.calibration [ASSIGNMENT ...] [--seeds 20] [--mutant-seeds 5] [--out docs/calibration.md]``.

``--render-only`` rewrites the Markdown from the JSON without running anything.

Runs :func:`grader.calibration.runner.calibrate` (``make calibrate``) and exits
non-zero, after printing the PROBLEM lines, when the calibration found a problem.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0: no problem, 1: problems, 2: usage)."""
    parser = argparse.ArgumentParser(
        prog="python -m grader.calibration",
        description="Calibrate the hidden tests: reference under many seeds, mutants under a few.",
    )
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every one with a spec)")
    parser.add_argument("--seeds", type=int, default=20, help="reference seeds 1..N, plus the notebook's own (default 20)")
    parser.add_argument("--mutant-seeds", type=int, default=5, help="seeds per mutant and per style (default 5)")
    parser.add_argument("--out", default=None, help="Markdown report (default docs/calibration.md; JSON beside it)")
    parser.add_argument("--root", default=None, help="course root (default: current directory or the checkout)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--render-only", action="store_true",
                        help="run nothing: rewrite the Markdown report from the JSON beside it")
    args = parser.parse_args(argv)

    if args.render_only:
        import json
        from pathlib import Path

        from grader.calibration.runner import render_markdown
        from grader.course import find_course_root

        md = Path(args.out) if args.out else find_course_root(args.root) / "docs" / "calibration.md"
        results = json.loads(md.with_suffix(".json").read_text())["assignments"]
        md.write_text(render_markdown(results))
        print(f"rewrote {md} from {md.with_suffix('.json').name} ({len(results)} assignment(s))")
        return 0

    from grader.calibration.runner import calibrate
    from grader.calibration.specs import all_specs, load_spec

    try:
        specs = [load_spec(a) for a in args.assignments] if args.assignments else all_specs()
    except ModuleNotFoundError as exc:
        parser.error(f"no calibration spec: {exc.name}")
    if not specs:
        print("no calibration specs found under grader/calibration/specs/", file=sys.stderr)
        return 2
    results, problems = calibrate(
        specs, root=args.root, n_seeds=args.seeds, mutant_seeds=args.mutant_seeds,
        out=args.out, show_progress=not args.no_progress,
    )
    for spec in specs:
        r = results[spec.assignment]
        print(f"{spec.assignment}: {len(r['problems'])} problem(s), {r['wall_time_s']:.0f} s")
    for p in problems:
        print(f"PROBLEM {p}")
    print("wrote", args.out or "docs/calibration.md", "and its .json")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
