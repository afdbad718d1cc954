"""Optimizer and learning-rate schedule (a pure function of the step, so resuming needs no
scheduler state)."""

from __future__ import annotations

import math

import torch
from torch import nn

from faceapp.train.config import TrainConfig


def lr_at(step: int, total_steps: int, config: TrainConfig) -> float:
    """Learning rate of ``step`` (0-based): linear warm-up, then cosine, poly or constant decay."""
    if config.warmup_steps and step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.schedule == "constant":
        return config.lr
    span = max(1, total_steps - config.warmup_steps)
    progress = min(1.0, max(0.0, (step - config.warmup_steps) / span))
    if config.schedule == "cosine":
        factor = 0.5 * (1.0 + math.cos(math.pi * progress))
    else:
        factor = (1.0 - progress) ** config.poly_power
    return config.min_lr + (config.lr - config.min_lr) * factor


def build_optimizer(backbone: nn.Module, objective: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD (momentum) or AdamW over the backbone and the objective (head, centres, β).

    Each group carries ``lr_scale``; :func:`set_lr` multiplies the scheduled rate by it.
    """
    groups = [
        {"params": [p for p in backbone.parameters() if p.requires_grad], "lr_scale": 1.0},
        {"params": [p for p in objective.parameters() if p.requires_grad], "lr_scale": config.head_lr_scale},
    ]
    groups = [g for g in groups if g["params"]]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    return torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Apply the scheduled rate to every group (times its ``lr_scale``)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)
