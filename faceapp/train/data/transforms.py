"""Chip augmentation (numpy, seeded per sample) and conversion to normalised tensors.

Augmentations keep the alignment: a mirror flip maps the ArcFace template onto itself, and the
crop is small (a few pixels) and resized back to the chip size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from faceapp.vision.constants import CHIP_SIZE


@dataclass(frozen=True)
class Augment:
    """Training augmentation of a (H, W, 3) uint8 chip.

    Attributes:
        flip: probability of a horizontal flip.
        brightness, contrast, saturation: colour jitter strengths (factor drawn from 1 ± value).
        crop: probability of a random crop keeping at least ``crop_scale`` of each side, resized back.
        crop_scale: smallest kept fraction of the side for the crop.
        erase: probability of erasing one random rectangle (2–20% of the area) with noise.
    """

    flip: float = 0.5
    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2
    crop: float = 0.0
    crop_scale: float = 0.9
    erase: float = 0.0

    def __call__(self, chip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An augmented copy of ``chip`` (uint8, same shape)."""
        out = chip
        if rng.random() < self.flip:
            out = out[:, ::-1]
        if rng.random() < self.crop:
            out = _random_crop(out, self.crop_scale, rng)
        out = _jitter(out, self.brightness, self.contrast, self.saturation, rng)
        if rng.random() < self.erase:
            out = _erase(out, rng)
        return np.ascontiguousarray(out)


def _random_crop(chip: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    h, w = chip.shape[:2]
    side = rng.uniform(scale, 1.0)
    ch, cw = max(1, round(h * side)), max(1, round(w * side))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return cv2.resize(np.ascontiguousarray(chip[y : y + ch, x : x + cw]), (w, h), interpolation=cv2.INTER_LINEAR)


def _jitter(
    chip: np.ndarray, brightness: float, contrast: float, saturation: float, rng: np.random.Generator
) -> np.ndarray:
    if not (brightness or contrast or saturation):
        return chip
    img = chip.astype(np.float32)
    if brightness:
        img *= rng.uniform(1 - brightness, 1 + brightness)
    if contrast:
        img = (img - img.mean()) * rng.uniform(1 - contrast, 1 + contrast) + img.mean()
    if saturation:
        grey = img.mean(axis=2, keepdims=True)
        img = (img - grey) * rng.uniform(1 - saturation, 1 + saturation) + grey
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def _erase(chip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = chip.shape[:2]
    area = rng.uniform(0.02, 0.2) * h * w
    aspect = np.exp(rng.uniform(np.log(0.3), np.log(3.3)))
    eh, ew = min(h, round(np.sqrt(area * aspect))), min(w, round(np.sqrt(area / aspect)))
    y, x = int(rng.integers(0, h - eh + 1)), int(rng.integers(0, w - ew + 1))
    out = chip.copy()
    out[y : y + eh, x : x + ew] = rng.integers(0, 256, (eh, ew, chip.shape[2]), dtype=np.uint8)
    return out


def chip_to_tensor(chip_bgr: np.ndarray, mean: float, std: float) -> torch.Tensor:
    """(H, W, 3) uint8 BGR chip → (3, H, W) float32 RGB tensor, ``(pixel − mean) / std``.

    The same conversion as :class:`faceapp.vision.embed.Embedder` does for an RGB model.
    """
    if chip_bgr.ndim != 3 or chip_bgr.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) chip, got {chip_bgr.shape}")
    if chip_bgr.shape[:2] != (CHIP_SIZE, CHIP_SIZE):
        chip_bgr = cv2.resize(chip_bgr, (CHIP_SIZE, CHIP_SIZE), interpolation=cv2.INTER_LINEAR)
    rgb = chip_bgr[:, :, ::-1].astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(((rgb - mean) / std).transpose(2, 0, 1)))
