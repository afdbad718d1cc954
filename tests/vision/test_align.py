"""Umeyama similarity estimation and warping onto the ArcFace template."""

import math

import numpy as np
import pytest

from faceapp.vision.align import align_faces, alignment_matrices, umeyama
from faceapp.vision.constants import ARCFACE_TEMPLATE


def similarity(scale: float, angle_deg: float, tx: float, ty: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([[scale * math.cos(a), -scale * math.sin(a), tx], [scale * math.sin(a), scale * math.cos(a), ty]])


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


@pytest.mark.parametrize(
    ("scale", "angle", "tx", "ty"),
    [(1.0, 0.0, 0.0, 0.0), (2.5, 30.0, -40.0, 12.0), (0.3, -170.0, 500.0, 300.0), (1.7, 90.0, 3.0, -8.0)],
)
def test_known_transform_is_recovered(scale: float, angle: float, tx: float, ty: float) -> None:
    src = ARCFACE_TEMPLATE.astype(np.float64)
    truth = similarity(scale, angle, tx, ty)
    estimated = umeyama(src, apply(truth, src))
    np.testing.assert_allclose(estimated, truth, atol=1e-9)


def test_least_squares_with_noise_is_close() -> None:
    rng = np.random.default_rng(0)
    src = ARCFACE_TEMPLATE.astype(np.float64)
    truth = similarity(1.3, 12.0, 5.0, 7.0)
    dst = apply(truth, src) + rng.normal(0, 0.2, src.shape)
    estimated = umeyama(src, dst)
    np.testing.assert_allclose(estimated[:, :2], truth[:, :2], atol=0.02)
    np.testing.assert_allclose(apply(estimated, src), apply(truth, src), atol=0.5)


def test_reflection_is_never_returned() -> None:
    src = ARCFACE_TEMPLATE.astype(np.float64)
    mirrored = src * np.array([-1.0, 1.0])
    matrix = umeyama(src, mirrored)
    assert np.linalg.det(matrix[:, :2]) > 0


@pytest.mark.parametrize("bad", [np.zeros((1, 2)), np.zeros((5, 3)), np.zeros((4, 2))])
def test_bad_point_sets_raise(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        umeyama(bad, np.zeros((5, 2)))


def test_empty_input_gives_empty_output() -> None:
    image = np.zeros((50, 50, 3), np.uint8)
    assert align_faces(image, np.zeros((0, 5, 2))).shape == (0, 112, 112, 3)
    assert alignment_matrices(np.zeros((0, 5, 2))).shape == (0, 2, 3)


def test_face_drawn_at_template_lands_on_template() -> None:
    """Dots painted at a scaled, rotated, shifted template come back to the template points."""
    truth = similarity(2.0, 20.0, 60.0, 40.0)
    points = apply(truth, ARCFACE_TEMPLATE.astype(np.float64))
    image = np.zeros((400, 400, 3), np.uint8)
    for k, (x, y) in enumerate(points):
        image[round(y) - 2 : round(y) + 3, round(x) - 2 : round(x) + 3] = 50 * (k + 1)
    chip = align_faces(image, points[None])[0]
    for k, (x, y) in enumerate(ARCFACE_TEMPLATE):
        assert chip[round(float(y)), round(float(x)), 0] == 50 * (k + 1)


def test_face_at_image_border_keeps_geometry() -> None:
    """A face half outside the image is warped with the true transform, black where no pixels exist."""
    image = np.full((120, 120, 3), 200, np.uint8)
    points = ARCFACE_TEMPLATE.astype(np.float64) - np.array([60.0, 0.0])  # left half outside
    matrix = alignment_matrices(points[None])[0]
    np.testing.assert_allclose(apply(matrix, points), ARCFACE_TEMPLATE, atol=1e-4)
    chip = align_faces(image, points[None])[0]
    assert chip[56, 10].tolist() == [0, 0, 0]  # was outside the image
    assert chip[56, 100].tolist() == [200, 200, 200]  # inside
