"""The directed head-turn challenge through the live service, on real photos of one person.

Bob Graham, lfw-dev photo 5: frontal (yaw ~1 degree by the 68 points); photo 4: turned to his own
left (nose right of the eye midpoint, yaw ~41). The side asked is drawn per track by the stage's
generator; a seeded one makes the draw known here (and each test checks the side it was asked).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceapp.records import EventKind
from faceapp.services import Core
from faceapp.store.liveness import evidence_for
from faceapp.vision.liveness_track import TurnDirection
from faceapp.vision.pipeline import FacePipeline
from tests.live.test_liveness_stage import core_factory, photo, play  # noqa: F401 - fixture
from tests.vision.test_turn_direction import drawing

pytestmark = pytest.mark.realdata
NAME = "Bob_Graham"


def bob(core: Core, lfw_dir: Path) -> int:
    person = core.gallery.add_person("Bob Graham")
    for number in (1, 6):
        core.enroller().enrol_photo(person.id, photo(lfw_dir, number, NAME))
    return person.id


def frames(pipeline: FacePipeline, lfw_dir: Path, mirrored: bool = False) -> list[np.ndarray]:
    """4 frontal frames, then 6 turned (to his left; to his right in the mirror image)."""
    frontal, turned = (pipeline.load(photo(lfw_dir, n, NAME)) for n in (5, 4))
    if mirrored:
        frontal, turned = (np.ascontiguousarray(i[:, ::-1]) for i in (frontal, turned))
    return [frontal] * 4 + [turned] * 6


def asked(core_factory, pipeline: FacePipeline, lfw_dir: Path, side: TurnDirection, mirrored: bool,  # noqa: F811
          **settings: object) -> tuple[Core, int, list]:
    """Bob enrolled at a block-mode desk asking a head turn (3 s) to ``side``, then his video played there."""
    core = core_factory(liveness_mode="block", liveness_challenge="turn", liveness_challenge_seconds=3.0, **settings)
    person_id = bob(core, lfw_dir)
    _stage, results = play(core, frames(pipeline, lfw_dir, mirrored), rng=drawing(side))
    return core, person_id, results


def checkins(results) -> list[tuple[int, int | None]]:
    return [(i, e.person_id) for i, r in enumerate(results) for e in r.events if e.kind is EventKind.CHECK_IN]


@pytest.mark.parametrize("mirrored", [False, True])
def test_turning_the_asked_way_checks_in(core_factory, pipeline: FacePipeline, lfw_dir: Path,  # noqa: F811
                                         mirrored: bool) -> None:
    """Asked for his left, the turn passes; the mirror image of the same video passes when asked for his right."""
    side = TurnDirection.RIGHT if mirrored else TurnDirection.LEFT
    core, person_id, results = asked(core_factory, pipeline, lfw_dir, side, mirrored)
    first = results[0].frame.faces[0].extras
    assert (first["challenge"], first["challenge_turn"], first["live"]) == (["turn"], side.value, "pending")
    done = checkins(results)
    assert [p for _, p in done] == [person_id] and done[0][0] >= 4  # not before the head turned
    last = results[-1].frame.faces[0].extras
    assert last["live"] == "live" and last.get("challenge_turn") is None
    assert not [e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]


@pytest.mark.parametrize("mirrored", [False, True])
def test_turning_the_other_way_fails_at_once(core_factory, pipeline: FacePipeline, lfw_dir: Path,  # noqa: F811
                                             mirrored: bool) -> None:
    """The same videos against the other draw: spoofed on the first turned frame, no check-in, one event."""
    side = TurnDirection.LEFT if mirrored else TurnDirection.RIGHT
    core, person_id, results = asked(core_factory, pipeline, lfw_dir, side, mirrored)
    assert results[0].frame.faces[0].extras["challenge_turn"] == side.value
    verdicts = [r.frame.faces[0].extras["live"] for r in results]
    assert verdicts[:4] == ["pending"] * 4 and verdicts[4:] == ["spoof"] * 6  # at 0.4 s of 3 s: at once
    assert results[-1].frame.faces[0].extras["challenge_failed"] == "wrong_way"  # the Live page tells him
    assert not checkins(results)
    (spoof,) = [e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]
    assert spoof.person_id == person_id
    assert f"head turned to the {side.other.value}, not to the {side.value} as asked" in spoof.note
    assert evidence_for(core.gallery.events, [spoof.id])[spoof.id].challenge == "spoof"


@pytest.mark.parametrize("side", [TurnDirection.LEFT, TurnDirection.RIGHT])
def test_a_mirrored_camera_reads_the_turn_of_the_person_not_of_the_picture(core_factory, pipeline: FacePipeline,  # noqa: F811
                                                                           lfw_dir: Path, side: TurnDirection) -> None:
    """A camera marked mirrored delivers the mirror image of Bob turning to his own left: left passes, right fails."""
    core, person_id, results = asked(core_factory, pipeline, lfw_dir, side, mirrored=True,
                                     liveness_mirrored_cameras=["desk-1"])
    assert results[0].frame.faces[0].extras["challenge_turn"] == side.value
    rejected = [e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]
    if side is TurnDirection.LEFT:
        assert [p for _, p in checkins(results)] == [person_id] and not rejected
    else:
        assert not checkins(results)
        (spoof,) = rejected
        assert "head turned to the left, not to the right as asked" in spoof.note
