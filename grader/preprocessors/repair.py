"""Repairs of a submitted notebook before nbgrader grades it (the sanitize step).

Students and their tools damage notebooks in a few recurring ways that are not cheating and
must not cost points: a locked test cell deleted, an answer cell re-created (its nbgrader
metadata gone), every cell's metadata stripped by another editor, a cell copied so that a
``grade_id`` appears twice, metadata written by an older nbgrader, widget metadata that
nbconvert cannot read, a byte-order mark in front of the JSON. :func:`repair_notebook` mends
each of them in place and says what it did; :class:`RepairSubmission` runs it as the first of
nbgrader's sanitize preprocessors, so ``python -m grader autograde``, ``nbgrader autograde``
and the formgrader's Autograde button all grade the repaired notebook.
:class:`SubmissionExporter` reads a notebook saved with a UTF-8 byte-order mark.

Where cells go back: the submission is aligned with the release notebook
(:class:`difflib.SequenceMatcher` over cell keys: the ``grade_id`` of graded cells, the text
of the others), and a restored cell goes between the cells that surround it in the release:
after the last submission cell matched to an earlier release cell and before the first one
matched to a later release cell, never at the top by default. nbgrader's own
``OverwriteCells`` then puts the locked cells' stored sources back, as it always does.
"""

from __future__ import annotations

import copy
import difflib
import io
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.nbgraderformat import SCHEMA_VERSION, MetadataValidator
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

#: The notebook metadata key of ipywidgets' saved state.
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    """The cell's nbgrader ``grade_id`` when it is a graded kind (grade, solution, locked, task)."""
    m = _nbg(cell)
    if m.get("grade") or m.get("solution") or m.get("locked") or m.get("task"):
        return m.get("grade_id") or None
    return None


def _restorable(cell) -> bool:
    """A release cell the student cannot change: locked or graded, and not an answer cell."""
    m = _nbg(cell)
    return bool(m.get("grade_id")) and bool(m.get("locked") or m.get("grade")) and not m.get("solution")


def _text(cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def duplicate_grade_ids(nb) -> list[str]:
    """Return the ``grade_id`` values held by more than one graded cell (sorted)."""
    seen: dict[str, int] = {}
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
    return sorted(g for g, n in seen.items() if n > 1)


def _update_schema(nb, notes: list[str]) -> None:
    """Drop empty nbgrader metadata; update metadata of an older nbgrader (``nbgrader update``)."""
    old = set()
    for cell in nb.cells:
        meta = cell.get("metadata", {})
        if "nbgrader" in meta and not meta["nbgrader"]:
            del meta["nbgrader"]  # nbgrader reads {} as schema 0 ("run nbgrader update")
        elif "nbgrader" in meta and meta["nbgrader"].get("schema_version", 0) < SCHEMA_VERSION:
            old.add(meta["nbgrader"].get("schema_version", 0))
    if not old:
        return
    try:
        MetadataValidator().upgrade_notebook_metadata(nb)
    except Exception as exc:  # noqa: BLE001 - left for nbgrader to report as damaged metadata
        notes.append(f"nbgrader metadata of an older nbgrader (schema {min(old)}) could not be updated: {exc}")
        return
    notes.append(f"nbgrader metadata of an older nbgrader (schema {', '.join(map(str, sorted(old)))}) "
                 f"updated to schema {SCHEMA_VERSION} (as `nbgrader update` does)")


def widget_state_readable(nb) -> bool:
    """Whether nbconvert can read the notebook's saved widget state (or there is none).

    nbconvert's HTML exporter reads ``metadata.widgets[WIDGET_STATE]["state"]`` as soon as an
    output has rich data, whenever ``metadata.widgets`` exists, and raises ``KeyError`` when
    that path does not hold a dict (as some hosted notebook services save it).

    Returns
    -------
    bool
    """
    widgets = nb.get("metadata", {}).get("widgets")
    if widgets is None:
        return True
    entry = widgets.get(WIDGET_STATE) if isinstance(widgets, dict) else None
    return isinstance(entry, dict) and isinstance(entry.get("state"), dict)


def _drop_bad_widgets(nb, notes: list[str]) -> None:
    """Remove saved widget state nbconvert cannot read (see :func:`widget_state_readable`)."""
    if not widget_state_readable(nb):
        del nb.metadata["widgets"]
        notes.append("invalid widget metadata dropped (a saved widget state without its 'state' entry)")


def _dedupe(nb, notes: list[str]) -> None:
    """Keep the last cell of each duplicated grade_id; the earlier copies become ordinary cells."""
    dups = duplicate_grade_ids(nb)
    if not dups:
        return
    last = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
    for i, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if gid in dups and last[gid] != i:
            del cell.metadata["nbgrader"]  # not {}: nbgrader would read {} as an outdated schema
    notes.append(f"duplicate grade_id {', '.join(dups)}: the earlier copy runs as an ordinary cell, "
                 "the last one is graded")


def _new_id(cell) -> str:
    return (nbformat.v4.new_code_cell() if cell.get("cell_type") == "code" else nbformat.v4.new_markdown_cell()).id


def _restore_cells(nb, release_nb, notes: list[str]) -> None:
    """Re-identify stripped cells and put deleted locked cells back in their release position."""
    present = {grade_id(c) for c in nb.cells} - {None}
    by_text = {}
    for r in release_nb.cells:
        gid = _nbg(r).get("grade_id")
        if gid and gid not in present and grade_id(r):
            by_text.setdefault((r.get("cell_type"), _text(r)), gid)

    def key(cell, release: bool):
        gid = grade_id(cell)
        if gid:
            return ("id", gid)
        if not release:
            found = by_text.get((cell.get("cell_type"), _text(cell)))
            if found:
                return ("id", found)
        return (cell.get("cell_type"), _text(cell))

    rkeys = [key(c, True) for c in release_nb.cells]
    skeys = [key(c, False) for c in nb.cells]
    matcher = difflib.SequenceMatcher(None, rkeys, skeys, autojunk=False)
    sub_map: dict[int, int] = {}  # submission index -> release index
    reattached, reidentified = [], []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            r, s = block.a + k, block.b + k
            sub_map[s] = r
            gid = _nbg(release_nb.cells[r]).get("grade_id")
            if gid and grade_id(release_nb.cells[r]) and not grade_id(nb.cells[s]):
                nb.cells[s].setdefault("metadata", {})["nbgrader"] = copy.deepcopy(release_nb.cells[r].metadata.nbgrader)
                reattached.append(gid)
    present = {grade_id(c) for c in nb.cells} - {None}

    inserts: list[tuple[int, int, object]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Answer cells whose metadata is gone: re-identified when the region pairs them one to one.
        missing_answers = [r for r in range(i1, i2)
                           if _nbg(release_nb.cells[r]).get("solution") and grade_id(release_nb.cells[r]) not in present]
        plain = [s for s in range(j1, j2) if not _nbg(nb.cells[s]).get("grade_id")]
        if missing_answers and len(missing_answers) == len(plain) and all(
                release_nb.cells[r].cell_type == nb.cells[s].cell_type for r, s in zip(missing_answers, plain)):
            for r, s in zip(missing_answers, plain):
                nb.cells[s].setdefault("metadata", {})["nbgrader"] = copy.deepcopy(release_nb.cells[r].metadata.nbgrader)
                sub_map[s] = r
                reidentified.append(grade_id(release_nb.cells[r]))
        for r in range(i1, i2):
            rcell = release_nb.cells[r]
            if not _restorable(rcell) or _nbg(rcell)["grade_id"] in present:
                continue
            later = [s for s in range(j1, j2) if sub_map.get(s, -1) > r]
            position = min(later) if later else j2
            cell = copy.deepcopy(rcell)
            cell["id"] = _new_id(cell)
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
            inserts.append((position, r, cell))
            present.add(_nbg(rcell)["grade_id"])
    if reattached:
        notes.append("nbgrader metadata put back on unchanged cell(s) " + ", ".join(reattached)
                     + " (it had been stripped)")
    if reidentified:
        notes.append("answer cell(s) " + ", ".join(reidentified)
                     + " re-identified by their place (their nbgrader metadata was missing)")
    if not inserts:
        return
    inserts.sort(key=lambda t: (t[0], t[1]))
    cells, k = [], 0
    for j in range(len(nb.cells) + 1):
        while k < len(inserts) and inserts[k][0] == j:
            cells.append(inserts[k][2])
            k += 1
        if j < len(nb.cells):
            cells.append(nb.cells[j])
    nb.cells = cells
    notes.append("restored deleted locked cell(s) "
                 + ", ".join(_nbg(c)["grade_id"] for _, _, c in inserts) + " from release/, in their release position")


def _fresh_cell_ids(nb) -> None:
    seen: set[str] = set()
    for cell in nb.cells:
        cid = cell.get("id")
        if not cid or cid in seen:
            cell["id"] = _new_id(cell)
        seen.add(cell["id"])


def repair_notebook(nb, release_nb=None) -> list[str]:
    """Repair a submitted notebook in place; return one note per repair made.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The submission (version 4), changed in place.
    release_nb : nbformat.NotebookNode or None
        The released notebook of the same name. ``None``: no cell is restored or re-identified.

    Returns
    -------
    list of str
        Human-readable notes (``"restored deleted locked cell(s) ..."``); empty when nothing
        needed repair. Calling it again on its own result returns ``[]``.

    Notes
    -----
    In order: empty or older-schema nbgrader metadata updated (nbgrader's
    ``MetadataValidator.upgrade_notebook_metadata``, what ``nbgrader update`` runs); widget
    state without ``state`` dropped; duplicated grade_ids (the last copy is graded); stripped
    metadata put back on cells identical to a release cell; answer cells re-identified where
    the alignment pairs them one to one; deleted locked cells restored in their release
    position; cell ids made unique.
    """
    notes: list[str] = []
    _update_schema(nb, notes)
    _drop_bad_widgets(nb, notes)
    _dedupe(nb, notes)
    if release_nb is not None:
        _restore_cells(nb, release_nb, notes)
    _fresh_cell_ids(nb)
    return notes


def release_notebook(root, assignment: str, notebook: str):
    """Read ``<root>/release/<assignment>/<notebook>.ipynb``; ``None`` when absent or unreadable."""
    path = Path(root) / "release" / assignment / f"{notebook}.ipynb"
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - no release to restore from: repairs that need it are skipped
        return None


class RepairSubmission(NbGraderPreprocessor):
    """Run :func:`repair_notebook` first in nbgrader's sanitize step (``Autograde.sanitize_preprocessors``).

    The release notebook is read from ``<CourseDirectory.root>/release/<assignment>/``. The
    notes are logged as warnings and kept in ``resources["repairs"]``.
    """

    enabled = Bool(True, help="Repair submitted notebooks before grading them.").tag(config=True)

    def preprocess(self, nb, resources):
        """Repair ``nb`` in place.

        Returns
        -------
        (NotebookNode, dict)
        """
        if not self.enabled:
            return nb, resources
        info = (resources or {}).get("nbgrader", {})
        root = self.config.get("CourseDirectory", {}).get("root") or "."
        release = None
        if info.get("assignment") and info.get("notebook"):
            release = release_notebook(root, info["assignment"], info["notebook"])
        notes = repair_notebook(nb, release)
        for note in notes:
            self.log.warning("Repaired %s: %s", info.get("notebook", "notebook"), note)
        resources.setdefault("repairs", []).extend(notes)
        return nb, resources


class SubmissionExporter(NotebookExporter):
    """nbconvert's notebook exporter that also reads a notebook saved with a UTF-8 byte-order mark.

    Set as ``c.Autograde.exporter_class``; nbconvert's reader refuses the mark
    (``JSONDecodeError: Unexpected UTF-8 BOM``).
    """

    def from_file(self, file_stream, resources=None, **kw):
        """Read ``file_stream`` without a leading byte-order mark, then convert as nbconvert does."""
        text = file_stream.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        elif text.startswith("\ufeff"):
            text = text[1:]
        return super().from_file(io.StringIO(text), resources=resources, **kw)
