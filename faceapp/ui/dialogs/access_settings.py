"""The Doors box of the settings dialog: "test this output" for each door, and the visitor retention."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from faceapp.access.outputs import parse_output
from faceapp.access.store import AccessStore
from faceapp.errors import FaceAppError
from faceapp.store.db import Database


class DoorsSettingsBox(QGroupBox):
    """Test a door's output (reachability, the door stays shut); the visitor retention is saved with
    the dialog (when its parent dialog is accepted)."""

    def __init__(self, database: Database, zone: str, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Doors"), parent)
        self.store, self.actor = AccessStore(database, zone), actor
        self.door = QComboBox(self)
        for door in self.store.doors():
            self.door.addItem(door.name, door.id)
        self.test_button = QPushButton(self.tr("Test this output"), self)
        self.test_button.setEnabled(self.door.count() > 0)
        self.test_button.clicked.connect(self.test)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.retention = QDoubleSpinBox(self)
        self.retention.setRange(0, 3650)
        self.retention.setDecimals(1)
        self.retention.setSuffix(self.tr(" days"))
        self.retention.setValue(self.store.retention_days)
        self.retention.setToolTip(self.tr("Visitors and their photos are deleted this long after their visit ends"))
        row = QHBoxLayout()
        row.addWidget(self.door, 1)
        row.addWidget(self.test_button)
        form = QFormLayout(self)
        form.addRow(self.tr("Door:"), row)
        form.addRow("", self.result)
        form.addRow(self.tr("Keep visitors:"), self.retention)
        if isinstance(parent, QDialog):
            parent.accepted.connect(self.save)

    def test(self) -> bool:
        """Check the chosen door's output and say what was found."""
        door_id = self.door.currentData()
        if door_id is None:
            return False
        try:
            door = self.store.door(int(door_id))
            message = parse_output(door.output, door.output_options).check()
        except FaceAppError as exc:
            self.result.setText(self.tr("Failed: {}").format(exc))
            self.result.setStyleSheet("color: #c0392b")
            return False
        self.result.setText(self.tr("OK: {}").format(message))
        self.result.setStyleSheet("color: #1f8a70")
        return True

    def save(self) -> None:
        if abs(self.retention.value() - self.store.retention_days) > 1e-9:
            self.store.set_retention_days(self.retention.value(), actor=self.actor)
