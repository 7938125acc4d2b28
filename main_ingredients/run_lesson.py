"""Execute the lesson notebook top to bottom and write the executed copy to ``build/``.

Usage::

    python -m main_ingredients.run_lesson [--path NOTEBOOK] [--out EXECUTED] [--timeout SECONDS]

The source notebook (committed without outputs) is never modified: the executed copy goes
to ``build/main-ingredients.ipynb`` unless ``--out`` says otherwise. The command prints
the elapsed seconds and exits with status 1, printing the failing cell's error, when a
cell raises.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
import typer
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


app = typer.Typer(add_completion=False, help=__doc__.splitlines()[0])


@app.command()
def run_lesson_cmd(
    path: Path = typer.Option(LESSON_NOTEBOOK, "--path", help="notebook to execute"),
    out: Path = typer.Option(BUILD_NOTEBOOK, "--out", help="where to write the executed copy"),
    timeout: int = typer.Option(300, "--timeout", help="seconds allowed per cell"),
) -> None:
    """Execute the lesson notebook top to bottom and write the executed copy (default: in build/).

    Exit code 0: executed; 1: a cell raised (its error is printed, the partly executed copy written); 2: --out
    points into source/.
    """
    start = time.perf_counter()
    try:
        execute_lesson(path, out, timeout)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(2) from None
    except CellExecutionError as error:
        elapsed = time.perf_counter() - start
        print(f"FAILED after {elapsed:.1f} s: a cell of {path} raised an error:\n{error}", file=sys.stderr)
        print(f"partly executed notebook written to {out}", file=sys.stderr)
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - start
    print(f"executed {path} in {elapsed:.1f} s -> {out}")
    raise typer.Exit(0)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point: execute the lesson, report the time, exit with the status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (defaults to ``sys.argv[1:]``).

    Raises
    ------
    SystemExit
        Always: 0 on success, 1 when a cell failed, 2 when ``--out`` points into ``source/``
        or for an unknown option.
    """
    app(args=list(argv) if argv is not None else None, prog_name="python -m main_ingredients.run_lesson")


if __name__ == "__main__":
    main()
