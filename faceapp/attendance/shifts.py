"""Shift definitions and rotating cycles: plain values, validated, with JSON round trips.

A shift runs from ``start`` to ``end`` in local wall-clock time; ``end <= start`` means it ends the
next day, and such a night shift belongs to the day it starts. Punches count for a shift when they
fall in its window, from ``window_before`` minutes before the start to ``window_after`` minutes after
the end. A *flexible* shift lets people come and go between ``start`` and ``end`` as long as they are
present during the core hours and work ``required_minutes``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, time
from typing import Any

from faceapp.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BREAK_KINDS = ("fixed", "minimum")
ROUNDING = ("floor", "nearest", "ceil")


def parse_clock(text: str) -> time:
    """``HH:MM`` (24 h) as a time. Raises :class:`ConfigError`."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"a time of day must look like 08:30 (24-hour clock), not {text!r}")
    return time(int(match[1]), int(match[2]))


def parse_days(text: str) -> frozenset[int]:
    """Weekdays from ``mon-fri``, ``mon,wed,fri``, ``sat-sun`` or ``all`` (0 = Monday)."""
    text = str(text).strip().lower()
    if text in ("all", "daily", "mon-sun"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in WEEKDAYS for e in ends):
            raise ConfigError(f"weekdays must look like mon-fri or mon,wed,fri, not {text!r}")
        lo, hi = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.update(range(lo, hi + 1) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)])
    if not days:
        raise ConfigError("a shift needs at least one weekday")
    return frozenset(days)


def days_text(days: frozenset[int]) -> str:
    """Weekdays as ``mon,tue,...`` (the inverse of :func:`parse_days`)."""
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def minutes_of(clock: time) -> int:
    """Minutes since midnight."""
    return clock.hour * 60 + clock.minute


@dataclass(frozen=True)
class Shift:
    """One shift type. Minutes are whole minutes; rates multiply overtime minutes for pay.

    Attributes:
        name: unique name, e.g. "Day" or "Night".
        start, end: local wall-clock start and end; ``end <= start`` crosses midnight.
        days: weekdays the shift is worked when assigned directly (0 = Monday); other days are rest days.
        break_minutes, break_kind: "fixed" deducts the break from first-in..last-out whatever was
            punched; "minimum" sums the in->out intervals and deducts what is missing of the break.
        grace_late, grace_early: lateness / early leave up to this many minutes is forgiven.
        window_before, window_after: punches this long before the start / after the end still count.
        half_day_below, absent_below: worked minutes under these make a half day / an absence (0 = off).
        flexible, core_start, core_end, required_minutes: a flexible shift (see the module docstring).
        overtime_after: overtime counts only from this many minutes (after the end or beyond required).
        overtime_unit, overtime_rounding: overtime is rounded to this unit by floor, nearest or ceil.
        rate_normal, rate_rest_day, rate_holiday: pay factors of overtime on work, rest and holidays.
    """

    name: str
    start: time
    end: time
    days: frozenset[int] = frozenset(range(5))
    break_minutes: int = 0
    break_kind: str = "fixed"
    grace_late: int = 0
    grace_early: int = 0
    window_before: int = 120
    window_after: int = 240
    half_day_below: int = 0
    absent_below: int = 0
    flexible: bool = False
    core_start: time | None = None
    core_end: time | None = None
    required_minutes: int = 0
    overtime_after: int = 0
    overtime_unit: int = 1
    overtime_rounding: str = "floor"
    rate_normal: float = 1.5
    rate_rest_day: float = 2.0
    rate_holiday: float = 3.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("a shift needs a name")
        if self.start == self.end:
            raise ConfigError(f"shift {self.name!r} starts and ends at the same time")
        numbers = ("break_minutes", "grace_late", "grace_early", "window_before", "window_after",
                   "half_day_below", "absent_below", "required_minutes", "overtime_after")
        for name in numbers:
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"shift {self.name!r}: {name} must not be negative")
        if self.break_kind not in BREAK_KINDS:
            raise ConfigError(f"break kind must be one of {', '.join(BREAK_KINDS)}, not {self.break_kind!r}")
        if self.overtime_rounding not in ROUNDING or self.overtime_unit < 1:
            raise ConfigError(f"overtime rounding must be one of {', '.join(ROUNDING)} with a unit >= 1 minute")
        if self.break_minutes >= self.length_minutes:
            raise ConfigError(f"shift {self.name!r}: the break is as long as the shift")
        if self.flexible and (self.core_start is None or self.core_end is None or self.required_minutes <= 0):
            raise ConfigError(f"flexible shift {self.name!r} needs core hours and required minutes")
        if not self.days:
            raise ConfigError(f"shift {self.name!r} needs at least one weekday")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def length_minutes(self) -> int:
        """Nominal wall-clock length (a DST change may make the real one differ by an hour)."""
        return (minutes_of(self.end) - minutes_of(self.start)) % (24 * 60)

    def to_json(self) -> str:
        """The definition as JSON (times as ``HH:MM``, days as names)."""
        values = asdict(self)
        for key in ("start", "end", "core_start", "core_end"):
            values[key] = None if values[key] is None else values[key].strftime("%H:%M")
        values["days"] = days_text(self.days)
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Shift:
        """The inverse of :meth:`to_json`; unknown keys are kept in ``extra``."""
        values = json.loads(text)
        known = {f.name for f in fields(cls)}
        extra = {k: v for k, v in values.items() if k not in known}
        values = {k: v for k, v in values.items() if k in known and k != "extra"}
        for key in ("start", "end", "core_start", "core_end"):
            if values.get(key) is not None:
                values[key] = parse_clock(values[key])
        if "days" in values:
            values["days"] = parse_days(values["days"])
        return cls(**values, extra=extra)


@dataclass(frozen=True)
class Rotation:
    """A repeating cycle of shift names (None = day off) counted from ``anchor`` (cycle day 0)."""

    name: str
    cycle: tuple[str | None, ...]
    anchor: date

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.cycle:
            raise ConfigError("a rotation needs a name and at least one day in its cycle")

    def shift_on(self, day: date) -> str | None:
        """The shift name for ``day`` (None on a day off)."""
        return self.cycle[(day - self.anchor).days % len(self.cycle)]


def parse_cycle(text: str) -> tuple[str | None, ...]:
    """``Day,Day,Night,Night,off,off`` as a cycle (``off`` or ``-`` is a day off)."""
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or any(not p for p in parts):
        raise ConfigError(f"a rotation cycle must list shift names separated by commas, not {text!r}")
    return tuple(None if p.lower() in ("off", "-", "rest") else p for p in parts)
