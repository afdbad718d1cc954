"""The attendance rules in the database: migration (manager role), leave and missing-punch approval with
audit, holiday imports (CSV, iCalendar), scheduled exports with catch-up, atomic files."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from faceapp.attendance.calendar import Holiday, Leave, holidays_from_csv, holidays_from_ics
from faceapp.attendance.exports import add_schedule, due_periods, run_due, schedules
from faceapp.attendance.hr_reports import ReportSpec, atomic_path, write
from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.schedule import Assignment
from faceapp.attendance.shifts import Shift
from faceapp.attendance.timecard import compute_days
from faceapp.errors import ConfigError, DataError, StorageError
from faceapp.store.audit import AuditLog
from faceapp.store.auth import Role, Users
from faceapp.store.db import Database
from faceapp.store.people import People

ZONE = "Asia/Shanghai"


@pytest.fixture()
def database(tmp_path: Path):
    db = Database(tmp_path / "faceapp.db")
    yield db
    db.close()


@pytest.fixture()
def store(database: Database) -> AttendanceStore:
    people = People(database)
    people.add("Li Na", employee_no="E1", department="Ops")
    people.add("Wang Fang", employee_no="E2", department="Ops")
    s = AttendanceStore(database)
    s.save_shift(Shift("Office", time(9), time(18), break_minutes=60))
    s.assign(Assignment("Office", date(2026, 1, 1), department="Ops"))
    return s


def test_migration_allows_manager_and_keeps_users(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.db")
    users = Users(db)
    users.add("boss", "long-password", Role.ADMIN)
    users.add("head", "long-password", Role.MANAGER)
    assert [(u.name, u.role) for u in users.list()] == [("boss", Role.ADMIN), ("head", Role.MANAGER)]
    assert users.authenticate("head", "long-password").role is Role.MANAGER
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO users (name, role, password, created, updated) VALUES ('x', 'root', '', '', '')")
    db.close()


def test_leave_pending_until_approved_and_audited(store: AttendanceStore, database: Database) -> None:
    entry = store.add_leave(Leave(1, date(2026, 3, 3), "sick"), actor="li", approved=False)
    assert entry.status == "pending" and store.approved_leave(date(2026, 3, 1), date(2026, 3, 31)) == {}
    with pytest.raises(DataError):
        store.add_leave(Leave(1, date(2026, 3, 3)), actor="li")  # one entry per person-day
    decided = store.decide_leave(entry.id, True, actor="head")
    assert (decided.status, decided.decided_by) == ("approved", "head")
    assert store.approved_leave(date(2026, 3, 1), date(2026, 3, 31))[1][date(2026, 3, 3)].kind == "sick"
    with pytest.raises(DataError):
        store.decide_leave(entry.id, False, actor="head")
    actions = [e.action for e in AuditLog(database).entries(entity="leave")]
    assert actions == ["leave.approve", "leave.request"]


def test_missing_punch_request_becomes_an_audited_manual_event(store: AttendanceStore, database: Database) -> None:
    day = date(2026, 3, 4)
    moment = datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)
    before = compute_days(store, People(database).list(), day, day, "UTC")
    assert before[0].result.status.value == "absent"
    with pytest.raises(DataError):
        store.request_punch(1, moment, "check_in", "  ", ZONE)
    request = store.request_punch(1, moment, "check_in", "badge reader broken", "UTC", actor="li")
    store.request_punch(1, moment.replace(hour=18), "check_out", "badge reader broken", "UTC", actor="li")
    assert compute_days(store, People(database).list(), day, day, "UTC")[0].result.status.value == "absent"
    approved = store.decide_punch(request.id, True, actor="head")
    other = store.punch_requests("pending")[0]
    store.decide_punch(other.id, True, actor="head")
    assert approved.status == "approved" and approved.event_id is not None
    result = compute_days(store, People(database).list(), day, day, "UTC")[0].result
    assert (result.status.value, result.worked_minutes) == ("present", 480)
    assert {p.source for p in result.punches} == {"manual"}
    corrections = [e for e in AuditLog(database).entries(entity="event") if e.action == "event.correct"]
    assert corrections[-1].details["reason"] == "badge reader broken" and corrections[-1].actor == "head"


def test_holiday_imports_csv_and_ics() -> None:
    csv_result = holidays_from_csv("date,name\n2026-01-01,New Year\n2026-13-01,Bad\n2026-05-01\n")
    assert csv_result.holidays == (Holiday(date(2026, 1, 1), "New Year"),)
    assert [n for n, _ in csv_result.problems] == [3, 4]
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261001\r\n"
           "DTEND;VALUE=DATE:20261004\r\nSUMMARY:National Day\\, Golden\r\n  Week\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nSUMMARY:Christmas\r\n"
           "END:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20260101\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    result = holidays_from_ics(ics)
    assert [(h.day.isoformat(), h.name) for h in result.holidays] == [
        ("2026-10-01", "National Day, Golden Week"), ("2026-10-02", "National Day, Golden Week"),
        ("2026-10-03", "National Day, Golden Week"), ("2026-12-25", "Christmas"), ("2027-12-25", "Christmas")]
    assert len(result.problems) == 1 and "not supported" in result.problems[0][1]
    assert holidays_from_ics("hello").problems


def test_due_periods_catch_up_missed_runs() -> None:
    from faceapp.attendance.exports import Schedule

    daily = Schedule(1, "daily", Path("/x"), "en", "2026-03-02")
    assert [k for k, _, _ in due_periods(daily, date(2026, 3, 6))] == ["2026-03-03", "2026-03-04", "2026-03-05"]
    assert due_periods(Schedule(1, "daily", Path("/x"), "en", None), date(2026, 3, 6))[0][0] == "2026-03-05"
    monthly = Schedule(2, "monthly", Path("/x"), "en", "2025-11")
    assert [(k, e) for k, _, e in due_periods(monthly, date(2026, 2, 10))] == [
        ("2025-12", date(2025, 12, 31)), ("2026-01", date(2026, 1, 31))]
    assert due_periods(Schedule(2, "monthly", Path("/x"), "en", "2026-01"), date(2026, 2, 27)) == []


def test_run_due_writes_files_atomically_records_and_does_not_repeat(store: AttendanceStore, database: Database,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "share"
    add_schedule(database, "daily", out, "zh_CN")
    add_schedule(database, "monthly", out)
    now = datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai on 3 March
    written = run_due(database, ZONE, now=now)
    names = sorted(p.name for p in written)
    assert names == ["daily-2026-03-02.csv", "exceptions-2026-03-02.csv", "punches-2026-02.csv",
                     "summary-2026-02.xlsx", "timecard-2026-02.pdf", "timecard-2026-02.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == names  # no temporary files left
    assert run_due(database, ZONE, now=now) == []
    later = datetime(2026, 3, 6, 1, 0, tzinfo=timezone.utc)
    assert sorted(p.name for p in run_due(database, ZONE, now=later) if p.name.startswith("daily")) == [
        "daily-2026-03-03.csv", "daily-2026-03-04.csv", "daily-2026-03-05.csv"]
    assert {s.last_done for s in schedules(database)} == {"2026-03-05", "2026-02"}
    runs = [e for e in AuditLog(database).entries(entity="export") if e.action == "export.run"]
    assert len(runs) == 5


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk gone")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(ConfigError):
        write([], ReportSpec("timecard", date(2026, 3, 1), date(2026, 3, 31), ZONE), tmp_path / "x.txt")


def test_cli_creates_a_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from faceapp.cli import main

    home = tmp_path / "home"
    monkeypatch.setattr("sys.stdin", io.StringIO("long-password\n"))
    assert main(["admin", "create", "head", "--role", "manager", "--basedir", str(home)]) == 0
    with Database(home / "data" / "faceapp.db") as db:
        assert Users(db).get("head").role is Role.MANAGER


def test_cli_punch_request_and_leave_request_need_approval(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from faceapp.cli import main

    home = tmp_path / "home"
    with Database(home / "data" / "faceapp.db") as db:
        People(db).add("Li Na", employee_no="E1", department="Ops")
    base = ["--basedir", str(home), "--json"]
    assert main(["shift", "add", "Office", "--start", "09:00", "--end", "17:00", *base]) == 0
    assert main(["shift", "assign", "E1", "Office", "--from", "2026-03-01", *base]) == 0
    assert main(["punch", "request", "E1", "2026-03-02T09:00+00:00", "--kind", "in", "--reason", "reader down",
                 *base]) == 0
    assert main(["punch", "request", "E1", "2026-03-02T17:00+00:00", "--kind", "out", "--reason", "reader down",
                 *base]) == 0
    assert main(["leave", "add", "E1", "2026-03-03", "--request", *base]) == 0
    capsys.readouterr()
    day = ["report", "--kind", "daily", "--from", "2026-03-02", "--to", "2026-03-03", "--zone", "UTC", *base]
    assert main(day) == 0
    assert [json.loads(line)["status"] for line in capsys.readouterr().out.splitlines()] == ["absent", "absent"]
    for command in (["punch", "approve", "1"], ["punch", "approve", "2"], ["leave", "approve", "1"]):
        assert main([*command, *base]) == 0
    assert main(["punch", "approve", "1", *base]) == 2  # already approved: a clear error
    capsys.readouterr()
    assert main(day) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["status"], r["worked_minutes"]) for r in rows] == [("present", 480), ("on_leave", 0)]


def test_cli_holiday_import_and_day_list_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import json

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from faceapp.cli import main

    home = tmp_path / "home"
    with Database(home / "data" / "faceapp.db") as db:
        People(db).add("王芳", employee_no="E9", department="Lab")
    base = ["--basedir", str(home)]
    ics = tmp_path / "cn.ics"
    ics.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260302\nSUMMARY:春节补假\nEND:VEVENT\n"
                   "BEGIN:VEVENT\nSUMMARY:no date\nEND:VEVENT\nEND:VCALENDAR\n", encoding="utf-8")
    assert main(["holiday", "import", str(ics), "--json", *base]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["added"], [r["line"] for r in result["rejected"]]) == (1, [6])
    assert main(["shift", "add", "Office", "--start", "09:00", "--end", "17:00", *base]) == 0
    assert main(["shift", "assign", "--department", "Lab", "Office", "--from", "2026-03-01", *base]) == 0
    span = ["--from", "2026-03-02", "--to", "2026-03-03", "--zone", "UTC", "--language", "zh_CN", *base]
    for kind, name in (("exceptions", "e.pdf"), ("daily", "d.xlsx"), ("punches", "p.csv"), ("summary", "s.csv")):
        assert main(["report", "--kind", kind, "--out", str(tmp_path / name), *span]) == 0
    text = PdfReader(tmp_path / "e.pdf").pages[0].extract_text()
    assert "考勤异常" in text and "王芳" in text and "旷工" in text and "春节补假" not in text  # 2 March is a holiday
    sheet = load_workbook(tmp_path / "d.xlsx").active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["2026-03-02", "2026-03-03"]
    assert [row[12] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["节假日 (春节补假)", "旷工"]
    assert next(csv.reader((tmp_path / "p.csv").open(encoding="utf-8-sig")))[0] == "person"
    rows = list(csv.reader((tmp_path / "s.csv").open(encoding="utf-8-sig")))
    assert rows[-1][0] == "TOTAL" and rows[1][0] == "王芳"


def test_a_period_is_written_by_one_program_and_retried_after_a_failure(store: AttendanceStore, database: Database,
                                                                         tmp_path: Path) -> None:
    from faceapp.attendance.exports import _claim

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the export folder should be")
    schedule = add_schedule(database, "daily", blocked)
    assert _claim(database, schedule.id, None, "2026-03-01")
    assert not _claim(database, schedule.id, None, "2026-03-01")  # a second program lost the race
    assert _claim(database, schedule.id, "2026-03-01", None)
    now = datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)
    with pytest.raises(StorageError, match="not-a-folder"):
        run_due(database, ZONE, now=now)
    assert schedules(database)[0].last_done is None  # given back: the next run tries again
    blocked.unlink()
    assert [p.name for p in run_due(database, ZONE, now=now)] == ["daily-2026-03-02.csv", "exceptions-2026-03-02.csv"]
