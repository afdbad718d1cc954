"""The door stage: a DECISION stage of the live service that decides access and drives the door output.

Per track it waits for enough evidence, then decides once (per person) and records the decision
in the access journal (with the evidence crop and scores; anti-passback in the journal's
transaction); a grant queues a pulse on the door's output worker, off the recognition thread.

Evidence: a person is taken as recognised when the attendance desk confirmed them on the track
(``ctx.confirmed``) or after ``looks`` fresh ACCEPT looks of the same person; a face is denied as
``unknown``/``uncertain`` after ``looks`` fresh looks of that kind with no accepted one. At a door
that requires liveness, the liveness stage's verdict (``extras["live"]``) is awaited while
``"pending"``; ``"spoof"`` (or no liveness stage at all) denies with ``spoof``.

The track's extras carry ``door``, ``decision`` (``"grant"``/``"deny"``) and ``reason`` (the
reason code) for the overlay and ``faceapp recognize --json``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from faceapp.access.decide import Request
from faceapp.access.journal import AccessEvent, Journal
from faceapp.access.model import Decision, Door, Reason
from faceapp.access.outputs import Pulse
from faceapp.access.outputs.worker import OutputWorker
from faceapp.live.checkins import crop
from faceapp.live.stages import Phase, Stage, StageOutcome, TrackContext
from faceapp.records import EventKind, Identification, Verdict

log = logging.getLogger(__name__)


@dataclass
class _TrackState:
    looks: Counter[tuple[Verdict, int | None]] = field(default_factory=Counter)
    best: dict[int | None, Identification] = field(default_factory=dict)
    decided: set[int | None] = field(default_factory=set)


class AccessStage(Stage):
    """Decides one door for the faces of one camera.

    Args:
        journal: the access journal (its store gives the door, levels and people).
        door: the door's name or id.
        worker: the output worker (started when needed); faults are recorded as door-fault events.
        looks: fresh looks needed before deciding.
        repeat_seconds: a person granted at this door is not granted (and pulsed) again within this time.
        use_desk: the live service runs the attendance desk: a person counts as recognised only once
            the desk confirmed them, and the desk's check-in is the pass's attendance event (linked,
            never recorded twice); without a desk the journal records it for doors that record attendance.
    """

    name = "access"
    phase = Phase.DECISION

    def __init__(self, journal: Journal, door: str | int, worker: OutputWorker | None = None, *,
                 looks: int = 3, repeat_seconds: float = 10.0, use_desk: bool = False) -> None:
        self.journal = journal
        self.door_id = journal.store.door(door).id
        self.worker = worker or OutputWorker()
        if self.worker.on_fault is None:
            self.worker.on_fault = self._fault
        self.looks = max(int(looks), 1)
        self.use_desk = use_desk
        self.repeat = timedelta(seconds=repeat_seconds)
        self.decisions: list[tuple[Decision, AccessEvent]] = []
        self._tracks: dict[int, _TrackState] = {}
        self._granted: dict[int, datetime] = {}

    @property
    def door(self) -> Door:
        return self.journal.store.door(self.door_id)

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        state = self._tracks.setdefault(ctx.track_id, _TrackState())
        ident = ctx.identification
        if ctx.fresh and ident is not None:
            key = (ident.verdict, ident.person_id if ident.verdict is Verdict.ACCEPT else None)
            state.looks[key] += 1
            best = state.best.get(key[1])
            if best is None or ident.score > best.score:
                state.best[key[1]] = ident
        subject_id, verdict = self._evidence(ctx, state)
        if verdict is None or subject_id in state.decided:
            return None
        live = ctx.extras.get("live")
        door = self.door
        if door.requires_liveness and str(live).lower() == "pending":
            return None
        state.decided.add(subject_id)
        at = datetime.fromtimestamp(ctx.timestamp, timezone.utc)
        decision, event = self._decide(ctx, door, subject_id, verdict, at, state)
        if decision is None:
            return None
        if decision.granted and decision.reason is not Reason.EMERGENCY_UNLOCK:
            self._granted[decision.person_id or 0] = at
            self.worker.submit(door, Pulse(door.name, door.pulse_ms, decision.name or "", decision.person_id,
                                           decision.reason.value, time=at))
        return StageOutcome(extras={"door": door.name, "decision": decision.decision,
                                    "reason": decision.reason.value, "access_event": event.id if event else None})

    def _evidence(self, ctx: TrackContext, state: _TrackState) -> tuple[int | None, Verdict | None]:
        """Who is at the door on this track (not yet decided), or ``(None, None)`` while unsure."""
        if ctx.confirmed is not None and ctx.confirmed not in state.decided:
            return ctx.confirmed, Verdict.ACCEPT
        for (verdict, person), count in state.looks.most_common():
            if verdict is Verdict.ACCEPT and count >= self.looks and person not in state.decided and not self.use_desk:
                return person, verdict
        accepted = any(v is Verdict.ACCEPT for v, _ in state.looks)
        for verdict in (Verdict.UNKNOWN, Verdict.UNCERTAIN):
            if not accepted and state.looks[(verdict, None)] >= self.looks:
                return None, verdict
        return None, None

    def _decide(self, ctx: TrackContext, door: Door, person_id: int | None, verdict: Verdict, at: datetime,
                state: _TrackState) -> tuple[Decision | None, AccessEvent | None]:
        if person_id is not None:
            last = self._granted.get(person_id)
            if last is not None and timedelta(0) <= at - last < self.repeat:
                return None, None  # the same person still at the door: already let through
        store = self.journal.store
        subject = store.subject(person_id) if person_id is not None else None
        ident = state.best.get(person_id if verdict is Verdict.ACCEPT else None)
        live = ctx.extras.get("live")
        score = ctx.extras.get("liveness")
        request = Request(door, at, verdict if subject is not None or verdict is not Verdict.ACCEPT
                          else Verdict.UNKNOWN, subject,
                          ident.score if ident else None, ident.margin if ident else None,
                          None if live is None else str(live).lower() == "live",
                          float(score) if isinstance(score, (int, float)) else None)
        linked = next((e.id for e in ctx.events if e.person_id == person_id and e.id is not None
                       and e.kind in (EventKind.CHECK_IN, EventKind.CHECK_OUT)), None)
        decision, event = self.journal.record(request, camera=ctx.camera, snapshot=crop(ctx.image, ctx.box),
                                              attendance_event_id=linked, record_attendance=not self.use_desk)
        self.decisions.append((decision, event))
        log.info("door %s: %s (%s)", door.name, decision.decision, decision.reason.value)
        return decision, event

    def _fault(self, door: Door, message: str) -> None:
        self.journal.fault(door, message)

    def forget(self, track_ids: Collection[int]) -> None:
        for track_id in track_ids:
            self._tracks.pop(track_id, None)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (within ``timeout``) and stop the output thread."""
        self.worker.stop(timeout)


def access_stage(core: Any, door: str, use_desk: bool = False) -> AccessStage:
    """The door stage on a :class:`~faceapp.services.Core` (its database, zone and data folder)."""
    from faceapp.access.store import AccessStore

    store = AccessStore(core.gallery.database, core.zone)
    return AccessStage(Journal(store, core.paths.data), door, use_desk=use_desk)


def stages_for_camera(core: Any, camera: str) -> list[AccessStage]:
    """A door stage for each door watched by ``camera`` (the GUI's live sessions, which run the desk)."""
    from faceapp.access.store import AccessStore

    store = AccessStore(core.gallery.database, core.zone)
    journal = Journal(store, core.paths.data)
    return [AccessStage(journal, door.id, use_desk=True) for door in store.doors_for_camera(camera)]
