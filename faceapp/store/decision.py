"""The open-set operating point: thresholds derived from a target false-accept rate and the gallery size.

A site chooses how often a never-enrolled face may be accepted as someone (the false-positive
identification rate per attempt, e.g. 0.5 %). The accept threshold that achieves it depends on the
embedder (its calibration, see :mod:`faceapp.vision.calibration`) and on how many people are
enrolled: every enrolled person is one more chance for a stranger to resemble someone. So the
thresholds are recomputed whenever the number of searchable people changes.

``unknown`` (below it the verdict is UNKNOWN, between it and ``accept`` UNCERTAIN: ask for another
look) is the threshold for :data:`UNCERTAIN_FACTOR` times the target.

An expert may pin raw cosine thresholds instead; they also apply when the embedder has no
calibration (a user model that was never measured), with a warning in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from faceapp.errors import ConfigError
from faceapp.records import Verdict
from faceapp.vision.calibration import DEFAULT_TARGET, Calibration

log = logging.getLogger(__name__)

DEFAULT_ACCEPT = 0.42
DEFAULT_UNKNOWN = 0.30
#: The UNCERTAIN band reaches down to the threshold of this many times the target rate.
UNCERTAIN_FACTOR = 10.0


@dataclass(frozen=True)
class Thresholds:
    """Open-set decision thresholds on the person score (cosine similarity)."""

    accept: float = DEFAULT_ACCEPT
    unknown: float = DEFAULT_UNKNOWN

    def __post_init__(self) -> None:
        if not -1.0 <= self.unknown <= self.accept <= 1.0:
            raise ConfigError("thresholds must satisfy -1 <= unknown <= accept <= 1")

    def verdict(self, score: float) -> Verdict:
        """ACCEPT, UNCERTAIN or UNKNOWN for a person score."""
        if score >= self.accept:
            return Verdict.ACCEPT
        return Verdict.UNKNOWN if score < self.unknown else Verdict.UNCERTAIN


@dataclass(frozen=True)
class OperatingPoint:
    """How the gallery decides: a target rate with a calibration, or pinned thresholds.

    Args:
        target: false-positive identification rate per attempt (0 < target <= 0.1).
        calibration: the active embedder's calibration (``None``: use ``pinned``).
        pinned: raw thresholds; used when ``pin`` is set or there is no calibration.
        pin: the expert's choice to use ``pinned`` whatever the calibration.
    """

    target: float = DEFAULT_TARGET
    calibration: Calibration | None = None
    pinned: Thresholds = field(default_factory=Thresholds)
    pin: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.target <= 0.1:
            raise ConfigError("the target false-accept rate must be above 0 and at most 0.1")

    @property
    def derived(self) -> bool:
        """Whether thresholds follow the target (not pinned)."""
        return not self.pin and self.calibration is not None

    def thresholds(self, people: int, templates: int = 0) -> Thresholds:
        """The thresholds for a gallery of ``people`` searchable people with ``templates`` templates."""
        if not self.derived:
            return self.pinned
        cal = self.calibration
        assert cal is not None  # for type checkers: derived implies a calibration
        accept = cal.threshold_for(self.target, people, templates)
        unknown = cal.threshold_for(min(self.target * UNCERTAIN_FACTOR, 0.5), people, templates)
        return Thresholds(round(accept, 4), round(min(unknown, accept), 4))

    def for_model(self, model: str) -> OperatingPoint:
        """This operating point, without a calibration that belongs to another model."""
        if self.calibration is not None and self.calibration.model != model:
            log.warning("calibration is for %s, not %s: using the pinned thresholds",
                        self.calibration.model, model)
            return OperatingPoint(self.target, None, self.pinned, self.pin)
        return self


def operating_point(settings, calibration: Calibration | None) -> OperatingPoint:
    """The operating point a :class:`~faceapp.config.Settings` asks for, with the embedder's calibration."""
    if calibration is None and not settings.pin_thresholds:
        log.warning("embedder %s has no calibration (run faceapp eval calibrate): using the raw thresholds "
                    "%.3f/%.3f, whose false-accept rate grows with the gallery", settings.embedder,
                    settings.accept_threshold, settings.unknown_threshold)
    return OperatingPoint(settings.false_accept_target, calibration,
                          Thresholds(settings.accept_threshold, settings.unknown_threshold),
                          settings.pin_thresholds)
