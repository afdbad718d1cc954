"""The Attendance page's table: a thin Qt model over a list of stored events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt

from faceapp.records import Event, EventKind

_Index = QModelIndex | QPersistentModelIndex
_CONTEXT = "EventTableModel"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def kind_label(kind: EventKind) -> str:
    """An event kind in words (translated)."""
    labels = {
        EventKind.CHECK_IN: QCoreApplication.translate("EventTableModel", "Check-in"),
        EventKind.CHECK_OUT: QCoreApplication.translate("EventTableModel", "Check-out"),
        EventKind.UNKNOWN: QCoreApplication.translate("EventTableModel", "Unknown face"),
        EventKind.UNCERTAIN: QCoreApplication.translate("EventTableModel", "Uncertain"),
        EventKind.REJECTED: QCoreApplication.translate("EventTableModel", "Refused"),
    }
    return labels[kind]


class EventTableModel(QAbstractTableModel):
    """Rows are events (oldest first); columns are time, person, number, department, kind, camera,
    the site and desk that recorded it, score and note. Times are shown in the page's zone.

    Args:
        zone: IANA zone the times are shown in.
        parent: the owning QObject.
    """

    COLUMNS = ("time", "name", "employee_no", "department", "kind", "camera", "site", "desk", "score", "note")

    def __init__(self, zone: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zone = ZoneInfo(zone)
        self._events: list[Event] = []
        self.spoofed: set[int] = set()  # ids of events with liveness evidence judged spoofed
        self._headers = (
            QCoreApplication.translate("EventTableModel", "Time"),
            QCoreApplication.translate("EventTableModel", "Person"),
            QCoreApplication.translate("EventTableModel", "Employee no."),
            QCoreApplication.translate("EventTableModel", "Department"),
            QCoreApplication.translate("EventTableModel", "Kind"),
            QCoreApplication.translate("EventTableModel", "Camera"),
            QCoreApplication.translate("EventTableModel", "Site"),
            QCoreApplication.translate("EventTableModel", "Desk"),
            QCoreApplication.translate("EventTableModel", "Score"),
            QCoreApplication.translate("EventTableModel", "Note"),
        )

    def set_events(self, events: Sequence[Event]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def event_at(self, row: int) -> Event:
        """The event shown in ``row``."""
        return self._events[row]

    def row_of(self, event_id: int | None) -> int | None:
        """The row showing the event with this id, if any."""
        for row, event in enumerate(self._events):
            if event.id == event_id:
                return row
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._events):
            return str(section + 1)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(event, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "note":
            return event.note or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "score":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, event: Event, column: str) -> str:
        if column == "time":
            return self._local(event.time).strftime("%Y-%m-%d %H:%M:%S")
        if column == "kind" and event.id in self.spoofed and event.kind is not EventKind.REJECTED:
            return kind_label(event.kind) + " · " + _tr("spoof suspected (logged)")  # let through in log mode
        if column == "kind":
            return kind_label(event.kind)
        if column == "score":
            return "" if event.score is None else f"{event.score:.3f}"
        if column == "name":
            return event.name or (_tr("(unknown)") if event.person_id is None else "")
        value = getattr(event, column)
        return "" if value is None else str(value)

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)
