"""Locate the course and talk to nbgrader's Python API with the course's configuration."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = ["DEFAULT_ROOT", "find_course_root", "load_config", "course_api", "assignment_ids", "ensure_tools_on_path",
           "using_gradebook", "check_db_url", "subfolders"]

#: The folder holding ``nbgrader_config.py`` when the package is used from a checkout.
DEFAULT_ROOT = Path(__file__).resolve().parent.parent


def find_course_root(root: str | os.PathLike | None = None) -> Path:
    """Return the course root: the folder that holds ``nbgrader_config.py``.

    Parameters
    ----------
    root : path-like or None
        An explicit root. ``None`` looks at the current directory, then at the
        checkout this package was installed from.

    Returns
    -------
    pathlib.Path
        The absolute course root.

    Raises
    ------
    FileNotFoundError
        If no ``nbgrader_config.py`` is found there.
    """
    candidates = [Path(root)] if root is not None else [Path.cwd(), DEFAULT_ROOT]
    for cand in candidates:
        if (cand / "nbgrader_config.py").is_file():
            return cand.resolve()
    raise FileNotFoundError(
        "no nbgrader_config.py in " + ", ".join(str(c) for c in candidates)
        + ": run from the course root or pass its path"
    )


#: The gradebook of this run when ``--db`` names one (see :func:`using_gradebook`).
_GRADEBOOK: ContextVar[str | None] = ContextVar("grader_gradebook", default=None)


def check_db_url(db_url: str) -> None:
    """Refuse what is not a gradebook URL, saying what one looks like.

    Raises
    ------
    ValueError
        If ``db_url`` does not parse as an SQLAlchemy URL, or uses the ``postgres://`` scheme
        (SQLAlchemy knows only ``postgresql://``).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if db_url.startswith("postgres://"):
        raise ValueError(f"{db_url!r}: the scheme is postgresql://, not postgres://")
    try:
        make_url(db_url)
    except ArgumentError:
        raise ValueError(f"{db_url!r} is not a database URL (e.g. postgresql://user@host/gradebook, or "
                         "sqlite:////abs/path/gradebook.db for a file)") from None


@contextmanager
def using_gradebook(db_url: str | None) -> Iterator[None]:
    """Within the block, :func:`load_config` names ``db_url`` as the course's gradebook.

    What ``--db`` does: one run of the grader writes and reads another gradebook (a
    PostgreSQL server shared by several graders, say) than ``nbgrader_config.py`` names.

    Parameters
    ----------
    db_url : str or None
        An SQLAlchemy database URL (``sqlite:////abs/path.db``, ``postgresql://user@host/db``);
        ``None`` changes nothing.

    Raises
    ------
    ValueError
        If ``db_url`` is not a database URL.
    """
    if db_url is None:
        yield
        return
    check_db_url(db_url)
    token = _GRADEBOOK.set(db_url)
    try:
        yield
    finally:
        _GRADEBOOK.reset(token)


def load_config(root: str | os.PathLike | None = None) -> Config:
    """Load ``nbgrader_config.py`` of the course as a traitlets ``Config``.

    ``CourseDirectory.root`` is set to the resolved root, whatever the file says,
    so a copy of the course (a temporary folder in tests) grades itself; a SQLite
    gradebook is the root's ``gradebook.db``. Inside :func:`using_gradebook` the
    gradebook is the one it names.

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`find_course_root`).

    Returns
    -------
    traitlets.config.Config
    """
    course_root = find_course_root(root)
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    cfg.CourseDirectory.root = str(course_root)
    if _GRADEBOOK.get():
        cfg.CourseDirectory.db_url = _GRADEBOOK.get()
    elif str(cfg.CourseDirectory.get("db_url", "")).startswith("sqlite:///"):
        cfg.CourseDirectory.db_url = "sqlite:///" + str(course_root / "gradebook.db")
    return cfg


def course_api(root: str | os.PathLike | None = None, config: Config | None = None):
    """Return an ``nbgrader.apps.NbGraderAPI`` bound to the course.

    Parameters
    ----------
    root : path-like or None
        The course root (see :func:`find_course_root`).
    config : traitlets.config.Config or None
        Extra settings merged over the course's ``nbgrader_config.py``.

    Returns
    -------
    nbgrader.apps.NbGraderAPI
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    ensure_tools_on_path()

    cfg = load_config(root)
    if config is not None:
        cfg.merge(config)
    coursedir = CourseDirectory(config=cfg)
    return NbGraderAPI(coursedir, config=cfg)


def ensure_tools_on_path() -> None:
    """Make nbgrader's helper tools work from this interpreter, and cheaply.

    * Puts the running interpreter's ``bin/`` first on ``PATH``: nbgrader creates a
      new gradebook by running the ``alembic`` executable found on ``PATH``, and
      kernels are looked up by name; both must come from the same environment as this
      Python, even when the course's ``.venv`` is used without being activated
      (``.venv/bin/python -m grader ...``).
    * Caches ``nbgrader.api.get_alembic_version``: nbgrader runs ``alembic heads`` in a
      subprocess every time a ``Gradebook`` is opened (1-2.5 s each on a busy 2-core
      machine, several times per submission). The head revision is a constant of the
      installed nbgrader, so asking once per process is safe. Forked children inherit
      the cached answer.

    Calling it again is harmless.

    Returns
    -------
    None
    """
    import functools

    import nbgrader.api

    bindir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir] + [p for p in parts if p != bindir])
    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=1)(nbgrader.api.get_alembic_version)


def assignment_ids(root: str | os.PathLike | None = None) -> list[str]:
    """Return the course's assignment list (``c.Course.assignments`` in the config).

    Falls back to the sub-folders of ``source/`` when the config names none.

    Parameters
    ----------
    root : path-like or None
        The course root.

    Returns
    -------
    list of str
        Assignment ids in teaching order.
    """
    cfg = load_config(root)
    names = list(cfg.get("Course", {}).get("assignments", []))
    if names:
        return names
    source = find_course_root(root) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def subfolders(path: str | os.PathLike) -> list[str]:
    """The names of a folder's visible sub-folders, sorted (``[]`` when it does not exist).

    Parameters
    ----------
    path : path-like
        E.g. ``submitted/`` (student ids) or ``submitted/<student>/`` (assignment ids).

    Returns
    -------
    list of str
    """
    path = Path(path)
    if not path.is_dir():
        return []
    return sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
