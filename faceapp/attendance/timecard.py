"""Person-days and monthly totals from the stored rules and punches: what every attendance report shows.

:func:`compute_days` runs :func:`faceapp.attendance.schedule.person_days` for each selected person
over a date range (one call of the day-status function per person-day, the same one the GUI and the
CLI use); :func:`totals` adds them up per person. Both are plain data for the report writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from faceapp.attendance.daystatus import DayResult, Status, local_moment
from faceapp.attendance.schedule import person_days
from faceapp.errors import ConfigError

if TYPE_CHECKING:
    from faceapp.attendance.hrstore import AttendanceStore
    from faceapp.records import Person

_ATTENDED = (Status.PRESENT, Status.LATE, Status.EARLY_LEAVE, Status.LATE_AND_EARLY, Status.HALF_DAY,
             Status.MISSING_PUNCH)


@dataclass(frozen=True)
class PersonDay:
    """One person's result on one day, with who the person is."""

    person_id: int
    name: str
    employee_no: str
    department: str
    result: DayResult

    def to_json(self, zone: ZoneInfo | None = None) -> dict[str, Any]:
        return {"person": self.name, "person_id": self.person_id, "employee_no": self.employee_no,
                "department": self.department, **self.result.to_json(zone)}


@dataclass(frozen=True)
class Totals:
    """One person's figures over a period (minutes are whole minutes)."""

    person_id: int
    name: str
    employee_no: str
    department: str
    workdays: int = 0  # scheduled working days (not holidays)
    attended: int = 0  # working days with punches (present, late, early, half day, missing punch)
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    absent_days: float = 0.0
    leave_days: float = 0.0
    missing_punches: int = 0
    holidays: int = 0
    rest_days: int = 0
    worked_minutes: int = 0
    overtime_normal: int = 0
    overtime_rest_day: int = 0
    overtime_holiday: int = 0
    overtime_weighted: float = 0.0  # overtime minutes times their rates


def select_people(people: Iterable[Person], persons: Sequence[str] = (),
                  departments: Sequence[str] = ()) -> list[Person]:
    """People matching any of ``persons`` (id, employee number or name) and ``departments`` (case-insensitive)."""
    wanted = {p.strip().casefold() for p in persons if p.strip()}
    depts = {d.strip().casefold() for d in departments if d.strip()}
    chosen = []
    for person in people:
        keys = {str(person.id), (person.employee_no or "").casefold(), person.name.casefold()}
        if wanted and not keys & wanted:
            continue
        if depts and person.department.casefold() not in depts:
            continue
        chosen.append(person)
    return sorted(chosen, key=lambda p: (p.department.casefold(), p.name.casefold(), p.id))


def compute_days(store: AttendanceStore, people: Sequence[Person], start: date, end: date, zone: str,
                 now: datetime | None = None, site: str | None = None, desk: str | None = None) -> list[PersonDay]:
    """Every selected person's day results from ``start`` to ``end`` (inclusive), by person then day.

    ``site`` / ``desk`` count only the punches recorded there (None: every desk's).
    """
    if start > end:
        raise ConfigError(f"the period starts ({start}) after it ends ({end})")
    if (end - start).days > 400:
        raise ConfigError("a report covers at most 400 days")
    tz = ZoneInfo(zone)
    rules = store.rules()
    holidays = store.holidays(start, end)
    leave = store.approved_leave(start, end)
    lo = local_moment(start - timedelta(days=2), datetime.min.time(), tz)
    hi = local_moment(end + timedelta(days=3), datetime.min.time(), tz)
    punches = store.punches(lo, hi, site=site, desk=desk)
    days: list[PersonDay] = []
    for person in people:
        results = person_days(person.id, person.department, start, end, rules, punches.get(person.id, []), tz,
                              holidays=holidays, leave=leave.get(person.id, {}), now=now)
        days += [PersonDay(person.id, person.name, person.employee_no or "", person.department, r) for r in results]
    return days


def totals(days: Iterable[PersonDay]) -> list[Totals]:
    """Per-person totals, in the order people first appear."""
    sums: dict[int, dict[str, Any]] = {}
    for day in days:
        r = day.result
        t = sums.setdefault(day.person_id, {"person_id": day.person_id, "name": day.name,
                                            "employee_no": day.employee_no, "department": day.department})

        def add(key: str, value: float, t: dict[str, Any] = t) -> None:
            t[key] = t.get(key, 0) + value

        working = r.status not in (Status.REST_DAY, Status.HOLIDAY) and not (r.status is Status.PRESENT
                                                                             and r.shift is None)
        add("workdays", int(working))
        add("attended", int(r.status in _ATTENDED and r.shift is not None))
        add("late_count", int(r.late_minutes > 0))
        add("late_minutes", r.late_minutes)
        add("early_count", int(r.early_minutes > 0))
        add("early_minutes", r.early_minutes)
        add("absent_days", r.absent_days)
        add("leave_days", r.leave_days)
        add("missing_punches", int(r.status is Status.MISSING_PUNCH))
        add("holidays", int(r.status is Status.HOLIDAY))
        add("rest_days", int(r.status is Status.REST_DAY))
        add("worked_minutes", r.worked_minutes)
        if r.overtime_minutes:
            add(f"overtime_{r.overtime_kind}", r.overtime_minutes)
            add("overtime_weighted", r.overtime_minutes * r.overtime_rate)
    return [Totals(**values) for values in sums.values()]


def hours(minutes: float) -> str:
    """Minutes as ``H:MM`` (``-`` for none)."""
    minutes = round(minutes)
    return f"{minutes // 60}:{minutes % 60:02d}" if minutes else "-"
