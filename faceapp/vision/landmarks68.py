"""68-point landmarks from the bundled ``landmarks68_64`` model, and head yaw from them.

The model sees a 64x64 grey square about the face box (side = the box's longer side), pixels
/ 255; it returns 68 (x, y) points in the iBUG 300-W order, normalised to the square (0..1).
Both facts were measured (``tests/vision/test_liveness_eyes.py``): with raw 0..255 input
the points fall far outside the face.
"""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from faceapp.errors import ModelError
from faceapp.vision.models import ModelRegistry, ModelSpec
from faceapp.vision.runtime import ProviderInfo

MODEL_NAME = "landmarks68_64"
CROP_SIZE = 64
#: iBUG indices: jaw ends at the ears, nose tip, outer eye corners.
JAW_LEFT, JAW_RIGHT, NOSE_TIP = 0, 16, 30


def face_squares(boxes: np.ndarray) -> np.ndarray:
    """(N, 3) ``left, top, side`` of the square about each box (N, 4), side = longer box side."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    return np.stack([cx - side / 2, cy - side / 2, side], axis=1)


def yaw_from_landmarks(points: np.ndarray) -> np.ndarray:
    """Left/right head turn in degrees from 68 points (N, 68, 2); 0 = frontal.

    Where the nose tip lies between the two jaw ends: half-way when frontal; positive when the
    nose moves towards the image's right (the same sign as :func:`faceapp.vision.quality.head_pose`).
    """
    pts = np.asarray(points, np.float64).reshape(-1, 68, 2)
    span = np.maximum(pts[:, JAW_RIGHT, 0] - pts[:, JAW_LEFT, 0], 1e-6)
    ratio = (pts[:, NOSE_TIP, 0] - pts[:, JAW_LEFT, 0]) / span
    return np.degrees(np.arcsin(np.clip(2.0 * ratio - 1.0, -1.0, 1.0))).astype(np.float32)


class LandmarkModel:
    """68 landmarks in image pixels for detected faces."""

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession) -> None:
        if spec.kind != "landmarks":
            raise ModelError(f"model {spec.name!r} is a {spec.kind}, not a landmark model")
        self.spec = spec
        self.session = session
        self._input = session.get_inputs()[0].name

    @classmethod
    def open(cls, registry: ModelRegistry, provider: ProviderInfo, threads: int = 1,
             name: str = MODEL_NAME) -> LandmarkModel:
        spec, session = registry.open(name, provider, threads)
        return cls(spec, session)

    def landmarks(self, image: np.ndarray, boxes: np.ndarray, scale: float = 255.0) -> np.ndarray:
        """(N, 68, 2) float32 points in image pixels for the faces ``boxes`` (N, 4).

        ``scale`` divides the pixels (255 is right; other values only to show that).
        """
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        squares = face_squares(boxes)
        out = np.zeros((len(squares), 68, 2), np.float32)
        for i, (left, top, side) in enumerate(squares.tolist()):
            k = CROP_SIZE / max(side, 1.0)
            warp = np.array([[k, 0, -left * k], [0, k, -top * k]], np.float32)
            flags = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
            crop = cv2.warpAffine(grey, warp, (CROP_SIZE, CROP_SIZE), flags=flags, borderMode=cv2.BORDER_REPLICATE)
            norm = self.session.run(None, {self._input: crop[None, None].astype(np.float32) / scale})[0]
            out[i] = norm.reshape(68, 2) * side + np.array([left, top], np.float32)
        return out

    def yaw(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """(N,) head yaw in degrees of each face (see :func:`yaw_from_landmarks`)."""
        return yaw_from_landmarks(self.landmarks(image, boxes))
