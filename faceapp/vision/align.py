"""Five-point face alignment onto the ArcFace 112x112 template."""

from __future__ import annotations

import cv2
import numpy as np

from faceapp.vision.constants import ARCFACE_TEMPLATE, CHIP_SIZE


def umeyama(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform (rotation, uniform scale, translation) from src to dst.

    Umeyama (1991), without reflection.

    Args:
        src: (K, 2) points, K >= 2.
        dst: (K, 2) corresponding points.

    Returns:
        (2, 3) float64 matrix ``M`` with ``dst ≈ M @ [x, y, 1]``.
    """
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or src.shape[0] < 2:
        raise ValueError(f"need two (K, 2) arrays with K >= 2, got {src.shape} and {dst.shape}")
    src_mean, dst_mean = src.mean(0), dst.mean(0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src)
    u, s, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[1] = -1.0
    rotation = u @ np.diag(d) @ vt
    var_src = (src_c**2).sum() / len(src)
    scale = (s * d).sum() / var_src if var_src > 0 else 1.0
    matrix = np.empty((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - matrix[:, :2] @ src_mean
    return matrix


def alignment_matrices(landmarks: np.ndarray, size: int = CHIP_SIZE) -> np.ndarray:
    """Similarity transforms from image points to a ``size`` x ``size`` ArcFace chip.

    Args:
        landmarks: (N, 5, 2) points in image pixels.
        size: chip side; the template is scaled from 112.

    Returns:
        (N, 2, 3) float64 matrices.
    """
    template = ARCFACE_TEMPLATE * (size / CHIP_SIZE)
    return np.stack([umeyama(points, template) for points in landmarks]) if len(landmarks) else np.zeros((0, 2, 3))


def align_faces(image: np.ndarray, landmarks: np.ndarray, size: int = CHIP_SIZE) -> np.ndarray:
    """Warp each face onto the ArcFace template with one ``cv2.warpAffine`` per face.

    Parts of the chip that fall outside the image are black, so faces at the image border keep
    their geometry instead of being shifted.

    Args:
        image: (H, W, 3) uint8 image.
        landmarks: (N, 5, 2) points in image pixels.
        size: chip side in pixels.

    Returns:
        (N, size, size, 3) uint8 chips in the colour order of ``image``.
    """
    landmarks = np.asarray(landmarks, np.float32).reshape(-1, 5, 2)
    chips = np.zeros((len(landmarks), size, size, 3), np.uint8)
    for i, matrix in enumerate(alignment_matrices(landmarks, size)):
        chips[i] = cv2.warpAffine(
            image, matrix, (size, size), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0),
        )
    return chips
