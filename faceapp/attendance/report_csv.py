"""CSV report: one UTF-8 file (with BOM, so Excel shows Chinese names) holding three sections.

Layout - one file, because ``faceapp report --out FILE`` names one file and a person opening it
in Excel sees everything on one sheet::

    faceapp attendance report
    zone,Asia/Shanghai
    period,2026-03-01 - 2026-03-31
    generated,2026-04-01T08:00:00+00:00
    <empty row>
    [days]
    date,person_id,employee_no,name,...
    ...
    <empty row>
    [summary]
    ...
    <empty row>
    [events]
    ...

Each section starts with a ``[name]`` row followed by its header row; :func:`read_csv_sections`
reads the file back. Dates are ISO ``YYYY-MM-DD``, local times ``HH:MM:SS`` in the report zone,
durations ``H:MM:SS`` plus a decimal-hours column for sums. Text that Excel would run as a formula
(leading ``= + - @``) is prefixed with ``'`` (CSV-injection guard).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from faceapp.attendance.reports import Report, format_duration

DAY_COLUMNS = (
    "date",
    "person_id",
    "employee_no",
    "name",
    "department",
    "first_in",
    "last_out",
    "worked",
    "worked_hours",
    "events",
    "status",
)
SUMMARY_COLUMNS = (
    "person_id",
    "employee_no",
    "name",
    "department",
    "days_present",
    "worked",
    "worked_hours",
    "incomplete_days",
    "first_day",
    "last_day",
)
EVENT_COLUMNS = (
    "local_time",
    "utc_time",
    "kind",
    "person_id",
    "employee_no",
    "name",
    "department",
    "score",
    "margin",
    "camera",
    "operator",
    "note",
    "snapshot",
    "site",
    "desk",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(report: Report, path: Path) -> None:
    """Write ``report`` to ``path`` as described in the module docstring."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["faceapp attendance report"])
        writer.writerow(["zone", report.zone])
        writer.writerow(["period", report.period])
        writer.writerow(["generated", report.generated.isoformat(timespec="seconds")])
        for name, value in (("site", report.query.site), ("desk", report.query.desk)):
            if value is not None:  # the report is filtered to one site or desk: say so
                writer.writerow([name, _text(value)])
        for name, columns, rows in (
            ("days", DAY_COLUMNS, _day_rows(report)),
            ("summary", SUMMARY_COLUMNS, _summary_rows(report)),
            ("events", EVENT_COLUMNS, _event_rows(report)),
        ):
            writer.writerow([])
            writer.writerow([f"[{name}]"])
            writer.writerow(columns)
            writer.writerows(rows)


def read_csv_sections(path: Path) -> dict[str, list[dict[str, str]]]:
    """Read a report written by :func:`write_csv`: section name -> rows as column -> text."""
    sections: dict[str, list[dict[str, str]]] = {}
    header: list[str] | None = None
    rows: list[dict[str, str]] | None = None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.reader(handle):
            if len(record) == 1 and record[0].startswith("[") and record[0].endswith("]"):
                rows = sections.setdefault(record[0][1:-1], [])
                header = None
            elif rows is None or not record:
                continue
            elif header is None:
                header = record
            else:
                rows.append(dict(zip(header, record, strict=True)))
    return sections


def _text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S") if moment is not None else ""


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


def _day_rows(report: Report) -> Iterator[Sequence[object]]:
    for r in report.days:
        yield (
            r.day.isoformat(),
            r.person_id,
            _text(r.employee_no),
            _text(r.name),
            _text(r.department),
            _clock(r.first_in),
            _clock(r.last_out),
            format_duration(r.worked),
            _hours(r.worked.total_seconds()),
            r.events,
            r.status,
        )


def _summary_rows(report: Report) -> Iterator[Sequence[object]]:
    for p in report.people:
        yield (
            p.person_id,
            _text(p.employee_no),
            _text(p.name),
            _text(p.department),
            p.days_present,
            format_duration(p.worked),
            _hours(p.worked.total_seconds()),
            p.incomplete_days,
            p.first_day.isoformat(),
            p.last_day.isoformat(),
        )


def _event_rows(report: Report) -> Iterator[Sequence[object]]:
    for e in report.events:
        yield (
            report.local(e.time).strftime("%Y-%m-%d %H:%M:%S"),
            e.time.astimezone(timezone.utc).isoformat(timespec="seconds"),
            e.kind.value,
            "" if e.person_id is None else e.person_id,
            _text(e.employee_no),
            _text(e.name),
            _text(e.department),
            "" if e.score is None else f"{e.score:.4f}",
            "" if e.margin is None else f"{e.margin:.4f}",
            _text(e.camera),
            _text(e.operator),
            _text(e.note),
            _text(e.snapshot),
            _text(e.site),
            _text(e.desk),
        )
