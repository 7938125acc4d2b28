"""Discovery and staging: which notebook of a submission folder to grade, and a repaired copy of it.

The first step of the grading pipeline (then isolation: :mod:`grader.sandbox`; grading:
:mod:`grader.autograde`; reporting: :mod:`grader.collect`, :mod:`grader.feedback`; export:
:mod:`grader.roster`, :mod:`grader.solutions`). Never a wrong notebook and never a silent zero:

* :func:`discover_notebooks` finds the notebook to grade in ``submitted/<student>/<assignment>/``
  (the one that differs from the untouched release; one folder down, as some LMS downloads
  unpack; several worked copies -> ``failed`` naming them; leftovers such as ``__MACOSX`` and
  checkpoints ignored);
* :func:`prepare_submission` stages it for nbgrader: valid JSON and a notebook, outputs
  cleared, the repairs of :func:`grader.preprocessors.repair.repair_notebook`, the hand-in
  time (``timestamp.txt``).

The functions return results; they never exit.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.preprocessors.repair import duplicate_grade_ids, repair_notebook

__all__ = [
    "GRADER_TIMESTAMP",
    "from_lms_download",
    "LARGE_FILE",
    "Prepared",
    "discover_notebooks",
    "expected_notebooks",
    "prepare_submission",
    "read_notebook",
]

#: A notebook above this size is noted (its outputs are cleared anyway).
LARGE_FILE = 20 * 1024 * 1024


def expected_notebooks(root: str | os.PathLike, assignment: str) -> list[str]:
    """Return the notebook file names students must hand in for an assignment.

    Parameters
    ----------
    root : path-like
        The course root.
    assignment : str

    Returns
    -------
    list of str
        The ``*.ipynb`` names of ``release/<assignment>/`` (sorted); empty if the
        assignment was never released.
    """
    folder = Path(root) / "release" / assignment
    return sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []


# --------------------------------------------------------------------------- staging

@dataclass
class Prepared:
    """The result of :func:`prepare_submission`.

    Attributes
    ----------
    error : str or None
        Why the submission cannot be graded (``None`` if it can).
    status : str
        ``"failed"`` or ``"missing"`` when ``error`` is set.
    notes : list of str
        Repairs made in the staged copy.
    code_cells : int
        Code cells of the staged notebooks.
    """

    error: str | None = None
    status: str = "failed"
    notes: list[str] = field(default_factory=list)
    code_cells: int = 0


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def read_notebook(path: Path):
    """Read a submitted notebook: ``(notebook, None)``, or ``(None, reason)`` when it cannot be graded.

    A UTF-8 byte-order mark is accepted; the reason names what is wrong (not text, not valid JSON
    with the line and column, not a notebook).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is read, not refused
    except UnicodeDecodeError as exc:
        return None, f"{path.name} is not a text file ({exc.reason})"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        where = "" if exc.msg.endswith(" at") else " at"  # "Unterminated string starting at"
        return None, f"{path.name} is not valid JSON: {exc.msg}{where} line {exc.lineno}, column {exc.colno}"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises various errors for non-notebooks
        return None, f"{path.name} is not a Jupyter notebook ({type(exc).__name__}: {exc})"
    if not isinstance(nb.get("cells"), list):
        return None, f"{path.name} is not a Jupyter notebook (no cells)"
    return nb, None


#: Files nbgrader's exchange puts beside a collected notebook (read by the grader, not "unused").
_EXCHANGE_FILES = {"timestamp.txt", "submission_secret.txt", ".grader-timestamp"}

#: Beside a ``timestamp.txt`` the grader wrote itself (a hand-copied submission): the same time.
#: A ``timestamp.txt`` without it was written by ``nbgrader collect`` and is never rewritten.
GRADER_TIMESTAMP = ".grader-timestamp"

#: Folders an unzipped download or a JupyterLab session leaves beside the work.
_IGNORED_PARTS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


def _ignored(rel: Path) -> bool:
    return any(part in _IGNORED_PARTS or part.startswith(".") for part in rel.parts)


def _code_sources(path: Path) -> list[str] | None:
    nb, error = read_notebook(path)
    if error:
        return None
    return ["\n".join(line.rstrip() for line in "".join(c.get("source", "")).strip().splitlines())
            for c in nb.cells if c.get("cell_type") == "code"]


def discover_notebooks(src: Path, expected: list[str], release: Path) -> tuple[Prepared, dict[str, Path]]:
    """Find the notebook(s) to grade in a submission folder, never misreading one.

    Parameters
    ----------
    src : Path
        ``submitted/<student>/<assignment>/``.
    expected : list of str
        The release's notebook names (``expected_notebooks``).
    release : Path
        ``release/<assignment>/``: a candidate identical to its release notebook (same code
        cells) is the untouched hand-out, not the work.

    Returns
    -------
    (Prepared, dict of str to Path)
        ``Prepared.error`` set (with ``<folder>`` standing for the submission folder) when
        nothing can be graded: ``missing`` when there is no notebook at all (the reason names
        any other file found), ``failed`` for several candidates; else its
        notes say what was chosen, and the dict maps each expected name to the file graded.

    Notes
    -----
    Candidates are the ``*.ipynb`` files of the folder, or, when it has none or only untouched
    copies of the release, the worked ones of its sub-folders one level down (an LMS download
    unpacked into a folder of its own).
    Checkpoints, ``__MACOSX`` and hidden folders are ignored. For a one-notebook assignment:
    a single candidate is graded whatever its name; among several, the only one that differs
    from the release is graded and the others are named in a note; several that differ ->
    ``failed: several notebooks ...`` naming them (the TA keeps the right one).
    """
    top = sorted(p for p in src.glob("*.ipynb") if p.is_file())
    nested = sorted(p for p in src.glob("*/*.ipynb") if p.is_file() and not _ignored(p.relative_to(src)))
    handout = _code_sources(release / expected[0]) if len(expected) == 1 else None
    read: dict[Path, list[str] | None] = {}

    def differs(path: Path) -> bool:
        """Not the untouched hand-out (an unreadable file counts as work); each file read once."""
        if path not in read:
            read[path] = _code_sources(path)
        return read[path] is None or read[path] != handout

    if top and (handout is None or any(differs(p) for p in top)):
        nested = []  # the work is in the folder itself
    elif top:  # only untouched hand-outs here: the work may be one folder down
        nested = [p for p in nested if differs(p)]
    candidates = nested or top
    notes: list[str] = []
    if not candidates:
        files = sorted(str(p.relative_to(src)) for p in src.rglob("*") if p.is_file() and not _ignored(p.relative_to(src)))
        if not files:
            return Prepared(error="no notebook in <folder> (the folder is empty)", status="missing"), {}
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        return Prepared(error=f"no notebook in <folder> (found: {shown}; if it is the work, convert or "
                              "rename it to the expected .ipynb and autograde again)", status="missing"), {}
    if nested:
        folders = sorted({str(p.parent.relative_to(src)) for p in nested})
        notes.append(f"found one folder down, in {', '.join(folders)}/")
    rel = {p: str(p.relative_to(src)) for p in candidates}
    if len(expected) != 1:
        found = {}
        for name in expected:
            match = [p for p in candidates if p.name == name]
            if len(match) != 1:
                return Prepared(error=f"{name} not found in the submission (found: {', '.join(rel.values())}): "
                                      "rename the student's notebook and autograde again"), {}
            found[name] = match[0]
        unused = [rel[p] for p in candidates if p not in found.values()]
        if unused:
            notes.append(f"not graded: {', '.join(unused)} (not a notebook of this assignment)")
        return Prepared(notes=notes), found
    name = expected[0]
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        differing = [p for p in candidates if differs(p)]
        if len(differing) == 1:
            chosen = differing[0]
            untouched = [rel[p] for p in candidates if p != chosen]
            notes.append(f"graded {rel[chosen]}; not graded: {', '.join(untouched)} (identical to the release)")
        elif not differing:
            named = [p for p in candidates if p.name == name]
            chosen = named[0] if named else candidates[0]
            notes.append(f"every notebook is the untouched release; graded {rel[chosen]}")
        else:
            return Prepared(error="several notebooks differ from the release in <folder>: "
                                  + ", ".join(rel[p] for p in differing)
                                  + f": keep only the one to grade (as {name}) and autograde again"), {}
    if chosen.name != name and len(candidates) == 1:
        notes.append(f"renamed: {rel[chosen]} graded as {name}")
    elif chosen.name != name:
        notes[-1] = notes[-1].replace(f"graded {rel[chosen]}", f"graded {rel[chosen]} as {name}")
    return Prepared(notes=notes), {name: chosen}


def from_lms_download(root: str | os.PathLike, assignment: str, notebooks: list[Path]) -> bool:
    """Whether every one of ``notebooks`` is a byte-identical copy of a notebook that
    ``nbgrader zip_collect`` extracted from an LMS download (``downloaded/<assignment>/``).

    Parameters
    ----------
    root : path-like
        The course root.
    assignment : str
    notebooks : list of pathlib.Path
        The submission's graded notebooks.

    Returns
    -------
    bool
        ``False`` when there is no ``downloaded/<assignment>/`` folder.
    """
    folder = Path(root) / "downloaded" / assignment
    if not notebooks or not folder.is_dir():
        return False
    # a size first (a stat), the bytes only of same-size files: one pass per submission reads
    # no other student's notebook in full
    by_size: dict[int, list[Path]] = {}
    for path in folder.rglob("*.ipynb"):
        if path.is_file() and not path.is_symlink():
            by_size.setdefault(path.stat().st_size, []).append(path)

    def copied(notebook: Path) -> bool:
        try:
            data = notebook.read_bytes()
            return any(other.read_bytes() == data for other in by_size.get(len(data), []))
        except OSError:
            return False

    return all(copied(p) for p in notebooks)


def prepare_submission(
    root: str | os.PathLike,
    assignment: str,
    student: str,
    staging: str | os.PathLike,
    *,
    strict: bool = False,
) -> Prepared:
    """Check a submission and copy it, repaired, to ``<staging>/<student>/<assignment>/``.

    ``submitted/`` is only read, but for one file: a submission copied in by hand (no
    ``timestamp.txt``, which ``nbgrader collect`` writes) gets one holding its hand-in time
    (the graded notebook's file time), as collect would have written, with a
    ``.grader-timestamp`` copy marking it as the grader's: nbgrader's formgrader lists a
    submission as autograded only when the gradebook's time equals ``submitted/``'s
    ``timestamp.txt``. A notebook replaced later gets its new time; a collected
    ``timestamp.txt`` is never changed. The staged copy holds only the expected notebooks,
    with their outputs cleared and the repairs below; the student's other files are listed
    in a note (``not used: ...``) and never reach the kernel.

    Parameters
    ----------
    root : path-like
        The course root.
    assignment, student : str
    staging : path-like
        A folder used as nbgrader's ``submitted_directory`` for this submission.
    strict : bool, default False
        ``True``: duplicated grade_ids make the submission ``failed`` (nbgrader's own
        behaviour is to refuse) instead of being repaired.

    Returns
    -------
    Prepared
        ``error`` set if the submission cannot be graded:

        * no folder, or an empty folder -> status ``missing``;
        * files but no notebook (in the folder or one folder down) -> ``missing``, the
          reason naming the files;
        * a notebook that is not valid JSON / not a notebook -> ``failed``;
        * several notebooks that differ from the release -> ``failed`` (see
          :func:`discover_notebooks`);
        * duplicated grade_ids with ``strict=True`` -> ``failed``.

        Otherwise ``notes`` lists the repairs: ``renamed``, duplicate grade_ids,
        restored cells, a large file.
    """
    root = Path(root)
    src = root / "submitted" / student / assignment
    if not src.is_dir():
        return Prepared(error="no submission folder", status="missing")
    expected = expected_notebooks(root, assignment)
    if not expected:
        return Prepared(error=f"release/{assignment} has no notebook (run `make release`)")
    chosen, found = discover_notebooks(src, expected, root / "release" / assignment)
    if chosen.error:
        chosen.error = chosen.error.replace("<folder>", f"submitted/{student}/{assignment}")
        return chosen

    dest = Path(staging) / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)

    prepared = Prepared(notes=list(chosen.notes))
    others = sorted(str(p.relative_to(src)) for p in src.rglob("*")
                    if p.is_file() and p.suffix != ".ipynb" and not _ignored(p.relative_to(src))
                    and str(p.relative_to(src)) not in _EXCHANGE_FILES)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        prepared.notes.append(f"not used: {shown} (only the notebook is graded)")
    for name in expected:
        path = found[name]
        size = path.stat().st_size
        if size > LARGE_FILE:
            prepared.notes.append(f"large file: {path.name} is {size / 2**20:.0f} MB (outputs cleared)")
        nb, error = read_notebook(path)
        if error:
            prepared.error = error
            return prepared
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
        if strict and duplicate_grade_ids(nb):
            prepared.error = "duplicate grade_id " + ", ".join(duplicate_grade_ids(nb))
            return prepared
        if path.read_bytes()[:3] == b"\xef\xbb\xbf":
            prepared.notes.append(f"{path.name} began with a byte-order mark (read without it)")
        release_nb, _ = read_notebook(root / "release" / assignment / name)
        prepared.notes.extend(repair_notebook(nb, release_nb))
        prepared.code_cells += sum(c.get("cell_type") == "code" for c in nb.cells)
        nbformat.write(nb, str(dest / name))
    # the hand-in time, read by nbgrader into the gradebook (the formgrader's timestamp, late
    # penalties): the collected timestamp.txt, else the graded notebook's file time (not an
    # untouched copy beside it); never the grading time
    from grader.feedback import format_timestamp, submission_time

    stamp, marker = src / "timestamp.txt", src / GRADER_TIMESTAMP
    ours = (marker.is_file() and stamp.is_file()
            and marker.read_text(errors="replace").strip() == stamp.read_text(errors="replace").strip())
    timestamp, origin = submission_time(src)
    collected = not ours and origin.endswith("timestamp.txt")
    if not collected and from_lms_download(root, assignment, [found[name] for name in expected]):
        # `nbgrader zip_collect` copied it from an LMS download that gave no trustworthy time
        # (grader.lms.CanvasCollector): its file time is the collection's, not the student's
        timestamp = None
        prepared.notes.append("hand-in time unknown (an LMS download without the students' times): "
                              "no late penalty")
        for path in (stamp, marker):
            if ours and not path.is_symlink():
                path.unlink(missing_ok=True)
    elif not collected:  # no collected time: the graded file's own time
        timestamp = format_timestamp(max(found[name].stat().st_mtime for name in expected))
        try:  # what nbgrader collect would have left, so the formgrader sees the submission graded
            for path in (stamp, marker):
                if not path.is_symlink():
                    path.write_text(timestamp + "\n", encoding="utf-8")
        except OSError as exc:  # a read-only submitted/: graded all the same
            prepared.notes.append(f"hand-in time not written to submitted/ ({exc.strerror}): the formgrader "
                                  "will list this submission as not autograded")
    if timestamp is not None:
        (dest / "timestamp.txt").write_text(timestamp + "\n", encoding="utf-8")
    secret = src / "submission_secret.txt"  # nbgrader's exchange: lets the student fetch feedback
    if secret.is_file() and not secret.is_symlink():
        shutil.copyfile(secret, dest / secret.name)
    return prepared
