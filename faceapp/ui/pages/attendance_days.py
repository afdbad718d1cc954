"""The Attendance page's "Days" tab: each person's status per day against their shift, with filters.

Rows come from :func:`faceapp.attendance.timecard.compute_days`, the same day-status function the CLI
and the reports use. The status filter offers "exceptions only" (late, early leave, half day, absent,
missing punch). Time cards and the department summary are exported on a worker thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QEventLoop,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from faceapp.attendance.daystatus import Status
from faceapp.attendance.hr_reports import ReportSpec, write
from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.timecard import PersonDay, compute_days, hours, select_people
from faceapp.errors import FaceAppError
from faceapp.store import Gallery
from faceapp.ui.jobs import JobRunner
from faceapp.ui.offline_state import server_unreachable, unreachable_note
from faceapp.ui.pages.attendance_filters import chosen, fill_choices, fill_origin_choices

if TYPE_CHECKING:
    from faceapp.ui.dialogs.attendance_rules import RulesDialog

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex
Gate = Callable[[QWidget], bool]
EXCEPTIONS_ONLY = "exceptions"
_EXCEPTION_COLOUR = QColor(255, 236, 230)


def drain(runner: JobRunner, timeout_s: float = 120.0) -> None:
    """Wait for ``runner``'s job while handling events: its thread quits through a queued call."""
    deadline = time.monotonic() + timeout_s
    while runner.busy and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(5)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DayTableModel", text)


def status_label(status: Status) -> str:
    """A day status in words (translated)."""
    words = {
        Status.PRESENT: _tr("Present"), Status.LATE: _tr("Late"),
        Status.EARLY_LEAVE: _tr("Early leave"),
        Status.LATE_AND_EARLY: _tr("Late and early leave"),
        Status.HALF_DAY: _tr("Half day"), Status.ABSENT: _tr("Absent"),
        Status.ON_LEAVE: _tr("On leave"), Status.HOLIDAY: _tr("Holiday"),
        Status.REST_DAY: _tr("Rest day"), Status.MISSING_PUNCH: _tr("Missing punch"),
        Status.PENDING: _tr("Not over yet"),
    }
    return words[status]


class DayTableModel(QAbstractTableModel):
    """Rows are person-days; exceptions are tinted."""

    COLUMNS = ("date", "name", "employee_no", "department", "shift", "in", "out", "worked", "late", "early",
               "overtime", "status")

    def __init__(self, zone: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zone = ZoneInfo(zone)
        self._days: list[PersonDay] = []
        self._headers = (_tr("Date"), _tr("Person"), _tr("Employee no."), _tr("Department"), _tr("Shift"),
                         _tr("In"), _tr("Out"), _tr("Worked"), _tr("Late"), _tr("Early leave"), _tr("Overtime"),
                         _tr("Status"))

    def set_days(self, days: Sequence[PersonDay]) -> None:
        self.beginResetModel()
        self._days = list(days)
        self.endResetModel()

    def day_at(self, row: int) -> PersonDay:
        return self._days[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self._days)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._days):
            return None
        day = self._days[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(day, self.COLUMNS[index.column()])
        if role == Qt.ItemDataRole.BackgroundRole and day.result.is_exception:
            return QBrush(_EXCEPTION_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole:
            return ", ".join(p.time.astimezone(self.zone).strftime("%H:%M") + f" {p.kind}"
                             for p in day.result.punches) or None
        return None

    def _text(self, day: PersonDay, column: str) -> str:
        r = day.result
        values = {
            "date": r.day.isoformat(), "name": day.name, "employee_no": day.employee_no,
            "department": day.department, "shift": r.shift or "",
            "in": r.first_in.astimezone(self.zone).strftime("%H:%M") if r.first_in else "",
            "out": r.last_out.astimezone(self.zone).strftime("%H:%M") if r.last_out else "",
            "worked": hours(r.worked_minutes), "late": hours(r.late_minutes), "early": hours(r.early_minutes),
            "overtime": hours(r.overtime_minutes),
            "status": status_label(r.status) + (f" ({r.holiday})" if r.holiday else ""),
        }
        return values[column]


class DayStatusPanel(QWidget):
    """Status per person and day, filters, and the time-card / summary exports.

    Args:
        gallery: the open gallery (people, database).
        zone: the desk's IANA zone.
        require_manager: asked before an export (a manager or an administrator may export).
        clock: the current UTC time (tests pass a fixed one); days not over yet show as such.
        language: the language of exported reports (``en`` or ``zh_CN``).
    """

    def __init__(self, gallery: Gallery, zone: str, require_manager: Gate,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc), language: str = "en",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self.gallery, self.zone, self.require_manager, self.clock = gallery, zone, require_manager, clock
        self.store = AttendanceStore(gallery.database)
        self.model = DayTableModel(zone, self)
        self.rules_dialog: RulesDialog | None = None  # the rules editor last opened (attendance_hr)
        self.exporter = JobRunner(self)
        self.setObjectName("dayStatusPanel")
        self._build()
        self.refresh()

    def _build(self) -> None:
        today = self.clock().astimezone(ZoneInfo(self.zone)).date()
        self.from_edit = self._date_edit(today.replace(day=1))
        self.to_edit = self._date_edit(today)
        self.person_edit = QLineEdit(self)
        self.person_edit.setPlaceholderText(self.tr("Name or employee number"))
        self.person_edit.textChanged.connect(self.apply_filters)
        self.department_box = QComboBox(self)
        self.status_box = QComboBox(self)
        self.status_box.addItem(self.tr("All days"), "")
        self.status_box.addItem(self.tr("Exceptions only"), EXCEPTIONS_ONLY)
        for status in Status:
            self.status_box.addItem(status_label(status), status.value)
        self.status_box.currentIndexChanged.connect(self.apply_filters)
        self.fill_departments()
        self.department_box.currentIndexChanged.connect(self.refresh)
        self.site_box, self.desk_box = QComboBox(self), QComboBox(self)  # count only punches recorded there
        self.fill_origins()
        for box in (self.site_box, self.desk_box):
            box.currentIndexChanged.connect(self.refresh)
        filters = QHBoxLayout()
        for label, widget in ((self.tr("From:"), self.from_edit), (self.tr("To:"), self.to_edit),
                              (self.tr("Person:"), self.person_edit), (self.tr("Department:"), self.department_box),
                              (self.tr("Status:"), self.status_box), (self.tr("Site:"), self.site_box),
                              (self.tr("Desk:"), self.desk_box)):
            filters.addWidget(QLabel(label, self))
            filters.addWidget(widget)
        filters.addStretch(1)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count_label = QLabel(self)
        self.timecard_button = QPushButton(self.tr("Export time cards…"), self)
        self.timecard_button.clicked.connect(lambda: self.export("timecard"))
        self.summary_button = QPushButton(self.tr("Export summary…"), self)
        self.summary_button.clicked.connect(lambda: self.export("summary"))
        self.exporter.busy_changed.connect(self._exporting)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        self.extra_buttons = buttons  # the page adds its editors' buttons here
        buttons.addWidget(self.timecard_button)
        buttons.addWidget(self.summary_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _exporting(self, busy: bool) -> None:
        """The export buttons wait while an export runs."""
        for button in (self.timecard_button, self.summary_button):
            button.setEnabled(not busy)

    def _date_edit(self, day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.dateChanged.connect(self.refresh)
        return edit

    def fill_departments(self) -> None:
        if server_unreachable(self.gallery):
            return
        departments = sorted({p.department for p in self.gallery.people.list() if p.department}, key=str.casefold)
        fill_choices(self.department_box, self.tr("All departments"), departments)

    def fill_origins(self) -> None:
        """The sites and desks that recorded events, as filter choices."""
        if server_unreachable(self.gallery):
            return
        fill_origin_choices(self.gallery.database, self.site_box, self.desk_box, self.tr("All sites"),
                            self.tr("All desks"))

    def period(self) -> tuple[date, date]:
        a, b = (date(e.date().year(), e.date().month(), e.date().day()) for e in (self.from_edit, self.to_edit))
        return min(a, b), max(a, b)

    def compute(self) -> list[PersonDay]:
        """The person-days passing the filters (computed afresh)."""
        return self._filtered(self._compute_all())

    def _compute_all(self) -> list[PersonDay]:
        """Every person-day of the period and department (the text and status filters come after)."""
        start, end = self.period()
        department = self.department_box.currentData() or ""
        people = select_people(self.gallery.people.list(active=True), (), [department] if department else ())
        return compute_days(self.store, people, start, end, self.zone, now=self.clock(), site=chosen(self.site_box),
                            desk=chosen(self.desk_box))

    def _filtered(self, days: list[PersonDay], by_status: bool = True) -> list[PersonDay]:
        needle = self.person_edit.text().strip().casefold()
        wanted = (self.status_box.currentData() or "") if by_status else ""
        return [d for d in days
                if (not needle or needle in d.name.casefold() or needle in d.employee_no.casefold())
                and (not wanted or (d.result.is_exception if wanted == EXCEPTIONS_ONLY
                                    else d.result.status.value == wanted))]

    def refresh(self) -> None:
        """Recompute the period (dates, department, site, desk or the rules changed) and show it filtered."""
        if server_unreachable(self.gallery):  # known: do not let the GUI thread wait for the server
            self._stale = True
            self.count_label.setText(unreachable_note())
            return
        if getattr(self, "_stale", False):
            self._stale = False
            self.fill_departments()
        self.fill_origins()
        try:
            self._all = self._compute_all()
        except FaceAppError as exc:
            self._error(self.tr("Cannot compute the attendance"), str(exc))
            return
        self.apply_filters()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Compute again when the server could not be read before (it may answer now)."""
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self.refresh()

    def apply_filters(self) -> None:
        """Show the computed days that pass the person and status filters (no recomputation)."""
        days = self._filtered(getattr(self, "_all", []))
        self.model.set_days(days)
        exceptions = sum(d.result.is_exception for d in days)
        self.count_label.setText(self.tr("{0} person-days, {1} exceptions").format(len(days), exceptions))

    def ask_path(self, kind: str) -> Path | None:
        """Where to save (tests replace this); the suffix picks PDF or Excel."""
        filters = "PDF (*.pdf);;Excel (*.xlsx)" if kind == "timecard" else "Excel (*.xlsx)"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export"), str(Path.home()), filters)
        if not path:
            return None
        target = Path(path)
        return target if target.suffix.lower() in (".pdf", ".xlsx") else target.with_suffix(".xlsx")

    def export(self, kind: str, language: str | None = None) -> bool:
        """Write time cards or the summary of the filtered people and period on a worker thread."""
        if self.exporter.busy or not self.require_manager(self):
            return False
        path = self.ask_path(kind)
        if path is None:
            return False
        start, end = self.period()
        lang = language or (self.language if self.language in ("en", "zh_CN") else "en")
        days = self._filtered(self._compute_all(), by_status=False)  # a time card shows every day
        spec = ReportSpec(kind, start, end, self.zone, lang, self.clock(), site=chosen(self.site_box),
                          desk=chosen(self.desk_box))
        return self.exporter.start(lambda: str(write(days, spec, path)), lambda p: log.info("exported %s", p),
                                   lambda message: self._error(self.tr("The report was not written"), message))

    def shutdown(self) -> None:
        drain(self.exporter)

    def _error(self, title: str, message: str) -> None:
        log.warning("%s: %s", title, message)
        QMessageBox.warning(self, title, message)
