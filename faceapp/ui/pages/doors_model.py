"""The doors table of the Doors page: a thin Qt model over the stored doors."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor

from faceapp.access.model import Door, DoorState
from faceapp.access.store import redact
from faceapp.ui.table_model import Index, RecordsTableModel

STATE_COLOURS = {DoorState.NORMAL: QColor(46, 160, 90), DoorState.LOCKDOWN: QColor(200, 60, 60),
                 DoorState.UNLOCKED: QColor(230, 150, 30)}


def _tr(text: str) -> str:
    return QCoreApplication.translate("DoorsModel", text)


def state_text(state: DoorState) -> str:
    return {DoorState.NORMAL: _tr("Normal"), DoorState.LOCKDOWN: _tr("Lockdown"),
            DoorState.UNLOCKED: _tr("Held open")}[state]


class DoorsModel(RecordsTableModel[Door]):
    """Door, state, direction, area, output (passwords hidden)."""

    COLUMNS = 5

    def headers(self) -> list[str]:
        return [_tr("Door"), _tr("State"), _tr("Direction"), _tr("Area"), _tr("Output")]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        door, column = self.record(index), index.column()
        if door is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            directions = {"in": _tr("in"), "out": _tr("out"), "both": _tr("both")}
            return (door.name, state_text(door.state), directions[door.direction.value], door.area or "—",
                    redact(door.output))[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return STATE_COLOURS[door.state]
        if role == Qt.ItemDataRole.UserRole:
            return door.id
        return None
