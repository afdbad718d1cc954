"""Report computation: worked time, missing events, summaries, filters, time zones and DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from faceapp.attendance import ReportQuery, build_report, format_duration, write_report
from faceapp.attendance import reports as reports_module
from faceapp.errors import ConfigError, ResourceNotFoundError
from faceapp.records import Event, EventKind

IN, OUT, UNKNOWN = EventKind.CHECK_IN, EventKind.CHECK_OUT, EventKind.UNKNOWN
UTC = timezone.utc
GEN = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
PEOPLE = {1: ("张伟", "E001", "研发部"), 2: ("Anna Müller", "E002", "Sales"), 3: ("Bob Stone", "E003", "Sales")}


def ev(moment: datetime, kind: EventKind, person: int | None = 1, event_id: int | None = None) -> Event:
    name, number, dept = PEOPLE[person] if person is not None else (None, None, None)
    score = 0.75 if person is not None else 0.12
    return Event(event_id, moment, "UTC", kind, person, name, number, dept, score, 0.3, "gate")


def at(day: int, hour: float, month: int = 3) -> datetime:
    """UTC instant; in these tests the report zone is UTC unless said otherwise."""
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def one_day(events: list[Event], zone: str = "UTC") -> reports_module.DayRow:
    report = build_report(events, zone, generated=GEN)
    assert len(report.days) == 1
    return report.days[0]


# --- worked time per day -------------------------------------------------------------------------


def test_worked_time_is_the_sum_of_in_out_intervals() -> None:
    row = one_day([ev(at(10, 13), IN), ev(at(10, 9), IN), ev(at(10, 17), OUT), ev(at(10, 12), OUT)])  # unsorted
    assert row.worked == timedelta(hours=7)  # 9-12 and 13-17: the lunch break does not count
    assert (row.first_in, row.last_out) == (at(10, 9), at(10, 17))
    assert (row.events, row.status, row.day) == (4, "ok", date(2026, 3, 10))
    assert (row.name, row.employee_no, row.department) == PEOPLE[1]


def test_first_in_last_out_sequence_counts_first_in_to_last_out() -> None:
    row = one_day([ev(at(10, 9), IN), ev(at(10, 10), OUT), ev(at(10, 15), OUT), ev(at(10, 17.5), OUT)])
    assert row.worked == timedelta(hours=8.5)
    assert row.last_out == at(10, 17.5)


def test_repeated_in_keeps_the_first() -> None:
    row = one_day([ev(at(10, 9), IN), ev(at(10, 9.5), IN), ev(at(10, 17), OUT)])
    assert row.worked == timedelta(hours=8)
    assert row.first_in == at(10, 9)


@pytest.mark.parametrize(
    ("events", "worked", "last_out", "status"),
    [
        ([(9, IN)], 0, None, "missing out"),
        ([(9, IN), (12, OUT), (13, IN)], 3, 12, "missing out"),
        ([(17, OUT)], 0, 17, "missing in"),
        ([(8, OUT), (9, IN)], 0, 8, "missing in and out"),
    ],
)
def test_missing_events_are_flagged_never_invented(
    events: list[tuple[float, EventKind]], worked: float, last_out: float | None, status: str
) -> None:
    row = one_day([ev(at(10, h), kind) for h, kind in events])
    assert row.worked == timedelta(hours=worked)
    assert row.last_out == (None if last_out is None else at(10, last_out))
    assert row.status == status


def test_summary_and_events_list() -> None:
    events = [
        ev(at(10, 9), IN, 1),
        ev(at(10, 17), OUT, 1),
        ev(at(11, 9), IN, 1),  # no out on the 11th
        ev(at(12, 8), IN, 1),
        ev(at(12, 12), OUT, 1),
        ev(at(10, 10), IN, 2),
        ev(at(10, 16), OUT, 2),
        ev(at(10, 11), UNKNOWN, None),
    ]
    report = build_report(events, "UTC", generated=GEN)
    assert [(r.day.day, r.person_id) for r in report.days] == [(10, 2), (10, 1), (11, 1), (12, 1)]  # name order
    by_id = {p.person_id: p for p in report.people}
    assert (by_id[1].days_present, by_id[1].worked, by_id[1].incomplete_days) == (3, timedelta(hours=12), 1)
    assert (by_id[1].first_day, by_id[1].last_day) == (date(2026, 3, 10), date(2026, 3, 12))
    assert (by_id[2].days_present, by_id[2].worked, by_id[2].incomplete_days) == (1, timedelta(hours=6), 0)
    assert [e.time for e in report.events] == sorted(e.time for e in events)
    assert sum(e.kind is UNKNOWN for e in report.events) == 1  # unknown faces are listed, not in day rows
    assert report.generated == GEN


# --- filters ------------------------------------------------------------------------------------


def sample() -> list[Event]:
    return [ev(at(d, h), k, p) for d in (9, 10, 11) for p in (1, 2, 3) for h, k in ((9, IN), (17, OUT))]


@pytest.mark.parametrize(
    ("query", "people", "days"),
    [
        (ReportQuery(), {1, 2, 3}, {9, 10, 11}),
        (ReportQuery(persons=("1",)), {1}, {9, 10, 11}),
        (ReportQuery(persons=("e002",)), {2}, {9, 10, 11}),  # employee number, any case
        (ReportQuery(persons=("张伟", "bob stone")), {1, 3}, {9, 10, 11}),  # names
        (ReportQuery(departments=("sales",)), {2, 3}, {9, 10, 11}),
        (ReportQuery(departments=("Sales",), persons=("E003",)), {3}, {9, 10, 11}),
        (ReportQuery(start=date(2026, 3, 10)), {1, 2, 3}, {10, 11}),
        (ReportQuery(start=date(2026, 3, 10), end=date(2026, 3, 10)), {1, 2, 3}, {10}),
        (ReportQuery(end=date(2026, 3, 9), persons=("2",)), {2}, {9}),
        (ReportQuery(persons=("nobody",)), set(), set()),
    ],
)
def test_filters(query: ReportQuery, people: set[int], days: set[int]) -> None:
    events = [*sample(), ev(at(10, 12), UNKNOWN, None)]
    report = build_report(events, "UTC", query, generated=GEN)
    assert {r.person_id for r in report.days} == people
    assert {r.day.day for r in report.days} == days
    assert {p.person_id for p in report.people} == people
    unknown_listed = any(e.kind is UNKNOWN for e in report.events)
    assert unknown_listed == (not query.persons and not query.departments and 10 in days)


def test_date_range_uses_local_dates_of_the_report_zone() -> None:
    # 31 March 17:30 UTC is already 1 April 01:30 in Shanghai: outside a March report there.
    late = ev(at(31, 17.5), OUT)
    early = ev(at(31, 1), IN)
    march = ReportQuery(start=date(2026, 3, 1), end=date(2026, 3, 31))
    shanghai = build_report([early, late], "Asia/Shanghai", march, generated=GEN)
    assert [e.time for e in shanghai.events] == [early.time]
    assert shanghai.days[0].status == "missing out"
    in_utc = build_report([early, late], "UTC", march, generated=GEN)
    assert in_utc.days[0].worked == timedelta(hours=16.5)


def test_start_after_end_is_refused() -> None:
    with pytest.raises(ConfigError, match="after"):
        ReportQuery(start=date(2026, 3, 2), end=date(2026, 3, 1))


# --- time zones and DST -------------------------------------------------------------------------


def test_spring_forward_day_counts_real_elapsed_time() -> None:
    # Berlin, 29 March 2026: clocks jump 02:00 CET -> 03:00 CEST. In 01:30 CET, out 03:30 CEST.
    row = one_day(
        [ev(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), IN), ev(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), OUT)],
        "Europe/Berlin",
    )
    assert row.worked == timedelta(hours=1)  # the wall clock says 2 h
    assert row.first_in is not None and row.last_out is not None
    assert (row.first_in.time(), row.last_out.time()) == (time(1, 30), time(3, 30))
    assert (row.first_in.utcoffset(), row.last_out.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))


def test_fall_back_day_groups_by_local_date_and_counts_the_repeated_hour() -> None:
    # Berlin, 25 October 2026: 03:00 CEST -> 02:00 CET; in 00:10 CEST (24 Oct 22:10 UTC), out 23:50 CET.
    events = [ev(datetime(2026, 10, 24, 22, 10, tzinfo=UTC), IN), ev(datetime(2026, 10, 25, 22, 50, tzinfo=UTC), OUT)]
    row = one_day(events, "Europe/Berlin")
    assert row.day == date(2026, 10, 25)
    assert row.worked == timedelta(hours=24, minutes=40)  # a 25-hour local day
    assert format_duration(row.worked) == "24:40:00"
    split = build_report(events, "UTC", generated=GEN)
    assert [r.day.day for r in split.days] == [24, 25]  # in UTC the same events are two days


def test_utc_bounds_follow_dst() -> None:
    lo, hi = ReportQuery(start=date(2026, 3, 29), end=date(2026, 3, 29)).utc_bounds("Europe/Berlin")
    assert (lo, hi) == (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert ReportQuery().utc_bounds("UTC") == (None, None)


def test_naive_event_time_and_unknown_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_report([ev(datetime(2026, 3, 10, 9), IN)], "UTC")
    with pytest.raises(ConfigError, match="time zone"):
        build_report([], "Nowhere/Special")


# --- helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(), "0:00:00"),
        (timedelta(seconds=59.6), "0:01:00"),
        (timedelta(hours=41, minutes=30), "41:30:00"),
        (timedelta(minutes=-5), "-0:05:00"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_write_report_checks_the_format(tmp_path: Path) -> None:
    report = build_report(sample(), "UTC", generated=GEN)
    with pytest.raises(ConfigError, match="format"):
        write_report(report, tmp_path / "r.docx")
    out = write_report(report, tmp_path / "sub" / "r.txt", fmt="CSV")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_fonts_are_found_and_their_absence_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    font = reports_module.cjk_font_path()
    assert font.is_file() and font.stat().st_size > 1_000_000
    assert (font.parent / "LICENSE-wqy-microhei-Apache-2.0.txt").is_file()
    monkeypatch.setattr(reports_module, "CJK_FONT_FILE", "no-such-font.ttf")
    with pytest.raises(ResourceNotFoundError, match="reinstall"):
        reports_module.fonts_dir()
