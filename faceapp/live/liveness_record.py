"""Check-ins carry their liveness: the evidence a track had when the desk checked it in or out.

In **log** mode nothing is held back, so a check-in may be let through although its track was
judged spoofed. :class:`CheckinLiveness` is a DECISION-phase stage (after the desk) that the
liveness stage adds to every live service it is bound to: for each check-in or check-out stored
on a track it writes one ``liveness`` row (verdict, score, threshold, mode, frames, frame scores)
for that event, so a manager sees afterwards that a check-in was judged spoofed but let through
(the Attendance page marks it "spoof suspected (logged)"). In block mode the row records the LIVE
verdict the check-in was let through on. Cameras in mode off get no row.

The row is written in its own transaction right after the desk stored the event. A check-in queued
while a shared server is unreachable (no id yet) keeps its evidence in the desk's outbox and gets
its row when it is delivered.
"""

from __future__ import annotations

import logging
from typing import Any

from faceapp.live.stages import Phase, StageOutcome, TrackContext
from faceapp.records import EventKind
from faceapp.store.liveness import attach

log = logging.getLogger(__name__)

ATTENDANCE = (EventKind.CHECK_IN, EventKind.CHECK_OUT)


class CheckinLiveness:
    """Attaches the track's liveness evidence to the check-ins and check-outs stored on it.

    Args:
        stage: the :class:`~faceapp.live.liveness_stage.LivenessStage` whose verdicts are recorded.
    """

    name = "liveness_record"
    phase = Phase.DECISION

    def __init__(self, stage: Any) -> None:
        self.stage = stage
        self.recorded: list[int] = []  # event ids that got a row (for tests and logs)

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        ids = [e.id for e in ctx.events if e.kind in ATTENDANCE and e.id is not None]
        queued = [e for e in ctx.events if e.kind in ATTENDANCE and e.id is None and e.uid]
        store = self.stage.events
        if not (ids or queued) or store is None:
            return None
        mode = self.stage.config.mode_for(ctx.camera)
        if mode == "off":
            return None
        evidence = self.stage.evidence_of(ctx.track_id, mode)
        if evidence is None:  # never scored (the model failed): nothing to show
            return None
        checkins = getattr(getattr(self.stage, "_service", None), "checkins", None)
        try:
            if checkins is not None:
                for event in queued:
                    checkins.attach_liveness(event, evidence)
            if ids:
                with store.database.transaction() as db:
                    for event_id in ids:
                        attach(db, event_id, evidence)
        except Exception:  # storage trouble must not stop recognition
            log.exception("liveness: could not record the evidence of track %d's check-in", ctx.track_id)
            return None
        self.recorded.extend(ids)
        if evidence.verdict == "spoof":
            log.warning("liveness: track %d on %s checked in although judged spoofed (mode %s)",
                        ctx.track_id, ctx.camera, mode)
        return None
