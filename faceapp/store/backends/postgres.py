"""The PostgreSQL back end of :class:`~faceapp.store.db.Database`: several desks, one shared store.

Selected by a ``postgresql://`` URL (``database_url`` setting or ``FACEAPP_DATABASE_URL``). The schema
comes from the same :data:`~faceapp.store.db.MIGRATIONS` as SQLite's, run through the translating
connection of :mod:`.compat`; where SQLite must rebuild a table to change it (it cannot alter a
CHECK), PostgreSQL gets the equivalent ``ALTER`` from :data:`PG_AFTER`. Migrations take a session
advisory lock, so desks starting together migrate once.

When the server cannot be reached, requests fail fast with :class:`~faceapp.errors.ServerUnreachableError`
(a :class:`~faceapp.errors.StorageError`) and :attr:`PostgresDatabase.offline_since` says since when:
the first request waits at most ``wait_timeout`` for a connection; after that requests fail at once
until :meth:`PostgresDatabase.probe` (the live service's courier, on its own thread) finds the server
back, or, where nobody probes, until one request every :data:`RETRY_S` seconds tries again.

A desk may also *start* while the server is unreachable (``offline_ok``): the object is created
unconnected, offline since that moment, and connects (and checks the schema) on the first probe or
request that finds the server back; the desk meanwhile runs on its local copy
(:mod:`faceapp.store.local_copy`). Other errors (credentials, TLS, a database that does not exist)
still fail at once.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from faceapp.errors import ServerUnreachableError, StorageError
from faceapp.store import db as sqlite_db
from faceapp.store.backends import dialect, redact
from faceapp.store.backends.compat import (
    PgConnection,
    ServerGone,
    connect_pool,
    network_options,
    sqlite_error,
    unreachable,
)

log = logging.getLogger(__name__)

MIGRATE_LOCK = 0x46414346  # advisory lock key held while migrating
WAIT_TIMEOUT_S = 2.0  # a request waits this long for a connection before the server counts as unreachable
RETRY_S = 5.0  # offline and nobody probing: one request tries the server again after this many seconds
OFFLINE_CONNECT_TIMEOUT_S = 3.0  # a desk that may start offline waits this long for the server at start
NEEDS_SERVER = ("This desk keeps recognising and queues its check-ins until the server is back; enrolment, "
                "removal, settings and reports need the server: try again when it is reachable.")

#: PostgreSQL statements run after a migration whose SQLite form rebuilds a table (by module name).
PG_AFTER: dict[str, tuple[str, ...]] = {
    "faceapp.store.migrations.v7_attendance": (
        "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check",
        "ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'operator', 'manager'))",
    ),
}

_BOOTSTRAP = (
    "CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
    "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
    "CREATE TABLE IF NOT EXISTS faceapp_data_version (v BIGINT NOT NULL)",
    "INSERT INTO faceapp_data_version (v) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM faceapp_data_version)",
)


class Session:
    """What :meth:`PostgresDatabase.transaction` yields: ``execute``/``query``/``conn`` like sqlite_utils'."""

    def __init__(self, conn: PgConnection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, seq: Any) -> Any:
        return self.conn.executemany(sql, seq)

    def query(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))


class PostgresDatabase(sqlite_db.Database):
    """The faceapp database on a PostgreSQL server (same methods as the SQLite :class:`Database`).

    Args:
        url: ``postgresql://user[:password]@host[:port]/dbname[?sslmode=verify-full&sslrootcert=...]``.
        busy_timeout: seconds a writer waits for another desk's write transaction.
        pool_size: most connections this process opens.
        connect_timeout: seconds to wait for the first connection before giving up.
        wait_timeout: afterwards, seconds a request waits for a connection before the server is
            called unreachable.
        offline_ok: an unreachable server is not an error: start unconnected and offline (a desk
            that runs on its local copy); the first probe or request that reaches it connects.

    Attributes:
        offline_since: when requests began failing because the server is unreachable (aware UTC),
            ``None`` while it answers.
    """

    def __init__(self, url: str, busy_timeout: float = sqlite_db.DEFAULT_BUSY_TIMEOUT_S,
                 pool_size: int = 4, connect_timeout: float = 10.0, wait_timeout: float = WAIT_TIMEOUT_S,
                 offline_ok: bool = False) -> None:
        self.url = url
        self.path = redact(url)  # type: ignore[assignment]  # named in messages like a file
        self._lock = threading.RLock()
        self.offline_since: datetime | None = None
        self._reason = ""
        self._retry_at = 0.0
        self._probers = 0
        self.retry_s = RETRY_S
        self.closed = False
        self._connect_args = (busy_timeout, pool_size, connect_timeout, wait_timeout)
        self.connected = False
        self._connecting: int | None = None  # the thread connecting late (its schema check passes the gate)
        try:
            self._connect()
        except StorageError as exc:
            cause = exc.__cause__
            if not offline_ok or cause is None or not unreachable(cause):
                raise
            self._reason = _reason_of(cause)
            self.offline_since = datetime.now(timezone.utc)
            self._retry_at = time.monotonic() + self.retry_s
            log.info("database server %s unreachable at start (%s): working offline", self.path, self._reason)

    def _connect(self) -> None:
        """Open the pool and bring the schema up to date (raises StorageError; the cause says why)."""
        busy_timeout, pool_size, connect_timeout, wait_timeout = self._connect_args
        try:
            pool = connect_pool(self.url, max_size=pool_size, timeout=connect_timeout, wait_timeout=wait_timeout)
        except (psycopg.Error, PoolTimeout) as exc:
            raise StorageError(f"cannot reach the database server {self.path}: {_reason_of(exc)}. Check that it "
                               "runs, the address and the credentials (or remove database_url to work "
                               "locally).") from exc
        self.pg = PgConnection(pool, busy_timeout)
        self.conn = self.pg  # type: ignore[assignment]  # the sqlite3-style connection store code uses
        self.db = Session(self.pg)  # type: ignore[assignment]
        try:
            self._migrate()
        except sqlite3.Error as exc:
            self.pg.close()
            raise sqlite_db.storage_error(exc, self.path) from exc
        except BaseException:
            self.pg.close()
            raise
        self.connected = True

    def _connect_late(self) -> None:
        """Connect a desk that started offline (under the lock); raises ServerUnreachableError meanwhile."""
        if self.connected or self.closed:
            return
        self._connecting = threading.get_ident()
        try:
            with psycopg.connect(self.url, **network_options(self.url)):  # one quick attempt, not the pool's retries
                pass
            self._connect()
        except (StorageError, psycopg.Error) as exc:
            cause = exc.__cause__ if isinstance(exc, StorageError) else exc
            if cause is None or not unreachable(cause):
                raise
            self._reason = _reason_of(cause)
            self._retry_at = time.monotonic() + self.retry_s
            raise ServerUnreachableError(self._unreachable_text(), self.offline_since) from exc
        finally:
            self._connecting = None

    @property
    def backend(self) -> str:
        return "postgresql"

    def close(self) -> None:
        self.closed = True  # a courier thread stops probing
        with self._lock:
            if self.connected:
                self.pg.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """All writes inside commit together or not at all; nested blocks become savepoints."""
        self._gate()
        with self._held():
            conn = self.pg
            try:
                if conn.in_transaction:
                    name = f"sp{id(object())}"
                    conn.execute(f"SAVEPOINT {name}")
                    try:
                        yield self.db
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                        raise
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                else:
                    conn.begin()
                    try:
                        yield self.db
                    except BaseException:
                        conn.rollback()
                        raise
                    conn.commit()
                    self._answered()
            except sqlite3.Error as exc:
                raise self._error(exc) from exc

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        self._gate()
        with self._held():
            try:
                found = list(self.db.query(sql, params))
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
        self._answered()
        return found

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self._gate()
        with self._held():
            try:
                found = self.pg.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
        self._answered()
        return found

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        self._gate()
        with self._held():
            try:
                row = self.pg.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
        self._answered()
        return None if row is None else row[0]

    # -- reachability ------------------------------------------------------------------------------
    def probe(self, timeout: float | None = None) -> bool:
        """Ask the server now, also while offline (never waits for this object's lock once connected);
        True if it answered. A desk that started offline connects here."""
        if not self.connected:
            with self._lock:
                try:
                    self._connect_late()
                except ServerUnreachableError:
                    return False
        try:
            with self.pg.pool.connection(timeout=timeout) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            self._error(sqlite_error(exc))
            return False
        self._answered()
        return True

    @contextmanager
    def probing(self) -> Iterator[None]:
        """While inside, offline requests always fail at once: the caller probes (see :meth:`probe`)."""
        with self._lock:
            self._probers += 1
        try:
            yield
        finally:
            with self._lock:
                self._probers -= 1

    @contextmanager
    def _held(self) -> Iterator[None]:
        """This object's lock for one request; fails at once when, meanwhile, the request that held it
        found the server unreachable (a second caller, maybe the GUI thread, does not wait for it again)."""
        before = self.offline_since
        with self._lock:
            if before is None and self.offline_since is not None and self._connecting != threading.get_ident():
                raise ServerUnreachableError(self._unreachable_text(), self.offline_since)
            yield

    def _gate(self) -> None:
        """Fail at once while the server is known to be unreachable (a request tries again now and then)."""
        if self.offline_since is None or self._connecting == threading.get_ident():
            return
        now = time.monotonic()
        if self._probers or now < self._retry_at:
            raise ServerUnreachableError(self._unreachable_text(), self.offline_since)
        self._retry_at = now + self.retry_s  # this request tries; the others keep failing fast meanwhile
        if not self.connected:
            with self._lock:
                self._connect_late()

    def _answered(self) -> None:
        if self.offline_since is not None:
            log.info("database server %s reachable again (offline since %s)", self.path,
                     self.offline_since.isoformat(timespec="seconds"))
            self.offline_since = None

    def _error(self, exc: sqlite3.Error) -> StorageError:
        """The StorageError for ``exc``; an unreachable server is remembered (requests then fail fast)."""
        if not isinstance(exc, ServerGone):
            return sqlite_db.storage_error(exc, self.path)
        self._reason = str(exc).removeprefix("unable to open the database server: ")
        self._retry_at = time.monotonic() + self.retry_s
        if self.offline_since is None:
            self.offline_since = datetime.now(timezone.utc)
            log.info("database server %s unreachable: %s", self.path, self._reason)  # front ends say so
        return ServerUnreachableError(self._unreachable_text(), self.offline_since)

    @property
    def reason(self) -> str:
        """Why the server could not be reached the last time it could not."""
        return self._reason

    def _unreachable_text(self) -> str:
        return f"the database server {self.path} cannot be reached ({self._reason}). {NEEDS_SERVER}"

    # -- erasing -----------------------------------------------------------------------------------
    @property
    def purge_pending(self) -> bool:
        return False

    def compact(self, vacuum: bool = True) -> None:
        """``VACUUM`` the biometric tables (the server's WAL and backups are the server's business)."""
        if vacuum:
            self._vacuum("VACUUM people, templates, embeddings")

    def purge(self, wait_s: float | None = None, vacuum: bool = True) -> bool:
        """Rewrite the tables a removal changed (``VACUUM FULL``, TOAST and indexes with them), then ``CHECKPOINT``.

        ``audit`` is among them: its rows lose a removed person's details, whose old versions would
        otherwise keep the name in the table files. The checkpoint makes the server unlink the old
        files now. The server's WAL (``pg_wal/``) keeps the bytes until its segments are recycled.
        Returns False when other desks' readers kept the tables busy longer than the busy timeout.
        """
        if not vacuum:
            return True
        try:
            self._vacuum("VACUUM FULL people, templates, embeddings, audit")
        except StorageError as exc:
            log.warning("deleted data not yet rewritten out of the server's tables: %s", exc)
            return False
        try:
            self._vacuum("CHECKPOINT")
        except StorageError as exc:  # needs pg_checkpoint (or superuser); the server checkpoints on its own
            log.info("no checkpoint after the removal (the server will do it on its own schedule): %s", exc)
        return True

    def _vacuum(self, statement: str) -> None:
        self._gate()
        with self._lock:
            try:
                with self.pg.pool.connection() as pg:
                    pg.execute(f"SET lock_timeout = {self.pg.busy_timeout_ms}")
                    pg.execute(statement)
                    pg.execute("RESET lock_timeout")
            except psycopg.Error as exc:
                raise self._error(sqlite_error(exc)) from exc

    def check(self) -> list[str]:
        """Problems reaching the server (empty when it answers)."""
        try:
            self.scalar("SELECT 1")
        except StorageError as exc:
            return [str(exc)]
        return []

    # -- schema ------------------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Apply the missing migrations (one desk at a time), then learn which tables have identity ids."""
        with self.pg.pool.connection() as pg:
            pg.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
            try:
                self._migrate_locked()
            finally:
                pg.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
        self.pg.identity_tables = {r[0] for r in self.pg.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND is_identity = 'YES'").fetchall()}
        keys: dict[str, list[str]] = {}
        for table, column in self.pg.execute(
                "SELECT tc.table_name, k.column_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
                "AND k.table_schema = tc.table_schema WHERE tc.constraint_type = 'PRIMARY KEY' "
                "AND tc.table_schema = current_schema() ORDER BY tc.table_name, k.ordinal_position").fetchall():
            keys.setdefault(table, []).append(column)
        self.pg.primary_keys = {t: tuple(c) for t, c in keys.items()}

    def _migrate_locked(self) -> None:
        self.pg.begin()
        try:
            for statement in _BOOTSTRAP:
                self.pg.execute(statement)
        except BaseException:
            self.pg.rollback()
            raise
        self.pg.commit()
        version = self.schema_version
        if version > sqlite_db.SCHEMA_VERSION:
            raise StorageError(f"the database {self.path} was written by a newer faceapp "
                               f"(schema {version} > {sqlite_db.SCHEMA_VERSION}); upgrade faceapp")
        if version == sqlite_db.SCHEMA_VERSION:
            return
        self.pg.begin()
        try:
            for statement in dialect.COMPAT_FUNCTIONS:
                self.pg.execute(statement)
        except BaseException:
            self.pg.rollback()
            raise
        self.pg.commit()
        for number in range(version, sqlite_db.SCHEMA_VERSION):
            step: Callable[..., None] = sqlite_db.MIGRATIONS[number]
            self.pg.begin()
            try:
                step(self.conn)
                for statement in PG_AFTER.get(getattr(step, "__module__", ""), ()):
                    self.pg.execute(statement)
                self.pg.execute("UPDATE schema_version SET version = ?", (number + 1,))
            except BaseException:
                self.pg.rollback()
                raise
            self.pg.commit()
            log.info("database %s migrated to schema %d", self.path, number + 1)


def _reason_of(exc: BaseException) -> str:
    """One line saying why a connection failed."""
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
