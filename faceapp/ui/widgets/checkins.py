"""The welcome banner that greets people, and the Live page's check-in list (refilled from the store).

The list model itself lives in :mod:`faceapp.ui.qtmodels`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from faceapp.records import Event, EventKind
from faceapp.ui.qtmodels import KIND_COLOUR, CheckInModel, event_text, kind_text, local_time

__all__ = ["CheckInModel", "LiveCheckIns", "WelcomeBanner", "event_text", "local_time"]

_IDLE_BACKGROUND = QColor(44, 62, 80)


class LiveCheckIns(CheckInModel):
    """The Live page's list: newest first, and refilled from the store when the server answers again."""

    def refill(self, stored: Sequence[Event]) -> None:
        """Show ``stored`` (oldest first, as the store lists them) with the events shown meanwhile.

        An event shown while the server was unreachable (queued, so without a database id) and now
        delivered is listed once, as stored (same ``uid``); shown events the store does not have stay.
        """
        known = {event.uid for event in stored if event.uid is not None}
        kept = [event for event in self._events if event.uid is None or event.uid not in known]
        merged = sorted([*stored, *kept], key=lambda event: event.time)[-self.limit:]
        self.beginResetModel()
        self._events = merged[::-1]
        self._thumbs = [self._thumbnail(event) for event in self._events]
        self.endResetModel()


class WelcomeBanner(QWidget):
    """Greets the person who just checked in, then returns to an invitation after a while."""

    IDLE_TEXT = "Look at the camera to check in"

    def __init__(self, parent: QWidget | None = None, hold_ms: int = 6000) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeBanner")
        self.title = QLabel(self.idle_text())
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
        self._set_style(_IDLE_BACKGROUND)

    def idle_text(self) -> str:
        """The invitation shown while nobody is greeted."""
        return self.tr(self.IDLE_TEXT)

    def greet(self, event: Event) -> None:
        """Show a greeting for ``event`` (only check-ins and check-outs greet)."""
        if event.kind not in (EventKind.CHECK_IN, EventKind.CHECK_OUT):
            return
        name = event.name or self.tr("friend")
        hello = self.tr("Welcome, {}!") if event.kind is EventKind.CHECK_IN else self.tr("Goodbye, {}!")
        self.title.setText(hello.format(name))
        self.detail.setText(self.tr("{} at {}").format(kind_text(event.kind).capitalize(),
                                                        f"{local_time(event):%H:%M}"))
        self._set_style(KIND_COLOUR[event.kind].darker(160))
        self._timer.start()

    def reset(self) -> None:
        """Back to the invitation."""
        self.title.setText(self.idle_text())
        self.detail.setText("")
        self._set_style(_IDLE_BACKGROUND)

    def _set_style(self, background: QColor) -> None:
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"#welcomeBanner {{ background: {background.name()}; border-radius: 8px; }}"
            "#welcomeTitle { color: white; font-size: 15pt; font-weight: bold; }"
            "#welcomeDetail { color: #dfe6ec; font-size: 11pt; }"
        )
