"""The People page: a searchable, sortable table of enrolled people with edit, deactivate and delete."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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

from faceapp.errors import FaceAppError, ServerUnreachableError
from faceapp.records import Person
from faceapp.store import Gallery
from faceapp.ui.offline_state import server_unreachable, unreachable_note
from faceapp.ui.qtmodels import SORT_ROLE, THUMB_PX, PeopleModel, PersonRow, bgr_pixmap, people_rows
from faceapp.ui.services import Services

log = logging.getLogger(__name__)

#: Opens the enrolment dialog for a person (or a new one with ``None``); supplied by the main window.
EnrolOpener = Callable[[int | None], object]


class PersonDialog(QDialog):
    """Edit a person's name, employee number, department, title and whether they are active."""

    def __init__(self, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit {}").format(person.name))
        self.name = QLineEdit(person.name, self)
        self.number = QLineEdit(person.employee_no or "", self)
        self.department = QLineEdit(person.department, self)
        self.job_title = QLineEdit(person.title, self)
        self.active = QCheckBox(self.tr("Recognised at the desk"), self)
        self.active.setChecked(person.active)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Employee no."), self.number)
        form.addRow(self.tr("Department"), self.department)
        form.addRow(self.tr("Title"), self.job_title)
        form.addRow(self.tr("Active"), self.active)
        form.addRow(buttons)

    def changes(self) -> dict[str, object]:
        """The fields as typed, for :meth:`Gallery.update_person`."""
        return {"name": self.name.text(), "employee_no": self.number.text() or None,
                "department": self.department.text(), "title": self.job_title.text(),
                "active": self.active.isChecked()}


class PeoplePage(QWidget):
    """People with their first face, template count and last sighting; admin actions on the selection.

    Signals:
        people_changed(): a person was added, edited or deleted from here.
    """

    people_changed = Signal()

    def __init__(self, services: Services, open_enrol: EnrolOpener | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("People")
        self.services = services
        self.open_enrol = open_enrol
        self.model = PeopleModel(self)
        self._chip_cache: dict[int, QPixmap] = {}  # template id -> thumbnail (chips never change)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self._stale = False  # the list could not be read (server unreachable): read it when shown
        self._build()
        self.refresh()

    @property
    def gallery(self) -> Gallery | None:
        """The gallery, or ``None`` when the app runs without one."""
        return self.services.core.gallery if self.services.core is not None else None

    def _build(self) -> None:
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search name, number or department"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(PeopleModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.table.verticalHeader().setDefaultSectionSize(THUMB_PX + 6)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PeopleModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable_actions())
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        self.enrol_button = self._button(row, self.tr("Enrol person…"), lambda: self._enrol(None))
        self.photos_button = self._button(row, self.tr("Add photos…"), self.add_photos_selected)
        self.edit_button = self._button(row, self.tr("Edit…"), self.edit_selected)
        self.deactivate_button = self._button(row, self.tr("Deactivate"), self.toggle_active_selected)
        self.delete_button = self._button(row, self.tr("Delete…"), self.delete_selected)
        self.offline_note = QLabel(unreachable_note(), self)
        self.offline_note.setObjectName("peopleOfflineNote")
        self.offline_note.setWordWrap(True)
        self.offline_note.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.table, 1)
        self._enable_actions()

    def _button(self, row: QHBoxLayout, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    # -- data ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload everyone from the gallery (keeps the selection where possible)."""
        gallery = self.gallery
        if gallery is None:
            self.model.set_rows([], {})
            self._enable_actions()
            return
        selected = self.selected_person()
        try:
            if server_unreachable(gallery):  # known: do not let the GUI thread wait for the server
                raise ServerUnreachableError("the database server is unreachable")
            rows = people_rows(gallery)
            chips = self._chips(gallery, rows)
        except ServerUnreachableError:
            self._stale = True
            self.offline_note.show()
            self._enable_actions()
            return
        self._stale = False
        self.offline_note.hide()
        self.model.set_rows(rows, chips)
        if selected is not None:
            self.select_person(selected.id)
        self._enable_actions()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Read the list again when it could not be read before (the server may answer now)."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def selected_person(self) -> Person | None:
        """The selected person, or ``None``."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        source = self.proxy.mapToSource(rows[0])
        return self.model.person(source.row())

    def select_person(self, person_id: int) -> None:
        """Select the row of ``person_id`` (nothing when absent)."""
        row = self.model.row_of(person_id)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(row, PeopleModel.NAME))
        if index.isValid():
            self.table.selectRow(index.row())

    def _enable_actions(self) -> None:
        person = self.selected_person()
        has_gallery = self.gallery is not None
        self.enrol_button.setEnabled(has_gallery and self.open_enrol is not None)
        self.photos_button.setEnabled(person is not None and self.open_enrol is not None)
        for button in (self.edit_button, self.deactivate_button, self.delete_button):
            button.setEnabled(person is not None)
        active = person is None or person.active
        self.deactivate_button.setText(self.tr("Deactivate") if active else self.tr("Activate"))

    # -- actions ---------------------------------------------------------------------------------
    def _allowed(self) -> bool:
        return bool(self.services.require_admin(self))

    def _enrol(self, person_id: int | None) -> None:
        if self.open_enrol is not None:
            self.open_enrol(person_id)

    def add_photos_selected(self) -> None:
        """Open the enrolment dialog for the selected person."""
        person = self.selected_person()
        if person is not None:
            self._enrol(person.id)

    def edit_selected(self) -> None:
        """Edit the selected person in a dialog and save the changes."""
        person = self.selected_person()
        if person is None or not self._allowed():
            return
        dialog = PersonDialog(person, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_changes(person.id, dialog.changes())

    def apply_changes(self, person_id: int, changes: dict[str, object]) -> bool:
        """Save changes to a person; say why when they are refused. Returns whether they were saved."""
        gallery = self.gallery
        if gallery is None:
            return False
        try:
            gallery.update_person(person_id, actor=self.services.actor(), **changes)
        except (FaceAppError, ValueError) as exc:
            QMessageBox.warning(self, self.tr("Cannot save"), str(exc))
            return False
        self._changed()
        return True

    def toggle_active_selected(self) -> None:
        """Deactivate (no longer recognised, data kept) or reactivate the selected person."""
        person = self.selected_person()
        if person is not None and self._allowed():
            self.apply_changes(person.id, {"active": not person.active})

    def delete_selected(self) -> None:
        """Delete the selected person and all their biometric data, after confirmation."""
        person = self.selected_person()
        gallery = self.gallery
        if person is None or gallery is None or not self._allowed():
            return
        answer = QMessageBox.question(
            self, self.tr("Delete person"),
            self.tr("Delete {} and all their face data? Their attendance events stay, without a name. "
                    "This cannot be undone.").format(person.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            gallery.delete_person(person.id, actor=self.services.actor())
        except FaceAppError as exc:
            QMessageBox.warning(self, self.tr("Cannot delete"), str(exc))
            return
        self._changed()

    def _chips(self, gallery: Gallery, rows: list[PersonRow]) -> dict[int, QPixmap]:
        """Each person's first face chip as a thumbnail (decoded once per template)."""
        chips: dict[int, QPixmap] = {}
        for row in rows:
            template_id = row.first_template
            if template_id is None:
                continue
            if template_id not in self._chip_cache:
                try:
                    self._chip_cache[template_id] = bgr_pixmap(gallery.people.chip(template_id))
                except FaceAppError:
                    log.warning("the face chip of template %d cannot be read", template_id)
                    continue
            chips[row.person.id] = self._chip_cache[template_id]
        return chips

    def _changed(self) -> None:
        self.refresh()
        self.people_changed.emit()
