"""Liveness of camera enrolment below the GUI: the probe's look and the enroller's capture check."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from faceapp.errors import ModelError, SpoofSuspectedError
from faceapp.live.liveness_capture import look_at
from faceapp.live.liveness_stage import liveness_stages
from faceapp.store.liveness import LivenessEvidence
from tests.live.test_liveness_e2e import frames, nuaa, open_core  # noqa: F401 - fixtures

pytestmark = pytest.mark.realdata


def test_the_probe_scores_the_face_only_where_liveness_is_on(open_core, nuaa) -> None:  # noqa: F811
    core = open_core("block")
    (stage,) = liveness_stages(core)
    service = core.live_service(stages=[stage])
    printed, live = (core.pipeline.load(frames(nuaa, label, "01")[2]) for label in ("spoof", "live"))
    scores = []
    for image in (printed, live):
        faces = core.pipeline.process(image, embed=False)
        look = look_at(service, image, faces.boxes[faces.largest()])
        assert look is not None and look.mode == "block" and look.policy == stage.config.policy
        scores.append(look.score)
    assert scores[0] < 0.5 <= scores[1]
    core.changes.publish(replace(core.settings, liveness_camera_modes={service.camera: "off"}))
    assert look_at(service, live, faces.boxes[faces.largest()]) is None  # this camera no longer checks

    def broken():
        raise ModelError("the liveness model file is damaged")

    core.changes.publish(replace(core.settings, liveness_mode="log", liveness_camera_modes={}))
    stage.model, stage._loader = None, broken
    look = look_at(service, live, faces.boxes[faces.largest()])
    assert look is not None and look.score is None and look.mode == "log"  # fails closed: nothing captured
    service.close()


def test_the_enroller_refuses_captures_not_judged_live(open_core, nuaa) -> None:  # noqa: F811
    core = open_core("log")
    enroller = core.enroller()
    person = core.gallery.add_person("Camera person")  # the face is Subject 0001's: accepted with force
    image = core.pipeline.load(frames(nuaa, "live", "01")[4])
    faces = core.pipeline.process(image, embed=False)
    chips = faces.chips[faces.largest()][None]
    quality = [dict(faces.quality[faces.largest()])]
    spoof = LivenessEvidence("spoof", 0.004, 0.5, "log", 4, "", (0.01, 0.0, 0.0, 0.01))
    refusals = {
        "unchecked": None,
        "spoof": [spoof],
        "pending": [replace(spoof, verdict="pending", score=0.9, frames=2)],
        "missing": [],
    }
    said = {"unchecked": "the captured faces were not checked for liveness", "missing": "the captured faces were not",
            "spoof": "the face looks like a photo of a photo or of a screen (live score 0.004 < 0.50 over 4 frames)",
            "pending": "a captured face was not yet judged live (2 frames scored)"}
    for why, evidence in refusals.items():
        with pytest.raises(SpoofSuspectedError) as caught:
            enroller.enrol_chips(person.id, chips, quality, liveness=evidence)
        assert str(caught.value).startswith(said[why]), why
        assert caught.value.threshold == 0.5
        if why in ("spoof", "pending"):
            assert caught.value.score == pytest.approx(refusals[why][0].score)
    assert not core.gallery.people.templates(person.id)  # nothing stored by any refusal
    live = LivenessEvidence("live", 0.99, 0.5, "log", 5, "", (0.99,) * 5)
    assert len(enroller.enrol_chips(person.id, chips, quality, liveness=[live], force=True).template_ids) == 1
    off = LivenessEvidence("pending", None, 0.5, "off", 0)  # that camera does not check liveness
    assert enroller.enrol_chips(person.id, np.flip(chips, 2).copy(), quality, liveness=[off], force=True).template_ids
