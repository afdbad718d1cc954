"""A real, throw-away PostgreSQL server for tests: ``initdb`` in a temporary folder, ``pg_ctl`` on loopback.

The server runs from Debian's ``postgresql`` package (``.ci/run`` installs it). PostgreSQL refuses to
run as root, so under root (CI) the server's folder is given to the ``postgres`` system user and the
binaries run as that user (``setpriv``). It listens on 127.0.0.1 on a free port with ``trust``
authentication for loopback only, and is stopped (``pg_ctl stop -m immediate``) and deleted at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (PATH first, then Debian's versioned folders)."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One PostgreSQL cluster in a temporary folder; :meth:`url` names a database on it."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="faceapp-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "faceapp"
        self.start_s = 0.0
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, cwd=self.root, timeout=60)

    def start(self, tls: tuple[Path, Path] | None = None) -> PgServer:
        """initdb + start; waits until the server accepts connections.

        Args:
            tls: ``(certificate, key)`` PEM files: the server then also accepts TLS connections.
        """
        began = time.monotonic()
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        if tls is not None:
            for source, name in zip(tls, ("server.crt", "server.key"), strict=True):
                shutil.copyfile(source, self.data / name)
                os.chmod(self.data / name, 0o600)
                if self._as:
                    owner = pwd.getpwnam("postgres")
                    os.chown(self.data / name, owner.pw_uid, owner.pw_gid)
            options += " -c ssl=on"
        self._options = options
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "30", "start")
        self.start_s = time.monotonic() - began
        return self

    def halt(self) -> None:
        """Stop the server (every connection dropped at once), keeping its data for :meth:`resume`.

        A fast shutdown, not ``-m immediate``: with ``synchronous_commit=off`` a crash could lose the
        last commits, which a real server (synchronous commits) never does.
        """
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start a halted server again on the same port and data."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", self._options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stop the server (immediately) and remove its folder."""
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def is_running(self) -> bool:
        """Whether the server still accepts TCP connections."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def url(self, database: str = "postgres") -> str:
        """The connection URL of ``database`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self) -> None:
        """Stop the server (dropping every connection) and start it again on the same port."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-l", str(self.root / "server.log"),
                  "-w", "-t", "30", "restart")


@contextmanager
def own_server(**options: Any) -> Iterator[PgServer]:
    """A server of the caller's own (for tests that stop it), stopped at the end.

    Without PostgreSQL installed: :func:`tests.conftest.unavailable` (skip locally, fail in CI).
    """
    from tests.conftest import unavailable

    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    server = PgServer(bindir).start(**options)
    try:
        yield server
    finally:
        server.stop()
