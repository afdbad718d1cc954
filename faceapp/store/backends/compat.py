"""A PostgreSQL connection that behaves like the ``sqlite3`` connection the store modules were written for.

:class:`PgConnection` takes SQLite statements (translated by :mod:`.dialect`), returns cursors with
``fetchone``/``fetchall``/``lastrowid``/``rowcount``, understands ``BEGIN IMMEDIATE``/``COMMIT``/
``ROLLBACK`` and savepoints, answers the few ``PRAGMA`` queries the product asks, and raises the
``sqlite3`` exception classes (``IntegrityError``, ``OperationalError``) with PostgreSQL's message, so
that every ``except sqlite3.Error`` in the store keeps working on both back ends.

``BEGIN IMMEDIATE`` takes a transaction-scoped advisory lock (:data:`WRITE_LOCK`) that every desk's
writers share: like SQLite's single writer, read-then-write rules that span processes (cooldown,
in/out alternation, anti-passback) are decided on what is committed, by one desk at a time, waiting at
most the busy timeout (``lock_timeout``). Writes bump ``faceapp_data_version`` at commit; ``PRAGMA
data_version`` reports when *another* connection committed, as SQLite does, which is how a desk's
gallery notices enrolments and removals made at another desk.

A server that cannot be reached (refused, stopped, restarting, silent) is reported as
:class:`ServerGone`, quickly: connections time out after :data:`CONNECT_TIMEOUT_S`, a dead peer is
noticed by TCP keepalives and ``tcp_user_timeout``, and the pool gives up reconnecting after
:data:`RECONNECT_TIMEOUT_S` so that the next request tries afresh instead of waiting out a growing
backoff.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from faceapp.store.backends import dialect

log = logging.getLogger(__name__)

WRITE_LOCK = 0x46414345  # "FACE": the advisory lock key of the writers' queue
_BEGIN = re.compile(r"^\s*BEGIN(\s+(IMMEDIATE|EXCLUSIVE|DEFERRED))?(\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*(COMMIT|END|ROLLBACK)(\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE)
_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)", re.IGNORECASE)
_READ = re.compile(r"^\s*(SELECT|WITH|VALUES|SHOW)\b", re.IGNORECASE)

CONNECT_TIMEOUT_S = 3  # libpq's connect_timeout (whole seconds) when the URL does not say one
RECONNECT_TIMEOUT_S = 3.0  # the pool stops retrying after this; the next request starts a fresh attempt
#: libpq options that make a vanished server an error in seconds, not minutes (the URL may override them).
NETWORK_OPTIONS = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
                   "tcp_user_timeout": 10_000}
#: SQLSTATEs meaning the server went away or is not accepting connections (class 08, shutdown, recovery).
_GONE_STATES = ("57P01", "57P02", "57P03", "57P04", "57P05")


class ServerGone(sqlite3.OperationalError):
    """The database server cannot be reached (a sqlite3 error so that the store's handlers still apply)."""


def unreachable(exc: BaseException) -> bool:
    """Whether a psycopg error means the server is unreachable rather than a failed statement."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith("08") or state in _GONE_STATES


class NumericLoader(Loader):
    """``numeric`` results (SUM/AVG of integers) as int or float, as SQLite returns them, not Decimal."""

    def load(self, data: Any) -> Any:
        text = bytes(data).decode()
        return float(text) if any(c in text for c in ".eEN") else int(text)


class PgCursor:
    """The rows of one statement, fetched eagerly (the connection goes back to the pool at once)."""

    def __init__(self, rows: list[tuple[Any, ...]], description: Any, rowcount: int,
                 lastrowid: int | None = None) -> None:
        self._rows = rows
        self._at = 0
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._at = self._rows[self._at:], len(self._rows)
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows = self._rows[self._at:self._at + size]
        self._at += len(rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> None:
        self._rows = []


def _param(value: Any) -> Any:
    """A parameter as sqlite3 would store it (bools as 0/1, dates as ISO text, memoryviews as bytes)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return value


def _params(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _param(v) for k, v in params.items()}
    return tuple(_param(v) for v in params)


def sqlite_error(exc: psycopg.Error) -> sqlite3.Error:
    """The sqlite3 exception that the store modules expect, carrying PostgreSQL's message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if unreachable(exc):
        return ServerGone(f"unable to open the database server: {text}")
    if isinstance(exc, pg_errors.IntegrityError):
        return sqlite3.IntegrityError(f"constraint failed: {text}")
    if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.QueryCanceled | pg_errors.DeadlockDetected):
        return sqlite3.OperationalError(f"database is locked (PostgreSQL: {text})")
    if isinstance(exc, pg_errors.DiskFull):
        return sqlite3.OperationalError(f"database or disk is full (PostgreSQL: {text})")
    if isinstance(exc, psycopg.OperationalError):
        return sqlite3.OperationalError(f"database server error: {text}")
    return sqlite3.OperationalError(text)


class PgConnection:
    """sqlite3-style access to a PostgreSQL database through a psycopg connection pool."""

    def __init__(self, pool: ConnectionPool, busy_timeout: float) -> None:
        self.pool = pool
        self.busy_timeout_ms = max(int(busy_timeout * 1000), 1)
        self._pg: psycopg.Connection[Any] | None = None  # held from BEGIN to COMMIT/ROLLBACK
        self._wrote = False
        self._known_version: int | None = None  # faceapp_data_version as this connection last knew it
        self._reported = 1  # what PRAGMA data_version says
        self.identity_tables: set[str] = set()
        self.primary_keys: dict[str, tuple[str, ...]] = {}

    @property
    def in_transaction(self) -> bool:
        return self._pg is not None

    # -- statements ------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = ()) -> PgCursor:
        """Run one SQLite statement (translated) and return its rows."""
        if _BEGIN.match(sql):
            self.begin()
            return PgCursor([], None, -1)
        end = _END.match(sql)
        if end:
            (self.rollback if end.group(1).upper() == "ROLLBACK" else self.commit)()
            return PgCursor([], None, -1)
        pragma = _PRAGMA.match(sql)
        if pragma:
            return self._pragma(pragma.group(1).lower(), sql)
        if dialect.sqlite_only(sql):
            return PgCursor([], [("sql",)], 0)  # the catalogue of SQLite: nothing to rebuild here
        if self._pg is None and not _READ.match(sql):  # a lone write: its own transaction, like every write
            self.begin()
            try:
                cursor = self._run(sql, _params(params) or None)
            except BaseException:
                self.rollback()
                raise
            self.commit()
            return cursor
        return self._run(sql, _params(params) or None)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        """Run a statement once per parameter row (in this transaction, or in one of its own)."""
        translated = self.translate(sql)
        rows = [_params(p) for p in seq]
        if not rows:
            return PgCursor([], None, 0)
        if self._pg is None:
            self.begin()
            try:
                self._many(self._pg, translated, rows)
            except BaseException:
                self.rollback()
                raise
            self.commit()
        else:
            self._many(self._pg, translated, rows)
        return PgCursor([], None, len(rows))

    def _many(self, conn: Any, translated: str, rows: list[Any]) -> None:
        self._wrote = True
        try:
            with conn.cursor() as cur:
                cur.executemany(translated, rows)
        except psycopg.Error as exc:
            raise sqlite_error(exc) from exc

    def translate(self, sql: str) -> str:
        """``sql`` for PostgreSQL (an ``INSERT OR REPLACE`` gets its table's primary key)."""
        target = dialect.replace_target(sql)
        return dialect.translate(sql, self.primary_keys.get(target[0], ()) if target else ())

    def _run(self, sql: str, params: Any) -> PgCursor:
        translated = self.translate(sql)
        table = dialect.insert_table(sql)
        wants_id = table is not None and table in self.identity_tables
        if wants_id:
            translated = dialect.returning_id(translated)
        if self._pg is not None:
            if not _READ.match(sql):
                self._wrote = True
            return self._cursor(self._pg, translated, params, wants_id)
        try:
            with self.pool.connection() as conn:
                return self._cursor(conn, translated, params, wants_id)
        except psycopg.Error as exc:  # the pool's own failures (server unreachable)
            raise sqlite_error(exc) from exc

    def _cursor(self, conn: Any, translated: str, params: Any, wants_id: bool) -> PgCursor:
        try:
            with conn.cursor() as cur:
                cur.execute(translated, params)
                rows = cur.fetchall() if cur.description is not None else []
                description = cur.description and [(c.name, None, None, None, None, None, None)
                                                   for c in cur.description]
                rowcount = cur.rowcount
        except psycopg.Error as exc:
            raise sqlite_error(exc) from exc
        if wants_id:
            return PgCursor([], None, rowcount, int(rows[0][0]) if rows else None)
        return PgCursor(rows, description, rowcount)

    # -- transactions ----------------------------------------------------------------------------
    def begin(self) -> None:
        """Start a write transaction: wait (up to the busy timeout) for the writers' lock."""
        if self._pg is not None:
            raise sqlite3.OperationalError("cannot start a transaction within a transaction")
        try:
            conn = self.pool.getconn()
        except psycopg.Error as exc:
            raise sqlite_error(exc) from exc
        try:
            conn.execute("BEGIN")
            conn.execute(f"SET LOCAL lock_timeout = {self.busy_timeout_ms}")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        except psycopg.Error as exc:
            self._give_back(conn, rollback=True)
            raise sqlite_error(exc) from exc
        self._pg, self._wrote = conn, False

    def commit(self) -> None:
        """Commit (bumping the data version when something was written) and return the connection."""
        conn = self._pg
        if conn is None:
            return
        try:
            if self._wrote:
                version = int(conn.execute(
                    "UPDATE faceapp_data_version SET v = v + 1 RETURNING v").fetchone()[0])  # type: ignore[index]
                if self._known_version is not None and version == self._known_version + 1:
                    self._known_version = version  # only this connection wrote since it last looked
            conn.execute("COMMIT")
        except psycopg.Error as exc:
            self._give_back(conn, rollback=True)
            self._pg = None
            raise sqlite_error(exc) from exc
        self._pg = None
        self._give_back(conn, rollback=False)

    def rollback(self) -> None:
        """Abandon the transaction and return the connection."""
        conn, self._pg = self._pg, None
        if conn is not None:
            self._give_back(conn, rollback=True)

    def _give_back(self, conn: Any, rollback: bool) -> None:
        if rollback:
            with contextlib.suppress(psycopg.Error):  # a broken connection: the pool discards it
                conn.execute("ROLLBACK")
        self.pool.putconn(conn)

    def backup(self, target: Any, **_: Any) -> None:
        """Refused: a shared server's data is protected by its own backups, not by a desk's zip."""
        raise sqlite3.OperationalError("the database is on a PostgreSQL server: back it up there "
                                       "(pg_dump, base backups, replication); a desk backup cannot hold it")

    def close(self) -> None:
        """Roll back an open transaction and close the pool."""
        self.rollback()
        self.pool.close()

    # -- PRAGMA ----------------------------------------------------------------------------------
    def _pragma(self, name: str, sql: str) -> PgCursor:
        if name == "data_version":
            version = int(self._run("SELECT v FROM faceapp_data_version", None).fetchone()[0])  # type: ignore[index]
            if version != self._known_version:
                if self._known_version is not None:
                    self._reported += 1
                self._known_version = version
            return PgCursor([(self._reported,)], [("data_version",)], 1)
        if name == "busy_timeout":
            return PgCursor([(self.busy_timeout_ms,)], [("timeout",)], 1)
        if name in ("quick_check", "integrity_check"):
            return PgCursor([("ok",)], [(name,)], 1)
        if name == "journal_mode":
            return PgCursor([("postgresql",)], [("journal_mode",)], 1)
        if name == "foreign_key_check":
            return PgCursor([], [("table",)], 0)
        log.debug("PRAGMA ignored on PostgreSQL: %s", sql)
        return PgCursor([], None, 0)


def network_options(url: str) -> dict[str, Any]:
    """The libpq timeouts and keepalives that ``url`` does not set itself."""
    given = set(psycopg.conninfo.conninfo_to_dict(url))
    wanted = {"connect_timeout": CONNECT_TIMEOUT_S, **NETWORK_OPTIONS}
    return {k: v for k, v in wanted.items() if k not in given}


def connect_pool(url: str, min_size: int = 1, max_size: int = 4, timeout: float = 10.0,
                 wait_timeout: float | None = None) -> ConnectionPool:
    """A psycopg pool on ``url`` (TLS options such as ``sslmode``/``sslrootcert`` travel in the URL).

    Args:
        timeout: seconds to wait for the first connection.
        wait_timeout: afterwards, seconds a request waits for a connection before the server is
            called unreachable (default ``timeout``).
    """

    def configure(conn: psycopg.Connection[Any]) -> None:
        conn.adapters.register_loader("numeric", NumericLoader)

    options = network_options(url)
    pool = ConnectionPool(url, min_size=min_size, max_size=max_size, timeout=timeout, open=False,
                          kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor, **options},
                          configure=configure, check=ConnectionPool.check_connection,
                          name="faceapp", reconnect_timeout=RECONNECT_TIMEOUT_S)
    try:
        pool.open(wait=True, timeout=timeout)
    except PoolTimeout:
        pool.close()
        # the pool only logs why it could not connect: one direct attempt gives the reason
        # (refused, unknown host, password, TLS certificate...) to the caller's message
        with psycopg.connect(url, **{**options, "connect_timeout": max(int(timeout), 1)}):
            pass
        raise
    pool.timeout = timeout if wait_timeout is None else wait_timeout
    return pool
