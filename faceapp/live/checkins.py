"""Check-ins: tracked looks → desk decisions → events stored with their evidence crop.

The desk (consensus, cooldown, in/out) runs in memory; the cooldown and in/out are checked again
inside the ``BEGIN IMMEDIATE`` transaction that writes each check-in/out (:meth:`Events.add_resolved`
with :meth:`Desk.resolve`), so desks in other processes on the same data folder count too. A
person deleted meanwhile (by another process) is logged and skipped, never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from faceapp.attendance import Decision, Desk, DeskRules, Observation
from faceapp.errors import PersonNotFoundError
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.vision.tracker import Sighting

log = logging.getLogger(__name__)

EVIDENCE_MARGIN = 0.4  # the crop around a face kept as evidence, in face widths/heights


@dataclass
class CheckIns:
    """Feeds looks to the desk and stores what it decides, with the evidence crop.

    Attributes:
        recorded: every event stored so far (in order).
        track_events: the events of the latest :meth:`observe` call, by track id.
    """

    gallery: Gallery
    desk: Desk
    camera: str
    zone: str
    operator: str | None = None
    recorded: list[Event] = field(default_factory=list)
    track_events: dict[int, list[Event]] = field(default_factory=dict)

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
        stored = self.gallery.events.add(event, snapshot=crop(image, sighting.box), actor=self.operator or "desk")
        self.recorded.append(stored)
        return stored

    def _store(self, decisions: Iterable[Decision]) -> list[Event]:
        events = []
        for decision in decisions:
            try:
                event = self._store_one(decision)
            except PersonNotFoundError:
                log.warning("desk: person %s was removed meanwhile; event not recorded", decision.person_id)
                continue
            if event is not None:
                events.append(event)
        self.recorded.extend(events)
        return events

    def _store_one(self, decision: Decision) -> Event | None:
        actor = self.operator or "desk"
        if decision.person_id is None:
            event = decision.to_event(self.zone, operator=self.operator)
            return self.gallery.events.add(event, snapshot=decision.snapshot, actor=actor)
        person = self.gallery.people.get(decision.person_id)
        event = decision.to_event(self.zone, person=person, operator=self.operator)
        if decision.kind not in (EventKind.CHECK_IN, EventKind.CHECK_OUT):
            return self.gallery.events.add(event, snapshot=decision.snapshot, actor=actor)
        decided: dict[str, EventKind | None] = {}

        def resolve(history: list[tuple[datetime, EventKind, str]]) -> EventKind | None:
            decided["kind"] = self.desk.resolve(decision, history)
            return decided["kind"]

        stored = self.gallery.events.add_resolved(event, resolve, snapshot=decision.snapshot, actor=actor)
        self.desk.note_recorded(decision.person_id, decided.get("kind"), decision.time, decision.kind)
        if stored is None:
            log.info("desk: person %s was recorded by another desk moments ago; not recorded again",
                     decision.person_id)
        return stored


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
