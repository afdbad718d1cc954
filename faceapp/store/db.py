"""The SQLite database: the single source of truth for people, templates, events and the audit log.

One file, ``Paths.data / "faceapp.db"``, created private to the user (mode 0600; SQLite gives its
``-wal`` and ``-shm`` files the same mode). It runs in WAL mode with foreign keys on and
``secure_delete`` on (freed pages are overwritten with zeros, so deleted biometric data does not
linger in free pages). Every write goes through :meth:`Database.transaction`; every SQLite failure
becomes a :class:`~faceapp.errors.StorageError` that says what to do.

The schema is versioned: ``schema_version`` holds the number of :data:`MIGRATIONS` applied, and
opening an older database applies the missing ones in order, each in its own transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from faceapp.config import Paths
from faceapp.errors import ServerUnreachableError, StorageError
from faceapp.private import make_dirs
from faceapp.store.migrations import (
    v3_reliability,
    v4_identification,
    v5_liveness,
    v6_access,
    v7_attendance,
    v8_models,
    v9_sites,
    v10_access_sites,
)

log = logging.getLogger(__name__)

DB_NAME = "faceapp.db"
DEFAULT_BUSY_TIMEOUT_S = 5.0
PURGE_WAIT_S = 10.0  # how long a removal waits for other readers before leaving a pending purge
PURGE_KEY = "pending_purge"

_V1 = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        employee_no TEXT UNIQUE,
        name TEXT NOT NULL,
        department TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        notes TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        updated TEXT NOT NULL)""",
    """CREATE TABLE templates (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        chip BLOB NOT NULL,
        quality TEXT NOT NULL DEFAULT '{}',
        source TEXT NOT NULL CHECK (source IN ('camera', 'photo', 'import')),
        source_sha256 TEXT,
        created TEXT NOT NULL)""",
    "CREATE INDEX templates_person ON templates(person_id)",
    "CREATE INDEX templates_sha256 ON templates(source_sha256)",
    """CREATE TABLE embeddings (
        template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (model, template_id))""",
    "CREATE INDEX embeddings_template ON embeddings(template_id)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        tz TEXT NOT NULL,
        kind TEXT NOT NULL,
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        score REAL,
        margin REAL,
        camera TEXT NOT NULL,
        operator TEXT,
        snapshot TEXT,
        note TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX events_time ON events(time)",
    "CREATE INDEX events_person ON events(person_id, time)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        person_id INTEGER,
        details TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX audit_person ON audit(person_id)",
    "CREATE INDEX audit_time ON audit(time)",
)


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """People, templates (chips), per-model embeddings, events, audit log, key/value meta."""
    for statement in _V1:
        conn.execute(statement)


_V2 = (
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
        password TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL)""",
)


def _migrate_v2(conn: sqlite3.Connection) -> None:
    """Users with roles and scrypt password hashes, and their failed-login counters (additive)."""
    for statement in _V2:
        conn.execute(statement)


#: Forward migrations; ``MIGRATIONS[i]`` brings the schema from version ``i`` to ``i + 1``.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_v1,
    _migrate_v2,
    v3_reliability.migrate,
    v4_identification.migrate,
    v5_liveness.migrate,
    v6_access.migrate,
    v7_attendance.migrate,
    v8_models.migrate,
    v9_sites.migrate,
    v10_access_sites.migrate,
]
SCHEMA_VERSION = len(MIGRATIONS)


def utc_now() -> str:
    """The current UTC time as ISO 8601 text with offset, e.g. ``2026-01-02T03:04:05.678+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def storage_error(exc: sqlite3.Error, path: Path) -> StorageError:
    """Turn an SQLite failure into a :class:`StorageError` whose message says what to do."""
    text = str(exc)
    server = "unable to open the database server: "
    if text.startswith(server):  # the PostgreSQL back end's unreachable server (compat.ServerGone)
        return ServerUnreachableError(f"the database server {path} cannot be reached ({text[len(server):]}). "
                                      "Try again when it is reachable.")
    if "locked" in text or "busy" in text:
        message = (f"the database {path} is busy: another faceapp window or command is writing to it. "
                   "Close the other program (or wait for it to finish) and try again.")
    elif "disk is full" in text or "disk I/O" in text:
        message = (f"cannot write the database {path}: {text}. Free some disk space and try again; "
                   "nothing of the failed change was saved.")
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        message = (f"the database {path} is damaged ({text}). Restore it from a backup "
                   "(or move it away to start with an empty database).")
    elif "readonly" in text or "unable to open" in text:
        message = f"cannot open the database {path} for writing ({text}). Check the folder's permissions."
    else:
        message = f"database error in {path}: {text}"
    return StorageError(message)


class Database:
    """One connection to the faceapp database, safe to share between threads (calls are serialised).

    Args:
        path: the database file; created (mode 0600) with its folder when missing.
        busy_timeout: seconds to wait for another connection's write lock before giving up.
    """

    def __init__(self, path: str | os.PathLike[str], busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        _create_private(self.path)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=busy_timeout, check_same_thread=False)
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from exc
        try:
            self.db = sqlite_utils.Database(self.conn)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON", "synchronous=NORMAL"):
                self.conn.execute(f"PRAGMA {pragma}")
            self._finish_pending_purge()
            self._migrate()
        except sqlite3.Error as exc:
            self.conn.close()
            raise storage_error(exc, self.path) from exc
        except StorageError:
            self.conn.close()
            raise

    @classmethod
    def open(cls, paths: Paths, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S, url: str | None = None) -> Database:
        """The database of ``paths``: ``url`` or the configured one (``$FACEAPP_DATABASE_URL``, the
        ``database_url`` setting), else the SQLite file in ``paths.data``.
        """
        from faceapp.store import backends  # here: the PostgreSQL back end imports this module

        url = backends.configured_url(paths) if url is None else backends.check_url(url)
        if url and backends.is_postgres(url):
            from faceapp.store.backends.postgres import PostgresDatabase

            return PostgresDatabase(url, busy_timeout)
        return cls(backends.sqlite_path(url) if url else paths.data / DB_NAME, busy_timeout)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return "sqlite"

    def close(self) -> None:
        """Close the connection (checkpointing the WAL into the main file)."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All writes inside commit together or not at all; nested blocks become savepoints.

        Raises:
            StorageError: the database is locked, full, damaged or unwritable (all rolled back).
        """
        with self._lock:
            try:
                if self.conn.in_transaction:
                    with self.db.atomic() as db:
                        yield db
                else:
                    with self._immediate() as db:
                        yield db
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc

    @contextmanager
    def _immediate(self) -> Iterator[sqlite_utils.Database]:
        """``BEGIN IMMEDIATE``: take the write lock first (waiting up to the busy timeout).

        A deferred transaction that reads and then writes cannot wait for another process's
        writer: SQLite fails it at once with "database is locked". Taking the lock up front lets
        every read-then-write transaction (imports, check-ins with their cooldown) simply wait.
        """
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        with self._lock:
            try:
                return list(self.db.query(sql, params))
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query as tuples (cheaper than dicts for large reads)."""
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row (``None`` when there is no row)."""
        with self._lock:
            try:
                row = self.conn.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc
        return None if row is None else row[0]

    @property
    def schema_version(self) -> int:
        """The number of migrations applied to this database."""
        return int(self.scalar("SELECT version FROM schema_version") or 0)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the key/value ``meta`` table."""
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        """Store a value in the ``meta`` table (in its own transaction, or the caller's)."""
        with self.transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def compact(self, vacuum: bool = True) -> None:
        """Move the WAL into the main file, truncate it and (optionally) rebuild the file.

        After deleting biometric data this makes sure its bytes are gone from the WAL and from
        the database file, not only unreachable.
        """
        with self._lock:
            try:
                self._checkpoint()
                if vacuum:
                    self.conn.execute("VACUUM")
                    self._checkpoint()
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc

    def check(self) -> list[str]:
        """SQLite's ``quick_check`` problems (empty when the file is sound)."""
        rows = self.query("PRAGMA quick_check")
        problems = [str(next(iter(r.values()))) for r in rows]
        return [] if problems == ["ok"] else problems

    def _checkpoint(self) -> None:
        busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("WAL checkpoint of %s incomplete: another connection is reading", self.path)

    # -- erasing deleted data ------------------------------------------------------------------
    @property
    def purge_pending(self) -> bool:
        """Whether deleted data may still be on disk (a checkpoint could not complete yet)."""
        return self.get_meta(PURGE_KEY) is not None

    def purge(self, wait_s: float | None = None, vacuum: bool = True) -> bool:
        """Erase deleted rows from disk: (vacuum and) a *completed* ``wal_checkpoint(TRUNCATE)``.

        Another connection that holds a read transaction keeps old pages (with the deleted bytes)
        in the database file and the WAL; the checkpoint is retried until it completes or
        ``wait_s`` (default :data:`PURGE_WAIT_S`) has passed, saying once that it waits. When it
        still cannot complete, a pending purge is recorded that the next opening of the database
        finishes before anything else.

        Returns:
            True when the bytes are gone from the database file and the WAL.
        """
        with self._lock:
            try:
                if vacuum:
                    self.conn.execute("VACUUM")
                wait = PURGE_WAIT_S if wait_s is None else wait_s
                if self._checkpoint_until(time.monotonic() + wait):
                    if self.purge_pending:
                        self._clear_pending()
                    return True
                self.set_meta(PURGE_KEY, utc_now())
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc
        log.warning("deleted data is still in %s because another program keeps reading it; it will be "
                    "erased when the database is next opened (close the other faceapp windows or commands)",
                    self.path)
        return False

    def _checkpoint_until(self, deadline: float) -> bool:
        """Retry ``wal_checkpoint(TRUNCATE)`` until it completes (True) or the deadline passes (False)."""
        timeout_ms = int(self.conn.execute("PRAGMA busy_timeout").fetchone()[0])
        self.conn.execute("PRAGMA busy_timeout = 100")
        try:
            said = False
            while True:
                busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return True
                if time.monotonic() >= deadline:
                    return False
                if not said:
                    log.warning("waiting up to %.0f s for another program to stop reading %s, so that "
                                "deleted data can be erased", max(deadline - time.monotonic(), 0), self.path)
                    said = True
                time.sleep(0.1)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")

    def _clear_pending(self) -> None:
        """Forget the pending purge, then checkpoint again so that the WAL ends empty."""
        with self.db.atomic():
            self.conn.execute("DELETE FROM meta WHERE key = ?", (PURGE_KEY,))
        self._checkpoint_until(time.monotonic() + 1.0)

    def _finish_pending_purge(self) -> None:
        """At opening: finish a purge that an earlier removal could not complete."""
        has_meta = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if not has_meta or not self.conn.execute("SELECT 1 FROM meta WHERE key = ?", (PURGE_KEY,)).fetchone():
            return
        try:
            self.conn.execute("VACUUM")
            if self._checkpoint_until(time.monotonic() + PURGE_WAIT_S):
                self._clear_pending()
                log.info("erased the data deleted earlier from %s", self.path)
                return
        except sqlite3.OperationalError as exc:  # another program writing: opening must not fail for it
            log.warning("could not finish erasing deleted data in %s yet (%s)", self.path, exc)
            return
        log.warning("deleted data is still in %s: another program keeps reading it", self.path)

    def _migrate(self) -> None:
        with self.db.atomic():
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            if self.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 0:
                self.conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StorageError(f"the database {self.path} was written by a newer faceapp "
                               f"(schema {version} > {SCHEMA_VERSION}); upgrade faceapp")
        if version == SCHEMA_VERSION:
            return
        # Foreign keys off while migrating (SQLite's documented way to rebuild a table: dropping a
        # parent table with them on would cascade-delete its children); checked before each commit.
        self.conn.execute("PRAGMA foreign_keys=OFF")
        try:
            for number in range(version, SCHEMA_VERSION):
                with self.db.atomic():
                    MIGRATIONS[number](self.conn)
                    broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StorageError(f"migrating {self.path} to schema {number + 1} would break "
                                           f"{len(broken)} references; restore a backup and report this")
                    self.conn.execute("UPDATE schema_version SET version = ?", (number + 1,))
                log.info("database %s migrated to schema %d", self.path, number + 1)
        finally:
            self.conn.execute("PRAGMA foreign_keys=ON")


def _create_private(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600) unless they exist."""
    try:
        make_dirs(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot create the database {path}: {exc.strerror}. "
                           "Check the folder's permissions and free space.") from exc
