"""Who works which shift on which day: assignments with effective dates, and a person's days in a range.

An assignment gives a person, or a whole department, a shift (worked on the shift's weekdays) or a
rotation (a repeating cycle) from ``start`` until ``until`` (inclusive; None = open-ended). On a
given day the person's own assignment wins over the department's; among several of one level the
one that started last wins. :func:`person_days` walks a date range in order and hands each punch to
at most one day: a night shift's morning punches are not counted again for the next day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from faceapp.attendance.calendar import Holiday, Leave
from faceapp.attendance.daystatus import DayPlan, DayResult, Punch, day_status, local_moment, punch_window
from faceapp.attendance.shifts import Rotation, Shift
from faceapp.errors import ConfigError


@dataclass(frozen=True)
class Assignment:
    """A shift or rotation for one person or one department over a date range."""

    target: str  # the shift or rotation name
    start: date
    until: date | None = None
    person_id: int | None = None
    department: str | None = None
    rotation: bool = False
    id: int | None = None

    def __post_init__(self) -> None:
        if (self.person_id is None) == (self.department is None):
            raise ConfigError("an assignment is for either one person or one department")
        if self.until is not None and self.until < self.start:
            raise ConfigError(f"assignment ends ({self.until}) before it starts ({self.start})")

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class Rules:
    """Everything needed to plan days: shifts and rotations by (case-folded) name, and assignments."""

    shifts: Mapping[str, Shift]
    rotations: Mapping[str, Rotation]
    assignments: Sequence[Assignment]

    @classmethod
    def of(cls, shifts: Iterable[Shift], rotations: Iterable[Rotation] = (),
           assignments: Iterable[Assignment] = ()) -> Rules:
        return cls({s.name.casefold(): s for s in shifts}, {r.name.casefold(): r for r in rotations},
                   tuple(assignments))

    def assignment_for(self, person_id: int, department: str, day: date) -> Assignment | None:
        """The assignment in force for the person on ``day`` (their own first, then the department's)."""
        own = [a for a in self.assignments if a.person_id == person_id and a.covers(day)]
        dept = [a for a in self.assignments if a.person_id is None and department
                and (a.department or "").casefold() == department.casefold() and a.covers(day)]
        chosen = own or dept
        return max(chosen, key=lambda a: (a.start, a.id or 0)) if chosen else None

    def plan(self, person_id: int, department: str, day: date) -> DayPlan:
        """The person's plan for ``day``: a working shift, a rest day, or unscheduled."""
        assignment = self.assignment_for(person_id, department, day)
        if assignment is None:
            return DayPlan(day, None, working=False, scheduled=False)
        if assignment.rotation:
            rotation = self.rotations.get(assignment.target.casefold())
            if rotation is None:
                raise ConfigError(f"no rotation called {assignment.target!r}")
            name = rotation.shift_on(day)
            if name is None:
                return DayPlan(day, self._first_shift(rotation), working=False)
            return DayPlan(day, self._shift(name), working=True)
        shift = self._shift(assignment.target)
        return DayPlan(day, shift, working=day.weekday() in shift.days)

    def _shift(self, name: str) -> Shift:
        shift = self.shifts.get(name.casefold())
        if shift is None:
            raise ConfigError(f"no shift called {name!r}")
        return shift

    def _first_shift(self, rotation: Rotation) -> Shift | None:
        """The rules (overtime rounding and rates) of a rotation's days off: its first shift's."""
        return next((self._shift(n) for n in rotation.cycle if n is not None), None)


def days_between(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def person_days(person_id: int, department: str, start: date, end: date, rules: Rules,
                punches: Sequence[Punch], zone: ZoneInfo | str, *, holidays: Mapping[date, Holiday] | None = None,
                leave: Mapping[date, Leave] | None = None, now: datetime | None = None) -> list[DayResult]:
    """The person's day results from ``start`` to ``end``; each punch counts for one day at most.

    ``punches`` should cover the range plus a day on either side (night shifts reach into the next).
    """
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    holidays, leave = holidays or {}, leave or {}
    used: set[int] = set()
    results: list[DayResult] = []
    previous = rules.plan(person_id, department, start - timedelta(days=1))
    if previous.working:
        earlier = day_status(previous, punches, tz)
        used.update(id(p) for p in earlier.punches)
    ordered = sorted(punches, key=lambda p: p.time.astimezone(timezone.utc))
    times = [p.time.astimezone(timezone.utc) for p in ordered]
    for day in days_between(start, end):
        plan = rules.plan(person_id, department, day)
        # Only punches near the day are looked at (the window, or the calendar day if wider): a year
        # of punches is not scanned for every day. Those outside the window are reported as ignored.
        lo, hi = punch_window(plan, tz)
        lo = min(lo, local_moment(day, time(0), tz))
        hi = max(hi, local_moment(day + timedelta(days=1), time(0), tz))
        near = ordered[bisect_left(times, lo):bisect_right(times, hi)]
        free = [p for p in near if id(p) not in used]
        result = day_status(plan, free, tz, holiday=holidays.get(day), leave=leave.get(day), now=now)
        used.update(id(p) for p in result.punches)
        results.append(result)
    return results
