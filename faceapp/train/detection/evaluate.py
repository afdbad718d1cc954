"""WIDER AP of a PyTorch RetinaFace through the app's own decoder and the ``faceapp eval wider`` code.

:class:`TorchSession` gives a PyTorch model the few methods of an ONNX Runtime session that
:class:`faceapp.vision.detect.RetinaFaceDetector` uses, so the model in training is letterboxed,
decoded, thresholded and NMS-ed by exactly the code that runs exported models in the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from faceapp.evaluation.wider import WiderReport, evaluate_wider
from faceapp.train.detection.model import DeployedRetinaFace, RetinaFace
from faceapp.vision.detect import DetectOptions, RetinaFaceDetector
from faceapp.vision.models import ModelRegistry, ModelSpec

#: The official protocol, as ``faceapp eval wider``: original size, score threshold 0.02.
WIDER_OPTIONS = DetectOptions(long_side=0, score_threshold=0.02, nms_iou=0.4, pre_nms_top_k=5000, max_faces=750)
GT_FILE = "wider_face_val_bbx_gt.txt"
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class _Tensor:
    name: str


class TorchSession:
    """``get_inputs``/``get_outputs``/``run`` of an ONNX Runtime session, over a PyTorch RetinaFace."""

    def __init__(self, model: RetinaFace, device: torch.device | str = "cpu") -> None:
        self.model = DeployedRetinaFace(model)
        self.device = torch.device(device)

    def get_inputs(self) -> list[_Tensor]:
        return [_Tensor("input")]

    def get_outputs(self) -> list[_Tensor]:
        return [_Tensor("loc"), _Tensor("conf"), _Tensor("landmarks")]

    @torch.no_grad()
    def run(self, _names: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        was_training = self.model.training
        self.model.eval()
        try:
            outputs = self.model(torch.from_numpy(feeds["input"]).to(self.device))
        finally:
            self.model.train(was_training)
        return [o.float().cpu().numpy() for o in outputs]


def bundled_spec() -> ModelSpec:
    """The bundled RetinaFace's manifest entry (the decoder contract exports share)."""
    return ModelRegistry().spec("retinaface_mnet025")


def torch_detector(model: RetinaFace, device: torch.device | str = "cpu",
                   options: DetectOptions = WIDER_OPTIONS) -> RetinaFaceDetector:
    """The app's RetinaFace detector running ``model``."""
    return RetinaFaceDetector(bundled_spec(), TorchSession(model, device), options)  # type: ignore[arg-type]


def subset_folder(eval_dir: Path, images: int, out: Path) -> Path:
    """A WIDER-format folder with the first ``images`` images of ``eval_dir`` (settings order)."""
    settings = json.loads((eval_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    keep = dict(list(settings.items())[:images])
    out.mkdir(parents=True, exist_ok=True)
    (out / SETTINGS_FILE).write_text(json.dumps(keep), encoding="utf-8")
    return out


def wider_ap(detector: Any, eval_dir: Path, images: int = 0, scratch: Path | None = None) -> WiderReport:
    """Easy/Medium/Hard AP on a WIDER-format folder (all images, or the first ``images``)."""
    settings_file = eval_dir / SETTINGS_FILE
    if images and scratch is not None:
        settings_file = subset_folder(eval_dir, images, scratch) / SETTINGS_FILE
    return evaluate_wider(detector, eval_dir / "images", eval_dir / GT_FILE, settings_file)
