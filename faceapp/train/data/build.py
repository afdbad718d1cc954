"""Dataset and batch sampler from a :class:`TrainConfig`."""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image

from faceapp.config import Settings
from faceapp.errors import DataError
from faceapp.train.config import TrainConfig
from faceapp.train.data.folder import ChipDataset, ChipSource, list_identity_folder, prepare_chips
from faceapp.train.data.recordio import RecordIODataset
from faceapp.train.data.samplers import PKBatchSampler, ShuffledBatchSampler
from faceapp.train.data.transforms import Augment
from faceapp.vision.constants import CHIP_SIZE
from faceapp.vision.pipeline import FacePipeline

log = logging.getLogger(__name__)


def detect_format(root: Path) -> str:
    """``recordio`` if ``train.rec`` is there, ``chips`` if the first image is 112x112, else ``photos``."""
    if (root / "train.rec").is_file():
        return "recordio"
    first = list_identity_folder(root).paths[0]
    try:
        with Image.open(first) as image:
            size = image.size
    except OSError as exc:
        raise DataError(f"{first}: cannot read the image ({exc})") from exc
    return "chips" if size == (CHIP_SIZE, CHIP_SIZE) else "photos"


def build_dataset(config: TrainConfig, pipeline: FacePipeline | None = None) -> ChipSource:
    """The training dataset; photos are aligned first (once, cached) with the engine."""
    root = Path(config.data)
    if not config.data or not root.exists():
        raise DataError(f"training data folder {config.data!r} not found")
    mean, std = config.mean_std
    augment = Augment(
        flip=config.flip, brightness=config.jitter, contrast=config.jitter, saturation=config.jitter,
        crop=config.crop, erase=config.erase,
    )
    fmt = detect_format(root) if config.data_format == "auto" else config.data_format
    if fmt == "recordio":
        return RecordIODataset(root, mean, std, augment, config.seed)
    if fmt == "photos":
        cache = Path(config.cache_dir) if config.cache_dir else Path(config.out_dir) / "chips"
        prepare_chips(root, cache, pipeline or FacePipeline.from_settings(Settings(provider="cpu")))
        root = cache
    return ChipDataset.from_folder(root, mean, std, augment, config.seed, config.min_images)


def build_sampler(
    config: TrainConfig, dataset: ChipSource, rank: int = 0, world: int = 1,
) -> ShuffledBatchSampler | PKBatchSampler:
    """P×K batches (metric losses, or when asked) or shuffled batches."""
    if config.sampler == "pk":
        return PKBatchSampler(dataset.labels, config.pk_p, config.pk_k, config.seed, rank, world)
    return ShuffledBatchSampler(len(dataset), config.batch_size, config.seed, rank, world)
