"""The schedule syntax: parsing, errors, round trip."""

from __future__ import annotations

from datetime import datetime

import pytest

from faceapp.access.schedule import Schedule, Window
from faceapp.errors import ConfigError


def test_parse_days_ranges_and_several_windows() -> None:
    schedule = Schedule.parse("mon-fri 08:00-12:00, 13:00-18:00; sat 09:00-12:00")
    assert len(schedule.windows) == 11
    assert Window(0, 480, 720) in schedule.windows and Window(5, 540, 720) in schedule.windows
    assert schedule.is_open(datetime(2026, 12, 2, 11, 0)) and not schedule.is_open(datetime(2026, 12, 2, 12, 30))


def test_wrapping_day_range_and_aliases() -> None:
    assert {w.day for w in Schedule.parse("fri-mon 10:00-11:00").windows} == {4, 5, 6, 0}
    assert {w.day for w in Schedule.parse("weekends 00:00-24:00").windows} == {5, 6}
    assert Schedule.parse("always").is_open(datetime(2026, 1, 1, 3, 0))
    assert not Schedule.parse("").is_open(datetime(2026, 1, 1, 3, 0))


def test_round_trip() -> None:
    schedule = Schedule.parse("mon 22:00-06:00; tue,thu 08:00-18:00")
    assert Schedule.parse(schedule.text()) == schedule
    assert schedule.windows[0].crosses_midnight
    assert Schedule.parse("mon-fri 08:00-12:00,13:00-18:00; sat 09:00-12:00").text() == (
        "mon-fri 08:00-12:00, 13:00-18:00; sat 09:00-12:00")


@pytest.mark.parametrize("text", ["mon", "funday 08:00-09:00", "mon 8-9", "mon 25:00-26:00", "mon 08:00-08:00",
                                  "mon 08:61-09:00", "mon 10:00-24:30"])
def test_bad_schedules_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ConfigError):
        Schedule.parse(text)
