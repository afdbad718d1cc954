"""The status of one person on one day against their shift: the one function GUI, CLI and reports use.

Pure: punches, the day's plan, holiday and leave come in; a :class:`DayResult` comes out. All
durations are measured between UTC instants, so a night across a DST change is as long as it really
was; shift start and end are local wall-clock times of the day (a night shift's end is on the next
day). Minutes are whole minutes, rounded down.

Order of precedence: holiday, then rest day, then full-day leave, then the punches. Punches count
when they fall in the shift's window (outside: ``ignored``); a punch within ``dedupe_seconds`` of the
previous one of the same kind is a duplicate and dropped. Pairing: ``in`` opens an interval (a second
``in`` while open is ignored), ``out`` closes it (an ``out`` with nothing open moves the last end
later, or before any ``in`` marks a missing punch), ``auto`` closes when open and opens otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from faceapp.attendance.calendar import Holiday, Leave
from faceapp.attendance.shifts import Shift

PUNCH_KINDS = ("in", "out", "auto")
DEFAULT_DEDUPE_SECONDS = 60
_DEFAULT_RULES = Shift("(rules)", time(9), time(17))  # rounding and rates on days without a shift


class Status(str, Enum):
    """A person's attendance on one day."""

    PRESENT = "present"
    LATE = "late"
    EARLY_LEAVE = "early_leave"
    LATE_AND_EARLY = "late_and_early"
    HALF_DAY = "half_day"
    ABSENT = "absent"
    ON_LEAVE = "on_leave"
    HOLIDAY = "holiday"
    REST_DAY = "rest_day"
    MISSING_PUNCH = "missing_punch"
    PENDING = "pending"  # the shift (or its punch window) has not ended yet


EXCEPTIONS = (Status.LATE, Status.EARLY_LEAVE, Status.LATE_AND_EARLY, Status.HALF_DAY, Status.ABSENT,
              Status.MISSING_PUNCH)


@dataclass(frozen=True)
class Punch:
    """One recorded punch; ``time`` is timezone-aware. ``kind`` is ``in``, ``out`` or ``auto``."""

    time: datetime
    kind: str = "auto"
    id: int | None = None
    source: str = ""
    site: str = ""  # where it was recorded (the event's site and desk)
    desk: str = ""

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError(f"punch time must be timezone-aware, got {self.time!r}")
        if self.kind not in PUNCH_KINDS:
            raise ValueError(f"punch kind must be one of {PUNCH_KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class DayPlan:
    """What a person was meant to do on ``day``.

    ``shift`` is the shift worked (or, on a rest day, the shift whose overtime rules apply; may be
    None); ``working`` is False on rest days; ``scheduled`` is False when nobody assigned a shift.
    """

    day: date
    shift: Shift | None
    working: bool = True
    scheduled: bool = True


@dataclass(frozen=True)
class DayResult:
    """One person-day. Minutes are whole minutes; ``overtime_kind`` is normal, rest_day or holiday."""

    day: date
    status: Status
    shift: str | None
    worked_minutes: int = 0
    late_minutes: int = 0
    early_minutes: int = 0
    short_minutes: int = 0
    overtime_minutes: int = 0
    overtime_kind: str = ""
    overtime_rate: float = 0.0
    leave_kind: str = ""
    leave_days: float = 0.0
    absent_days: float = 0.0
    holiday: str = ""
    first_in: datetime | None = None
    last_out: datetime | None = None
    punches: tuple[Punch, ...] = ()
    duplicates: int = 0
    ignored: int = 0
    window: tuple[datetime, datetime] | None = field(default=None, compare=False)

    @property
    def is_exception(self) -> bool:
        return self.status in EXCEPTIONS

    def to_json(self, zone: ZoneInfo | None = None) -> dict[str, Any]:
        """Plain values (times ISO 8601 in ``zone``, else UTC)."""
        tz = zone or timezone.utc

        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")

        return {
            "date": self.day.isoformat(), "status": self.status.value, "shift": self.shift,
            "worked_minutes": self.worked_minutes, "late_minutes": self.late_minutes,
            "early_minutes": self.early_minutes, "short_minutes": self.short_minutes,
            "overtime_minutes": self.overtime_minutes, "overtime_kind": self.overtime_kind,
            "overtime_rate": self.overtime_rate, "leave_kind": self.leave_kind, "leave_days": self.leave_days,
            "absent_days": self.absent_days, "holiday": self.holiday, "first_in": iso(self.first_in),
            "last_out": iso(self.last_out),
            "punches": [{"time": iso(p.time), "kind": p.kind, "site": p.site, "desk": p.desk} for p in self.punches],
            "duplicates": self.duplicates, "ignored": self.ignored,
        }


def local_moment(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``clock`` in ``zone`` as a UTC instant (a time in a DST gap: fold 0)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(timezone.utc)


def shift_bounds(day: date, shift: Shift, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of ``shift`` worked on ``day`` (the end on the next day for a night shift)."""
    end_day = day + timedelta(days=1) if shift.crosses_midnight else day
    return local_moment(day, shift.start, zone), local_moment(end_day, shift.end, zone)


def punch_window(plan: DayPlan, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[lo, hi]`` in UTC in which punches count for the day: the shift's window, else the local day."""
    if plan.shift is not None and plan.working:
        start, end = shift_bounds(plan.day, plan.shift, zone)
        return start - timedelta(minutes=plan.shift.window_before), end + timedelta(minutes=plan.shift.window_after)
    return local_moment(plan.day, time(0), zone), local_moment(plan.day + timedelta(days=1), time(0), zone)


def _minutes(delta: timedelta) -> int:
    return max(int(delta.total_seconds() // 60), 0)


def round_overtime(minutes: int, rules: Shift) -> int:
    """``minutes`` rounded to the shift's overtime unit by its rule (floor, nearest or ceil)."""
    unit = rules.overtime_unit
    if rules.overtime_rounding == "ceil":
        return -(-minutes // unit) * unit
    if rules.overtime_rounding == "nearest":
        return (minutes + unit // 2) // unit * unit
    return minutes // unit * unit


def select_punches(punches: Iterable[Punch], lo: datetime, hi: datetime,
                   dedupe_seconds: int = DEFAULT_DEDUPE_SECONDS) -> tuple[list[Punch], int, int]:
    """Punches in ``[lo, hi]`` in time order without duplicates; also the duplicate and outside counts."""
    kept: list[Punch] = []
    duplicates = ignored = 0
    for punch in sorted(punches, key=lambda p: (p.time.astimezone(timezone.utc), p.id or 0)):
        if not lo <= punch.time <= hi:
            ignored += 1
            continue
        previous = kept[-1] if kept else None
        if (previous is not None and (previous.kind == punch.kind or "auto" in (previous.kind, punch.kind))
                and (punch.time - previous.time).total_seconds() <= dedupe_seconds):
            duplicates += 1
            continue
        kept.append(punch)
    return kept, duplicates, ignored


def pair(punches: Sequence[Punch]) -> tuple[list[tuple[datetime, datetime]], bool, bool]:
    """In->out intervals of time-ordered punches, whether an in is missing, whether an out is missing."""
    intervals: list[tuple[datetime, datetime]] = []
    open_from: datetime | None = None
    missing_in = False
    for punch in punches:
        moment = punch.time.astimezone(timezone.utc)
        opens = punch.kind == "in" or (punch.kind == "auto" and open_from is None)
        if opens:
            open_from = open_from or moment
        elif open_from is not None:
            intervals.append((open_from, moment))
            open_from = None
        elif intervals:
            intervals[-1] = (intervals[-1][0], moment)  # the last out wins
        else:
            missing_in = True
    return intervals, missing_in, open_from is not None


def worked_minutes(intervals: Sequence[tuple[datetime, datetime]], shift: Shift | None) -> int:
    """Worked minutes of paired intervals less the shift's break (see :class:`Shift`)."""
    if not intervals:
        return 0
    inside = sum((b - a for a, b in intervals), timedelta())
    if shift is None or shift.break_minutes == 0:
        return _minutes(inside)
    brk = timedelta(minutes=shift.break_minutes)
    if shift.break_kind == "minimum":
        gaps = (intervals[-1][1] - intervals[0][0]) - inside
        return _minutes(inside - max(brk - gaps, timedelta()))
    span = intervals[-1][1] - intervals[0][0]
    # A fixed break is taken only by someone present for more than half the shift.
    return _minutes(span - brk) if span > timedelta(minutes=shift.length_minutes / 2) else _minutes(span)


class _BaseFields(TypedDict):
    """The fields of a :class:`DayResult` that every status shares (built once in :func:`day_status`)."""

    day: date
    shift: str | None
    punches: tuple[Punch, ...]
    duplicates: int
    ignored: int
    window: tuple[datetime, datetime]
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int


class _LeaveFields(TypedDict, total=False):
    """The leave fields of a half day of leave (empty without leave)."""

    leave_kind: str
    leave_days: float


def day_status(plan: DayPlan, punches: Iterable[Punch], zone: ZoneInfo | str, *, holiday: Holiday | None = None,
               leave: Leave | None = None, now: datetime | None = None,
               dedupe_seconds: int = DEFAULT_DEDUPE_SECONDS) -> DayResult:
    """The attendance of one person on ``plan.day`` (see the module docstring for the rules).

    Args:
        plan: the day's shift (or rest day).
        punches: the person's punches around the day (those outside the window are ignored).
        zone: the IANA zone of the shift times and of the day.
        holiday: the public holiday on this day, if any.
        leave: the person's approved leave on this day, if any.
        now: the current instant (the clock is injected); days whose window has not closed are pending.
        dedupe_seconds: punches of one kind this close together count once.
    """
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    lo, hi = punch_window(plan, tz)
    kept, duplicates, ignored = select_punches(punches, lo, hi, dedupe_seconds)
    intervals, missing_in, missing_out = pair(kept)
    shift = plan.shift
    base: _BaseFields = {
        "day": plan.day, "shift": shift.name if shift and plan.working else None, "punches": tuple(kept),
        "duplicates": duplicates, "ignored": ignored, "window": (lo, hi),
        "first_in": intervals[0][0] if intervals else next((p.time for p in kept if p.kind != "out"), None),
        "last_out": intervals[-1][1] if intervals else None,
        "worked_minutes": worked_minutes(intervals, shift)}
    rules = shift or _DEFAULT_RULES
    if holiday is not None or not plan.working:
        kind, rate = ("holiday", rules.rate_holiday) if holiday is not None else ("rest_day", rules.rate_rest_day)
        status = Status.HOLIDAY if holiday is not None else Status.REST_DAY
        if not plan.scheduled and holiday is None:
            status, kind = (Status.PRESENT if kept else Status.REST_DAY), ""
        overtime = round_overtime(base["worked_minutes"], rules) if kind else 0
        return DayResult(**base, status=status, overtime_minutes=overtime, overtime_kind=kind if overtime else "",
                         overtime_rate=rate if overtime else 0.0, holiday=holiday.name if holiday else "")
    if shift is None:
        raise ValueError(f"the working day {plan.day} has no shift")
    if leave is not None and not leave.half:
        return DayResult(**base, status=Status.ON_LEAVE, leave_kind=leave.kind, leave_days=1.0)
    if now is not None and now < hi and (not kept or missing_out):
        return DayResult(**base, status=Status.PENDING)
    return _working_day(plan, shift, tz, base, missing_in or missing_out, leave)


def _working_day(plan: DayPlan, shift: Shift, tz: ZoneInfo, base: _BaseFields, missing: bool,
                 leave: Leave | None) -> DayResult:
    leave_fields: _LeaveFields = {"leave_kind": leave.kind, "leave_days": 0.5} if leave is not None else {}
    if not base["punches"]:
        return DayResult(**base, **leave_fields, status=Status.ABSENT, absent_days=0.5 if leave else 1.0)
    late, early, short, overtime = _deviations(plan.day, shift, tz, base)
    if leave is not None:  # half a day of leave: the other half may be either half, so no lateness
        late = early = short = 0
    if missing:
        return DayResult(**base, **leave_fields, status=Status.MISSING_PUNCH, late_minutes=late)
    worked = base["worked_minutes"]
    if shift.absent_below and worked < shift.absent_below / (2 if leave else 1):
        status, absent = Status.ABSENT, (0.5 if leave else 1.0)
    elif leave is not None:
        status, absent = Status.ON_LEAVE, 0.0
    elif shift.half_day_below and worked < shift.half_day_below:
        status, absent = Status.HALF_DAY, 0.5
    else:
        status = {(True, True): Status.LATE_AND_EARLY, (True, False): Status.LATE,
                  (False, True): Status.EARLY_LEAVE}.get((late > 0, early > 0), Status.PRESENT)
        absent = 0.0
    return DayResult(**base, **leave_fields, status=status, late_minutes=late, early_minutes=early,
                     short_minutes=short, absent_days=absent, overtime_minutes=overtime,
                     overtime_kind="normal" if overtime else "", overtime_rate=shift.rate_normal if overtime else 0.0)


def _deviations(day: date, shift: Shift, tz: ZoneInfo, base: _BaseFields) -> tuple[int, int, int, int]:
    """Late, early, short and (rounded) overtime minutes of a working day with punches."""
    first, last = base["first_in"], base["last_out"]
    start, end = shift_bounds(day, shift, tz)
    short = 0
    if shift.flexible and shift.core_start is not None and shift.core_end is not None:
        core_day = day + timedelta(days=1) if shift.core_start < shift.start else day
        core_start = local_moment(core_day, shift.core_start, tz)
        core_end_day = core_day + timedelta(days=1) if shift.core_end <= shift.core_start else core_day
        start, end = core_start, local_moment(core_end_day, shift.core_end, tz)
        short = max(shift.required_minutes - base["worked_minutes"], 0)
    late = _minutes(first - start) if first is not None else 0
    early = _minutes(end - last) if last is not None else 0
    late = late if late > shift.grace_late else 0
    early = early if early > shift.grace_early else 0
    if shift.flexible:
        raw = max(base["worked_minutes"] - shift.required_minutes, 0)
    else:
        raw = _minutes(last - shift_bounds(day, shift, tz)[1]) if last is not None else 0
    overtime = round_overtime(raw, shift) if raw >= max(shift.overtime_after, 1) else 0
    return late, early, short, overtime
