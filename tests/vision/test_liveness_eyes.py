"""Eye state and 68 landmarks on real photos, and the active challenge (blink, head turn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceapp.vision.eyes import OPEN_CLASS, EyeStateModel, eye_crops
from faceapp.vision.landmarks68 import LandmarkModel, yaw_from_landmarks
from faceapp.vision.liveness_track import (
    Challenge,
    ChallengeKind,
    ChallengeSpec,
    LiveVerdict,
    TurnDirection,
    run_challenge,
)
from faceapp.vision.models import ModelRegistry
from faceapp.vision.pipeline import FacePipeline
from tests.conftest import need

OPEN = ("Akhmed_Zakayev", 1)  # both eyes wide open
CLOSED = ("Barbara_Brezigar", 1)  # both eyes closed


def photo(lfw_dir: Path, who: tuple[str, int]) -> Path:
    return lfw_dir / "images" / who[0] / f"{who[0]}_{who[1]:04d}.jpg"


@pytest.fixture(scope="module")
def eyes(pipeline: FacePipeline) -> EyeStateModel:
    return EyeStateModel.open(ModelRegistry(), pipeline.provider)


@pytest.fixture(scope="module")
def marks(pipeline: FacePipeline) -> LandmarkModel:
    return LandmarkModel.open(ModelRegistry(), pipeline.provider)


def crops_of(pipeline: FacePipeline, path: Path) -> np.ndarray:
    image = pipeline.load(path)
    faces = pipeline.detect(image)
    return eye_crops(image, faces.landmarks[faces.largest()][None])[0]  # (2, 24, 24)


def test_open_class_on_real_eyes(lfw_dir: Path, pipeline: FacePipeline, eyes: EyeStateModel) -> None:
    """Class 1 is "open": open eyes score high, closed eyes low; reading class 0 would invert both."""
    assert OPEN_CLASS == 1
    p_open = eyes.open_probability(crops_of(pipeline, photo(lfw_dir, OPEN)))
    p_closed = eyes.open_probability(crops_of(pipeline, photo(lfw_dir, CLOSED)))
    assert p_open.shape == (2,) and p_open.min() > 0.9
    assert p_closed.max() < 0.1


def test_blink_challenge_on_synthetic_sequence(lfw_dir: Path, pipeline: FacePipeline, eyes: EyeStateModel) -> None:
    """Open, open, closed, open eye crops pass a blink challenge; only open crops fail when time is up."""
    open_crops, closed_crops = crops_of(pipeline, photo(lfw_dir, OPEN)), crops_of(pipeline, photo(lfw_dir, CLOSED))
    spec = ChallengeSpec(kinds=(ChallengeKind.BLINK,), seconds=3.0)
    blink = [open_crops, open_crops, closed_crops, closed_crops, open_crops]
    frames = [(0.2 * i, float(eyes.open_probability(c).mean()), None) for i, c in enumerate(blink)]
    assert run_challenge(spec, frames) is LiveVerdict.LIVE
    staring = [(0.2 * i, float(eyes.open_probability(open_crops).mean()), None) for i in range(20)]
    assert run_challenge(spec, staring) is LiveVerdict.SPOOF  # 4 s without a blink
    assert run_challenge(spec, staring[:5]) is LiveVerdict.PENDING  # still within the time limit
    # closed eyes that never open again are no blink either
    shut = [(0.2 * i, float(eyes.open_probability(c).mean()), None) for i, c in enumerate(blink[:4])]
    assert run_challenge(spec, shut) is LiveVerdict.PENDING


def test_landmarks_scale_and_yaw(nuaa_frame: Path, pipeline: FacePipeline, marks: LandmarkModel) -> None:
    image = pipeline.load(nuaa_frame)
    faces = pipeline.detect(image)
    box = faces.boxes[faces.largest()]
    points = marks.landmarks(image, box[None])[0]
    five = faces.landmarks[faces.largest()]
    # iBUG eye centres and nose tip land on the detector's 5 points (pixels / 255 is right)
    for got, want in ((points[36:42].mean(0), five[0]), (points[42:48].mean(0), five[1]), (points[30], five[2])):
        assert np.linalg.norm(got - want) < 0.1 * (box[2] - box[0])
    wrong = marks.landmarks(image, box[None], scale=1.0)[0]
    assert np.linalg.norm(wrong[30] - five[2]) > 0.3 * (box[2] - box[0])
    assert abs(float(marks.yaw(image, box[None])[0])) < 15  # frontal webcam face


@pytest.mark.parametrize(("name", "sign"), [("Amber_Tamblyn", -1), ("Boris_Becker", -1), ("Atom_Egoyan", 1),
                                            ("Bart_Freundlich", 1)])
def test_yaw_of_turned_heads(lfw_dir: Path, pipeline: FacePipeline, marks: LandmarkModel, name: str,
                             sign: int) -> None:
    """Faces turned about 25-35 degrees (by their 5 points) read so from the 68 points, with the same sign."""
    image = pipeline.load(photo(lfw_dir, (name, 1)))
    faces = pipeline.detect(image)
    yaw = float(marks.yaw(image, faces.boxes[faces.largest()][None])[0])
    assert 15 < sign * yaw < 50


@pytest.mark.parametrize(
    ("nose_x", "expected"),
    [(50.0, 0.0), (75.0, 30.0), (25.0, -30.0), (100.0, 90.0), (0.0, -90.0)],
)
def test_yaw_from_landmarks(nose_x: float, expected: float) -> None:
    pts = np.zeros((1, 68, 2), np.float32)
    pts[0, 16, 0] = 100.0
    pts[0, 30, 0] = nose_x
    assert yaw_from_landmarks(pts)[0] == pytest.approx(expected, abs=0.01)
    assert yaw_from_landmarks(np.zeros((0, 68, 2))).shape == (0,)


def test_turn_and_both_challenges() -> None:
    """The turn is directed (tests/vision/test_turn_direction.py): yaw growing is a turn to the person's left."""
    turn = ChallengeSpec(kinds=(ChallengeKind.TURN,), seconds=2.0)
    growing = [(0.0, None, 1.0), (0.5, None, 5.0), (1.0, None, 15.0)]
    assert run_challenge(turn, growing, direction=TurnDirection.LEFT) is LiveVerdict.LIVE
    assert run_challenge(turn, growing, direction=TurnDirection.RIGHT) is LiveVerdict.SPOOF  # the other way
    slow = [(0.0, None, 1.0), (1.0, None, 8.0), (2.5, None, 9.0)]
    assert run_challenge(turn, slow, direction=TurnDirection.LEFT) is LiveVerdict.SPOOF
    both = ChallengeSpec.parse("blink+turn", seconds=5.0)
    assert both is not None and both.kinds == (ChallengeKind.BLINK, ChallengeKind.TURN)
    challenge = Challenge(both, direction=TurnDirection.RIGHT)  # yaw falls to -14 below
    challenge.update(0.0, 0.95, 0.0)
    challenge.update(0.3, 0.05, 0.0)
    assert challenge.update(0.6, 0.95, 2.0) is LiveVerdict.PENDING and challenge.remaining == (ChallengeKind.TURN,)
    assert challenge.update(1.0, 0.95, -14.0) is LiveVerdict.LIVE
    assert challenge.update(9.0, 0.95, 0.0) is LiveVerdict.LIVE  # decided stays decided
    assert ChallengeSpec.parse("off") is None
    with pytest.raises(ValueError, match="unknown challenge"):
        ChallengeSpec.parse("smile")


@pytest.fixture(scope="module")
def nuaa_frame() -> Path:
    from tests.vision.test_liveness import DATA

    path = need(DATA / "nuaa-dev" / "live" / "0001" / "0001_00_00_01_0.jpg")
    return path
