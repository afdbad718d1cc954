"""The Attendance page's Days tab, the rules editors, the manager role and the export scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from faceapp.attendance.calendar import Leave
from faceapp.attendance.exports import add_schedule
from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.schedule import Assignment
from faceapp.attendance.shifts import Shift
from faceapp.config import Paths, Settings
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.store.auth import Role, Users
from faceapp.ui.admin import AdminSession
from faceapp.ui.pages.attendance import AttendancePage
from faceapp.ui.pages.attendance_days import EXCEPTIONS_ONLY, DayStatusPanel
from faceapp.ui.pages.attendance_hr import ExportScheduler, attach_days

ZONE = "Europe/Berlin"
TZ = ZoneInfo(ZONE)
NOW = datetime(2026, 3, 6, 12, 0, tzinfo=timezone.utc)  # Friday 6 March 2026, 13:00 in Berlin


class Gate:
    def __init__(self, allow: bool = True) -> None:
        self.allow, self.asked = allow, 0

    def __call__(self, parent: object) -> bool:
        self.asked += 1
        return self.allow


@pytest.fixture()
def gallery(tmp_path: Path) -> Iterator[Gallery]:
    made = Gallery.open(Paths.resolve(tmp_path / "home").ensure(), "synthetic-8", 8)
    ada = made.add_person("Ada Lovelace", employee_no="E1", department="Research")
    li = made.add_person("李雷", employee_no="E2", department="Sales")
    store = AttendanceStore(made.database)
    store.save_shift(Shift("Office", time(9), time(17), grace_late=5))
    store.assign(Assignment("Office", date(2026, 1, 1), department="Research"))
    store.assign(Assignment("Office", date(2026, 1, 1), department="Sales"))
    for person, day, hh, mm, kind in ((ada, 2, 9, 0, EventKind.CHECK_IN), (ada, 2, 17, 0, EventKind.CHECK_OUT),
                                      (ada, 3, 9, 30, EventKind.CHECK_IN), (ada, 3, 17, 0, EventKind.CHECK_OUT),
                                      (li, 2, 8, 55, EventKind.CHECK_IN)):
        when = datetime(2026, 3, day, hh, mm, tzinfo=TZ)
        made.events.add(Event(None, when, ZONE, kind, person.id, person.name, person.employee_no, person.department,
                              0.8, 0.3, "desk-1"))
    yield made
    made.close()


def _panel(qtbot: QtBot, gallery: Gallery, gate: Gate | None = None) -> DayStatusPanel:
    panel = DayStatusPanel(gallery, ZONE, gate or Gate(), clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.from_edit.setDate(QDate(2026, 3, 2))
    panel.to_edit.setDate(QDate(2026, 3, 6))
    return panel


def test_days_tab_shows_status_per_day_with_filters(qtbot: QtBot, qtmodeltester: object, gallery: Gallery) -> None:
    panel = _panel(qtbot, gallery)
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]
    assert panel.model.rowCount() == 10  # 2 people x 5 days
    rows = [panel.model.day_at(r) for r in range(panel.model.rowCount())]
    statuses = {(d.name, d.result.day.day): d.result.status.value for d in rows}
    assert statuses[("Ada Lovelace", 2)] == "present" and statuses[("Ada Lovelace", 3)] == "late"
    assert statuses[("李雷", 2)] == "missing_punch" and statuses[("李雷", 4)] == "absent"
    assert statuses[("Ada Lovelace", 6)] == "pending"  # Friday is not over at 13:00
    panel.status_box.setCurrentIndex(panel.status_box.findData(EXCEPTIONS_ONLY))
    assert {panel.model.day_at(r).result.status.value for r in range(panel.model.rowCount())} == {
        "late", "missing_punch", "absent"}
    assert "exceptions" in panel.count_label.text()
    panel.person_edit.setText("E2")
    assert {panel.model.day_at(r).name for r in range(panel.model.rowCount())} == {"李雷"}
    status_col = panel.model.COLUMNS.index("status")
    assert panel.model.index(0, status_col).data() in ("Missing punch", "Absent")


def test_exports_time_cards_after_the_manager_gate(qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    gate = Gate(allow=False)
    panel = _panel(qtbot, gallery, gate)
    panel.ask_path = lambda kind: tmp_path / f"{kind}.pdf"  # type: ignore[method-assign]
    assert not panel.export("timecard") and gate.asked == 1
    gate.allow = True
    with qtbot.waitSignal(panel.exporter.finished, timeout=20_000):
        assert panel.export("timecard")
    assert (tmp_path / "timecard.pdf").read_bytes().startswith(b"%PDF")


@pytest.fixture()
def page(qtbot: QtBot, gallery: Gallery) -> AttendancePage:
    made = AttendancePage(gallery, Settings(), ZONE, Gate(), actor=lambda: "boss")
    qtbot.addWidget(made)
    return made


def test_rules_dialog_edits_shifts_holidays_leave_and_missing_punches(
        qtbot: QtBot, gallery: Gallery, page: AttendancePage, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    admin, manager = Gate(allow=False), Gate()
    panel = attach_days(page, gallery, ZONE, admin, manager, lambda: "head")
    assert page.tabs.count() == 2
    dialog = panel.open_rules()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    store = panel.store
    dialog.shift_name.setText("Night")
    dialog.shift_start.setTime(QTime(22, 0))
    dialog.shift_end.setTime(QTime(6, 0))
    dialog.shift_days.setText("all")
    assert not dialog.save_shift() and admin.asked == 1  # a manager cannot change shifts
    admin.allow = True
    assert dialog.save_shift()
    night = next(s for s in store.shifts() if s.name == "Night")
    assert night.crosses_midnight and night.days == frozenset(range(7))
    dialog.shift_name.setText("")
    dialog.shift_table.selectRow(0)  # "Night" comes before "Office": the form shows it for editing
    assert (dialog.shift_name.text(), dialog.shift_start.time().hour(), dialog.shift_days.text()) == (
        "Night", 22, "mon,tue,wed,thu,fri,sat,sun")
    dialog.shift_end.setTime(QTime(22, 0))
    assert not dialog.save_shift() and "same time" in warnings[-1]
    dialog.holiday_date.setDate(QDate(2026, 3, 4))
    dialog.holiday_name.setText("Founders' day")
    assert dialog.add_holiday() and dialog.holiday_table.rowCount() == 1
    dialog.leave_person.setCurrentIndex(dialog.leave_person.findData(1))
    dialog.leave_date.setDate(QDate(2026, 3, 5))
    assert dialog.add_leave()
    assert store.approved_leave(date(2026, 3, 1), date(2026, 3, 31))[1][date(2026, 3, 5)] == Leave(1, date(2026, 3, 5))
    dialog.punch_person.setCurrentIndex(dialog.punch_person.findData(2))
    dialog.punch_time.setDateTime(datetime(2026, 3, 2, 17, 0))
    dialog.punch_kind.setCurrentIndex(dialog.punch_kind.findData("check_out"))
    dialog.punch_reason.setText("forgot to check out")
    assert dialog.request_punch() and store.punch_requests("pending")
    dialog.punch_table.selectRow(0)
    manager.allow = False
    assert not dialog.decide_punch(True) and store.punch_requests("pending")
    manager.allow = True
    assert dialog.decide_punch(True)
    request = store.punch_requests()[0]
    assert request.status == "approved" and gallery.events.get(int(request.event_id or 0)).camera == "manual"
    dialog.export_folder.setText(str(gallery.paths.data / "exports"))
    dialog.export_period.setCurrentIndex(dialog.export_period.findData("monthly"))
    dialog.export_language.setCurrentIndex(dialog.export_language.findData("zh_CN"))
    assert dialog.add_export() and dialog.export_table.rowCount() == 1
    assert dialog.export_table.item(0, 0).text() == "monthly" and dialog.export_table.item(0, 2).text() == "zh_CN"
    dialog.export_table.selectRow(0)
    assert dialog.remove_export() and dialog.export_table.rowCount() == 0
    panel.clock = lambda: NOW  # type: ignore[method-assign]
    panel.from_edit.setDate(QDate(2026, 3, 2))
    panel.to_edit.setDate(QDate(2026, 3, 5))
    panel.person_edit.setText("E2")
    days = {panel.model.day_at(r).result.day.day: panel.model.day_at(r).result for r in range(panel.model.rowCount())}
    assert days[2].status.value == "present" and days[2].worked_minutes == 485
    assert days[4].status.value == "holiday"


def test_manager_can_approve_but_not_administer(qtbot: QtBot, gallery: Gallery) -> None:
    users = Users(gallery.database)
    users.add("boss", "long-password", Role.ADMIN)
    head = users.add("head", "long-password", Role.MANAGER)
    asked: list[str] = []

    def prompt(parent: object, _users: Users):  # the login dialog, answered by the manager
        asked.append("login")
        return head

    session = AdminSession(users, 0, prompt=prompt)
    assert session.require_manager(None) and session.actor == "head"
    assert session.require_manager(None) and asked == ["login"]  # still logged in
    assert not session.require_admin(None) and asked == ["login", "login"]  # enrol, delete, settings: refused
    session.lock()
    session.prompt = session.manager_prompt = lambda parent, _users: users.get("boss")
    assert session.require_admin(None) and session.require_manager(None)


def test_scheduler_catches_up_at_start(qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    add_schedule(gallery.database, "daily", tmp_path / "share")
    scheduler = ExportScheduler(gallery, ZONE, clock=lambda: NOW)
    with qtbot.waitSignal(scheduler.written, timeout=20_000) as blocker:
        scheduler.start()
    scheduler.shutdown()
    assert sorted(Path(p).name for p in blocker.args[0]) == ["daily-2026-03-05.csv", "exceptions-2026-03-05.csv"]


def test_double_click_on_a_missing_punch_prepares_the_request(qtbot: QtBot, gallery: Gallery,
                                                              page: AttendancePage) -> None:
    panel = attach_days(page, gallery, ZONE, Gate(), Gate(), lambda: "head")
    panel.clock = lambda: NOW  # type: ignore[method-assign]
    panel.from_edit.setDate(QDate(2026, 3, 2))
    panel.to_edit.setDate(QDate(2026, 3, 2))
    panel.person_edit.setText("E2")
    assert panel.model.rowCount() == 1 and panel.model.day_at(0).result.status.value == "missing_punch"
    dialog = panel.request_missing(0)  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    assert dialog.tabs.currentIndex() == 4
    assert (dialog.punch_person.currentData(), dialog.punch_kind.currentData()) == (2, "check_out")
    assert dialog.punch_time.dateTime().toPython() == datetime(2026, 3, 2, 17, 0)  # the shift's end, local
    panel.person_edit.setText("E1")
    assert panel.request_missing(0) is None  # a present day needs no request  # type: ignore[attr-defined]


def test_text_and_status_filters_do_not_recompute_and_time_cards_keep_every_day(
        qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    panel = _panel(qtbot, gallery)
    calls: list[int] = []
    original = panel._compute_all
    panel._compute_all = lambda: calls.append(1) or original()  # type: ignore[method-assign]
    panel.person_edit.setText("E1")
    panel.status_box.setCurrentIndex(panel.status_box.findData(EXCEPTIONS_ONLY))
    assert calls == [] and panel.model.rowCount() == 3  # late on the 3rd, absent on the 4th and 5th
    panel.to_edit.setDate(QDate(2026, 3, 5))
    assert calls == [1] and panel.model.rowCount() == 3
    panel.ask_path = lambda kind: tmp_path / "ada.xlsx"  # type: ignore[method-assign]
    with qtbot.waitSignal(panel.exporter.finished, timeout=20_000):
        assert panel.export("timecard")
    sheet = load_workbook(tmp_path / "ada.xlsx")["E1"]
    dates = [r[0] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] and str(r[0]).startswith("2026")]
    assert dates == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]  # all days, not only exceptions
