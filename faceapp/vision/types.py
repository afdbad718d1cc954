"""The one container for detected faces, shared by every stage of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Faces:
    """Faces found in one image.

    Attributes:
        boxes: (N, 4) float32 ``x1, y1, x2, y2`` in image pixels.
        scores: (N,) float32 detector confidence in [0, 1].
        landmarks: (N, 5, 2) float32 points: left eye, right eye, nose, left and right mouth corner.
        embeddings: (N, D) float32 L2-normalised, or ``None`` when not computed.
        chips: (N, 112, 112, 3) uint8 aligned BGR chips, or ``None`` when not kept.
        quality: one dict of figures per face (see :mod:`faceapp.vision.quality`), or ``None``.
    """

    boxes: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray
    embeddings: np.ndarray | None = None
    chips: np.ndarray | None = None
    quality: list[dict[str, float]] | None = field(default=None)

    def __post_init__(self) -> None:
        n = _check_shape("boxes", self.boxes, (None, 4))
        _check_shape("scores", self.scores, (n,))
        _check_shape("landmarks", self.landmarks, (n, 5, 2))
        if self.embeddings is not None:
            _check_shape("embeddings", self.embeddings, (n, None))
        if self.chips is not None:
            _check_shape("chips", self.chips, (n, None, None, 3))
        if self.quality is not None and len(self.quality) != n:
            raise ValueError(f"quality has {len(self.quality)} entries for {n} faces")

    @classmethod
    def empty(cls) -> Faces:
        """No faces."""
        return cls(
            boxes=np.zeros((0, 4), np.float32),
            scores=np.zeros((0,), np.float32),
            landmarks=np.zeros((0, 5, 2), np.float32),
        )

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    def __getitem__(self, index: Any) -> Faces:
        """Select faces by integer, slice, index array or boolean mask; always returns ``Faces``."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        idx = np.arange(len(self))[index]
        return Faces(
            boxes=self.boxes[idx],
            scores=self.scores[idx],
            landmarks=self.landmarks[idx],
            embeddings=None if self.embeddings is None else self.embeddings[idx],
            chips=None if self.chips is None else self.chips[idx],
            quality=None if self.quality is None else [self.quality[i] for i in idx],
        )

    def with_(self, **changes: Any) -> Faces:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)

    @property
    def widths(self) -> np.ndarray:
        """(N,) box widths in pixels."""
        return self.boxes[:, 2] - self.boxes[:, 0]

    @property
    def heights(self) -> np.ndarray:
        """(N,) box heights in pixels."""
        return self.boxes[:, 3] - self.boxes[:, 1]

    @property
    def areas(self) -> np.ndarray:
        """(N,) box areas in square pixels."""
        return self.widths * self.heights

    def largest(self) -> int:
        """Index of the largest face. Raises ``IndexError`` when empty."""
        if not len(self):
            raise IndexError("no faces")
        return int(np.argmax(self.areas))

    def nearest_to(self, x: float, y: float) -> int:
        """Index of the face whose box centre is nearest to ``(x, y)``."""
        if not len(self):
            raise IndexError("no faces")
        cx = (self.boxes[:, 0] + self.boxes[:, 2]) / 2
        cy = (self.boxes[:, 1] + self.boxes[:, 3]) / 2
        return int(np.argmin((cx - x) ** 2 + (cy - y) ** 2))

    def to_dicts(self) -> list[dict[str, Any]]:
        """Plain JSON-ready description of each face (no embeddings or chips)."""
        out = []
        for i in range(len(self)):
            item: dict[str, Any] = {
                "box": [round(float(v), 1) for v in self.boxes[i]],
                "score": round(float(self.scores[i]), 4),
                "landmarks": [[round(float(v), 1) for v in p] for p in self.landmarks[i]],
            }
            if self.quality is not None:
                item["quality"] = {k: round(float(v), 3) for k, v in self.quality[i].items()}
            out.append(item)
        return out


def _check_shape(name: str, array: np.ndarray, shape: tuple[int | None, ...]) -> int:
    """Validate ``array`` against ``shape`` (``None`` = any); return its first dimension."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, not {type(array).__name__}")
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        raise ValueError(f"{name} has shape {array.shape}, expected {shape}")
    return int(array.shape[0])
