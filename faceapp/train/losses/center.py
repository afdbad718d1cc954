"""Center loss (Wen et al. 2016), used beside a softmax loss."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class CenterLoss(nn.Module):
    """``½·mean‖x_i − c_{y_i}‖²``: pulls each embedding toward a learned centre of its class.

    The centres are parameters; give them their own optimizer group (the paper's α is their
    learning rate) and add ``λ·center_loss`` to the softmax loss.

    Args:
        num_classes: number of identities.
        embedding_dim: embedding size.
    """

    def __init__(self, num_classes: int, embedding_dim: int) -> None:
        super().__init__()
        self.centers = nn.Parameter(torch.randn(num_classes, embedding_dim) * 0.01)

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        """The loss for (N, D) embeddings and (N,) labels."""
        diff = embeddings.float() - self.centers[labels.long()]
        return 0.5 * diff.pow(2).sum(dim=1).mean()
