"""SCRFD face detectors from InsightFace (for example ``det_10g.onnx`` of the ``buffalo_l`` pack).

Contract (InsightFace ``python-package/insightface/model_zoo/scrfd.py``): RGB input,
``(pixel - 127.5) / 128`` (the mean and std come from the manifest), feature strides 8/16/32 with
two anchors per cell (or 8..128 with one anchor when the model has five levels). For each stride the
model gives sigmoid scores ``(A, 1)``, box distances ``(A, 4)`` (left, top, right, bottom) and
key-point offsets ``(A, 10)``, both in units of the stride, with or without a leading batch axis.
Anchor ``i`` of a stride sits in cell ``i // num_anchors`` (row-major over the feature map) and its
centre is ``(x * stride, y * stride)``: the cell's top-left corner, not its middle.

Outputs are told apart by their last dimension (1, 4, 10) and, within a kind, by how many anchors
they hold for the current input size, so the order in which a converter wrote them does not matter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np
import onnxruntime as ort

from faceapp.errors import ModelError
from faceapp.vision.detect import DetectOptions, LetterboxDetector, _check_image, _round_up
from faceapp.vision.models import ModelSpec
from faceapp.vision.types import Faces

log = logging.getLogger(__name__)

#: Last dimension of each output kind.
SCORE_DIM, BOX_DIM, KPS_DIM = 1, 4, 10
#: Strides and anchors per cell of the InsightFace layouts, by number of feature levels.
DEFAULT_LAYOUTS: dict[int, tuple[tuple[int, ...], int]] = {
    3: ((8, 16, 32), 2),
    5: ((8, 16, 32, 64, 128), 1),
}

Level = tuple[int, np.ndarray, np.ndarray, np.ndarray]
"""One feature level: stride, scores (A,), box distances (A, 4), key-point offsets (A, 10)."""


def distance2bbox(points: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Boxes from anchor centres and distances to the four sides.

    Args:
        points: (K, 2) anchor centres ``x, y`` in pixels.
        distance: (K, 4) distances ``left, top, right, bottom`` in pixels.

    Returns:
        (K, 4) boxes ``x1, y1, x2, y2``.
    """
    return np.concatenate([points - distance[:, :2], points + distance[:, 2:]], axis=1)


def distance2kps(points: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Key points from anchor centres and their offsets.

    Args:
        points: (K, 2) anchor centres ``x, y`` in pixels.
        distance: (K, 2P) offsets ``dx0, dy0, dx1, dy1, ...`` in pixels.

    Returns:
        (K, P, 2) points ``x, y``.
    """
    return points[:, None, :] + distance.reshape(len(distance), distance.shape[1] // 2, 2)


def anchor_centres(indices: np.ndarray, stride: int, columns: int, num_anchors: int) -> np.ndarray:
    """Centres of the anchors with the given flat indices on one feature level.

    Args:
        indices: (K,) anchor indices, cell-major (row, column, anchor).
        stride: pixels per feature cell.
        columns: feature map width in cells.
        num_anchors: anchors per cell.

    Returns:
        (K, 2) float32 ``x, y`` in input pixels: ``(column * stride, row * stride)``.
    """
    cell = indices // num_anchors
    return np.stack([cell % columns, cell // columns], axis=1).astype(np.float32) * stride


class ScrfdDetector(LetterboxDetector):
    """SCRFD with key points (InsightFace ``*_bnkps`` / ``det_*g`` exports).

    InsightFace's own exports fix the batch at 1 and drop the batch axis from their outputs; those
    models are run one image at a time. Exports with a free batch dimension and ``(N, A, k)``
    outputs get the whole batch in one call.
    """

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession, options: DetectOptions) -> None:
        super().__init__(spec, session, options)
        outputs = session.get_outputs()
        self.strides, self.num_anchors = _layout(spec, len(outputs))
        self.align_to = max(self.strides)
        _check_output_dims(spec, [o.shape for o in outputs], len(self.strides))
        batch = session.get_inputs()[0].shape[0]
        batched = all(len(o.shape) == 3 for o in outputs)
        self._per_image = not batched or (isinstance(batch, int) and batch == 1)
        log.debug("%s: strides %s, %d anchors per cell, per-image runs: %s",
                  spec.name, self.strides, self.num_anchors, self._per_image)

    def detect_batch(self, images: Sequence[np.ndarray]) -> list[Faces]:
        """Faces in each image; one inference call per image when the model has no batch axis."""
        if not self._per_image:
            return super().detect_batch(images)
        return [self._detect_one(image) for image in images]

    def _detect_one(self, image: np.ndarray) -> Faces:
        """Letterbox one image, run the model, decode outputs that may lack the batch axis."""
        _check_image(image)
        scale = self._scale_for(image.shape[:2])
        h, w = round(image.shape[0] * scale), round(image.shape[1] * scale)
        height, width = _round_up(h, self.align_to), _round_up(w, self.align_to)
        resized = image
        if (h, w) != image.shape[:2]:
            resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        blob = np.zeros((1, 3, height, width), np.float32)
        blob[0, :, :h, :w] = self._normalise(resized)
        outputs = self.session.run(None, {self._input: blob})
        outputs = [o[0] if o.ndim == 3 else o for o in outputs]
        boxes, scores, landmarks = self._decode(outputs, (height, width))
        return self._finish(boxes / scale, scores, landmarks / scale)

    def _decode(
        self, outputs: list[np.ndarray], input_hw: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Outputs of one image to boxes (K, 4), scores (K,), landmarks (K, 5, 2) in input pixels."""
        boxes, scores, points = [], [], []
        columns = {s: input_hw[1] // s for s in self.strides}
        for stride, level_scores, distances, offsets in self._levels(outputs, input_hw):
            # Decode only candidates that can pass the threshold: most anchors are background.
            idx = np.flatnonzero(level_scores >= self.options.score_threshold)
            centres = anchor_centres(idx, stride, columns[stride], self.num_anchors)
            boxes.append(distance2bbox(centres, distances[idx] * stride))
            points.append(distance2kps(centres, offsets[idx] * stride))
            scores.append(level_scores[idx])
        return np.concatenate(boxes), np.concatenate(scores), np.concatenate(points)

    def _levels(self, outputs: list[np.ndarray], input_hw: tuple[int, int]) -> list[Level]:
        """Group one image's outputs by stride, identified by last dimension and anchor count."""
        wanted = {
            (input_hw[0] // s) * (input_hw[1] // s) * self.num_anchors: s for s in self.strides
        }
        found: dict[tuple[int, int], np.ndarray] = {}
        for out in outputs:
            array = out.reshape(-1, out.shape[-1]) if out.ndim >= 2 else out.reshape(-1, 1)
            stride = wanted.get(array.shape[0])
            key = (array.shape[1], stride or 0)
            if stride is None or array.shape[1] not in (SCORE_DIM, BOX_DIM, KPS_DIM) or key in found:
                raise ModelError(self._shape_message(outputs, input_hw))
            found[key] = array
        return [
            (s, found[(SCORE_DIM, s)][:, 0], found[(BOX_DIM, s)], found[(KPS_DIM, s)])
            for s in self.strides
        ]

    def _shape_message(self, outputs: list[np.ndarray], input_hw: tuple[int, int]) -> str:
        shapes = ", ".join(str(tuple(o.shape)) for o in outputs)
        return (
            f"model {self.spec.name!r}: outputs {shapes} for an input of {input_hw[1]}x{input_hw[0]} "
            f"do not fit an SCRFD detector with strides {self.strides} and {self.num_anchors} anchors "
            "per cell; check the manifest's family and 'extra' (strides, num_anchors)"
        )


def _layout(spec: ModelSpec, num_outputs: int) -> tuple[tuple[int, ...], int]:
    """Strides and anchors per cell, from the manifest's ``extra`` or the number of outputs."""
    levels, rest = divmod(num_outputs, 3)
    default = DEFAULT_LAYOUTS.get(levels)
    if rest or default is None:
        raise ModelError(
            f"model {spec.name!r} has {num_outputs} outputs; an SCRFD detector with key points has "
            "9 (3 strides) or 15 (5 strides): scores, boxes and key points per stride. Models "
            "without key points cannot be used because faces are aligned on 5 landmarks"
        )
    try:
        strides = tuple(int(s) for s in spec.extra.get("strides", default[0]))
        num_anchors = int(spec.extra.get("num_anchors", default[1]))
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"model {spec.name!r}: bad 'strides' or 'num_anchors' in the manifest ({exc})"
        ) from exc
    if len(strides) != levels or num_anchors < 1 or min(strides) < 1:
        raise ModelError(
            f"model {spec.name!r}: manifest gives strides {strides} and {num_anchors} anchors per "
            f"cell, but the model has {levels} feature levels"
        )
    return strides, num_anchors


def _check_output_dims(spec: ModelSpec, shapes: list[list[int | str | None]], levels: int) -> None:
    """Fail early when the declared last dimensions are not ``levels`` each of 1, 4 and 10."""
    last = [s[-1] for s in shapes if s and isinstance(s[-1], int)]
    if len(last) < len(shapes):
        return  # some shapes are symbolic: checked on the first run instead
    for dim in (SCORE_DIM, BOX_DIM, KPS_DIM):
        if last.count(dim) != levels:
            raise ModelError(
                f"model {spec.name!r}: output last dimensions {last} are not {levels} each of "
                f"{SCORE_DIM} (scores), {BOX_DIM} (boxes) and {KPS_DIM} (key points); "
                "is this an SCRFD detector with key points?"
            )
