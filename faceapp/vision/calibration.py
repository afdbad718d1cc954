"""Score calibration of an embedder and the open-set threshold it implies for a gallery size.

A calibration holds the measured survival functions of an embedder's cosine scores: the fraction
of **impostor** pairs (two photos of different people) and of **genuine** pairs (same person) that
score at or above each threshold of a grid. ``faceapp eval calibrate`` measures them on real photos
and writes them into the model's manifest entry (``"calibration"``).

Open-set identification compares a never-enrolled face with every enrolled template and accepts
the best one when it reaches the threshold ``t``. With ``n`` comparisons (about one per enrolled
person, more when people have several templates) whose impostor scores
exceed ``t`` with probability ``p(t)`` each, the chance that a stranger is accepted (the
false-positive identification rate per attempt) is ``1 - (1 - p(t))**n``. For a target rate
``a`` the threshold is therefore the smallest ``t`` with ``p(t) <= 1 - (1 - a)**(1/n)`` (about
``a / n``), which rises as the gallery grows.

Below the last well-measured point (where fewer than :data:`MIN_TAIL_PAIRS` impostor pairs
remain) ``p`` is interpolated in the measured table; beyond it the log-survival is extended along
a parabola fitted to the last three decades of measurements (cosine impostor tails fall ever
faster, like a normal tail), starting from the last measured point. For the bundled embedder the
table ends at cosine 0.46 (2.9e-5); the extension gives 1.8e-5 at 0.48 and 9.3e-6 at 0.50, where
the less favourable collection's few remaining pairs measured 1.6e-5 and 7.1e-6.

Checked against measured best-of-n stranger rates (``benchmarks/bench_openset_model.py``): one
stranger's comparisons with different people are as good as independent at the operating rates,
and where strangers resemble many people the formula can only over-estimate. Within one collection
the prediction is close to the measurement (celeba-dev) or about 2x above it (lfw-dev, 300 people,
0.42-0.45: the less favourable collection is kept); per-collection rates with a template exponent and a
resampling margin were measured and not adopted (README, "Identification at site scale").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np

from faceapp.errors import ModelError

#: Fewest impostor pairs above a grid point for it to count as measured.
MIN_TAIL_PAIRS = 20
GRID_START, GRID_STOP, GRID_STEP = -0.2, 1.0, 0.005
#: Operating points offered in the settings (false-accept rate per attempt).
TARGET_RATES = (0.001, 0.005, 0.01)
DEFAULT_TARGET = 0.005


def score_grid() -> np.ndarray:
    """The thresholds at which survival functions are tabulated."""
    return np.round(np.arange(GRID_START, GRID_STOP + GRID_STEP / 2, GRID_STEP), 4)


def survival(scores: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Fraction of ``scores`` at or above each grid value."""
    ordered = np.sort(np.asarray(scores, np.float64).ravel())
    if not len(ordered):
        return np.zeros(len(grid))
    return 1.0 - np.searchsorted(ordered, grid, side="left") / len(ordered)


@dataclass(frozen=True)
class Calibration:
    """Measured genuine and impostor score survival of one embedder.

    Attributes:
        model: the embedder's model name.
        data: what it was measured on (free text).
        impostor_pairs, genuine_pairs: how many pairs were measured.
        grid_start, grid_step: the grid of thresholds (see :func:`score_grid`).
        impostor: fraction of impostor pairs scoring >= each grid value.
        genuine: fraction of genuine pairs scoring >= each grid value.
        comparisons_per_template: how many independent comparisons one enrolled template counts
            for (measured by :func:`faceapp.evaluation.openset.measure_comparisons`: a person's
            templates resemble each other, so two count for less than two people).
    """

    model: str
    data: str
    impostor_pairs: int
    genuine_pairs: int
    grid_start: float
    grid_step: float
    impostor: tuple[float, ...]
    genuine: tuple[float, ...]
    comparisons_per_template: float = 1.0

    @classmethod
    def measure(cls, model: str, data: str, genuine: np.ndarray, impostor: np.ndarray | list[np.ndarray],
                comparisons_per_template: float = 1.0) -> Calibration:
        """Tabulate measured genuine and impostor cosine scores.

        ``impostor`` may be several groups (e.g. one per photo collection): the impostor survival
        is then the highest of the groups' at each threshold, and the pair count the smallest, so
        the calibration holds for the least favourable group.
        """
        grid = score_grid()
        groups = impostor if isinstance(impostor, list) else [impostor]
        pairs = min(len(g) for g in groups)
        if pairs < 1000 or len(genuine) < 100:
            raise ModelError(f"calibration of {model} needs >= 1000 impostor and >= 100 genuine pairs "
                             f"(got {pairs} and {len(genuine)})")
        worst = np.max([survival(g, grid) for g in groups], axis=0)
        return cls(model, data, pairs, len(genuine), GRID_START, GRID_STEP,
                   tuple(round(float(v), 10) for v in worst),
                   tuple(round(float(v), 6) for v in survival(genuine, grid)),
                   float(comparisons_per_template))

    # -- manifest form -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["impostor"], out["genuine"] = list(self.impostor), list(self.genuine)
        return out

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> Calibration:
        """Parse a manifest ``calibration`` object; :class:`ModelError` naming what is wrong."""
        try:
            cal = cls(str(entry["model"]), str(entry.get("data", "")), int(entry["impostor_pairs"]),
                      int(entry["genuine_pairs"]), float(entry["grid_start"]), float(entry["grid_step"]),
                      tuple(float(v) for v in entry["impostor"]), tuple(float(v) for v in entry["genuine"]),
                      float(entry.get("comparisons_per_template", 1.0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model calibration is malformed: {exc!r}; run faceapp eval calibrate again") from exc
        if len(cal.impostor) != len(cal.genuine) or len(cal.impostor) < 10 or cal.grid_step <= 0:
            raise ModelError("model calibration is malformed: tables of different or too short length")
        if np.any(np.diff(cal.impostor) > 1e-12):
            raise ModelError("model calibration is malformed: impostor survival must not increase")
        return cal

    # -- queries -------------------------------------------------------------------------------
    @cached_property
    def grid(self) -> np.ndarray:
        return np.round(self.grid_start + self.grid_step * np.arange(len(self.impostor)), 6)

    @cached_property
    def _tail(self) -> tuple[float, float, np.ndarray]:
        """(last measured score, its log-survival, log-survival curve coefficients beyond it).

        The curve is a weighted least-squares parabola in the log-survival of the last three measured
        decades (fewer than 1000x :data:`MIN_TAIL_PAIRS` pairs above), shifted to meet the last
        measured point; a straight line where the parabola would not keep falling ever faster.
        """
        grid, surv = self.grid, np.asarray(self.impostor)
        floor = MIN_TAIL_PAIRS / self.impostor_pairs
        measured = np.flatnonzero(surv >= floor)
        last = int(measured[-1]) if len(measured) else 0
        edge, log_edge = float(grid[last]), math.log(max(surv[last], 1e-300))
        fit = np.flatnonzero((surv >= floor) & (surv <= floor * 1000))
        if len(fit) < 4:
            return edge, log_edge, np.array([-50.0, 0.0])
        weights = np.sqrt(surv[fit] * self.impostor_pairs)  # Poisson: log-count error ~ 1/sqrt(count)
        x, y = grid[fit] - edge, np.log(surv[fit])
        curve = np.polyfit(x, y, 2, w=weights)
        if curve[0] > 0 or curve[1] > -1.0:  # not falling ever faster: the straight line instead
            curve = np.array([0.0, min(float(np.polyfit(x, y, 1, w=weights)[0]), -1.0), 0.0])
        return edge, log_edge, np.array([curve[0], curve[1]])

    def impostor_rate(self, threshold: float) -> float:
        """Chance that one impostor comparison scores >= ``threshold`` (extrapolated in the tail)."""
        edge, log_edge, (curvature, slope) = self._tail
        if threshold >= edge:
            d = threshold - edge
            return math.exp(log_edge + slope * d + curvature * d * d)
        return float(np.interp(threshold, self.grid, self.impostor))

    def genuine_rate(self, threshold: float) -> float:
        """Chance that a genuine comparison scores >= ``threshold`` (the true-accept rate)."""
        return float(np.interp(threshold, self.grid, self.genuine, right=0.0))

    def comparisons(self, people: int, templates: int = 0) -> float:
        """Independent comparisons a search over ``people`` people with ``templates`` templates amounts to.

        At least one per person; more when people have several templates each
        (``comparisons_per_template`` times the templates).
        """
        return max(float(people), self.comparisons_per_template * float(templates), 1.0)

    def open_set_fpir(self, threshold: float, people: int, templates: int = 0) -> float:
        """Predicted chance that a stranger is accepted by a gallery of ``people`` at ``threshold``."""
        p = self.impostor_rate(threshold)
        return -math.expm1(self.comparisons(people, templates) * math.log1p(-min(p, 1 - 1e-15)))

    def threshold_for(self, target: float, people: int, templates: int = 0) -> float:
        """The lowest threshold whose predicted open-set false-accept rate is <= ``target``.

        Args:
            target: false-positive identification rate per attempt, 0 < target < 1.
            people: enrolled (searchable) people.
            templates: their searchable templates (0: one each).
        """
        if not 0.0 < target < 1.0:
            raise ValueError("the target false-accept rate must be between 0 and 1")
        per_comparison = -math.expm1(math.log1p(-target) / self.comparisons(people, templates))
        lo, hi = -1.0, 1.0
        if self.impostor_rate(lo) <= per_comparison:
            return lo
        for _ in range(60):  # impostor_rate falls monotonically: bisection to ~1e-18
            mid = (lo + hi) / 2
            if self.impostor_rate(mid) <= per_comparison:
                hi = mid
            else:
                lo = mid
        return hi
