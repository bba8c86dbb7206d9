"""A throw-away PostgreSQL server for tests: initdb into a temporary folder, pg_ctl on a unix socket.

Uses the Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/<version>/bin``, installed
by ``.ci/setup_postgres.sh``). PostgreSQL refuses to run as root, so under root the server runs as
the ``postgres`` user the package creates. Callers skip (with the reason) when :func:`find_bindir`
returns None or psycopg2 is missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["find_bindir", "postgres_server", "why_unavailable"]


def find_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def why_unavailable() -> str | None:
    """None when a server can be started here, else the reason."""
    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found: run `bash .ci/setup_postgres.sh`"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 not installed: run `bash .ci/setup_postgres.sh`"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and no `postgres` user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield an SQLAlchemy URL (``postgresql+psycopg2://``); stop and delete it."""
    bindir = find_bindir()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="dse-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, sock, log = root / "data", root / "sock", root / "server.log"
    port = _free_port()
    run = lambda *args: subprocess.run(prefix + [str(a) for a in args], check=True, capture_output=True, text=True)
    try:
        run("mkdir", "-p", sock)
        run(bindir / "initdb", "-D", data, "-U", "dse", "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=40"
        run(bindir / "pg_ctl", "-D", data, "-o", opts, "-l", log, "-w", "-t", "60", "start")
        try:
            yield f"postgresql+psycopg2://dse@/postgres?host={sock}&port={port}"
        finally:
            subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True)
    except subprocess.CalledProcessError as exc:
        tail = (log.read_text()[-2000:] if log.exists() else "") + (exc.stderr or "")
        raise RuntimeError(f"could not start PostgreSQL: {exc}\n{tail}") from exc
    finally:
        shutil.rmtree(root, ignore_errors=True)
