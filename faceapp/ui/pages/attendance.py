"""The Attendance page: stored events with filters, evidence, manual corrections and report export.

Corrections (add an event, change an event's kind or note, delete an event) each ask for a reason
and need an administrator; the change and an ``event.correct`` audit entry holding the reason are
written in one transaction through the store. Reports are computed by
:mod:`faceapp.attendance.reports` and written on a worker thread, so the window stays responsive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from faceapp.attendance.reports import ReportQuery, build_report, write_report
from faceapp.config import Settings
from faceapp.errors import FaceAppError
from faceapp.records import Event, EventKind
from faceapp.store import Gallery, audit
from faceapp.store.liveness import SPOOF_KIND, spoof_event_ids
from faceapp.ui.dialogs.correction import Correction, EventDialog
from faceapp.ui.jobs import JobRunner
from faceapp.ui.offline_state import server_unreachable, unreachable_note
from faceapp.ui.pages.attendance_filters import Filters, chosen, fill_choices, fill_origin_choices
from faceapp.ui.pages.attendance_model import EventTableModel, kind_label

log = logging.getLogger(__name__)

MANUAL_CAMERA = "manual"
DEFAULT_DAYS = 7
SNAPSHOT_PX = 320
_FILTERS = {"csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)", "pdf": "PDF (*.pdf)"}

#: Asked before a correction or an export; ``parent`` is the widget to show a login over.
AdminGate = Callable[[QWidget], bool]


class AttendancePage(QWidget):
    """Lists, corrects and exports attendance events.

    Args:
        gallery: the open gallery (its ``events``, ``people`` and ``database`` are used).
        settings: the current settings (assign ``page.settings`` when they change).
        zone: IANA zone for dates, filters and reports (the desk's zone).
        require_admin: asked before every correction and export.
        actor: the name recorded in the audit log for corrections (e.g. the admin session's user).
        parent: the parent widget.

    Signals:
        events_changed(): a correction changed the stored events.
        exported(str): a report was written to this path.
        export_failed(str): a report could not be written; the message says why.
    """

    events_changed = Signal()
    exported = Signal(str)
    export_failed = Signal(str)

    def __init__(self, gallery: Gallery, settings: Settings, zone: str, require_admin: AdminGate,
                 actor: Callable[[], str] = lambda: "admin", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gallery, self.settings, self.zone = gallery, settings, zone
        self.require_admin, self.actor = require_admin, actor
        self.title = self.tr("Attendance")
        self.setObjectName("attendancePage")
        self.model = EventTableModel(zone, self)
        self.exporter = JobRunner(self)
        self.on_shutdown: list[Callable[[], None]] = []  # tabs and schedulers attached later
        self._stale = False  # the events could not be read (server unreachable): read them when shown
        self._build()
        self.refresh()

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.snapshot = QLabel(self.tr("Select an event to see its evidence photo."), self)
        self.snapshot.setObjectName("eventSnapshot")
        self.snapshot.setMinimumWidth(SNAPSHOT_PX)
        self.snapshot.setWordWrap(True)
        splitter = QSplitter(self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.snapshot)
        splitter.setStretchFactor(0, 3)
        events = QWidget(self)
        layout = QVBoxLayout(events)
        layout.addLayout(self._filter_row())
        layout.addWidget(splitter, 1)
        layout.addLayout(self._button_row())
        self.tabs = QTabWidget(self)  # Events here; the day-status tab is added by add_tab
        self.tabs.addTab(events, self.tr("Events"))
        QVBoxLayout(self).addWidget(self.tabs)

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab (e.g. the status per day) next to the events; returns its index."""
        return self.tabs.addTab(widget, title)

    def _filter_row(self) -> QHBoxLayout:
        today = datetime.now(ZoneInfo(self.zone)).date()
        self.from_edit = self._date_edit(today - timedelta(days=DEFAULT_DAYS - 1))
        self.to_edit = self._date_edit(today)
        self.person_edit = QLineEdit(self)
        self.person_edit.setPlaceholderText(self.tr("Name or employee number"))
        self.person_edit.setClearButtonEnabled(True)
        self.person_edit.textChanged.connect(self.refresh)
        self.department_box = QComboBox(self)
        self.department_box.currentIndexChanged.connect(self.refresh)
        self.kind_box = QComboBox(self)
        self.kind_box.addItem(self.tr("All kinds"), None)
        for kind in EventKind:
            self.kind_box.addItem(kind_label(kind), kind.value)
        self.kind_box.addItem(self.tr("Spoof suspected"), SPOOF_KIND)
        self.kind_box.currentIndexChanged.connect(self.refresh)
        self.site_box, self.desk_box = QComboBox(self), QComboBox(self)  # which site's / desk's events
        for box in (self.site_box, self.desk_box):
            box.setObjectName("siteFilter" if box is self.site_box else "deskFilter")
            box.currentIndexChanged.connect(self.refresh)
        self._fill_departments()
        self._fill_origins()
        row = QHBoxLayout()
        for label, widget in ((self.tr("From:"), self.from_edit), (self.tr("To:"), self.to_edit),
                              (self.tr("Person:"), self.person_edit),
                              (self.tr("Department:"), self.department_box), (self.tr("Kind:"), self.kind_box),
                              (self.tr("Site:"), self.site_box), (self.tr("Desk:"), self.desk_box)):
            row.addWidget(QLabel(label, self))
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _date_edit(self, day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.dateChanged.connect(self.refresh)
        return edit

    def _button_row(self) -> QHBoxLayout:
        self.count_label = QLabel(self)
        self.add_button = self._button(self.tr("Add event…"), self.add_event)
        self.edit_button = self._button(self.tr("Correct…"), self.edit_selected)
        self.delete_button = self._button(self.tr("Delete…"), self.delete_selected)
        self.export_button = self._button(self.tr("Export report…"), self.export)
        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        for button in (self.add_button, self.edit_button, self.delete_button, self.export_button):
            row.addWidget(button)
        self._selection_changed()
        self.exporter.busy_changed.connect(lambda busy: self.export_button.setEnabled(not busy))
        return row

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _fill_departments(self) -> None:
        if server_unreachable(self.gallery):
            return
        departments = sorted({p.department for p in self.gallery.people.list() if p.department}, key=str.casefold)
        fill_choices(self.department_box, self.tr("All departments"), departments)

    def _fill_origins(self) -> None:
        """The sites and desks that recorded events (other desks add some while the page is open)."""
        if server_unreachable(self.gallery):
            return
        fill_origin_choices(self.gallery.database, self.site_box, self.desk_box, self.tr("All sites"),
                            self.tr("All desks"))

    # -- reading -------------------------------------------------------------------------------
    def filters(self) -> Filters:
        """The filters as currently set (an inverted date range is read as one day)."""
        start, end = _day(self.from_edit), _day(self.to_edit)
        kind = self.kind_box.currentData()
        return Filters(min(start, end), max(start, end), self.person_edit.text(),
                       self.department_box.currentData() or "",
                       None if kind == SPOOF_KIND else EventKind(kind) if kind else None,  # spoofs: refused or logged
                       spoof=kind == SPOOF_KIND, site=chosen(self.site_box), desk=chosen(self.desk_box))

    def query_events(self, filters: Filters) -> list[Event]:
        """Stored events that pass ``filters``, oldest first."""
        lo, hi = ReportQuery(filters.start, filters.end).utc_bounds(self.zone)
        kinds = (filters.kind,) if filters.kind else ()
        events = [e for e in self.gallery.events.list(start=lo, end=hi, kinds=kinds, site=filters.site,
                                                      desk=filters.desk) if filters.keeps(e)]
        if filters.spoof:
            spoofed = spoof_event_ids(self.gallery.events, [e.id for e in events if e.id is not None])
            events = [e for e in events if e.id in spoofed]
        return events

    def reload(self) -> None:
        """Re-read the departments (people changed) and the events."""
        self._fill_departments()
        self.refresh()

    def refresh(self) -> None:
        """Reload the events that pass the filters (keeps the selected event selected)."""
        if server_unreachable(self.gallery):  # known: do not let the GUI thread wait for the server
            self._stale = True
            self.count_label.setText(unreachable_note())
            return
        if self._stale:
            self._stale = False
            self._fill_departments()
        self._fill_origins()
        selected = self.selected_event()
        try:
            events = self.query_events(self.filters())
        except FaceAppError as exc:
            self._error(self.tr("Cannot read the events"), str(exc))
            return
        self.model.spoofed = spoof_event_ids(self.gallery.events, [e.id for e in events if e.id is not None])
        self.model.set_events(events)
        self.count_label.setText(self.tr("{0} events").format(len(events)))
        if selected is not None:
            row = self.model.row_of(selected.id)
            if row is not None:
                self.table.selectRow(row)
        self._selection_changed()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Read the events again when they could not be read before (the server may answer now)."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def selected_event(self) -> Event | None:
        """The event of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.event_at(rows[0].row()) if rows else None

    def _selection_changed(self, *_args: Any) -> None:
        event = self.selected_event()
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(event is not None)
        self._show_snapshot(event)

    def _show_snapshot(self, event: Event | None) -> None:
        self.snapshot.setPixmap(QPixmap())
        if event is None:
            self.snapshot.setText(self.tr("Select an event to see its evidence photo."))
            return
        path = self.gallery.events.snapshot_path(event)
        pixmap = QPixmap(str(path)) if path is not None and path.is_file() else QPixmap()
        if pixmap.isNull():
            self.snapshot.setText(self.tr("This event has no evidence photo."))
            return
        self.snapshot.setPixmap(pixmap.scaledToWidth(min(SNAPSHOT_PX, pixmap.width())))

    # -- corrections ---------------------------------------------------------------------------
    def ask_correction(self, event: Event | None) -> Correction | None:
        """Show the event dialog; the values, or None when cancelled (tests replace this)."""
        dialog = EventDialog(self.gallery.people.list(active=True), self.zone, event, self)
        return dialog.correction() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_reason(self, title: str) -> str | None:
        """Ask why; None when cancelled or left empty (tests replace this)."""
        text, ok = QInputDialog.getText(self, title, self.tr("Reason (recorded in the audit log):"))
        return text.strip() if ok and text.strip() else None

    def add_event(self) -> Event | None:
        """Record an event by hand (e.g. a forgotten check-in)."""
        if not self.require_admin(self):
            return None
        correction = self.ask_correction(None)
        if correction is None or correction.person_id is None:
            return None
        person = self.gallery.people.get(correction.person_id)
        event = Event(None, correction.when, self.zone, correction.kind, person.id, person.name, person.employee_no,
                      person.department, None, None, MANUAL_CAMERA, operator=self.actor(), note=correction.note)
        return self._apply(lambda: self.gallery.events.add(event, actor=self.actor()), "add", correction.reason)

    def edit_selected(self) -> Event | None:
        """Change the selected event's kind or note."""
        event = self.selected_event()
        if event is None or not self.require_admin(self):
            return None
        correction = self.ask_correction(event)
        if correction is None:
            return None
        if correction.kind is event.kind:
            note = correction.note
            return self._apply(lambda: self.gallery.events.set_note(_stored_id(event), note, actor=self.actor()),
                               "note", correction.reason, event)
        return self._apply(lambda: self._replace_kind(event, correction), "kind", correction.reason, event)

    def delete_selected(self) -> bool:
        """Delete the selected event (and its evidence photo) after asking why."""
        event = self.selected_event()
        if event is None or not self.require_admin(self):
            return False
        reason = self.ask_reason(self.tr("Delete event"))
        if reason is None:
            return False
        return self._apply(lambda: self.gallery.events.delete(_stored_id(event), actor=self.actor()),
                           "delete", reason, event) is not None

    def _replace_kind(self, event: Event, correction: Correction) -> Event:
        """The store has no kind update: record the corrected event (same time, evidence) and drop the old."""
        path = self.gallery.events.snapshot_path(event)
        snapshot = path.read_bytes() if path is not None and path.is_file() else None
        # a new row (a new uid) that keeps where it was recorded (site, desk)
        fixed = replace(event, kind=correction.kind, note=correction.note, uid=None)
        added = self.gallery.events.add(fixed, snapshot=snapshot, actor=self.actor())
        self.gallery.events.delete(_stored_id(event), actor=self.actor())
        return added

    def _apply(self, change: Callable[[], Any], what: str, reason: str, before: Event | None = None) -> Any:
        """Run ``change`` and an audit entry with ``reason`` in one transaction; refresh and report."""
        try:
            with self.gallery.database.transaction() as db:
                result = change()
                subject = result if isinstance(result, Event) else before
                audit.record(db, self.actor(), "event.correct", "event", subject.id if subject else None,
                             subject.person_id if subject else None, change=what, reason=reason,
                             replaces=before.id if before is not None else None)
        except (FaceAppError, OSError) as exc:
            self._error(self.tr("The correction was not saved"), str(exc))
            return None
        log.info("event correction (%s) by %s", what, self.actor())
        self.refresh()
        self.events_changed.emit()
        return result if result is not None else True

    # -- export --------------------------------------------------------------------------------
    def ask_export_path(self) -> Path | None:
        """Ask where to save the report; its suffix picks the format (tests replace this)."""
        filters = ";;".join(_FILTERS.values())
        path, chosen = QFileDialog.getSaveFileName(self, self.tr("Export report"), str(Path.home()), filters)
        if not path:
            return None
        target = Path(path)
        if target.suffix.lstrip(".").lower() not in _FILTERS:
            fmt = next((k for k, v in _FILTERS.items() if v == chosen), "csv")
            target = target.with_suffix(f".{fmt}")
        return target

    def export(self) -> bool:
        """Write a report of the filtered events (CSV, Excel or PDF) on a worker thread."""
        if self.exporter.busy or not self.require_admin(self):
            return False
        path = self.ask_export_path()
        if path is None:
            return False
        filters = self.filters()
        try:
            events = self.query_events(replace(filters, kind=None))
        except FaceAppError as exc:
            self._error(self.tr("Cannot read the events"), str(exc))
            return False
        query, zone = ReportQuery(filters.start, filters.end, site=filters.site, desk=filters.desk), self.zone
        return self.exporter.start(lambda: str(write_report(build_report(events, zone, query), path)),
                                   self._export_done, self._export_failed)

    def _export_done(self, path: object) -> None:
        log.info("report exported to %s", path)
        self.exported.emit(str(path))

    def _export_failed(self, message: str) -> None:
        self._error(self.tr("The report was not written"), message)
        self.export_failed.emit(message)

    def shutdown(self) -> None:
        """Wait for a running export (and what :attr:`on_shutdown` lists) to finish before closing."""
        self.exporter.wait()
        for stop in self.on_shutdown:
            stop()

    def _error(self, title: str, message: str) -> None:
        log.warning("%s: %s", title, message)
        QMessageBox.warning(self, title, message)


def _day(edit: QDateEdit) -> date:
    """The date shown by ``edit`` as a Python date."""
    qdate = edit.date()
    return date(qdate.year(), qdate.month(), qdate.day())


def _stored_id(event: Event) -> int:
    """The id of an event read from the store (always set there)."""
    if event.id is None:
        raise ValueError("the event was never stored")
    return event.id
