"""Attendance events and their evidence snapshots.

An event's time is stored as UTC ISO 8601 text together with the IANA zone of the desk, so reports
can show local time. Check-ins and check-outs that must obey rules spanning processes (cooldown,
in/out alternation) go through :meth:`Events.add_resolved`, which reads the person's recent
events and writes the new one in one ``BEGIN IMMEDIATE`` transaction. Evidence snapshots are
JPEG files below ``Paths.data/"snapshots"`` (private,
mode 0600); the database stores their path relative to the data folder.
"""

from __future__ import annotations

import builtins
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cv2
import numpy as np

from faceapp.config import Paths
from faceapp.errors import EventNotFoundError, PersonNotFoundError, StorageError
from faceapp.private import make_dirs
from faceapp.records import Event, EventKind
from faceapp.store import audit, origin
from faceapp.store.db import Database
from faceapp.store.people import People

log = logging.getLogger(__name__)

#: ``(time, kind, camera)`` of a person's stored check-ins/outs -> the kind to store, or None to skip.
Resolver = Callable[[list[tuple[datetime, EventKind, str]]], "EventKind | None"]
#: ``(open transaction, new event id)``: writes rows belonging to a new event in its transaction.
WithEvent = Callable[[Any, int], None]
_ATTENDANCE = (EventKind.CHECK_IN.value, EventKind.CHECK_OUT.value)

SNAPSHOT_DIR = "snapshots"
_SELECT = ("SELECT e.*, p.name AS name, p.employee_no AS employee_no, p.department AS department "
           "FROM events e LEFT JOIN people p ON p.id = e.person_id")


def _event(row: dict[str, Any]) -> Event:
    return Event(id=row["id"], time=datetime.fromisoformat(row["time"]), tz=row["tz"], kind=EventKind(row["kind"]),
                 person_id=row["person_id"], name=row["name"], employee_no=row["employee_no"],
                 department=row["department"], score=row["score"], margin=row["margin"], camera=row["camera"],
                 operator=row["operator"], snapshot=row["snapshot"], note=row["note"], uid=row["uid"],
                 site=row["site"], desk=row["desk"])


class Events:
    """Record, list, correct and delete attendance events."""

    def __init__(self, database: Database, paths: Paths) -> None:
        self.database = database
        self.data = paths.data

    def add(self, event: Event, snapshot: np.ndarray | bytes | None = None, actor: str = "system") -> Event:
        """Store an event (its ``id`` and ``snapshot`` are ignored) with an optional evidence image.

        Args:
            event: the event; ``time`` must be timezone-aware and ``tz`` a valid IANA zone.
            snapshot: a BGR image (saved as JPEG) or encoded image bytes.
            actor: who records it, for the audit log.
        """
        if event.time.tzinfo is None:
            raise ValueError("event time must be timezone-aware (UTC)")
        try:
            ZoneInfo(event.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {event.tz!r}") from exc
        if event.person_id is not None:
            People(self.database).get(event.person_id)  # PersonNotFoundError rather than a foreign-key failure
        relative = self._write_snapshot(snapshot) if snapshot is not None else None
        try:
            with self.database.transaction() as db:
                event_id = self._insert(db, event, relative, actor)
        except BaseException:
            self.delete_files([relative] if relative else [])
            raise
        return self.get(event_id)

    def add_resolved(self, event: Event, resolve: Resolver, snapshot: np.ndarray | bytes | None = None,
                     actor: str = "system", window: timedelta = timedelta(days=2),
                     with_event: WithEvent | None = None) -> Event | None:
        """Store a check-in/out only if ``resolve`` allows it, deciding on what is stored *now*.

        The person's CHECK_IN/CHECK_OUT events within ``window`` of the event's time are read and
        the new event written in one ``BEGIN IMMEDIATE`` transaction, so two desks (processes) on
        one database cannot both record the same person within a cooldown. ``with_event(db,
        event_id)`` writes rows that belong to the new event (its liveness evidence) inside that
        same transaction: when it raises, nothing is stored (neither the event nor its snapshot).

        Returns:
            The stored event (its kind as ``resolve`` returned it), or ``None`` when ``resolve``
            refused it.

        Raises:
            PersonNotFoundError: the person was deleted meanwhile (nothing is stored).
        """
        if event.person_id is None or event.time.tzinfo is None:
            raise ValueError("add_resolved needs a person and a timezone-aware time")
        relative = self._write_snapshot(snapshot) if snapshot is not None else None
        when = event.time.astimezone(timezone.utc)
        span = [(when + d).isoformat(timespec="milliseconds") for d in (-window, window)]
        event_id = None
        try:
            with self.database.transaction() as db:
                if db.execute("SELECT 1 FROM people WHERE id = ?", (event.person_id,)).fetchone() is None:
                    raise PersonNotFoundError(f"no person with id {event.person_id}")
                rows = db.execute(
                    "SELECT time, kind, camera FROM events WHERE person_id = ? AND kind IN (?, ?) "
                    "AND time >= ? AND time <= ? ORDER BY time, id", (event.person_id, *_ATTENDANCE, *span)).fetchall()
                kind = resolve([(datetime.fromisoformat(t), EventKind(k), c) for t, k, c in rows])
                if kind is not None:
                    event_id = self._insert(db, replace(event, kind=kind), relative, actor)
                    if with_event is not None:
                        with_event(db, event_id)
        except BaseException:
            self.delete_files([relative] if relative else [])
            raise
        if event_id is None:
            self.delete_files([relative] if relative else [])
            return None
        return self.get(event_id)

    def _insert(self, db: Any, event: Event, relative: str | None, actor: str) -> int:
        """Insert ``event`` (stamped with this desk's site and desk, and a new uid unless it has one)."""
        here = origin.current()
        values = (event.time.astimezone(timezone.utc).isoformat(timespec="milliseconds"), event.tz,
                  EventKind(event.kind).value, event.person_id, event.score, event.margin, event.camera,
                  event.operator, relative, event.note, event.uid or str(uuid.uuid4()),
                  event.site or here.site, event.desk or here.desk)
        event_id = int(db.execute(
            "INSERT INTO events (time, tz, kind, person_id, score, margin, camera, operator, snapshot, "
            "note, uid, site, desk) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values).lastrowid)
        audit.record(db, actor, "event.add", "event", event_id, event.person_id,
                     kind=values[2], camera=event.camera, has_snapshot=relative is not None)
        return event_id

    def get(self, event_id: int) -> Event:
        """One event. Raises :class:`EventNotFoundError`."""
        rows = self.database.query(f"{_SELECT} WHERE e.id = ?", (event_id,))
        if not rows:
            raise EventNotFoundError(f"no event with id {event_id}")
        return _event(rows[0])

    def list(self, start: datetime | None = None, end: datetime | None = None, person_id: int | None = None,
             kinds: tuple[EventKind, ...] = (), camera: str | None = None, limit: int = 100_000,
             site: str | None = None, desk: str | None = None) -> list[Event]:
        """Events in ``[start, end)`` (aware datetimes), oldest first, optionally filtered.

        ``site`` and ``desk`` keep the events written there (exact names; ``""`` matches rows written
        before desks named themselves); ``None`` keeps all.
        """
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (("e.time >= ?", start), ("e.time < ?", end)):
            if value is not None:
                where.append(clause)
                params.append(value.astimezone(timezone.utc).isoformat(timespec="milliseconds"))
        for clause, equal in (("e.person_id = ?", person_id), ("e.camera = ?", camera), ("e.site = ?", site),
                              ("e.desk = ?", desk)):
            if equal is not None:
                where.append(clause)
                params.append(equal)
        if kinds:
            where.append(f"e.kind IN ({', '.join('?' * len(kinds))})")
            params += [EventKind(k).value for k in kinds]
        sql = f"{_SELECT} {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY e.time, e.id LIMIT ?"
        return [_event(r) for r in self.database.query(sql, (*params, limit))]

    def set_note(self, event_id: int, note: str, actor: str = "system") -> Event:
        """Correct an event's note (e.g. "forgot to check out"), recorded in the audit log."""
        before = self.get(event_id)
        with self.database.transaction() as db:
            db.execute("UPDATE events SET note = ? WHERE id = ?", (note, event_id))
            audit.record(db, actor, "event.note", "event", event_id, before.person_id, before=before.note, after=note)
        return self.get(event_id)

    def delete(self, event_id: int, actor: str = "system") -> None:
        """Delete an event and its snapshot file."""
        before = self.get(event_id)
        with self.database.transaction() as db:
            db.execute("DELETE FROM events WHERE id = ?", (event_id,))
            audit.record(db, actor, "event.delete", "event", event_id, before.person_id, kind=before.kind.value,
                         time=before.time.isoformat())
        self.delete_files([before.snapshot] if before.snapshot else [])

    def snapshot_path(self, event: Event) -> Path | None:
        """The absolute path of an event's snapshot, or ``None`` when it has none."""
        return None if event.snapshot is None else self.data / event.snapshot

    def delete_files(self, relatives: builtins.list[str]) -> None:
        """Remove snapshot files (paths relative to the data folder); missing ones are ignored."""
        for relative in relatives:
            path = (self.data / relative).resolve()
            if self.data.resolve() not in path.parents:
                log.warning("not deleting %s: outside the data folder", path)
                continue
            path.unlink(missing_ok=True)

    def _write_snapshot(self, snapshot: np.ndarray | bytes) -> str:
        return write_snapshot(self.data, SNAPSHOT_DIR, snapshot)


#: Columns a writer outside :class:`Events` may give :func:`insert_row`.
_COLUMNS = frozenset({"time", "tz", "kind", "person_id", "score", "margin", "camera", "operator", "snapshot", "note",
                      "uid", "site", "desk"})


def stamp(uid: str | None = None, site: str = "", desk: str = "") -> dict[str, str]:
    """The ``uid``, ``site`` and ``desk`` of a new events row: those given, else a new UUID and this desk's."""
    here = origin.current()
    return {"uid": uid or str(uuid.uuid4()), "site": origin.clean(site) or here.site,
            "desk": origin.clean(desk) or here.desk}


def distinct_origins(database: Database, most: int = 1000) -> tuple[builtins.list[str], builtins.list[str]]:
    """The site names and the desk names found in the stored events, sorted (for filter choices).

    Walks the ``(site, desk, time)`` index from one name to the next (one indexed ``MIN`` per name)
    instead of reading every event: at 1M events 0.1 ms against 355 ms for ``SELECT DISTINCT``
    (``benchmarks/bench_site_filters.py``). At most ``most`` site/desk pairs are read.
    """
    pairs: builtins.list[tuple[str, str]] = []
    site = database.scalar("SELECT MIN(site) FROM events")
    while site is not None and len(pairs) < most:
        desk = database.scalar("SELECT MIN(desk) FROM events WHERE site = ?", (site,))
        while desk is not None and len(pairs) < most:
            pairs.append((site, desk))
            desk = database.scalar("SELECT MIN(desk) FROM events WHERE site = ? AND desk > ?", (site, desk))
        site = database.scalar("SELECT MIN(site) FROM events WHERE site > ?", (site,))
    return sorted({s for s, _ in pairs if s}), sorted({d for _, d in pairs if d})


def insert_row(db: Any, columns: dict[str, Any]) -> int:
    """Insert one ``events`` row inside the caller's transaction, stamped like every event; returns its id.

    For writers that build their own rows (access journal, approved punches, punch imports): the
    row gets a new ``uid`` and this desk's ``site`` and ``desk`` (:func:`stamp`) unless ``columns``
    name them. Writes no audit entry (the caller records its own).
    """
    unknown = set(columns) - _COLUMNS
    if unknown:
        raise ValueError(f"not columns of events: {sorted(unknown)}")
    row = {**columns, **stamp(columns.get("uid"), columns.get("site", ""), columns.get("desk", ""))}
    cursor = db.execute(f"INSERT INTO events ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        tuple(row.values()))
    if cursor.lastrowid is None:
        raise StorageError("the database gave no id for the new event")
    return int(cursor.lastrowid)


def write_snapshot(data: Path, folder: str, snapshot: np.ndarray | bytes) -> str:
    """Save an evidence picture (BGR array or JPEG bytes) privately under ``data/folder/YYYY/MM/DD``.

    Returns the path relative to ``data``. Raises :class:`StorageError` when it cannot be written.
    """
    if isinstance(snapshot, np.ndarray):
        ok, buf = cv2.imencode(".jpg", snapshot, [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            raise ValueError("could not JPEG-encode the snapshot")
        snapshot = buf.tobytes()
    now = datetime.now(timezone.utc)
    relative = Path(folder, f"{now:%Y}", f"{now:%m}", f"{now:%d}", f"{uuid.uuid4().hex}.jpg")
    path = data / relative
    try:
        make_dirs(path.parent)  # year/month/day folders 0700 whatever the umask
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(snapshot)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise StorageError(f"cannot save the snapshot {path}: {exc.strerror}. Free some disk space.") from exc
    return relative.as_posix()
