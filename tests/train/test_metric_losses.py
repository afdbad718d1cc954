"""Metric losses and their miners on hand-built batches."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from faceapp.train.losses import (  # noqa: E402
    ContrastiveLoss,
    DistanceWeightedMarginLoss,
    LiftedStructuredLoss,
    TripletLoss,
    batch_hard_indices,
    distance_weighted_negatives,
    pairwise_distances,
    semi_hard_triplets,
)


def _line(*xs: float) -> torch.Tensor:
    """Points on the x axis, so distances are |x_i − x_j|."""
    return torch.tensor([[x, 0.0] for x in xs])


def test_pairwise_distances_are_euclidean_with_zero_diagonal() -> None:
    x = _line(0.0, 3.0, 7.0)
    expected = torch.tensor([[0.0, 3, 7], [3, 0, 4], [7, 4, 0]])
    torch.testing.assert_close(pairwise_distances(x), expected, atol=1e-5, rtol=0)


def test_batch_hard_picks_the_farthest_positive_and_nearest_negative() -> None:
    # class 0 at 0, 1, 5; class 1 at 2, 9.
    x = _line(0.0, 1.0, 5.0, 2.0, 9.0)
    labels = torch.tensor([0, 0, 0, 1, 1])
    a, p, n = batch_hard_indices(pairwise_distances(x), labels)
    assert a.tolist() == [0, 1, 2, 3, 4]
    assert p.tolist() == [2, 2, 0, 4, 3]
    assert n.tolist() == [3, 3, 3, 1, 2]


def test_semi_hard_picks_negatives_farther_than_the_positive_within_the_margin() -> None:
    # anchor 0 at 0, positive 1 at 1; negatives at 0.5 (hard), 1.3, 1.8 (semi-hard), 5 (easy).
    x = _line(0.0, 1.0, 0.5, 1.3, 1.8, 5.0)
    labels = torch.tensor([0, 0, 1, 1, 1, 1])
    dist = pairwise_distances(x)
    a, p, n = semi_hard_triplets(dist, labels, margin=1.0)
    triplets = {(int(i), int(j)): int(k) for i, j, k in zip(a, p, n, strict=True)}
    assert triplets[(0, 1)] == 3  # nearest negative with 1 < d < 2
    for (i, j), k in triplets.items():
        d_ap, d_an = dist[i, j], dist[i, k]
        semi = [m for m in range(6) if labels[m] != labels[i] and d_ap < dist[i, m] < d_ap + 1.0]
        if semi:
            assert d_ap < d_an < d_ap + 1.0
    loss = TripletLoss(margin=1.0, mining="semi_hard")(x, labels)
    assert loss.item() > 0


def test_semi_hard_falls_back_to_the_farthest_negative() -> None:
    x = _line(0.0, 1.0, 0.2, 9.0)
    labels = torch.tensor([0, 0, 1, 1])
    a, _, n = semi_hard_triplets(pairwise_distances(x), labels, margin=0.5)
    assert dict(zip(a.tolist(), n.tolist(), strict=True))[0] == 3


def test_triplet_batch_hard_value() -> None:
    x = _line(0.0, 1.0, 1.5, 4.0)
    labels = torch.tensor([0, 0, 1, 1])
    # Per anchor relu(d(a, hardest p) − d(a, nearest n) + 1).
    expected = (max(0, 1 - 1.5 + 1) + max(0, 1 - 0.5 + 1) + max(0, 2.5 - 0.5 + 1) + max(0, 2.5 - 3 + 1)) / 4
    assert TripletLoss(margin=1.0)(x, labels).item() == pytest.approx(expected, abs=1e-5)
    with pytest.raises(ValueError):
        TripletLoss(mining="random")


def test_contrastive_is_zero_for_far_negatives_and_d2_for_positives() -> None:
    loss = ContrastiveLoss(margin=1.0)
    far = _line(0.0, 0.0, 5.0, 5.0)
    assert loss(far, torch.tensor([0, 0, 1, 1])).item() == pytest.approx(0.0, abs=1e-6)
    near = _line(0.0, 0.5)
    assert loss(near, torch.tensor([0, 1])).item() == pytest.approx(0.25, abs=1e-6)  # (1 - 0.5)²
    assert loss(near, torch.tensor([0, 0])).item() == pytest.approx(0.25, abs=1e-6)  # 0.5²


def test_lifted_structured_hand_computed() -> None:
    # 0 and 1 positive (d=1); negative 2 at distance 2 from 0 and 1 from 1.
    x = _line(0.0, 1.0, 2.0)
    labels = torch.tensor([0, 0, 1])
    j = math.log(math.exp(1.0 - 2.0) + math.exp(1.0 - 1.0)) + 1.0
    expected = max(j, 0.0) ** 2 / 2.0
    assert LiftedStructuredLoss(margin=1.0)(x, labels).item() == pytest.approx(expected, abs=1e-5)


def test_distance_weighted_margin_loss_hand_computed() -> None:
    # Unit vectors: 0 and 1 positive, 2 the only negative, so sampling is forced.
    x = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    labels = torch.tensor([0, 0, 1])
    a, p, n = distance_weighted_negatives(x, labels, cutoff=0.5, nonzero_loss_cutoff=1.5)
    assert sorted(zip(a.tolist(), p.tolist(), n.tolist(), strict=True)) == [(0, 1, 2), (1, 0, 2)]
    d01 = math.dist((1.0, 0.0), (0.8, 0.6))
    d02 = math.dist((1.0, 0.0), (0.0, 1.0))
    d12 = math.dist((0.8, 0.6), (0.0, 1.0))
    alpha, beta = 0.2, 1.2
    terms = [max(0, d01 - beta + alpha)] * 2 + [max(0, beta - d02 + alpha), max(0, beta - d12 + alpha)]
    expected = sum(terms) / sum(t > 0 for t in terms)
    loss = DistanceWeightedMarginLoss(alpha=alpha, beta=beta, nonzero_loss_cutoff=1.5)
    value = loss(x, labels)
    assert value.item() == pytest.approx(expected, abs=1e-5)
    value.backward()
    assert loss.beta.grad is not None


def test_distance_weighted_sampling_prefers_rare_distances() -> None:
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(64, 32), dim=1)
    labels = torch.arange(64) // 4
    generator = torch.Generator().manual_seed(0)
    a, _, n = distance_weighted_negatives(x, labels, generator=generator)
    dist = pairwise_distances(x)
    sampled = dist[a, n].mean()
    negatives = dist[labels[:, None] != labels[None, :]].mean()
    # In 32-d random distances concentrate near √2; inverse-density weights spread the draws
    # toward nearer (rarer, more informative) negatives.
    assert sampled < negatives


@pytest.mark.parametrize("loss", [ContrastiveLoss(), TripletLoss(), TripletLoss(mining="semi_hard"),
                                  LiftedStructuredLoss(), DistanceWeightedMarginLoss()])
def test_degenerate_batches_give_zero_loss_and_finite_gradients(loss: torch.nn.Module) -> None:
    for labels in (torch.zeros(4, dtype=torch.long), torch.arange(4)):  # one class; no positives
        x = torch.randn(4, 8, requires_grad=True)
        value = loss(x, labels)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(x.grad).all()
        if labels.unique().numel() == 4 and not isinstance(loss, ContrastiveLoss):
            assert value.item() == 0.0
