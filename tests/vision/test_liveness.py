"""Passive liveness: the crop, and the model's channel order and live class established on real nuaa-dev frames."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from faceapp.errors import ModelError
from faceapp.vision.liveness import (
    CALIBRATION,
    CHANNEL_ORDER,
    DEFAULT_THRESHOLD,
    LIVE_CLASS,
    LivenessModel,
    crop_box,
    liveness_crops,
    threshold_for,
)
from faceapp.vision.models import ModelRegistry
from faceapp.vision.pipeline import FacePipeline
from tests.conftest import DATA, need


@pytest.fixture(scope="module")
def nuaa_dir() -> Path:
    return need(DATA / "nuaa-dev")


@pytest.fixture(scope="module")
def model(pipeline: FacePipeline) -> LivenessModel:
    return LivenessModel.open(ModelRegistry(), pipeline.provider, 1)


def nuaa_sample(nuaa_dir: Path, per_label: int = 12) -> list[tuple[str, bool]]:
    """Frames spread over every subject and both sessions: every k-th row of each label."""
    rows = list(csv.DictReader((nuaa_dir / "labels.csv").open()))
    out = []
    for label in ("live", "spoof"):
        mine = [r["path"] for r in rows if r["label"] == label]
        out += [(p, label == "live") for p in mine[:: max(1, len(mine) // per_label)][:per_label]]
    return out


@pytest.mark.parametrize(
    ("box", "size", "scale", "expected"),
    [
        ((100, 100, 200, 200), (640, 480), 2.7, (15, 15, 286, 286)),  # 270 px about the centre (150, 150)
        ((0, 0, 100, 100), (640, 480), 2.7, (0, 0, 271, 271)),  # shifted back inside at the corner
        ((500, 350, 620, 470), (640, 480), 2.7, (316, 154, 640, 479)),  # scale limited by the image height
        ((10, 10, 10, 10), (64, 64), 2.7, (8, 8, 12, 12)),  # degenerate box: never empty
    ],
)
def test_crop_box(box, size, scale, expected) -> None:
    got = crop_box(np.array(box, np.float32), *size, scale)
    assert got == pytest.approx(expected, abs=1)
    left, top, right, bottom = got
    assert 0 <= left < right <= size[0] and 0 <= top < bottom <= size[1]


def test_crops_empty_and_shape() -> None:
    image = np.zeros((480, 640, 3), np.uint8)
    assert liveness_crops(image, np.zeros((0, 4))).shape == (0, 128, 128, 3)
    assert liveness_crops(image, np.array([[10, 10, 50, 60], [300, 200, 400, 330]])).shape == (2, 128, 128, 3)


def test_channel_order_and_live_class_on_nuaa(nuaa_dir: Path, pipeline: FacePipeline, model: LivenessModel) -> None:
    """BGR input and class 0 separate live from printed photos; swapping either breaks it."""
    assert (CHANNEL_ORDER, LIVE_CLASS) == ("BGR", 0)
    rgb = LivenessModel(model.spec, model.session, channel_order="RGB")
    probs: dict[str, list[np.ndarray]] = {"BGR": [], "RGB": []}
    labels = []
    for path, live in nuaa_sample(nuaa_dir):
        image = pipeline.load(nuaa_dir / path)
        faces = pipeline.detect(image)
        crop = liveness_crops(image, faces.boxes[faces.largest()][None])
        probs["BGR"].append(model.probabilities(crop)[0])
        probs["RGB"].append(rgb.probabilities(crop)[0])
        labels.append(live)
    live = np.array(labels)
    bgr, swapped = np.array(probs["BGR"]), np.array(probs["RGB"])
    # the established reading: class 0 in BGR separates all of them with a wide margin
    assert bgr[live, 0].min() > 0.5 > bgr[~live, 0].max()
    assert bgr[live, 0].mean() > 0.95 and bgr[~live, 0].mean() < 0.05
    # another class as "live" fails: live frames score low on classes 1 and 2
    for other in (1, 2):
        assert bgr[live, other].mean() < 0.1
    # RGB input: live faces lose their score (many look like attacks)
    assert swapped[live, 0].mean() < 0.8 and (swapped[live, 0] < 0.5).sum() >= 3


def test_batch_equals_one_by_one(nuaa_dir: Path, pipeline: FacePipeline, model: LivenessModel) -> None:
    image = pipeline.load(nuaa_dir / nuaa_sample(nuaa_dir, 1)[0][0])
    faces = pipeline.detect(image)
    boxes = np.concatenate([faces.boxes, faces.boxes + 7.0, faces.boxes - 5.0])
    batched = model.scores(image, boxes)
    single = np.array([model.scores(image, b[None])[0] for b in boxes])
    assert batched.shape == (len(boxes),)
    np.testing.assert_allclose(batched, single, rtol=1e-4, atol=1e-6)
    assert model.scores(image, np.zeros((0, 4))).shape == (0,)


def test_options_average_in_logit_space(nuaa_dir: Path, pipeline: FacePipeline, model: LivenessModel) -> None:
    image = pipeline.load(nuaa_dir / nuaa_sample(nuaa_dir, 1)[0][0])
    box = pipeline.detect(image).boxes[:1]
    flipped = LivenessModel(model.spec, model.session, flip=True).scores(image, box)[0]
    plain = model.scores(image, box)[0]
    mirror = model.score_crops(liveness_crops(image, box)[:, :, ::-1])[0]
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert logit(flipped) == pytest.approx((logit(plain) + logit(mirror)) / 2, abs=1e-3)


def test_bad_input_and_wrong_model(model: LivenessModel) -> None:
    with pytest.raises(ValueError, match="crops"):
        model.probabilities(np.zeros((1, 64, 64, 3), np.uint8))
    registry = ModelRegistry()
    spec = registry.spec("eye_state_24")
    with pytest.raises(ModelError, match="not a liveness model"):
        LivenessModel(spec, model.session)


def test_calibration_table_is_consistent() -> None:
    assert threshold_for(0.0).threshold == DEFAULT_THRESHOLD
    assert [p.threshold for p in CALIBRATION] == sorted(p.threshold for p in CALIBRATION)
    for point in CALIBRATION:
        assert threshold_for(point.bpcer).threshold >= point.threshold and 0 < point.threshold < 1
    assert threshold_for(0.01).threshold == 0.90 and threshold_for(0.02).threshold == 0.95
    assert threshold_for(0.5) is CALIBRATION[-1]
