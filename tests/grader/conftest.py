"""Fixtures of the grader CLI tests: a copy of a tiny course (no TensorFlow) in a tmp folder."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from cli_helpers import FILES


@pytest.fixture
def toy_root(tmp_path) -> Path:
    """A copy of tests/grader/files/toycourse, released (gradebook created), nothing submitted."""
    from grader.autograde import ensure_tools_on_path
    from grader.release import generate_release

    ensure_tools_on_path()
    root = tmp_path / "course"
    shutil.copytree(FILES / "toycourse", root)
    generate_release(root)
    return root


@pytest.fixture
def bare_toy_root(tmp_path) -> Path:
    """A copy of the toy course without release/ nor gradebook (no nbgrader run)."""
    root = tmp_path / "course"
    shutil.copytree(FILES / "toycourse", root)
    return root


def _postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl), or None."""
    found = shutil.which("initdb") or shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A PostgreSQL server of our own on 127.0.0.1 (a free port), trust authentication.

    Installed by ``.ci/run`` (Debian's ``postgresql``) where missing; started here and stopped
    after the session. As root the server runs as the ``postgres`` user (PostgreSQL refuses
    root). Yields ``postgresql://postgres@127.0.0.1:<port>``.
    """
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs Debian's postgresql as root): "
                    "the server-gradebook tests need initdb and pg_ctl")
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        run_as = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="grader-pg-"))  # short: the socket path must stay < 108 bytes
    data = base / "data"
    if run_as:
        shutil.chown(base, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
                    "-o", f"-p {port} -k {base} -h 127.0.0.1 -c fsync=off", "start"], check=True,
                   capture_output=True, timeout=120)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A new, empty database on the test server: its URL."""
    import psycopg

    name = f"gradebook_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"
