"""Face embeddings from aligned chips: batched, L2-normalised, optional flip augmentation."""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from faceapp.errors import ModelError
from faceapp.vision.calibration import Calibration
from faceapp.vision.models import ModelSpec


class Embedder:
    """Runs an ArcFace-style embedder on aligned chips.

    Models with a fixed batch of 1 are called once per chip; models with a free batch dimension
    are called once per ``max_batch`` chips.
    """

    def __init__(self, spec: ModelSpec, session: ort.InferenceSession, flip: bool = False, max_batch: int = 64) -> None:
        if spec.kind != "embedder":
            raise ModelError(f"model {spec.name!r} is a {spec.kind}, not an embedder")
        self.spec = spec
        self.session = session
        self.flip = flip
        inp = session.get_inputs()[0]
        self._input = inp.name
        self._max_batch = max_batch if not isinstance(inp.shape[0], int) else inp.shape[0]
        self.input_size: tuple[int, int] = spec.input_size or (112, 112)
        self.dim = int(spec.embedding_size or session.get_outputs()[0].shape[1])
        self._mean = np.asarray(spec.mean, np.float32)
        self._inv_std = 1.0 / np.asarray(spec.std, np.float32)

    @property
    def calibration(self) -> Calibration | None:
        """The model's calibration for embeddings made as this embedder makes them (flip or not)."""
        return self.spec.calibration_for(self.flip)

    def embed(self, chips: np.ndarray) -> np.ndarray:
        """Embed aligned chips.

        Args:
            chips: (N, H, W, 3) uint8 BGR chips of the model's input size.

        Returns:
            (N, D) float32 unit vectors; (0, D) for no chips.
        """
        chips = np.asarray(chips)
        if chips.ndim != 4 or chips.shape[1:3] != self.input_size or chips.shape[3] != 3:
            raise ValueError(f"expected (N, {self.input_size[0]}, {self.input_size[1]}, 3) chips, got {chips.shape}")
        if len(chips) == 0:
            return np.zeros((0, self.dim), np.float32)
        features = self._run(self._normalise(chips))
        if self.flip:
            features = features + self._run(self._normalise(chips[:, :, ::-1]))
        return l2_normalise(features)

    def _normalise(self, chips: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 BGR to a contiguous (N, 3, H, W) float32 batch.

        Per channel straight into the batch (no float NHWC copy, no transpose copy); the same
        float32 ``(pixel - mean) * (1 / std)`` as before, so bit-identical.
        """
        n, h, w, _ = chips.shape
        out = np.empty((n, 3, h, w), np.float32)
        planes = cv2.split(np.ascontiguousarray(chips).reshape(n * h, w, 3))
        if self.spec.color == "RGB":
            planes = planes[::-1]
        for channel, plane in enumerate(planes):
            target = out[:, channel]
            np.subtract(plane.reshape(n, h, w), self._mean[channel], out=target)
            np.multiply(target, self._inv_std[channel], out=target)
        return out

    def _run(self, batch: np.ndarray) -> np.ndarray:
        step = self._max_batch
        parts = [
            self.session.run(None, {self._input: batch[i : i + step]})[0]
            for i in range(0, len(batch), step)
        ]
        return np.concatenate(parts).reshape(len(batch), -1).astype(np.float32)


def l2_normalise(vectors: np.ndarray, eps: float = 1e-10) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero). Shape (N, D) -> (N, D)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, eps)).astype(np.float32)
