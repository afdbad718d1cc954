"""The attendance desk's rules: one frozen, validated settings object.

All durations are seconds. :class:`DeskRules` is plain data so the settings dialog, the CLI and the
tests can build, compare and save it; :meth:`DeskRules.from_dict` reads a saved copy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from faceapp.errors import ConfigError
from faceapp.records import EventKind

log = logging.getLogger(__name__)


class InOutMode(str, Enum):
    """How the desk decides whether a recognised person is coming in or going out."""

    ALTERNATE = "alternate"  # in, out, in, ... per person per local day
    FIRST_IN_LAST_OUT = "first_in_last_out"  # first event of the local day in, every later one out
    CAMERA = "camera"  # fixed per camera (``DeskRules.camera_directions``)


_DIRECTIONS = {
    "in": EventKind.CHECK_IN,
    "out": EventKind.CHECK_OUT,
    EventKind.CHECK_IN.value: EventKind.CHECK_IN,
    EventKind.CHECK_OUT.value: EventKind.CHECK_OUT,
}


def _direction(value: str | EventKind) -> EventKind:
    """``"in"``/``"out"`` (or the event kind itself) as CHECK_IN/CHECK_OUT."""
    key = value.value if isinstance(value, EventKind) else str(value).strip().lower()
    if key not in _DIRECTIONS:
        raise ConfigError(f"camera direction must be 'in' or 'out', not {value!r}")
    return _DIRECTIONS[key]


@dataclass(frozen=True)
class DeskRules:
    """Rules that turn a stream of per-frame identifications into attendance events.

    Attributes:
        consensus_frames: ACCEPT frames for the same person needed for a decision.
        consensus_window: how many of a track's most recent frames are looked at.
        consensus_seconds: frames older than this, measured back from the newest frame, do not count.
        max_rival_votes: if another person has more ACCEPT frames than this in the window, the
            track is ambiguous (for example two faces swapped boxes) and nothing is decided yet.
        cooldown_seconds: a person is not recorded again within this time, whatever the track.
        in_out: how in and out are told apart, see :class:`InOutMode`.
        camera_directions: camera id -> ``"in"``/``"out"``; used in :attr:`InOutMode.CAMERA` mode.
            Values may be ``"in"``/``"out"`` strings; they are stored as CHECK_IN/CHECK_OUT.
            Cameras missing from it fall back to alternating (a warning is logged once).
        unknown_frames: UNKNOWN frames of one track (since its last ACCEPT) that make one UNKNOWN
            event; 0 turns unknown events off.
        uncertain_frames: the same for UNCERTAIN frames and UNCERTAIN events; 0 (default) is off.
        flag_interval_seconds: at most one UNKNOWN (and one UNCERTAIN) event per camera this often.
        track_ttl_seconds: a track not seen for this long is forgotten.
        max_tracks: upper bound on remembered tracks; the least recently seen go first.
    """

    consensus_frames: int = 3
    consensus_window: int = 5
    consensus_seconds: float = 2.0
    max_rival_votes: int = 1
    cooldown_seconds: float = 300.0
    in_out: InOutMode = InOutMode.ALTERNATE
    camera_directions: Mapping[str, EventKind | str] = field(default_factory=dict)
    unknown_frames: int = 5
    uncertain_frames: int = 0
    flag_interval_seconds: float = 30.0
    track_ttl_seconds: float = 10.0
    max_tracks: int = 256

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_out", _mode(self.in_out))
        directions = {str(k): _direction(v) for k, v in dict(self.camera_directions).items()}
        object.__setattr__(self, "camera_directions", MappingProxyType(directions))
        if not 1 <= self.consensus_frames <= self.consensus_window:
            raise ConfigError("consensus_frames must be between 1 and consensus_window")
        if self.max_rival_votes < 0 or self.unknown_frames < 0 or self.uncertain_frames < 0:
            raise ConfigError("max_rival_votes, unknown_frames and uncertain_frames must be >= 0")
        for name in ("consensus_seconds", "track_ttl_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0 seconds")
        if self.cooldown_seconds < 0 or self.flag_interval_seconds < 0:
            raise ConfigError("cooldown_seconds and flag_interval_seconds must be >= 0")
        if self.max_tracks < 1:
            raise ConfigError("max_tracks must be >= 1")
        if self.in_out is InOutMode.CAMERA and not self.camera_directions:
            raise ConfigError("in/out mode 'camera' needs camera_directions (camera id -> in/out)")

    def __hash__(self) -> int:
        # The generated hash would fail on the read-only camera mapping; hash a sorted plain copy.
        data = self.to_dict()
        data["camera_directions"] = sorted(data["camera_directions"].items())
        return hash(repr(sorted(data.items())))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly copy (enums as their values)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)} | {"in_out": self.in_out.value}
        data["camera_directions"] = {
            cam: "in" if _direction(kind) is EventKind.CHECK_IN else "out"
            for cam, kind in self.camera_directions.items()
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeskRules:
        """Build from saved data, ignoring (and logging) unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            log.warning("ignoring unknown desk rules: %s", ", ".join(sorted(unknown)))
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid desk rules: {exc}") from exc


def _mode(value: InOutMode | str) -> InOutMode:
    try:
        return InOutMode(value)
    except ValueError:
        choices = ", ".join(m.value for m in InOutMode)
        raise ConfigError(f"in/out mode must be one of {choices}, not {value!r}") from None


def zone_info(zone: str | ZoneInfo) -> ZoneInfo:
    """``zone`` as a :class:`ZoneInfo`; an unknown IANA name is a :class:`ConfigError`."""
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ConfigError(f"unknown time zone {zone!r}; use an IANA name like 'Europe/Berlin'") from exc
