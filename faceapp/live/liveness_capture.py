"""Liveness of enrolment from the live view: the captured frames are judged as a track is judged.

While the enrolment dialog captures faces (``faceapp.ui.widgets.capture``), the recognition thread
scores the largest face of every probed frame with the passive model (:func:`look_at`). The panel
feeds the scores of one person's uninterrupted stay in front of the camera into a
:class:`Presentation` - the same :class:`~faceapp.vision.liveness_track.TrackEvidence` rule as a
live track - captures only while it says LIVE, and hands each captured face's evidence to
:meth:`faceapp.store.enrol.Enroller.enrol_chips`, whose spoof check refuses a SPOOF (or unchecked)
capture with the message of photo enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceapp.errors import FaceAppError
from faceapp.store.liveness import LivenessEvidence
from faceapp.vision.liveness_track import LiveVerdict, TrackEvidence, TrackPolicy


@dataclass(frozen=True)
class LiveLook:
    """One probed frame's liveness: the largest face's live score under the camera's mode and policy.

    ``score`` is ``None`` when the model could not be used (then nothing may be captured).
    """

    score: float | None
    policy: TrackPolicy
    mode: str  # "log" or "block" (a camera in mode off gets no look at all)


def look_at(service: object, image: np.ndarray, box: np.ndarray) -> LiveLook | None:
    """Score the face ``box`` of ``image`` for capture on ``service``'s camera (``None``: liveness off there).

    ``service`` is a :class:`~faceapp.live.service.LiveService`; its liveness stage (if any) gives
    the model, the camera's mode and the track policy, so capture follows settings edits like tracks.
    """
    from faceapp.live.liveness_stage import LivenessStage

    stage = next((s for s in getattr(service, "stages", ()) if isinstance(s, LivenessStage)), None)
    if stage is None:
        return None
    config = stage.config
    mode = config.mode_for(getattr(service, "camera", ""))
    if mode == "off":
        return None
    try:
        model = stage.load_model()
    except FaceAppError:
        return LiveLook(None, config.policy, mode)  # fail closed: the panel captures nothing
    score = float(model.scores(image, np.asarray(box, np.float32).reshape(1, 4))[0])
    return LiveLook(score, config.policy, mode)


class Presentation:
    """The live scores of one person's uninterrupted stay in front of the camera while capturing.

    Like a track, the verdict is PENDING for the first ``min_frames`` frames, then the lowest
    aggregated score so far decides: once SPOOF, the presentation stays SPOOF.
    """

    def __init__(self, policy: TrackPolicy, mode: str) -> None:
        self.policy = policy
        self.mode = mode
        self.evidence = TrackEvidence(policy)
        self.scores: list[float] = []
        self.unchecked = False  # a frame could not be scored (model unavailable)

    def add(self, look: LiveLook) -> LiveVerdict:
        """Take one probed frame's look; the verdict after it."""
        if look.score is None:
            self.unchecked = True
            return self.verdict
        self.scores = [*self.scores, look.score][-self.policy.window:]
        self.evidence.add(look.score)
        return self.verdict

    @property
    def verdict(self) -> LiveVerdict:
        return LiveVerdict.PENDING if self.unchecked else self.evidence.verdict

    @property
    def score(self) -> float | None:
        """The decision score (the lowest aggregated score), or the running score while PENDING."""
        decision = self.evidence.decision_score
        return decision if decision is not None else self.evidence.score

    def record(self) -> LivenessEvidence:
        """The evidence of a face captured in this presentation (passed on to enrolment)."""
        return LivenessEvidence(self.verdict.value, self.score, self.policy.threshold, self.mode,
                                self.evidence.frames, "", tuple(self.scores))


__all__ = ["LiveLook", "Presentation", "look_at"]
