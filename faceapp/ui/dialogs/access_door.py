"""Add a door: name, cameras, direction, output URL, pulse, area, attendance, liveness."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from faceapp.access.model import Door
from faceapp.access.store import AccessStore
from faceapp.errors import FaceAppError


class DoorDialog(QDialog):
    """A form for a new door; :attr:`door` holds it after :meth:`accept` succeeded."""

    def __init__(self, store: AccessStore, actor: str, camera: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add door"))
        self.store, self.actor = store, actor
        self.door: Door | None = None
        self.name = QLineEdit(self)
        self.cameras = QLineEdit(camera, self)
        self.cameras.setToolTip(self.tr("Camera names watching this door, separated by commas"))
        self.direction = QComboBox(self)
        for value, text in (("in", self.tr("in")), ("out", self.tr("out")), ("both", self.tr("both"))):
            self.direction.addItem(text, value)
        self.output = QLineEdit("none", self)
        self.output.setPlaceholderText("http://relay/open · mqtt://host:1883/topic · serial:///dev/ttyUSB0?baud=9600")
        self.pulse = QSpinBox(self)
        self.pulse.setRange(50, 60_000)
        self.pulse.setValue(1000)
        self.pulse.setSuffix(" ms")
        self.area = QLineEdit(self)
        self.attendance = QCheckBox(self.tr("A pass also records attendance"), self)
        self.liveness = QComboBox(self)
        for value, text in (("off", self.tr("not required")), ("on", self.tr("required")),
                            ("0.9", self.tr("required, score at least 0.9"))):
            self.liveness.addItem(text, value)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c0392b")
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Cameras:"), self.cameras)
        form.addRow(self.tr("Direction:"), self.direction)
        form.addRow(self.tr("Output:"), self.output)
        form.addRow(self.tr("Pulse:"), self.pulse)
        form.addRow(self.tr("Area (anti-passback):"), self.area)
        form.addRow(self.tr("Liveness:"), self.liveness)
        form.addRow("", self.attendance)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Save the door; a bad field is shown in the dialog, which stays open."""
        try:
            self.door = self.store.add_door(
                self.name.text(), actor=self.actor, cameras=[c.strip() for c in self.cameras.text().split(",")],
                direction=self.direction.currentData(), output=self.output.text().strip() or "none",
                pulse_ms=self.pulse.value(), area=self.area.text().strip(),
                records_attendance=self.attendance.isChecked(), liveness=self.liveness.currentData())
        except FaceAppError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
