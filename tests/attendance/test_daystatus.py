"""Table tests of the day-status function: every status, night shifts, DST, rotations, flexible shifts,
leave and holiday precedence, punches outside the window, duplicates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from faceapp.attendance.calendar import Holiday, Leave
from faceapp.attendance.daystatus import DayPlan, Punch, Status, day_status, round_overtime
from faceapp.attendance.schedule import Assignment, Rules, person_days
from faceapp.attendance.shifts import Rotation, Shift, parse_days

ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 4)  # a Wednesday
OFFICE = Shift("Office", time(9), time(17), break_minutes=60, grace_late=5, grace_early=5,
               half_day_below=240, absent_below=60, overtime_after=30, overtime_unit=15)
NIGHT = Shift("Night", time(22), time(6), days=parse_days("all"), break_minutes=30)
FLEX = Shift("Flex", time(7), time(19), flexible=True, core_start=time(10), core_end=time(15),
             required_minutes=480, break_minutes=30, break_kind="minimum")


def at(day: date, clock: str, kind: str = "auto") -> Punch:
    h, m = map(int, clock.split(":"))
    return Punch(datetime.combine(day, time(h, m), tzinfo=ZONE), kind)


def run(punches: list[tuple[str, str]], shift: Shift = OFFICE, day: date = DAY, **kw: object):
    plan = DayPlan(day, shift, working=day.weekday() in shift.days)
    return day_status(plan, [at(day, c, k) for c, k in punches], ZONE, **kw)  # type: ignore[arg-type]


# punches, status, worked, late, early, overtime
OFFICE_TABLE = [
    ([("08:55", "in"), ("17:00", "out")], Status.PRESENT, 425, 0, 0, 0),
    ([("09:05", "in"), ("17:00", "out")], Status.PRESENT, 415, 0, 0, 0),          # within grace
    ([("09:20", "in"), ("17:00", "out")], Status.LATE, 400, 20, 0, 0),
    ([("09:00", "in"), ("16:30", "out")], Status.EARLY_LEAVE, 390, 0, 30, 0),
    ([("09:30", "in"), ("16:30", "out")], Status.LATE_AND_EARLY, 360, 30, 30, 0),
    ([("09:00", "in"), ("12:00", "out")], Status.HALF_DAY, 180, 0, 300, 0),       # short: no break taken
    ([("09:00", "in"), ("09:40", "out")], Status.ABSENT, 40, 0, 440, 0),         # under absent_below
    ([], Status.ABSENT, 0, 0, 0, 0),
    ([("09:00", "in")], Status.MISSING_PUNCH, 0, 0, 0, 0),
    ([("17:00", "out")], Status.MISSING_PUNCH, 0, 0, 0, 0),
    ([("09:00", "in"), ("17:20", "out")], Status.PRESENT, 440, 0, 0, 0),         # 20 min: under threshold
    ([("09:00", "in"), ("18:10", "out")], Status.PRESENT, 490, 0, 0, 60),        # 70 min floored to 60
    ([("09:00", "auto"), ("17:00", "auto")], Status.PRESENT, 420, 0, 0, 0),
    ([("09:00", "in"), ("09:00", "in"), ("09:00", "auto"), ("17:00", "out"), ("17:00", "out")],
     Status.PRESENT, 420, 0, 0, 0),                                               # duplicates
    ([("04:00", "in"), ("09:00", "in"), ("17:00", "out"), ("23:30", "out")],
     Status.PRESENT, 420, 0, 0, 0),                                               # outside the window
]


@pytest.mark.parametrize(("punches", "status", "worked", "late", "early", "overtime"), OFFICE_TABLE)
def test_office_shift_table(punches, status, worked, late, early, overtime) -> None:
    result = run(punches)
    assert (result.status, result.worked_minutes, result.late_minutes, result.early_minutes,
            result.overtime_minutes) == (status, worked, late, early, overtime)


def test_duplicates_and_outside_punches_are_counted_not_used() -> None:
    result = run([("09:00", "in"), ("09:00", "in"), ("09:00", "auto"), ("17:00", "out"), ("17:00", "out")])
    assert (result.duplicates, len(result.punches)) == (3, 2)
    outside = run([("04:00", "in"), ("09:00", "in"), ("17:00", "out"), ("23:30", "out")])
    assert outside.ignored == 2 and [p.time.hour for p in outside.punches] == [9, 17]


def test_rest_day_work_is_overtime_at_rest_rate() -> None:
    saturday = date(2026, 3, 7)
    result = run([("10:00", "in"), ("13:07", "out")], day=saturday)
    assert result.status is Status.REST_DAY and result.shift is None
    assert (result.overtime_minutes, result.overtime_kind, result.overtime_rate) == (180, "rest_day", 2.0)
    assert run([], day=saturday).status is Status.REST_DAY


def test_holiday_wins_over_leave_and_rest_day_and_pays_holiday_rate() -> None:
    holiday = Holiday(DAY, "Founders' day")
    leave = Leave(1, DAY, "annual")
    result = run([("09:00", "in"), ("12:00", "out")], holiday=holiday, leave=leave)
    assert (result.status, result.holiday, result.leave_days) == (Status.HOLIDAY, "Founders' day", 0.0)
    assert (result.overtime_minutes, result.overtime_kind, result.overtime_rate) == (180, "holiday", 3.0)
    saturday = date(2026, 3, 7)
    assert run([], day=saturday, holiday=Holiday(saturday, "x")).status is Status.HOLIDAY
    assert run([], day=saturday, leave=Leave(1, saturday)).status is Status.REST_DAY  # leave not used up


def test_leave_full_and_half() -> None:
    full = run([], leave=Leave(1, DAY, "sick"))
    assert (full.status, full.leave_kind, full.leave_days, full.absent_days) == (Status.ON_LEAVE, "sick", 1.0, 0.0)
    half = run([("13:00", "in"), ("17:00", "out")], leave=Leave(1, DAY, "annual", half=True))
    assert (half.status, half.leave_days, half.late_minutes, half.absent_days) == (Status.ON_LEAVE, 0.5, 0, 0.0)
    half_absent = run([], leave=Leave(1, DAY, "annual", half=True))
    assert (half_absent.status, half_absent.leave_days, half_absent.absent_days) == (Status.ABSENT, 0.5, 0.5)


def test_pending_until_the_window_closes() -> None:
    now = datetime.combine(DAY, time(12), tzinfo=ZONE)
    assert run([], now=now).status is Status.PENDING
    assert run([("09:00", "in")], now=now).status is Status.PENDING
    later = datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=ZONE)
    assert run([("09:00", "in")], now=later).status is Status.MISSING_PUNCH


NIGHT_TABLE = [
    # day, out day offset, out clock, worked minutes (break 30 deducted)
    (date(2026, 3, 4), "06:00", 450),     # ordinary night: 8 h - 30 min
    (date(2026, 3, 28), "06:00", 390),    # spring forward (02:00 -> 03:00): 7 h real - 30 min
    (date(2026, 10, 24), "06:00", 510),   # fall back (03:00 -> 02:00): 9 h real - 30 min
]


@pytest.mark.parametrize(("day", "out", "worked"), NIGHT_TABLE)
def test_night_shift_belongs_to_its_start_day_across_dst(day: date, out: str, worked: int) -> None:
    punches = [at(day, "22:00", "in"), at(day + timedelta(days=1), out, "out")]
    result = day_status(DayPlan(day, NIGHT), punches, ZONE)
    assert (result.status, result.worked_minutes, result.late_minutes, result.early_minutes,
            result.overtime_minutes) == (Status.PRESENT, worked, 0, 0, 0)
    assert result.last_out is not None and result.last_out.astimezone(ZONE).date() == day + timedelta(days=1)


def test_night_shift_late_and_overtime_next_morning() -> None:
    day = date(2026, 10, 24)
    punches = [at(day, "22:40", "in"), at(day + timedelta(days=1), "07:00", "out")]
    result = day_status(DayPlan(day, NIGHT), punches, ZONE)
    assert (result.status, result.late_minutes, result.overtime_minutes) == (Status.LATE, 40, 60)


def test_punches_counted_once_across_consecutive_night_shifts() -> None:
    rules = Rules.of([NIGHT], assignments=[Assignment("Night", date(2026, 3, 1), person_id=1)])
    punches = []
    for offset in range(3):
        day = date(2026, 3, 2) + timedelta(days=offset)
        punches += [at(day, "22:00", "auto"), at(day + timedelta(days=1), "06:00", "auto")]
    days = person_days(1, "", date(2026, 3, 2), date(2026, 3, 4), rules, punches, ZONE)
    assert [d.status for d in days] == [Status.PRESENT] * 3
    assert [d.worked_minutes for d in days] == [450] * 3


def test_rotation_day_day_night_night_off_off() -> None:
    day_shift = Shift("D", time(8), time(20), days=parse_days("all"))
    rotation = Rotation("4on2off", ("D", "D", "Night", "Night", None, None), date(2026, 3, 1))
    rules = Rules.of([day_shift, NIGHT], [rotation],
                     [Assignment("4on2off", date(2026, 3, 1), person_id=1, rotation=True)])
    plans = [rules.plan(1, "", date(2026, 3, 1) + timedelta(days=i)) for i in range(8)]
    assert [(p.shift.name if p.working and p.shift else None) for p in plans] == \
        ["D", "D", "Night", "Night", None, None, "D", "D"]
    days = person_days(1, "", date(2026, 3, 1), date(2026, 3, 6), rules, [], ZONE)
    assert [d.status for d in days] == [Status.ABSENT] * 4 + [Status.REST_DAY] * 2


def test_flexible_shift_core_hours_and_required_minutes() -> None:
    table = [
        ([("07:30", "in"), ("16:00", "out")], Status.PRESENT, 480, 0, 0, 0),   # 8.5 h, min break 30
        ([("08:00", "in"), ("12:00", "out"), ("13:00", "in"), ("17:30", "out")], Status.PRESENT, 510, 0, 0, 30),
        ([("10:30", "in"), ("19:00", "out")], Status.LATE, 480, 30, 0, 0),
        ([("07:00", "in"), ("14:00", "out")], Status.EARLY_LEAVE, 390, 0, 60, 0),
    ]
    for punches, status, worked, late, early, overtime in table:
        result = run(punches, shift=FLEX)
        assert (result.status, result.worked_minutes, result.late_minutes, result.early_minutes,
                result.overtime_minutes) == (status, worked, late, early, overtime), punches
    assert run([("07:00", "in"), ("14:00", "out")], shift=FLEX).short_minutes == 90


def test_person_assignment_overrides_department_and_dates() -> None:
    rules = Rules.of([OFFICE, NIGHT], assignments=[
        Assignment("Office", date(2026, 1, 1), department="Ops"),
        Assignment("Night", date(2026, 3, 3), date(2026, 3, 5), person_id=7),
    ])
    assert rules.plan(7, "ops", date(2026, 3, 2)).shift == OFFICE
    assert rules.plan(7, "Ops", date(2026, 3, 4)).shift == NIGHT
    assert rules.plan(7, "Ops", date(2026, 3, 6)).shift == OFFICE
    assert rules.plan(8, "Ops", date(2026, 3, 4)).shift == OFFICE
    unscheduled = rules.plan(9, "Sales", date(2026, 3, 4))
    assert not unscheduled.scheduled
    result = day_status(unscheduled, [at(DAY, "09:00", "in"), at(DAY, "12:00", "out")], ZONE)
    assert (result.status, result.worked_minutes, result.overtime_minutes) == (Status.PRESENT, 180, 0)


@pytest.mark.parametrize(("minutes", "rule", "unit", "expected"), [
    (44, "floor", 15, 30), (44, "nearest", 15, 45), (37, "nearest", 15, 30), (31, "ceil", 15, 45), (7, "floor", 1, 7),
])
def test_overtime_rounding(minutes: int, rule: str, unit: int, expected: int) -> None:
    shift = Shift("R", time(9), time(17), overtime_unit=unit, overtime_rounding=rule)
    assert round_overtime(minutes, shift) == expected


def test_results_serialise_to_json_with_utc_or_local_times() -> None:
    result = run([("09:20", "in"), ("17:00", "out")])
    data = result.to_json(ZONE)
    assert data["status"] == "late" and data["first_in"] == "2026-03-04T09:20:00+01:00"
    assert result.to_json()["first_in"] == "2026-03-04T08:20:00+00:00"
    assert result.first_in == datetime(2026, 3, 4, 8, 20, tzinfo=timezone.utc)
