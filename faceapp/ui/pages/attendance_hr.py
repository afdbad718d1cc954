"""Wiring of the HR side of the Attendance page: the Days tab, the rules editors, scheduled exports.

:func:`attach_days` adds the Days tab (status per person per day) and a button for the shift, holiday
and leave editors to an :class:`~faceapp.ui.pages.attendance.AttendancePage`. :class:`ExportScheduler`
runs :func:`faceapp.attendance.exports.run_due` on a worker thread at start and then on a timer, so
daily and monthly exports missed while the program was closed are written at the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from faceapp.attendance.daystatus import Status, shift_bounds
from faceapp.attendance.exports import run_due
from faceapp.store import Gallery
from faceapp.ui.dialogs.attendance_rules import RulesDialog
from faceapp.ui.jobs import JobRunner
from faceapp.ui.pages.attendance import AttendancePage
from faceapp.ui.pages.attendance_days import DayStatusPanel, drain

log = logging.getLogger(__name__)

Gate = Callable[[QWidget], bool]
EXPORT_INTERVAL_MS = 15 * 60_000


def attach_days(page: AttendancePage, gallery: Gallery, zone: str, require_admin: Gate, require_manager: Gate,
                actor: Callable[[], str], language: str = "en") -> DayStatusPanel:
    """Add the Days tab and the rules editors' button to ``page``; returns the tab."""
    panel = DayStatusPanel(gallery, zone, require_manager, language=language, parent=page)
    page.add_tab(panel, QCoreApplication.translate("AttendancePage", "Days"))
    button = QPushButton(QCoreApplication.translate("DayStatusPanel", "Shifts, holidays and leave…"), panel)
    button.setObjectName("rulesButton")

    def open_rules() -> RulesDialog | None:
        if not require_manager(page):
            return None
        dialog = RulesDialog(panel.store, gallery.people.list(active=True), zone, require_admin, require_manager,
                             actor, page)
        dialog.changed.connect(panel.refresh)
        dialog.changed.connect(page.refresh)
        dialog.open()
        panel.rules_dialog = dialog
        return dialog

    def request_missing(row: int) -> RulesDialog | None:
        """Double-click on an absent or missing-punch day: prepare a missing-punch request."""
        day = panel.model.day_at(row)
        if day.result.status not in (Status.MISSING_PUNCH, Status.ABSENT):
            return None
        plan = panel.store.rules().plan(day.person_id, day.department, day.result.day)
        if plan.shift is None or not plan.working:
            return None
        start, end = shift_bounds(day.result.day, plan.shift, ZoneInfo(zone))
        kind, when = ("check_out", end) if day.result.first_in is not None else ("check_in", start)
        dialog = open_rules()
        if dialog is not None:
            dialog.prefill_punch(day.person_id, when, kind)
        return dialog

    button.clicked.connect(lambda _checked=False: open_rules())
    panel.table.doubleClicked.connect(lambda index: request_missing(index.row()))
    panel.request_missing = request_missing  # type: ignore[attr-defined]
    panel.extra_buttons.insertWidget(1, button)
    panel.open_rules = open_rules  # type: ignore[attr-defined]
    page.events_changed.connect(panel.refresh)
    page.on_shutdown.append(panel.shutdown)
    return panel


class ExportScheduler(QObject):
    """Writes due scheduled exports at start and every ``interval_ms`` (off the UI thread).

    Signals:
        written(list): the files written by one run (may be empty).
        failed(str): why a run failed.
    """

    written = Signal(list)
    failed = Signal(str)

    def __init__(self, gallery: Gallery, zone: str, clock: Callable[[], datetime] | None = None,
                 interval_ms: int = EXPORT_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gallery, self.zone = gallery, zone
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.runner = JobRunner(self)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.run)

    def start(self) -> None:
        """Catch up now, then run on the timer."""
        self.run()
        self.timer.start()

    def run(self) -> bool:
        """Start one run unless one is going on."""
        now = self.clock()
        return self.runner.start(lambda: run_due(self.gallery.database, self.zone, now=now), self._done,
                                 self._failed)

    def _done(self, paths: object) -> None:
        files = [str(p) for p in paths] if isinstance(paths, list) else []
        if files:
            log.info("scheduled exports written: %s", ", ".join(files))
        self.written.emit(files)

    def _failed(self, message: str) -> None:
        log.warning("scheduled export failed: %s", message)
        self.failed.emit(message)

    def shutdown(self) -> None:
        self.timer.stop()
        drain(self.runner)
