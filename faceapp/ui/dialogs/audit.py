"""The audit log, read-only, for administrators: who changed what, when, and at which site and desk.

The same filters as ``faceapp audit``: since a date, kind of entity, person id, site, desk, and how
many entries (newest first). Times are shown in the desk's zone; the table is a thin Qt model over
:meth:`faceapp.store.audit.AuditLog.entries`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QDate, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from faceapp.errors import FaceAppError
from faceapp.store.audit import AuditEntry, AuditLog
from faceapp.store.db import Database
from faceapp.store.events import distinct_origins
from faceapp.store.origin import clean
from faceapp.ui.table_model import Index, RecordsTableModel

#: Kinds of entity the product writes audit entries about (the entity filter's choices; any may be typed).
ENTITIES = ("area", "door", "event", "holiday", "level", "model", "person", "rotation", "setting", "shift",
            "template", "user")
MAX_LIMIT = 100_000


def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditModel", text)


class AuditModel(RecordsTableModel[AuditEntry]):
    """Time (local), actor, action, entity, person, site, desk, details."""

    COLUMNS = 8

    def __init__(self, zone: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zone = zone

    @property
    def entries(self) -> list[AuditEntry]:
        return self.rows

    def headers(self) -> list[str]:
        return [_tr("Time"), _tr("Actor"), _tr("Action"), _tr("Entity"), _tr("Person"), _tr("Site"), _tr("Desk"),
                _tr("Details")]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.record(index)
        if entry is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells(entry)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return entry.id
        return None

    def _cells(self, entry: AuditEntry) -> tuple[str, ...]:
        try:
            when = datetime.fromisoformat(entry.time).astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            when = entry.time
        subject = entry.entity if entry.entity_id is None else f"{entry.entity} {entry.entity_id}"
        details = json.dumps(entry.details, ensure_ascii=False, default=str) if entry.details else ""
        return (when, entry.actor, entry.action, subject, "" if entry.person_id is None else str(entry.person_id),
                entry.site or "—", entry.desk or "—", details)


class AuditDialog(QDialog):
    """The audit log with its filters; reads only (call :meth:`refresh` after changing a filter in code)."""

    def __init__(self, database: Database, zone: str | ZoneInfo = "UTC", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Audit log"))
        self.log = AuditLog(database)
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self.model = AuditModel(self.zone, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.use_since = QCheckBox(self.tr("Since"), self)
        self.since = QDateEdit(QDate.currentDate().addDays(-7), self)
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.entity = self._choices(["", *ENTITIES])
        self.person = QSpinBox(self)
        self.person.setRange(0, 2_000_000_000)
        self.person.setSpecialValueText(self.tr("Anyone"))
        sites, desks = distinct_origins(database)
        self.site = self._choices(["", *sites])
        self.desk = self._choices(["", *desks])
        self.limit = QSpinBox(self)
        self.limit.setRange(1, MAX_LIMIT)
        self.limit.setValue(100)
        self.status = QLabel(self)
        self._build()
        self.refresh()

    def _choices(self, values: Sequence[str]) -> QComboBox:
        box = QComboBox(self)
        box.setEditable(True)
        box.addItems(list(values))
        line = box.lineEdit()
        if line is not None:
            line.setPlaceholderText(self.tr("All"))
        box.setMinimumContentsLength(12)
        return box

    def _build(self) -> None:
        form = QFormLayout()
        since = QHBoxLayout()
        since.addWidget(self.use_since)
        since.addWidget(self.since, 1)
        form.addRow(self.tr("Time:"), since)
        form.addRow(self.tr("Entity:"), self.entity)
        form.addRow(self.tr("Person id:"), self.person)
        other = QFormLayout()
        other.addRow(self.tr("Site:"), self.site)
        other.addRow(self.tr("Desk:"), self.desk)
        other.addRow(self.tr("At most:"), self.limit)
        filters = QHBoxLayout()
        filters.addLayout(form, 1)
        filters.addLayout(other, 1)
        show = QPushButton(self.tr("Show"), self)
        show.setDefault(True)
        show.clicked.connect(lambda _checked=False: self.refresh())
        filters.addWidget(show, 0, Qt.AlignmentFlag.AlignBottom)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.resize(1000, 560)

    def filters(self) -> dict[str, Any]:
        """The chosen filters as :meth:`AuditLog.entries` arguments (``since`` is local midnight, as UTC text)."""
        since = None
        if self.use_since.isChecked():
            chosen = self.since.date()
            day = date(chosen.year(), chosen.month(), chosen.day())
            since = datetime.combine(day, time.min, self.zone).astimezone(timezone.utc).isoformat(
                timespec="milliseconds")
        entity = self.entity.currentText().strip() or None
        site, desk = (clean(box.currentText()) or None for box in (self.site, self.desk))
        return {"since": since, "entity": entity, "person_id": self.person.value() or None, "site": site,
                "desk": desk, "limit": self.limit.value()}

    def refresh(self) -> None:
        """Read the entries the filters select, newest first."""
        try:
            entries = self.log.entries(**self.filters())
        except FaceAppError as exc:
            self.status.setText(str(exc))
            return
        self.model.set_rows(entries)
        self.table.resizeColumnsToContents()
        self.status.setText(self.tr("Entries: {} (newest first)").format(len(entries)))
