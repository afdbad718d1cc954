"""Access configuration and journal in a real database: CRUD, audit, anti-passback across
connections and processes, lockdown, attendance link, visitor expiry with biometric deletion."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from faceapp.access.decide import Request
from faceapp.access.journal import Journal
from faceapp.access.model import AntiPassback, DoorState, Reason
from faceapp.access.outputs import OutputError
from faceapp.access.store import AccessStore
from faceapp.config import Paths
from faceapp.errors import AccessNotFoundError, ConfigError
from faceapp.records import Verdict
from faceapp.store.db import Database
from faceapp.store.gallery import Gallery

from .conftest import DIM, ZONE, local


def _setup(store: AccessStore, gallery: Gallery) -> int:
    store.add_door("front", direction="in", area="office", cameras=["cam-1"])
    store.add_door("back", direction="out", area="office")
    store.set_area("office", AntiPassback.HARD)
    store.add_level("staff", ["front", "back"], "mon-fri 08:00-18:00")
    person = gallery.add_person("Alice", employee_no="E-1")
    store.grant(person.id, "staff")
    return person.id


def _request(store: AccessStore, door: str, person_id: int | None, when: str) -> Request:
    subject = store.subject(person_id) if person_id is not None else None
    verdict = Verdict.ACCEPT if subject else Verdict.UNKNOWN
    return Request(store.door(door), local(when), verdict, subject, 0.7, 0.3)


def test_configuration_round_trip_and_audit(store: AccessStore, gallery: Gallery) -> None:
    person_id = _setup(store, gallery)
    door = store.door("FRONT")
    assert door.cameras == ("cam-1",) and door.area == "office" and store.doors_for_camera("cam-1") == [door]
    level = store.level("staff")
    assert level.door_ids == {door.id, store.door("back").id} and level.schedule.text() == "mon-fri 08:00-18:00"
    assert store.subject(person_id).grants[0].level_id == level.id
    actions = {e.action for e in gallery.audit.entries()}
    assert {"door.add", "level.add", "access.grant", "area.set"} <= actions
    with pytest.raises(AccessNotFoundError):
        store.door("garage")
    with pytest.raises(OutputError):
        store.add_door("bad", output="ftp://relay")
    with pytest.raises(ConfigError):
        store.grant(person_id, "staff", "2026-12-10", "2026-12-01")
    store.update_level("staff", schedule="daily 00:00-24:00")
    assert store.level("staff").schedule.is_open(local("2026-12-06T03:00"))


def test_check_has_no_side_effects_and_record_enforces_anti_passback(
        store: AccessStore, journal: Journal, gallery: Gallery) -> None:
    person_id = _setup(store, gallery)
    request = _request(store, "front", person_id, "2026-12-02T09:00")
    assert journal.check(request).reason is Reason.GRANTED
    assert journal.check(request).reason is Reason.GRANTED and journal.events() == []
    decision, event = journal.record(request, camera="cam-1", snapshot=np.zeros((40, 40, 3), np.uint8))
    assert decision.granted and event.reason == "granted" and event.name == "Alice"
    assert journal.snapshot_path(event).is_file()
    again, _ = journal.record(_request(store, "front", person_id, "2026-12-02T09:01"))
    assert (again.decision, again.reason) == ("deny", Reason.ANTI_PASSBACK)
    out, _ = journal.record(_request(store, "back", person_id, "2026-12-02T12:00"))
    assert out.granted
    assert journal.record(_request(store, "front", person_id, "2026-12-02T13:00"))[0].granted
    assert [e.decision for e in journal.events(person_id=person_id)] == ["grant", "deny", "grant", "grant"]
    assert [e.reason for e in journal.events(decision="deny")] == ["anti_passback"]


def test_anti_passback_and_lockdown_seen_by_another_connection(
        store: AccessStore, journal: Journal, gallery: Gallery, paths: Paths) -> None:
    person_id = _setup(store, gallery)
    assert journal.record(_request(store, "front", person_id, "2026-12-02T09:00"))[0].granted
    with Database.open(paths) as other_db:
        other = Journal(AccessStore(other_db, ZONE), paths.data)
        second = other.record(_request(other.store, "front", person_id, "2026-12-02T09:05"))[0]
        assert second.reason is Reason.ANTI_PASSBACK
        other.store.set_state("back", DoorState.LOCKDOWN, actor="admin", reason="intruder")
    stale = _request(store, "back", person_id, "2026-12-02T10:00")  # door read before the lockdown
    assert journal.record(stale)[0].reason is Reason.LOCKDOWN
    store.set_state("back", DoorState.UNLOCKED, actor="admin", reason="fire alarm")
    assert journal.record(_request(store, "back", None, "2026-12-02T10:01"))[0].reason is Reason.EMERGENCY_UNLOCK
    states = [(e.kind, e.reason, e.operator) for e in journal.events(kinds=("state",))]
    assert states == [("state", "lockdown", "admin"), ("state", "unlocked", "admin")]
    assert {"door.lockdown", "door.unlocked"} <= {e.action for e in gallery.audit.entries()}


_ENTER = """
import sys
from datetime import datetime
from zoneinfo import ZoneInfo
from faceapp.access.decide import Request
from faceapp.access.journal import Journal
from faceapp.access.store import AccessStore
from faceapp.config import Paths
from faceapp.records import Verdict
from faceapp.store.db import Database

home, person_id, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
paths = Paths.resolve(home)
with Database.open(paths, busy_timeout=20) as db:
    store = AccessStore(db, "Europe/Berlin")
    journal = Journal(store, paths.data)
    at = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    for _ in range(n):
        request = Request(store.door("front"), at, Verdict.ACCEPT, store.subject(person_id), 0.7, 0.3)
        print(journal.record(request)[0].reason.value, flush=True)
"""


def test_anti_passback_holds_between_processes(store: AccessStore, gallery: Gallery, paths: Paths,
                                               tmp_path: Path) -> None:
    """Three processes race to let the same person in: exactly one pass is granted."""
    person_id = _setup(store, gallery)
    script = tmp_path / "enter.py"
    script.write_text(_ENTER)
    home = str(Path(paths.data).parent)
    runs = [subprocess.Popen([sys.executable, str(script), home, str(person_id), "4"], stdout=subprocess.PIPE,
                             text=True) for _ in range(3)]
    reasons = [line for run in runs for line in run.communicate(timeout=120)[0].split()]
    assert [run.returncode for run in runs] == [0, 0, 0]
    assert reasons.count("granted") == 1 and reasons.count("anti_passback") == 11


def test_attendance_link(store: AccessStore, journal: Journal, gallery: Gallery) -> None:
    person_id = _setup(store, gallery)
    store.update_door("front", records_attendance=True)
    _, event = journal.record(_request(store, "front", person_id, "2026-12-02T09:00"), camera="cam-1")
    attendance = gallery.events.get(event.attendance_event_id)
    assert attendance.kind.value == "check_in" and attendance.person_id == person_id
    _, denied = journal.record(_request(store, "front", None, "2026-12-02T09:10"))
    assert denied.attendance_event_id is None and len(gallery.events.list()) == 1


def test_manual_open_needs_a_reason_and_is_audited(store: AccessStore, journal: Journal, gallery: Gallery) -> None:
    _setup(store, gallery)
    with pytest.raises(ConfigError):
        journal.manual_open(store.door("front"), "admin", " ")
    event = journal.manual_open(store.door("front"), "admin", "delivery")
    assert (event.kind, event.operator, event.note) == ("manual", "admin", "delivery")
    assert any(e.action == "door.open" and e.details["reason"] == "delivery" for e in gallery.audit.entries())


def test_expired_visitor_is_removed_with_biometric_data(store: AccessStore, journal: Journal, gallery: Gallery,
                                                        paths: Paths) -> None:
    _setup(store, gallery)
    rng = np.random.default_rng(1)
    chip = rng.integers(0, 256, (112, 112, 3), dtype=np.uint8)
    visitor = gallery.add_person("Victor Visitor")
    vector = rng.normal(size=DIM).astype(np.float32)
    gallery.add_template(visitor.id, chip, vector / np.linalg.norm(vector))
    expires = local("2026-12-02T17:00")
    store.register_visitor(visitor.id, host="Alice", purpose="audit", expires=expires, level="staff")
    assert store.subject(visitor.id).visitor and store.grants(visitor.id)[0].valid_until.isoformat() == "2026-12-02"
    assert journal.record(_request(store, "front", visitor.id, "2026-12-02T16:59"))[0].granted
    _, late = journal.record(_request(store, "back", visitor.id, "2026-12-02T17:00"),
                             snapshot=np.full((30, 30, 3), 200, np.uint8))
    assert late.reason == "expired"
    snapshot = journal.snapshot_path(late)
    assert snapshot.is_file()
    retention = timedelta(days=1)
    assert journal.purge_visitors(expires + timedelta(hours=23), retention, gallery.delete_person) == []
    removed = journal.purge_visitors(expires + timedelta(days=1), retention, gallery.delete_person)
    assert removed == [visitor.id] and store.visitors() == [] and store.subject(visitor.id) is None
    assert not snapshot.exists()
    assert all(e.person_id is None and e.name is None for e in journal.events() if e.id == late.id)
    data = b"".join(p.read_bytes() for p in paths.data.rglob("*") if p.is_file())
    assert b"Victor Visitor" not in data
    assert chip.tobytes()[:64] not in data


def test_deleting_a_person_removes_their_door_snapshots(store: AccessStore, journal: Journal, gallery: Gallery) -> None:
    person_id = _setup(store, gallery)
    face = np.random.default_rng(3).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    _, event = journal.record(_request(store, "front", person_id, "2026-12-02T09:00"), snapshot=face)
    path = journal.snapshot_path(event)
    assert path.is_file()
    gallery.delete_person(person_id)
    after = journal.event(event.id)
    assert not path.exists() and after.snapshot is None and after.person_id is None
    assert (after.decision, after.reason) == ("grant", "granted")  # the journal keeps the decision itself


def test_company_holidays_close_doors_too(store: AccessStore, journal: Journal, gallery: Gallery) -> None:
    person_id = _setup(store, gallery)
    with gallery.database.transaction() as db:  # the attendance rules' company calendar
        db.execute("INSERT INTO holidays (day, name, created) VALUES ('2026-12-24', 'Christmas Eve', '2026-01-01')")
    store.add_holiday("2026-12-31", "Door maintenance")
    assert list(store.holidays()) == [date(2026, 12, 24), date(2026, 12, 31)]
    assert list(store.door_holidays()) == [date(2026, 12, 31)]
    for day in ("2026-12-24", "2026-12-31"):
        assert journal.check(_request(store, "front", person_id, f"{day}T10:00")).reason is Reason.HOLIDAY
    assert journal.check(_request(store, "front", person_id, "2026-12-23T10:00")).reason is Reason.GRANTED
