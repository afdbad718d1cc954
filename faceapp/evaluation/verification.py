"""Verification metrics: k-fold accuracy with held-out thresholds, best threshold, TAR at FAR."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class VerificationResult:
    """Figures of a verification run (similarities: higher means more alike)."""

    accuracy: float
    accuracy_std: float
    folds: int
    threshold_protocol: str
    best_threshold: float
    best_threshold_accuracy: float
    tar_at_far: float
    far_target: float
    far_achieved: float
    far_threshold: float
    pairs: int
    positives: int
    negatives: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Threshold maximising accuracy of ``score >= t`` and that accuracy.

    Args:
        scores: (N,) similarities.
        labels: (N,) bool, True for same-identity pairs.

    Returns:
        (threshold, accuracy); the threshold is midway between neighbouring scores.
    """
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels, bool)
    order = np.argsort(scores, kind="stable")
    s, lab = scores[order], labels[order]
    # Accepting everything from index k upward: correct = positives at >= k + negatives below k.
    pos_above = np.concatenate([np.cumsum(lab[::-1])[::-1], [0]])
    neg_below = np.concatenate([[0], np.cumsum(~lab)])
    correct = pos_above + neg_below
    # Only cut between distinct scores.
    valid = np.ones(len(s) + 1, bool)
    valid[1:-1] = s[1:] > s[:-1]
    k = int(np.argmax(np.where(valid, correct, -1)))
    if k == 0:
        threshold = s[0] - 1e-6 if len(s) else 0.0
    elif k == len(s):
        threshold = s[-1] + 1e-6
    else:
        threshold = (s[k - 1] + s[k]) / 2
    return float(threshold), float(correct[k] / max(len(s), 1))


def tar_at_far(scores: np.ndarray, labels: np.ndarray, far: float) -> tuple[float, float, float]:
    """True-accept rate at the lowest threshold whose false-accept rate is at most ``far``.

    Returns:
        (tar, achieved_far, threshold). With n negatives the finest FAR step is 1/n.
    """
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels, bool)
    neg = np.sort(scores[~labels])[::-1]
    allowed = int(np.floor(far * len(neg) + 1e-9))
    threshold = float(np.nextafter(neg[allowed], np.inf)) if allowed < len(neg) else float(neg[-1]) if len(neg) else 0.0
    accepted_neg = int((neg >= threshold).sum())
    tar = float((scores[labels] >= threshold).mean()) if labels.any() else 0.0
    return tar, accepted_neg / max(len(neg), 1), threshold


def evaluate_verification(
    scores: np.ndarray, labels: np.ndarray, fold_ids: np.ndarray, far: float = 1e-3
) -> VerificationResult:
    """Standard LFW-style metrics.

    With several folds, each fold is scored at the threshold that is best on the other folds.
    With one fold there is no other data, so the threshold is chosen on the pairs themselves
    (``threshold_protocol`` says so; the figure is then slightly optimistic).
    """
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels, bool)
    fold_ids = np.asarray(fold_ids)
    folds = np.unique(fold_ids)
    if len(folds) > 1:
        accs = []
        for fold in folds:
            test = fold_ids == fold
            t, _ = best_threshold(scores[~test], labels[~test])
            accs.append(float(((scores[test] >= t) == labels[test]).mean()))
        accuracy, std = float(np.mean(accs)), float(np.std(accs))
        protocol = f"{len(folds)}-fold: threshold chosen on the other folds"
    else:
        _, accuracy = best_threshold(scores, labels)
        std = 0.0
        protocol = "1 fold: threshold chosen on the same pairs (no other folds available)"
    threshold, best_acc = best_threshold(scores, labels)
    tar, achieved, far_t = tar_at_far(scores, labels, far)
    return VerificationResult(
        accuracy=accuracy, accuracy_std=std, folds=len(folds), threshold_protocol=protocol,
        best_threshold=threshold, best_threshold_accuracy=best_acc,
        tar_at_far=tar, far_target=far, far_achieved=achieved, far_threshold=far_t,
        pairs=len(scores), positives=int(labels.sum()), negatives=int((~labels).sum()),
    )
