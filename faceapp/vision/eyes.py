"""Eye state (open or closed) from the bundled ``eye_state_24`` model, for blink challenges.

The model sees a 24x24 grey square about one eye centre, pixels / 255. Its classes are not
documented; measured on lfw-dev (``tests/vision/test_liveness_eyes.py``): **class 1 is open**
(open eyes score ≈ 1, the closed eyes of e.g. ``Barbara_Brezigar_0001`` ≈ 0). The 5-point
landmarks give only eye centres, so the square's side is 0.8 × the distance between the eyes
(about 1.6 × the width of one eye).
"""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from faceapp.errors import ModelError
from faceapp.vision.models import ModelRegistry, ModelSpec
from faceapp.vision.runtime import ProviderInfo

MODEL_NAME = "eye_state_24"
OPEN_CLASS = 1
EYE_SIZE = 24
#: Side of the eye square as a fraction of the distance between the eye centres.
EYE_SIDE = 0.8


def eye_crops(image: np.ndarray, landmarks: np.ndarray, size: int = EYE_SIZE) -> np.ndarray:
    """Grey squares about both eyes of each face.

    Args:
        image: (H, W, 3) BGR or (H, W) grey.
        landmarks: (N, 5, 2) five points per face (left eye, right eye first).

    Returns:
        (N, 2, size, size) uint8: the image-left and image-right eye of each face.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    points = np.asarray(landmarks, np.float32).reshape(-1, 5, 2)
    out = np.zeros((len(points), 2, size, size), np.uint8)
    for i, pts in enumerate(points):
        side = max(float(np.linalg.norm(pts[1] - pts[0])) * EYE_SIDE, 2.0)
        k = size / side
        for j in (0, 1):
            cx, cy = pts[j]
            warp = np.array([[k, 0, size / 2 - cx * k], [0, k, size / 2 - cy * k]], np.float32)
            out[i, j] = cv2.warpAffine(grey, warp, (size, size), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_REPLICATE)
    return out


class EyeStateModel:
    """Probability that an eye is open, for 24x24 grey eye crops."""

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession) -> None:
        if spec.kind != "eye_state":
            raise ModelError(f"model {spec.name!r} is a {spec.kind}, not an eye-state model")
        self.spec = spec
        self.session = session
        self._input = session.get_inputs()[0].name

    @classmethod
    def open(cls, registry: ModelRegistry, provider: ProviderInfo, threads: int = 1,
             name: str = MODEL_NAME) -> EyeStateModel:
        spec, session = registry.open(name, provider, threads)
        return cls(spec, session)

    def open_probability(self, crops: np.ndarray) -> np.ndarray:
        """P(open) for crops of shape (..., 24, 24) uint8; returns the leading shape."""
        crops = np.asarray(crops)
        if crops.shape[-2:] != (EYE_SIZE, EYE_SIZE):
            raise ValueError(f"expected (..., {EYE_SIZE}, {EYE_SIZE}) eye crops, got {crops.shape}")
        flat = crops.reshape(-1, 1, EYE_SIZE, EYE_SIZE).astype(np.float32) / 255.0
        probs = np.empty(len(flat), np.float32)
        for i in range(len(flat)):  # the file's batch is fixed at 1; an eye costs ~0.05 ms
            logits = self.session.run(None, {self._input: flat[i:i + 1]})[0][0].astype(np.float64)
            exp = np.exp(logits - logits.max())
            probs[i] = exp[OPEN_CLASS] / exp.sum()
        return probs.reshape(crops.shape[:-2])

    def eyes_open(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """(N,) mean P(open) of both eyes of each face."""
        crops = eye_crops(image, landmarks)
        if len(crops) == 0:
            return np.zeros(0, np.float32)
        return self.open_probability(crops).mean(axis=1).astype(np.float32)
