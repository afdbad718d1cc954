"""Face detection: letterboxed batches in, one :class:`Faces` per image out.

The RetinaFace decoder follows the model's contract (see ``models/README.md``): priors on
strides 8/16/32 with two sizes per cell, variances (0.1, 0.2), score threshold, then NMS.
Other detector families (SCRFD) plug in through :func:`create_detector`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import cv2
import numpy as np
import onnxruntime as ort

from faceapp.errors import ModelError
from faceapp.vision import constants as C
from faceapp.vision.boxes import nms
from faceapp.vision.models import ModelSpec
from faceapp.vision.types import Faces

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectOptions:
    """How to run a detector.

    Attributes:
        long_side: resize so the longer image side is this many pixels (0 = original size).
        upscale: also enlarge images smaller than ``long_side`` (off: small photos stay as they are).
        upscale_to: enlarge small images only up to this long side (0 = ``long_side``).
        score_threshold: drop candidates below this confidence.
        nms_iou: IoU above which overlapping candidates are suppressed.
        min_face_px: drop faces whose shorter box side is below this (in image pixels).
        pre_nms_top_k: candidates kept before NMS.
        max_faces: faces kept after NMS.
    """

    long_side: int = 640
    upscale: bool = False
    upscale_to: int = 0
    score_threshold: float = 0.6
    nms_iou: float = 0.4
    min_face_px: int = 0
    pre_nms_top_k: int = 5000
    max_faces: int = 750


class Detector(Protocol):
    """Anything that finds faces with 5 landmarks."""

    options: DetectOptions

    def detect(self, image: np.ndarray) -> Faces: ...

    def detect_batch(self, images: Sequence[np.ndarray]) -> list[Faces]: ...


class LetterboxDetector(ABC):
    """Shared pre-processing: scale each image, pad the batch to one size, run, map back."""

    #: Pad the network input to a multiple of this (the coarsest stride).
    align_to = 32

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession, options: DetectOptions) -> None:
        self.spec = spec
        self.session = session
        self.options = options
        self._input = session.get_inputs()[0].name
        self._mean = np.asarray(spec.mean, np.float32)
        self._inv_std = 1.0 / np.asarray(spec.std, np.float32)

    def detect(self, image: np.ndarray) -> Faces:
        """Faces in one BGR uint8 image (H, W, 3)."""
        return self.detect_batch([image])[0]

    def detect_batch(self, images: Sequence[np.ndarray]) -> list[Faces]:
        """Faces in each image of a batch, in one inference call."""
        if not images:
            return []
        scales = [self._scale_for(img.shape[:2]) for img in images]
        sizes = [(round(img.shape[0] * s), round(img.shape[1] * s)) for img, s in zip(images, scales, strict=True)]
        height = _round_up(max(h for h, _ in sizes), self.align_to)
        width = _round_up(max(w for _, w in sizes), self.align_to)
        # Zero only when some image leaves padding (640x480 and 640x360 frames fill theirs).
        filled = all(size == (height, width) for size in sizes)
        batch = (np.empty if filled else np.zeros)((len(images), 3, height, width), np.float32)
        for i, (img, (h, w)) in enumerate(zip(images, sizes, strict=True)):
            _check_image(img)
            resized = img if (h, w) == img.shape[:2] else cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
            self._normalise_into(resized, batch[i, :, :h, :w])
        outputs = self.session.run(None, {self._input: batch})
        results = []
        for i, scale in enumerate(scales):
            boxes, scores, landmarks = self._decode([o[i] for o in outputs], (height, width))
            results.append(self._finish(boxes / scale, scores, landmarks / scale))
        return results

    def _scale_for(self, shape: tuple[int, ...]) -> float:
        long_side = self.options.long_side
        if not long_side:
            return 1.0
        scale = long_side / max(shape[0], shape[1])
        if scale < 1.0 or not self.options.upscale:
            return min(scale, 1.0)
        return max(1.0, (self.options.upscale_to or long_side) / max(shape[0], shape[1]))

    def _normalise(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 BGR to (3, H, W) float32 in the model's colour order and scale."""
        out = np.empty((3, *image.shape[:2]), np.float32)
        self._normalise_into(image, out)
        return out

    def _normalise_into(self, image: np.ndarray, out: np.ndarray) -> None:
        """Write :meth:`_normalise` of ``image`` into ``out`` (a (3, H, W) float32 view).

        One plane at a time: ``cv2.split`` and a float ``cv2.subtract`` straight into the
        network input, instead of a float (H, W, 3) copy and a strided transpose (about 10x
        faster at 640x480). Same float32 arithmetic, so bit-identical: ``(pixel - mean) * (1 / std)``.
        """
        planes = cv2.split(image)
        if self.spec.color == "RGB":
            planes = planes[::-1]
        for channel, plane in enumerate(planes):
            target = out[channel]
            result = cv2.subtract(plane, float(self._mean[channel]), dst=target, dtype=cv2.CV_32F)  # type: ignore[call-overload]
            if result.ctypes.data != target.ctypes.data:  # OpenCV could not write in place
                target[...] = result
            if self._inv_std[channel] != 1.0:
                np.multiply(target, self._inv_std[channel], out=target)

    @abstractmethod
    def _decode(
        self, outputs: list[np.ndarray], input_hw: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw outputs of one image to boxes (K,4), scores (K,), landmarks (K,5,2) in input pixels."""

    def _finish(self, boxes: np.ndarray, scores: np.ndarray, landmarks: np.ndarray) -> Faces:
        """Score threshold, size filter, top-k, NMS."""
        opts = self.options
        keep = scores >= opts.score_threshold
        if opts.min_face_px:
            keep &= np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) >= opts.min_face_px
        boxes, scores, landmarks = boxes[keep], scores[keep], landmarks[keep]
        if scores.size > opts.pre_nms_top_k:
            top = np.argpartition(-scores, opts.pre_nms_top_k)[: opts.pre_nms_top_k]
            boxes, scores, landmarks = boxes[top], scores[top], landmarks[top]
        kept = nms(boxes, scores, opts.nms_iou, opts.max_faces)
        if kept.size == 0:
            return Faces.empty()
        return Faces(
            boxes=boxes[kept].astype(np.float32),
            scores=scores[kept].astype(np.float32),
            landmarks=landmarks[kept].astype(np.float32),
        )


class RetinaFaceDetector(LetterboxDetector):
    """RetinaFace (biubug6 layout): outputs ``loc``, ``conf`` (softmaxed), ``landmarks``."""

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession, options: DetectOptions) -> None:
        super().__init__(spec, session, options)
        names = [o.name for o in session.get_outputs()]
        self._order = [names.index(n) for n in ("loc", "conf", "landmarks")]

    def _decode(
        self, outputs: list[np.ndarray], input_hw: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        loc, conf, lms = (outputs[i] for i in self._order)
        scores = conf[:, 1]
        # Decode only candidates that can pass the threshold: most anchors are background.
        idx = np.flatnonzero(scores >= self.options.score_threshold)
        priors = retinaface_priors(*input_hw)[idx]
        boxes, points = decode_retinaface(loc[idx], lms[idx], priors)
        return boxes, scores[idx], points


@lru_cache(maxsize=32)
def retinaface_priors(height: int, width: int) -> np.ndarray:
    """RetinaFace anchors for an input of ``height`` x ``width`` pixels.

    Returns:
        (A, 4) float32 ``cx, cy, w, h`` in pixels, cell-major: for each stride, each row y, each
        column x, each of the two anchor sizes. Read-only (cached).
    """
    parts = []
    for stride, sizes in zip(C.RETINAFACE_STRIDES, C.RETINAFACE_MIN_SIZES, strict=True):
        rows, cols = -(-height // stride), -(-width // stride)
        ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        centres = np.stack([(xs + 0.5) * stride, (ys + 0.5) * stride], axis=-1).reshape(-1, 1, 2)
        wh = np.asarray(sizes, np.float32)[None, :, None].repeat(2, axis=2)
        centres = np.broadcast_to(centres, (centres.shape[0], len(sizes), 2))
        wh = np.broadcast_to(wh, centres.shape)
        parts.append(np.concatenate([centres, wh], axis=-1).reshape(-1, 4))
    priors = np.concatenate(parts).astype(np.float32)
    priors.flags.writeable = False
    return priors


def decode_retinaface(
    loc: np.ndarray, landmarks: np.ndarray, priors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the RetinaFace box and landmark regressions to their priors.

    Args:
        loc: (K, 4) regressions ``dx, dy, dw, dh``.
        landmarks: (K, 10) regressions, five ``(dx, dy)`` pairs.
        priors: (K, 4) ``cx, cy, w, h`` in pixels.

    Returns:
        boxes (K, 4) ``x1, y1, x2, y2`` and landmarks (K, 5, 2), in input pixels.
    """
    v0, v1 = C.RETINAFACE_VARIANCES
    centre = priors[:, :2] + loc[:, :2] * v0 * priors[:, 2:]
    size = priors[:, 2:] * np.exp(loc[:, 2:] * v1)
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    points = priors[:, None, :2] + landmarks.reshape(-1, 5, 2) * v0 * priors[:, None, 2:]
    return boxes, points


def create_detector(spec: ModelSpec, session: ort.InferenceSession, options: DetectOptions) -> Detector:
    """The detector implementation for ``spec.family``."""
    if spec.kind != "detector":
        raise ModelError(f"model {spec.name!r} is a {spec.kind}, not a detector")
    if spec.family == "retinaface":
        return RetinaFaceDetector(spec, session, options)
    if spec.family == "scrfd":
        from faceapp.vision.scrfd import ScrfdDetector

        return ScrfdDetector(spec, session, options)
    raise ModelError(f"model {spec.name!r}: unknown detector family {spec.family!r} (retinaface, scrfd)")


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _check_image(image: np.ndarray) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or 0 in image.shape:
        raise ValueError(f"expected an (H, W, 3) uint8 BGR image, got {image.dtype} {image.shape}")
