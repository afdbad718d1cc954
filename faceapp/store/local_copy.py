"""What a desk last knew from the shared database server, kept on its disk so it can start offline.

A desk on a PostgreSQL server searches its own index and follows the server's changes. To start
(after a power cut, or a reboot overnight) while the server is unreachable, it needs what it last
read from there; this module keeps it in ``server_copy.db`` in the desk's data folder (SQLite,
private 0600 in a 0700 folder, WAL, ``synchronous=FULL``, ``secure_delete=ON``):

* the searchable people's ids, names and employee numbers, and which template belongs to whom;
* the template vectors (a graph index's own files, ``index/<model>.bin`` and ``.vec``, are used
  when they still match the template ids kept here; otherwise the index is built from these);
* the model, its embedding size and the schema version the index was built for (the decision
  thresholds follow from the model and the numbers of searchable people and templates);
* the check-ins/outs of the last days that the desk rules use for cooldown and in/out alternation.

It is rewritten (only what changed) whenever the gallery changes while online. A person who stops
being searchable (removed, deactivated) leaves it at once: rows deleted, the file vacuumed and its
WAL truncated, so their name and vectors are gone from this disk too.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from faceapp.errors import StorageError
from faceapp.records import EventKind
from faceapp.store.desk_files import open_durable
from faceapp.store.index import IndexParams, TemplateIndex

log = logging.getLogger(__name__)

COPY_NAME = "server_copy.db"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, employee_no TEXT)",
    "CREATE TABLE IF NOT EXISTS templates (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL, vector BLOB)",
    "CREATE INDEX IF NOT EXISTS templates_owner ON templates (person_id, id)",  # read without the vectors' pages
    "CREATE TABLE IF NOT EXISTS recent (person_id INTEGER NOT NULL, time TEXT NOT NULL, kind TEXT NOT NULL, "
    "camera TEXT NOT NULL)",
)
#: ``(person_id, time (aware), kind, camera)``: one check-in/out the desk rules count.
Attendance = tuple[int, datetime, EventKind, str]


@dataclass(frozen=True)
class Snapshot:
    """The gallery as last read from the server.

    Attributes:
        vectors: (N, D) in ``template_ids`` order, or None when the index files hold them.
    """

    model: str
    dim: int
    schema_version: int
    saved_at: datetime
    template_ids: np.ndarray
    person_ids: np.ndarray
    vectors: np.ndarray | None
    people: dict[int, tuple[str, str | None]]


class LocalCopy:
    """The desk's copy of what the server told it (thread-safe).

    Args:
        path: the SQLite file; created private when missing.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_durable(self.path, _SCHEMA, "this desk's copy of the server's gallery")

    @classmethod
    def open(cls, data: Path) -> LocalCopy:
        """The copy in the data folder ``data``."""
        return cls(data / COPY_NAME)

    @staticmethod
    def exists(data: Path) -> bool:
        """Whether the data folder ``data`` holds a copy (the desk was online once)."""
        return (data / COPY_NAME).exists()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- the gallery ---------------------------------------------------------------------------------
    def save(self, model: str, dim: int, schema_version: int, owners: dict[int, int],
             people: dict[int, tuple[str, str | None]],
             vectors: Callable[[np.ndarray], np.ndarray] | None) -> None:
        """Bring the copy in line with the searchable templates ``owners`` (template -> person).

        Args:
            people: the searchable people's ``(name, employee_no)``; people without a template are dropped.
            vectors: reads the vectors of template ids from the index (None: not kept; the index
                files must then hold them).
        """
        try:
            with self._lock:
                dropped = self._save_locked(model, dim, schema_version, owners, people, vectors)
                if dropped:
                    self._erase()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot update this desk's copy of the server's gallery {self.path}: {exc}. "
                               "Free some disk space.") from exc

    def _save_locked(self, model: str, dim: int, schema_version: int, owners: dict[int, int],
                     people: dict[int, tuple[str, str | None]],
                     vectors: Callable[[np.ndarray], np.ndarray] | None) -> bool:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if self._meta("model") not in (None, model) or self._meta("dim") not in (None, str(dim)):
                conn.execute("DELETE FROM templates")  # another model: nothing of the old one is searched
            # (the vectors are not read: they live in overflow pages, and reading them would cost MBs)
            stored = {int(t): int(p) for t, p in conn.execute(
                "SELECT id, person_id FROM templates INDEXED BY templates_owner")}
            gone = [t for t, p in stored.items() if owners.get(t) != p]
            conn.executemany("DELETE FROM templates WHERE id = ?", [(t,) for t in gone])
            new = np.array(sorted(t for t in owners if t not in stored or t in gone), np.int64)
            rows = vectors(new) if vectors is not None and new.size else None
            conn.executemany("INSERT OR REPLACE INTO templates (id, person_id, vector) VALUES (?, ?, ?)",
                             [(int(t), owners[int(t)], None if rows is None else
                               np.ascontiguousarray(rows[i], np.float32).tobytes()) for i, t in enumerate(new)])
            searchable = set(owners.values())
            known = {int(i): (n, e) for i, n, e in conn.execute("SELECT id, name, employee_no FROM people")}
            leaving = [(p,) for p in known if p not in searchable]
            conn.executemany("DELETE FROM people WHERE id = ?", leaving)
            conn.executemany("DELETE FROM recent WHERE person_id = ?", leaving)
            conn.executemany("INSERT OR REPLACE INTO people (id, name, employee_no) VALUES (?, ?, ?)",
                             [(p, n, e) for p, (n, e) in people.items() if p in searchable and known.get(p) != (n, e)])
            for key, value in (("model", model), ("dim", str(dim)), ("schema_version", str(schema_version)),
                               ("saved_at", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))):
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return bool(gone or leaving)

    def load(self) -> Snapshot | None:
        """The gallery as last saved, or None when the desk has never been online with this folder."""
        with self._lock:
            model, dim = self._meta("model"), self._meta("dim")
            if model is None or dim is None:
                return None
            rows = self._conn.execute("SELECT id, person_id, vector FROM templates ORDER BY id").fetchall()
            people = {int(i): (n, e) for i, n, e in self._conn.execute("SELECT id, name, employee_no FROM people")}
            schema, saved = int(self._meta("schema_version") or 0), self._meta("saved_at")
        ids = np.array([r[0] for r in rows], np.int64)
        persons = np.array([r[1] for r in rows], np.int64)
        vectors = None
        if rows and all(r[2] is not None for r in rows):
            vectors = np.frombuffer(b"".join(r[2] for r in rows), np.float32).reshape(len(rows), int(dim)).copy()
        elif not rows:
            vectors = np.zeros((0, int(dim)), np.float32)
        when = datetime.fromisoformat(saved) if saved else datetime.fromtimestamp(0, timezone.utc)
        return Snapshot(model, int(dim), schema, when, ids, persons, vectors, people)

    # -- the desk rules' recent check-ins --------------------------------------------------------------
    def save_attendance(self, rows: Iterable[Attendance]) -> None:
        """Replace the remembered check-ins/outs (the server's, as just read), searchable people's only."""
        try:
            with self._lock:
                conn = self._conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    people = {int(r[0]) for r in conn.execute("SELECT id FROM people")}
                    conn.execute("DELETE FROM recent")
                    conn.executemany("INSERT INTO recent (person_id, time, kind, camera) VALUES (?, ?, ?, ?)", [
                        (p, t.astimezone(timezone.utc).isoformat(timespec="milliseconds"), EventKind(k).value, c)
                        for p, t, k, c in rows if p in people])
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise StorageError(f"cannot update this desk's copy of the server's check-ins {self.path}: {exc}. "
                               "Free some disk space.") from exc

    def attendance(self) -> list[Attendance]:
        """The remembered check-ins/outs, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT person_id, time, kind, camera FROM recent ORDER BY time").fetchall()
        return [(int(p), datetime.fromisoformat(t), EventKind(k), c) for p, t, k, c in rows]

    # -- internals -----------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _erase(self) -> None:
        """Deleted rows leave the file and its WAL (secure_delete zeroes freed pages; VACUUM rebuilds)."""
        try:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("this desk's copy of the server's gallery not yet compacted: %s", exc)


def start_offline(copy: LocalCopy, model: str, dim: int, params: IndexParams,
                  folder: Path) -> tuple[Snapshot, TemplateIndex]:
    """The gallery as last read and its index, for a desk starting while the server is unreachable.

    The saved graph index in ``folder`` is loaded when it matches the copy's templates; otherwise
    (an exact index, or other desks enrolled people since it was saved) it is built from the copy.

    Raises:
        StorageError: no copy (the desk was never online), a copy of another model, or an incomplete one;
            the message continues "…, and <why>".
    """
    snapshot = copy.load()
    if snapshot is None:
        raise StorageError("this desk has no copy of the server's gallery yet (it has never been online with "
                           "this data folder), so it cannot start offline: start it once while the server is "
                           "reachable.")
    if (snapshot.model, snapshot.dim) != (model, dim):
        raise StorageError(f"this desk's copy of the server's gallery is of model {snapshot.model}, not {model}: it "
                           "cannot start offline with another model (switch back, or start it while the server "
                           "is reachable).")
    index = TemplateIndex(model, dim, params)
    ids = snapshot.template_ids
    if not (len(ids) >= params.exact_below and index.load(folder, ids, snapshot.schema_version)):
        if snapshot.vectors is None:
            raise StorageError("this desk's copy of the server's gallery is incomplete, so it cannot start offline.")
        index.build(ids, snapshot.vectors)
    return snapshot, index
