"""Each loss checked for its defining property."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from faceapp.train.losses import (  # noqa: E402
    ArcFace,
    CenterLoss,
    CombinedMargin,
    CosFace,
    LSoftmax,
    MarginHead,
    NormFace,
    Softmax,
    SphereFace,
    build_margin,
)
from faceapp.train.losses.margin import psi  # noqa: E402


def _head(margin: torch.nn.Module, dim: int = 8, classes: int = 5) -> tuple[MarginHead, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    head = MarginHead(dim, classes, margin)
    x = torch.randn(6, dim) * 3.0
    labels = torch.tensor([0, 1, 2, 3, 4, 0])
    return head, x, labels


def _cosines(head: MarginHead, x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(x, dim=1) @ torch.nn.functional.normalize(head.weight, dim=1).T


def _split(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mask = torch.nn.functional.one_hot(labels, logits.shape[1]).bool()
    return logits[mask], logits[~mask]


def test_arcface_target_is_s_cos_theta_plus_m_and_others_s_cos_theta() -> None:
    head, x, labels = _head(ArcFace(s=64.0, m=0.5))
    cos = _cosines(head, x)
    target, others = _split(head(x, labels), labels)
    cos_t, cos_o = _split(cos, labels)
    theta = torch.acos(cos_t)
    assert bool((theta + 0.5 < math.pi).all())
    torch.testing.assert_close(target, 64.0 * torch.cos(theta + 0.5), atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(others, 64.0 * cos_o, atol=1e-5, rtol=1e-5)


def test_arcface_falls_back_where_theta_plus_m_passes_pi() -> None:
    margin = ArcFace(s=1.0, m=0.5)
    cos = torch.tensor([[math.cos(3.0), 0.0]])
    logits = margin(cos, torch.tensor([0]), torch.ones(1, 1), torch.ones(1, 2))
    assert logits[0, 0].item() == pytest.approx(math.cos(3.0) - math.sin(math.pi - 0.5) * 0.5, abs=1e-6)


def test_cosface_target_is_s_cos_minus_m() -> None:
    head, x, labels = _head(CosFace(s=30.0, m=0.35))
    target, others = _split(head(x, labels), labels)
    cos_t, cos_o = _split(_cosines(head, x), labels)
    torch.testing.assert_close(target, 30.0 * (cos_t - 0.35), atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(others, 30.0 * cos_o, atol=1e-4, rtol=1e-5)


def test_normface_is_scaled_cosine_and_softmax_is_the_dot_product() -> None:
    head, x, labels = _head(NormFace(s=16.0))
    torch.testing.assert_close(head(x, labels), 16.0 * _cosines(head, x), atol=1e-4, rtol=1e-5)
    head, x, labels = _head(Softmax())
    torch.testing.assert_close(head(x, labels), x @ head.weight.T, atol=1e-5, rtol=1e-4)


def test_combined_margin_matches_its_formula_and_reduces_to_arcface() -> None:
    head, x, labels = _head(CombinedMargin(s=10.0, m1=1.2, m2=0.2, m3=0.1))
    target, _ = _split(head(x, labels), labels)
    theta = torch.acos(_split(_cosines(head, x), labels)[0])
    torch.testing.assert_close(target, 10.0 * (torch.cos(1.2 * theta + 0.2) - 0.1), atol=1e-4, rtol=1e-4)
    arc, x, labels = _head(ArcFace(s=10.0, m=0.3))
    comb, _, _ = _head(CombinedMargin(s=10.0, m1=1.0, m2=0.3, m3=0.0))
    torch.testing.assert_close(arc(x, labels), comb(x, labels), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(("theta", "expected"), [
    (0.3, math.cos(1.2)),                      # k = 0
    (1.0, -math.cos(4.0) - 2.0),               # k = 1 (π/4 ≤ θ < π/2)
    (2.0, math.cos(8.0) - 4.0),                # k = 2
    (3.0, -math.cos(12.0) - 6.0),              # k = 3
])
def test_sphereface_psi(theta: float, expected: float) -> None:
    assert psi(torch.tensor([math.cos(theta)]), 4).item() == pytest.approx(expected, abs=1e-5)


def test_sphereface_target_is_norm_times_psi_and_psi_decreases() -> None:
    head, x, labels = _head(SphereFace(m=4, lambda_start=0.0, lambda_min=0.0))
    target, others = _split(head(x, labels), labels)
    cos_t, cos_o = _split(_cosines(head, x), labels)
    norms = x.norm(dim=1)
    torch.testing.assert_close(target, norms * psi(cos_t, 4), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(others, (norms[:, None].expand(-1, 5)[~torch.nn.functional.one_hot(labels, 5).bool()])
                               * cos_o, atol=1e-4, rtol=1e-4)
    values = psi(torch.cos(torch.linspace(0.0, math.pi, 200)), 4)
    assert bool((values[1:] <= values[:-1] + 1e-6).all())


def test_sphereface_lambda_anneals_and_lsoftmax_keeps_weight_norms() -> None:
    margin = SphereFace(m=4, lambda_start=1000.0, lambda_min=5.0, gamma=0.5)
    head, x, labels = _head(margin)
    first = margin.lambda_
    for _ in range(20):
        head(x, labels)
    assert margin.lambda_ < first and margin.lambda_ >= 5.0
    head, x, labels = _head(LSoftmax(m=2, lambda_start=0.0, lambda_min=0.0))
    target, _ = _split(head(x, labels), labels)
    cos_t, _ = _split(_cosines(head, x), labels)
    w_norm = head.weight.norm(dim=1)[labels]
    torch.testing.assert_close(target, w_norm * x.norm(dim=1) * psi(cos_t, 2), atol=1e-4, rtol=1e-4)


def test_head_without_labels_has_no_margin_and_loss_backpropagates() -> None:
    head, x, labels = _head(build_margin("arcface", s=8.0, m=0.5))
    torch.testing.assert_close(head(x), 8.0 * _cosines(head, x), atol=1e-4, rtol=1e-5)
    x.requires_grad_(True)
    head.loss(x, labels).backward()
    assert x.grad is not None and head.weight.grad is not None and torch.isfinite(x.grad).all()
    with pytest.raises(ValueError, match="unknown margin"):
        build_margin("nope")


def test_margins_raise_the_loss_above_plain_normface() -> None:
    head, x, labels = _head(NormFace(s=16.0))
    base = head.loss(x, labels)
    for margin in (ArcFace(s=16.0, m=0.5), CosFace(s=16.0, m=0.35)):
        head.margin = margin
        assert head.loss(x, labels) > base


def test_center_loss_moves_centres_toward_features() -> None:
    torch.manual_seed(0)
    loss = CenterLoss(num_classes=2, embedding_dim=4)
    x = torch.tensor([[1.0, 0, 0, 0], [1.0, 0.2, 0, 0], [0, 0, 1.0, 0]])
    labels = torch.tensor([0, 0, 1])
    before = loss.centers.detach().clone()
    optimiser = torch.optim.SGD(loss.parameters(), lr=0.5)
    value = loss(x, labels)
    expected = 0.5 * ((x - before[labels]) ** 2).sum(1).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)
    value.backward()
    optimiser.step()
    means = torch.stack([x[:2].mean(0), x[2]])
    assert bool(((loss.centers.detach() - means).norm(dim=1) < (before - means).norm(dim=1)).all())
    assert loss(x, labels) < value


def test_partial_fc_uses_only_sampled_classes_including_the_batch_ones() -> None:
    torch.manual_seed(0)
    head = MarginHead(8, 20, CosFace(s=8.0, m=0.2), sample_rate=0.25)
    x = torch.randn(4, 8)
    labels = torch.tensor([3, 3, 17, 9])
    index, renumbered = head.sample_classes(labels)
    assert len(index) == 5 and {3, 9, 17} <= set(index.tolist())
    assert index[renumbered].tolist() == labels.tolist()
    head.loss(x, labels).backward()
    touched = (head.weight.grad.abs().sum(1) > 0).nonzero().flatten().tolist()
    assert {3, 9, 17} <= set(touched) and len(touched) <= 5
    head.eval()  # evaluation uses every class
    head.weight.grad = None
    head.loss(x, labels).backward()
    assert int((head.weight.grad.abs().sum(1) > 0).sum()) == 20
    with pytest.raises(ValueError):
        MarginHead(8, 20, CosFace(), sample_rate=0.0)
