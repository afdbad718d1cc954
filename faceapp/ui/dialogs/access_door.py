"""Add a door: name, cameras, direction, output URL, pulse, area, attendance, liveness."""

from __future__ import annotations

import json

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
    """A form for a new door, or for changing ``door``; :attr:`door` holds it after :meth:`accept` succeeded."""

    def __init__(self, store: AccessStore, actor: str, camera: str = "", parent: QWidget | None = None,
                 door: Door | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add door") if door is None else self.tr("Change door"))
        self.store, self.actor = store, actor
        self.editing = door
        self.door: Door | None = None
        self.name = QLineEdit(self)
        self.cameras = QLineEdit(camera, self)
        self.cameras.setToolTip(self.tr("Camera names watching this door, separated by commas"))
        self.direction = QComboBox(self)
        for value, text in (("in", self.tr("in")), ("out", self.tr("out")), ("both", self.tr("both"))):
            self.direction.addItem(text, value)
        self.output = QLineEdit("none", self)
        self.output.setPlaceholderText("http://relay/open · mqtt://host:1883/topic · serial:///dev/ttyUSB0?baud=9600")
        self.options = QLineEdit(self)
        self.options.setPlaceholderText('{"method": "POST", "body": "{\\"door\\": \\"${door}\\"}"}')
        self.options.setToolTip(self.tr("Output options as JSON: method, headers, body, payload, qos, on, off, "
                                        "ca_file… (templates may use ${door}, ${person}, ${action}, ${pulse_ms})"))
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
        form.addRow(self.tr("Output options:"), self.options)
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
        if door is not None:
            self._fill(door)

    def _fill(self, door: Door) -> None:
        self.name.setText(door.name)
        self.name.setReadOnly(True)
        self.cameras.setText(", ".join(door.cameras))
        self.direction.setCurrentIndex(self.direction.findData(door.direction.value))
        self.output.setText(door.output)
        self.options.setText(json.dumps(door.output_options, ensure_ascii=False) if door.output_options else "")
        self.pulse.setValue(door.pulse_ms)
        self.area.setText(door.area)
        self.attendance.setChecked(door.records_attendance)
        index = self.liveness.findData(door.liveness)
        if index < 0:
            self.liveness.addItem(self.tr("score at least {}").format(door.liveness), door.liveness)
            index = self.liveness.count() - 1
        self.liveness.setCurrentIndex(index)

    def accept(self) -> None:
        """Save the door; a bad field is shown in the dialog, which stays open."""
        try:
            options = json.loads(self.options.text()) if self.options.text().strip() else {}
        except json.JSONDecodeError as exc:
            self.error.setText(self.tr("The output options are not valid JSON: {}").format(exc))
            return
        if not isinstance(options, dict):
            self.error.setText(self.tr("The output options must be a JSON object, e.g. {\"method\": \"POST\"}"))
            return
        fields = {"cameras": [c.strip() for c in self.cameras.text().split(",")], "output_options": options,
                  "direction": self.direction.currentData(), "output": self.output.text().strip() or "none",
                  "pulse_ms": self.pulse.value(), "area": self.area.text().strip(),
                  "records_attendance": self.attendance.isChecked(), "liveness": self.liveness.currentData()}
        try:
            if self.editing is None:
                self.door = self.store.add_door(self.name.text(), actor=self.actor, **fields)
            else:
                self.door = self.store.update_door(self.editing.id, actor=self.actor, **fields)
        except FaceAppError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
