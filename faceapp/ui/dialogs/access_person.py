"""The access tab of the person dialog: the person's levels and validity periods."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceapp.access.store import AccessStore
from faceapp.errors import FaceAppError

_NO_DATE = QDate(2000, 1, 1)


def _edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText("—")  # the minimum date means "no limit"
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(_NO_DATE)
    return edit


def _value(edit: QDateEdit) -> date | None:
    if edit.date() == _NO_DATE:
        return None
    value = edit.date().toPython()
    if not isinstance(value, date):
        raise TypeError(f"QDate.toPython gave {type(value).__name__}, not a date")
    return value


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class AccessPanel(QWidget):
    """Levels (checked = granted) and the person's own validity; "Save access" writes them (audited)."""

    def __init__(self, store: AccessStore, actor: str, person_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor, self.person_id = store, actor, person_id
        self.levels = QListWidget(self)
        self.valid_from, self.valid_until = _edit(self), _edit(self)
        self.visitor = QLabel(self)
        self.status = QLabel(self)
        self.save_button = QPushButton(self.tr("Save access"), self)
        self.save_button.clicked.connect(self.save)
        self.limited = QCheckBox(self.tr("Validity applies to the checked levels too"), self)
        form = QFormLayout()
        form.addRow(self.tr("Valid from:"), self.valid_from)
        form.addRow(self.tr("Valid until:"), self.valid_until)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Access levels:"), self))
        layout.addWidget(self.levels, 1)
        layout.addLayout(form)
        layout.addWidget(self.limited)
        layout.addWidget(self.visitor)
        layout.addLayout(row)
        self.load(person_id)

    def load(self, person_id: int | None) -> None:
        """Show a person's access (or a hint when the person is not saved yet)."""
        self.person_id = person_id
        self.levels.clear()
        self.setEnabled(person_id is not None)
        if person_id is None:
            self.status.setText(self.tr("Save the person first."))
            return
        granted = {g.level_id for g in self.store.grants(person_id)}
        for level in self.store.levels().values():
            item = QListWidgetItem(f"{level.name}  ({level.schedule.text()})")
            item.setData(Qt.ItemDataRole.UserRole, level.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if level.id in granted else Qt.CheckState.Unchecked)
            self.levels.addItem(item)
        start, end = self.store.validity(person_id)
        self.valid_from.setDate(_qdate(start) if start else _NO_DATE)
        self.valid_until.setDate(_qdate(end) if end else _NO_DATE)
        visitor = next((v for v in self.store.visitors() if v["person_id"] == person_id), None)
        self.visitor.setText(self.tr("Visitor of {} until {}").format(
            visitor["host"], visitor["expires"].astimezone(self.store.zone).strftime("%Y-%m-%d %H:%M"))
            if visitor else "")

    def save(self) -> bool:
        if self.person_id is None:
            return False
        start, end = _value(self.valid_from), _value(self.valid_until)
        try:
            self.store.set_validity(self.person_id, start, end, actor=self.actor)
            granted = {g.level_id for g in self.store.grants(self.person_id)}
            for i in range(self.levels.count()):
                item = self.levels.item(i)
                level_id = int(item.data(Qt.ItemDataRole.UserRole))
                if item.checkState() == Qt.CheckState.Checked:
                    limits = (start, end) if self.limited.isChecked() else (None, None)
                    self.store.grant(self.person_id, level_id, *limits, actor=self.actor)
                elif level_id in granted:
                    self.store.revoke(self.person_id, level_id, actor=self.actor)
        except FaceAppError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(self.tr("Saved."))
        return True
