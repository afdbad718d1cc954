"""Training losses, each a small ``nn.Module``.

Classification losses are margins injected into :class:`MarginHead`; metric losses work on a
batch of embeddings and labels directly.
"""

from faceapp.train.losses.center import CenterLoss
from faceapp.train.losses.margin import (
    ArcFace,
    CombinedMargin,
    CosFace,
    LSoftmax,
    MarginHead,
    MarginLoss,
    NormFace,
    Softmax,
    SphereFace,
    build_margin,
)
from faceapp.train.losses.metric import (
    ContrastiveLoss,
    DistanceWeightedMarginLoss,
    LiftedStructuredLoss,
    TripletLoss,
    batch_hard_indices,
    distance_weighted_negatives,
    pairwise_distances,
    semi_hard_triplets,
)

__all__ = [
    "ArcFace",
    "CenterLoss",
    "CombinedMargin",
    "ContrastiveLoss",
    "CosFace",
    "DistanceWeightedMarginLoss",
    "LSoftmax",
    "LiftedStructuredLoss",
    "MarginHead",
    "MarginLoss",
    "NormFace",
    "Softmax",
    "SphereFace",
    "TripletLoss",
    "batch_hard_indices",
    "build_margin",
    "distance_weighted_negatives",
    "pairwise_distances",
    "semi_hard_triplets",
]
