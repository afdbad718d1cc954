"""The latest attendance events: a thin list model and a banner that greets people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from faceapp.records import Event, EventKind

_KIND_TEXT = {
    EventKind.CHECK_IN: "checked in",
    EventKind.CHECK_OUT: "checked out",
    EventKind.UNKNOWN: "unknown person",
    EventKind.UNCERTAIN: "not sure who",
    EventKind.REJECTED: "access refused",
}
_KIND_COLOUR = {
    EventKind.CHECK_IN: QColor(46, 204, 113),
    EventKind.CHECK_OUT: QColor(80, 160, 230),
    EventKind.UNKNOWN: QColor(192, 96, 96),
    EventKind.UNCERTAIN: QColor(245, 166, 35),
    EventKind.REJECTED: QColor(220, 60, 60),
}
_Index = QModelIndex | QPersistentModelIndex


def local_time(event: Event) -> datetime:
    """The event's time in its desk's time zone (the computer's zone if that is unknown)."""
    try:
        return event.time.astimezone(ZoneInfo(event.tz))
    except (ZoneInfoNotFoundError, ValueError):
        return event.time.astimezone()


def event_text(event: Event) -> str:
    """One line for the list, e.g. ``08:12  Ada Lovelace — checked in``."""
    who = event.name or "Someone"
    return f"{local_time(event):%H:%M}  {who} — {_KIND_TEXT[event.kind]}"


class CheckInModel(QAbstractListModel):
    """The newest events first, at most ``limit`` of them."""

    def __init__(self, limit: int = 100, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self._events: list[Event] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return event_text(event)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _KIND_COLOUR[event.kind]
        if role == Qt.ItemDataRole.ToolTipRole:
            score = "" if event.score is None else f" · similarity {event.score:.2f}"
            return f"{local_time(event):%Y-%m-%d %H:%M:%S} · {event.camera}{score}"
        if role == Qt.ItemDataRole.UserRole:
            return event
        return None

    def add(self, events: Sequence[Event]) -> None:
        """Put new events at the top (the last of ``events`` ends up first)."""
        for event in events:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._events.insert(0, event)
            self.endInsertRows()
        if len(self._events) > self.limit:
            self.beginRemoveRows(QModelIndex(), self.limit, len(self._events) - 1)
            del self._events[self.limit :]
            self.endRemoveRows()

    def event(self, row: int) -> Event:  # type: ignore[override]
        """The event on ``row``."""
        return self._events[row]


class WelcomeBanner(QWidget):
    """Greets the person who just checked in, then returns to an invitation after a while."""

    IDLE_TEXT = "Look at the camera to check in"

    def __init__(self, parent: QWidget | None = None, hold_ms: int = 6000) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeBanner")
        self.title = QLabel(self.IDLE_TEXT)
        self.title.setObjectName("welcomeTitle")
        self.title.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setObjectName("welcomeDetail")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.reset)
        self._set_style(QColor(44, 62, 80))

    def greet(self, event: Event) -> None:
        """Show a greeting for ``event`` (only check-ins and check-outs greet)."""
        if event.kind not in (EventKind.CHECK_IN, EventKind.CHECK_OUT):
            return
        hello = "Welcome" if event.kind is EventKind.CHECK_IN else "Goodbye"
        self.title.setText(f"{hello}, {event.name or 'friend'}!")
        self.detail.setText(f"{_KIND_TEXT[event.kind].capitalize()} at {local_time(event):%H:%M}")
        self._set_style(_KIND_COLOUR[event.kind].darker(160))
        self._timer.start()

    def reset(self) -> None:
        """Back to the invitation."""
        self.title.setText(self.IDLE_TEXT)
        self.detail.setText("")
        self._set_style(QColor(44, 62, 80))

    def _set_style(self, background: QColor) -> None:
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"#welcomeBanner {{ background: {background.name()}; border-radius: 8px; }}"
            "#welcomeTitle { color: white; font-size: 15pt; font-weight: bold; }"
            "#welcomeDetail { color: #dfe6ec; font-size: 11pt; }"
        )
