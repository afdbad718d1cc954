"""WIDER FACE AP: hand-derived synthetic cases, ground-truth parsing, and the real wider-dev set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from faceapp.errors import DataError
from faceapp.evaluation.wider import (
    WiderImage,
    WiderReport,
    box_overlaps,
    evaluate_detections,
    evaluate_wider,
    image_eval,
    normalise_scores,
    read_ground_truth,
    voc_ap,
)

FACE_A = [10.0, 10.0, 49.0, 49.0]
FACE_B = [100.0, 10.0, 139.0, 49.0]
NOWHERE = [300.0, 300.0, 339.0, 339.0]


def _image(boxes: list[list[float]], kept: list[int] | None = None) -> WiderImage:
    """Ground truth whose faces are all in every setting, or only ``kept`` (0-based) are."""
    keep = np.zeros(len(boxes), bool)
    keep[kept if kept is not None else slice(None)] = True
    boxes_xyxy = np.asarray(boxes, np.float64).reshape(-1, 4)
    return WiderImage(boxes=boxes_xyxy, keep=dict.fromkeys(("easy", "medium", "hard"), keep))


def _pred(boxes: list[list[float]], scores: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(scores, np.float64)


# --------------------------------------------------------------------------- AP machinery


@pytest.mark.parametrize(
    ("boxes", "query", "expected"),
    [
        (FACE_A, FACE_A, 1.0),
        ([0, 0, 9, 9], [5, 0, 14, 9], 50 / 150),  # +1 convention: each box is 10x10 pixels
        ([0, 0, 9, 9], [9, 0, 18, 9], 10 / 190),  # sharing one pixel column still overlaps
        ([0, 0, 9, 9], [10, 0, 19, 9], 0.0),
        ([0, 0, 9, 9], [50, 50, 60, 60], 0.0),
    ],
)
def test_box_overlaps_table(boxes: list[float], query: list[float], expected: float) -> None:
    got = box_overlaps(np.array([boxes], float), np.array([query], float))
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx(expected)


def test_box_overlaps_empty() -> None:
    assert box_overlaps(np.zeros((0, 4)), np.array([FACE_A])).shape == (0, 1)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["A", "B", "FP"], 1.0),  # false positive ranked last costs nothing after full recall
        (["A", "FP", "B"], 0.5 * 1 + 0.5 * 2 / 3),  # envelope: P=1 up to R=0.5, then 2/3
        (["FP", "A", "B"], 2 / 3),  # P=0.5 at R=0.5 is lifted to 2/3 by the envelope
    ],
)
def test_false_positive_rank_sets_ap(order: list[str], expected: float) -> None:
    where = {"A": FACE_A, "B": FACE_B, "FP": NOWHERE}
    gt = {"e/1.jpg": _image([FACE_A, FACE_B])}
    preds = {"e/1.jpg": _pred([where[k] for k in order], [0.9, 0.8, 0.7])}
    ap = evaluate_detections(preds, gt)
    assert ap == pytest.approx(dict.fromkeys(("easy", "medium", "hard"), expected))


def test_perfect_detections_over_several_images() -> None:
    gt = {"e/1.jpg": _image([FACE_A, FACE_B]), "e/2.jpg": _image([FACE_B])}
    preds = {"e/1.jpg": _pred([FACE_A, FACE_B], [0.99, 0.5]), "e/2.jpg": _pred([FACE_B], [0.7])}
    assert evaluate_detections(preds, gt) == {"easy": 1.0, "medium": 1.0, "hard": 1.0}


def test_missed_face_and_image_without_predictions_lower_recall() -> None:
    gt = {"e/1.jpg": _image([FACE_A]), "e/2.jpg": _image([FACE_B])}
    ap = evaluate_detections({"e/1.jpg": _pred([FACE_A], [0.9])}, gt)
    assert ap["easy"] == pytest.approx(0.5)  # recall stops at 1/2 with precision 1


def test_iou_below_half_is_a_false_positive() -> None:
    gt = {"e/1.jpg": _image([[0, 0, 9, 9]])}
    shifted = [5.0, 0.0, 14.0, 9.0]  # IoU 1/3 with the face
    assert evaluate_detections({"e/1.jpg": _pred([shifted], [0.9])}, gt)["easy"] == 0.0
    overlapping = [2.0, 0.0, 11.0, 9.0]  # IoU 80/120
    assert evaluate_detections({"e/1.jpg": _pred([overlapping], [0.9])}, gt)["easy"] == 1.0


def test_detections_on_ignore_faces_count_neither_way() -> None:
    # FACE_B is outside the setting: matching it is no false positive, missing it no miss.
    gt = {"e/1.jpg": _image([FACE_A, FACE_B], kept=[0])}
    on_ignore_first = {"e/1.jpg": _pred([FACE_B, FACE_A], [0.9, 0.8])}
    assert evaluate_detections(on_ignore_first, gt)["hard"] == 1.0
    assert evaluate_detections({"e/1.jpg": _pred([FACE_A], [0.9])}, gt)["hard"] == 1.0
    # The same box where no face is annotated is a false positive.
    fp_first = {"e/1.jpg": _pred([NOWHERE, FACE_A], [0.9, 0.8])}
    assert evaluate_detections(fp_first, gt)["hard"] == pytest.approx(0.5)


def test_image_eval_marks_ignored_and_counts_each_face_once() -> None:
    gt = np.array([FACE_A, FACE_B])
    keep = np.array([True, False])
    boxes = np.array([FACE_A, FACE_B, FACE_A, NOWHERE])
    pred_recall, proposal = image_eval(boxes, gt, keep)
    np.testing.assert_array_equal(pred_recall, [1, 1, 1, 1])
    # As in the toolkit, a second match to a recalled face still counts as a proposal.
    np.testing.assert_array_equal(proposal, [1, -1, 1, 1])


def test_settings_are_scored_separately() -> None:
    keep = {"easy": np.array([True, False]), "medium": np.array([True, True]), "hard": np.array([True, True])}
    gt = {"e/1.jpg": WiderImage(boxes=np.array([FACE_A, FACE_B]), keep=keep)}
    ap = evaluate_detections({"e/1.jpg": _pred([FACE_A], [0.9])}, gt)
    assert ap == pytest.approx({"easy": 1.0, "medium": 0.5, "hard": 0.5})


@pytest.mark.parametrize(
    ("recall", "precision", "expected"),
    [
        ([0.25, 0.5, 1.0], [1.0, 0.5, 0.6], 0.25 * 1.0 + 0.25 * 0.6 + 0.5 * 0.6),  # envelope lifts 0.5
        ([0.0, 0.5, 0.5, 1.0], [np.nan, 1.0, 0.5, 0.75], 0.5 * 1.0 + 0.5 * 0.75),  # no proposal yet
        ([0.5, 0.5], [1.0, 1.0], 0.5),  # recall never reaches 1: the rest of the area is lost
        ([0.0], [np.nan], 0.0),
    ],
)
def test_voc_ap_table(recall: list[float], precision: list[float], expected: float) -> None:
    assert voc_ap(np.array(recall), np.array(precision)) == pytest.approx(expected)


def test_normalise_scores_sorts_and_spans_global_range() -> None:
    preds = {"a": _pred([FACE_A, FACE_B, NOWHERE], [0.3, 0.9, 0.6]), "b": _pred([], [])}
    out = normalise_scores(preds)
    np.testing.assert_allclose(out["a"][1], [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(out["a"][0], [FACE_B, NOWHERE, FACE_A])
    assert out["b"][0].shape == (0, 4)


def test_predictions_for_unknown_images_are_refused() -> None:
    with pytest.raises(DataError, match="not in the ground truth"):
        evaluate_detections({"x/y.jpg": _pred([FACE_A], [0.9])}, {"e/1.jpg": _image([FACE_A])})


# --------------------------------------------------------------------------- ground truth files

GT_TEXT = """e/1.jpg
3
10 10 40 40 0 0 0 0 0 0
60 10 0 30 0 0 0 1 0 0
100 10 40 40 0 0 0 0 0 0
e/2.jpg
0
0 0 0 0 0 0 0 0 0 0
e/3.jpg
1
5 5 20 30 2 0 0 0 1 0
"""
GT_SETTINGS = {
    "e/1.jpg": {"easy": [1, 3], "medium": [3], "hard": [1, 2, 3]},
    "e/2.jpg": {"easy": [], "medium": [], "hard": []},
    "e/3.jpg": {"easy": [], "medium": [], "hard": [1]},
}


def _write(tmp_path: Path, text: str = GT_TEXT, settings: object = GT_SETTINGS) -> tuple[Path, Path]:
    gt_file, settings_file = tmp_path / "gt.txt", tmp_path / "settings.json"
    gt_file.write_text(text)
    settings_file.write_text(json.dumps(settings))
    return gt_file, settings_file


def test_read_ground_truth_converts_boxes_and_drops_zero_size(tmp_path: Path) -> None:
    gt = read_ground_truth(*_write(tmp_path))
    assert list(gt) == ["e/1.jpg", "e/2.jpg", "e/3.jpg"]
    # The zero-width second face is gone; index 3 still means the third face of the file.
    np.testing.assert_array_equal(gt["e/1.jpg"].boxes, [[10, 10, 50, 50], [100, 10, 140, 50]])
    np.testing.assert_array_equal(gt["e/1.jpg"].keep["easy"], [True, True])
    np.testing.assert_array_equal(gt["e/1.jpg"].keep["medium"], [False, True])
    np.testing.assert_array_equal(gt["e/1.jpg"].keep["hard"], [True, True])
    assert gt["e/2.jpg"].boxes.shape == (0, 4)
    np.testing.assert_array_equal(gt["e/3.jpg"].boxes, [[5, 5, 25, 35]])


def test_zero_size_face_neither_counts_nor_blocks(tmp_path: Path) -> None:
    gt = read_ground_truth(*_write(tmp_path))
    preds = {
        "e/1.jpg": _pred([[10, 10, 50, 50], [100, 10, 140, 50]], [0.9, 0.8]),
        "e/3.jpg": _pred([[5, 5, 25, 35]], [0.7]),
    }
    assert evaluate_detections(preds, gt) == {"easy": 1.0, "medium": 1.0, "hard": 1.0}


@pytest.mark.parametrize(
    ("text", "settings", "message"),
    [
        (GT_TEXT.replace("3\n10 10", "three\n10 10"), GT_SETTINGS, "expected a face count"),
        (GT_TEXT.replace("5 5 20 30", "5 5 twenty 30"), GT_SETTINGS, "expected 'x y w h"),
        (GT_TEXT.replace("5 5 20 30", "5 5 -20 30"), GT_SETTINGS, "negative box size"),
        (GT_TEXT.replace("e/3.jpg\n1\n", "e/3.jpg\n2\n"), GT_SETTINGS, "lists 2 faces"),
        (GT_TEXT.rsplit("\n", 3)[0], GT_SETTINGS, "missing face count"),
        ("", GT_SETTINGS, "no images found"),
        (GT_TEXT, {**GT_SETTINGS, "e/3.jpg": {"easy": [], "medium": [], "hard": [2]}}, "out of range"),
        (GT_TEXT, {**GT_SETTINGS, "e/3.jpg": {"easy": [], "hard": [1]}}, "needs integer lists"),
        (GT_TEXT, {**GT_SETTINGS, "e/9.jpg": {"easy": [], "medium": [], "hard": []}}, "no ground truth"),
        (GT_TEXT, [], "expected a JSON object"),
    ],
)
def test_malformed_ground_truth_raises_data_error(
    tmp_path: Path, text: str, settings: object, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        read_ground_truth(*_write(tmp_path, text, settings))


def test_missing_files_raise_data_error(tmp_path: Path) -> None:
    gt_file, settings_file = _write(tmp_path)
    with pytest.raises(DataError, match="file not found"):
        read_ground_truth(tmp_path / "absent.txt", settings_file)
    settings_file.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        read_ground_truth(gt_file, settings_file)


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def wider_run(wider_dir: Path) -> tuple[WiderReport, list[tuple[int, int]]]:
    """One pass of the bundled RetinaFace over wider-dev, with the official detector settings."""
    from faceapp.vision.detect import DetectOptions, create_detector
    from faceapp.vision.models import ModelRegistry
    from faceapp.vision.runtime import choose_provider

    spec, session = ModelRegistry().open("retinaface_mnet025", choose_provider("cpu"))
    options = DetectOptions(long_side=0, score_threshold=0.02, nms_iou=0.4, pre_nms_top_k=5000, max_faces=750)
    detector = create_detector(spec, session, options)
    calls: list[tuple[int, int]] = []
    report = evaluate_wider(
        detector,
        wider_dir / "images",
        wider_dir / "wider_face_val_bbx_gt.txt",
        wider_dir / "settings.json",
        progress=lambda done, total: calls.append((done, total)),
    )
    return report, calls


@pytest.mark.realdata
def test_wider_dev_ap_reaches_reference(wider_run: tuple[WiderReport, list[tuple[int, int]]]) -> None:
    report, _ = wider_run
    assert report.easy_ap >= 0.97
    assert report.medium_ap >= 0.94
    assert report.hard_ap >= 0.84
    assert report.easy_ap >= report.medium_ap >= report.hard_ap


@pytest.mark.realdata
def test_wider_dev_report_counts(wider_run: tuple[WiderReport, list[tuple[int, int]]]) -> None:
    report, calls = wider_run
    assert (report.images, report.faces) == (40, 541)
    assert report.detections > report.faces  # low threshold: many low-score candidates
    assert calls == [(i, 40) for i in range(1, 41)]
    figures = report.to_dict()
    assert set(figures) >= {"easy_ap", "medium_ap", "hard_ap", "images", "faces", "detections", "seconds"}
    json.dumps(figures)
