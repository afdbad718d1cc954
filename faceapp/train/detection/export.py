"""Export a trained RetinaFace to ONNX in the bundled model's contract, and register it.

The file has the bundled model's input (``input``: N x 3 x H x W, BGR minus the mean, any size)
and outputs (``loc``, ``conf`` after softmax, ``landmarks``), so the app's RetinaFace decoder
runs it unchanged. Every export runs ``onnx.checker`` and compares ONNX Runtime with PyTorch on
real images at two sizes; a mismatch is an error.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import torch

from faceapp.errors import ModelError
from faceapp.train.detection.data import to_input
from faceapp.train.detection.evaluate import bundled_spec
from faceapp.train.detection.model import DeployedRetinaFace, RetinaFace
from faceapp.train.export import register_model
from faceapp.vision.imageio import load_image
from faceapp.vision.models import sha256_of

log = logging.getLogger(__name__)

OUTPUTS = ("loc", "conf", "landmarks")
OPSET = 17


def parity_inputs(
    images: Sequence[Path], sizes: Sequence[tuple[int, int]] = ((320, 416), (480, 640)),
) -> list[np.ndarray]:
    """Real photos resized to each (height, width), as (1, 3, H, W) network inputs."""
    out = []
    for path, (h, w) in zip(list(images) * len(sizes), sizes, strict=False):
        out.append(to_input(cv2.resize(load_image(path), (w, h)))[None])
    return out


def check_parity(model: RetinaFace, path: Path, inputs: Sequence[np.ndarray], atol: float = 1e-3) -> float:
    """Largest |ONNX Runtime - PyTorch| over the outputs of ``inputs``; raises above ``atol``."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    deployed = DeployedRetinaFace(copy.deepcopy(model).cpu().float()).eval()
    worst = 0.0
    for x in inputs:
        with torch.no_grad():
            expected = [o.numpy() for o in deployed(torch.from_numpy(x))]
        got = session.run(list(OUTPUTS), {"input": x})
        for name, e, g in zip(OUTPUTS, expected, got, strict=True):
            if e.shape != g.shape:
                raise ModelError(f"{path}: ONNX {name} has shape {g.shape}, PyTorch {e.shape}")
            worst = max(worst, float(np.abs(e - g).max()))
    if worst > atol:
        raise ModelError(f"{path}: ONNX Runtime differs from PyTorch by {worst:.2e} (> {atol:.0e})")
    return worst


def export_onnx(model: RetinaFace, path: Path, parity_images: Sequence[Path]) -> float:
    """Write the deployed model with dynamic batch, height and width; check it; returns the parity gap."""
    deployed = DeployedRetinaFace(copy.deepcopy(model).cpu().float()).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    dynamic = {"input": {0: "batch", 2: "height", 3: "width"}, **{o: {0: "batch", 1: "anchors"} for o in OUTPUTS}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(deployed, (torch.zeros(1, 3, 320, 320),), str(path), dynamo=False, opset_version=OPSET,
                          input_names=["input"], output_names=list(OUTPUTS), dynamic_axes=dynamic)
    try:
        onnx.checker.check_model(onnx.load(str(path)))
    except onnx.checker.ValidationError as exc:
        raise ModelError(f"{path}: the exported graph fails the ONNX checker ({exc})") from exc
    gap = check_parity(model, path, parity_inputs(parity_images))
    log.info("exported %s (checker passed, parity %.1e)", path, gap)
    return gap


def detector_entry(name: str, path: Path, source: str) -> dict[str, Any]:
    """A manifest entry with the bundled RetinaFace's contract (inputs, outputs, colour, mean)."""
    spec = bundled_spec()
    return {
        "name": name, "kind": "detector", "family": "retinaface", "file": path.name, "sha256": sha256_of(path),
        "inputs": {t.name: list(t.shape) for t in spec.inputs},
        "outputs": {t.name: list(t.shape) for t in spec.outputs},
        "input_size": None, "color": spec.color, "mean": list(spec.mean), "std": list(spec.std),
        "licence": "user-trained (from the MIT-licensed bundled RetinaFace weights)",
        "source": source or "trained with faceapp.train.detection",
    }


def export_detector(model: RetinaFace, models_dir: Path, name: str, parity_images: Sequence[Path],
                    source: str = "") -> dict[str, Any]:
    """Export to ``models_dir/<name>.onnx`` and register it; returns the manifest entry."""
    if not name or any(ch in name for ch in "/\\:") or name.startswith("."):
        raise ModelError(f"model name {name!r} must be a plain file name")
    path = models_dir / f"{name}.onnx"
    gap = export_onnx(model, path, parity_images)
    entry = detector_entry(name, path, source)
    register_model(models_dir, entry)
    return {**entry, "parity": gap}
