"""The access-control services a front end needs, on one database: configuration, journal, outputs.

Manual opens go through the same output worker (off the caller's thread) and fault reporting as
decisions; visitors are registered from a photo file with the gallery's enroller and purged with
the gallery's deletion (their biometric bytes are gone afterwards).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from faceapp.access.journal import AccessEvent, Journal
from faceapp.access.model import Door, DoorState
from faceapp.access.outputs import Pulse, parse_output
from faceapp.access.outputs.worker import OutputWorker
from faceapp.access.store import AccessStore
from faceapp.records import Person
from faceapp.store.db import Database

log = logging.getLogger(__name__)


class AccessService:
    """Store, journal and an output worker (door faults are journaled)."""

    def __init__(self, database: Database, data_dir: Path, zone: str | ZoneInfo) -> None:
        self.store = AccessStore(database, zone)
        self.journal = Journal(self.store, data_dir)
        self.worker = OutputWorker(self.journal.fault)

    @classmethod
    def from_core(cls, core: Any) -> AccessService:
        return cls(core.gallery.database, core.paths.data, core.zone)

    def open_door(self, door: Door | str | int, actor: str, reason: str) -> AccessEvent:
        """Journal a manual open (audited, with the reason) and pulse the door's output."""
        found = door if isinstance(door, Door) else self.store.door(door)
        event = self.journal.manual_open(found, actor, reason)
        self.worker.submit(found, Pulse(found.name, found.pulse_ms, reason="manual_open", action="open"))
        return event

    def set_state(self, door: Door | str | int, state: DoorState, actor: str, reason: str = "") -> Door:
        """Lockdown, emergency unlock or normal (audited); an unlock holds the relay on, leaving it releases it."""
        found = door if isinstance(door, Door) else self.store.door(door)
        after = self.store.set_state(found.id, state, actor, reason)
        if DoorState(state) is DoorState.UNLOCKED and found.state is not DoorState.UNLOCKED:
            self.worker.submit(after, Pulse(after.name, after.pulse_ms, reason="emergency_unlock", action="unlock"))
        elif found.state is DoorState.UNLOCKED and DoorState(state) is not DoorState.UNLOCKED:
            self.worker.submit(after, Pulse(after.name, after.pulse_ms, reason=DoorState(state).value, action="lock"))
        return after

    def test_output(self, door: Door | str | int) -> str:
        """Whether the door's output is reachable (it is not opened). Raises ``OutputError``."""
        found = door if isinstance(door, Door) else self.store.door(door)
        return parse_output(found.output, found.output_options).check()

    def register_visitor(self, gallery: Any, enroller: Any, name: str, photo: Path, host: str, purpose: str,
                         expires: datetime, level: str | int | None, actor: str) -> Person:
        """Enrol a visitor from a photo and register them; nothing is kept when a step fails."""
        person = gallery.add_person(name, actor=actor, notes="visitor")
        try:
            enroller.enrol_photo(person.id, photo, actor=actor, largest=True)
            self.store.register_visitor(person.id, host, purpose, expires, level=level, actor=actor)
        except BaseException:
            gallery.delete_person(person.id, actor=actor)
            raise
        return person

    def purge_visitors(self, gallery: Any, retention_days: float, actor: str = "system",
                       now: datetime | None = None) -> list[int]:
        """Remove visitors expired more than ``retention_days`` ago, with their biometric data."""
        return self.journal.purge_visitors(now or datetime.now(timezone.utc), timedelta(days=retention_days),
                                           lambda pid: gallery.delete_person(pid, actor=actor), actor=actor)

    def remove_visitor(self, gallery: Any, person_id: int, actor: str) -> None:
        """End a visit now: the visitor and their biometric data are deleted."""
        self.journal.remove_visitor(person_id, lambda pid: gallery.delete_person(pid, actor=actor), actor)

    def close(self) -> None:
        self.worker.stop()
