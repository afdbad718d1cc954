"""RetinaFace training data: the ``label.txt`` reader and the original augmentation.

``label.txt`` (biubug6/Pytorch_Retinaface ``data/wider_face.py``): ``# <relative image path>``,
then per face ``x y w h`` and five landmarks ``lx ly v`` and a last value; a face without
landmarks has ``-1`` for all 15 landmark values. Faces are turned into rows of 15 numbers:
``x1 y1 x2 y2``, ten landmark coordinates, and a label (1: with landmarks, -1: box only).

Augmentation as the original ``data_augment.preproc``: a random square crop (0.3-1.0 of the short
side, faces kept by centre), photometric distortion (brightness, contrast, saturation, hue),
mirror with the left/right landmarks swapped, padding to a square and resizing to the training
size with a random interpolation. Each sample's draws depend only on (seed, epoch, index).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from faceapp.errors import DataError
from faceapp.vision.constants import RETINAFACE_BGR_MEAN
from faceapp.vision.imageio import load_image

log = logging.getLogger(__name__)

#: Landmark order after a mirror: left and right eyes swap, nose stays, mouth corners swap.
MIRROR_ORDER = (1, 0, 2, 4, 3)
CROP_SCALES = (0.3, 0.45, 0.6, 0.8, 1.0)
_INTERPOLATIONS = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_LANCZOS4)


@dataclass(frozen=True)
class LabelledImage:
    """One image of a ``label.txt``: its path and (N, 15) targets (see the module docstring)."""

    path: Path
    targets: np.ndarray


def read_labels(labels: Path, images: Path) -> list[LabelledImage]:
    """Parse a RetinaFace ``label.txt``; image paths are resolved below ``images``.

    Raises:
        DataError: the file is missing or a line is malformed (its number is named).
    """
    try:
        lines = labels.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{labels}: cannot read the label file ({exc})") from exc
    out: list[LabelledImage] = []
    rows: list[list[float]] = []
    current: Path | None = None
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if current is not None:
                out.append(LabelledImage(current, _targets(rows)))
            current, rows = images / line[1:].strip(), []
            continue
        if current is None:
            raise DataError(f"{labels}:{number}: a face line before the first '# image' line")
        rows.append(_face(line, labels, number))
    if current is not None:
        out.append(LabelledImage(current, _targets(rows)))
    if not out:
        raise DataError(f"{labels}: no images; expected '# <image path>' lines followed by face lines")
    return out


def _face(line: str, labels: Path, number: int) -> list[float]:
    try:
        values = [float(v) for v in line.split()]
    except ValueError:
        raise DataError(f"{labels}:{number}: not numbers: {line[:60]!r}") from None
    if len(values) < 4 or (len(values) > 4 and len(values) < 19):
        raise DataError(f"{labels}:{number}: expected 'x y w h' and 15 landmark values, got {len(values)} numbers")
    x, y, w, h = values[:4]
    marks = values[4:19] if len(values) >= 19 else [-1.0] * 15
    points = [marks[i] for i in (0, 1, 3, 4, 6, 7, 9, 10, 12, 13)]
    label = -1.0 if points[0] < 0 else 1.0
    return [x, y, x + w, y + h, *points, label]


def _targets(rows: list[list[float]]) -> np.ndarray:
    targets = np.asarray(rows, np.float32).reshape(-1, 15)
    return targets[(targets[:, 2] > targets[:, 0]) & (targets[:, 3] > targets[:, 1])]


def random_crop(
    image: np.ndarray, targets: np.ndarray, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """A random square crop keeping the faces whose centre falls inside (up to 250 tries).

    Returns:
        the crop, its targets, and whether it still needs padding to a square (no crop found).
    """
    height, width = image.shape[:2]
    for _ in range(250):
        side = int(rng.choice(CROP_SCALES) * min(height, width))
        left = int(rng.integers(0, width - side + 1))
        top = int(rng.integers(0, height - side + 1))
        centres = (targets[:, :2] + targets[:, 2:4]) / 2
        inside = (centres[:, 0] > left) & (centres[:, 0] < left + side) & \
            (centres[:, 1] > top) & (centres[:, 1] < top + side)
        if not inside.any():
            continue
        kept = targets[inside].copy()
        kept[:, 0:4:2] = np.clip(kept[:, 0:4:2] - left, 0, side)
        kept[:, 1:4:2] = np.clip(kept[:, 1:4:2] - top, 0, side)
        has_marks = kept[:, 14] > 0
        kept[has_marks, 4:14:2] -= left
        kept[has_marks, 5:14:2] -= top
        sizes = np.minimum(kept[:, 2] - kept[:, 0], kept[:, 3] - kept[:, 1])
        kept = kept[sizes > 0]
        if len(kept):
            return image[top : top + side, left : left + side], kept, False
    return image, targets.copy(), True


def distort(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Brightness, contrast, saturation and hue, each with probability 1/2 (original ranges)."""
    out = image.astype(np.float32)
    if rng.random() < 0.5:
        out += rng.uniform(-32, 32)
    contrast_first = rng.random() < 0.5
    if contrast_first and rng.random() < 0.5:
        out *= rng.uniform(0.5, 1.5)
    out = np.clip(out, 0, 255)
    hsv = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_BGR2HSV).astype(np.float32)
    if rng.random() < 0.5:
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.5, 1.5), 0, 255)
    if rng.random() < 0.5:
        hsv[..., 0] = (hsv[..., 0] + rng.integers(-18, 19)) % 180
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)
    if not contrast_first and rng.random() < 0.5:
        out *= rng.uniform(0.5, 1.5)
    return np.clip(out, 0, 255).astype(np.uint8)


def mirror(image: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip left-right; boxes and landmarks follow, left and right landmarks swap."""
    width = image.shape[1]
    out = targets.copy()
    out[:, 0], out[:, 2] = width - targets[:, 2], width - targets[:, 0]
    has_marks = targets[:, 14] > 0
    points = targets[:, 4:14].reshape(-1, 5, 2).copy()
    points[:, :, 0] = width - points[:, :, 0]
    points = points[:, list(MIRROR_ORDER)]
    out[has_marks, 4:14] = points[has_marks].reshape(-1, 10)
    return image[:, ::-1], out


def pad_square(image: np.ndarray) -> np.ndarray:
    """Pad right and bottom to a square with the mean colour."""
    height, width = image.shape[:2]
    side = max(height, width)
    out = np.empty((side, side, 3), np.uint8)
    out[...] = np.asarray(RETINAFACE_BGR_MEAN, np.uint8)
    out[:height, :width] = image
    return out


def to_input(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 BGR -> (3, H, W) float32 minus the RetinaFace mean (the app's input)."""
    return (image.astype(np.float32) - np.asarray(RETINAFACE_BGR_MEAN, np.float32)).transpose(2, 0, 1)


def augment(
    image: np.ndarray, targets: np.ndarray, size: int, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The original ``preproc``: crop, distort, mirror, pad, resize; targets in output pixels."""
    image, targets, needs_pad = random_crop(image, targets, rng)
    image = distort(image, rng)
    if rng.random() < 0.5:
        image, targets = mirror(image, targets)
    if needs_pad:
        image = pad_square(image)
    scale = size / image.shape[0]
    image = cv2.resize(np.ascontiguousarray(image), (size, size), interpolation=int(rng.choice(_INTERPOLATIONS)))
    targets = targets.copy()
    targets[:, :4] *= scale
    has_marks = targets[:, 14] > 0
    targets[has_marks, 4:14] *= scale
    return image, targets


class LabelDataset(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """``label.txt`` images, augmented (training) or only padded and resized (evaluation of loss)."""

    def __init__(self, items: list[LabelledImage], size: int, seed: int = 0, train: bool = True) -> None:
        if not items:
            raise DataError("no labelled images")
        self.items = items
        self.size = size
        self.seed = seed
        self.train = train
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        item = self.items[index]
        image = load_image(item.path)
        if self.train:
            rng = np.random.default_rng((self.seed, self.epoch, int(index)))
            image, targets = augment(image, item.targets, self.size, rng)
        else:
            padded = pad_square(image)
            scale = self.size / padded.shape[0]
            image = cv2.resize(padded, (self.size, self.size))
            targets = item.targets.copy()
            targets[:, :4] *= scale
            targets[targets[:, 14] > 0, 4:14] *= scale
        return torch.from_numpy(to_input(image)), torch.from_numpy(targets)


def collate(batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Stack images; keep each image's targets (a different number of faces per image)."""
    return torch.stack([b[0] for b in batch]), [b[1] for b in batch]
