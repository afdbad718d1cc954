"""Verification metrics on hand-checkable score tables."""

import numpy as np
import pytest

from faceapp.evaluation.verification import best_threshold, evaluate_verification, tar_at_far


def test_separable_scores_reach_full_accuracy() -> None:
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    labels = np.array([0, 0, 0, 1, 1, 1], bool)
    threshold, accuracy = best_threshold(scores, labels)
    assert accuracy == 1.0 and 0.3 < threshold < 0.7


def test_one_overlap_costs_one_pair() -> None:
    scores = np.array([0.1, 0.6, 0.3, 0.5, 0.8, 0.9])
    labels = np.array([0, 0, 1, 1, 1, 1], bool)
    _, accuracy = best_threshold(scores, labels)
    assert accuracy == pytest.approx(5 / 6)


def test_ties_are_not_split() -> None:
    scores = np.array([0.5, 0.5, 0.5, 0.5])
    labels = np.array([0, 1, 0, 1], bool)
    _, accuracy = best_threshold(scores, labels)
    assert accuracy == 0.5


def test_kfold_uses_thresholds_from_other_folds() -> None:
    # fold 0 is separable at 0.5; fold 1 alone would need 0.85 but the other fold says 0.5
    scores = np.array([0.2, 0.4, 0.6, 0.8, 0.7, 0.8, 0.9, 0.95])
    labels = np.array([0, 0, 1, 1, 0, 0, 1, 1], bool)
    folds = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    result = evaluate_verification(scores, labels, folds)
    assert result.folds == 2 and "other folds" in result.threshold_protocol
    assert result.accuracy < 1.0  # fold 1 at the other fold's threshold accepts its negatives
    one_fold = evaluate_verification(scores, labels, np.zeros(8, int))
    assert "same pairs" in one_fold.threshold_protocol


def test_tar_at_far_counts_false_accepts() -> None:
    negatives = np.linspace(0.0, 0.5, 1000)
    positives = np.array([0.45, 0.6, 0.7, 0.9])
    scores = np.concatenate([negatives, positives])
    labels = np.concatenate([np.zeros(1000, bool), np.ones(4, bool)])
    tar, far, threshold = tar_at_far(scores, labels, 1e-3)
    assert far <= 1e-3 and threshold > negatives[-2]
    assert tar == pytest.approx(0.75)
    tar0, far0, _ = tar_at_far(scores, labels, 0.0)
    assert far0 == 0.0 and tar0 == pytest.approx(0.75)
