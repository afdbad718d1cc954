"""RetinaFace priors and decoding (synthetic tables) and detection on real photos."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.vision.boxes import iou_matrix, nms
from faceapp.vision.detect import decode_retinaface, retinaface_priors
from faceapp.vision.imageio import load_image
from faceapp.vision.pipeline import FacePipeline


@pytest.mark.parametrize(
    ("height", "width", "count"),
    [
        (32, 32, 2 * (16 + 4 + 1)),
        (640, 480, 2 * (80 * 60 + 40 * 30 + 20 * 15)),
        (100, 70, 2 * (13 * 9 + 7 * 5 + 4 * 3)),  # ceil(H/stride) x ceil(W/stride)
    ],
)
def test_prior_count(height: int, width: int, count: int) -> None:
    assert retinaface_priors(height, width).shape == (count, 4)


def test_prior_layout_is_cell_major() -> None:
    priors = retinaface_priors(64, 64)
    # stride 8: cell (y=0, x=0) sizes 16 and 32, then cell (y=0, x=1).
    np.testing.assert_array_equal(priors[:3], [[4, 4, 16, 16], [4, 4, 32, 32], [12, 4, 16, 16]])
    # first stride-16 prior follows the 8x8x2 stride-8 priors
    np.testing.assert_array_equal(priors[128], [8, 8, 64, 64])
    # last prior: stride 32, cell (1, 1), size 512
    np.testing.assert_array_equal(priors[-1], [48, 48, 512, 512])


def test_priors_are_read_only() -> None:
    with pytest.raises(ValueError):
        retinaface_priors(32, 32)[0, 0] = 1


def test_decode_zero_regression_gives_prior_box() -> None:
    priors = np.array([[50.0, 60.0, 20.0, 40.0]], np.float32)
    boxes, points = decode_retinaface(np.zeros((1, 4)), np.zeros((1, 10)), priors)
    np.testing.assert_allclose(boxes, [[40, 40, 60, 80]])
    np.testing.assert_allclose(points[0], [[50, 60]] * 5)


def test_decode_applies_variances() -> None:
    priors = np.array([[100.0, 100.0, 10.0, 10.0]], np.float32)
    loc = np.array([[1.0, -2.0, np.log(2) / 0.2, 0.0]])
    lms = np.arange(10, dtype=np.float64)[None]
    boxes, points = decode_retinaface(loc, lms, priors)
    # centre moves by loc * 0.1 * prior size; width doubles
    np.testing.assert_allclose(boxes, [[101 - 10, 98 - 5, 101 + 10, 98 + 5]], atol=1e-5)
    np.testing.assert_allclose(points[0, 2], [100 + 4 * 0.1 * 10, 100 + 5 * 0.1 * 10])


def test_decode_empty() -> None:
    boxes, points = decode_retinaface(np.zeros((0, 4)), np.zeros((0, 10)), np.zeros((0, 4), np.float32))
    assert boxes.shape == (0, 4) and points.shape == (0, 5, 2)


def test_iou_and_nms_tables() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]], np.float32)
    iou = iou_matrix(boxes, boxes)
    assert iou[0, 3] == pytest.approx(1.0) and iou[0, 2] == 0.0
    assert iou[0, 1] == pytest.approx(81 / 119)
    kept = nms(boxes, np.array([0.9, 0.8, 0.7, 0.95]), 0.4)
    assert kept.tolist() == [3, 2]
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.4).size == 0
    assert nms(boxes, np.array([0.9, 0.8, 0.7, 0.95]), 0.9).tolist() == [3, 1, 2]  # only the duplicate goes


@pytest.fixture(scope="module")
def photo(lfw_dir: Path) -> np.ndarray:
    return load_image(lfw_dir / "images" / "Abel_Pacheco" / "Abel_Pacheco_0001.jpg")


def test_real_face_found_with_landmarks_in_order(pipeline: FacePipeline, photo: np.ndarray) -> None:
    faces = pipeline.detect(photo)
    assert len(faces) >= 1
    face = faces[faces.largest()]
    x1, y1, x2, y2 = face.boxes[0]
    assert face.scores[0] > 0.9 and 40 < x2 - x1 < 110
    (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = face.landmarks[0]
    assert lx < nx < rx and mlx < mrx  # left/right as seen in the image
    assert max(ly, ry) < ny < min(mly, mry)  # eyes above nose above mouth
    assert x1 <= lx <= x2 and y1 <= ly <= y2


def test_detection_maps_back_to_original_pixels(pipeline: FacePipeline, photo: np.ndarray) -> None:
    """The same face at 4x the size is found at 4x the coordinates (resize is undone)."""
    small = pipeline.detect(photo)
    big_image = cv2.resize(photo, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)  # 600x600
    big = pipeline.detect(big_image)
    i, j = small.largest(), big.largest()
    np.testing.assert_allclose(big.boxes[j] / 4, small.boxes[i], atol=4)
    np.testing.assert_allclose(big.landmarks[j] / 4, small.landmarks[i], atol=3)


def test_non_square_and_odd_sizes(pipeline: FacePipeline, photo: np.ndarray) -> None:
    canvas = np.full((333, 517, 3), 90, np.uint8)
    canvas[100:250, 300:450] = photo
    faces = pipeline.detect(canvas)
    box = faces.boxes[faces.largest()]
    assert box[0] >= 300 and box[2] <= 460 and box[1] >= 100 and box[3] <= 260


def test_batch_equals_single(pipeline: FacePipeline, lfw_dir: Path) -> None:
    paths = sorted((lfw_dir / "images").glob("A*/*_0001.jpg"))[:3]
    images = [load_image(p) for p in paths]
    images[1] = cv2.resize(images[1], (200, 130))  # different sizes in one batch
    batch = pipeline.detector.detect_batch(images)
    for image, faces in zip(images, batch, strict=True):
        single = pipeline.detect(image)
        assert len(single) == len(faces)
        np.testing.assert_allclose(faces.boxes, single.boxes, atol=0.5)


def test_blank_image_has_no_face(pipeline: FacePipeline) -> None:
    assert len(pipeline.detect(np.full((480, 640, 3), 128, np.uint8))) == 0


def test_wrong_image_type_is_a_clear_error(pipeline: FacePipeline) -> None:
    with pytest.raises(ValueError, match="uint8 BGR"):
        pipeline.detect(np.zeros((10, 10), np.float32))
