"""Attendance reports: pure functions from stored events to day rows, person summaries and an event list.

Events are stored in UTC; a report is always computed in one explicit IANA zone, and every local
date and time in it (day grouping, first in, last out, the date-range filter) is in that zone.

Worked time is the **sum of in->out intervals** of the local day, not simply first-in to last-out,
because the alternate and per-camera in/out modes record breaks (out for lunch, in again) and those
must not count. Pairing walks the day's CHECK_IN/CHECK_OUT events in time order: an IN opens an
interval (a second IN while one is open is ignored - the earlier one stands), an OUT closes the
open interval, and an OUT with no open interval moves the end of the last closed interval later
("the last out wins"). In first-in-last-out mode (IN, OUT, OUT, ...) this is exactly first in ->
last out. A missing out is never invented: an interval still open at the end of the day adds
nothing and the row is flagged ``missing_out``; an OUT before any IN flags ``missing_in``.
Shifts across midnight are therefore split into two incomplete days (known limitation).

Writers: ``report_csv.write_csv``, ``report_xlsx.write_xlsx`` and ``report_pdf.write_pdf``;
:func:`write_report` picks one by format name or file suffix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from faceapp.attendance.rules import zone_info
from faceapp.bundled import resource
from faceapp.errors import ConfigError, ResourceNotFoundError
from faceapp.records import Event, EventKind

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "pdf")
CJK_FONT_FILE = "wqy-microhei.ttc"
_RECORDED = (EventKind.CHECK_IN, EventKind.CHECK_OUT)


@dataclass(frozen=True)
class ReportQuery:
    """Which events a report covers.

    Attributes:
        start: first local date (inclusive) in the report zone; None for no lower bound.
        end: last local date (inclusive); None for no upper bound.
        persons: keep only these people, each matched against the person id, the employee
            number or the name (case-insensitive, exact). Empty keeps everyone.
        departments: keep only these departments (case-insensitive, exact). Empty keeps all.
        site: keep only events written at this site (the exact name stamped on them); None keeps all.
        desk: keep only events written by this desk (exact name); None keeps all.
    """

    start: date | None = None
    end: date | None = None
    persons: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    site: str | None = None
    desk: str | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ConfigError(f"report start {self.start} is after its end {self.end}")
        object.__setattr__(self, "persons", tuple(str(p).strip() for p in self.persons))
        object.__setattr__(self, "departments", tuple(str(d).strip() for d in self.departments))

    def utc_bounds(self, zone: str | ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """``[from, to)`` in UTC covering the local dates, for a store query; DST-safe."""
        tz = zone_info(zone)
        lo = _local_midnight(self.start, tz) if self.start is not None else None
        hi = _local_midnight(self.end + timedelta(days=1), tz) if self.end is not None else None
        return lo, hi

    def matches(self, event: Event, local_day: date) -> bool:
        """Whether ``event`` (whose local date is ``local_day``) belongs in the report."""
        if self.start is not None and local_day < self.start:
            return False
        if self.end is not None and local_day > self.end:
            return False
        if (self.site is not None and event.site != self.site) or (self.desk is not None and event.desk != self.desk):
            return False
        if self.persons:
            keys = {str(event.person_id) if event.person_id is not None else None, event.employee_no, event.name}
            wanted = {p.casefold() for p in self.persons}
            if not any(k is not None and k.casefold() in wanted for k in keys):
                return False
        if self.departments:
            return (event.department or "").casefold() in {d.casefold() for d in self.departments}
        return True


@dataclass(frozen=True)
class DayRow:
    """One person's attendance on one local day; times are aware, in the report zone."""

    day: date
    person_id: int
    name: str
    employee_no: str
    department: str
    first_in: datetime | None
    last_out: datetime | None
    worked: timedelta
    events: int  # CHECK_IN and CHECK_OUT events that day
    missing_in: bool = False
    missing_out: bool = False

    @property
    def status(self) -> str:
        """``ok``, ``missing in``, ``missing out`` or ``missing in and out``."""
        missing = [w for w, flag in (("in", self.missing_in), ("out", self.missing_out)) if flag]
        return "missing " + " and ".join(missing) if missing else "ok"


@dataclass(frozen=True)
class PersonSummary:
    """One person over the whole report."""

    person_id: int
    name: str
    employee_no: str
    department: str
    days_present: int
    worked: timedelta
    incomplete_days: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Report:
    """A computed report. ``events`` are the filtered events in time order (stored UTC)."""

    zone: str
    query: ReportQuery
    generated: datetime
    days: tuple[DayRow, ...]
    people: tuple[PersonSummary, ...]
    events: tuple[Event, ...]

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the report zone."""
        return moment.astimezone(ZoneInfo(self.zone))

    @property
    def period(self) -> str:
        """Human-readable date range, e.g. ``2026-03-01 - 2026-03-31``."""
        days = [r.day for r in self.days] or [self.local(e.time).date() for e in self.events]
        start = self.query.start or (min(days) if days else None)
        end = self.query.end or (max(days) if days else None)
        return f"{start or '...'} - {end or '...'}"


def build_report(
    events: Iterable[Event],
    zone: str | ZoneInfo,
    query: ReportQuery | None = None,
    generated: datetime | None = None,
) -> Report:
    """Compute a report from stored events.

    Args:
        events: events in any order; ``time`` must be timezone-aware.
        zone: IANA zone the report is computed in (day boundaries, displayed times).
        query: date range and person/department filters; everything when None.
        generated: the report's creation time (UTC now when None; tests pass a fixed one).

    Returns:
        The report; day rows sorted by day then name, people by name.
    """
    tz = zone_info(zone)
    query = query or ReportQuery()
    kept = sorted(
        (e for e in events if query.matches(e, _aware(e.time).astimezone(tz).date())),
        key=lambda e: (_aware(e.time), e.id or 0),
    )
    by_day: dict[tuple[int, date], list[Event]] = {}
    for event in kept:
        if event.kind in _RECORDED and event.person_id is not None:
            by_day.setdefault((event.person_id, _aware(event.time).astimezone(tz).date()), []).append(event)
    days = sorted(
        (_day_row(day, person, group, tz) for (person, day), group in by_day.items()),
        key=lambda r: (r.day, r.name.casefold(), r.person_id),
    )
    generated = (generated or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return Report(str(tz.key), query, generated, tuple(days), _summaries(days), tuple(kept))


def _day_row(day: date, person: int, events: list[Event], tz: ZoneInfo) -> DayRow:
    """Pair one person's events of one local day (already in time order) into a row."""
    intervals: list[list[datetime]] = []
    open_from: datetime | None = None
    missing_in = False
    for event in events:
        # UTC on purpose: subtracting two datetimes that share one ZoneInfo gives the wall-clock
        # difference, which is an hour off across a DST change.
        moment = _aware(event.time).astimezone(timezone.utc)
        if event.kind is EventKind.CHECK_IN:
            open_from = open_from or moment
        elif open_from is not None:
            intervals.append([open_from, moment])
            open_from = None
        elif intervals:
            intervals[-1][1] = moment  # the last out wins
        else:
            missing_in = True
    ins = [_aware(e.time).astimezone(tz) for e in events if e.kind is EventKind.CHECK_IN]
    outs = [_aware(e.time).astimezone(tz) for e in events if e.kind is EventKind.CHECK_OUT]
    latest = events[-1]
    return DayRow(
        day=day,
        person_id=person,
        name=latest.name or "",
        employee_no=latest.employee_no or "",
        department=latest.department or "",
        first_in=ins[0] if ins else None,
        last_out=outs[-1] if outs else None,
        worked=sum((b - a for a, b in intervals), timedelta()),
        events=len(events),
        missing_in=missing_in,
        missing_out=open_from is not None,
    )


def _summaries(days: list[DayRow]) -> tuple[PersonSummary, ...]:
    by_person: dict[int, list[DayRow]] = {}
    for row in days:
        by_person.setdefault(row.person_id, []).append(row)
    people = [
        PersonSummary(
            person_id=person,
            name=rows[-1].name,
            employee_no=rows[-1].employee_no,
            department=rows[-1].department,
            days_present=len(rows),
            worked=sum((r.worked for r in rows), timedelta()),
            incomplete_days=sum(r.missing_in or r.missing_out for r in rows),
            first_day=rows[0].day,
            last_day=rows[-1].day,
        )
        for person, rows in by_person.items()
    ]
    return tuple(sorted(people, key=lambda p: (p.name.casefold(), p.person_id)))


def format_duration(value: timedelta) -> str:
    """``H:MM:SS`` with hours beyond 24 (e.g. ``41:30:00``); negative durations get a minus sign."""
    seconds = round(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def write_report(report: Report, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``report`` as CSV, XLSX or PDF; ``fmt`` defaults to the file's suffix."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ConfigError(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        from faceapp.attendance.report_csv import write_csv

        write_csv(report, path)
    elif fmt == "xlsx":
        from faceapp.attendance.report_xlsx import write_xlsx

        write_xlsx(report, path)
    else:
        from faceapp.attendance.report_pdf import write_pdf

        write_pdf(report, path)
    log.info("wrote %s report (%d day rows, %d events) to %s", fmt, len(report.days), len(report.events), path)
    return path


def fonts_dir() -> Path:
    """The folder holding the bundled fonts (inside the installed package, or in the checkout)."""
    folder = resource("fonts")
    if not (folder / CJK_FONT_FILE).is_file():
        raise ResourceNotFoundError(f"the report font {CJK_FONT_FILE} is missing from {folder}; reinstall faceapp")
    return folder


def cjk_font_path() -> Path:
    """Path of the bundled CJK font (WenQuanYi Micro Hei, Apache-2.0) used by the PDF writer."""
    return fonts_dir() / CJK_FONT_FILE


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"event time must be timezone-aware (stored UTC), got {moment!r}")
    return moment


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, as UTC (midnight exists in every IANA zone we know;
    where a zone skips it, fold=0 picks the instant after the gap)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
