"""Which face of a photo is enrolled: synthetic tables of boxes, then real multi-face photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceapp.vision.face_choice import CLEAR_RATIO, QualityGate, choose_face, quality_score
from faceapp.vision.pipeline import FacePipeline

SHAPE = (400, 600)


@pytest.mark.parametrize(("boxes", "reason", "index"), [
    ([], "none", None),
    ([[10, 10, 60, 60]], "only", 0),
    ([[0, 0, 40, 40], [280, 180, 340, 240]], "dominant", 1),  # 60 vs 40 px: 1.5x
    ([[0, 0, 50, 50], [275, 175, 325, 225]], "central", 1),  # same size, one at the centre
    ([[270, 170, 330, 230], [0, 0, 50, 50]], "central", 0),  # the largest, at the centre
    ([[100, 175, 150, 225], [450, 175, 500, 225]], "ambiguous", None),  # same size, same distance
    ([[200, 175, 250, 225], [350, 175, 400, 225]], "ambiguous", None),  # both near the centre
])
def test_choose_face_table(boxes: list[list[float]], reason: str, index: int | None) -> None:
    choice = choose_face(np.array(boxes, np.float32).reshape(-1, 4), SHAPE)
    assert (choice.reason, choice.index) == (reason, index)
    assert choice.faces == len(boxes)
    if reason == "ambiguous":
        assert set(choice.candidates) == {0, 1} and "2 faces found; none is clearly" in choice.describe(np.array(boxes))


def test_largest_overrides_and_clear_ratio_is_the_boundary() -> None:
    boxes = np.array([[0, 0, 100, 100], [450, 150, 450 + 100 / CLEAR_RATIO + 0.5, 250]], np.float32)
    assert choose_face(boxes, SHAPE).reason != "dominant"  # just under the ratio: not clear
    boxes[1, 2] -= 1.0
    assert choose_face(boxes, SHAPE).index == 0  # at the ratio: dominant
    assert choose_face(boxes[::-1], SHAPE, largest=True).reason == "largest"


def _person_face(pipeline: FacePipeline, photo: Path, others: list[Path]) -> tuple[int | None, object]:
    """The chosen face's index and whether it is the face that matches the person's other photos best."""
    image = pipeline.load(photo)
    faces = pipeline.process(image)
    refs = []
    for other in others:
        f = pipeline.process(pipeline.load(other))
        refs.append(f.embeddings[choose_face(f.boxes, pipeline.load(other).shape, largest=True).index])
    truth = int(np.argmax((faces.embeddings @ np.stack(refs).T).max(1)))
    return truth, choose_face(faces.boxes, image.shape)


@pytest.mark.realdata
@pytest.mark.parametrize(("collection", "person", "photo", "reason"), [
    ("lfw", "Julianna_Margulies", 2, "central"),  # she is slightly smaller, at the centre
    ("lfw", "Charles_Grassley", 1, "central"),
    ("lfw", "Dale_Earnhardt_Jr", 2, "dominant"),  # three faces, his 1.6x the next
    ("celeba", "7203", 6, "central"),  # in-the-wild scene, two faces of similar size
    ("celeba", "7233", 6, "dominant"),  # four faces
])
def test_the_person_is_chosen_in_real_multi_face_photos(pipeline: FacePipeline, lfw_dir: Path, celeba_dir: Path,
                                                        collection: str, person: str, photo: int,
                                                        reason: str) -> None:
    folder = (lfw_dir if collection == "lfw" else celeba_dir) / "images" / person
    photos = sorted(folder.glob("*.jpg"))
    target = photos[photo - 1]
    truth, choice = _person_face(pipeline, target, [p for p in photos if p != target][:3])
    assert choice.faces >= 2 and (choice.reason, choice.index) == (reason, truth)


@pytest.mark.realdata
def test_a_genuinely_ambiguous_real_photo_is_refused(pipeline: FacePipeline, celeba_dir: Path) -> None:
    image = pipeline.load(celeba_dir / "images" / "7300" / "7300_0008.jpg")
    choice = choose_face(pipeline.detect(image).boxes, image.shape)
    assert (choice.reason, choice.index, len(choice.candidates)) == ("ambiguous", None, 2)


def test_quality_score_follows_the_measured_curves() -> None:
    good = {"size": 80.0, "blur": 150.0, "brightness": 110.0, "yaw": 5.0, "pitch": -3.0}
    assert quality_score(good) > 0.95
    assert quality_score({**good, "size": 21.0}) == pytest.approx(0.55, abs=0.03)  # TAR 0.55/0.86 at 22 px
    assert quality_score({**good, "yaw": -70.0}) < quality_score({**good, "yaw": 70.0 / 3})
    assert QualityGate().reasons(good) == []
    assert [r.split(" (")[0] for r in QualityGate().reasons({**good, "blur": 5.0, "brightness": 8.0})] == [
        "blurred", "too dark"]


def test_capture_gate_is_the_stricter_of_the_two_on_every_figure() -> None:
    from faceapp.vision.face_choice import CAPTURE_GATE, QualityGate

    loose, strict = QualityGate(), QualityGate(min_size=200.0, max_yaw=10.0)
    combined = loose.at_least(CAPTURE_GATE)
    assert combined == CAPTURE_GATE.at_least(QualityGate(max_yaw=90.0))
    assert combined.reasons({"size": 30.0}) and not loose.reasons({"size": 30.0})
    both = strict.at_least(CAPTURE_GATE)
    assert (both.min_size, both.max_yaw, both.min_blur) == (200.0, 10.0, CAPTURE_GATE.min_blur)
