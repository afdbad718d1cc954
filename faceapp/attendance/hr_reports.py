"""Report files of person-days: time cards (PDF, XLSX), department summary (XLSX), day lists, raw punches.

* time card: one PDF page (or one worksheet) per person: the days, the totals, signature lines;
* summary: one row per person with a totals row (XLSX or CSV);
* daily / exceptions: one row per person-day (CSV, XLSX or PDF);
* punches: the raw punches (CSV).

Every writer writes to a temporary file beside the target and renames it, so a reader (or a shared
drive) never sees half a file. Text is English or Simplified Chinese (:mod:`faceapp.attendance.labels`);
the PDF embeds the bundled WenQuanYi font, which covers both.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from faceapp.attendance.labels import Labels
from faceapp.attendance.timecard import PersonDay, Totals, hours, totals
from faceapp.errors import ConfigError, StorageError

KINDS = ("daily", "exceptions", "timecard", "summary", "punches")
#: The file formats each kind of report is written in.
SUFFIXES = {"daily": ("csv", "xlsx", "pdf"), "exceptions": ("csv", "xlsx", "pdf"), "timecard": ("pdf", "xlsx", "csv"),
             "summary": ("xlsx", "csv"), "punches": ("csv",)}
_DAY_KEYS = ("date", "weekday", "shift", "first_in", "last_out", "worked", "late", "early", "overtime", "status")
_TOTAL_KEYS = ("workdays", "attended", "late_count", "late_minutes", "early_count", "early_minutes", "absent_days",
               "leave_days", "missing_punches", "holidays", "rest_days", "worked_minutes", "overtime_normal",
               "overtime_rest_day", "overtime_holiday", "overtime_weighted")


@dataclass(frozen=True)
class ReportSpec:
    """What to write: the kind, the period, the zone, the language and when it was made.

    ``site`` / ``desk``: the report counts only the punches recorded there (named in its heading).
    """

    kind: str
    start: date
    end: date
    zone: str
    language: str = "en"
    generated: datetime | None = None
    site: str | None = None
    desk: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"report kind must be one of {', '.join(KINDS)}, not {self.kind!r}")

    @property
    def labels(self) -> Labels:
        return Labels(self.language)

    def where(self) -> str:
        """The site / desk filter in words (``Site: Berlin office    Desk: Front door``), or ""."""
        words = self.labels
        return "    ".join(f"{words[key]}: {value}" for key, value in (("site", self.site), ("desk", self.desk))
                           if value is not None)


def write(days: Sequence[PersonDay], spec: ReportSpec, path: str | Path) -> Path:
    """Write ``days`` as the report ``spec.kind`` in the format of ``path``'s suffix (atomically)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in SUFFIXES[spec.kind]:
        raise ConfigError(f"a {spec.kind} report is written as {' or '.join(SUFFIXES[spec.kind])}, not {fmt!r}")
    if spec.kind == "exceptions":
        days = [d for d in days if d.result.is_exception]
    writer: Callable[[Sequence[PersonDay], ReportSpec, Path], None]
    if spec.kind == "timecard" and fmt == "csv":
        writer = _days_csv  # the time cards' day rows, for other programs
    elif spec.kind == "timecard":
        from faceapp.attendance import timecard_files

        writer = timecard_files.write_pdf if fmt == "pdf" else timecard_files.write_xlsx
    elif spec.kind == "summary":
        writer = _summary_xlsx if fmt == "xlsx" else _summary_csv
    elif spec.kind == "punches":
        writer = _punches_csv
    else:
        writer = {"csv": _days_csv, "xlsx": _days_xlsx, "pdf": _days_pdf}[fmt]
    with atomic_path(path) as temporary:
        writer(days, spec, temporary)
    return path


@contextmanager
def atomic_path(path: Path):  # type: ignore[no-untyped-def]
    """A temporary path beside ``path`` that replaces it on success and is removed on failure.

    Raises:
        StorageError: the folder cannot be created or written (nothing of the old file is lost).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise StorageError(f"cannot write the report {path}: {exc.strerror or exc}. Check that the folder "
                           "exists, is a folder and is writable (a shared drive may be disconnected).") from exc
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        raise StorageError(f"cannot write the report {path}: {exc.strerror or exc}. Free some space and "
                           "try again.") from exc
    finally:
        temporary.unlink(missing_ok=True)


def clock(moment: datetime | None, zone: str) -> str:
    """Local ``HH:MM`` (with ``+1`` when on the next day is left to the date column)."""
    return "" if moment is None else moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def day_cells(day: PersonDay, spec: ReportSpec) -> list[str]:
    """The cells of :data:`_DAY_KEYS` for one person-day, as text."""
    r, words = day.result, spec.labels
    overtime = hours(r.overtime_minutes) + (f" ×{r.overtime_rate:g}" if r.overtime_minutes else "")
    status = words.status(r.status.value) + (f" ({r.holiday})" if r.holiday else "")
    out = clock(r.last_out, spec.zone)
    if r.last_out is not None and r.last_out.astimezone(ZoneInfo(spec.zone)).date() > r.day:
        out += " +1"  # a night shift ends on the next day
    return [r.day.isoformat(), words.weekday(r.day.weekday()), r.shift or "", clock(r.first_in, spec.zone),
            out, hours(r.worked_minutes), hours(r.late_minutes), hours(r.early_minutes),
            overtime, status]


def total_values(t: Totals) -> list[Any]:
    return [getattr(t, key) for key in _TOTAL_KEYS]


def _days_csv(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    tz = ZoneInfo(spec.zone)
    keys = ["person", "person_id", "employee_no", "department", *[k for k in days[0].to_json(tz) if k not in (
        "person", "person_id", "employee_no", "department", "punches")]] if days else ["person", "date", "status"]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, keys, extrasaction="ignore")
        writer.writeheader()
        for day in days:
            writer.writerow(day.to_json(tz))


def _days_xlsx(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = spec.labels
    book = Workbook()
    sheet = book.active
    sheet.title = words[spec.kind][:31]
    sheet.append([words["person"], words["employee_no"], words["department"], *[words[k] for k in _DAY_KEYS],
                  f"{words['worked']} ({words['minutes']})", f"{words['late']} ({words['minutes']})",
                  f"{words['early']} ({words['minutes']})", f"{words['overtime']} ({words['minutes']})"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for day in days:
        r = day.result
        sheet.append([day.name, day.employee_no, day.department, *day_cells(day, spec), r.worked_minutes,
                      r.late_minutes, r.early_minutes, r.overtime_minutes])
    sheet.freeze_panes = "A2"
    book.save(path)


def _days_pdf(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    from faceapp.attendance.timecard_files import new_pdf, table

    words = spec.labels
    pdf = new_pdf(spec, words[spec.kind])
    pdf.add_page(orientation="L")
    pdf.heading(words[spec.kind], spec)
    rows = [[d.name, d.employee_no, d.department, *day_cells(d, spec)] for d in days]
    table(pdf, [words["person"], words["employee_no"], words["department"], *[words[k] for k in _DAY_KEYS]],
          rows or [[words["none"]] + [""] * (len(_DAY_KEYS) + 2)],
          (30, 20, 26, 20, 10, 18, 13, 13, 15, 13, 15, 18, 40))
    pdf.output(str(path))


def _summary_rows(days: Sequence[PersonDay]) -> tuple[list[Totals], list[Any]]:
    people = totals(days)
    grand = [sum(getattr(t, key) for t in people) for key in _TOTAL_KEYS]
    return people, grand


def _summary_header(words: Labels) -> list[str]:
    return [words["person"], words["employee_no"], words["department"], *[words[k] for k in _TOTAL_KEYS[:11]],
            *[f"{words[k]} ({words['minutes']})" for k in _TOTAL_KEYS[11:]]]


def _summary_xlsx(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = spec.labels
    book = Workbook()
    sheet = book.active
    sheet.title = words["summary"][:31]
    sheet.append([f"{words['summary']}  {words['period']}: {spec.start} - {spec.end}  {spec.where()}".rstrip()])
    sheet.append(_summary_header(words))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    people, grand = _summary_rows(days)
    for t in people:
        sheet.append([t.name, t.employee_no, t.department, *total_values(t)])
    by_department: dict[str, list[Totals]] = {}
    for t in people:
        by_department.setdefault(t.department, []).append(t)
    for department, members in sorted(by_department.items()):
        sheet.append([f"{words['totals']}: {department or '-'}", "", department,
                      *[sum(getattr(t, key) for t in members) for key in _TOTAL_KEYS]])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.append([words["totals"], "", "", *grand])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    book.save(path)


def _summary_csv(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    people, grand = _summary_rows(days)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person", "employee_no", "department", *_TOTAL_KEYS])
        for t in people:
            writer.writerow([t.name, t.employee_no, t.department, *total_values(t)])
        writer.writerow(["TOTAL", "", "", *grand])


def _punches_csv(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person", "employee_no", "department", "day", "time", "time_utc", "kind", "source", "site",
                         "desk"])
        for day in days:
            for punch in day.result.punches:
                writer.writerow([day.name, day.employee_no, day.department, day.result.day.isoformat(),
                                 punch.time.astimezone(ZoneInfo(spec.zone)).isoformat(timespec="seconds"),
                                 punch.time.astimezone(timezone.utc).isoformat(timespec="seconds"), punch.kind,
                                 punch.source, punch.site, punch.desk])


def totals_fields() -> list[str]:
    """The field names of :class:`Totals` (for tests and JSON)."""
    return [f.name for f in fields(Totals)]
