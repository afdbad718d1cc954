"""WIDER FACE detection AP (Easy / Medium / Hard), computed as the official toolkit does.

The figures reproduce ``eval_tools/evaluation.m`` of the WIDER FACE site and its Python port
(``widerface_evaluate/evaluation.py`` in biubug6/Pytorch_Retinaface), including their quirks:

* scores are min-max normalised over all images, with the range seeded by ``[0, 1]``;
* each prediction, in descending score order, is matched to the ground-truth face it overlaps
  most (IoU with the ``+1`` pixel convention); at IoU >= 0.5 a match to a face outside the
  setting's list marks the prediction as ignored, a match to a listed face recalls that face —
  a second match to an already recalled face still counts as a proposal;
* precision and recall are taken at 1000 score thresholds and summed over images (images
  without predictions or without faces add only their listed faces to the face count);
* AP is the area under the interpolated precision envelope (the "new" VOC AP). Thresholds with
  no proposal have undefined precision; like MATLAB's ``max`` the envelope skips them.
* one deliberate difference: when every score is the same single value the toolkit divides
  0 by 0 and scores nothing; here such scores normalise to 0, the lowest threshold.

Ground truth comes from the official text file plus a JSON file of the Easy / Medium / Hard
lists (1-based indices into each image's face list, as in ``wider_{easy,medium,hard}_val.mat``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faceapp.errors import DataError
from faceapp.vision.detect import Detector
from faceapp.vision.imageio import load_image

log = logging.getLogger(__name__)

SETTINGS: tuple[str, ...] = ("easy", "medium", "hard")
IOU_THRESHOLD = 0.5
THRESH_NUM = 1000

#: Predictions of one image: boxes (K, 4) ``x1, y1, x2, y2`` and scores (K,).
Prediction = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class WiderImage:
    """Ground truth of one image.

    Attributes:
        boxes: (N, 4) float64 ``x1, y1, x2, y2`` with ``x2 = x + w`` (toolkit convention);
            zero-width or zero-height faces are left out.
        keep: for each setting, (N,) bool: True for the faces the setting evaluates; the others
            are "ignore" faces.
    """

    boxes: np.ndarray
    keep: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class WiderReport:
    """Figures of one WIDER FACE evaluation run."""

    easy_ap: float
    medium_ap: float
    hard_ap: float
    images: int
    faces: int
    detections: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures."""
        return asdict(self)


# --------------------------------------------------------------------------- ground truth


def read_ground_truth(gt_file: Path, settings_file: Path) -> dict[str, WiderImage]:
    """Read the official ground-truth text file and the Easy / Medium / Hard lists.

    Args:
        gt_file: ``wider_face_val_bbx_gt.txt`` format: an image name line, a face count line,
            then ``x y w h blur expression illumination invalid occlusion pose`` per face (an
            image with no face has one all-zero line).
        settings_file: JSON ``{image: {"easy": [...], "medium": [...], "hard": [...]}}`` with
            1-based indices into the image's face list (zero-size faces included).

    Returns:
        Ground truth keyed by ``"event/file.jpg"``, for the images listed in ``settings_file``.

    Raises:
        DataError: a file is missing, malformed, or the two files do not agree.
    """
    raw_boxes = parse_gt_text(_read_text(gt_file), str(gt_file))
    settings = _parse_settings(_read_text(settings_file), str(settings_file))
    missing = sorted(set(settings) - set(raw_boxes))
    if missing:
        raise DataError(
            f"{settings_file}: {len(missing)} image(s) have no ground truth in {gt_file}, "
            f"e.g. {missing[0]!r}; use the settings file that belongs to this ground truth"
        )
    if len(raw_boxes) > len(settings):
        log.warning("%d ground-truth images have no settings entry; skipped", len(raw_boxes) - len(settings))
    return {name: _build_image(name, raw_boxes[name], settings[name]) for name in settings}


def parse_gt_text(text: str, source: str = "ground truth") -> dict[str, np.ndarray]:
    """Parse the official ground-truth text.

    Returns:
        For each image, (N, 4) float64 ``x, y, w, h`` of every listed face, in file order.

    Raises:
        DataError: the text does not follow the format.
    """
    lines = [line.strip() for line in text.splitlines()]
    images: dict[str, np.ndarray] = {}
    i = 0
    while i < len(lines):
        name = lines[i]
        if not name:
            i += 1
            continue
        count = _parse_count(lines, i + 1, source)
        rows = lines[i + 2 : i + 2 + count]
        if len(rows) < count:
            raise DataError(f"{source}: {name!r} lists {count} faces but the file ends after {len(rows)}")
        boxes = np.array([_parse_face(row, source, i + 3 + k) for k, row in enumerate(rows)], np.float64)
        images[name] = boxes.reshape(-1, 4)
        i += 2 + count
        if count == 0 and i < len(lines) and _is_face_line(lines[i]):
            i += 1  # the placeholder "0 0 0 0 ..." line of an image without faces
    if not images:
        raise DataError(f"{source}: no images found; is this a WIDER FACE ground-truth file?")
    return images


def _parse_count(lines: list[str], index: int, source: str) -> int:
    if index >= len(lines):
        raise DataError(f"{source}: line {index + 1}: missing face count after {lines[index - 1]!r}")
    try:
        count = int(lines[index])
    except ValueError:
        raise DataError(
            f"{source}: line {index + 1}: expected a face count, got {lines[index]!r}"
        ) from None
    if count < 0:
        raise DataError(f"{source}: line {index + 1}: negative face count {count}")
    return count


def _parse_face(row: str, source: str, line_no: int) -> list[float]:
    fields = row.split()
    try:
        if len(fields) < 4:
            raise ValueError
        x, y, w, h = (float(v) for v in fields[:4])
    except ValueError:
        raise DataError(f"{source}: line {line_no}: expected 'x y w h ...', got {row!r}") from None
    if w < 0 or h < 0:
        raise DataError(f"{source}: line {line_no}: negative box size in {row!r}")
    return [x, y, w, h]


def _is_face_line(row: str) -> bool:
    fields = row.split()
    return len(fields) >= 4 and all(f.lstrip("-").replace(".", "", 1).isdigit() for f in fields)


def _parse_settings(text: str, source: str) -> dict[str, dict[str, list[int]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not data:
        raise DataError(f"{source}: expected a JSON object of images, each with easy/medium/hard lists")
    for name, entry in data.items():
        if not isinstance(entry, dict) or any(
            not isinstance(entry.get(s), list) or not all(type(v) is int for v in entry[s]) for s in SETTINGS
        ):
            raise DataError(f"{source}: {name!r} needs integer lists 'easy', 'medium' and 'hard'")
    return data


def _build_image(name: str, xywh: np.ndarray, lists: Mapping[str, list[int]]) -> WiderImage:
    """Keep masks over the full face list (indices stay as in the toolkit), then drop zero-size faces."""
    n = len(xywh)
    valid = (xywh[:, 2] > 0) & (xywh[:, 3] > 0)
    keep: dict[str, np.ndarray] = {}
    for setting in SETTINGS:
        idx = np.asarray(lists[setting], np.int64)
        if idx.size and (idx.min() < 1 or idx.max() > n):
            raise DataError(f"{name}: {setting} index out of range 1..{n}: {lists[setting]}")
        mask = np.zeros(n, bool)
        mask[idx - 1] = True
        if (mask & ~valid).any():
            dropped = int((mask & ~valid).sum())
            log.debug("%s: %s lists %d zero-size face(s); left out", name, setting, dropped)
        keep[setting] = mask[valid]
    boxes = xywh[valid].copy()
    boxes[:, 2:] += boxes[:, :2]
    return WiderImage(boxes=boxes, keep=keep)


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from None


# --------------------------------------------------------------------------- AP machinery


def box_overlaps(boxes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """IoU with the toolkit's ``+1`` pixel convention (box width is ``x2 - x1 + 1``).

    Args:
        boxes: (N, 4) ``x1, y1, x2, y2``.
        query: (K, 4) ``x1, y1, x2, y2``.

    Returns:
        (N, K) float64 overlaps; 0 where the boxes do not intersect.
    """
    a = np.asarray(boxes, np.float64)[:, None, :]
    b = np.asarray(query, np.float64)[None, :, :]
    iw = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]) + 1
    ih = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]) + 1
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1)
    area_b = (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (area_a + area_b - inter)
    return np.where((iw > 0) & (ih > 0), iou, 0.0)


def image_eval(boxes: np.ndarray, gt: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match one image's predictions (sorted best first) to its faces, as the toolkit does.

    Args:
        boxes: (K, 4) predictions ``x1, y1, x2, y2``, in descending score order.
        gt: (N, 4) faces ``x1, y1, x2, y2``, N >= 1.
        keep: (N,) bool, True for the faces the setting evaluates.

    Returns:
        pred_recall (K,): listed faces recalled by predictions ``0..k``; proposal (K,): 1 for a
        prediction that counts as a proposal, -1 for one matched to an ignore face.
    """
    overlaps = box_overlaps(boxes, gt)
    best = overlaps.argmax(axis=1)
    hit = overlaps[np.arange(len(best)), best] >= IOU_THRESHOLD
    proposal = np.where(hit & ~keep[best], -1.0, 1.0)
    recalled = np.flatnonzero(hit & keep[best])
    _, first = np.unique(best[recalled], return_index=True)
    new_face = np.zeros(len(best), np.int64)
    new_face[recalled[first]] = 1
    return np.cumsum(new_face).astype(np.float64), proposal


def img_pr_info(scores: np.ndarray, proposal: np.ndarray, pred_recall: np.ndarray) -> np.ndarray:
    """Proposals and recalled faces of one image at each of the 1000 thresholds.

    Args:
        scores: (K,) normalised scores, descending.
        proposal: (K,) from :func:`image_eval`.
        pred_recall: (K,) from :func:`image_eval`.

    Returns:
        (1000, 2): number of proposals and of recalled faces among predictions scoring at least
        ``1 - (t + 1) / 1000``.
    """
    thresholds = 1 - np.arange(1, THRESH_NUM + 1) / THRESH_NUM
    # Predictions are sorted, so those at or above a threshold are a prefix.
    above = len(scores) - np.searchsorted(scores[::-1], thresholds, side="left")
    proposals = np.concatenate([[0.0], np.cumsum(proposal == 1)])[above]
    recalled = np.concatenate([[0.0], pred_recall])[above]
    return np.stack([proposals, recalled], axis=1).astype(np.float64)


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """Area under the interpolated precision-recall curve (the "new" VOC AP).

    NaN precisions (thresholds with no proposal yet, hence zero recall) are skipped by the
    envelope, as MATLAB's ``max`` skips NaN in the official toolkit.
    """
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.fmax.accumulate(mpre[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def normalise_scores(predictions: Mapping[str, Prediction]) -> dict[str, Prediction]:
    """Sort each image's predictions best first and min-max normalise scores over all images.

    The range starts as ``[min=1, max=0]`` before widening to the data, as in the toolkit.
    """
    all_scores = [np.asarray(s, np.float64) for _, s in predictions.values() if len(s)]
    low = min([1.0, *(float(s.min()) for s in all_scores)])
    high = max([0.0, *(float(s.max()) for s in all_scores)])
    span = high - low if high > low else 1.0
    out: dict[str, Prediction] = {}
    for name, (boxes, scores) in predictions.items():
        scores = np.asarray(scores, np.float64)
        order = np.argsort(-scores, kind="stable")
        out[name] = (np.asarray(boxes, np.float64).reshape(-1, 4)[order], (scores[order] - low) / span)
    return out


def setting_ap(predictions: Mapping[str, Prediction], gt: Mapping[str, WiderImage], setting: str) -> float:
    """AP of one setting; ``predictions`` already normalised by :func:`normalise_scores`."""
    pr_curve = np.zeros((THRESH_NUM, 2))
    count_face = 0
    for name, image in gt.items():
        keep = image.keep[setting]
        count_face += int(keep.sum())
        boxes, scores = predictions.get(name, (np.zeros((0, 4)), np.zeros(0)))
        if len(image.boxes) == 0 or len(scores) == 0:
            continue
        pred_recall, proposal = image_eval(boxes, image.boxes, keep)
        pr_curve += img_pr_info(scores, proposal, pred_recall)
    if count_face == 0:
        log.warning("setting %r has no faces in this ground truth; its AP is undefined (NaN)", setting)
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = pr_curve[:, 1] / pr_curve[:, 0]
    return voc_ap(pr_curve[:, 1] / count_face, precision)


def evaluate_detections(
    predictions: Mapping[str, Prediction], gt: Mapping[str, WiderImage]
) -> dict[str, float]:
    """Easy / Medium / Hard AP of a set of detections.

    Args:
        predictions: per image name, boxes (K, 4) ``x1, y1, x2, y2`` and scores (K,); images of
            ``gt`` without an entry have no detections.
        gt: ground truth from :func:`read_ground_truth`.

    Returns:
        ``{"easy": ap, "medium": ap, "hard": ap}``.

    Raises:
        DataError: predictions name images that are not in the ground truth.
    """
    unknown = sorted(set(predictions) - set(gt))
    if unknown:
        raise DataError(f"{len(unknown)} predicted image(s) are not in the ground truth, e.g. {unknown[0]!r}")
    normalised = normalise_scores(predictions)
    return {setting: setting_ap(normalised, gt, setting) for setting in SETTINGS}


# --------------------------------------------------------------------------- detector run


def evaluate_wider(
    detector: Detector,
    images_dir: Path,
    gt_file: Path,
    settings_file: Path,
    progress: Callable[[int, int], None] | None = None,
) -> WiderReport:
    """Run ``detector`` over the WIDER FACE images and score it.

    The official protocol runs the detector on the original image size with a low score
    threshold (0.02); other options are allowed but logged, since they change the figures.

    Args:
        detector: any :class:`~faceapp.vision.detect.Detector`.
        images_dir: folder holding ``<event>/<file>.jpg``.
        gt_file: the official ground-truth text file.
        settings_file: the Easy / Medium / Hard lists (see :func:`read_ground_truth`).
        progress: called with ``(done, total)`` after each image.

    Raises:
        DataError: malformed ground truth.
        ImageError: an image is missing or unreadable.
    """
    _warn_if_not_official(detector)
    gt = read_ground_truth(gt_file, settings_file)
    start = time.perf_counter()
    predictions: dict[str, Prediction] = {}
    for done, name in enumerate(gt, start=1):
        faces = detector.detect(load_image(Path(images_dir) / name))
        predictions[name] = (faces.boxes, faces.scores)
        if progress is not None:
            progress(done, len(gt))
    ap = evaluate_detections(predictions, gt)
    seconds = time.perf_counter() - start
    log.info("WIDER FACE AP %s (%.1f s)", {k: round(v, 4) for k, v in ap.items()}, seconds)
    return WiderReport(
        easy_ap=ap["easy"], medium_ap=ap["medium"], hard_ap=ap["hard"],
        images=len(gt), faces=sum(len(g.boxes) for g in gt.values()),
        detections=sum(len(s) for _, s in predictions.values()), seconds=seconds,
    )


def _warn_if_not_official(detector: Detector) -> None:
    options = getattr(detector, "options", None)
    if options is None:
        return
    if options.long_side or options.score_threshold > 0.02 or options.min_face_px:
        log.warning(
            "detector options differ from the official WIDER FACE protocol (original size, score "
            "threshold 0.02, no minimum size): long_side=%s score_threshold=%s min_face_px=%s",
            options.long_side, options.score_threshold, options.min_face_px,
        )
