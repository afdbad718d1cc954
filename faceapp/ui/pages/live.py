"""The Live page: video with recognised faces, the latest check-ins and a status bar."""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime, timedelta, timezone

import numpy as np
from PySide6.QtCore import QCoreApplication, QSize, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListView, QStatusBar, QVBoxLayout, QWidget

from faceapp.attendance import zone_info
from faceapp.capture.sources import SourceState
from faceapp.errors import ServerUnreachableError
from faceapp.live.offline import OfflineStatus
from faceapp.records import Event
from faceapp.ui.offline_state import server_unreachable
from faceapp.ui.qtmodels import THUMB_PX
from faceapp.ui.services import Services
from faceapp.ui.widgets.checkins import LiveCheckIns, WelcomeBanner
from faceapp.ui.widgets.liveness import LivenessNotice
from faceapp.ui.widgets.video_view import VideoView
from faceapp.ui.workers import LiveSession
from faceapp.vision.tracker import FrameResult

log = logging.getLogger(__name__)

RECENT_HOURS = 12  # events this recent are listed when the page opens



def _tr(text: str) -> str:
    return QCoreApplication.translate("LivePage", text)


_OPEN_HINT = "Use File ▸ Open video file…, Open image folder… or Open URL… to choose another source."


class RateMeter:
    """Events per second over a sliding window."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()

    def tick(self, now: float | None = None) -> None:
        """Count one event."""
        now = time.monotonic() if now is None else now
        self._times.append(now)
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()

    def rate(self, now: float | None = None) -> float:
        """Events per second over the window before ``now`` (0 until two events were seen)."""
        now = time.monotonic() if now is None else now
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def reset(self) -> None:
        self._times.clear()


class LivePage(QWidget):
    """Shows one live source and what the recognition thread finds on it.

    Signals:
        source_state_changed(state, message): the source's :class:`SourceState` value and a sentence.
        events_shown(list[Event]): events just added to the check-in list.
    """

    title = "Live"
    source_state_changed = Signal(str, str)
    events_shown = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session = LiveSession(services, self)
        self.view = VideoView(self, services.live.overlay_max_age)
        self.banner = WelcomeBanner(self)
        self.title = self.tr("Live")
        self.checkins = LiveCheckIns(parent=self, data_dir=services.paths.data)
        self.checkin_list = QListView(self)
        self.checkin_list.setModel(self.checkins)
        self.checkin_list.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.checkin_list.setSpacing(2)
        self.video_rate, self.recognition_rate = RateMeter(), RateMeter()
        self.latency_ms = 0.0
        self.last_result: FrameResult | None = None
        self.error = ""
        self._stale = False  # the list misses the store's events (read while the server was unreachable)
        self._build()
        self._stale = not self._show_todays_events()
        self.session.frame_ready.connect(self._on_frame)
        self.session.result_ready.connect(self._on_result)
        self.session.events_ready.connect(self._on_events)
        self.session.state_changed.connect(self._on_state)
        self.session.failed.connect(self._on_failed)

    def _build(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.view, 1)
        row.addWidget(self._side_panel())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(row, 1)
        layout.addWidget(self._status_bar())
        self._show_rates()
        self._rates_timer = QTimer(self)
        self._rates_timer.setInterval(500)
        self._rates_timer.timeout.connect(self._show_rates)
        self._rates_timer.start()

    def _side_panel(self) -> QFrame:
        side = QFrame(self)
        side.setObjectName("livePanel")
        side.setFixedWidth(300)
        heading = QLabel(self.tr("Latest check-ins"), side)
        heading.setObjectName("panelHeading")
        self.identify_note = QLabel(side)
        self.identify_note.setObjectName("identifyNote")
        self.identify_note.setWordWrap(True)
        self._show_identify_note()
        panel = QVBoxLayout(side)
        panel.setContentsMargins(8, 0, 0, 0)
        panel.addWidget(self.banner)
        self.liveness_notice = LivenessNotice(side)
        panel.addWidget(self.liveness_notice)
        panel.addSpacing(8)
        panel.addWidget(heading)
        panel.addWidget(self.checkin_list, 1)
        panel.addWidget(self.identify_note)
        return side

    def _status_bar(self) -> QStatusBar:
        self.status = QStatusBar(self)
        self.status.setSizeGripEnabled(False)
        self.fps_label, self.latency_label = QLabel(self), QLabel(self)
        self.provider_label = QLabel(self)
        provider = self.services.pipeline.provider.describe()
        self.provider_label.setText(self.tr("Runs on: {}").format(_shorten(provider, 70)))
        self.provider_label.setToolTip(provider)
        self.offline_label = QLabel(self)
        self.offline_label.setObjectName("offlineNote")
        self.offline_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.offline_label.setToolTip(self.tr(
            "The database server cannot be reached. This desk keeps recognising and delivers the queued "
            "events when the server is back; enrolment, removal and settings need the server."))
        self.offline_label.hide()
        for label in (self.offline_label, self.fps_label, self.latency_label, self.provider_label):
            self.status.addPermanentWidget(label)
        return self.status

    def _show_todays_events(self) -> bool:
        """Fill the list with the events of the last hours (the desk remembers them too).

        Returns False when the database server is unreachable (the list is refilled when it answers).
        """
        if self.services.core is None:
            return True
        since = datetime.now(timezone.utc) - timedelta(hours=RECENT_HOURS)
        try:
            recent = self.services.core.gallery.events.list(start=since, camera=self.services.camera_name)
        except ServerUnreachableError:  # a desk started offline: the status bar says so
            log.info("live: the last hours' events are not shown: the database server is unreachable")
            return False
        self.checkins.refill(recent[-self.checkins.limit:])
        return True

    def _refill_when_back(self, status: OfflineStatus | None) -> None:
        """After an outage, list the store's events again once the server answers and the queue is delivered."""
        if status is not None and (status.offline_since is not None or status.queued):
            self._stale = True
        elif self._stale and not self._known_unreachable() and self._show_todays_events():
            self._stale = False
            log.info("live: the server answers again: the latest check-ins are listed from the store")

    def _known_unreachable(self) -> bool:
        """The server is known to be away (asking it would make the GUI thread wait)."""
        return self.services.core is not None and server_unreachable(self.services.core.gallery)

    def refresh_note(self) -> None:
        """Update the note under the list (after people were enrolled or removed)."""
        self._show_identify_note()

    def _show_identify_note(self) -> None:
        note = _identify_note(self.services)
        self.identify_note.setText(note)
        self.identify_note.setVisible(bool(note))

    def open_source(self, spec: str | int) -> None:
        """Start playing a camera number, file, folder or URL."""
        self.view.clear()
        self.view.set_message("")
        self.error = ""
        self.video_rate.reset()
        self.recognition_rate.reset()
        self._show_identify_note()  # the gallery or desk may have been connected since
        self.session.start(spec)

    def shutdown(self) -> None:
        """Stop the threads (before the window closes)."""
        self.session.stop()

    def _on_frame(self, image: np.ndarray, timestamp: float, index: int) -> None:
        self.view.set_frame(image)
        self.video_rate.tick()
        self.session.frame_shown()

    def _on_result(self, result: FrameResult) -> None:
        self.last_result = result
        self.view.set_faces(result.faces)
        self.liveness_notice.show_faces(result.faces)
        self.recognition_rate.tick()
        self.latency_ms = result.latency_ms
        self.session.result_shown()

    def _on_events(self, events: list[Event]) -> None:
        self.checkins.add(events)
        for event in events:
            self.banner.greet(event)
        self.events_shown.emit(list(events))

    def _on_state(self, state: str, message: str) -> None:
        source_state = SourceState(state)
        self.view.set_state(source_state, message, self.session.source_is_live)
        if source_state is SourceState.FAILED:
            self.view.set_message(f"{_sentence(message)}\n\n{_tr(_OPEN_HINT)}")
        elif source_state is SourceState.LIVE:
            self.view.set_message("")
        word = self.tr("playing") if source_state is SourceState.LIVE and not self.session.source_is_live else state
        self.status.showMessage(f"{self.session.source_name}: {word}")
        self.source_state_changed.emit(state, message)

    def _on_failed(self, message: str) -> None:
        self.error = message
        self.status.showMessage(message)
        log.warning("live: %s", message)

    def _show_rates(self) -> None:
        service = self.session.service
        desk = self.services.check_ins  # before a source plays, a desk started offline says so too
        if service is None and desk is not None:
            desk.tend()  # and its courier probes the server (on its own thread) meanwhile
        status = (service.offline() if service is not None else
                  desk.offline_status() if desk is not None else None)
        self.show_offline(status)
        self._refill_when_back(status)
        self.fps_label.setText(self.tr("Video {:.1f} fps").format(self.video_rate.rate()))
        self.latency_label.setText(self.tr("Recognition {:.0f} ms · {:.1f} fps").format(
            self.latency_ms, self.recognition_rate.rate()))


    def show_offline(self, status: OfflineStatus | None) -> None:
        """Say in the status bar since when the database server is unreachable and what is queued."""
        if status is None or (status.offline_since is None and not status.queued):
            self.offline_label.hide()
            return
        if status.offline_since is None:
            text = self.tr("Server reachable again — delivering {0} queued events").format(status.queued)
        else:
            zone = zone_info(self.services.core.zone if self.services.core is not None else "UTC")
            since = status.offline_since.astimezone(zone).strftime("%H:%M")
            text = (self.tr("Offline since {0}").format(since) if status.queued == 0 else
                    self.tr("Offline since {0} — 1 event queued").format(since) if status.queued == 1 else
                    self.tr("Offline since {0} — {1} events queued").format(since, status.queued))
        self.offline_label.setText(text)
        self.offline_label.show()


def _identify_note(services: Services) -> str:
    if services.recogniser is None:
        return _tr("Identification is off: no gallery is connected, so faces are shown without names.")
    if services.desk is None:
        return _tr("Check-ins are off: no attendance desk is connected.")
    if services.core is not None and len(services.core.gallery) == 0:
        return _tr("Nobody is enrolled yet: use People ▸ Enrol person… so that faces get names.")
    return ""


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else message


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
