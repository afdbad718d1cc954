"""Check-ins: tracked looks → desk decisions → events stored with their evidence crop.

The desk (consensus, cooldown, in/out) runs in memory; the cooldown and in/out are checked again
inside the ``BEGIN IMMEDIATE`` transaction that writes each check-in/out (:meth:`Events.add_resolved`
with :meth:`Desk.resolve`), so desks in other processes on the same data folder count too. A
person deleted meanwhile (by another process) is logged and skipped, never fatal.

On a shared PostgreSQL server, events are queued in the desk's durable
:class:`~faceapp.store.outbox.Outbox` while the server is unreachable (or older queued events still
wait), and the :class:`~faceapp.live.offline.Courier` delivers them when it answers again. Offline,
the cooldown and in/out rules are applied against what this desk queued plus the person's events it
last read from the server; on delivery they are applied again against the server's events (see
:mod:`faceapp.store.outbox` for what happens to a duplicate). Every event gets its uid before the
first attempt, so an event whose commit was cut off is delivered once, not twice.

A check-in/out carries the liveness evidence of its track (:attr:`CheckIns.liveness`, installed
by :class:`~faceapp.live.liveness_record.CheckinLiveness`): its ``liveness`` row is written in the
same transaction as the event, or queued in the same outbox row, so a stored check-in on a camera
in log or block mode always has its row. When that row cannot be written, the check-in is not
stored either (the storage error is raised as for any failed check-in): a check-in without its
evidence would make a spoof let through in log mode look clean.

A check-in the store refuses (an error other than an unreachable server that the outbox takes) is
retracted from the desk before the error is raised: the person's cooldown and day state are as
before, and the next agreeing look of the track tries again, so a passing storage fault loses no
check-in.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from faceapp.attendance import Decision, Desk, DeskRules, Observation
from faceapp.errors import PersonNotFoundError, ServerUnreachableError, StorageError
from faceapp.live.offline import Courier, OfflineStatus
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.store.events import SNAPSHOT_DIR, write_snapshot
from faceapp.store.liveness import LivenessEvidence, attach
from faceapp.store.outbox import Outbox, attach_by_uid
from faceapp.vision.tracker import Sighting

log = logging.getLogger(__name__)

EVIDENCE_MARGIN = 0.4  # the crop around a face kept as evidence, in face widths/heights
_ATTENDANCE = (EventKind.CHECK_IN, EventKind.CHECK_OUT)
History = list[tuple[datetime, EventKind, str]]
#: ``(camera, track id)`` -> the track's liveness evidence to store with its check-in (None: none).
LivenessHook = Callable[[str, int], "LivenessEvidence | None"]


@dataclass
class CheckIns:
    """Feeds looks to the desk and stores what it decides, with the evidence crop.

    Attributes:
        recorded: every event stored (or queued) so far, in order; queued ones have no ``id``.
        track_events: the events of the latest :meth:`observe` call, by track id.
        courier: on a shared server, delivers the outbox (None on a local SQLite database).
        liveness: the liveness evidence of a track, stored atomically with its check-ins/outs.
    """

    gallery: Gallery
    desk: Desk
    camera: str
    zone: str
    operator: str | None = None
    recorded: list[Event] = field(default_factory=list)
    track_events: dict[int, list[Event]] = field(default_factory=dict)
    courier: Courier | None = None
    liveness: LivenessHook | None = None
    _known: dict[int, History] = field(default_factory=dict, repr=False)  # the server's check-ins, as last read

    def __post_init__(self) -> None:
        if self.courier is None and self.gallery.database.backend != "sqlite":
            outbox = Outbox.open(self.gallery.paths.data)
            self.courier = Courier(outbox, self.gallery.events, self._redeliver, actor=self.operator or "desk")
            waiting = [q.event for q in outbox.pending()]
            if waiting:  # queued before a restart: they count for the rules, and go to the server now
                self.desk.restore(waiting)
                log.info("desk: %d events queued earlier wait for delivery", len(waiting))
                self.courier.tend()

    def offline_status(self) -> OfflineStatus:
        """Since when the server is unreachable, how many events are queued and delivered."""
        if self.courier is None:
            return OfflineStatus(None, 0, 0)
        return self.courier.status()

    def tend(self) -> None:
        """Let the courier deliver or probe when it has work (cheap; once per processed frame)."""
        if self.courier is not None:
            self.courier.tend()

    def queue(self, event: Event, snapshot: Any = None, liveness: LivenessEvidence | None = None) -> Event:
        """Queue an event a stage could not store because the server is unreachable (e.g. a suspected spoof).

        Raises:
            StorageError: this desk has no outbox (a local database is never unreachable).
        """
        if self.courier is None:
            raise StorageError("this desk's database is local: there is no outbox to queue events in")
        return self._put(replace(event, uid=event.uid or str(uuid.uuid4())), snapshot, liveness)

    def attach_liveness(self, event: Event, evidence: LivenessEvidence) -> None:
        """Liveness evidence for a queued event (no id yet): kept with it, or stored if already delivered."""
        if self.courier is None or event.uid is None:
            return
        if not self.courier.outbox.attach_liveness(event.uid, evidence):
            attach_by_uid(self.gallery.events, event.uid, evidence)

    def observe(self, sightings: Sequence[Sighting], image: np.ndarray | None) -> list[Event]:
        """Record the events that these sightings (of one frame) complete; only fresh looks count."""
        self.track_events = {}
        events: list[Event] = []
        for s in sightings:
            if not s.fresh:
                continue
            observation = Observation(s.track_id, s.identification, datetime.fromtimestamp(s.timestamp, timezone.utc),
                                      self.camera, snapshot=crop(image, s.box))
            stored = self._store(self.desk.decide(observation))
            if stored:
                self.track_events.setdefault(s.track_id, []).extend(stored)
                events.extend(stored)
        return events

    def observe_one(self, observation: Observation) -> list[Event]:
        """Record what a single observation completes (still photos)."""
        return self._store(self.desk.decide(observation))

    def confirmed(self, track_id: int) -> int | None:
        """The person the desk confirmed on this track of this camera, if any."""
        return self.desk.confirmed(self.camera, track_id)

    def settled(self, track_id: int) -> bool:
        """Whether the desk has decided about this track."""
        return self.desk.settled(self.camera, track_id)

    def set_rules(self, rules: DeskRules) -> None:
        """New desk rules from now on (tracks restart; cooldowns and today's in/out are kept)."""
        if rules != self.desk.rules:
            self.desk.set_rules(rules)
            log.info("desk rules changed")

    def report(self, kind: EventKind, sighting: Sighting, image: np.ndarray | None, note: str) -> Event:
        """Store an event a live stage asked for (e.g. a suspected spoof) with the evidence crop."""
        ident = sighting.identification
        event = Event(None, datetime.fromtimestamp(sighting.timestamp, timezone.utc), self.zone, kind,
                      None, ident.name if ident else None, None, None,
                      ident.score if ident else None, ident.margin if ident else None, self.camera,
                      self.operator, note=note)
        stored = self._add(event, crop(image, sighting.box))
        self.recorded.append(stored)
        return stored

    def _store(self, decisions: Iterable[Decision]) -> list[Event]:
        """Store the desk's decisions; one the store refuses is retracted (retried on the next look) and raised."""
        pending, events = list(decisions), []
        try:
            for i, decision in enumerate(pending):
                try:
                    event = self._store_one(decision)
                except PersonNotFoundError:
                    log.warning("desk: person %s was removed meanwhile; event not recorded", decision.person_id)
                    continue
                except BaseException:
                    for undone in pending[i:]:
                        self.desk.retract(undone)
                    raise
                if event is not None:
                    events.append(event)
        finally:
            self.recorded.extend(events)
        return events

    def _store_one(self, decision: Decision) -> Event | None:
        uid = str(uuid.uuid4())  # the same uid online and queued: a commit cut off is delivered once
        if self.courier is not None and self.courier.must_queue:
            return self._queue(decision, uid)
        try:
            return self._store_online(decision, uid)
        except ServerUnreachableError:
            if self.courier is None:
                raise
            return self._queue(decision, uid)

    def _store_online(self, decision: Decision, uid: str) -> Event | None:
        actor = self.operator or "desk"
        if decision.person_id is None:
            event = replace(decision.to_event(self.zone, operator=self.operator), uid=uid)
            return self.gallery.events.add(event, snapshot=decision.snapshot, actor=actor)
        person = self.gallery.people.get(decision.person_id)
        event = replace(decision.to_event(self.zone, person=person, operator=self.operator), uid=uid)
        if decision.kind not in _ATTENDANCE:
            return self.gallery.events.add(event, snapshot=decision.snapshot, actor=actor)
        decided: dict[str, Any] = {}

        def resolve(history: History) -> EventKind | None:
            decided["kind"], decided["history"] = self.desk.resolve(decision, history), history
            return decided["kind"]

        evidence = self._evidence(decision)
        with_event = None if evidence is None else (lambda db, event_id: attach(db, event_id, evidence))
        stored = self.gallery.events.add_resolved(event, resolve, snapshot=decision.snapshot, actor=actor,
                                                  with_event=with_event)
        self.desk.note_recorded(decision.person_id, decided.get("kind"), decision.time, decision.kind)
        if self.courier is not None and "history" in decided:  # what the server holds, for offline rules
            known = list(decided["history"])
            if stored is not None:
                known.append((stored.time, stored.kind, stored.camera))
            self._known[decision.person_id] = known
        if stored is None:
            log.info("desk: person %s was recorded by another desk moments ago; not recorded again",
                     decision.person_id)
        return stored

    def _queue(self, decision: Decision, uid: str) -> Event | None:
        """Queue a decision in the outbox, the desk rules applied to what this desk knows."""
        assert self.courier is not None
        event = replace(decision.to_event(self.zone, operator=self.operator), uid=uid)
        if decision.kind in _ATTENDANCE and decision.person_id is not None:
            history = self._known.get(decision.person_id, []) + self.courier.outbox.attendance(decision.person_id)
            kind = self.desk.resolve(decision, history)
            self.desk.note_recorded(decision.person_id, kind, decision.time, decision.kind)
            if kind is None:
                log.info("desk: person %s was recorded moments ago; not queued again", decision.person_id)
                return None
            event = replace(event, kind=kind)
            return self._put(event, decision.snapshot, self._evidence(decision))
        return self._put(event, decision.snapshot)

    def _evidence(self, decision: Decision) -> LivenessEvidence | None:
        """The liveness evidence that goes with this check-in/out (None: liveness off on its camera)."""
        if self.liveness is None or decision.kind not in _ATTENDANCE:
            return None
        return self.liveness(decision.camera, decision.track_id)

    def _add(self, event: Event, snapshot: Any) -> Event:
        """Store an event that no desk rule governs (unknown face, stage report), or queue it."""
        event = replace(event, uid=event.uid or str(uuid.uuid4()))
        if self.courier is None or not self.courier.must_queue:
            try:
                return self.gallery.events.add(event, snapshot=snapshot, actor=self.operator or "desk")
            except ServerUnreachableError:
                if self.courier is None:
                    raise
        return self._put(event, snapshot)

    def _put(self, event: Event, snapshot: Any, liveness: LivenessEvidence | None = None) -> Event:
        assert self.courier is not None
        relative = write_snapshot(self.gallery.paths.data, SNAPSHOT_DIR, snapshot) if snapshot is not None else None
        try:
            queued = self.courier.outbox.put(replace(event, snapshot=relative), resolve=event.kind in _ATTENDANCE,
                                             liveness=liveness)
        except BaseException:
            self.gallery.events.delete_files([relative] if relative else [])
            raise
        self.courier.queued_one()
        log.info("desk: %s queued (database server unreachable)", event.kind.value)
        return queued

    def _redeliver(self, event: Event, history: History) -> EventKind | None:
        """The desk rules again, at delivery, against the server's events (the courier's thread)."""
        assert event.person_id is not None
        decision = Decision(event.kind, event.time.astimezone(timezone.utc), self.desk.local_day(event.time),
                            event.camera, 0, event.person_id, event.name, event.score, event.margin, 1)
        return self.desk.resolve(decision, history)


def crop(image: np.ndarray | None, box: tuple[float, float, float, float],
         margin: float = EVIDENCE_MARGIN) -> np.ndarray | None:
    """The face with some context, as evidence (a copy: the frame buffer is reused)."""
    if image is None:
        return None
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if w <= 0 or h <= 0:
        return image.copy()
    height, width = image.shape[:2]
    left, top = max(int(x1 - margin * w), 0), max(int(y1 - margin * h), 0)
    right, bottom = min(int(x2 + margin * w), width), min(int(y2 + margin * h), height)
    return image[top:bottom, left:right].copy()
