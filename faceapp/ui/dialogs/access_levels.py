"""Access levels and their weekly schedules, and the holiday calendar."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceapp.access.schedule import Schedule
from faceapp.access.store import AccessStore
from faceapp.errors import FaceAppError


class LevelsDialog(QDialog):
    """Pick a level on the left (or "New level"), edit its doors, schedule and holiday rule, save."""

    def __init__(self, store: AccessStore, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Access levels and schedules"))
        self.resize(760, 480)
        self.store, self.actor = store, actor
        self.levels = QListWidget(self)
        self.levels.currentRowChanged.connect(self._show)
        self.name = QLineEdit(self)
        self.doors = QListWidget(self)
        self.schedule = QLineEdit(self)
        self.schedule.setPlaceholderText("mon-fri 08:00-18:00; sat 09:00-12:00")
        self.schedule.textChanged.connect(self._check_schedule)
        self.schedule_note = QLabel(self)
        self.schedule_note.setWordWrap(True)
        self.holidays_open = QCheckBox(self.tr("Open on holidays"), self)
        self.status = QLabel(self)
        self.save_button = QPushButton(self.tr("Save level"), self)
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton(self.tr("Delete level"), self)
        self.delete_button.clicked.connect(self.delete)
        self.holidays = QListWidget(self)
        self.holiday_date = QDateEdit(QDate.currentDate(), self)
        self.holiday_date.setCalendarPopup(True)
        self.holiday_name = QLineEdit(self)
        self.holiday_name.setPlaceholderText(self.tr("Name of the holiday"))
        self._build()
        self.reload()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Doors:"), self.doors)
        form.addRow(self.tr("Schedule:"), self.schedule)
        form.addRow("", self.schedule_note)
        form.addRow("", self.holidays_open)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        editor = QVBoxLayout()
        editor.addLayout(form)
        editor.addLayout(actions)
        editor.addWidget(self.status)
        add_holiday = QPushButton(self.tr("Add holiday"), self)
        add_holiday.clicked.connect(self.add_holiday)
        remove_holiday = QPushButton(self.tr("Remove holiday"), self)
        remove_holiday.clicked.connect(self.remove_holiday)
        holiday_row = QHBoxLayout()
        for widget in (self.holiday_date, self.holiday_name, add_holiday, remove_holiday):
            holiday_row.addWidget(widget)
        holidays = QGroupBox(self.tr("Holidays (closed unless a level opens on holidays)"), self)
        box = QVBoxLayout(holidays)
        box.addWidget(self.holidays)
        box.addLayout(holiday_row)
        top = QHBoxLayout()
        top.addWidget(self.levels, 1)
        top.addLayout(editor, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 2)
        layout.addWidget(holidays, 1)
        layout.addWidget(buttons)

    def reload(self, select: str | None = None) -> None:
        self.levels.blockSignals(True)
        self.levels.clear()
        self.levels.addItem(self.tr("New level"))
        for level in self.store.levels().values():
            self.levels.addItem(level.name)
        self.levels.blockSignals(False)
        names = [self.levels.item(i).text() for i in range(self.levels.count())]
        self.levels.setCurrentRow(names.index(select) if select in names else 0)
        self._show(self.levels.currentRow())
        self.holidays.clear()
        own = self.store.door_holidays()
        for day, name in self.store.holidays().items():
            shared = "" if day in own else "  " + self.tr("(company calendar)")
            item = QListWidgetItem(f"{day.isoformat()}  {name}{shared}")
            item.setData(Qt.ItemDataRole.UserRole, day.isoformat() if day in own else None)
            self.holidays.addItem(item)

    def _show(self, row: int) -> None:
        level = None
        if row > 0:
            level = next((lv for lv in self.store.levels().values() if lv.name == self.levels.item(row).text()), None)
        self.name.setText(level.name if level else "")
        self.name.setReadOnly(level is not None)
        self.schedule.setText(level.schedule.text() if level else "mon-fri 08:00-18:00")
        self.holidays_open.setChecked(bool(level and level.allow_holidays))
        self.delete_button.setEnabled(level is not None)
        self.doors.clear()
        for door in self.store.doors():
            item = QListWidgetItem(door.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = level is not None and door.id in level.door_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.doors.addItem(item)

    def _check_schedule(self, text: str) -> bool:
        try:
            parsed = Schedule.parse(text)
        except FaceAppError as exc:
            self.schedule_note.setText(str(exc))
            self.schedule_note.setStyleSheet("color: #c0392b")
            return False
        self.schedule_note.setText(self.tr("Open: {}").format(parsed.text() or self.tr("never")))
        self.schedule_note.setStyleSheet("color: #1f8a70")
        return True

    def checked_doors(self) -> list[str]:
        return [self.doors.item(i).text() for i in range(self.doors.count())
                if self.doors.item(i).checkState() == Qt.CheckState.Checked]

    def save(self) -> bool:
        """Create or update the level shown; errors are shown under the form."""
        try:
            if self.levels.currentRow() <= 0:
                level = self.store.add_level(self.name.text(), self.checked_doors(), self.schedule.text(),
                                             allow_holidays=self.holidays_open.isChecked(), actor=self.actor)
            else:
                level = self.store.update_level(self.name.text(), doors=self.checked_doors(),
                                                schedule=self.schedule.text(),
                                                allow_holidays=self.holidays_open.isChecked(), actor=self.actor)
        except FaceAppError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(self.tr("Saved {}").format(level.name))
        self.reload(level.name)
        return True

    def delete(self) -> None:
        if self.levels.currentRow() > 0:
            self.store.remove_level(self.name.text(), actor=self.actor)
            self.reload()

    def add_holiday(self) -> None:
        self.store.add_holiday(self.holiday_date.date().toString("yyyy-MM-dd"), self.holiday_name.text(),
                               actor=self.actor)
        self.reload(self.name.text())

    def remove_holiday(self) -> None:
        item = self.holidays.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole):  # company holidays are edited in Attendance
            self.store.remove_holiday(item.data(Qt.ItemDataRole.UserRole), actor=self.actor)
            self.reload(self.name.text())
