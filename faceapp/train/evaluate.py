"""Verification of a PyTorch embedder on LFW-format pairs, with the same metric code as
``faceapp eval lfw`` (:mod:`faceapp.evaluation.verification`).

Photos are aligned once by the engine (face nearest the image centre, as ``faceapp eval lfw``
does) into a chip cache; a pair with a photo that had no face scores −1, as there.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from faceapp.config import Settings
from faceapp.errors import DataError
from faceapp.evaluation.lfw import read_pairs
from faceapp.evaluation.verification import VerificationResult, evaluate_verification
from faceapp.train.data.folder import CHIP_SUFFIX, prepare_chips
from faceapp.train.data.transforms import chip_to_tensor
from faceapp.vision.pipeline import FacePipeline

log = logging.getLogger(__name__)


@torch.no_grad()
def embed_chips(
    model: nn.Module, chips: np.ndarray, mean: float, std: float, device: torch.device | str = "cpu",
    batch_size: int = 64, flip: bool = False,
) -> np.ndarray:
    """L2-normalised embeddings (N, D) of (N, 112, 112, 3) uint8 BGR chips, in eval mode."""
    was_training = model.training
    model.eval()
    parts = []
    try:
        for start in range(0, len(chips), batch_size):
            batch = torch.stack([chip_to_tensor(c, mean, std) for c in chips[start : start + batch_size]]).to(device)
            features = model(batch).float()
            if flip:
                features = features + model(torch.flip(batch, dims=[3])).float()
            parts.append(torch.nn.functional.normalize(features, dim=1).cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def default_pipeline() -> FacePipeline:
    """The engine on the bundled models, on the CPU (the GPU stays free for training)."""
    return FacePipeline.from_settings(Settings(provider="cpu"))


def pair_chips(eval_dir: Path, cache: Path, pipeline: FacePipeline | None = None) -> Path:
    """Chips for an LFW-format folder (``images/<person>/*.jpg`` + ``pairs.txt``), aligned once.

    Returns the chip folder (``cache``); opens :func:`default_pipeline` when none is given.
    """
    if not (eval_dir / "pairs.txt").is_file() or not (eval_dir / "images").is_dir():
        raise DataError(f"{eval_dir}: an LFW-format folder needs images/ and pairs.txt")
    prepare_chips(eval_dir / "images", cache, pipeline or default_pipeline(), select="centre")
    return cache


def verify_pairs(
    model: nn.Module, chips_dir: Path, pairs_file: Path, mean: float, std: float,
    device: torch.device | str = "cpu", flip: bool = False, far: float = 1e-3,
) -> VerificationResult:
    """k-fold verification accuracy of ``model`` on the pairs, from aligned chips."""
    pairs = read_pairs(pairs_file)
    names = sorted({p.first for p in pairs} | {p.second for p in pairs})
    found = [n for n in names if (chips_dir / Path(n).with_suffix(CHIP_SUFFIX)).is_file()]
    chips = np.stack([read_chip(chips_dir / Path(n).with_suffix(CHIP_SUFFIX)) for n in found]) if found else None
    vectors = embed_chips(model, chips, mean, std, device, flip=flip) if chips is not None else np.zeros((0, 1))
    emb = dict(zip(found, vectors, strict=True))
    scores = np.array([
        float(emb[p.first] @ emb[p.second]) if p.first in emb and p.second in emb else -1.0 for p in pairs
    ])
    if len(found) < len(names):
        log.warning("%d of %d pair images have no chip (no face); their pairs score -1",
                    len(names) - len(found), len(names))
    return evaluate_verification(scores, np.array([p.same for p in pairs]), np.array([p.fold for p in pairs]), far)


def read_chip(path: Path) -> np.ndarray:
    """A chip image file (BGR uint8)."""
    image = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(f"{path}: unreadable chip; delete it to have it aligned again")
    return image
