"""Plain records of access control: doors, areas, levels, grants, people's validity, decisions.

Everything here is immutable data; :mod:`faceapp.access.decide` turns it into a decision and
:mod:`faceapp.access.store` keeps it in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from faceapp.access.schedule import Schedule
from faceapp.errors import ConfigError


class Direction(str, Enum):
    """Which way a door's camera sees people pass."""

    IN = "in"
    OUT = "out"
    BOTH = "both"


class DoorState(str, Enum):
    """A door's mode: normal decisions, locked for everybody, or held open (emergency)."""

    NORMAL = "normal"
    LOCKDOWN = "lockdown"
    UNLOCKED = "unlocked"


class AntiPassback(str, Enum):
    """Anti-passback mode of an area: off, soft (pass but flag), hard (deny)."""

    OFF = "off"
    SOFT = "soft"
    HARD = "hard"


class Reason(str, Enum):
    """The one reason of a decision. Grants carry GRANTED (or EMERGENCY_UNLOCK, or a soft ANTI_PASSBACK)."""

    GRANTED = "granted"
    EMERGENCY_UNLOCK = "emergency_unlock"
    UNKNOWN = "unknown"
    UNCERTAIN = "uncertain"
    SPOOF = "spoof"
    NO_LEVEL = "no_level"
    OUTSIDE_SCHEDULE = "outside_schedule"
    HOLIDAY = "holiday"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    ANTI_PASSBACK = "anti_passback"
    LOCKDOWN = "lockdown"


DENY_REASONS = tuple(r for r in Reason if r not in (Reason.GRANTED, Reason.EMERGENCY_UNLOCK))


@dataclass(frozen=True)
class Door:
    """A door watched by cameras and opened by an output.

    Attributes:
        cameras: camera ids whose faces decide this door (empty: any camera given to it).
        direction: the way people pass when the camera sees them (anti-passback needs in or out).
        output: the output URL (``http(s)://``, ``mqtt(s)://``, ``serial://``, ``log:``, ``none``).
        output_options: the output's templates and settings (see :mod:`faceapp.access.outputs`).
        pulse_ms: how long the relay stays on.
        area: the area entered through this door (anti-passback is counted per area; "" = none).
        records_attendance: a granted pass is also an attendance check-in/out.
        liveness: ``"off"``; ``"on"``: a face must be judged live by the liveness stage; a number such as
            ``"0.9"``: judged live and with at least that liveness score.
    """

    id: int
    name: str
    cameras: tuple[str, ...] = ()
    direction: Direction = Direction.BOTH
    output: str = "none"
    output_options: dict[str, Any] = field(default_factory=dict)
    pulse_ms: int = 1000
    area: str = ""
    records_attendance: bool = False
    liveness: str = "off"
    state: DoorState = DoorState.NORMAL

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("a door needs a name")
        if not 50 <= self.pulse_ms <= 60_000:
            raise ConfigError("pulse_ms must be between 50 and 60000 milliseconds")
        if self.liveness not in ("off", "on"):
            try:
                level = float(self.liveness)
            except ValueError:
                level = -1.0
            if not 0.0 < level <= 1.0:
                raise ConfigError("liveness must be off, on, or a minimum liveness score between 0 and 1")

    @property
    def requires_liveness(self) -> bool:
        return self.liveness != "off"

    @property
    def liveness_min(self) -> float | None:
        """The least liveness score asked for on top of a LIVE verdict (None: the verdict is enough)."""
        return None if self.liveness in ("off", "on") else float(self.liveness)


@dataclass(frozen=True)
class Area:
    """A region behind doors; anti-passback tracks who is inside it."""

    name: str
    antipassback: AntiPassback = AntiPassback.OFF


@dataclass(frozen=True)
class Level:
    """A set of doors and the weekly schedule when they open; holidays are closed unless allowed."""

    id: int
    name: str
    door_ids: frozenset[int]
    schedule: Schedule
    allow_holidays: bool = False


@dataclass(frozen=True)
class Grant:
    """A person's access level, valid on the local dates ``[valid_from, valid_until]`` (None = open)."""

    level_id: int
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class Subject:
    """What the decision needs to know about a recognised person.

    ``valid_from``/``valid_until`` are the person's own validity (employment, a visitor's expiry as
    a local date and, for visitors, ``expires`` as an exact instant).
    """

    person_id: int
    name: str
    grants: tuple[Grant, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    expires: datetime | None = None
    visitor: bool = False


@dataclass(frozen=True)
class Decision:
    """Grant or deny, with exactly one reason and what it was decided on."""

    granted: bool
    reason: Reason
    door_id: int
    person_id: int | None = None
    name: str | None = None
    score: float | None = None
    margin: float | None = None
    liveness: float | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def decision(self) -> str:
        return "grant" if self.granted else "deny"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"decision": "grant"|"deny", "reason": code, ...}``."""
        return {"decision": self.decision, "reason": self.reason.value, "door_id": self.door_id,
                "person_id": self.person_id, "name": self.name, "score": self.score, "margin": self.margin,
                "liveness": self.liveness, "detail": self.detail}
