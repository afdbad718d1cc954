"""The training configuration: one typed object, saved as JSON beside every checkpoint.

This module does not import torch, so the CLI can parse and check a configuration without it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from faceapp.errors import ConfigError
from faceapp.vision.constants import INSIGHTFACE_MEAN, INSIGHTFACE_STD, MOBILEFACENET_MEAN, MOBILEFACENET_STD

MARGIN_LOSSES = ("softmax", "normface", "sphereface", "lsoftmax", "cosface", "amsoftmax", "arcface", "combined")
METRIC_LOSSES = ("triplet", "contrastive", "lifted", "margin_dw")
NORMALISATIONS = {
    "mobilefacenet": (MOBILEFACENET_MEAN, MOBILEFACENET_STD),
    "insightface": (INSIGHTFACE_MEAN, INSIGHTFACE_STD),
}


def default_normalisation(backbone: str) -> tuple[float, float]:
    """(mean, std) of the pixel normalisation a backbone family is trained with.

    MobileFaceNet follows the bundled model, (pixel − 127) / 128; IResNet follows insightface,
    (pixel − 127.5) / 127.5. Both come from :mod:`faceapp.vision.constants`.
    """
    if backbone.lower().startswith("mobilefacenet"):
        return NORMALISATIONS["mobilefacenet"]
    return NORMALISATIONS["insightface"]


@dataclass
class TrainConfig:
    """Everything a recognition training run depends on.

    Data: ``data`` is a folder of identity folders (photos, aligned here by the engine and
    cached in ``cache_dir``; or 112x112 chips) or an InsightFace RecordIO folder.
    ``eval_dir`` is an LFW-format folder (``images/`` + ``pairs.txt``) for verification.
    """

    data: str = ""
    data_format: str = "auto"  # auto | photos | chips | recordio
    cache_dir: str = ""  # aligned chips of photo data (default: <out_dir>/chips)
    min_images: int = 1
    out_dir: str = "runs/recognition"
    # Model
    backbone: str = "mobilefacenet"
    embedding_size: int = 512
    pretrained: str = ""  # "" | "bundled" | an ONNX MobileFaceNet | a checkpoint .pt
    deploy: bool = False  # MobileFaceNet without batch norm (the ONNX form)
    normalisation: str = "auto"  # auto | mobilefacenet | insightface
    head_init: str = "random"  # random | centroids (class means of the initial embeddings: fine-tuning)
    # Loss
    loss: str = "arcface"
    scale: float = 64.0
    margin: float = 0.5
    margins: tuple[float, float, float] = (1.0, 0.5, 0.0)  # combined: m1, m2, m3
    sphere_m: int = 4
    partial_fc: float = 1.0  # < 1: fraction of class weights used per step (single-process partial FC)
    center_weight: float = 0.0  # > 0 adds center loss to a softmax-family loss
    metric_margin: float = 0.3
    mining: str = "batch_hard"
    sampler: str = "random"  # random | pk
    pk_p: int = 16
    pk_k: int = 4
    # Optimisation
    batch_size: int = 128
    epochs: int = 20
    max_steps: int = 0  # > 0: stop (and schedule) by steps instead of epochs
    optimizer: str = "sgd"  # sgd | adamw
    lr: float = 0.1
    head_lr_scale: float = 1.0
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"  # cosine | poly | constant
    warmup_steps: int = 0
    poly_power: float = 2.0
    min_lr: float = 0.0
    grad_clip: float = 5.0  # 0: off
    amp: str = "none"  # none | bf16 | fp16 (CUDA only)
    channels_last: bool = False  # CUDA only
    device: str = "auto"  # auto | cpu | cuda
    seed: int = 0
    num_workers: int = 0
    # Augmentation
    flip: float = 0.5
    jitter: float = 0.2
    crop: float = 0.0
    erase: float = 0.0
    # Bookkeeping
    log_every: int = 10
    checkpoint_every: int = 0  # steps; 0: at the end of every epoch
    eval_dir: str = ""
    eval_every: int = 0  # steps; 0: at the end of training only
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.margins = tuple(float(m) for m in self.margins)  # type: ignore[assignment]
        checks = {
            "loss": (self.loss, MARGIN_LOSSES + METRIC_LOSSES),
            "optimizer": (self.optimizer, ("sgd", "adamw")),
            "schedule": (self.schedule, ("cosine", "poly", "constant")),
            "amp": (self.amp, ("none", "bf16", "fp16")),
            "sampler": (self.sampler, ("random", "pk")),
            "data_format": (self.data_format, ("auto", "photos", "chips", "recordio")),
            "normalisation": (self.normalisation, ("auto", *NORMALISATIONS)),
            "device": (self.device, ("auto", "cpu", "cuda")),
            "head_init": (self.head_init, ("random", "centroids")),
        }
        for name, (value, allowed) in checks.items():
            if value not in allowed:
                raise ConfigError(f"training config: {name} must be one of {', '.join(allowed)}, not {value!r}")
        if self.batch_size < 2 or self.lr <= 0:
            raise ConfigError("training config: batch_size must be at least 2 and lr positive")

    @property
    def mean_std(self) -> tuple[float, float]:
        """The pixel normalisation, from :mod:`faceapp.vision.constants`."""
        if self.normalisation == "auto":
            return default_normalisation(self.backbone)
        return NORMALISATIONS[self.normalisation]

    @property
    def is_metric(self) -> bool:
        """Whether the loss works on embeddings alone (no classifier head)."""
        return self.loss in METRIC_LOSSES

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from a dict, refusing unknown keys (a typo must not be silently ignored)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"training config: unknown field(s) {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: Path) -> None:
        """Write as indented JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        """Read a JSON config written by :meth:`save`."""
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the training config ({exc})") from exc
