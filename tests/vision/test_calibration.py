"""Open-set thresholds from a calibration and the gallery size, on score distributions with a known answer."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from faceapp.errors import ModelError
from faceapp.vision.calibration import GRID_START, GRID_STEP, Calibration, score_grid

RNG = np.random.default_rng(7)
SIGMA = 0.1
#: 3 million impostor scores ~ N(0, 0.1): the per-comparison rate at t is the normal tail.
NORMAL = Calibration.measure("m", "synthetic normal", RNG.normal(0.7, 0.1, 5000), RNG.normal(0.0, SIGMA, 3_000_000))
#: Laplace impostors (exponential tail, slope -1/B): the straight-line extension is exact there.
B = 0.05
LAPLACE = Calibration.measure("m", "synthetic laplace", RNG.normal(0.7, 0.1, 5000), RNG.laplace(0.0, B, 3_000_000))


def _normal_answer(target: float, people: int) -> float:
    per_comparison = 1 - (1 - target) ** (1 / people)
    return SIGMA * NormalDist().inv_cdf(1 - per_comparison)


@pytest.mark.parametrize(("target", "people"), [(0.01, 1), (0.01, 10), (0.005, 20), (0.05, 100), (0.01, 300)])
def test_threshold_matches_the_normal_tail_where_measured(target: float, people: int) -> None:
    assert NORMAL.threshold_for(target, people) == pytest.approx(_normal_answer(target, people), abs=0.006)


@pytest.mark.parametrize(("target", "people"), [(0.001, 1000), (0.001, 100_000), (0.005, 10_000)])
def test_threshold_beyond_the_measurements_follows_an_exponential_tail(target: float, people: int) -> None:
    per_comparison = 1 - (1 - target) ** (1 / people)
    exact = -B * math.log(2 * per_comparison)  # Laplace survival: exp(-t / B) / 2
    assert LAPLACE.threshold_for(target, people) == pytest.approx(exact, abs=0.03)  # 1-3 decades extrapolated


def test_beyond_the_measurements_a_normal_tail_is_followed() -> None:
    for people in (1000, 10_000, 100_000):  # per comparison 1e-6 .. 1e-8, measured down to ~7e-6
        assert NORMAL.threshold_for(0.001, people) == pytest.approx(_normal_answer(0.001, people), abs=0.01)


def test_threshold_rises_with_the_gallery_and_predicts_the_target() -> None:
    sizes = [1, 10, 100, 1000, 10_000, 100_000]
    thresholds = [NORMAL.threshold_for(0.005, n) for n in sizes]
    assert thresholds == sorted(thresholds) and thresholds[-1] - thresholds[0] > 0.15
    for n, t in zip(sizes, thresholds, strict=True):
        assert NORMAL.open_set_fpir(t, n) == pytest.approx(0.005, rel=0.02)
    assert NORMAL.threshold_for(0.01, 100) < NORMAL.threshold_for(0.001, 100)


def test_calibration_round_trips_through_the_manifest_form() -> None:
    again = Calibration.from_dict(NORMAL.to_dict())
    assert again == NORMAL and again.threshold_for(0.005, 500) == NORMAL.threshold_for(0.005, 500)
    assert again.genuine_rate(0.7) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("broken", [
    {"impostor": [0.1, 0.2] * 10, "genuine": [0.5] * 20},  # survival may not increase
    {"impostor": [1.0] * 5, "genuine": [1.0] * 6},
    {"grid_step": "x"},
])
def test_a_malformed_calibration_is_refused(broken: dict) -> None:
    with pytest.raises(ModelError, match="calibration is malformed"):
        Calibration.from_dict({**NORMAL.to_dict(), **broken})


def test_too_few_pairs_cannot_calibrate() -> None:
    with pytest.raises(ModelError, match="needs"):
        Calibration.measure("m", "tiny", np.ones(10), np.zeros(10))


def _mixture(share: float, shift: float) -> tuple[Calibration, object]:
    """Strangers of two kinds: most score N(0, 0.1) against anyone, ``share`` of them N(shift, 0.1)
    (faces that resemble many people). Exact survival tables (no sampling noise), and the exact
    open-set rate: each stranger's comparisons are independent given their kind."""
    def tail(x: float) -> float:
        return 1 - NormalDist().cdf(x)

    grid = score_grid()
    table = tuple((1 - share) * tail(t / SIGMA) + share * tail((t - shift) / SIGMA) for t in grid)
    cal = Calibration("m", "exact mixture", 10**12, 5000, GRID_START, GRID_STEP, table,
                      tuple(tail((t - 0.7) / SIGMA) for t in grid))

    def exact(t: float, n: int) -> float:
        return ((1 - share) * -math.expm1(n * math.log1p(-tail(t / SIGMA)))
                + share * -math.expm1(n * math.log1p(-tail((t - shift) / SIGMA))))
    return cal, exact


@pytest.mark.parametrize(("share", "shift", "lowest"), [(0.1, 0.12, 0.95), (0.01, 0.3, 0.6)])
def test_heterogeneous_strangers_never_exceed_the_target(share: float, shift: float, lowest: float) -> None:
    # The pooled pair rate with independent comparisons bounds the exact rate from above (Jensen):
    # strangers who resemble many people saturate. With mild heterogeneity the bound is tight.
    cal, exact = _mixture(share, shift)
    for n in (10, 1000, 100_000):
        for target in (0.001, 0.005, 0.01):
            ratio = exact(cal.threshold_for(target, n), n) / target
            assert lowest <= ratio <= 1.0 + 1e-6, (n, target, ratio)
