"""Editors of the attendance rules: shifts and assignments (administrator); holidays (administrator);
leave and missing-punch requests, approved by a manager or an administrator.

Each tab is a list over :class:`faceapp.attendance.hrstore.AttendanceStore` plus a small form; every
change is one store call (one transaction with its audit entry). Errors are shown, nothing is half-saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from faceapp.attendance.calendar import LEAVE_KINDS, Holiday, Leave, holidays_from_csv, holidays_from_ics
from faceapp.attendance.exports import add_schedule, remove_schedule, schedules
from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.schedule import Assignment
from faceapp.attendance.shifts import BREAK_KINDS, ROUNDING, Shift, days_text, parse_days
from faceapp.errors import FaceAppError
from faceapp.records import Person

log = logging.getLogger(__name__)
Gate = Callable[[QWidget], bool]


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def _fill(table: QTableWidget, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table.clear()
    table.setColumnCount(len(header))
    table.setHorizontalHeaderLabels(list(header))
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
    table.resizeColumnsToContents()


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def _cell_text(table: QTableWidget, row: int, column: int) -> str:
    """The text of a cell, "" for a cell without an item."""
    item = table.item(row, column)
    return item.text() if item is not None else ""


def _spin(parent: QWidget, value: int, maximum: int = 24 * 60) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(0, maximum)
    box.setValue(value)
    return box


class RulesDialog(QDialog):
    """Tabs: Shifts, Assignments, Holidays, Leave, Missing punches.

    Signals:
        changed(): a rule, holiday, leave or punch changed (the day list should refresh).
    """

    changed = Signal()

    def __init__(self, store: AttendanceStore, people: Sequence[Person], zone: str, require_admin: Gate,
                 require_manager: Gate, actor: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.people, self.zone = store, list(people), zone
        self.require_admin, self.require_manager, self.actor = require_admin, require_manager, actor
        self.setObjectName("rulesDialog")
        self.setWindowTitle(self.tr("Shifts, holidays and leave"))
        self.resize(900, 560)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._shift_tab(), self.tr("Shifts"))
        self.tabs.addTab(self._assignment_tab(), self.tr("Assignments"))
        self.tabs.addTab(self._holiday_tab(), self.tr("Holidays"))
        self.tabs.addTab(self._leave_tab(), self.tr("Leave"))
        self.tabs.addTab(self._punch_tab(), self.tr("Missing punches"))
        self.tabs.addTab(self._export_tab(), self.tr("Scheduled exports"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(close)
        self.reload()

    # -- helpers -------------------------------------------------------------------------------
    def _do(self, gate: Gate, change: Callable[[], object]) -> bool:
        """Run ``change`` after ``gate``; show an error instead of raising; announce the change."""
        if not gate(self):
            return False
        try:
            change()
        except FaceAppError as exc:
            log.warning("attendance rule change refused: %s", exc)
            QMessageBox.warning(self, self.tr("Not saved"), str(exc))
            return False
        self.reload()
        self.changed.emit()
        return True

    def _person_box(self) -> QComboBox:
        box = QComboBox(self)
        for person in self.people:
            box.addItem(f"{person.name} ({person.employee_no})" if person.employee_no else person.name, person.id)
        return box

    def _name_of(self, person_id: int | None) -> str:
        return next((p.name for p in self.people if p.id == person_id), "" if person_id is None else str(person_id))

    def _row(self, *widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def reload(self) -> None:
        """Re-read every list."""
        shifts = self.store.shifts()
        _fill(self.shift_table, [self.tr("Name"), self.tr("Start"), self.tr("End"), self.tr("Days"),
                                 self.tr("Break"), self.tr("Grace late/early"), self.tr("Flexible")],
              [[s.name, f"{s.start:%H:%M}", f"{s.end:%H:%M}", days_text(s.days), s.break_minutes,
                f"{s.grace_late}/{s.grace_early}", "✓" if s.flexible else ""] for s in shifts])
        self.assign_shift.clear()
        self.assign_shift.addItems([s.name for s in shifts])
        self.assignments = self.store.assignments()
        _fill(self.assign_table, [self.tr("Person"), self.tr("Department"), self.tr("Shift"), self.tr("From"),
                                  self.tr("Until")],
              [[self._name_of(a.person_id), a.department, a.target, a.start, a.until or ""] for a in self.assignments])
        self.holiday_list = list(self.store.holidays().values())
        _fill(self.holiday_table, [self.tr("Date"), self.tr("Name")], [[h.day, h.name] for h in self.holiday_list])
        self.leave_list = self.store.leave_entries()
        _fill(self.leave_table, [self.tr("Date"), self.tr("Person"), self.tr("Kind"), self.tr("Half day"),
                                 self.tr("Status"), self.tr("Reason")],
              [[e.leave.day, self._name_of(e.leave.person_id), e.leave.kind, "½" if e.leave.half else "", e.status,
                e.reason] for e in self.leave_list])
        self.request_list = self.store.punch_requests()
        tz = ZoneInfo(self.zone)
        _fill(self.punch_table, [self.tr("Time"), self.tr("Person"), self.tr("Kind"), self.tr("Reason"),
                                 self.tr("Status"), self.tr("Requested by")],
              [[r.time.astimezone(tz).strftime("%Y-%m-%d %H:%M"), self._name_of(r.person_id), r.kind, r.reason,
                r.status, r.requested_by] for r in self.request_list])

        self.schedule_list = schedules(self.store.database)
        _fill(self.export_table, [self.tr("Period"), self.tr("Folder"), self.tr("Language"), self.tr("Last written")],
              [[s.period, s.folder, s.language, s.last_done or ""] for s in self.schedule_list])

    @staticmethod
    def _selected(table: QTableWidget) -> int | None:
        rows = table.selectionModel().selectedRows() if table.selectionModel() else []
        return rows[0].row() if rows else None

    # -- shifts --------------------------------------------------------------------------------
    def _shift_tab(self) -> QWidget:
        tab = QWidget(self)
        self.shift_table = _table(tab)
        self.shift_name = QLineEdit(tab)
        self.shift_start, self.shift_end = QTimeEdit(QTime(9, 0), tab), QTimeEdit(QTime(18, 0), tab)
        self.shift_days = QLineEdit("mon-fri", tab)
        self.grace_late, self.grace_early = _spin(tab, 5), _spin(tab, 5)
        self.break_minutes = _spin(tab, 60)
        self.break_kind = QComboBox(tab)
        self.break_kind.addItems(list(BREAK_KINDS))
        self.half_day_below, self.absent_below = _spin(tab, 0), _spin(tab, 0)
        self.overtime_after, self.overtime_unit = _spin(tab, 30), _spin(tab, 15)
        self.overtime_unit.setMinimum(1)
        self.rounding = QComboBox(tab)
        self.rounding.addItems(list(ROUNDING))
        self.flexible = QCheckBox(self.tr("Flexible (core hours + required time)"), tab)
        self.core_start, self.core_end = QTimeEdit(QTime(10, 0), tab), QTimeEdit(QTime(16, 0), tab)
        self.required = _spin(tab, 480)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.shift_name)
        form.addRow(self.tr("Start / end:"), self._row(self.shift_start, self.shift_end))
        form.addRow(self.tr("Weekdays:"), self.shift_days)
        form.addRow(self.tr("Grace late / early (min):"), self._row(self.grace_late, self.grace_early))
        form.addRow(self.tr("Break (min):"), self._row(self.break_minutes, self.break_kind))
        form.addRow(self.tr("Half day / absent below (min):"), self._row(self.half_day_below, self.absent_below))
        form.addRow(self.tr("Overtime from / unit (min):"), self._row(self.overtime_after, self.overtime_unit,
                                                                     self.rounding))
        form.addRow(self.flexible, self._row(self.core_start, self.core_end, self.required))
        self.shift_table.itemSelectionChanged.connect(self.load_selected_shift)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.shift_table, 1)
        layout.addLayout(form)
        layout.addLayout(self._row(self._button(self.tr("Save shift"), self.save_shift),
                                   self._button(self.tr("Delete shift"), self.delete_shift)))
        return tab

    def load_selected_shift(self) -> None:
        """Show the selected shift in the form, to change it and save it under the same name."""
        row = self._selected(self.shift_table)
        shift = next((s for s in self.store.shifts() if row is not None
                      and s.name == _cell_text(self.shift_table, row, 0)), None)
        if shift is None:
            return
        self.shift_name.setText(shift.name)
        self.shift_start.setTime(QTime(shift.start.hour, shift.start.minute))
        self.shift_end.setTime(QTime(shift.end.hour, shift.end.minute))
        self.shift_days.setText(days_text(shift.days))
        for box, value in ((self.grace_late, shift.grace_late), (self.grace_early, shift.grace_early),
                           (self.break_minutes, shift.break_minutes), (self.half_day_below, shift.half_day_below),
                           (self.absent_below, shift.absent_below), (self.overtime_after, shift.overtime_after),
                           (self.overtime_unit, shift.overtime_unit), (self.required, shift.required_minutes or 480)):
            box.setValue(value)
        self.break_kind.setCurrentText(shift.break_kind)
        self.rounding.setCurrentText(shift.overtime_rounding)
        self.flexible.setChecked(shift.flexible)
        for edit, moment in ((self.core_start, shift.core_start), (self.core_end, shift.core_end)):
            if moment is not None:
                edit.setTime(QTime(moment.hour, moment.minute))

    def shift_from_form(self) -> Shift:
        """The shift the form describes (raises :class:`FaceAppError` when invalid)."""
        def clock(edit: QTimeEdit) -> Any:
            return edit.time().toPython()

        return Shift(self.shift_name.text().strip(), clock(self.shift_start), clock(self.shift_end),
                     parse_days(self.shift_days.text()), break_minutes=self.break_minutes.value(),
                     break_kind=self.break_kind.currentText(), grace_late=self.grace_late.value(),
                     grace_early=self.grace_early.value(), half_day_below=self.half_day_below.value(),
                     absent_below=self.absent_below.value(), flexible=self.flexible.isChecked(),
                     core_start=clock(self.core_start) if self.flexible.isChecked() else None,
                     core_end=clock(self.core_end) if self.flexible.isChecked() else None,
                     required_minutes=self.required.value() if self.flexible.isChecked() else 0,
                     overtime_after=self.overtime_after.value(), overtime_unit=self.overtime_unit.value(),
                     overtime_rounding=self.rounding.currentText())

    def save_shift(self) -> bool:
        return self._do(self.require_admin, lambda: self.store.save_shift(self.shift_from_form(), self.actor()))

    def delete_shift(self) -> bool:
        row = self._selected(self.shift_table)
        if row is None:
            return False
        name = _cell_text(self.shift_table, row, 0)
        return self._do(self.require_admin, lambda: self.store.delete_shift(name, self.actor()))

    # -- assignments ---------------------------------------------------------------------------
    def _assignment_tab(self) -> QWidget:
        tab = QWidget(self)
        self.assign_table = _table(tab)
        self.assign_person = self._person_box()
        self.assign_person.insertItem(0, self.tr("(a whole department)"), None)
        self.assign_person.setCurrentIndex(0)
        self.assign_department = QLineEdit(tab)
        self.assign_department.setPlaceholderText(self.tr("Department"))
        self.assign_shift = QComboBox(tab)
        self.assign_from = QDateEdit(_qdate(date.today().replace(day=1)), tab)
        self.assign_until = QDateEdit(_qdate(date.today()), tab)
        self.assign_open = QCheckBox(self.tr("open-ended"), tab)
        self.assign_open.setChecked(True)
        for edit in (self.assign_from, self.assign_until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        layout = QVBoxLayout(tab)
        layout.addWidget(self.assign_table, 1)
        layout.addLayout(self._row(self.assign_person, self.assign_department, self.assign_shift))
        layout.addLayout(self._row(self.assign_from, self.assign_until, self.assign_open,
                                   self._button(self.tr("Assign"), self.add_assignment),
                                   self._button(self.tr("Remove"), self.delete_assignment)))
        return tab

    def add_assignment(self) -> bool:
        person_id = self.assign_person.currentData()
        department = None if person_id is not None else self.assign_department.text().strip()
        until = None if self.assign_open.isChecked() else _date(self.assign_until)
        return self._do(self.require_admin, lambda: self.store.assign(Assignment(
            self.assign_shift.currentText(), _date(self.assign_from), until, person_id, department), self.actor()))

    def delete_assignment(self) -> bool:
        row = self._selected(self.assign_table)
        if row is None or self.assignments[row].id is None:
            return False
        assignment_id = int(self.assignments[row].id or 0)
        return self._do(self.require_admin, lambda: self.store.delete_assignment(assignment_id, self.actor()))

    # -- holidays ------------------------------------------------------------------------------
    def _holiday_tab(self) -> QWidget:
        tab = QWidget(self)
        self.holiday_table = _table(tab)
        self.holiday_date = QDateEdit(_qdate(date.today()), tab)
        self.holiday_date.setCalendarPopup(True)
        self.holiday_date.setDisplayFormat("yyyy-MM-dd")
        self.holiday_name = QLineEdit(tab)
        self.holiday_name.setPlaceholderText(self.tr("Holiday name"))
        layout = QVBoxLayout(tab)
        layout.addWidget(self.holiday_table, 1)
        layout.addLayout(self._row(self.holiday_date, self.holiday_name,
                                   self._button(self.tr("Add holiday"), self.add_holiday),
                                   self._button(self.tr("Delete"), self.delete_holiday),
                                   self._button(self.tr("Import CSV or iCalendar…"), self.import_holidays)))
        return tab

    def add_holiday(self) -> bool:
        holiday = Holiday(_date(self.holiday_date), self.holiday_name.text().strip() or self.tr("Holiday"))
        return self._do(self.require_admin, lambda: self.store.add_holidays([holiday], self.actor(), "gui"))

    def delete_holiday(self) -> bool:
        row = self._selected(self.holiday_table)
        if row is None:
            return False
        day = self.holiday_list[row].day
        return self._do(self.require_admin, lambda: self.store.delete_holiday(day, self.actor()))

    def ask_holiday_file(self) -> Path | None:
        """The file to import (tests replace this)."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import holidays"), str(Path.home()),
                                              "Calendars (*.ics *.csv)")
        return Path(path) if path else None

    def import_holidays(self) -> bool:
        path = self.ask_holiday_file()
        if path is None:
            return False
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            QMessageBox.warning(self, self.tr("Not imported"), str(exc))
            return False
        result = holidays_from_ics(text) if path.suffix.lower() == ".ics" else holidays_from_csv(text)
        saved = self._do(self.require_admin, lambda: self.store.add_holidays(result.holidays, self.actor(), path.name))
        if saved and result.problems:
            QMessageBox.information(self, self.tr("Some lines were not imported"),
                                    "\n".join(f"{n}: {reason}" for n, reason in result.problems[:20]))
        return saved

    # -- leave ---------------------------------------------------------------------------------
    def _leave_tab(self) -> QWidget:
        tab = QWidget(self)
        self.leave_table = _table(tab)
        self.leave_person = self._person_box()
        self.leave_date = QDateEdit(_qdate(date.today()), tab)
        self.leave_date.setCalendarPopup(True)
        self.leave_date.setDisplayFormat("yyyy-MM-dd")
        self.leave_kind = QComboBox(tab)
        self.leave_kind.addItems(list(LEAVE_KINDS))
        self.leave_half = QCheckBox(self.tr("half day"), tab)
        self.leave_reason = QLineEdit(tab)
        self.leave_reason.setPlaceholderText(self.tr("Reason"))
        layout = QVBoxLayout(tab)
        layout.addWidget(self.leave_table, 1)
        layout.addLayout(self._row(self.leave_person, self.leave_date, self.leave_kind, self.leave_half,
                                   self.leave_reason, self._button(self.tr("Grant leave"), self.add_leave)))
        layout.addLayout(self._row(self._button(self.tr("Approve"), lambda: self.decide_leave(True)),
                                   self._button(self.tr("Reject"), lambda: self.decide_leave(False))))
        return tab

    def add_leave(self) -> bool:
        leave = Leave(self.leave_person.currentData(), _date(self.leave_date), self.leave_kind.currentText(),
                      self.leave_half.isChecked())
        return self._do(self.require_manager,
                        lambda: self.store.add_leave(leave, self.actor(), self.leave_reason.text().strip()))

    def decide_leave(self, approve: bool) -> bool:
        row = self._selected(self.leave_table)
        if row is None:
            return False
        leave_id = self.leave_list[row].id
        return self._do(self.require_manager, lambda: self.store.decide_leave(leave_id, approve, self.actor()))

    # -- missing punches -----------------------------------------------------------------------
    def _punch_tab(self) -> QWidget:
        tab = QWidget(self)
        self.punch_table = _table(tab)
        self.punch_person = self._person_box()
        self.punch_time = QDateTimeEdit(QDateTime.currentDateTime(), tab)
        self.punch_time.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.punch_kind = QComboBox(tab)
        self.punch_kind.addItem(self.tr("Check-in"), "check_in")
        self.punch_kind.addItem(self.tr("Check-out"), "check_out")
        self.punch_reason = QLineEdit(tab)
        self.punch_reason.setPlaceholderText(self.tr("Required: why is the punch missing?"))
        layout = QVBoxLayout(tab)
        layout.addWidget(self.punch_table, 1)
        layout.addLayout(self._row(self.punch_person, self.punch_time, self.punch_kind, self.punch_reason,
                                   self._button(self.tr("Request"), self.request_punch)))
        layout.addLayout(self._row(self._button(self.tr("Approve"), lambda: self.decide_punch(True)),
                                   self._button(self.tr("Reject"), lambda: self.decide_punch(False))))
        return tab

    def prefill_punch(self, person_id: int, when: datetime, kind: str) -> None:
        """Show the Missing punches tab with a request for ``person_id`` at ``when`` prepared."""
        self.tabs.setCurrentIndex(4)
        self.punch_person.setCurrentIndex(max(self.punch_person.findData(person_id), 0))
        local = when.astimezone(ZoneInfo(self.zone)).replace(tzinfo=None)
        self.punch_time.setDateTime(QDateTime(QDate(local.year, local.month, local.day),
                                              QTime(local.hour, local.minute, local.second,
                                                    local.microsecond // 1000)))
        self.punch_kind.setCurrentIndex(max(self.punch_kind.findData(kind), 0))
        self.punch_reason.setFocus()

    def request_punch(self) -> bool:
        picked = self.punch_time.dateTime().toPython()
        if not isinstance(picked, datetime):
            raise TypeError(f"QDateTime.toPython gave {type(picked).__name__}, not a datetime")
        local = picked.replace(second=0, microsecond=0)
        when = datetime.combine(local.date(), local.time(), tzinfo=ZoneInfo(self.zone))
        return self._do(lambda _parent: True, lambda: self.store.request_punch(
            self.punch_person.currentData(), when, self.punch_kind.currentData(), self.punch_reason.text(),
            self.zone, self.actor()))

    def decide_punch(self, approve: bool) -> bool:
        row = self._selected(self.punch_table)
        if row is None:
            return False
        request_id = self.request_list[row].id
        return self._do(self.require_manager, lambda: self.store.decide_punch(request_id, approve, self.actor()))

    # -- scheduled exports ---------------------------------------------------------------------
    def _export_tab(self) -> QWidget:
        tab = QWidget(self)
        self.export_table = _table(tab)
        self.export_period = QComboBox(tab)
        self.export_period.addItem(self.tr("Daily (day list and exceptions)"), "daily")
        self.export_period.addItem(self.tr("Monthly (time cards, summary, punches)"), "monthly")
        self.export_folder = QLineEdit(tab)
        self.export_folder.setPlaceholderText(self.tr("Folder, e.g. a shared drive"))
        self.export_language = QComboBox(tab)
        self.export_language.addItem("English", "en")
        self.export_language.addItem("简体中文", "zh_CN")
        layout = QVBoxLayout(tab)
        layout.addWidget(self.export_table, 1)
        layout.addLayout(self._row(self.export_period, self.export_folder,
                                   self._button(self.tr("Browse…"), self.browse_export_folder), self.export_language,
                                   self._button(self.tr("Add"), self.add_export),
                                   self._button(self.tr("Remove"), self.remove_export)))
        return tab

    def browse_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export folder"), str(Path.home()))
        if folder:
            self.export_folder.setText(folder)

    def add_export(self) -> bool:
        folder = self.export_folder.text().strip()
        if not folder:
            return False
        return self._do(self.require_admin, lambda: add_schedule(
            self.store.database, self.export_period.currentData(), folder, self.export_language.currentData(),
            self.actor()))

    def remove_export(self) -> bool:
        row = self._selected(self.export_table)
        if row is None:
            return False
        schedule_id = self.schedule_list[row].id
        return self._do(self.require_admin, lambda: remove_schedule(self.store.database, schedule_id, self.actor()))
