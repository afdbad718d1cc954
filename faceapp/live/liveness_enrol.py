"""Enrolment refuses spoofs: a photographed print or screen in a photo file, or a camera capture not judged live.

The live score of a photo *file* is compared with :data:`ENROL_PHOTO_THRESHOLD`; faces captured from
the live view carry their presentation's evidence (:mod:`faceapp.live.liveness_capture`), judged as a
track is judged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from faceapp.errors import SpoofSuspectedError
from faceapp.live.liveness_stage import LivenessConfig, uses_liveness
from faceapp.store.liveness import LivenessEvidence
from faceapp.vision.liveness import DEFAULT_THRESHOLD, LivenessModel

#: Live score below which a photo *file* is refused at enrolment. Lower than the live threshold on
#: purpose: press and ID photos are photos of people, not of prints. Measured
#: (``benchmarks/bench_liveness.py --only enrolment``): 0.05 refuses 1.5 % of the 1,181 lfw-dev photos
#: and 0.4 % of the 1,191 celeba-dev photos, and 99.5 % of the 221 nuaa-dev printed-photo frames.
ENROL_PHOTO_THRESHOLD = 0.05


class SpoofCheck:
    """An enrolment refusal hook (:data:`faceapp.store.enrol.FaceCheck`): refuse a photographed print or screen."""

    def __init__(self, model: LivenessModel | Callable[[], LivenessModel],
                 threshold: float = ENROL_PHOTO_THRESHOLD, capture_threshold: float = DEFAULT_THRESHOLD) -> None:
        self._model = model
        self.threshold = threshold
        self.capture_threshold = capture_threshold  # a camera capture is judged as a track (named in refusals)

    def __call__(self, image: np.ndarray, faces: Any, index: int) -> None:
        if callable(self._model) and not isinstance(self._model, LivenessModel):
            self._model = self._model()
        score = float(self._model.scores(image, faces.boxes[index][None])[0])
        if score < self.threshold:
            raise SpoofSuspectedError(spoof_message(score, self.threshold), score, self.threshold)

    def check_capture(self, evidence: Sequence[LivenessEvidence | None] | None, count: int) -> None:
        """Refuse faces captured from a camera unless each one's presentation was judged live there.

        ``evidence`` holds one :class:`LivenessEvidence` per captured face (see
        :mod:`faceapp.live.liveness_capture`); mode ``off`` means that camera does not check liveness.
        """
        if evidence is None or len(evidence) != count or any(e is None for e in evidence):
            raise SpoofSuspectedError("the captured faces were not checked for liveness, which is in use; "
                                      "capture them again from the live view", float("nan"), self.capture_threshold)
        for item in evidence:
            if item is None or item.mode == "off" or item.verdict == "live":
                continue
            score = float("nan") if item.score is None else item.score
            if item.verdict == "spoof":
                raise SpoofSuspectedError(spoof_message(score, item.threshold, item.frames), score, item.threshold)
            raise SpoofSuspectedError(f"a captured face was not yet judged live ({item.frames} frames scored); "
                                      "capture it again from the live view", score, item.threshold)


def spoof_message(score: float, threshold: float, frames: int = 0) -> str:
    """Why a face is refused at enrolment as a spoof (the same words for photos and camera capture)."""
    over = f" over {frames} frames" if frames else ""
    return (f"the face looks like a photo of a photo or of a screen (live score {score:.3f} < {threshold:.2f}{over}); "
            "enrol from an original photo or in front of the camera")


def enrolment_checks(core: Any) -> list[SpoofCheck]:
    """``[SpoofCheck]`` when the settings use liveness on some camera, else ``[]``."""
    if not uses_liveness(core.settings):
        return []
    provider, threads, user = core.pipeline.provider, core.settings.threads, core.paths.user_models

    def load() -> LivenessModel:
        from faceapp.vision.models import ModelRegistry

        return LivenessModel.open(ModelRegistry(user_dir=user), provider, threads)

    return [SpoofCheck(load, capture_threshold=LivenessConfig.from_settings(core.settings).policy.threshold)]
