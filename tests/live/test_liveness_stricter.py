"""A liveness settings edit that makes liveness stricter applies to the tracks in front of the camera.

A real nuaa-dev live frame (subject 0001, session 02, cropped to the subject) scores 0.845: live at
the default threshold (0.5), spoofed at 0.95 (target BPCER 2 %). The desk needs 5 looks, so the
track is judged live two looks before it could check in; the edit comes in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Settings
from faceapp.live.liveness_stage import LivenessStage, liveness_stages
from faceapp.live.service import LiveService
from faceapp.records import EventKind
from faceapp.services import Core
from faceapp.vision.liveness_track import LiveVerdict
from faceapp.vision.pipeline import FacePipeline
from tests.live.test_liveness_e2e import frames, nuaa  # noqa: F401 - fixture

pytestmark = pytest.mark.realdata
T0 = 1_800_000_000.0
ATTENDANCE = (EventKind.CHECK_IN, EventKind.CHECK_OUT)


class Desk:
    """A block-mode desk with the subject enrolled, its liveness stage and live service."""

    def __init__(self, folder: Path, pipeline: FacePipeline, nuaa: Path) -> None:  # noqa: F811
        settings = replace(Settings(provider="cpu"), liveness_mode="block",
                           desk_rules={"consensus_frames": 5, "consensus_window": 8})
        self.core = Core.open(folder, pipeline=pipeline, settings=settings)
        person = self.core.gallery.add_person("Subject 0001")
        live = frames(nuaa, "live", "01")
        for path in (live[0], live[len(live) // 2]):
            self.core.enroller().enrol_photo(person.id, path)
        self.person_id = person.id
        (self.stage,) = liveness_stages(self.core)
        assert isinstance(self.stage, LivenessStage)
        self.service: LiveService = self.core.live_service(stages=[self.stage])
        self.stage.bind(self.service)
        self.image = np.ascontiguousarray(pipeline.load(frames(nuaa, "live", "02")[0])[:, 190:])
        self.results: list = []

    def play(self, count: int) -> list:
        """``count`` more frames at 10 fps; their results."""
        start = len(self.results)
        self.results += [self.service.process(self.image, T0 + i / 10, i) for i in range(start, start + count)]
        return self.results[start:]

    def edit(self, **changes: object) -> None:
        self.core.changes.publish(replace(self.core.settings, **changes))

    def events(self, *kinds: EventKind) -> list:
        return [e for e in self.core.gallery.events.list() if e.kind in kinds]

    def close(self) -> None:
        self.service.close()
        self.core.close()


@pytest.fixture()
def desk(basedir: Path, pipeline: FacePipeline, nuaa: Path) -> Iterator[Desk]:  # noqa: F811
    made = Desk(basedir / "desk", pipeline, nuaa)
    yield made
    made.close()


def _judged_live_not_checked_in(desk: Desk) -> int:
    desk.play(3)
    (face,) = desk.results[-1].frame.faces
    assert desk.stage.verdict(face.track_id) is LiveVerdict.LIVE
    assert 0.5 <= face.extras["liveness"] < 0.95
    assert not desk.events(*ATTENDANCE)
    return face.track_id


def refused_at_time_up(desk: Desk, track: int) -> None:
    """No check-in; the track spoofed, reported once as a challenge not completed in time."""
    assert not [e for r in desk.results for e in r.events if e.kind in ATTENDANCE]
    assert desk.stage.verdict(track) is LiveVerdict.SPOOF
    (spoof,) = desk.events(EventKind.REJECTED)
    assert "challenge not completed in time" in spoof.note


def test_a_higher_threshold_re_decides_a_track_judged_live(desk: Desk) -> None:
    track = _judged_live_not_checked_in(desk)
    desk.edit(liveness_target_bpcer=0.02)  # threshold 0.5 -> 0.95
    assert desk.stage.verdict(track) is LiveVerdict.SPOOF  # at once, from its kept scores
    later = desk.play(15)
    assert all(f.extras["live"] == "spoof" for r in later for f in r.frame.faces)
    assert not [e for r in desk.results for e in r.events if e.kind in ATTENDANCE]
    (spoof,) = desk.events(EventKind.REJECTED)  # reported once, as any spoof
    assert spoof.person_id == desk.person_id and "< 0.95" in spoof.note


def test_a_challenge_switched_on_applies_to_a_track_not_yet_checked_in(desk: Desk) -> None:
    track = _judged_live_not_checked_in(desk)
    desk.edit(liveness_challenge="blink", liveness_challenge_seconds=1.0)
    assert desk.stage.verdict(track) is LiveVerdict.PENDING
    later = desk.play(17)  # the same still frame: no blink
    assert later[0].frame.faces[0].extras["challenge"] == ["blink"]
    refused_at_time_up(desk, track)


def test_a_challenge_asking_more_applies_to_a_challenge_in_progress(desk: Desk) -> None:
    track = _judged_live_not_checked_in(desk)
    desk.edit(liveness_challenge="blink", liveness_challenge_seconds=1.0)
    assert desk.play(2)[-1].frame.faces[0].extras["challenge"] == ["blink"]
    desk.edit(liveness_challenge="blink+turn", liveness_challenge_seconds=1.0)
    later = desk.play(15)  # the same still frame: neither a blink nor a turn
    assert later[0].frame.faces[0].extras["challenge"] == ["blink", "turn"]  # asked at once, not after this one
    assert later[0].frame.faces[0].extras["challenge_turn"] in ("left", "right")
    refused_at_time_up(desk, track)


def test_a_shorter_time_limit_applies_to_a_challenge_in_progress(desk: Desk) -> None:
    track = _judged_live_not_checked_in(desk)
    desk.edit(liveness_challenge="blink", liveness_challenge_seconds=30.0)
    desk.play(5)  # half a second of a still face: no blink, well within 30 s
    assert desk.stage.verdict(track) is LiveVerdict.PENDING
    desk.edit(liveness_challenge="blink", liveness_challenge_seconds=1.0)
    later = desk.play(8)  # 1.3 s after the challenge started: up under the new limit, not the old one
    assert later[-1].frame.faces[0].extras["live"] == "spoof"
    refused_at_time_up(desk, track)


def test_a_track_already_checked_in_is_not_challenged(desk: Desk) -> None:
    desk.play(6)
    (checkin,) = desk.events(*ATTENDANCE)
    assert checkin.person_id == desk.person_id
    track = desk.results[-1].frame.faces[0].track_id
    desk.edit(liveness_challenge="blink", liveness_challenge_seconds=1.0)
    later = desk.play(15)
    assert all("challenge" not in f.extras for r in later for f in r.frame.faces)
    assert desk.stage.verdict(track) is LiveVerdict.LIVE and not desk.events(EventKind.REJECTED)


def test_a_looser_threshold_does_not_apply_to_a_track_in_progress(desk: Desk) -> None:
    desk.edit(liveness_target_bpcer=0.02)  # 0.95 from the start: the track is spoofed
    desk.play(3)
    track = desk.results[-1].frame.faces[0].track_id
    assert desk.stage.verdict(track) is LiveVerdict.SPOOF
    desk.edit(liveness_target_bpcer=0.0)  # back to 0.5: new tracks only
    desk.play(10)
    assert desk.stage.verdict(track) is LiveVerdict.SPOOF
    assert not [e for r in desk.results for e in r.events if e.kind in ATTENDANCE]
