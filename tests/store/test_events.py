"""Events: UTC time with the desk's zone, evidence snapshots, filters, corrections, audit."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.errors import EventNotFoundError, PersonNotFoundError, StorageError
from faceapp.records import Event, EventKind
from faceapp.store.audit import AuditLog
from faceapp.store.db import Database
from faceapp.store.events import Events
from faceapp.store.people import People


def _event(when: datetime, kind: EventKind, person_id: int | None, camera: str = "door") -> Event:
    return Event(None, when, "Asia/Shanghai", kind, person_id, None, None, None, 0.7, 0.2, camera, operator="op")


@pytest.fixture()
def events(database: Database, paths: Paths) -> Events:
    return Events(database, paths)


def test_event_round_trip_in_utc_with_person_details(events: Events, database: Database) -> None:
    ann = People(database).add("王芳", employee_no="E1", department="Lab")
    local = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    saved = events.add(_event(local, EventKind.CHECK_IN, ann.id))
    assert saved.time == local and saved.time.utcoffset() == timedelta(0)  # stored in UTC
    assert (saved.name, saved.employee_no, saved.department, saved.tz) == ("王芳", "E1", "Lab", "Asia/Shanghai")
    assert database.scalar("SELECT time FROM events") == "2026-03-01T01:00:00.000+00:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        events.add(_event(datetime(2026, 1, 1), EventKind.CHECK_IN, None))
    with pytest.raises(ValueError, match="time zone"):
        events.add(Event(None, local, "Mars/Olympus", EventKind.UNKNOWN, None, None, None, None, None, None, "c"))
    with pytest.raises(EventNotFoundError):
        events.get(999)
    with pytest.raises(PersonNotFoundError):
        events.add(_event(local, EventKind.CHECK_IN, 999))


def test_list_filters_by_time_person_kind_and_camera(events: Events, database: Database) -> None:
    ann = People(database).add("Ann").id
    t0 = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    events.add(_event(t0, EventKind.CHECK_IN, ann))
    events.add(_event(t0 + timedelta(hours=9), EventKind.CHECK_OUT, ann, camera="exit"))
    events.add(_event(t0 + timedelta(hours=1), EventKind.UNKNOWN, None))
    assert [e.kind for e in events.list()] == [EventKind.CHECK_IN, EventKind.UNKNOWN, EventKind.CHECK_OUT]
    assert len(events.list(start=t0 + timedelta(minutes=1))) == 2
    assert len(events.list(end=t0 + timedelta(hours=1))) == 1
    assert [e.kind for e in events.list(person_id=ann)] == [EventKind.CHECK_IN, EventKind.CHECK_OUT]
    assert [e.camera for e in events.list(kinds=(EventKind.CHECK_OUT, EventKind.UNKNOWN))] == ["door", "exit"]
    assert len(events.list(camera="exit")) == 1


def test_snapshot_is_a_private_file_and_goes_with_the_event(events: Events, paths: Paths,
                                                            database: Database) -> None:
    image = np.full((60, 80, 3), 120, np.uint8)
    saved = events.add(_event(datetime.now(timezone.utc), EventKind.UNKNOWN, None), snapshot=image)
    assert saved.snapshot and saved.snapshot.startswith("snapshots/")
    path = events.snapshot_path(saved)
    assert path is not None and path == paths.data / saved.snapshot
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cv2.imread(str(path)).shape == (60, 80, 3)
    noted = events.set_note(saved.id or 0, "visitor", actor="guard")
    assert noted.note == "visitor"
    events.delete(saved.id or 0, actor="guard")
    assert not path.exists()
    actions = [(e.actor, e.action) for e in AuditLog(database).entries(entity="event")]
    assert actions == [("guard", "event.delete"), ("guard", "event.note"), ("system", "event.add")]
    assert all("snapshots/" not in str(e.details) for e in AuditLog(database).entries())


def test_failed_insert_leaves_no_orphan_snapshot(events: Events, paths: Paths, database: Database) -> None:
    other = sqlite3.connect(paths.data / "faceapp.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError, match="busy"):
            events.add(_event(datetime.now(timezone.utc), EventKind.UNKNOWN, None), snapshot=b"\xff\xd8jpeg")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [p for p in (paths.data / "snapshots").rglob("*") if p.is_file()] == []



def test_events_and_their_audit_rows_say_which_site_and_desk_wrote_them(
        events: Events, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from faceapp.store import origin

    person = People(database).add("Ada", employee_no="E1")
    monkeypatch.setattr(origin, "_configured", origin.Origin("", ""))
    monkeypatch.delenv("FACEAPP_SITE", raising=False)
    origin.configure("  Berlin\n office ", "Front door")
    monkeypatch.setenv("FACEAPP_DESK", "Side door")
    when = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    stored = events.add(_event(when, EventKind.CHECK_IN, person.id))
    assert (stored.site, stored.desk) == ("Berlin office", "Side door")
    assert stored.uid and len(stored.uid) == 36
    entry = AuditLog(database).entries(entity="event")[0]
    assert (entry.site, entry.desk) == ("Berlin office", "Side door")
    again = events.add(_event(when, EventKind.CHECK_OUT, person.id))
    assert again.uid != stored.uid
    with pytest.raises(StorageError):  # one uid is stored once
        events.add(replace(_event(when, EventKind.CHECK_OUT, person.id), uid=stored.uid))
    assert len(events.list()) == 2
