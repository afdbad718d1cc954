"""Excel report: three sheets (Days, Summary, Events) with real typed cells.

Dates are Excel dates, clock times Excel times, durations Excel durations (``[h]:mm:ss``, so
sums over 24 h stay right), counts and scores numbers. Excel has no time zones, so local values
are written zone-free in the report zone, which each time header names; the Events sheet also
carries the UTC time. Every sheet has a frozen, bold header row, an autofilter and sized columns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from faceapp.attendance.reports import PersonSummary, Report
from faceapp.records import Event

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm:ss"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
SCORE_FORMAT = "0.000"
_MAX_WIDTH = 60

Column = tuple[str, str | None]  # header, number format (None: general)


def write_xlsx(report: Report, path: Path) -> None:
    """Write ``report`` as an .xlsx workbook."""
    book = Workbook()
    zone = report.zone
    days = book.active
    days.title = "Days"
    _fill(days, _day_columns(zone), [_day_values(report, i) for i in range(len(report.days))])
    _fill(book.create_sheet("Summary"), _SUMMARY_COLUMNS, [_summary_values(p) for p in report.people])
    _fill(book.create_sheet("Events"), _event_columns(zone), [_event_values(report, e) for e in report.events])
    where = " ".join(f"{n} {v}" for n, v in (("site", report.query.site), ("desk", report.query.desk)) if v is not None)
    book.properties.title = f"Attendance {report.period} ({zone}{', ' + where if where else ''})"
    book.properties.creator = "faceapp"
    book.save(path)


def _day_columns(zone: str) -> list[Column]:
    return [
        ("Date", DATE_FORMAT),
        ("Person id", None),
        ("Employee no", None),
        ("Name", None),
        ("Department", None),
        (f"First in ({zone})", TIME_FORMAT),
        (f"Last out ({zone})", TIME_FORMAT),
        ("Worked", DURATION_FORMAT),
        ("Events", None),
        ("Status", None),
    ]


_SUMMARY_COLUMNS: list[Column] = [
    ("Person id", None),
    ("Employee no", None),
    ("Name", None),
    ("Department", None),
    ("Days present", None),
    ("Worked", DURATION_FORMAT),
    ("Incomplete days", None),
    ("First day", DATE_FORMAT),
    ("Last day", DATE_FORMAT),
]


def _event_columns(zone: str) -> list[Column]:
    return [
        (f"Time ({zone})", DATETIME_FORMAT),
        ("Time (UTC)", DATETIME_FORMAT),
        ("Kind", None),
        ("Person id", None),
        ("Employee no", None),
        ("Name", None),
        ("Department", None),
        ("Score", SCORE_FORMAT),
        ("Margin", SCORE_FORMAT),
        ("Camera", None),
        ("Operator", None),
        ("Note", None),
        ("Snapshot", None),
        ("Site", None),
        ("Desk", None),
    ]


def _clock(moment: datetime | None) -> time | None:
    return moment.time().replace(microsecond=0) if moment is not None else None


def _day_values(report: Report, index: int) -> list[Any]:
    r = report.days[index]
    return [
        r.day,
        r.person_id,
        r.employee_no or None,
        r.name,
        r.department or None,
        _clock(r.first_in),
        _clock(r.last_out),
        r.worked,
        r.events,
        r.status,
    ]


def _summary_values(p: PersonSummary) -> list[Any]:
    return [
        p.person_id,
        p.employee_no or None,
        p.name,
        p.department or None,
        p.days_present,
        p.worked,
        p.incomplete_days,
        p.first_day,
        p.last_day,
    ]


def _event_values(report: Report, e: Event) -> list[Any]:
    return [
        report.local(e.time).replace(tzinfo=None, microsecond=0),
        e.time.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0),
        e.kind.value,
        e.person_id,
        e.employee_no or None,
        e.name or None,
        e.department or None,
        e.score,
        e.margin,
        e.camera,
        e.operator or None,
        e.note or None,
        e.snapshot or None,
        e.site or None,
        e.desk or None,
    ]


def _fill(sheet: Worksheet, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
    """Header, typed rows with number formats, frozen header, autofilter, column widths."""
    sheet.append([header for header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, (header, fmt) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if fmt is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
        values = [header, *(_shown(row[index - 1], fmt) for row in rows)]
        sheet.column_dimensions[letter].width = min(_MAX_WIDTH, max(_width(v) for v in values) + 2)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"


def _shown(value: Any, fmt: str | None) -> str:
    """Roughly what Excel displays, for sizing the column."""
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return "0000:00:00"
    if isinstance(value, datetime):
        return "0000-00-00 00:00:00"
    if isinstance(value, (date, time)):
        return "00:00:00" if isinstance(value, time) else "0000-00-00"
    if fmt == SCORE_FORMAT:
        return "0.000"
    return str(value)


def _width(text: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
