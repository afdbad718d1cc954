"""Multibox loss of RetinaFace: anchor matching, box and landmark encoding, hard negative mining.

Anchors come from :func:`faceapp.vision.detect.retinaface_priors` and the encoding is the exact
inverse of :func:`faceapp.vision.detect.decode_retinaface` with the same variances
(:data:`faceapp.vision.constants.RETINAFACE_VARIANCES`), so training and the app's decoder can
never disagree. All in pixels of the training image.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from faceapp.vision.constants import RETINAFACE_VARIANCES
from faceapp.vision.detect import retinaface_priors


def priors_for(height: int, width: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(A, 4) ``cx, cy, w, h`` pixel anchors of the app's decoder, as a tensor."""
    return torch.from_numpy(retinaface_priors(height, width).copy()).to(device)


def point_form(priors: torch.Tensor) -> torch.Tensor:
    """``cx, cy, w, h`` -> ``x1, y1, x2, y2``."""
    return torch.cat([priors[:, :2] - priors[:, 2:] / 2, priors[:, :2] + priors[:, 2:] / 2], 1)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, 4) x (M, 4) corner boxes -> (N, M) IoU."""
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    area_a = (a[:, 2:] - a[:, :2]).prod(1)
    area_b = (b[:, 2:] - b[:, :2]).prod(1)
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def encode_boxes(boxes: torch.Tensor, priors: torch.Tensor) -> torch.Tensor:
    """Corner boxes matched to priors -> the regression targets the decoder inverts."""
    v0, v1 = RETINAFACE_VARIANCES
    centre = ((boxes[:, :2] + boxes[:, 2:]) / 2 - priors[:, :2]) / (v0 * priors[:, 2:])
    size = torch.log((boxes[:, 2:] - boxes[:, :2]).clamp(min=1e-6) / priors[:, 2:]) / v1
    return torch.cat([centre, size], 1)


def encode_landmarks(points: torch.Tensor, priors: torch.Tensor) -> torch.Tensor:
    """(K, 10) landmark pixels -> offsets from the prior centre in units of ``v0 * prior size``."""
    v0 = RETINAFACE_VARIANCES[0]
    pts = points.reshape(-1, 5, 2)
    return ((pts - priors[:, None, :2]) / (v0 * priors[:, None, 2:])).reshape(-1, 10)


def match(targets: torch.Tensor, priors: torch.Tensor, threshold: float) -> tuple[torch.Tensor, ...]:
    """Assign faces to anchors as the original ``match``: each face takes its best anchor, each
    anchor the face it overlaps most if IoU >= ``threshold``.

    Args:
        targets: (F, 15) ``x1 y1 x2 y2``, ten landmark values, label (1 or -1).
        priors: (A, 4) ``cx cy w h``.

    Returns:
        loc (A, 4), landmark (A, 10) targets and labels (A,): 0 background, 1 face with landmarks,
        -1 face without.
    """
    count = priors.shape[0]
    if targets.numel() == 0:
        return priors.new_zeros(count, 4), priors.new_zeros(count, 10), priors.new_zeros(count, dtype=torch.long)
    overlaps = box_iou(targets[:, :4], point_form(priors))
    best_prior_overlap, best_prior = overlaps.max(1)
    valid = best_prior_overlap >= 0.2
    best_truth_overlap, best_truth = overlaps.max(0)
    best_truth_overlap.index_fill_(0, best_prior[valid], 2.0)
    for face, prior in enumerate(best_prior.tolist()):
        if valid[face]:
            best_truth[prior] = face
    matched = targets[best_truth]
    labels = matched[:, 14].long()
    labels[best_truth_overlap < threshold] = 0
    return encode_boxes(matched[:, :4], priors), encode_landmarks(matched[:, 4:14], priors), labels


class MultiBoxLoss(nn.Module):
    """Box + class (3:1 hard negatives) + landmark loss; returns (total, parts)."""

    def __init__(self, overlap: float = 0.35, neg_pos: int = 3, loc_weight: float = 2.0) -> None:
        super().__init__()
        self.overlap, self.neg_pos, self.loc_weight = overlap, neg_pos, loc_weight

    def forward(self, outputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor], targets: list[torch.Tensor],
                priors: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        loc_p, conf_p, landm_p = (o.float() for o in outputs)
        matched = [match(t.to(priors.device), priors, self.overlap) for t in targets]
        loc_t = torch.stack([m[0] for m in matched])
        landm_t = torch.stack([m[1] for m in matched])
        labels = torch.stack([m[2] for m in matched])
        pos = labels != 0
        with_marks = labels > 0
        num_pos = max(int(pos.sum()), 1)
        loss_l = F.smooth_l1_loss(loc_p[pos], loc_t[pos], reduction="sum") / num_pos
        loss_landm = F.smooth_l1_loss(landm_p[with_marks], landm_t[with_marks], reduction="sum") \
            / max(int(with_marks.sum()), 1)
        classes = pos.long()
        per_prior = torch.logsumexp(conf_p, -1) - conf_p.gather(-1, classes[..., None]).squeeze(-1)
        per_prior = per_prior.detach().masked_fill(pos, 0.0)
        rank = per_prior.argsort(1, descending=True).argsort(1)
        num_neg = (self.neg_pos * pos.sum(1, keepdim=True)).clamp(max=pos.shape[1] - 1)
        neg = rank < num_neg
        chosen = pos | neg
        loss_c = F.cross_entropy(conf_p[chosen], classes[chosen], reduction="sum") / num_pos
        total = self.loc_weight * loss_l + loss_c + loss_landm
        return total, {"loss_box": float(loss_l.detach()), "loss_class": float(loss_c.detach()),
                       "loss_landmarks": float(loss_landm.detach())}
