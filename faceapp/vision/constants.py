"""Preprocessing constants shared by inference and training.

The trainer imports this module too, so training and inference can never disagree about the
alignment template or the pixel normalisation.
"""

from __future__ import annotations

import numpy as np

#: ArcFace 5-point template for a 112x112 chip: left eye, right eye, nose, left and right mouth
#: corner, in pixels (x, y). Shape (5, 2).
ARCFACE_TEMPLATE: np.ndarray = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)

#: Side of an aligned face chip in pixels.
CHIP_SIZE: int = 112

#: Bundled MobileFaceNet embedder: RGB, (pixel - 127) / 128.
MOBILEFACENET_MEAN: float = 127.0
MOBILEFACENET_STD: float = 128.0

#: InsightFace ArcFace packs (e.g. w600k_r50): RGB, (pixel - 127.5) / 127.5.
INSIGHTFACE_MEAN: float = 127.5
INSIGHTFACE_STD: float = 127.5

#: RetinaFace (biubug6): BGR minus these per-channel means, no scaling.
RETINAFACE_BGR_MEAN: tuple[float, float, float] = (104.0, 117.0, 123.0)
RETINAFACE_VARIANCES: tuple[float, float] = (0.1, 0.2)
RETINAFACE_STRIDES: tuple[int, ...] = (8, 16, 32)
RETINAFACE_MIN_SIZES: tuple[tuple[int, int], ...] = ((16, 32), (64, 128), (256, 512))
