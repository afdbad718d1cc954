"""Metric-learning losses on a batch of embeddings (N, D) and identity labels (N,).

Distances are Euclidean. Mining helpers return index tensors so that what a loss picks can be
checked directly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def pairwise_distances(embeddings: Tensor, eps: float = 1e-12) -> Tensor:
    """Euclidean distance matrix (N, N), exactly zero on the diagonal."""
    x = embeddings.float()
    squared = (x * x).sum(1)
    d2 = (squared[:, None] + squared[None, :] - 2.0 * x @ x.T).clamp_min(0.0)
    eye = torch.eye(len(x), dtype=torch.bool, device=x.device)
    d2 = d2.masked_fill(eye, 0.0)
    # sqrt has an infinite gradient at 0: take it only where the distance is positive.
    return torch.where(d2 > eps, torch.sqrt(d2.clamp_min(eps)), torch.zeros_like(d2))


def _masks(labels: Tensor) -> tuple[Tensor, Tensor]:
    """(positive, negative) masks (N, N); positives exclude the diagonal."""
    same = labels.view(-1, 1) == labels.view(1, -1)
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return same & ~eye, ~same


class ContrastiveLoss(nn.Module):
    """Contrastive loss over all pairs: ``d²`` for positives, ``max(0, margin − d)²`` for negatives.

    Negatives farther than ``margin`` cost nothing. The loss is the mean over all pairs used.
    """

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        self.margin = margin

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        dist = pairwise_distances(embeddings)
        pos, neg = _masks(labels)
        terms = torch.cat([dist[pos].pow(2), F.relu(self.margin - dist[neg]).pow(2)])
        return terms.mean() if terms.numel() else dist.sum() * 0.0


def batch_hard_indices(dist: Tensor, labels: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Batch-hard mining (TriHard): per anchor, its farthest positive and nearest negative.

    Returns:
        (anchors, positives, negatives) index tensors, only for anchors that have both.
    """
    pos, neg = _masks(labels)
    valid = pos.any(1) & neg.any(1)
    hardest_pos = dist.masked_fill(~pos, -math.inf).argmax(1)
    hardest_neg = dist.masked_fill(~neg, math.inf).argmin(1)
    anchors = torch.nonzero(valid).flatten()
    return anchors, hardest_pos[anchors], hardest_neg[anchors]


def semi_hard_triplets(dist: Tensor, labels: Tensor, margin: float) -> tuple[Tensor, Tensor, Tensor]:
    """Semi-hard mining (FaceNet): for every positive pair (a, p), the nearest negative n with
    ``d(a,p) < d(a,n) < d(a,p) + margin``; where none exists, the farthest negative (as in
    TensorFlow Addons' ``triplet_semihard_loss``).

    Returns:
        (anchors, positives, negatives) index tensors, one triplet per positive pair.
    """
    pos, neg = _masks(labels)
    anchors, positives = torch.nonzero(pos & neg.any(1, keepdim=True), as_tuple=True)
    d_ap = dist[anchors, positives].unsqueeze(1)
    d_an = dist[anchors]
    negative = neg[anchors]
    semi = negative & (d_an > d_ap) & (d_an < d_ap + margin)
    nearest_semi = d_an.masked_fill(~semi, math.inf).argmin(1)
    farthest = d_an.masked_fill(~negative, -math.inf).argmax(1)
    negatives = torch.where(semi.any(1), nearest_semi, farthest)
    return anchors, positives, negatives


class TripletLoss(nn.Module):
    """Triplet loss ``max(0, d(a,p) − d(a,n) + margin)`` with in-batch mining.

    Args:
        margin: the triplet margin.
        mining: ``"batch_hard"`` (TriHard; use a P×K batch sampler) or ``"semi_hard"``.
    """

    def __init__(self, margin: float = 0.3, mining: str = "batch_hard") -> None:
        super().__init__()
        if mining not in ("batch_hard", "semi_hard"):
            raise ValueError(f"mining must be 'batch_hard' or 'semi_hard', not {mining!r}")
        self.margin = margin
        self.mining = mining

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        dist = pairwise_distances(embeddings)
        with torch.no_grad():
            if self.mining == "batch_hard":
                a, p, n = batch_hard_indices(dist, labels)
            else:
                a, p, n = semi_hard_triplets(dist, labels, self.margin)
        if a.numel() == 0:
            return dist.sum() * 0.0
        return F.relu(dist[a, p] - dist[a, n] + self.margin).mean()


class LiftedStructuredLoss(nn.Module):
    """Lifted structured embedding loss (Song et al. 2016).

    For each positive pair (i, j): ``J = log(Σ_{k∈N(i)} e^{α−D_ik} + Σ_{l∈N(j)} e^{α−D_jl}) + D_ij``;
    the loss is ``Σ max(0, J)² / (2|P|)`` over unordered positive pairs.
    """

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        self.margin = margin

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        dist = pairwise_distances(embeddings)
        pos, neg = _masks(labels)
        i, j = torch.nonzero(torch.triu(pos, diagonal=1), as_tuple=True)
        if i.numel() == 0 or not bool(neg.any()):
            # (Without negatives every log-sum-exp is over nothing; its gradient would be NaN.)
            return dist.sum() * 0.0
        # log-sum-exp over each row's negatives, combined for the pair's two rows.
        neg_terms = (self.margin - dist).masked_fill(~neg, -math.inf)
        row = torch.logsumexp(neg_terms, dim=1)
        joint = torch.logaddexp(row[i], row[j]) + dist[i, j]
        joint = torch.where(torch.isfinite(joint), joint, torch.zeros_like(joint))
        return F.relu(joint).pow(2).sum() / (2.0 * i.numel())


def distance_weighted_negatives(
    embeddings: Tensor, labels: Tensor, cutoff: float = 0.5, nonzero_loss_cutoff: float = 1.4,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Distance-weighted sampling (Wu et al. 2017) on unit-normalised embeddings.

    Every positive pair (a, p) gets one negative drawn with probability ``∝ 1/q(d)``, where
    ``q(d) ∝ d^{n−2}·(1 − d²/4)^{(n−3)/2}`` is the density of distances between random points on
    the unit sphere in ``n`` dimensions; distances are clipped below at ``cutoff`` and negatives
    beyond ``nonzero_loss_cutoff`` are never drawn.

    Returns:
        (anchors, positives, negatives) index tensors.
    """
    x = F.normalize(embeddings.detach().float(), dim=1)
    n_dim = x.shape[1]
    dist = pairwise_distances(x).clamp_min(cutoff)
    log_q = (n_dim - 2.0) * torch.log(dist)
    log_q = log_q + ((n_dim - 3.0) / 2.0) * torch.log((1.0 - 0.25 * dist * dist).clamp_min(1e-8))
    log_w = -log_q
    pos, neg = _masks(labels)
    allowed = neg & (dist < nonzero_loss_cutoff)
    log_w = log_w.masked_fill(~allowed, -math.inf)
    weights = torch.exp(log_w - log_w.max(dim=1, keepdim=True).values.nan_to_num(0.0, neginf=0.0))
    weights = torch.where(allowed, weights, torch.zeros_like(weights))
    anchors, positives = torch.nonzero(pos & allowed.any(1, keepdim=True), as_tuple=True)
    if anchors.numel() == 0:
        return anchors, positives, anchors.clone()
    negatives = torch.multinomial(weights[anchors], 1, generator=generator).flatten()
    return anchors, positives, negatives


class DistanceWeightedMarginLoss(nn.Module):
    """Margin-based loss with distance-weighted sampling (Wu et al. 2017).

    ``ℓ = (α + y·(D_ij − β))₊`` with ``y = +1`` for positive and ``−1`` for negative pairs and a
    learnable boundary β (initial ``beta``); each term is averaged over the pairs with a nonzero
    loss (as in the paper's implementation). Distances are between unit-normalised embeddings.
    """

    def __init__(
        self, alpha: float = 0.2, beta: float = 1.2, cutoff: float = 0.5, nonzero_loss_cutoff: float = 1.4
    ) -> None:
        super().__init__()
        self.alpha = alpha
        self.beta = nn.Parameter(torch.tensor(float(beta)))
        self.cutoff, self.nonzero_loss_cutoff = cutoff, nonzero_loss_cutoff

    def pair_loss(self, d_ap: Tensor, d_an: Tensor) -> Tensor:
        """The loss for matched positive and negative distances."""
        pos_loss = F.relu(d_ap - self.beta + self.alpha)
        neg_loss = F.relu(self.beta - d_an + self.alpha)
        active = ((pos_loss > 0).sum() + (neg_loss > 0).sum()).clamp_min(1)
        return (pos_loss.sum() + neg_loss.sum()) / active

    def forward(self, embeddings: Tensor, labels: Tensor, generator: torch.Generator | None = None) -> Tensor:
        a, p, n = distance_weighted_negatives(embeddings, labels, self.cutoff, self.nonzero_loss_cutoff, generator)
        if a.numel() == 0:
            return embeddings.sum() * 0.0 + self.beta * 0.0
        x = F.normalize(embeddings.float(), dim=1)
        d_ap = (x[a] - x[p]).pow(2).sum(1).clamp_min(1e-12).sqrt()
        d_an = (x[a] - x[n]).pow(2).sum(1).clamp_min(1e-12).sqrt()
        return self.pair_loss(d_ap, d_an)
