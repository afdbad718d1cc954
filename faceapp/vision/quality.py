"""Face quality figures, each with a documented scale.

=============  ==========================================================================
figure         scale
=============  ==========================================================================
``size``       shorter side of the detector box, in image pixels (≥ 40 is comfortable)
``eye_dist``   distance between the eye centres, in image pixels
``blur``       variance of the Laplacian of the grey 112x112 chip; < ~40 looks blurred,
               sharp webcam faces give several hundred
``yaw``        left/right head turn in degrees, estimated from the 5 points; 0 = frontal,
               positive = nose towards the image's right; reliable to roughly ±10°
``pitch``      up/down tilt in degrees from the 5 points; positive = looking down;
               rough (±15°), good for gating, not for measuring
``roll``       in-plane rotation of the eye line, in degrees
``brightness`` mean grey level of the chip, 0..255 (< 50 is too dark)
``contrast``   standard deviation of the chip's grey levels, 0..127.5 (< 20 is flat)
``score``      detector confidence, 0..1
=============  ==========================================================================
"""

from __future__ import annotations

import cv2
import numpy as np

from faceapp.vision.constants import ARCFACE_TEMPLATE

#: The figures :func:`assess` measures, in a fixed order (for tables of many faces).
QUALITY_KEYS = ("size", "eye_dist", "blur", "yaw", "pitch", "roll", "brightness", "contrast", "score")

#: Where the nose sits between eye line and mouth line on a frontal face (ArcFace template).
_FRONTAL_NOSE_DEPTH = float(
    (ARCFACE_TEMPLATE[2, 1] - ARCFACE_TEMPLATE[:2, 1].mean())
    / (ARCFACE_TEMPLATE[3:, 1].mean() - ARCFACE_TEMPLATE[:2, 1].mean())
)


def head_pose(landmarks: np.ndarray) -> np.ndarray:
    """Approximate yaw, pitch and roll from 5 points.

    Args:
        landmarks: (N, 5, 2) left eye, right eye, nose, left and right mouth corner.

    Returns:
        (N, 3) float32 degrees: yaw, pitch, roll.
    """
    pts = np.asarray(landmarks, np.float64).reshape(-1, 5, 2)
    if len(pts) == 0:
        return np.zeros((0, 3), np.float32)
    eye_vec = pts[:, 1] - pts[:, 0]
    roll = np.arctan2(eye_vec[:, 1], eye_vec[:, 0])
    cos, sin = np.cos(-roll), np.sin(-roll)
    rot = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], 1)  # (N, 2, 2)
    upright = np.einsum("nij,nkj->nki", rot, pts - pts[:, :1])
    eye_dist = np.maximum(upright[:, 1, 0], 1e-6)
    ratio = upright[:, 2, 0] / eye_dist  # nose between the eyes: 0.5 when frontal
    yaw = np.degrees(np.arcsin(np.clip(2.0 * ratio - 1.0, -1, 1)))
    eye_y = (upright[:, 0, 1] + upright[:, 1, 1]) / 2
    mouth_y = (upright[:, 3, 1] + upright[:, 4, 1]) / 2
    depth = (upright[:, 2, 1] - eye_y) / np.maximum(mouth_y - eye_y, 1e-6)
    pitch = np.degrees(np.arcsin(np.clip(2.0 * (depth - _FRONTAL_NOSE_DEPTH), -1, 1)))
    return np.stack([yaw, pitch, np.degrees(roll)], 1).astype(np.float32)


def blur_score(chip: np.ndarray) -> float:
    """Variance of the Laplacian of a chip's grey image (higher is sharper)."""
    grey = cv2.cvtColor(chip, cv2.COLOR_BGR2GRAY) if chip.ndim == 3 else chip
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def assess(boxes: np.ndarray, scores: np.ndarray, landmarks: np.ndarray, chips: np.ndarray) -> list[dict[str, float]]:
    """All quality figures for N faces (see the module table for their scales).

    Args:
        boxes: (N, 4), scores: (N,), landmarks: (N, 5, 2), chips: (N, 112, 112, 3) uint8 BGR.
    """
    pose = head_pose(landmarks)
    out = []
    for i in range(len(boxes)):
        grey = cv2.cvtColor(chips[i], cv2.COLOR_BGR2GRAY)
        out.append({
            "size": float(min(boxes[i, 2] - boxes[i, 0], boxes[i, 3] - boxes[i, 1])),
            "eye_dist": float(np.linalg.norm(landmarks[i, 1] - landmarks[i, 0])),
            "blur": blur_score(grey),
            "yaw": float(pose[i, 0]),
            "pitch": float(pose[i, 1]),
            "roll": float(pose[i, 2]),
            "brightness": float(grey.mean()),
            "contrast": float(grey.std()),
            "score": float(scores[i]),
        })
    return out
