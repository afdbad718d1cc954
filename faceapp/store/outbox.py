"""A desk's durable outbox: live events queued while the shared database server is unreachable.

The outbox is an SQLite file, ``outbox.db`` in the desk's data folder (private: 0600 in a 0700
folder; WAL, ``synchronous=FULL``, so a queued event survives a power cut once :meth:`Outbox.put`
returned; delivered rows are checkpointed out of the WAL). Each queued event keeps its ``uid`` (the
events table's unique, idempotent id), this desk's site and desk, and its evidence snapshot's path
relative to the data folder: snapshots stay on the desk that took them, online or not; only the path
reaches the server. People's names are not written there (the server has them).

:meth:`Outbox.deliver` stores the queue on the server oldest first, one write transaction per event
(the same writers' lock as every check-in), then removes it from the outbox. An event whose ``uid``
is already stored is skipped (``INSERT ... ON CONFLICT (uid) DO NOTHING`` semantics, checked inside
the transaction), so a crash between the server's commit and the removal here delivers it again as
a no-op. Check-ins/outs get the desk rules applied again against what the server holds by then
(other desks may have delivered their own queues meanwhile):

* the direction may change (alternation on the server's events before it): stored with the new
  kind and a note saying it was corrected;
* a duplicate within the cooldown of another desk's check-in/out is **stored as a refused event**
  (``kind = rejected``, its note naming the queued kind and why), not dropped: attendance counts
  stay right (reports count check-ins/outs only) and the sighting keeps its trace and evidence;
* when the person was removed meanwhile, the event is stored without person and without its
  snapshot (the file is deleted here), as the removal did to that person's other events.

An event may carry its liveness evidence (a "spoof suspected" event, a check-in in log mode): the
``liveness`` row is written in the same transaction as the event.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from faceapp.errors import ServerUnreachableError, StorageError
from faceapp.records import Event, EventKind
from faceapp.store import origin
from faceapp.store.desk_files import open_durable
from faceapp.store.events import Events
from faceapp.store.liveness import LivenessEvidence, attach

log = logging.getLogger(__name__)

OUTBOX_NAME = "outbox.db"
#: ``(queued event, the person's stored check-ins/outs (time, kind, camera))`` -> kind to store, None: refused.
Resolver = Callable[[Event, list[tuple[datetime, EventKind, str]]], "EventKind | None"]
_ATTENDANCE = (EventKind.CHECK_IN.value, EventKind.CHECK_OUT.value)
_WINDOW = timedelta(days=2)
_SCHEMA = """CREATE TABLE IF NOT EXISTS queued (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id INTEGER,
    camera TEXT NOT NULL,
    resolve INTEGER NOT NULL,
    event TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    liveness TEXT)"""


@dataclass(frozen=True)
class Queued:
    """One event waiting in the outbox (``event.snapshot`` is relative to the data folder)."""

    seq: int
    event: Event
    resolve: bool  # a check-in/out: the desk rules are applied again on delivery
    queued_at: datetime
    liveness: LivenessEvidence | None = None  # stored with the event


@dataclass
class Delivery:
    """What one :meth:`Outbox.deliver` did.

    Attributes:
        stored: events newly stored on the server (including ``refused``, ``corrected``, ``orphaned``).
        already: events the server held already (a repeated delivery): removed, nothing stored.
        refused: check-ins/outs stored as refused events (another desk's within the cooldown).
        corrected: check-ins/outs stored with the other direction.
        orphaned: events whose person was removed meanwhile (stored without person and snapshot).
        left: events still queued afterwards.
        error: why delivery stopped early (e.g. the server went away again), else None.
    """

    stored: int = 0
    already: int = 0
    refused: int = 0
    corrected: int = 0
    orphaned: int = 0
    left: int = 0
    error: StorageError | None = None


def _encode(event: Event) -> str:
    """The columns the queue table does not hold (never the person's name: the server has it)."""
    return json.dumps({"tz": event.tz, "score": event.score, "margin": event.margin, "operator": event.operator,
                       "snapshot": event.snapshot, "note": event.note, "site": event.site, "desk": event.desk})


class Outbox:
    """The durable queue of one desk (thread-safe: the live thread queues, the courier delivers).

    Args:
        path: the SQLite file; created private when missing.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_durable(self.path, (_SCHEMA,), "this desk's outbox")

    @classmethod
    def open(cls, data: Path) -> Outbox:
        """The outbox in the data folder ``data``."""
        return cls(data / OUTBOX_NAME)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM queued").fetchone()[0])

    # -- queueing ----------------------------------------------------------------------------------
    def put(self, event: Event, resolve: bool, liveness: LivenessEvidence | None = None) -> Event:
        """Queue ``event`` durably; returns it as queued (with its uid, site and desk).

        Args:
            event: timezone-aware; ``snapshot`` already saved, relative to the data folder.
            resolve: a check-in/out whose rules are applied again on delivery.
            liveness: its liveness evidence, stored with it.
        """
        if event.time.tzinfo is None:
            raise ValueError("event time must be timezone-aware (UTC)")
        here = origin.current()
        event = replace(event, id=None, uid=event.uid or str(uuid.uuid4()), site=event.site or here.site,
                        desk=event.desk or here.desk)
        when = event.time.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT INTO queued (uid, time, kind, person_id, camera, resolve, event, queued_at, liveness) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (event.uid, when, EventKind(event.kind).value,
                                                           event.person_id, event.camera, int(resolve),
                                                           _encode(event), now, _evidence_text(liveness)))
        except sqlite3.Error as exc:
            raise StorageError(f"cannot queue the event in this desk's outbox {self.path}: {exc}. "
                               "Free some disk space.") from exc
        return event

    def pending(self, limit: int = 1_000_000) -> list[Queued]:
        """Queued events, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, uid, time, kind, person_id, camera, resolve, event, queued_at, liveness FROM queued "
                "ORDER BY time, seq LIMIT ?", (limit,)).fetchall()
        return [_queued(row) for row in rows]

    def attendance(self, person_id: int) -> list[tuple[datetime, EventKind, str]]:
        """The person's queued check-ins/outs ``(time, kind, camera)``, oldest first (for the desk rules)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT time, kind, camera FROM queued WHERE person_id = ? AND kind IN (?, ?) ORDER BY time, seq",
                (person_id, *_ATTENDANCE)).fetchall()
        return [(datetime.fromisoformat(t), EventKind(k), c) for t, k, c in rows]

    def attach_liveness(self, uid: str, evidence: LivenessEvidence) -> bool:
        """Give a queued event its liveness evidence; False when it is no longer queued (delivered)."""
        with self._lock:
            cursor = self._conn.execute("UPDATE queued SET liveness = ? WHERE uid = ?",
                                        (_evidence_text(evidence), uid))
        return cursor.rowcount > 0

    def remove(self, uid: str) -> LivenessEvidence | None:
        """Forget a delivered event; returns the liveness evidence it had by then (it may have come late)."""
        with self._lock:
            row = self._conn.execute("SELECT liveness FROM queued WHERE uid = ?", (uid,)).fetchone()
            self._conn.execute("DELETE FROM queued WHERE uid = ?", (uid,))
        return _evidence(row[0]) if row else None

    def _checkpoint(self) -> None:
        try:
            with self._lock:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:  # a reader elsewhere: the next delivery tries again
            log.debug("outbox checkpoint not done: %s", exc)

    # -- delivery ----------------------------------------------------------------------------------
    def deliver(self, events: Events, resolve: Resolver, actor: str = "desk",
                after_commit: Callable[[Queued], None] | None = None) -> Delivery:
        """Store the queue on the server, oldest first, each event exactly once (see the module docstring).

        Stops at the first failure (the server went away again): what was not delivered stays
        queued for the next attempt. ``after_commit`` runs between the server's commit and the
        removal from the outbox (tests use it to stop there, like a crash).
        """
        report = Delivery()
        for queued in self.pending():
            try:
                outcome = deliver_one(events, queued, resolve, actor)
            except StorageError as exc:
                report.error = exc
                if not isinstance(exc, ServerUnreachableError):
                    log.error("outbox: event %s could not be delivered: %s", queued.event.uid, exc)
                break
            if after_commit is not None:
                after_commit(queued)
            late = self.remove(str(queued.event.uid))
            if late is not None and queued.liveness is None:  # attached while it was being delivered
                try:
                    attach_by_uid(events, str(queued.event.uid), late)
                except StorageError as exc:
                    log.warning("outbox: the liveness evidence of event %s was not stored: %s", queued.event.uid, exc)
            if outcome == "already":
                report.already += 1
                continue
            report.stored += 1
            if outcome in ("refused", "corrected", "orphaned"):
                setattr(report, outcome, getattr(report, outcome) + 1)
        report.left = len(self)
        if not report.left and (report.stored or report.already):
            self._checkpoint()  # delivered rows leave the WAL too
        if report.stored or report.already:
            log.info("outbox: %d queued events delivered (%d already stored, %d refused as duplicates, "
                     "%d corrected), %d left", report.stored, report.already, report.refused, report.corrected,
                     report.left)
        return report


def deliver_one(events: Events, queued: Queued, resolve: Resolver, actor: str) -> str:
    """Store one queued event unless its uid is stored already, in one write transaction.

    Returns ``"already"``, ``"stored"``, ``"refused"``, ``"corrected"`` or ``"orphaned"``.
    """
    event = queued.event
    outcome, orphan_file = "stored", None
    with events.database.transaction() as db:
        if db.execute("SELECT 1 FROM events WHERE uid = ?", (event.uid,)).fetchone() is not None:
            return "already"
        if event.person_id is not None and db.execute(
                "SELECT 1 FROM people WHERE id = ?", (event.person_id,)).fetchone() is None:
            orphan_file, outcome = event.snapshot, "orphaned"
            event = replace(event, person_id=None, snapshot=None,
                            note=_join(event.note, "person removed before this queued event was delivered"))
        elif queued.resolve:
            when = event.time.astimezone(timezone.utc)
            span = [(when + d).isoformat(timespec="milliseconds") for d in (-_WINDOW, _WINDOW)]
            rows = db.execute(
                "SELECT time, kind, camera FROM events WHERE person_id = ? AND kind IN (?, ?) "
                "AND time >= ? AND time <= ? ORDER BY time, id", (event.person_id, *_ATTENDANCE, *span)).fetchall()
            kind = resolve(event, [(datetime.fromisoformat(t), EventKind(k), c) for t, k, c in rows])
            queued_as = EventKind(event.kind).value
            if kind is None:
                outcome = "refused"
                event = replace(event, kind=EventKind.REJECTED, note=_join(
                    event.note, f"queued offline as {queued_as}; another desk recorded this person within "
                                "the cooldown meanwhile"))
            elif kind is not event.kind:
                outcome = "corrected"
                event = replace(event, kind=kind, note=_join(
                    event.note, f"queued offline as {queued_as}; direction corrected on delivery"))
        event_id = events._insert(db, event, event.snapshot, actor)
        if queued.liveness is not None:
            attach(db, event_id, queued.liveness)
    if orphan_file:
        events.delete_files([orphan_file])
    return outcome


def attach_by_uid(events: Events, uid: str, evidence: LivenessEvidence) -> bool:
    """Store the liveness evidence of an event already on the server; False when it is not there (yet)."""
    with events.database.transaction() as db:
        row = db.execute("SELECT id FROM events WHERE uid = ?", (uid,)).fetchone()
        if row is not None:
            attach(db, int(row[0]), evidence)
    return row is not None


def _join(note: str, more: str) -> str:
    return f"{note}; {more}" if note else more


def _evidence_text(evidence: LivenessEvidence | None) -> str | None:
    return None if evidence is None else json.dumps(evidence.to_dict())


def _queued(row: tuple) -> Queued:
    seq, uid, when, kind, person_id, camera, resolve, blob, queued_at, liveness = row
    extra = json.loads(blob)
    event = Event(None, datetime.fromisoformat(when), extra["tz"], EventKind(kind), person_id, None,
                  None, None, extra.get("score"), extra.get("margin"), camera, extra.get("operator"),
                  extra.get("snapshot"), extra.get("note", ""), uid, extra.get("site", ""), extra.get("desk", ""))
    return Queued(int(seq), event, bool(resolve), datetime.fromisoformat(queued_at), _evidence(liveness))


def _evidence(text: str | None) -> LivenessEvidence | None:
    if not text:
        return None
    found = json.loads(text)
    return LivenessEvidence(**{**found, "frame_scores": tuple(found.get("frame_scores", ()))})
