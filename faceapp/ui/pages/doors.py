"""The Doors page: each door's state, the last decisions with their snapshots, and the
administrator's actions (add a door, levels and schedules, manual open with a reason, lockdown,
emergency unlock, output test, visitor registration)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from faceapp.access.journal import AccessEvent
from faceapp.access.model import Door, DoorState
from faceapp.access.report import write_access_report
from faceapp.access.service import AccessService
from faceapp.errors import FaceAppError
from faceapp.ui.offline_state import server_unreachable
from faceapp.ui.pages.doors_model import DoorsModel, state_text
from faceapp.ui.services import Services

log = logging.getLogger(__name__)

THUMB = 56
RECENT = 50
PURGE_EVERY_MS = 3_600_000
def _tr(text: str) -> str:
    return QCoreApplication.translate("DoorsPage", text)


def reason_text(reason: str) -> str:
    """A reason code as people read it."""
    texts = {
        "granted": _tr("access granted"), "emergency_unlock": _tr("emergency unlock"),
        "unknown": _tr("unknown face"), "uncertain": _tr("uncertain match"), "spoof": _tr("spoof suspected"),
        "no_level": _tr("no access level for this door"), "outside_schedule": _tr("outside schedule"),
        "holiday": _tr("holiday"), "not_yet_valid": _tr("not yet valid"), "expired": _tr("expired"),
        "anti_passback": _tr("anti-passback"), "lockdown": _tr("door in lockdown"),
        "door_fault": _tr("door fault"), "manual_open": _tr("opened by hand"), "normal": _tr("back to normal"),
        "unlocked": _tr("emergency unlock"),
    }
    return texts.get(reason, reason)


def origin_text(site: str, desk: str) -> str:
    """Where an access event was written, as people read it ("Site: Berlin · Desk: Front door")."""
    parts = ([_tr("Site: {}").format(site)] if site else []) + [_tr("Desk: {}").format(desk or _tr("(unnamed)"))]
    return " · ".join(parts)


class DoorsPage(QWidget):
    """Doors and their recent decisions. ``changed`` is emitted after any change to doors or levels."""

    changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.title = self.tr("Doors")
        self.access = AccessService.from_core(services.core) if services.core is not None else None
        self.grab_frame: Callable[[], np.ndarray | None] | None = None  # the live camera's latest frame
        self.sync_stages()
        self.model = DoorsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.show_events())
        self.recent = QListWidget(self)
        self.recent.setIconSize(QSize(THUMB, THUMB))
        self.recent.setSpacing(2)
        self.heading = QLabel(self)
        self.heading.setObjectName("panelHeading")
        self.where = QComboBox(self)  # which site and desk wrote the decisions shown (and exported)
        self.where.setToolTip(self.tr("Show the decisions written at one site and desk"))
        self.where.currentIndexChanged.connect(lambda *_: self.show_events())
        self.buttons: dict[str, QPushButton] = {}
        self._build()
        self.refresh()

    def _build(self) -> None:
        rows = (
            (("add", self.tr("Add door…"), self.add_door), ("edit", self.tr("Change door…"), self.edit_door),
             ("remove", self.tr("Remove door"), self.remove_door), ("open", self.tr("Open door…"), self.open_door),
             ("lockdown", self.tr("Lockdown"), lambda: self.set_state(DoorState.LOCKDOWN)),
             ("unlock", self.tr("Emergency unlock"), lambda: self.set_state(DoorState.UNLOCKED)),
             ("normal", self.tr("Back to normal"), lambda: self.set_state(DoorState.NORMAL)),
             ("test", self.tr("Test output"), self.test_output)),
            (("levels", self.tr("Levels and schedules…"), self.edit_levels),
             ("visitor", self.tr("Register visitor…"), self.register_visitor),
             ("visitors", self.tr("Visitors…"), self.show_visitors), ("export", self.tr("Export…"), self.export)),
        )
        bars = []
        for actions in rows:
            bar = QHBoxLayout()
            for key, text, slot in actions:
                button = QPushButton(text, self)
                button.clicked.connect(lambda _checked=False, act=slot: act())  # no "checked" into the slots
                button.setEnabled(self.access is not None)
                self.buttons[key] = button
                bar.addWidget(button)
            bar.addStretch(1)
            bars.append(bar)
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.where)
        right.addLayout(top)
        right.addWidget(self.recent, 1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        for bar in bars:
            layout.addLayout(bar)
        layout.addLayout(body, 1)

    def sync_stages(self) -> None:
        """Every new live session decides the doors this camera watches (door stages in ``services.stages``)."""
        if self.services.core is None:
            return
        from faceapp.live.access_stage import AccessStage, stages_for_camera

        for stage in [s for s in self.services.stages if isinstance(s, AccessStage)]:
            stage.close(0.5)
        others = [s for s in self.services.stages if not isinstance(s, AccessStage)]
        self.services.stages[:] = [*others, *stages_for_camera(self.services.core, self.services.camera_name)]

    # -- data ---------------------------------------------------------------------------------------
    def doors(self) -> list[Door]:
        return self.access.store.doors() if self.access is not None else []

    def selected(self) -> Door | None:
        rows = self.table.selectionModel().selectedRows()
        doors = self.model.rows
        return doors[rows[0].row()] if rows and rows[0].row() < len(doors) else None

    def refresh(self) -> None:
        """Reload the doors (keeping the selection) and the recent decisions."""
        keep = self.selected()
        doors = self.doors()
        self.model.set_rows(doors)
        self.table.resizeColumnsToContents()
        index = next((i for i, d in enumerate(doors) if keep and d.id == keep.id), 0 if doors else -1)
        if index >= 0:
            self.table.selectRow(index)
        self._fill_origins()
        self.show_events()

    def _fill_origins(self) -> None:
        """The filter's choices: every site and desk that wrote access events (the choice is kept)."""
        keep = self.where.currentData()
        pairs = self.access.journal.origins() if self.access is not None else []
        self.where.blockSignals(True)
        self.where.clear()
        self.where.addItem(self.tr("All desks"), None)
        for site, desk in pairs:
            self.where.addItem(origin_text(site, desk), (site, desk))
        found = [i for i in range(self.where.count()) if self.where.itemData(i) == keep]
        self.where.setCurrentIndex(found[0] if found else 0)
        self.where.blockSignals(False)

    def origin_filter(self) -> tuple[str | None, str | None]:
        """The journal's ``site`` and ``desk`` filters for the chosen desk (``None, None``: all desks)."""
        chosen = self.where.currentData()
        return (None, None) if chosen is None else (str(chosen[0]), str(chosen[1]))

    def show_events(self) -> None:
        """The latest events of the selected door (all doors when none is selected)."""
        self.recent.clear()
        if self.access is None:
            self.heading.setText(self.tr("No gallery is connected"))
            return
        door = self.selected()
        self.heading.setText(self.tr("Last decisions at {}").format(door.name) if door else self.tr("Last decisions"))
        site, desk = self.origin_filter()
        for event in self.access.journal.events(door=door.id if door else None, limit=RECENT, newest_first=True,
                                                site=site, desk=desk):
            self.recent.addItem(self._item(event))

    def _item(self, event: AccessEvent) -> QListWidgetItem:
        zone = self.access.store.zone if self.access else None
        when = event.time.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        who = event.name or (event.operator if event.kind != "decision" else self.tr("Unknown person"))
        if event.kind == "decision":
            verdict = self.tr("Granted") if event.decision == "grant" else self.tr("Denied")
            text = f"{when}  {who}\n{verdict}: {reason_text(event.reason)}"
        else:
            text = f"{when}  {who or ''}\n{reason_text(event.reason)}" + (f": {event.note}" if event.note else "")
        if event.site or event.desk:
            text += "\n" + origin_text(event.site, event.desk)
        item = QListWidgetItem(text)
        path = self.access.journal.snapshot_path(event) if self.access else None
        if path is not None and path.is_file():
            item.setIcon(QIcon(QPixmap(str(path)).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio)))
        colour = QColor(46, 160, 90) if event.decision == "grant" else QColor(200, 60, 60)
        if event.decision:
            item.setForeground(colour)
        return item

    # -- actions ------------------------------------------------------------------------------------
    def _admin_access(self) -> AccessService | None:
        """The access service when there is one and an administrator confirms, else None."""
        if self.access is None or not self.services.require_admin(self):
            return None
        return self.access

    def _fail(self, exc: Exception) -> None:
        QMessageBox.warning(self, self.tr("Doors"), str(exc))

    def add_door(self) -> None:
        self._door_dialog(None)

    def edit_door(self) -> None:
        door = self.selected()
        if door is not None:
            self._door_dialog(door)

    def _door_dialog(self, door: Door | None) -> None:
        """Add a door (``door`` None) or change one, after an administrator confirms."""
        access = self._admin_access()
        if access is None:
            return
        from faceapp.ui.dialogs.access_door import DoorDialog

        dialog = DoorDialog(access.store, self.services.actor(), self.services.camera_name, self, door)
        if dialog.exec():
            self.sync_stages()
            self.refresh()
            self.changed.emit()

    def edit_levels(self) -> None:
        access = self._admin_access()
        if access is None:
            return
        from faceapp.ui.dialogs.access_levels import LevelsDialog

        LevelsDialog(access.store, self.services.actor(), self).exec()
        self.changed.emit()

    def register_visitor(self) -> None:
        access = self._admin_access()
        if access is None:
            return
        from faceapp.ui.dialogs.visitor import VisitorDialog

        dialog = VisitorDialog(self.services, access, self.grab_frame, parent=self)
        dialog.exec()
        self.changed.emit()

    def show_visitors(self) -> None:
        if self.access is None:
            return
        from faceapp.ui.dialogs.visitor import VisitorsDialog

        VisitorsDialog(self.services, self.access, self).exec()
        self.changed.emit()

    def open_door(self, reason: str | None = None) -> AccessEvent | None:
        """Open the selected door by hand, with a reason (journaled and audited)."""
        door = self.selected()
        if door is None:
            return None
        access = self._admin_access()
        if access is None:
            return None
        if reason is None:
            reason, ok = QInputDialog.getText(self, self.tr("Open door"),
                                              self.tr("Why is {} opened by hand?").format(door.name))
            if not ok:
                return None
        try:
            event = access.open_door(door, self.services.actor(), reason)
        except FaceAppError as exc:
            self._fail(exc)
            return None
        self.show_events()
        return event

    def set_state(self, state: DoorState, reason: str | None = None) -> None:
        """Lockdown, emergency unlock or normal for the selected door (audited)."""
        door = self.selected()
        if door is None:
            return
        access = self._admin_access()
        if access is None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(self, state_text(state), self.tr("Reason (kept in the journal):"))
            if not ok:
                return
        access.set_state(door, state, self.services.actor(), reason)
        self.refresh()

    def test_output(self) -> str | None:
        door = self.selected()
        if door is None or self.access is None:
            return None
        try:
            message = self.access.test_output(door)
        except FaceAppError as exc:
            self._fail(exc)
            return None
        QMessageBox.information(self, self.tr("Test output"), message)
        return message

    def purge_visitors(self) -> list[int]:
        """Delete visitors whose visit ended more than the retention ago, with their biometric data."""
        if self.access is None or self.services.core is None:
            return []
        try:
            removed = self.access.purge_visitors(self.services.core.gallery, self.access.store.retention_days)
        except FaceAppError as exc:
            log.warning("expired visitors not removed: %s", exc)
            return []
        if removed:
            self.changed.emit()
            self.show_events()
        return removed

    def export(self, path: str | None = None) -> Path | None:
        """Write the selected door's events (all doors when none) as CSV, XLSX or PDF."""
        access = self._admin_access()
        if access is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export access events"),
                                                  str(Path.home() / "access.xlsx"),
                                                  self.tr("Excel (*.xlsx);;PDF (*.pdf);;CSV (*.csv)"))
            if not path:
                return None
        door = self.selected()
        site, desk = self.origin_filter()
        events = access.journal.events(door=door.id if door else None, site=site, desk=desk)
        try:
            return write_access_report(events, path, access.store.zone,
                                       title=self.tr("Access events") + (f": {door.name}" if door else "")
                                       + (f" ({self.where.currentText()})" if desk is not None else ""))
        except FaceAppError as exc:
            self._fail(exc)
            return None

    def remove_door(self, confirmed: bool = False) -> bool:
        """Remove the selected door (its journal stays, naming the door)."""
        door = self.selected()
        if door is None:
            return False
        access = self._admin_access()
        if access is None:
            return False
        if not confirmed:
            answer = QMessageBox.question(self, self.tr("Remove door"),
                                          self.tr("Remove the door {}?").format(door.name))
            if answer != QMessageBox.StandardButton.Yes:
                return False
        access.store.remove_door(door.id, actor=self.services.actor())
        self.sync_stages()
        self.refresh()
        self.changed.emit()
        return True

    def shutdown(self) -> None:
        if self.access is not None:
            self.access.close()


def attach_doors(window: Any, services: Services) -> DoorsPage | None:
    """Add the Doors page to the main window (after the admin parts, so its actions are gated).

    The page's door stages join every new live session of this camera; expired visitors are
    purged now and every hour.
    """
    if services.core is None:
        return None
    if server_unreachable(services.core.gallery):  # a desk started offline: doors need the server
        waiter = QTimer(window)
        waiter.setInterval(2000)

        def when_back() -> None:
            if not server_unreachable(services.core.gallery if services.core is not None else None):
                waiter.stop()
                waiter.deleteLater()
                attach_doors(window, services)

        waiter.timeout.connect(when_back)
        waiter.start()
        log.info("doors: the Doors page comes when the database server answers")
        return None
    page = DoorsPage(services, window)
    page.grab_frame = lambda: getattr(window.live.view, "_pixels", None)
    window.add_page(page.title, page)
    timer = QTimer(page)
    timer.setInterval(PURGE_EVERY_MS)
    timer.timeout.connect(page.purge_visitors)
    timer.start()
    page.purge_visitors()
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(page.shutdown)
    return page
