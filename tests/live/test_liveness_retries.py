"""A person just suspected of a spoof is asked more head turns on the next try (real photos, live service).

Bob Graham, lfw-dev photo 5 frontal, photo 4 turned to his own left, its mirror image turned to his
right (see ``test_liveness_turn.py``). Each try is a new track (as after stepping out of view).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.live.liveness_retries import RecentSpoofs, RetryPolicy
from faceapp.live.liveness_stage import build_liveness_stage
from faceapp.records import Event, EventKind
from faceapp.services import Core
from faceapp.store.liveness import SPOOF_NOTE
from faceapp.vision.liveness_track import TurnDirection
from faceapp.vision.pipeline import FacePipeline
from tests.live.test_liveness_stage import T0, core_factory, photo, play  # noqa: F401 - fixture
from tests.live.test_liveness_turn import NAME, bob, checkins
from tests.live.test_liveness_turn import frames as left_turn
from tests.vision.test_turn_sequence import drawing_sides

pytestmark = pytest.mark.realdata
L, R = TurnDirection.LEFT, TurnDirection.RIGHT


def attempt(core: Core, images: list[np.ndarray], start: float, rng: random.Random) -> list:
    """One try in front of the desk (a new track, as after stepping out of view); its results."""
    return play(core, images, rng=rng, start=start)[1]


def left_then_right(pipeline: FacePipeline, lfw_dir: Path) -> list[np.ndarray]:
    frontal, turned = (pipeline.load(photo(lfw_dir, n, NAME)) for n in (5, 4))
    mirrored = np.ascontiguousarray(turned[:, ::-1])
    return [frontal] * 3 + [turned] * 3 + [frontal] * 3 + [mirrored] * 4


def test_after_a_failed_turn_the_next_try_needs_two(core_factory, pipeline: FacePipeline,  # noqa: F811
                                                    lfw_dir: Path) -> None:
    core = core_factory(liveness_mode="block", liveness_challenge="turn", liveness_challenge_seconds=3.0)
    person_id = bob(core, lfw_dir)
    one_turn = left_turn(pipeline, lfw_dir)
    # 1st try: asked right, he turns left: refused, one spoof event
    first = attempt(core, one_turn, T0, drawing_sides([R]))
    assert not checkins(first) and first[0].frame.faces[0].extras["challenge_turns"] == 1
    # 2nd try a minute later, asked left first: the left turn is not enough any more
    second = attempt(core, one_turn, T0 + 60, drawing_sides([L, R]))
    turns = [r.frame.faces[0].extras.get("challenge_turns") for r in second]
    assert turns[0] == 2 and turns[-1] == 1 and not checkins(second)
    assert second[-1].frame.faces[0].extras["challenge_turn"] == "centre"  # waiting for him to face the camera
    # 3rd try: left, back to the front, right: checked in after the second turn
    third = attempt(core, left_then_right(pipeline, lfw_dir), T0 + 120, drawing_sides([L, R]))
    done = checkins(third)
    assert [p for _, p in done] == [person_id] and done[0][0] >= 9
    rejected = [e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]
    assert len(rejected) == 1 and rejected[0].person_id == person_id


def test_a_settings_edit_keeps_the_time_of_the_added_turns(core_factory, pipeline: FacePipeline,  # noqa: F811
                                                            lfw_dir: Path) -> None:
    core = core_factory(liveness_mode="block", liveness_challenge="turn", liveness_challenge_seconds=3.0)
    bob(core, lfw_dir)
    one_turn = left_turn(pipeline, lfw_dir)
    attempt(core, one_turn, T0, drawing_sides([R]))  # refused: the next try asks two turns, 6 s
    stage = build_liveness_stage(core, rng=drawing_sides([L, R]))
    service = core.live_service(stages=[stage])
    stage.bind(service)
    try:
        first = service.process(one_turn[0], T0 + 60, 0)
        assert first.frame.faces[0].extras["challenge_left"] == 6.0
        core.changes.publish(replace(core.settings, desk_name="front desk"))  # an unrelated edit
        later = service.process(one_turn[1], T0 + 60.5, 1)
        assert later.frame.faces[0].extras["challenge_left"] == 5.5
        core.changes.publish(replace(core.settings, liveness_challenge_seconds=2.0))  # shorter: 2 s a turn
        shorter = service.process(one_turn[2], T0 + 61, 2)
        assert shorter.frame.faces[0].extras["challenge_left"] == 3.0
    finally:
        service.close()



def test_a_challenge_restarted_by_an_edit_still_asks_the_added_turns(core_factory, pipeline: FacePipeline,  # noqa: F811
                                                                     lfw_dir: Path) -> None:
    core = core_factory(liveness_mode="block", liveness_challenge="turn", liveness_challenge_seconds=3.0)
    bob(core, lfw_dir)
    one_turn = left_turn(pipeline, lfw_dir)
    attempt(core, one_turn, T0, drawing_sides([R]))  # refused once
    stage = build_liveness_stage(core, rng=random.Random(3))
    service = core.live_service(stages=[stage])
    stage.bind(service)
    try:
        assert service.process(one_turn[0], T0 + 60, 0).frame.faces[0].extras["challenge_turns"] == 2
        core.changes.publish(replace(core.settings, liveness_challenge="blink+turn"))  # asks more: starts over
        extras = service.process(one_turn[1], T0 + 60.1, 1).frame.faces[0].extras
        assert extras["challenge"] == ["blink", "turn"] and extras["challenge_turns"] == 2
    finally:
        service.close()


def test_recent_spoofs_count_within_the_window_and_are_capped(core_factory, lfw_dir: Path) -> None:  # noqa: F811
    core = core_factory()
    events = core.gallery.events
    person_id = bob(core, lfw_dir)
    other = core.gallery.add_person("Someone Else").id

    def spoof(at: float, who: int, note: str = f"{SPOOF_NOTE}: live score 0.2 < 0.50 over 3 frames") -> None:
        events.add(Event(None, datetime.fromtimestamp(at, timezone.utc), "UTC", EventKind.REJECTED, who, None,
                         None, None, 0.8, 0.3, "desk-9", note=note))

    spoof(T0, person_id)
    spoof(T0 + 10, other)
    spoof(T0 + 20, person_id, note="door closed")  # another refusal: not a spoof suspicion
    recent = RecentSpoofs(events, RetryPolicy(window_s=600, max_extra=2))
    assert recent.count(person_id, T0 + 599) == 1 and recent.count(person_id, T0 + 601) == 0
    assert recent.count(other, T0 + 30) == 1
    for at in (T0 + 100, T0 + 200):
        spoof(at, person_id)
    assert recent.count(person_id, T0 + 300) == 3 and recent.extra_turns(person_id, T0 + 300) == 2
    # without a store, this desk's own memory
    alone = RecentSpoofs(None, RetryPolicy(window_s=600))
    alone.note(person_id, T0)
    assert alone.count(person_id, T0 + 1) == 1 and alone.count(person_id, T0 + 700) == 0
