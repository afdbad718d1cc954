"""Check-ins carry their liveness: the evidence a track had when the desk checked it in or out.

In **log** mode nothing is held back, so a check-in may be let through although its track was
judged spoofed. For each check-in or check-out of a track on a camera in log or block mode, one
``liveness`` row (verdict, score, threshold, mode, frames, frame scores) is stored for that event,
so a manager sees afterwards that a check-in was judged spoofed but let through (the Attendance page
marks it "spoof suspected (logged)"). In block mode the row records the LIVE verdict the check-in
was let through on. Cameras in mode off get no row. A track never scored (the liveness model could
not be used) gets a ``pending`` row with no score: "not judged" is said, not left to look clean.

The row is written **in the same transaction as the event** (:meth:`Events.add_resolved`'s
``with_event``), or queued with it in the desk's outbox while a shared server is unreachable (and
then stored with it on delivery): :class:`CheckinLiveness` gives the desk's
:class:`~faceapp.live.checkins.CheckIns` the hook (:meth:`CheckinLiveness.evidence`) that answers
a track's evidence at the moment its check-in is written. As a DECISION-phase stage it then only
logs a check-in let through although judged spoofed.
"""

from __future__ import annotations

import logging
from typing import Any

from faceapp.live.stages import Phase, StageOutcome, TrackContext
from faceapp.records import EventKind
from faceapp.store.liveness import LivenessEvidence

log = logging.getLogger(__name__)

ATTENDANCE = (EventKind.CHECK_IN, EventKind.CHECK_OUT)


class CheckinLiveness:
    """Gives the check-ins and check-outs of a track its liveness evidence, stored atomically with them.

    Args:
        stage: the :class:`~faceapp.live.liveness_stage.LivenessStage` whose verdicts are recorded;
            when it is bound to a live service, that service's desk gets :meth:`evidence` as its hook.
    """

    name = "liveness_record"
    phase = Phase.DECISION

    def __init__(self, stage: Any) -> None:
        self.stage = stage
        self.recorded: list[int] = []  # stored event ids that carry a row (for tests and logs)
        self.install(getattr(getattr(stage, "_service", None), "checkins", None))

    def install(self, checkins: Any) -> None:
        """Make ``checkins`` (a :class:`~faceapp.live.checkins.CheckIns`) store this evidence with each check-in."""
        if checkins is not None and getattr(checkins, "liveness", None) is not self.evidence:
            checkins.liveness = self.evidence

    def evidence(self, camera: str, track_id: int) -> LivenessEvidence | None:
        """The evidence to store with a check-in of ``track_id`` on ``camera`` now (None: mode off there)."""
        config = self.stage.config
        mode = config.mode_for(camera)
        if mode == "off":
            return None
        found = self.stage.evidence_of(track_id, mode)
        if found is None:  # never scored (the model could not be used): say "not judged"
            return LivenessEvidence("pending", None, config.policy.threshold, mode, 0)
        return found

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        self.install(getattr(getattr(self.stage, "_service", None), "checkins", None))
        checkins = [e for e in ctx.events if e.kind in ATTENDANCE]
        mode = self.stage.config.mode_for(ctx.camera)
        if not checkins or mode == "off":
            return None
        self.recorded.extend(e.id for e in checkins if e.id is not None)
        evidence = self.stage.evidence_of(ctx.track_id, mode)
        if evidence is not None and evidence.verdict == "spoof":
            log.warning("liveness: track %d on %s checked in although judged spoofed (mode %s)",
                        ctx.track_id, ctx.camera, mode)
        return None
