"""The dialog that adds an attendance event by hand or corrects one, always with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from faceapp.records import Event, EventKind, Person
from faceapp.ui.pages.attendance_model import kind_label


@dataclass(frozen=True)
class Correction:
    """What the correction dialog returns: the event as it should be, and why."""

    person_id: int | None
    kind: EventKind
    when: datetime  # aware
    note: str
    reason: str



class EventDialog(QDialog):
    """Asks for an event's person, kind, time, note and the reason for the correction."""

    def __init__(self, people: list[Person], zone: str, event: Event | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.setWindowTitle(self.tr("Correct an event") if event else self.tr("Add an event"))
        self.person_box = QComboBox(self)
        for person in people:
            label = f"{person.name} ({person.employee_no})" if person.employee_no else person.name
            self.person_box.addItem(label, person.id)
        self.kind_box = QComboBox(self)
        for kind in EventKind:
            self.kind_box.addItem(kind_label(kind), kind.value)
        self.time_edit = QDateTimeEdit(self)
        self.time_edit.setCalendarPopup(True)
        self.time_edit.setTimeZone(QTimeZone(zone.encode()))
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.note_edit = QLineEdit(self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(self.tr("Required: why is this corrected?"))
        self._fill(event)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Person:"), self.person_box)
        form.addRow(self.tr("Kind:"), self.kind_box)
        form.addRow(self.tr("Time:"), self.time_edit)
        form.addRow(self.tr("Note:"), self.note_edit)
        form.addRow(self.tr("Reason:"), self.reason_edit)
        form.addRow(self.buttons)

    def _fill(self, event: Event | None) -> None:
        if event is None:
            self.kind_box.setCurrentIndex(self.kind_box.findData(EventKind.CHECK_IN.value))
            self.time_edit.setDateTime(QDateTime.currentDateTime())
            return
        self.person_box.setEnabled(False)  # a correction keeps the person; delete and add to change it
        self.time_edit.setEnabled(False)
        index = self.person_box.findData(event.person_id)
        self.person_box.setCurrentIndex(index)
        self.kind_box.setCurrentIndex(self.kind_box.findData(event.kind.value))
        self.time_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(event.time.timestamp())))
        self.note_edit.setText(event.note)

    def _check(self) -> None:
        if not self.reason_edit.text().strip():
            self.reason_edit.setFocus()
            self.reason_edit.setStyleSheet("border: 1px solid #b00020;")
            return
        self.accept()

    def correction(self) -> Correction:
        """The values entered (call after the dialog was accepted)."""
        when = datetime.fromtimestamp(self.time_edit.dateTime().toSecsSinceEpoch(), timezone.utc)
        return Correction(self.person_box.currentData(), EventKind(self.kind_box.currentData()), when,
                          self.note_edit.text().strip(), self.reason_edit.text().strip())


