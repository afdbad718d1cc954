"""The detection training configuration: one typed object, saved as JSON beside every checkpoint.

Torch-free, so the CLI can check a configuration without PyTorch. Defaults follow the original
RetinaFace-mnet0.25 recipe (biubug6 ``cfg_mnet``: 640 px crops, IoU 0.35 matching, 3:1 hard
negatives, box loss weight 2, SGD momentum 0.9, weight decay 5e-4) with fine-tuning sizes: the
original's 1e-3 at batch 32 becomes 3e-4 (measured on wider-train-dev, 12 steps of 2 crops at
640 px from the bundled weights: WIDER AP on wider-dev rose slightly, while 1e-3 with 320 px
crops lowered Easy AP by 0.016).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from faceapp.errors import ConfigError


@dataclass
class DetectionConfig:
    """Everything a detection training run depends on.

    ``data`` is the images folder and ``labels`` the RetinaFace ``label.txt``; ``eval_dir`` a
    WIDER-format folder (``images/``, ``wider_face_val_bbx_gt.txt``, ``settings.json``) scored
    with the app's decoder and the WIDER AP code of ``faceapp eval wider``.
    """

    data: str = ""
    labels: str = ""
    out_dir: str = "runs/detection"
    pretrained: str = "bundled"  # "bundled" | an ONNX RetinaFace-mnet0.25 | "" (random)
    deploy: bool = True  # conv + bias (no batch norm): steady fine-tuning with small batches
    image_size: int = 640
    batch_size: int = 8
    epochs: int = 10
    max_steps: int = 0
    optimizer: str = "sgd"  # sgd | adamw
    lr: float = 3e-4
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_steps: int = 0
    schedule: str = "cosine"  # cosine | constant
    grad_clip: float = 10.0
    overlap: float = 0.35
    neg_pos: int = 3
    loc_weight: float = 2.0
    amp: str = "none"  # none | bf16 | fp16 (CUDA only)
    device: str = "auto"  # auto | cpu | cuda
    seed: int = 0
    num_workers: int = 0
    log_every: int = 10
    checkpoint_every: int = 0  # steps; 0: at the end only
    eval_dir: str = ""
    eval_every: int = 0  # steps; 0: at the end only (when eval_dir is set)
    eval_images: int = 0  # 0: every image of eval_dir; N: the first N (a quicker periodic check)

    def __post_init__(self) -> None:
        checks = {"optimizer": (self.optimizer, ("sgd", "adamw")), "schedule": (self.schedule, ("cosine", "constant")),
                  "amp": (self.amp, ("none", "bf16", "fp16")), "device": (self.device, ("auto", "cpu", "cuda"))}
        for name, (value, allowed) in checks.items():
            if value not in allowed:
                raise ConfigError(f"detection config: {name} must be one of {', '.join(allowed)}, not {value!r}")
        if self.batch_size < 1 or self.lr <= 0 or self.image_size < 64 or self.image_size % 32:
            raise ConfigError("detection config: batch_size >= 1, lr > 0, image_size a multiple of 32 (>= 64)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DetectionConfig:
        """Build from a dict, refusing unknown keys."""
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"detection config: unknown field(s) {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
