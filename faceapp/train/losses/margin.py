"""Softmax-family losses: a classifier head with an injected margin.

:class:`MarginHead` holds the class weights, computes ``cos θ`` between each embedding and each
class weight, and hands it to a :class:`MarginLoss`, which turns it into logits (changing only
the target column during training). Cross-entropy on those logits is the loss.

Margins (``θ`` = angle between embedding and class weight, ``y`` = target class):

* :class:`Softmax`: ``W_j·x`` (no bias).
* :class:`NormFace`: ``s·cos θ``.
* :class:`SphereFace` (A-Softmax): ``‖x‖·ψ(θ_y)`` with ``ψ(θ) = (−1)^k cos(mθ) − 2k``,
  ``θ ∈ [kπ/m, (k+1)π/m]``; unit weights.
* :class:`LSoftmax`: ``‖W_y‖·‖x‖·ψ(θ_y)``; weights not normalised.
* :class:`CosFace` (AM-Softmax): ``s·(cos θ_y − m)``.
* :class:`ArcFace`: ``s·cos(θ_y + m)``.
* :class:`CombinedMargin`: ``s·(cos(m1·θ_y + m2) − m3)``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MarginLoss(nn.Module, ABC):
    """Turns cosines into logits; subclasses change the target column.

    Args of :meth:`forward`:
        cosine: (N, C) cosines between embeddings and class weights.
        labels: (N,) int64 targets, or None (inference: no margin).
        feature_norm: (N, 1) embedding norms.
        weight_norm: (1, C) class-weight norms.
    """

    def forward(self, cosine: Tensor, labels: Tensor | None, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        others = self.non_target(cosine, feature_norm, weight_norm)
        if labels is None:
            return others
        index = labels.long().view(-1, 1)
        target = self.target(cosine.gather(1, index), feature_norm, weight_norm.expand_as(cosine).gather(1, index))
        return others.scatter(1, index, target.to(others.dtype))

    @abstractmethod
    def non_target(self, cosine: Tensor, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        """Logits of all classes without any margin."""

    @abstractmethod
    def target(self, cos_y: Tensor, feature_norm: Tensor, weight_norm_y: Tensor) -> Tensor:
        """Logits of the target class (N, 1) from its cosine (N, 1)."""


class Softmax(MarginLoss):
    """Plain softmax on ``W_j·x`` (a bias-free linear classifier)."""

    def non_target(self, cosine: Tensor, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        return cosine * feature_norm * weight_norm

    def target(self, cos_y: Tensor, feature_norm: Tensor, weight_norm_y: Tensor) -> Tensor:
        return cos_y * feature_norm * weight_norm_y


class _ScaledCosine(MarginLoss):
    """Base of the normalised-softmax margins: all logits are ``s·f(cos)``."""

    def __init__(self, s: float = 64.0) -> None:
        super().__init__()
        self.s = s

    def non_target(self, cosine: Tensor, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        return self.s * cosine

    def target(self, cos_y: Tensor, feature_norm: Tensor, weight_norm_y: Tensor) -> Tensor:
        return self.s * self.margin(cos_y)

    def margin(self, cos_y: Tensor) -> Tensor:
        """The target cosine after the margin."""
        return cos_y


class NormFace(_ScaledCosine):
    """NormFace: ``s·cos θ`` for every class (normalised softmax, no margin)."""

    def __init__(self, s: float = 30.0) -> None:
        super().__init__(s)


class CosFace(_ScaledCosine):
    """CosFace / AM-Softmax: additive cosine margin, target ``s·(cos θ − m)``."""

    def __init__(self, s: float = 64.0, m: float = 0.35) -> None:
        super().__init__(s)
        self.m = m

    def margin(self, cos_y: Tensor) -> Tensor:
        return cos_y - self.m


class ArcFace(_ScaledCosine):
    """ArcFace: additive angular margin, target ``s·cos(θ + m)``.

    Where ``θ + m`` would pass π the target falls back to ``cos θ − m·sin m`` (insightface), which
    keeps the logit decreasing in θ; ``easy_margin`` instead leaves ``cos θ`` alone for θ > π/2.
    """

    def __init__(self, s: float = 64.0, m: float = 0.5, easy_margin: bool = False) -> None:
        super().__init__(s)
        self.m = m
        self.easy_margin = easy_margin
        self._cos_m, self._sin_m = math.cos(m), math.sin(m)
        self._threshold = math.cos(math.pi - m)
        self._fallback = math.sin(math.pi - m) * m

    def margin(self, cos_y: Tensor) -> Tensor:
        cos_y = cos_y.float().clamp(-1.0, 1.0)
        sin_y = torch.sqrt((1.0 - cos_y * cos_y).clamp_min(1e-12))
        shifted = cos_y * self._cos_m - sin_y * self._sin_m
        if self.easy_margin:
            return torch.where(cos_y > 0, shifted, cos_y)
        return torch.where(cos_y > self._threshold, shifted, cos_y - self._fallback)


class CombinedMargin(_ScaledCosine):
    """The combined margin of insightface: target ``s·(cos(m1·θ + m2) − m3)``.

    ``(1, 0.5, 0)`` is ArcFace, ``(1, 0, 0.35)`` CosFace, ``(m, 0, 0)`` a SphereFace-like angle
    multiplier. Where ``m1·θ + m2`` passes π the target continues as ``cos θ − m3 − 2``, below
    every in-range value, so it never rewards a larger angle.
    """

    def __init__(self, s: float = 64.0, m1: float = 1.0, m2: float = 0.3, m3: float = 0.2) -> None:
        super().__init__(s)
        self.m1, self.m2, self.m3 = m1, m2, m3

    def margin(self, cos_y: Tensor) -> Tensor:
        cos_y = cos_y.float()
        theta = torch.acos(cos_y.clamp(-1.0 + 1e-7, 1.0 - 1e-7))
        angle = self.m1 * theta + self.m2
        return torch.where(angle <= math.pi, torch.cos(angle) - self.m3, cos_y - self.m3 - 2.0)


def psi(cosine: Tensor, m: int) -> Tensor:
    """SphereFace's ``ψ(θ) = (−1)^k cos(mθ) − 2k`` for ``θ ∈ [kπ/m, (k+1)π/m]``.

    ``cos(mθ)`` is the Chebyshev polynomial ``T_m(cos θ)``, so the gradient flows through the
    cosine without ``acos``; ``k`` is a constant.
    """
    c = cosine.float().clamp(-1.0, 1.0)
    previous, current = torch.ones_like(c), c
    for _ in range(m - 1):
        previous, current = current, 2.0 * c * current - previous
    cos_m_theta = current if m >= 1 else torch.ones_like(c)
    with torch.no_grad():
        k = torch.floor(m * torch.acos(c) / math.pi).clamp(0, m - 1)
        sign = 1.0 - 2.0 * torch.remainder(k, 2)
    return sign * cos_m_theta - 2.0 * k


class SphereFace(MarginLoss):
    """A-Softmax: unit class weights, target ``‖x‖·(λ·cos θ + ψ(θ)) / (1 + λ)``.

    λ anneals from ``lambda_start`` as ``λ = max(lambda_min, lambda_start·(1 + γ·t)^−power)``
    over training steps ``t`` (the original recipe, which lets the network start as plain
    softmax); ``lambda_start = lambda_min = 0`` gives the pure ``ψ`` target.
    """

    scale_by_weight_norm = False
    steps: Tensor

    def __init__(
        self, m: int = 4, lambda_start: float = 1000.0, lambda_min: float = 5.0, gamma: float = 0.12, power: float = 1.0
    ) -> None:
        super().__init__()
        self.m = int(m)
        self.lambda_start, self.lambda_min, self.gamma, self.power = lambda_start, lambda_min, gamma, power
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    @property
    def lambda_(self) -> float:
        """The current annealing weight λ."""
        decayed = self.lambda_start * (1.0 + self.gamma * float(self.steps.item())) ** (-self.power)
        return max(self.lambda_min, decayed)

    def forward(self, cosine: Tensor, labels: Tensor | None, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        logits = super().forward(cosine, labels, feature_norm, weight_norm)
        if labels is not None and self.training:
            self.steps.add_(1)
        return logits

    def _norms(self, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        return feature_norm * weight_norm if self.scale_by_weight_norm else feature_norm

    def non_target(self, cosine: Tensor, feature_norm: Tensor, weight_norm: Tensor) -> Tensor:
        return cosine * self._norms(feature_norm, weight_norm)

    def target(self, cos_y: Tensor, feature_norm: Tensor, weight_norm_y: Tensor) -> Tensor:
        lam = self.lambda_
        value = (lam * cos_y.float() + psi(cos_y, self.m)) / (1.0 + lam)
        return value * self._norms(feature_norm, weight_norm_y)


class LSoftmax(SphereFace):
    """Large-margin softmax: as :class:`SphereFace` but with the class-weight norms kept."""

    scale_by_weight_norm = True


class MarginHead(nn.Module):
    """Classifier head holding the class weights; the margin is injected.

    Args:
        embedding_dim: size D of the embeddings.
        num_classes: number of identities C.
        margin: how cosines become logits (:class:`ArcFace`, :class:`CosFace`, ...).
        sample_rate: partial FC (single process): in training, :meth:`loss` uses only this
            fraction of the classes — every class present in the batch plus random others.
    """

    def __init__(self, embedding_dim: int, num_classes: int, margin: MarginLoss, sample_rate: float = 1.0) -> None:
        super().__init__()
        if not 0.0 < sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be in (0, 1], not {sample_rate}")
        self.weight = nn.Parameter(torch.empty(num_classes, embedding_dim))
        nn.init.normal_(self.weight, std=0.01)
        self.margin = margin
        self.sample_rate = sample_rate

    def forward(self, embeddings: Tensor, labels: Tensor | None = None) -> Tensor:
        """Logits (N, C) over all classes; with ``labels`` the margin is applied to each target."""
        return self._logits(embeddings, labels, self.weight)

    def _logits(self, embeddings: Tensor, labels: Tensor | None, weight: Tensor) -> Tensor:
        weight = weight.float()
        embeddings = embeddings.float()
        cosine = F.linear(F.normalize(embeddings, dim=1), F.normalize(weight, dim=1))
        feature_norm = embeddings.norm(dim=1, keepdim=True)
        weight_norm = weight.norm(dim=1).view(1, -1)
        return self.margin(cosine, labels, feature_norm, weight_norm)

    def loss(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        """Mean cross-entropy of the margin logits (over the sampled classes with partial FC)."""
        labels = labels.long()
        if self.training and self.sample_rate < 1.0:
            index, labels = self.sample_classes(labels)
            return F.cross_entropy(self._logits(embeddings, labels, self.weight[index]), labels)
        return F.cross_entropy(self(embeddings, labels), labels)

    def sample_classes(self, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Partial FC: sorted class indices to use (all of the batch's, then random ones) and the
        labels renumbered into that subset."""
        num_classes = self.weight.shape[0]
        positives = torch.unique(labels)
        count = max(int(self.sample_rate * num_classes), len(positives))
        scores = torch.rand(num_classes, device=labels.device)
        scores[positives] = 2.0
        index = torch.topk(scores, count).indices.sort().values
        return index, torch.searchsorted(index, labels)


MARGINS: dict[str, type[MarginLoss]] = {
    "softmax": Softmax,
    "normface": NormFace,
    "sphereface": SphereFace,
    "lsoftmax": LSoftmax,
    "cosface": CosFace,
    "amsoftmax": CosFace,
    "arcface": ArcFace,
    "combined": CombinedMargin,
}


def build_margin(name: str, **kwargs: Any) -> MarginLoss:
    """A margin by name (see ``MARGINS``) with its keyword arguments."""
    try:
        cls = MARGINS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown margin {name!r}; choose from {', '.join(MARGINS)}") from None
    return cls(**kwargs)
