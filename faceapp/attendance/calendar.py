"""Holidays and leave: plain records, and holiday imports from CSV or iCalendar (.ics) text.

The .ics reader understands what public-holiday calendars contain: VEVENTs with an all-day
``DTSTART;VALUE=DATE`` (or a date-time, whose date is taken), an optional exclusive ``DTEND`` for
several days, ``SUMMARY`` (escaped text, folded lines). A yearly ``RRULE`` (FREQ=YEARLY, with COUNT
or UNTIL) is expanded; other recurrence rules are reported as problems rather than guessed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from faceapp.errors import DataError

LEAVE_KINDS = ("annual", "sick", "other")
_MAX_SPAN_DAYS = 62
_MAX_YEARS = 50


@dataclass(frozen=True)
class Holiday:
    """A public holiday (one local date)."""

    day: date
    name: str


@dataclass(frozen=True)
class Leave:
    """A person's approved leave on one day; ``half`` is half a day."""

    person_id: int
    day: date
    kind: str = "annual"
    half: bool = False

    def __post_init__(self) -> None:
        if self.kind not in LEAVE_KINDS:
            raise DataError(f"leave kind must be one of {', '.join(LEAVE_KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class ImportResult:
    """Holidays read from a file and the lines that could not be read (line number, reason)."""

    holidays: tuple[Holiday, ...]
    problems: tuple[tuple[int, str], ...]


def parse_date(text: str, what: str = "date") -> date:
    """``YYYY-MM-DD`` as a date. Raises :class:`DataError`."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise DataError(f"{what} must be a date like 2026-12-25, not {text!r}") from exc


def holidays_from_csv(text: str) -> ImportResult:
    """Rows ``date,name`` (a header row ``date,name`` is optional)."""
    holidays: list[Holiday] = []
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() in ("date", "day"):
            continue
        if len(row) < 2 or not row[1].strip():
            problems.append((number, "expected two columns: date,name"))
            continue
        try:
            holidays.append(Holiday(parse_date(row[0]), row[1].strip()))
        except DataError as exc:
            problems.append((number, str(exc)))
    return ImportResult(tuple(holidays), tuple(problems))


def holidays_from_ics(text: str) -> ImportResult:
    """All-day events of an iCalendar file as holidays."""
    holidays: list[Holiday] = []
    problems: list[tuple[int, str]] = []
    event: dict[str, tuple[str, str]] | None = None
    start_line = 0
    for number, line in _unfolded(text):
        name, params, value = _split(line)
        if name == "BEGIN" and value.upper() == "VEVENT":
            event, start_line = {}, number
        elif name == "END" and value.upper() == "VEVENT" and event is not None:
            try:
                holidays.extend(_event_days(event))
            except DataError as exc:
                problems.append((start_line, str(exc)))
            event = None
        elif event is not None and name:
            event[name] = (params, value)
    if not holidays and not problems and "BEGIN:VCALENDAR" not in text.upper():
        problems.append((1, "not an iCalendar file (no BEGIN:VCALENDAR)"))
    return ImportResult(tuple(holidays), tuple(problems))


def _unfolded(text: str) -> list[tuple[int, str]]:
    """Content lines with RFC 5545 folding undone, each with the number of its first line."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _split(line: str) -> tuple[str, str, str]:
    head, _, value = line.partition(":")
    name, _, params = head.partition(";")
    return name.strip().upper(), params.upper(), value.strip()


def _ics_date(value: str) -> date:
    match = re.match(r"(\d{4})(\d{2})(\d{2})", value)
    if not match:
        raise DataError(f"unreadable iCalendar date {value!r}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise DataError(f"impossible iCalendar date {value!r}") from exc


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\,;nN])", lambda m: "\n" if m[1] in "nN" else m[1], value).strip()


def _event_days(event: dict[str, tuple[str, str]]) -> list[Holiday]:
    if "DTSTART" not in event:
        raise DataError("an event without DTSTART")
    first = _ics_date(event["DTSTART"][1])
    last = _ics_date(event["DTEND"][1]) - timedelta(days=1) if "DTEND" in event else first
    last = max(last, first)
    if (last - first).days > _MAX_SPAN_DAYS:
        raise DataError(f"an event of {(last - first).days + 1} days is not a holiday")
    name = _unescape(event.get("SUMMARY", ("", "Holiday"))[1]) or "Holiday"
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    years = _yearly(event["RRULE"][1], first) if "RRULE" in event else [0]
    days = []
    for offset in years:
        for day in span:
            try:
                days.append(Holiday(day.replace(year=day.year + offset), name))
            except ValueError:  # 29 February in a common year
                continue
    return days


def _yearly(rule: str, first: date) -> list[int]:
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    if parts.get("FREQ") != "YEARLY" or set(parts) - {"FREQ", "COUNT", "UNTIL", "INTERVAL"}:
        raise DataError(f"recurrence {rule!r} is not supported (only plain yearly rules)")
    step = int(parts.get("INTERVAL", "1"))
    if "COUNT" in parts:
        return [i * step for i in range(min(int(parts["COUNT"]), _MAX_YEARS))]
    if "UNTIL" in parts:
        until = _ics_date(parts["UNTIL"])
        return [i for i in range(0, _MAX_YEARS, step) if first.year + i <= until.year]
    raise DataError(f"recurrence {rule!r} never ends; give COUNT or UNTIL")
