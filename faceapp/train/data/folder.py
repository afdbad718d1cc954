"""Identity-per-folder data (``DIR/<person>/*.jpg``): raw photos aligned once by the engine and
cached as chips, or folders of chips that are already aligned (112x112).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from faceapp.errors import DataError, FaceAppError
from faceapp.train.data.transforms import Augment, chip_to_tensor
from faceapp.vision.align import align_faces
from faceapp.vision.imageio import is_image_path
from faceapp.vision.pipeline import FacePipeline

log = logging.getLogger(__name__)

CHIP_SUFFIX = ".png"
NO_FACE_LIST = "no_face.txt"


@dataclass(frozen=True)
class ImageList:
    """Image files with integer identity labels; ``classes[label]`` is the folder name."""

    paths: list[Path]
    labels: np.ndarray
    classes: list[str]


def list_identity_folder(root: Path, min_images: int = 1) -> ImageList:
    """Images below ``root/<person>/``, identities sorted by name, labels 0..C−1.

    Args:
        root: the folder of identity folders.
        min_images: skip identities with fewer images.
    """
    if not root.is_dir():
        raise DataError(f"{root}: no such folder of identity folders")
    paths: list[Path] = []
    labels: list[int] = []
    classes: list[str] = []
    for person in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        images = sorted(p for p in person.iterdir() if p.is_file() and is_image_path(p))
        if len(images) < min_images:
            continue
        paths += images
        labels += [len(classes)] * len(images)
        classes.append(person.name)
    if not paths:
        raise DataError(f"{root}: no identity folders with at least {min_images} image(s)")
    return ImageList(paths, np.asarray(labels, np.int64), classes)


@dataclass
class PrepareReport:
    """What :func:`prepare_chips` did."""

    aligned: int = 0
    cached: int = 0
    no_face: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def prepare_chips(
    source: Path, cache: Path, pipeline: FacePipeline, select: str = "largest",
    progress: Callable[[int, int], None] | None = None,
) -> PrepareReport:
    """Align every photo of ``source/<person>/`` into ``cache/<person>/<stem>.png``.

    The engine detects faces, keeps one (the largest, or the one nearest the image centre as
    ``faceapp eval lfw`` does) and warps it onto the ArcFace template. Chips already in the
    cache, and photos recorded in ``cache/no_face.txt``, are not processed again.
    """
    if select not in ("largest", "centre"):
        raise ValueError("select must be 'largest' or 'centre'")
    images = list_identity_folder(source)
    cache.mkdir(parents=True, exist_ok=True)
    skip_file = cache / NO_FACE_LIST
    skipped = set(skip_file.read_text(encoding="utf-8").splitlines()) if skip_file.is_file() else set()
    report = PrepareReport()
    for k, path in enumerate(images.paths):
        rel = f"{path.parent.name}/{path.name}"
        target = cache / path.parent.name / (path.stem + CHIP_SUFFIX)
        if target.is_file() or rel in skipped:
            report.cached += 1
        else:
            _align_one(pipeline, path, rel, target, select, report)
        if progress:
            progress(k + 1, len(images.paths))
    if report.no_face:
        with skip_file.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{name}\n" for name in report.no_face)
    log.info("chips: %d aligned, %d cached, %d without a face, %d unreadable",
             report.aligned, report.cached, len(report.no_face), len(report.unreadable))
    return report


def _align_one(pipeline: FacePipeline, path: Path, rel: str, target: Path, select: str, report: PrepareReport) -> None:
    try:
        image = pipeline.load(path)
    except FaceAppError as exc:
        log.warning("%s", exc)
        report.unreadable.append(rel)
        return
    faces = pipeline.detect(image)
    if len(faces) == 0:
        report.no_face.append(rel)
        return
    index = faces.largest() if select == "largest" else faces.nearest_to(image.shape[1] / 2, image.shape[0] / 2)
    chip = align_faces(image, faces.landmarks[index : index + 1], pipeline.embedder.input_size[0])[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(CHIP_SUFFIX, chip)
    if not ok:
        raise DataError(f"{target}: could not encode the chip")
    target.write_bytes(encoded.tobytes())
    report.aligned += 1


class ChipSource(Dataset[tuple[torch.Tensor, int]], ABC):
    """Base of the chip datasets: seeded augmentation and normalisation of (H, W, 3) BGR chips.

    The augmentation of item ``i`` in epoch ``e`` is drawn from a generator seeded with
    ``(seed, e, i)``, so batches are the same whatever the worker count and after a resume.
    """

    def __init__(self, labels: np.ndarray, mean: float, std: float, augment: Augment | None, seed: int) -> None:
        self.labels = np.asarray(labels, np.int64)
        self.mean, self.std = mean, std
        self.augment = augment
        self.seed = seed
        self.epoch = 0

    @property
    def num_classes(self) -> int:
        """Number of identities (largest label + 1)."""
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the augmentation draws of this epoch."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.labels)

    @abstractmethod
    def chip(self, index: int) -> np.ndarray:
        """The (H, W, 3) uint8 BGR chip of item ``index``."""

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        chip = self.chip(index)
        if self.augment is not None:
            chip = self.augment(chip, np.random.default_rng((self.seed, self.epoch, int(index))))
        return chip_to_tensor(chip, self.mean, self.std), int(self.labels[index])


class ChipDataset(ChipSource):
    """Aligned chips stored as image files, one identity per folder."""

    def __init__(
        self, paths: Sequence[Path], labels: np.ndarray, mean: float, std: float,
        augment: Augment | None = None, seed: int = 0, classes: Sequence[str] = (),
    ) -> None:
        super().__init__(labels, mean, std, augment, seed)
        self.paths = list(paths)
        self.classes = list(classes)

    @classmethod
    def from_folder(
        cls, root: Path, mean: float, std: float, augment: Augment | None = None, seed: int = 0, min_images: int = 1,
    ) -> ChipDataset:
        """All chips below ``root/<person>/``."""
        images = list_identity_folder(root, min_images)
        return cls(images.paths, images.labels, mean, std, augment, seed, images.classes)

    def chip(self, index: int) -> np.ndarray:
        path = self.paths[index]
        image = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise DataError(f"{path}: not a readable image")
        return image
