"""Fixtures of the tests of the assignments: a temporary copy of the course graded by the real nbgrader.

Each pytest(-xdist) worker makes its own copy of the course (``nbgrader_config.py``
and ``source/``) in a temporary folder, regenerates ``release/`` there with
``generate_assignment`` (which also fills that copy's gradebook), writes
submissions built by :mod:`grader.synthetic` to ``submitted/<student>/`` and
runs ``NbGraderAPI.autograde`` in-process. Scores are read from the gradebook.

Every variant notebook is autograded once per session (:meth:`Course.grade_variant`
caches), so several tests can assert on the same result. The tests of one
assignment share an ``xdist_group`` so that they run on the same worker.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from grader.course import ensure_tools_on_path

# venv bin on PATH (nbgrader runs `alembic` by name) and `alembic heads` asked once per process
ensure_tools_on_path()

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(__file__).resolve().parent / "files"


@dataclass
class Graded:
    """The outcome of one ``nbgrader autograde`` run, read back from the gradebook."""

    assignment: str
    student: str
    success: bool
    log: str
    autograded: bool = False
    score: float | None = None
    max_score: float | None = None
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)
    outputs: dict[str, list] = field(default_factory=dict)  # grade_id -> outputs in the autograded notebook

    def explain(self) -> str:
        """A failure message: the scores per cell, the test cells' outputs and nbgrader's log."""
        lines = [f"{self.assignment} / {self.student}: success={self.success} autograded={self.autograded} "
                 f"score={self.score}/{self.max_score}"]
        for gid, (score, mx) in self.cells.items():
            lines.append(f"  {gid}: {score}/{mx}")
            for out in self.outputs.get(gid, []):
                text = out.get("text") or f"{out.get('ename', '')}: {out.get('evalue', '')}"
                lines.append(f"      [{out.get('output_type')}/{out.get('name', '')}] {str(text).strip()[:400]}")
        lines.append("--- nbgrader log (tail) ---")
        lines.append(self.log[-3000:])
        return "\n".join(lines)


def student_id(kind: str, name: str | None = None, suffix: str = "") -> str:
    """A valid, readable student id for a variant, e.g. ``mutant-no-bias``."""
    raw = "-".join(p for p in (kind, name, suffix) if p)
    return re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")


class Course:
    """A temporary copy of a course, graded through nbgrader's Python API."""

    def __init__(self, root: Path, specs: dict | None = None):
        self.root = Path(root)
        self.specs = dict(specs or {})  # specs not in grader.calibration.specs (the toy)
        self._released: set[str] = set()
        self._cache: dict[tuple, Graded] = {}

    @classmethod
    def copy_of(cls, sources: list[Path], dest: Path, specs: dict | None = None) -> "Course":
        """Copy ``nbgrader_config.py`` of the real course and the ``source/`` folders given."""
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
        for src in sources:
            if src.is_dir():
                shutil.copytree(src, dest / "source", dirs_exist_ok=True)
        return cls(dest, specs)

    @property
    def db_url(self) -> str:
        return "sqlite:///" + str(self.root / "gradebook.db")

    def api(self, **overrides):
        """``NbGraderAPI`` of the copy; keyword arguments are extra config sections."""
        from traitlets.config import Config

        from grader.course import course_api

        return course_api(self.root, config=Config(overrides) if overrides else None)

    def release(self, assignment: str) -> None:
        """Generate ``release/<assignment>`` (and the gradebook entries) once."""
        from grader.release import generate_release

        if assignment not in self._released:
            generate_release(root=self.root, assignments=[assignment])
            self._released.add(assignment)

    def notebook_name(self, assignment: str) -> str:
        from grader.synthetic import notebook_path

        return notebook_path(self.root, "release", assignment).stem

    def build(self, assignment: str, kind: str, name: str | None = None) -> nbformat.NotebookNode:
        from grader.synthetic import build_submission, fill_release, notebook_path, read_notebook, variant_answers

        self.release(assignment)
        spec = self.specs.get(assignment)
        if spec is None or kind == "release":
            return build_submission(self.root, assignment, kind, name)
        release_nb = read_notebook(notebook_path(self.root, "release", assignment))
        source_nb = read_notebook(notebook_path(self.root, "source", assignment))
        return fill_release(release_nb, variant_answers(spec, source_nb, kind, name))

    def autograde(self, assignment: str, student: str, nb: nbformat.NotebookNode | None, **overrides) -> Graded:
        """Write ``nb`` as the student's submission (unless None: regrade) and autograde it."""
        from nbgrader.api import Gradebook, MissingEntry

        from grader.gradebook import is_written_answer
        from grader.synthetic import write_submission

        self.release(assignment)
        if nb is not None:
            write_submission(self.root, assignment, student, nb)
        api = self.api(**overrides)
        result = api.autograde(assignment, student, force=True, create=True)
        graded = Graded(assignment, student, bool(result.get("success")),
                        (result.get("log") or "") + (result.get("error") or ""))
        notebook = self.notebook_name(assignment)
        try:
            with Gradebook(self.db_url) as gb:
                sub = gb.find_submission(assignment, student)
                nbsub = gb.find_submission_notebook(notebook, assignment, student)
                # the autograded part: written answers wait for a TA (see grader.gradebook)
                auto = [g for g in nbsub.grades if not is_written_answer(g.cell.cell_type)]
                graded.score = sum(g.score for g in auto)
                graded.max_score = sum(g.max_score for g in auto)
                graded.cells = {g.name: (g.score, g.max_score) for g in auto}  # the test cells
        except MissingEntry:
            return graded
        graded.autograded = bool(api.get_submission(assignment, student).get("autograded"))
        path = self.root / "autograded" / student / assignment / f"{notebook}.ipynb"
        if path.is_file():
            done = nbformat.read(str(path), as_version=4)
            for cell in done.cells:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if gid in graded.cells:
                    graded.outputs[gid] = cell.get("outputs", [])
        return graded

    def grade_variant(self, assignment: str, kind: str, name: str | None = None) -> Graded:
        """Build and autograde a variant (see :func:`grader.synthetic.build_submission`), once."""
        key = (assignment, kind, name)
        if key not in self._cache:
            self._cache[key] = self.autograde(assignment, student_id(kind, name), self.build(assignment, kind, name))
        return self._cache[key]

    def regrade(self, assignment: str, kind: str, name: str | None = None) -> Graded:
        """Autograde an already graded variant's submission again (force), once."""
        key = (assignment, kind, name, "again")
        if key not in self._cache:
            self.grade_variant(assignment, kind, name)
            self._cache[key] = self.autograde(assignment, student_id(kind, name), None)
        return self._cache[key]


def load_toy_spec():
    """The calibration spec of the toy assignment (``files/toy_spec.py``)."""
    module_spec = importlib.util.spec_from_file_location("grading_toy_spec", FILES / "toy_spec.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.SPEC


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Course:
    """A copy of the real course (config + ``source/``), one per worker session."""
    return Course.copy_of([ROOT / "source"], tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def toy_spec():
    """The :class:`~grader.calibration.spec.AssignmentSpec` of the toy assignment."""
    return load_toy_spec()


@pytest.fixture(scope="session")
def toy_course(tmp_path_factory, toy_spec) -> Course:
    """A course made of the toy assignment ``90-toy`` of ``files/toy`` and the real config."""
    return Course.copy_of([FILES / "toy" / "source"], tmp_path_factory.mktemp("toy-course"), {"90-toy": toy_spec})


def pytest_configure(config):
    """nbgrader's gradebook triggers SQLAlchemy ``SAWarning``s at every autograde: not ours, not useful."""
    config.addinivalue_line("filterwarnings", "ignore::sqlalchemy.exc.SAWarning")
