"""Execute the lesson notebook top to bottom and write the executed copy to ``build/``.

Usage::

    python -m main_ingredients.run_lesson [--path NOTEBOOK] [--out EXECUTED] [--timeout SECONDS]

The source notebook (committed without outputs) is never modified: the executed copy goes
to ``build/main-ingredients.ipynb`` unless ``--out`` says otherwise. The command prints
the elapsed seconds and exits with status 1, printing the failing cell's error, when a
cell raises.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
import zmq
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

__all__ = ["BUILD_NOTEBOOK", "LESSON_NOTEBOOK", "execute_lesson", "main"]

#: Repository root (the nbgrader course root).
ROOT = Path(__file__).resolve().parent.parent
#: The lesson notebook, as committed (no outputs).
LESSON_NOTEBOOK = ROOT / "source" / "00-main-ingredients" / "main-ingredients.ipynb"
#: Where the executed copy is written by default.
BUILD_NOTEBOOK = ROOT / "build" / "main-ingredients.ipynb"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def execute_lesson(
    path: str | Path | None = None,
    out: str | Path | None = None,
    timeout: int = 300,
    *,
    extra_cells: Sequence[str] = (),
    kernel_name: str = "python3",
) -> nbformat.NotebookNode:
    """Execute the lesson notebook in a fresh kernel and save the executed copy.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Notebook to execute; defaults to :data:`LESSON_NOTEBOOK`. The kernel's working
        directory is the notebook's folder.
    out : str or pathlib.Path, optional
        Where to write the executed notebook; defaults to :data:`BUILD_NOTEBOOK`. Paths
        inside ``source/`` are refused so that the committed notebook stays output-free.
    timeout : int, default 300
        Seconds allowed per cell.
    extra_cells : sequence of str, optional
        Code run after the last cell in the same kernel (e.g. a test's probe printing
        variables the lesson left behind). They are appended to the returned and saved
        notebook as code cells.
    kernel_name : str, default ``"python3"``
        Jupyter kernel to start.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, outputs included.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises. The partly executed notebook is still written to `out`.
    ValueError
        If `out` lies inside the repository's ``source/`` folder.
    """
    path = Path(path) if path is not None else LESSON_NOTEBOOK
    out = Path(out) if out is not None else BUILD_NOTEBOOK
    if _inside(out, ROOT / "source"):
        raise ValueError(f"refusing to write an executed notebook into source/: {out}")

    nb = nbformat.read(path, as_version=4)
    for source in extra_cells:
        nb.cells.append(nbformat.v4.new_code_cell(source))

    config = Config()
    if zmq.has("curve"):
        # encrypt the kernel's TCP sockets when the kernelspec supports it; this also keeps
        # ipykernel's "running over TCP without encryption" warning off our stderr
        config.KernelManager.transport_encryption = "auto"
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.resolve().parent)}},
        config=config,
    )
    try:
        client.execute()
    finally:
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
    return nb


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: execute the lesson, report the time, return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (defaults to ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when a cell failed, 2 when ``--out`` points into ``source/``.
    """
    parser = argparse.ArgumentParser(prog="python -m main_ingredients.run_lesson", description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=LESSON_NOTEBOOK, help="notebook to execute")
    parser.add_argument("--out", type=Path, default=BUILD_NOTEBOOK, help="where to write the executed copy")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        execute_lesson(args.path, args.out, args.timeout)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except CellExecutionError as error:
        elapsed = time.perf_counter() - start
        print(f"FAILED after {elapsed:.1f} s: a cell of {args.path} raised an error:\n{error}", file=sys.stderr)
        print(f"partly executed notebook written to {args.out}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    print(f"executed {args.path} in {elapsed:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
