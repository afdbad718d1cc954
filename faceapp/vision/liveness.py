"""Passive anti-spoofing: is the face in front of the camera a live person or a photo of one?

The bundled ``minifasnet_liveness_128`` model (MiniFASNet-style, 3 classes) sees the face box
enlarged 2.7 times about its centre (clamped inside the image, the Silent-Face crop), resized to
128x128, raw 0..255 pixels. Its package documents RGB input and no class meanings; measured on
nuaa-dev (``tests/vision/test_liveness.py`` keeps both facts true):

* pixels in **BGR** order (as OpenCV decodes): class 0 separates all 223 live frames from all 221
  printed-photo frames (AUC 1.000); with RGB input live frames lose half their score (AUC 0.95);
* **class 0 is live**; classes 1 and 2 are attacks (on NUAA prints score as class 1).

The live score of a face is the softmax probability of class 0. The file fixes its batch at 1;
its graph is made batch-dynamic in memory (:func:`faceapp.vision.onnx_tools.make_batch_dynamic`)
so all faces of a frame go through one call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from faceapp.errors import ModelError
from faceapp.vision.models import ModelRegistry, ModelSpec, check_signature
from faceapp.vision.runtime import ProviderInfo, create_session

log = logging.getLogger(__name__)

MODEL_NAME = "minifasnet_liveness_128"
#: Which output class means "live", established on nuaa-dev (see the module docstring).
LIVE_CLASS = 0
#: Pixel order the model was trained on, established on nuaa-dev.
CHANNEL_ORDER = "BGR"
#: The crop: face box scaled about its centre by this factor.
CROP_SCALE = 2.7
INPUT_SIZE = 128
#: Default decision threshold on the live score (probability of the live class, or the track's
#: aggregated score): 0 in logit space, half-way between the two classes. On nuaa-dev it rejects
#: no live frame and accepts no attack (see :data:`CALIBRATION`).
DEFAULT_THRESHOLD = 0.50


@dataclass(frozen=True)
class CalibrationPoint:
    """One operating point: a threshold, and the error rates measured there."""

    threshold: float
    bpcer: float
    apcer: float


#: Per-frame error rates on nuaa-dev (444 frames: 223 live, 221 print attacks), measured with
#: ``faceapp eval liveness --data nuaa-dev --labels nuaa-dev/labels.csv --json`` (its ``sweep``).
#: A target BPCER picks the highest of these thresholds whose BPCER stays within it (see
#: :func:`threshold_for`). NUAA has print attacks only: on screen replays APCER will be higher.
CALIBRATION: tuple[CalibrationPoint, ...] = (
    CalibrationPoint(0.50, 0.0, 0.0),
    CalibrationPoint(0.90, 0.0045, 0.0),
    CalibrationPoint(0.95, 0.0135, 0.0),
    CalibrationPoint(0.98, 0.0224, 0.0),
)


def threshold_for(target_bpcer: float) -> CalibrationPoint:
    """The operating point for a target BPCER: the highest calibrated threshold within it.

    A target of 0 (the default) gives :data:`DEFAULT_THRESHOLD`, which rejected no live frame.
    """
    fitting = [p for p in CALIBRATION if p.bpcer <= target_bpcer + 1e-12]
    return max(fitting, key=lambda p: p.threshold) if fitting else CALIBRATION[0]


def crop_box(box: np.ndarray, width: int, height: int, scale: float = CROP_SCALE) -> tuple[int, int, int, int]:
    """The liveness crop of one face box, clamped inside the image.

    The box is scaled about its centre by ``scale`` (less when the image is too small for that),
    then shifted back inside the image: the crop of the Silent-Face anti-spoofing code.

    Args:
        box: (4,) ``x1, y1, x2, y2`` in pixels.
        width, height: image size.

    Returns:
        ``left, top, right, bottom`` integer pixels, right/bottom exclusive, never empty.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    s = min(scale, (height - 1) / bh, (width - 1) / bw)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w, h = bw * s, bh * s
    left, top = cx - w / 2, cy - h / 2
    left = min(max(left, 0.0), max(width - 1 - w, 0.0))
    top = min(max(top, 0.0), max(height - 1 - h, 0.0))
    x0, y0 = int(left), int(top)
    return x0, y0, min(max(int(left + w) + 1, x0 + 1), width), min(max(int(top + h) + 1, y0 + 1), height)


def liveness_crops(image: np.ndarray, boxes: np.ndarray, scale: float = CROP_SCALE,
                   size: int = INPUT_SIZE) -> np.ndarray:
    """(N, size, size, 3) uint8 BGR crops of the faces ``boxes`` (N, 4) of a BGR ``image``."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    height, width = image.shape[:2]
    out = np.empty((len(boxes), size, size, 3), np.uint8)
    for i, box in enumerate(boxes):
        x0, y0, x1, y1 = crop_box(box, width, height, scale)
        out[i] = cv2.resize(image[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_LINEAR)
    return out


def to_logit(score: np.ndarray | float, eps: float = 1e-6) -> np.ndarray:
    """log(p / (1 - p)), with ``p`` clipped to [eps, 1 - eps]."""
    p = np.clip(np.asarray(score, np.float64), eps, 1.0 - eps)
    return np.log(p / (1.0 - p))


def from_logit(logit: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`to_logit`."""
    return 1.0 / (1.0 + np.exp(-np.asarray(logit, np.float64)))


class LivenessModel:
    """Live scores for the faces of an image, one batched model call per frame.

    Args:
        spec, session: the liveness model (see :meth:`open`).
        scales: crop scales; with several, the scores are averaged in logit space.
        flip: also score the mirrored crops (averaged in logit space).
        channel_order: ``"BGR"`` (measured right) or ``"RGB"`` (only to show it is wrong).
    """

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession, scales: Sequence[float] = (CROP_SCALE,),
                 flip: bool = False, channel_order: str = CHANNEL_ORDER) -> None:
        if spec.kind != "liveness":
            raise ModelError(f"model {spec.name!r} is a {spec.kind}, not a liveness model")
        if channel_order not in ("BGR", "RGB") or not scales:
            raise ValueError("channel_order must be BGR or RGB, and at least one scale is needed")
        self.spec = spec
        self.session = session
        self.scales = tuple(float(s) for s in scales)
        self.flip = flip
        self.channel_order = channel_order
        inp = session.get_inputs()[0]
        self._input = inp.name
        self._batch = inp.shape[0] if isinstance(inp.shape[0], int) else 0  # 0 = free

    @classmethod
    def open(cls, registry: ModelRegistry, provider: ProviderInfo, threads: int = 0, name: str = MODEL_NAME,
             **options: object) -> LivenessModel:
        """Verify and open the model, batch-dynamic, on ``provider``."""
        import onnx

        from faceapp.vision.onnx_tools import make_batch_dynamic

        spec = registry.verify(name)
        try:
            model = make_batch_dynamic(onnx.load(str(spec.path))).SerializeToString()
        except Exception as exc:  # noqa: BLE001 - a graph we cannot edit still runs one face at a time
            log.warning("liveness model %s kept at batch 1: %s", name, exc)
            model = spec.path.read_bytes()
        session = create_session(model, provider, threads)
        check_signature(spec, session)
        return cls(spec, session, **options)  # type: ignore[arg-type]

    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        """Softmax class probabilities (N, 3) of (N, 128, 128, 3) uint8 BGR crops."""
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
            raise ValueError(f"expected (N, {INPUT_SIZE}, {INPUT_SIZE}, 3) crops, got {crops.shape}")
        if len(crops) == 0:
            return np.zeros((0, 3), np.float32)
        if self.channel_order == "RGB":
            crops = crops[..., ::-1]
        batch = np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32)
        step = self._batch or len(batch)
        logits = np.concatenate([self.session.run(None, {self._input: batch[i:i + step]})[0]
                                 for i in range(0, len(batch), step)]).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)

    def score_crops(self, crops: np.ndarray) -> np.ndarray:
        """Live scores (N,) in [0, 1] of crops (N, 128, 128, 3), with the flip option applied."""
        live = to_logit(self.probabilities(crops)[:, LIVE_CLASS])
        if self.flip:
            live = (live + to_logit(self.probabilities(crops[:, :, ::-1])[:, LIVE_CLASS])) / 2
        return from_logit(live).astype(np.float32)

    def scores(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Live scores (N,) in [0, 1] of the faces ``boxes`` (N, 4) of a BGR ``image``.

        All crops (every face, scale and flip) go through the model in one batch.
        """
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if len(boxes) == 0:
            return np.zeros(0, np.float32)
        crops = np.concatenate([liveness_crops(image, boxes, s) for s in self.scales])
        if self.flip:
            crops = np.concatenate([crops, crops[:, :, ::-1]])
        live = to_logit(self.probabilities(crops)[:, LIVE_CLASS]).reshape(-1, len(boxes))
        return from_logit(live.mean(axis=0)).astype(np.float32)
