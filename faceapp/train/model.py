"""Backbone + objective as one module (what DDP wraps), built from a :class:`TrainConfig`."""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import Tensor, nn

from faceapp.errors import ConfigError
from faceapp.train.backbones import MobileFaceNet, build_backbone
from faceapp.train.backbones.onnx_weights import load_onnx_weights
from faceapp.train.config import TrainConfig
from faceapp.train.data.folder import ChipSource
from faceapp.train.losses import (
    CenterLoss,
    ContrastiveLoss,
    DistanceWeightedMarginLoss,
    LiftedStructuredLoss,
    MarginHead,
    TripletLoss,
    build_margin,
)
from faceapp.vision.models import bundled_models_dir

log = logging.getLogger(__name__)

BUNDLED_ONNX = "mobilefacenet_arcface_512.onnx"


class Objective(nn.Module):
    """The loss on a batch of embeddings: a margin head (plus optional center loss) or a metric loss."""

    def __init__(self, loss: nn.Module, center: CenterLoss | None = None, center_weight: float = 0.0) -> None:
        super().__init__()
        self.loss = loss
        self.center = center
        self.center_weight = center_weight

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        if isinstance(self.loss, MarginHead):
            value = self.loss.loss(embeddings, labels)
        else:
            value = self.loss(embeddings, labels)
        if self.center is not None:
            value = value + self.center_weight * self.center(embeddings, labels)
        return value


class RecognitionModel(nn.Module):
    """``forward(images, labels)`` → scalar loss; ``backbone`` alone is the exported embedder."""

    def __init__(self, backbone: nn.Module, objective: Objective) -> None:
        super().__init__()
        self.backbone = backbone
        self.objective = objective

    def forward(self, images: Tensor, labels: Tensor) -> Tensor:
        return self.objective(self.backbone(images), labels)


@torch.no_grad()
def init_head_from_centroids(
    model: RecognitionModel, dataset: ChipSource, device: torch.device, batch: int = 64
) -> None:
    """Set each class weight of a margin head to the mean embedding of that class's images.

    With a pretrained backbone the first logits are then already sensible, so fine-tuning does
    not start by pushing large random-head gradients into good weights. Augmentation is off
    while the embeddings are taken.
    """
    head = model.objective.loss
    if not isinstance(head, MarginHead):
        return
    was_training, augment = model.training, dataset.augment
    model.eval()
    dataset.augment = None
    try:
        sums = torch.zeros_like(head.weight)
        for start in range(0, len(dataset), batch):
            items = [dataset[i] for i in range(start, min(start + batch, len(dataset)))]
            images = torch.stack([image for image, _ in items]).to(device)
            labels = torch.tensor([label for _, label in items], device=device)
            features = torch.nn.functional.normalize(model.backbone(images).float(), dim=1)
            sums.index_add_(0, labels, features.to(sums.dtype))
        head.weight.copy_(torch.nn.functional.normalize(sums, dim=1))
    finally:
        dataset.augment = augment
        model.train(was_training)
    log.info("initialised %d class weights from embedding centroids", head.weight.shape[0])


def build_objective(config: TrainConfig, num_classes: int) -> Objective:
    """The loss module named by ``config.loss``."""
    dim = config.embedding_size
    if config.loss == "triplet":
        return Objective(TripletLoss(config.metric_margin, config.mining))
    if config.loss == "contrastive":
        return Objective(ContrastiveLoss(config.metric_margin))
    if config.loss == "lifted":
        return Objective(LiftedStructuredLoss(config.metric_margin))
    if config.loss == "margin_dw":
        return Objective(DistanceWeightedMarginLoss(alpha=config.metric_margin))
    kwargs: dict[str, float | int] = {}
    if config.loss in ("normface", "cosface", "amsoftmax", "arcface", "combined"):
        kwargs["s"] = config.scale
    if config.loss in ("cosface", "amsoftmax", "arcface"):
        kwargs["m"] = config.margin
    elif config.loss == "combined":
        kwargs.update(m1=config.margins[0], m2=config.margins[1], m3=config.margins[2])
    elif config.loss in ("sphereface", "lsoftmax"):
        kwargs["m"] = config.sphere_m
    head = MarginHead(dim, num_classes, build_margin(config.loss, **kwargs), config.partial_fc)
    center = CenterLoss(num_classes, dim) if config.center_weight > 0 else None
    return Objective(head, center, config.center_weight)


def build_model(config: TrainConfig, num_classes: int) -> RecognitionModel:
    """Backbone (with pretrained weights if asked) and objective."""
    kwargs: dict[str, object] = {"embedding_size": config.embedding_size}
    if config.backbone.startswith("mobilefacenet"):
        kwargs["deploy"] = config.deploy
    backbone = build_backbone(config.backbone, **kwargs)
    if config.pretrained:
        load_pretrained(backbone, config.pretrained)
    return RecognitionModel(backbone, build_objective(config, num_classes))


def load_pretrained(backbone: nn.Module, source: str) -> None:
    """Weights from ``"bundled"`` (the shipped MobileFaceNet ONNX), an ONNX file, or a ``.pt``
    file holding a backbone state dict (or a trainer checkpoint)."""
    path = bundled_models_dir() / BUNDLED_ONNX if source == "bundled" else Path(source)
    if path.suffix == ".onnx":
        if not isinstance(backbone, MobileFaceNet):
            raise ConfigError("ONNX weights can only be loaded into a MobileFaceNet backbone")
        load_onnx_weights(backbone, path)
        return
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError) as exc:
        raise ConfigError(f"{path}: cannot read pretrained weights ({exc})") from exc
    if isinstance(state, dict) and "model" in state:
        state = {k.removeprefix("backbone."): v for k, v in state["model"].items() if k.startswith("backbone.")}
    missing, unexpected = backbone.load_state_dict(state, strict=False)
    if missing:
        raise ConfigError(f"{path}: pretrained weights lack {len(missing)} tensors (first: {missing[0]})")
    log.info("loaded pretrained weights from %s (%d unused tensors)", path, len(unexpected))
