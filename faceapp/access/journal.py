"""Access events: decisions recorded with their evidence, door faults, manual opens, visitor expiry.

:meth:`Journal.record` reads the door's state and the person's anti-passback presence, decides and
writes the event inside one ``BEGIN IMMEDIATE`` transaction, so two processes (two terminals at the
doors of one area) can never both let the same person in: the second waits for the first's commit
and then sees its presence row. When the door records attendance, the granted pass is also stored
as an attendance event (check-in through an ``in`` door, check-out through an ``out`` door) and the
two are linked. Every row is stamped with the site and desk that wrote it (:mod:`faceapp.store.origin`,
schema step 10), as events and audit rows are.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from faceapp.access.decide import Request, decide, passage
from faceapp.access.model import Decision, Direction, Door
from faceapp.access.store import AccessStore
from faceapp.errors import StorageError
from faceapp.store import audit, origin
from faceapp.store.db import storage_error, utc_now
from faceapp.store.events import insert_row, write_snapshot

log = logging.getLogger(__name__)

SNAPSHOT_DIR = "snapshots/access"


@dataclass(frozen=True)
class AccessEvent:
    """One row of the access journal (``time`` aware UTC; ``name`` joined from the living person)."""

    id: int
    time: datetime
    tz: str
    kind: str  # decision | manual | fault | state
    door_id: int | None
    door: str
    person_id: int | None
    name: str | None
    decision: str | None
    reason: str
    score: float | None
    margin: float | None
    liveness: float | None
    camera: str
    snapshot: str | None
    attendance_event_id: int | None
    operator: str | None
    note: str
    site: str = ""  # where it was written (empty: before desks named themselves)
    desk: str = ""


def _event(row: dict[str, Any]) -> AccessEvent:
    return AccessEvent(**{**row, "time": datetime.fromisoformat(row["time"])})


_SELECT = "SELECT a.*, p.name AS name FROM access_events a LEFT JOIN people p ON p.id = a.person_id"
_INSERT = ("INSERT INTO access_events (time, tz, kind, door_id, door, person_id, decision, reason, score, margin, "
           "liveness, camera, snapshot, attendance_event_id, operator, note, site, desk) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Journal:
    """Records and lists access events of one database (snapshots below ``data/snapshots/access``)."""

    def __init__(self, store: AccessStore, data_dir: Path) -> None:
        self.store = store
        self.database = store.database
        self.data = Path(data_dir)

    def check(self, request: Request) -> Decision:
        """The decision for ``request`` now, without recording anything (a dry run)."""
        door = self.store.door(request.door.id)
        return decide(replace(request, door=door), self.store.site(), self._presence(request, door))

    def record(self, request: Request, camera: str = "", snapshot: np.ndarray | bytes | None = None,
               operator: str | None = None, attendance_event_id: int | None = None,
               record_attendance: bool = True) -> tuple[Decision, AccessEvent]:
        """Decide and store the decision with its evidence, atomically with anti-passback state.

        ``attendance_event_id`` links an attendance event the desk already stored for this pass;
        otherwise (with ``record_attendance``) a granted pass through a door that records
        attendance stores one.
        """
        relative = self._write_snapshot(snapshot) if snapshot is not None else None
        try:
            with self._immediate() as db:
                door = self.store.door(request.door.id)  # a lockdown set by another process counts
                decision = decide(replace(request, door=door), self.store.site(), self._presence(request, door))
                attendance = attendance_event_id if decision.granted else None
                if attendance is None and record_attendance:
                    attendance = self._attendance(db, door, decision, request, camera, relative)
                event_id = int(db.execute(_INSERT, (
                    _iso(request.at), self.store.zone.key, "decision", door.id, door.name, decision.person_id,
                    decision.decision, decision.reason.value, decision.score, decision.margin, decision.liveness,
                    camera, relative, attendance, operator, decision.detail, *here())).lastrowid)
                way = passage(door)
                if decision.granted and way and decision.person_id is not None:
                    db.execute("INSERT INTO access_presence (person_id, area, direction, time) VALUES (?, ?, ?, ?) "
                               "ON CONFLICT(person_id, area) DO UPDATE SET direction = excluded.direction, "
                               "time = excluded.time", (decision.person_id, door.area, way, _iso(request.at)))
        except BaseException:
            self._delete_files([relative] if relative else [])
            raise
        return decision, self.event(event_id)

    def fault(self, door: Door, detail: str, at: datetime | None = None) -> AccessEvent:
        """A door fault: its output failed (after its retries)."""
        return self._add(door, "fault", "door_fault", detail, at=at)

    def manual_open(self, door: Door, actor: str, reason: str) -> AccessEvent:
        """An administrator opened the door by hand; audited with the reason."""
        if not reason.strip():
            from faceapp.errors import ConfigError

            raise ConfigError("say why the door is opened by hand")
        event = self._add(door, "manual", "manual_open", reason, operator=actor)
        with self.database.transaction() as db:
            audit.record(db, actor, "door.open", "door", door.id, name=door.name, reason=reason)
        return event

    def event(self, event_id: int) -> AccessEvent:
        return _event(self.database.query(f"{_SELECT} WHERE a.id = ?", (event_id,))[0])

    def events(self, *, door: int | None = None, person_id: int | None = None, decision: str | None = None,
               kinds: tuple[str, ...] = (), start: datetime | None = None, end: datetime | None = None,
               limit: int = 100_000, newest_first: bool = False, site: str | None = None,
               desk: str | None = None) -> list[AccessEvent]:
        """Access events in ``[start, end)``, filtered by door id, person, decision, kind, site and desk.

        ``site`` and ``desk`` are exact names (``""`` matches rows written before desks named
        themselves); ``None`` keeps all.
        """
        where, params = ["1 = 1"], []
        for clause, value in (("a.door_id = ?", door), ("a.person_id = ?", person_id), ("a.decision = ?", decision),
                              ("a.time >= ?", start and _iso(start)), ("a.time < ?", end and _iso(end)),
                              ("a.site = ?", site), ("a.desk = ?", desk)):
            if value is not None:
                where.append(clause)
                params.append(value)
        if kinds:
            where.append(f"a.kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        order = "DESC" if newest_first else "ASC"
        rows = self.database.query(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY a.time {order}, a.id {order} "
                                   "LIMIT ?", (*params, limit))
        return [_event(r) for r in rows]

    def origins(self) -> list[tuple[str, str]]:
        """The ``(site, desk)`` pairs that wrote access events, sorted (for filter choices)."""
        rows = self.database.query("SELECT DISTINCT site, desk FROM access_events ORDER BY site, desk")
        return [(r["site"], r["desk"]) for r in rows]

    def snapshot_path(self, event: AccessEvent) -> Path | None:
        return None if event.snapshot is None else self.data / event.snapshot

    def purge_visitors(self, now: datetime, retention: timedelta, remove_person: Callable[[int], object],
                       actor: str = "system") -> list[int]:
        """Delete visitors whose expiry is more than ``retention`` ago, with all their biometric data.

        ``remove_person`` is the gallery's deletion (``Gallery.delete_person``: templates, index
        vectors, attendance snapshots, WAL checkpoint); the visitor's access snapshots go first.
        Returns the removed person ids.
        """
        cutoff = _iso(now - retention)
        ids = [r["person_id"] for r in self.database.query(
            "SELECT person_id FROM access_visitors WHERE expires <= ?", (cutoff,))]
        for person_id in ids:
            self.remove_visitor(person_id, remove_person, actor, "visitor.expire")
        return ids

    def remove_visitor(self, person_id: int, remove_person: Callable[[int], object], actor: str = "system",
                       action: str = "visitor.remove") -> None:
        """Delete one visitor now (their visit ended early) with their access snapshots and biometric data."""
        if not self.database.query("SELECT 1 FROM access_visitors WHERE person_id = ?", (person_id,)):
            from faceapp.errors import PersonNotFoundError

            raise PersonNotFoundError(f"person {person_id} is not a registered visitor")
        files = [r["snapshot"] for r in self.database.query(
            "SELECT snapshot FROM access_events WHERE person_id = ? AND snapshot IS NOT NULL", (person_id,))]
        with self.database.transaction() as db:
            db.execute("UPDATE access_events SET snapshot = NULL WHERE person_id = ?", (person_id,))
            audit.record(db, actor, action, "person", person_id, person_id)
        self._delete_files(files)
        remove_person(person_id)
        log.info("visitor %d removed with their biometric data", person_id)

    # -- internals --------------------------------------------------------------------------------
    @contextmanager
    def _immediate(self) -> Iterator[Any]:
        """``BEGIN IMMEDIATE``: take the write lock before reading the state the decision depends on."""
        lock = self.database._lock
        with lock:
            conn = self.database.conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise storage_error(exc, self.database.path) from exc
            try:
                with self.database.transaction() as db:
                    yield db
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def _presence(self, request: Request, door: Door) -> str | None:
        if request.subject is None or not door.area:
            return None
        rows = self.database.query("SELECT direction FROM access_presence WHERE person_id = ? AND area = ?",
                                   (request.subject.person_id, door.area))
        return rows[0]["direction"] if rows else None

    def _attendance(self, db: Any, door: Door, decision: Decision, request: Request, camera: str,
                    snapshot: str | None) -> int | None:
        if not (door.records_attendance and decision.granted and decision.person_id is not None):
            return None
        kind = "check_out" if door.direction is Direction.OUT else "check_in"
        return insert_row(db, {"time": _iso(request.at), "tz": self.store.zone.key, "kind": kind,
                               "person_id": decision.person_id, "score": decision.score, "margin": decision.margin,
                               "camera": camera or door.name, "operator": None, "snapshot": snapshot,
                               "note": f"door {door.name}"})

    def _add(self, door: Door, kind: str, reason: str, note: str, operator: str | None = None,
             at: datetime | None = None) -> AccessEvent:
        with self.database.transaction() as db:
            event_id = _new_id(db.execute(_INSERT, (
                _iso(at or datetime.now(timezone.utc)), self.store.zone.key, kind, door.id, door.name, None, None,
                reason, None, None, None, "", None, None, operator, note, *here())).lastrowid, "access_events")
        return self.event(event_id)

    def _write_snapshot(self, snapshot: np.ndarray | bytes) -> str:
        return write_snapshot(self.data, SNAPSHOT_DIR, snapshot)

    def _delete_files(self, relatives: list[str]) -> None:
        for relative in relatives:
            path = (self.data / relative).resolve()
            if self.data.resolve() in path.parents:
                path.unlink(missing_ok=True)


def _new_id(lastrowid: int | None, table: str) -> int:
    """The id of the row just inserted into ``table`` (StorageError when the database gave none)."""
    if lastrowid is None:
        raise StorageError(f"the database gave no id for the new row in {table}")
    return int(lastrowid)


def here() -> tuple[str, str]:
    """This desk's ``(site, desk)``, stamped on every access event it writes."""
    found = origin.current()
    return found.site, found.desk


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


__all__ = ["AccessEvent", "Journal", "utc_now"]
