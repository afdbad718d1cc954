"""Scheduled exports: daily and monthly report files in a folder, missed runs caught up.

A schedule (table ``export_schedules``) names a period (``daily`` or ``monthly``), a folder and a
language, and remembers the last period it wrote. :func:`run_due` writes every period that has ended
since then (each day up to yesterday, each month up to last month; at most :data:`MAX_CATCH_UP`
periods, the newest ones), so a program closed over the weekend catches up at its next start. The
clock is injected. Files are written atomically (temporary file + rename) and every run is recorded in
the audit log. The GUI calls :func:`run_due` at start and on a timer; the CLI has
``faceapp report schedule run``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from faceapp.attendance.hr_reports import ReportSpec, write
from faceapp.attendance.hrstore import AttendanceStore, _now, _record
from faceapp.attendance.timecard import compute_days
from faceapp.errors import ConfigError

if TYPE_CHECKING:
    from faceapp.store.db import Database

log = logging.getLogger(__name__)

PERIODS = ("daily", "monthly")
MAX_CATCH_UP = 31
_FILES = {"daily": (("daily", "csv"), ("exceptions", "csv")),
          "monthly": (("timecard", "pdf"), ("timecard", "xlsx"), ("summary", "xlsx"), ("punches", "csv"))}


@dataclass(frozen=True)
class Schedule:
    id: int
    period: str
    folder: Path
    language: str
    last_done: str | None  # "2026-03-04" or "2026-03"


def add_schedule(database: Database, period: str, folder: str | Path, language: str = "en",
                 actor: str = "system") -> Schedule:
    """Add (or keep) a schedule writing ``period`` reports into ``folder``."""
    if period not in PERIODS:
        raise ConfigError(f"an export schedule is daily or monthly, not {period!r}")
    folder = Path(folder).expanduser().resolve()
    with database.transaction() as db:
        db.execute("INSERT INTO export_schedules (period, folder, language, created) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(period, folder) DO UPDATE SET language = excluded.language",
                   (period, str(folder), language, _now()))
        _record(db, actor, "export.schedule", "export", None, period=period, folder=str(folder), language=language)
    return next(s for s in schedules(database) if s.period == period and s.folder == folder)


def schedules(database: Database) -> list[Schedule]:
    return [Schedule(i, p, Path(f), lang, last) for i, p, f, lang, last in database.rows(
        "SELECT id, period, folder, language, last_done FROM export_schedules ORDER BY id")]


def remove_schedule(database: Database, schedule_id: int, actor: str = "system") -> None:
    with database.transaction() as db:
        db.execute("DELETE FROM export_schedules WHERE id = ?", (schedule_id,))
        _record(db, actor, "export.unschedule", "export", schedule_id)


def due_periods(schedule: Schedule, today: date) -> list[tuple[str, date, date]]:
    """The periods (key, first day, last day) that ended since the schedule last ran, oldest first."""
    if schedule.period == "daily":
        last = date.fromisoformat(schedule.last_done) if schedule.last_done else today - timedelta(days=2)
        days = [last + timedelta(days=i) for i in range(1, (today - last).days)][-MAX_CATCH_UP:]
        return [(d.isoformat(), d, d) for d in days]
    this_month = today.replace(day=1)
    if schedule.last_done:
        year, month = map(int, schedule.last_done.split("-"))
        cursor = _next_month(date(year, month, 1))
    else:
        cursor = _previous_month(this_month)
    periods = []
    while cursor < this_month:
        periods.append((f"{cursor:%Y-%m}", cursor, _next_month(cursor) - timedelta(days=1)))
        cursor = _next_month(cursor)
    return periods[-MAX_CATCH_UP:]


def run_due(database: Database, zone: str, now: datetime | None = None, actor: str = "scheduler") -> list[Path]:
    """Write every due report of every schedule; return the files written."""
    from faceapp.store.people import People

    now = now or datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo(zone)).date()
    store = AttendanceStore(database)
    written: list[Path] = []
    for schedule in schedules(database):
        done = schedule.last_done
        for key, start, end in due_periods(schedule, today):
            if not _claim(database, schedule.id, done, key):
                log.info("export %s %s is being written by another program", schedule.period, key)
                break
            try:
                people = People(database).list(active=True)
                days = compute_days(store, people, start, end, zone, now=now)
                files = []
                for kind, suffix in _FILES[schedule.period]:
                    spec = ReportSpec(kind, start, end, zone, schedule.language, now)
                    files.append(write(days, spec, schedule.folder / f"{kind}-{key}.{suffix}"))
            except BaseException:
                _claim(database, schedule.id, key, done)  # give the period back: the next run retries it
                raise
            done = key
            with database.transaction() as db:
                _record(db, actor, "export.run", "export", schedule.id, period=schedule.period, key=key,
                        files=[p.name for p in files], folder=str(schedule.folder))
            log.info("scheduled %s export %s: %d files in %s", schedule.period, key, len(files), schedule.folder)
            written += files
    return written


def _claim(database: Database, schedule_id: int, expected: str | None, key: str | None) -> bool:
    """Move the schedule's ``last_done`` from ``expected`` to ``key`` in one statement; False when another
    program (another window, the CLI) moved it first, so two programs never write the same period."""
    with database.transaction() as db:
        changed = db.execute("UPDATE export_schedules SET last_done = ? WHERE id = ? AND last_done IS ?",
                             (key, schedule_id, expected)).rowcount
    return bool(changed)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
