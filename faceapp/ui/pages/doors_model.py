"""The doors table of the Doors page: a thin Qt model over the stored doors."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from faceapp.access.model import Door, DoorState
from faceapp.access.store import redact

_Index = QModelIndex | QPersistentModelIndex
STATE_COLOURS = {DoorState.NORMAL: QColor(46, 160, 90), DoorState.LOCKDOWN: QColor(200, 60, 60),
                 DoorState.UNLOCKED: QColor(230, 150, 30)}


def _tr(text: str) -> str:
    return QCoreApplication.translate("DoorsModel", text)


def state_text(state: DoorState) -> str:
    return {DoorState.NORMAL: _tr("Normal"), DoorState.LOCKDOWN: _tr("Lockdown"),
            DoorState.UNLOCKED: _tr("Held open")}[state]


class DoorsModel(QAbstractTableModel):
    """Door, state, direction, area, output (passwords hidden)."""

    COLUMNS = 5

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doors: list[Door] = []

    def set_doors(self, doors: list[Door]) -> None:
        self.beginResetModel()
        self.doors = list(doors)
        self.endResetModel()

    def headers(self) -> list[str]:
        return [_tr("Door"), _tr("State"), _tr("Direction"), _tr("Area"), _tr("Output")]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.doors)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < self.COLUMNS:
            return self.headers()[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.doors):
            return None
        door, column = self.doors[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            directions = {"in": _tr("in"), "out": _tr("out"), "both": _tr("both")}
            return (door.name, state_text(door.state), directions[door.direction.value], door.area or "—",
                    redact(door.output))[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return STATE_COLOURS[door.state]
        if role == Qt.ItemDataRole.UserRole:
            return door.id
        return None
