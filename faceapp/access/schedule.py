"""Weekly schedules in the site's wall-clock time: several windows per day, windows crossing midnight.

A schedule is written like ``"mon-fri 08:00-18:00; sat 09:00-12:00"``: each ``;``-separated part is
a set of days (``mon``, ``mon-fri``, ``sat,sun``, ``daily``) and one or more ``HH:MM-HH:MM``
windows (comma-separated). A window whose end is not after its start crosses midnight and belongs
to the day it starts on: ``fri 22:00-06:00`` is open from Friday 22:00 to Saturday 06:00.
``24:00`` may end a window. ``always`` is open at every moment and the empty text never.

Times are the site's local wall-clock times (an IANA zone), so ``08:00`` stays 08:00 across
daylight-saving changes: an instant is converted to local time with :mod:`zoneinfo` before it is
compared (on the spring-forward night 02:00-03:00 simply does not happen; on the fall-back night
the repeated hour is inside a window whenever its wall-clock time is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from faceapp.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALIASES = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6)}
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Window:
    """One opening on one weekday (0 = Monday), in minutes after local midnight.

    ``end <= start`` means the window crosses midnight into the next day.
    """

    day: int
    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def text(self) -> str:
        return f"{DAYS[self.day]} {_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Schedule:
    """A weekly set of windows; :meth:`is_open` answers for a local (naive or aware) wall-clock time."""

    windows: tuple[Window, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """Read the schedule syntax of the module docstring.

        Raises:
            ConfigError: the text names an unknown day or a malformed time, with the part that is wrong.
        """
        text = text.strip().lower()
        if text == "always":
            return cls.always()
        windows: list[Window] = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            pieces = part.split(None, 1)
            if len(pieces) != 2:
                raise ConfigError(f"schedule part {part!r} needs days and times, e.g. 'mon-fri 08:00-18:00'")
            days = _days(pieces[0])
            for span in filter(None, (s.strip() for s in pieces[1].replace(" ", ",").split(","))):
                start, end = _span(span, part)
                windows.extend(Window(d, start, end) for d in days)
        return cls(tuple(sorted(set(windows), key=lambda w: (w.day, w.start, w.end))))

    @classmethod
    def always(cls) -> Schedule:
        return cls(tuple(Window(d, 0, MINUTES_PER_DAY) for d in range(7)))

    def text(self) -> str:
        """The schedule written back in its own syntax (one part per window)."""
        if self == Schedule.always():
            return "always"
        spans: dict[int, tuple[tuple[int, int], ...]] = {}
        for w in self.windows:
            spans[w.day] = (*spans.get(w.day, ()), (w.start, w.end))
        parts: list[str] = []
        day = 0
        while day < 7:
            if day not in spans:
                day += 1
                continue
            last = day
            while last + 1 < 7 and spans.get(last + 1) == spans[day]:
                last += 1
            days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            parts.append(f"{days} " + ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans[day]))
            day = last + 1
        return "; ".join(parts)

    def open_window(self, local: datetime) -> Window | None:
        """The window that contains the local wall-clock time ``local``, if any.

        A window crossing midnight matches after its start on its own day and before its end on
        the next day.
        """
        minute = local.hour * 60 + local.minute + local.second / 60.0
        today, yesterday = local.weekday(), (local.weekday() - 1) % 7
        for window in self.windows:
            if window.day == today and window.start <= minute < (
                    MINUTES_PER_DAY if window.crosses_midnight else window.end):
                return window
            if window.day == yesterday and window.crosses_midnight and minute < window.end:
                return window
        return None

    def is_open(self, local: datetime) -> bool:
        return self.open_window(local) is not None

    def window_day(self, local: datetime) -> date | None:
        """The local date the matching window belongs to (the previous day after midnight)."""
        window = self.open_window(local)
        if window is None:
            return None
        return local.date() if window.day == local.weekday() else local.date() - timedelta(days=1)


def _days(text: str) -> tuple[int, ...]:
    found: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if item in _ALIASES:
            found.extend(_ALIASES[item])
        elif "-" in item:
            first, last = (_day(x) for x in item.split("-", 1))
            found.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            found.append(_day(item))
    return tuple(sorted(set(found)))


def _day(text: str) -> int:
    key = text.strip()[:3]
    if key not in DAYS or not text.strip():
        raise ConfigError(f"unknown day {text!r}: use mon, tue, wed, thu, fri, sat, sun (or daily, weekdays)")
    return DAYS.index(key)


def _span(text: str, part: str) -> tuple[int, int]:
    match = _WINDOW.match(text)
    if not match:
        raise ConfigError(f"time window {text!r} in {part!r} must look like 08:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ConfigError(f"time window {text!r} in {part!r} is not a valid time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ConfigError(f"time window {text!r} in {part!r} is empty; use 00:00-24:00 for a whole day")
    return start, end
