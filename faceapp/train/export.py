"""Export a trained embedder to ONNX and register it in a user models folder.

Every export runs ``onnx.checker`` and compares ONNX Runtime with PyTorch on random inputs of
two batch sizes (the batch dimension is dynamic); a mismatch is an error, never a warning. The
manifest entry uses the same schema as the bundled ``models/manifest.json``, with the pixel
normalisation taken from :mod:`faceapp.vision.constants`, so
:class:`faceapp.vision.models.ModelRegistry` opens the model like any other.
"""

from __future__ import annotations

import copy
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from faceapp.errors import ModelError
from faceapp.train.backbones.mobilefacenet import MobileFaceNet, to_deploy
from faceapp.vision.constants import CHIP_SIZE
from faceapp.vision.models import MANIFEST, sha256_of

log = logging.getLogger(__name__)

INPUT_NAME = "input"
OUTPUT_NAME = "output"
OPSET = 17


def export_onnx(model: nn.Module, path: Path, input_size: int = CHIP_SIZE, atol: float = 1e-4) -> Path:
    """Write ``model`` as ONNX with a dynamic batch, check it, and assert ORT/PyTorch parity.

    The model is copied to the CPU in float32 and eval mode; the caller's model is untouched.

    Raises:
        ModelError: the checker rejects the graph or the outputs differ by more than ``atol``.
    """
    model = copy.deepcopy(model).cpu().float().eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.randn(2, 3, input_size, input_size)
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of the dynamo one, which needs
        # onnxscript; the TorchScript one is complete for these convolutional backbones.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model, (dummy,), str(path), dynamo=False, opset_version=OPSET,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        )
    try:
        onnx.checker.check_model(onnx.load(str(path)))
    except onnx.checker.ValidationError as exc:
        raise ModelError(f"{path}: the exported graph fails the ONNX checker ({exc})") from exc
    check_parity(model, path, input_size, atol)
    log.info("exported %s (checker and parity passed)", path)
    return path


def check_parity(model: nn.Module, path: Path, input_size: int = CHIP_SIZE, atol: float = 1e-4) -> float:
    """Largest |ONNX Runtime − PyTorch| over batches of 1 and 3; raises if above ``atol``."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(0)
    worst = 0.0
    for batch in (1, 3):
        x = torch.randn(batch, 3, input_size, input_size, generator=generator)
        with torch.no_grad():
            expected = model(x).numpy()
        got = session.run(None, {INPUT_NAME: x.numpy()})[0]
        if got.shape != expected.shape:
            raise ModelError(f"{path}: ONNX output shape {got.shape} != PyTorch {expected.shape}")
        worst = max(worst, float(np.abs(got - expected).max()))
    if worst > atol:
        raise ModelError(f"{path}: ONNX Runtime differs from PyTorch by {worst:.2e} (> {atol:.0e})")
    return worst


def manifest_entry(
    name: str, path: Path, embedding_size: int, mean: float, std: float, source: str = "", input_size: int = CHIP_SIZE,
) -> dict[str, Any]:
    """A manifest entry for an exported embedder, in the bundled manifest's schema."""
    return {
        "name": name,
        "kind": "embedder",
        "family": "arcface",
        "file": path.name,
        "sha256": sha256_of(path),
        "inputs": {INPUT_NAME: [-1, 3, input_size, input_size]},
        "outputs": {OUTPUT_NAME: [-1, embedding_size]},
        "input_size": [input_size, input_size],
        "color": "RGB",
        "mean": [float(mean)] * 3,
        "std": [float(std)] * 3,
        "template": "arcface_112",
        "embedding_size": embedding_size,
        "licence": "user-trained",
        "source": source or "trained with faceapp.train",
    }


def register_model(models_dir: Path, entry: dict[str, Any]) -> Path:
    """Add ``entry`` to ``models_dir/manifest.json`` (replacing one of the same name)."""
    manifest = models_dir / MANIFEST
    data: dict[str, Any] = {"version": 1, "models": []}
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"{manifest}: cannot read the user model manifest ({exc}); fix or remove it") from exc
    data["models"] = [m for m in data.get("models", []) if m.get("name") != entry["name"]] + [entry]
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = manifest.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(manifest)
    return manifest


def export_embedder(
    model: nn.Module, models_dir: Path, name: str, mean: float, std: float, source: str = "", atol: float = 1e-4,
) -> dict[str, Any]:
    """Export ``model`` to ``models_dir/<name>.onnx`` and register it; returns the manifest entry.

    Args:
        model: an embedder taking (N, 3, 112, 112) RGB chips normalised as (pixel − mean) / std.
        models_dir: the user models folder (``Paths.user_models``).
        name: model name for the registry and the settings' ``embedder``.
        mean, std: the normalisation the model was trained with (from ``faceapp.vision.constants``).
        source: provenance text for the manifest.
        atol: parity tolerance between ONNX Runtime and PyTorch.
    """
    if not name or any(ch in name for ch in "/\\:") or name.startswith("."):
        raise ModelError(f"model name {name!r} must be a plain file name")
    exported = model
    if isinstance(model, MobileFaceNet) and not model.deploy:
        # Fold batch norm so the file has the bundled model's layout (and loads back for fine-tuning).
        exported = to_deploy(model)
    path = export_onnx(exported, models_dir / f"{name}.onnx", atol=atol)
    if exported is not model:
        check_parity(copy.deepcopy(model).cpu().float().eval(), path, atol=atol)
    with torch.no_grad():
        was_training = model.training
        model.eval()
        probe = copy.deepcopy(model).cpu().float()(torch.zeros(1, 3, CHIP_SIZE, CHIP_SIZE))
        model.train(was_training)
    entry = manifest_entry(name, path, int(probe.shape[1]), mean, std, source)
    register_model(models_dir, entry)
    return entry
