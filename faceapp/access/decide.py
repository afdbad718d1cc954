"""The access decision: pure logic, no clock and no storage.

The checks run in a fixed order and the first that fails is the one reason:

1. door in lockdown -> ``lockdown``; door held open by an emergency unlock -> grant ``emergency_unlock``
2. liveness required and the face not judged live (or not judged at all, or below the door's
   minimum liveness score) -> ``spoof``
3. no enrolled person -> ``unknown``; a match between the thresholds -> ``uncertain``
4. the person's own validity (employment, a visitor's expiry) -> ``not_yet_valid`` / ``expired``
5. no level of the person contains the door -> ``no_level``; levels with the door but none valid
   on this date -> ``not_yet_valid`` / ``expired``
6. a valid level would be open now but today is a holiday it does not allow -> ``holiday``;
   else no valid level open now -> ``outside_schedule``
7. anti-passback of the door's area: entering while already inside (or leaving while outside);
   a hard area denies, a soft one grants and flags ``anti_passback``

Dates and schedules are read in the site's zone (DST-safe wall-clock time); validity dates are
inclusive local dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from faceapp.access.model import (
    AntiPassback,
    Area,
    Decision,
    Direction,
    Door,
    DoorState,
    Grant,
    Level,
    Reason,
    Subject,
)
from faceapp.records import Verdict


@dataclass(frozen=True)
class Site:
    """What decisions are made against: the site zone, levels, holidays and areas."""

    zone: ZoneInfo
    levels: Mapping[int, Level] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    areas: Mapping[str, Area] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """One face at one door.

    Attributes:
        door: the door.
        at: the moment (timezone-aware).
        verdict: the gallery's open-set verdict for the face.
        subject: the recognised person's access data (None when nobody was recognised).
        score, margin: the identification scores (stored as evidence).
        live: the liveness verdict (True live, False spoof, None not judged).
        liveness: the liveness score, as evidence.
    """

    door: Door
    at: datetime
    verdict: Verdict
    subject: Subject | None = None
    score: float | None = None
    margin: float | None = None
    live: bool | None = None
    liveness: float | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Request.at must be timezone-aware")


def decide(request: Request, site: Site, presence: str | None = None) -> Decision:
    """Grant or deny ``request`` with one reason (see the module docstring for the order).

    Args:
        request: the face at the door.
        site: zone, levels, holidays and areas.
        presence: the person's last anti-passback direction in the door's area (``"in"``/``"out"``),
            None when unknown; read by the caller inside the transaction that records the decision.
    """
    reason, detail = _reason(request, site, presence)
    subject = request.subject
    granted = reason in (Reason.GRANTED, Reason.EMERGENCY_UNLOCK) or (
        reason is Reason.ANTI_PASSBACK and _area(request.door, site).antipassback is AntiPassback.SOFT)
    return Decision(granted=granted, reason=reason, door_id=request.door.id,
                    person_id=subject.person_id if subject else None, name=subject.name if subject else None,
                    score=request.score, margin=request.margin, liveness=request.liveness, detail=detail)


def _reason(request: Request, site: Site, presence: str | None) -> tuple[Reason, str]:
    door = request.door
    if door.state is DoorState.LOCKDOWN:
        return Reason.LOCKDOWN, "door in lockdown"
    if door.state is DoorState.UNLOCKED:
        return Reason.EMERGENCY_UNLOCK, "door held open"
    if door.requires_liveness and request.live is not True:
        return Reason.SPOOF, "not judged live" if request.live is None else "spoof suspected"
    least = door.liveness_min
    if least is not None and (request.liveness is None or request.liveness < least):
        return Reason.SPOOF, f"liveness {request.liveness} below {least}"
    if request.verdict is Verdict.UNKNOWN or request.subject is None:
        return (Reason.UNCERTAIN, "") if request.verdict is Verdict.UNCERTAIN else (Reason.UNKNOWN, "")
    if request.verdict is Verdict.UNCERTAIN:
        return Reason.UNCERTAIN, ""
    subject = request.subject
    local = request.at.astimezone(site.zone)
    today = local.date()
    validity = _validity(subject.valid_from, subject.valid_until, today)
    if validity is None and subject.expires is not None and request.at >= subject.expires:
        validity = Reason.EXPIRED
    if validity is not None:
        return validity, "person"
    candidates = [(g, site.levels[g.level_id]) for g in subject.grants
                  if g.level_id in site.levels and door.id in site.levels[g.level_id].door_ids]
    if not candidates:
        return Reason.NO_LEVEL, ""
    valid = [level for grant, level in candidates if _validity(grant.valid_from, grant.valid_until, today) is None]
    if not valid:
        states = {_validity(g.valid_from, g.valid_until, today) for g, _ in candidates}
        return (Reason.NOT_YET_VALID if Reason.NOT_YET_VALID in states else Reason.EXPIRED), "level"
    open_levels = [level for level in valid if level.schedule.is_open(local)]
    holiday = today in site.holidays
    if not any(level.allow_holidays or not holiday for level in open_levels):
        return (Reason.HOLIDAY, today.isoformat()) if open_levels else (Reason.OUTSIDE_SCHEDULE, "")
    if _passback(door, site, presence):
        return Reason.ANTI_PASSBACK, f"already {presence} in {door.area}"
    return Reason.GRANTED, ""


def _validity(start: date | None, end: date | None, today: date) -> Reason | None:
    """None when ``today`` is inside the inclusive ``[start, end]``."""
    if start is not None and today < start:
        return Reason.NOT_YET_VALID
    if end is not None and today > end:
        return Reason.EXPIRED
    return None


def _area(door: Door, site: Site) -> Area:
    return site.areas.get(door.area) or Area(door.area)


def _passback(door: Door, site: Site, presence: str | None) -> bool:
    """Entering an area one is already in, or leaving one that one is not in."""
    if not door.area or door.direction is Direction.BOTH or _area(door, site).antipassback is AntiPassback.OFF:
        return False
    return presence == door.direction.value


def passage(door: Door) -> str | None:
    """The anti-passback direction a granted pass through ``door`` records (None for both-way doors)."""
    return None if door.direction is Direction.BOTH or not door.area else door.direction.value


__all__ = ["Grant", "Request", "Site", "decide", "passage"]
