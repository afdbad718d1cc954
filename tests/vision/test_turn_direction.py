"""The directed head-turn challenge: which way the yaw turns on real photos, and the rule on yaw sequences.

"The person turned to their own left" is decided geometrically from the detector's 5 points: in an
unmirrored camera image the person's left eye is on the image's right, and turning to their left
moves the nose tip towards the image's right of the eye midpoint. The 68-point yaw the challenge
uses must agree on real turned photos, and flip on their mirror images.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from faceapp.vision.landmarks68 import LandmarkModel
from faceapp.vision.liveness_track import (
    Challenge,
    ChallengeFailure,
    ChallengeKind,
    ChallengeSpec,
    LiveVerdict,
    TurnDirection,
    run_challenge,
)
from faceapp.vision.models import ModelRegistry
from faceapp.vision.pipeline import FacePipeline

TURN = ChallengeSpec(kinds=(ChallengeKind.TURN,), seconds=2.0, turn_degrees=12.0)
PER_SIDE = 4  # clearly turned photos wanted on each side
TURNED = (0.25, 0.6)  # |nose offset| in eye distances: clearly turned, short of a profile


@dataclass(frozen=True)
class Shot:
    path: Path
    offset: float  # nose x minus eye-midpoint x, in eye distances (image axes: + = image's right)
    yaw: float  # landmarks68 yaw, degrees


def nose_offset(five: np.ndarray) -> float:
    """Where the nose tip lies right (+) or left (-) of the eye midpoint, in eye distances, image axes."""
    eyes_mid = (five[0, 0] + five[1, 0]) / 2
    return float((five[2, 0] - eyes_mid) / np.linalg.norm(five[1] - five[0]))


def measure(pipeline: FacePipeline, marks: LandmarkModel, image: np.ndarray) -> tuple[float, float] | None:
    """``(nose offset, landmarks68 yaw)`` of the largest face, ``None`` without a face."""
    faces = pipeline.detect(image)
    if not len(faces.boxes):
        return None
    i = faces.largest()
    return nose_offset(faces.landmarks[i]), float(marks.yaw(image, faces.boxes[i][None])[0])


@pytest.fixture(scope="module")
def marks(pipeline: FacePipeline) -> LandmarkModel:
    return LandmarkModel.open(ModelRegistry(), pipeline.provider)


@pytest.fixture(scope="module")
def shots(lfw_dir: Path, pipeline: FacePipeline, marks: LandmarkModel) -> tuple[list[Shot], Shot]:
    """The first lfw-dev photos (sorted) turned clearly each way by their 5 points, and one frontal photo."""
    turned: dict[bool, list[Shot]] = {True: [], False: []}
    frontal: Shot | None = None
    for path in sorted((lfw_dir / "images").rglob("*.jpg"))[:400]:
        measured = measure(pipeline, marks, pipeline.load(path))
        if measured is None:
            continue
        offset, yaw = measured
        if TURNED[0] <= abs(offset) <= TURNED[1] and len(turned[offset > 0]) < PER_SIDE:
            turned[offset > 0].append(Shot(path, offset, yaw))
        elif abs(offset) < 0.03 and frontal is None:
            frontal = Shot(path, offset, yaw)
        if frontal is not None and min(len(v) for v in turned.values()) == PER_SIDE:
            return turned[True] + turned[False], frontal
    pytest.fail("lfw-dev holds too few clearly turned photos in its first 400")


def drawing(side: TurnDirection) -> random.Random:
    """A seeded generator whose first draw asks for ``side`` (callers check the drawn side)."""
    seed = next(n for n in range(1000) if Challenge(TURN, random.Random(n)).direction is side)
    return random.Random(seed)


def side_of(offset: float) -> TurnDirection:
    """The person's own side the nose points to: the image's right is the person's left (unmirrored)."""
    return TurnDirection.LEFT if offset > 0 else TurnDirection.RIGHT


def test_yaw_sign_agrees_with_the_nose_on_real_turned_photos(shots, pipeline: FacePipeline,
                                                             marks: LandmarkModel) -> None:
    """A face turned to its own left has yaw of LEFT's sign (and >= the challenge's 12 degrees); mirrored, it flips.

    Swapping :attr:`TurnDirection.yaw_sign` (or the yaw's sign in landmarks68) fails this test.
    """
    turned, _frontal = shots
    assert {side_of(s.offset) for s in turned} == {TurnDirection.LEFT, TurnDirection.RIGHT}
    for shot in turned:
        side = side_of(shot.offset)
        assert np.sign(shot.yaw) == side.yaw_sign and abs(shot.yaw) >= TURN.turn_degrees, shot
        mirrored = np.ascontiguousarray(pipeline.load(shot.path)[:, ::-1])
        measured = measure(pipeline, marks, mirrored)
        assert measured is not None, shot
        offset, yaw = measured
        assert side_of(offset) is side.other, shot  # the mirror image turns the other way ...
        assert np.sign(yaw) == side.other.yaw_sign, (shot, yaw)  # ... and so does its yaw


def test_turned_photos_pass_only_the_challenge_asking_their_side(shots) -> None:
    """Frontal, then a real turned photo: the challenge asking that side passes; the other fails at once."""
    turned, frontal = shots
    assert abs(frontal.yaw) < 8
    for shot in turned:
        frames = [(0.0, None, frontal.yaw), (0.2, None, frontal.yaw), (0.4, None, shot.yaw)]
        side = side_of(shot.offset)
        assert run_challenge(TURN, frames, direction=side) is LiveVerdict.LIVE
        wrong = Challenge(TURN, direction=side.other)
        assert [wrong.update(*f) for f in frames][-1] is LiveVerdict.SPOOF
        assert wrong.failure is ChallengeFailure.WRONG_WAY  # at 0.4 s of 2 s: at once, not at the time limit


def yaw_frames(yaws: list[float], step: float = 0.2) -> list[tuple[float, float | None, float | None]]:
    return [(i * step, None, y) for i, y in enumerate(yaws)]


@pytest.mark.parametrize("side", list(TurnDirection))
def test_the_asked_side_passes(side: TurnDirection) -> None:
    s = side.yaw_sign
    challenge = Challenge(TURN, direction=side)
    states = [challenge.update(t, e, y) for t, e, y in yaw_frames([2.0, 2 + 5 * s, 2 + 9 * s, 2 + 12.5 * s])]
    assert states == [LiveVerdict.PENDING] * 3 + [LiveVerdict.LIVE] and challenge.failure is None
    # measured from the first frame, not from 0: a head already turned right, asked to turn left
    start = -20.0 * s
    assert run_challenge(TURN, yaw_frames([start, start + 6 * s, start + 13 * s]), direction=side) is LiveVerdict.LIVE


@pytest.mark.parametrize("side", list(TurnDirection))
def test_the_wrong_side_first_fails_at_once(side: TurnDirection) -> None:
    s = side.yaw_sign
    challenge = Challenge(TURN, direction=side)
    states = [challenge.update(t, e, y) for t, e, y in yaw_frames([0.0, -6 * s, -12 * s])]
    assert states == [LiveVerdict.PENDING, LiveVerdict.PENDING, LiveVerdict.SPOOF]
    assert challenge.failure is ChallengeFailure.WRONG_WAY and challenge.started == 0.0
    assert challenge.update(0.6, None, 25 * s) is LiveVerdict.SPOOF  # turning the right way afterwards: too late
    # a small wobble the wrong way (< 12 degrees) is forgiven
    assert run_challenge(TURN, yaw_frames([0.0, -11 * s, 0.0, 13 * s]), direction=side) is LiveVerdict.LIVE


def test_no_turn_times_out() -> None:
    still = yaw_frames([0.0, 3.0, -4.0, 8.0, -9.0, 11.0] * 3, step=0.15)  # 2.55 s of fidgeting, never 12 degrees
    challenge = Challenge(TURN, direction=TurnDirection.LEFT)
    states = [challenge.update(*f) for f in still]
    assert LiveVerdict.SPOOF not in states[:14]  # 1.95 s: still within the time limit
    assert states[-1] is LiveVerdict.SPOOF and challenge.failure is ChallengeFailure.TIME_UP


def test_a_recorded_turn_passes_only_the_draws_asking_its_side() -> None:
    """A replayed video with one natural head turn (to the person's left) against 200 tracks, seeded draws."""
    s = TurnDirection.LEFT.yaw_sign
    recorded = yaw_frames([s * y for y in (1.0, 3.0, 7.0, 14.0, 22.0, 18.0, 9.0, 2.0, -3.0)])
    rng = random.Random(20260101)
    outcomes = []
    for _ in range(200):
        challenge = Challenge(TURN, rng)
        for frame in recorded:
            challenge.update(*frame)
        outcomes.append((challenge.direction, challenge.state, challenge.failure))
    passed = [d for d, state, _ in outcomes if state is LiveVerdict.LIVE]
    assert set(passed) == {TurnDirection.LEFT}  # exactly the draws that asked for the recorded side ...
    assert len(passed) == sum(d is TurnDirection.LEFT for d, _, _ in outcomes)
    assert 80 <= len(passed) <= 120  # ... about half of them
    failed = {(d, f) for d, state, f in outcomes if state is LiveVerdict.SPOOF}
    assert failed == {(TurnDirection.RIGHT, ChallengeFailure.WRONG_WAY)}  # at the recorded turn, not at time up


def test_the_side_is_drawn_per_challenge() -> None:
    """Without a generator the side comes from the system's; a blink-only challenge has none."""
    sides = {Challenge(TURN).direction for _ in range(64)}
    assert sides == {TurnDirection.LEFT, TurnDirection.RIGHT}
    assert Challenge(ChallengeSpec(kinds=(ChallengeKind.BLINK,))).direction is None
    both = ChallengeSpec.parse("blink+turn")
    assert both is not None and Challenge(both, random.Random(1)).direction in set(TurnDirection)
    with pytest.raises(ValueError, match="turn_degrees"):
        ChallengeSpec(kinds=(ChallengeKind.TURN,), turn_degrees=0.0)


def test_blink_and_turn_wrong_way_fails_even_after_the_blink() -> None:
    both = ChallengeSpec(kinds=(ChallengeKind.BLINK, ChallengeKind.TURN), seconds=5.0)
    challenge = Challenge(both, direction=TurnDirection.RIGHT)
    s = TurnDirection.RIGHT.yaw_sign
    for t, eyes in ((0.0, 0.95), (0.2, 0.05), (0.4, 0.95)):
        assert challenge.update(t, eyes, 0.0) is LiveVerdict.PENDING
    assert challenge.remaining == (ChallengeKind.TURN,)
    assert challenge.update(0.6, 0.95, -15.0 * s) is LiveVerdict.SPOOF
    assert challenge.failure is ChallengeFailure.WRONG_WAY
