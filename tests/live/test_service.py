"""The live service on real lfw-dev photos: check-ins independent of the frame rate, the stage hooks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceapp.live import Phase, Stage, StageOutcome, TrackContext
from faceapp.records import EventKind
from faceapp.services import Core
from tests.live.conftest import PERSON, MemoPipeline, lfw_photo

pytestmark = pytest.mark.realdata
T0 = 1_800_000_000.0  # synthetic frame clock: seconds since the epoch


def _play(service, image: np.ndarray, fps: float, seconds: float, start: float = T0, first: int = 0):
    results = []
    for i in range(int(fps * seconds)):
        results.append(service.process(image, start + i / fps, first + i))
    return results


@pytest.mark.parametrize("fps", [5, 10, 30])
def test_check_in_depends_on_time_not_on_the_frame_rate(core: Core, memo: MemoPipeline, lfw_dir: Path,
                                                        fps: int) -> None:
    service = core.live_service(pipeline=memo)
    image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    results = _play(service, image, fps, seconds=4.0)
    events = [e for r in results for e in r.events]
    assert [e.kind for e in events] == [EventKind.CHECK_IN]
    assert events[0].person_id == core.person_id  # type: ignore[attr-defined]
    assert events[0].time.timestamp() - T0 <= 1.0  # three looks, whatever the frame rate
    # once decided, the face is re-identified only now and then
    decided = next(i for i, r in enumerate(results) if r.events)
    later, remaining = sum(r.frame.embedded for r in results[decided + 1:]), len(results) - decided - 1
    policy = service.recognizer.policy
    assert later <= max(remaining / policy.every, remaining / fps / policy.refresh_seconds) + 1
    assert later < remaining / 2


def test_frame_count_policy_would_miss_the_slow_camera(core: Core, memo: MemoPipeline, lfw_dir: Path) -> None:
    """Today's rule (re-identify every 10th frame only) at 5 frames/s never gathers 3 looks in 2 s."""
    from faceapp.vision.tracker import EmbedPolicy

    class FirstRelease(EmbedPolicy):
        def wants(self, track, quality, frame, timestamp=None, look=None) -> bool:
            return track.last_embedded is None or frame - track.last_embedded >= self.every

    service = core.live_service(pipeline=memo)
    service.recognizer.policy = FirstRelease(every=10)
    image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    assert not [e for r in _play(service, image, 5, seconds=4.0) for e in r.events]


class Spoof(Stage):
    name, phase = "liveness", Phase.GATE

    def __init__(self) -> None:
        self.seen: list[TrackContext] = []
        self.forgotten: set[int] = set()

    def __call__(self, ctx: TrackContext) -> StageOutcome:
        self.seen.append(ctx)
        return StageOutcome({"liveness": 0.1}, veto="spoof suspected", report=EventKind.REJECTED)

    def forget(self, track_ids) -> None:
        self.forgotten |= set(track_ids)


class Door(Stage):
    name, phase = "door", Phase.DECISION

    def __init__(self) -> None:
        self.granted: list[tuple[int, int, tuple]] = []

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        if ctx.confirmed is None:
            return None
        self.granted.append((ctx.track_id, ctx.confirmed, ctx.events))
        return StageOutcome({"access": "granted", "door": "front"})


class Broken(Stage):
    name = "broken"

    def __call__(self, ctx: TrackContext) -> StageOutcome:
        raise RuntimeError("a bug in a stage")


def test_gate_vetoes_check_in_and_reports_once(core: Core, memo: MemoPipeline, lfw_dir: Path) -> None:
    spoof = Spoof()
    service = core.live_service(pipeline=memo, stages=[spoof])
    image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    results = _play(service, image, 10, seconds=3.0)
    events = [e for r in results for e in r.events]
    assert [e.kind for e in events] == [EventKind.REJECTED]  # no check-in, one report per track
    assert events[0].note == "liveness: spoof suspected" and events[0].snapshot is not None
    assert core.gallery.events.snapshot_path(events[0]).is_file()
    assert all(f.extras == {"liveness": 0.1} for r in results for f in r.frame.faces)
    ctx = spoof.seen[0]
    assert ctx.chip().shape == (112, 112, 3) and ctx.landmarks.shape == (5, 2) and ctx.model == memo.info.embedder
    assert ctx.identification is not None and ctx.identification.person_id == core.person_id  # type: ignore[attr-defined]
    # the track ends when the face leaves: stages are told
    blank = np.zeros_like(image)
    _play(service, blank, 10, seconds=1.0, start=T0 + 3.0, first=30)
    assert spoof.forgotten == {ctx.track_id}


def test_decision_stage_sees_the_confirmed_person_also_within_the_cooldown(core: Core, memo: MemoPipeline,
                                                                          lfw_dir: Path) -> None:
    door = Door()
    service = core.live_service(pipeline=memo, stages=[Broken(), door])
    image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    results = _play(service, image, 10, seconds=2.0)
    (check_in,) = [e for r in results for e in r.events]
    _track, person, events = door.granted[0]
    assert person == core.person_id and events == (check_in,)  # type: ignore[attr-defined]
    assert results[-1].frame.faces[0].extras == {"access": "granted", "door": "front"}
    # a second desk process-like service within the cooldown: no check-in, but the door still opens
    again = Door()
    second = core.live_service(pipeline=memo, stages=[again], first_track_id=service.next_track_id)
    assert not [e for r in _play(second, image, 10, 2.0, start=T0 + 30) for e in r.events]
    assert again.granted and again.granted[0][1] == core.person_id and again.granted[0][2] == ()  # type: ignore[attr-defined]


@pytest.mark.parametrize("fps", [2, 5, 10])
def test_next_photo_in_the_same_place_is_named_at_once_and_checked_in(core: Core, memo: MemoPipeline,
                                                                    lfw_dir: Path, fps: int) -> None:
    """A slideshow: the next person's face takes the tracked place; no stale name, both checked in."""
    hugo = core.gallery.add_person("Hugo Chavez").id
    for number in (1, 2):
        core.enroller().enrol_photo(hugo, lfw_photo(lfw_dir, "Hugo_Chavez", number))
    service = core.live_service(pipeline=memo)
    tom_image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    hugo_image = core.pipeline.load(lfw_photo(lfw_dir, "Hugo_Chavez", 5))
    first = _play(service, tom_image, fps, seconds=2.0)
    second = _play(service, hugo_image, fps, seconds=2.0, start=T0 + 2.0, first=len(first))
    assert second[0].frame.faces[0].person_id == hugo  # re-identified on its first frame
    checked = [(e.kind, e.person_id) for r in first + second for e in r.events]
    assert checked == [(EventKind.CHECK_IN, core.person_id), (EventKind.CHECK_IN, hugo)]  # type: ignore[attr-defined]
