"""The enrolment dialog: choose or create a person, then add photos or faces captured from the live view.

Photo enrolment runs on an :class:`~faceapp.ui.workers.EnrolWorker`, captured faces are saved by a
:class:`~faceapp.ui.workers.ChipEnrolWorker`; the dialog only shows their plain-data results, so the
UI thread never waits on inference. Live capture is the
:class:`~faceapp.ui.widgets.capture.CapturePanel` on the Camera tab.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from faceapp.errors import FaceAppError
from faceapp.records import Person
from faceapp.store.enrol import Enroller
from faceapp.ui.services import Services
from faceapp.ui.widgets.capture import CapturePanel
from faceapp.ui.workers import ChipEnrolWorker, EnrolWorker, LiveSession, PhotoOutcome
from faceapp.vision.imageio import is_image_path

log = logging.getLogger(__name__)

_PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff);;All files (*)"
_STATUS_COLOUR = {"enrolled": QColor(30, 140, 80), "already": QColor(110, 110, 110),
                  "duplicate": QColor(200, 120, 0), "refused": QColor(190, 50, 50)}


def _tr(text: str) -> str:
    return QCoreApplication.translate("EnrolDialog", text)


def short_reason(outcome: PhotoOutcome) -> str:
    """A few words for the result list, e.g. ``2 faces found`` or ``matches Abel Pacheco (id 3)``."""
    if outcome.status == "enrolled" and outcome.faces > 1 and outcome.face:
        return _tr("enrolled face {0} of {1} (the dominant one)").format(outcome.face, outcome.faces)
    if outcome.status == "enrolled":
        return _tr("enrolled")
    if outcome.status == "already":
        return _tr("already enrolled")
    if outcome.status == "duplicate" and outcome.other_id is not None:
        return _tr("matches {} (id {})").format(outcome.other_name, outcome.other_id)
    text = outcome.reason
    if "cannot be enrolled: " in text:
        return text.split("cannot be enrolled: ", 1)[1].split(". ", 1)[0]
    text = text.split(": ", 1)[1] if text.startswith(outcome.path) else text
    return re.split(r";|\. ", text, maxsplit=1)[0]


class PersonForm(QGroupBox):
    """Pick an existing person (searchable) or type the details of a new one."""

    def __init__(self, people: Sequence[Person], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Person"), parent)
        self.combo = QComboBox(self)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.addItem(self.tr("New person…"), None)
        for person in people:
            number = f" · {person.employee_no}" if person.employee_no else ""
            self.combo.addItem(f"{person.name}{number}", person.id)
        completer = QCompleter(self.combo.model(), self.combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.combo.setCompleter(completer)
        self.name, self.number, self.department = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        self.name.setPlaceholderText(self.tr("Full name"))
        form = QFormLayout(self)
        form.addRow(self.tr("Enrol"), self.combo)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Employee no."), self.number)
        form.addRow(self.tr("Department"), self.department)
        self.combo.currentIndexChanged.connect(self._toggle)
        self._toggle()

    def person_id(self) -> int | None:
        """The chosen existing person, or ``None`` for a new one."""
        data = self.combo.currentData()
        return int(data) if data is not None else None

    def select(self, person_id: int) -> None:
        """Choose an existing person."""
        index = self.combo.findData(person_id)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def add_and_select(self, person: Person) -> None:
        """After creating ``person``: list and choose them."""
        self.combo.addItem(person.name, person.id)
        self.select(person.id)

    def _toggle(self) -> None:
        new = self.person_id() is None
        for edit in (self.name, self.number, self.department):
            edit.setEnabled(new)


class EnrolDialog(QDialog):
    """Enrol a person from photos or from the live view.

    Signals:
        batch_finished(): a batch of photos has been processed.
        chips_saved(status, message): captured faces were saved (or refused).
        changed(person_id): the person's templates changed (pages refresh).
    """

    batch_finished = Signal()
    chips_saved = Signal(str, str)
    changed = Signal(int)

    def __init__(self, services: Services, session: LiveSession | None = None, person_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Enrol person"))
        self.setAcceptDrops(True)
        self.resize(720, 560)
        self.services = services
        self.session = session
        self.enroller: Enroller = services.enroller()
        self.worker: EnrolWorker | None = None
        self.chip_worker: ChipEnrolWorker | None = None
        self.pending: list[str] = []
        self.outcomes: list[PhotoOutcome] = []
        self.person_form = PersonForm(services.core.gallery.people.list() if services.core else [], self)
        if person_id is not None:
            self.person_form.select(person_id)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._photos_tab(), self.tr("Photos"))
        self.capture = CapturePanel(session, self.enroller.gate, self)
        self.capture.save_requested.connect(lambda: self.save_chips())
        self.tabs.addTab(self.capture, self.tr("Camera"))
        if services.core is not None:  # access control: the person's levels and validity
            from faceapp.access.store import AccessStore
            from faceapp.ui.dialogs.access_person import AccessPanel

            self.access_panel = AccessPanel(AccessStore(services.core.gallery.database, services.core.zone),
                                            services.actor(), person_id, self)
            self.tabs.addTab(self.access_panel, self.tr("Access"))
            self.person_form.combo.currentIndexChanged.connect(
                lambda _index: self.access_panel.load(self.person_form.person_id()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.person_form)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    # -- building --------------------------------------------------------------------------------
    def _photos_tab(self) -> QWidget:
        tab = QWidget(self)
        self.add_photos_button = QPushButton(self.tr("Add photos…"), tab)
        self.add_photos_button.clicked.connect(self.ask_photos)
        hint = QLabel(self.tr("…or drop photo files onto this window. Each photo must show one face."), tab)
        hint.setWordWrap(True)
        self.progress = QProgressBar(tab)
        self.progress.setValue(0)
        self.results = QListWidget(tab)
        self.results.currentRowChanged.connect(self._on_result_selected)
        self.force_button = QPushButton(self.tr("Enrol anyway"), tab)
        self.force_button.setToolTip(self.tr("Enrol the selected photo although it matches someone else"))
        self.force_button.setEnabled(False)
        self.force_button.clicked.connect(self.force_selected)
        top = QHBoxLayout()
        top.addWidget(self.add_photos_button)
        top.addWidget(hint, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.force_button)
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addWidget(self.results, 1)
        layout.addLayout(bottom)
        return tab

    # -- the person ------------------------------------------------------------------------------
    def resolve_person(self) -> int | None:
        """The chosen person's id, creating the new person first; ``None`` (with a message) on error."""
        person_id = self.person_form.person_id()
        if person_id is not None:
            return person_id
        form = self.person_form
        try:
            person = self.enroller.gallery.add_person(
                form.name.text(), employee_no=form.number.text() or None, department=form.department.text(),
                actor=self.services.actor())
        except (FaceAppError, ValueError) as exc:
            QMessageBox.warning(self, self.tr("Cannot add the person"), str(exc))
            return None
        log.info("person %d added from the enrolment dialog", person.id)
        form.add_and_select(person)
        self.changed.emit(person.id)
        return person.id

    # -- photos ----------------------------------------------------------------------------------
    def ask_photos(self) -> None:
        """Choose photo files and enrol them."""
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Add photos"), str(Path.home()), _PHOTO_FILTER)
        if paths:
            self.add_photos(paths)

    def add_photos(self, paths: Sequence[str | Path], force: bool = False) -> None:
        """Enrol photo files for the chosen person on a worker thread (queued while one runs)."""
        if not paths:
            return
        if self.worker is not None:
            self.pending.extend(str(p) for p in paths)
            return
        person_id = self.resolve_person()
        if person_id is None:
            return
        self.progress.setRange(0, len(paths))
        self.progress.setValue(0)
        self.worker = EnrolWorker(self.enroller, person_id, paths, force=force, actor=self.services.actor(),
                                  parent=self)
        self.worker.photo_done.connect(self._on_photo_done)
        self.worker.progress.connect(self._on_progress)  # a bound slot: delivered on the GUI thread
        self.worker.finished.connect(self._on_batch_finished)
        self.worker.start()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_photo_done(self, outcome: PhotoOutcome) -> None:
        self.outcomes.append(outcome)
        item = QListWidgetItem(f"{Path(outcome.path).name} — {short_reason(outcome)}")
        item.setForeground(_STATUS_COLOUR.get(outcome.status, QColor(0, 0, 0)))
        item.setToolTip(outcome.reason or outcome.path)
        item.setData(Qt.ItemDataRole.UserRole, outcome)
        self.results.addItem(item)
        if outcome.status == "enrolled" and self.worker is not None:
            self.changed.emit(self.worker.person_id)

    def _on_batch_finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self.batch_finished.emit()
        if self.pending:
            pending, self.pending = self.pending, []
            self.add_photos(pending)

    def _on_result_selected(self, row: int) -> None:
        item = self.results.item(row)
        outcome = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.force_button.setEnabled(isinstance(outcome, PhotoOutcome) and outcome.status == "duplicate")

    def force_selected(self) -> None:
        """Enrol the selected duplicate photo anyway (after the admin confirms it is someone else)."""
        item = self.results.currentItem()
        outcome = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not isinstance(outcome, PhotoOutcome) or outcome.status != "duplicate":
            return
        self.force_button.setEnabled(False)
        self.add_photos([outcome.path], force=True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if _dropped_photos(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        photos = _dropped_photos(event)
        if photos:
            event.acceptProposedAction()
            self.add_photos(photos)

    # -- captured faces ---------------------------------------------------------------------------
    def save_chips(self, force: bool = False) -> None:
        """Enrol the captured faces on a worker thread."""
        chips, quality = self.capture.captured.chips()
        if not len(chips) or self.chip_worker is not None:
            return
        person_id = self.resolve_person()
        if person_id is None:
            return
        self.capture.status.setText(self.tr("Saving…"))
        self.chip_worker = ChipEnrolWorker(self.enroller, person_id, chips, quality, force=force,
                                           actor=self.services.actor(), parent=self,
                                           liveness=self.capture.captured_liveness())
        self.chip_worker.done.connect(self._on_chips_saved)
        self.chip_worker.start()

    def _on_chips_saved(self, status: str, message: str) -> None:
        worker, self.chip_worker = self.chip_worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        if status == "enrolled":
            self.capture.saved(int(message))
            if worker is not None:
                self.changed.emit(worker.person_id)
        elif status == "duplicate" and self._confirm_force(message):
            self.save_chips(force=True)
            return
        elif status == "spoof":
            self.capture.refused_on_save(message)
        else:
            self.capture.status.setText(message)
        self.chips_saved.emit(status, message)

    def _confirm_force(self, message: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Enrol anyway?"),
                                      self.tr("{}\n\nEnrol these faces anyway?").format(message))
        return answer == QMessageBox.StandardButton.Yes

    # -- closing ---------------------------------------------------------------------------------
    def busy(self) -> bool:
        """Whether photos or captured faces are being enrolled."""
        return self.worker is not None or self.chip_worker is not None

    def done(self, result: int) -> None:
        """Stop capturing and wait for workers before the dialog goes (they hold the person)."""
        self._finish()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self._finish()
        super().closeEvent(event)

    def _finish(self) -> None:
        self.capture.stop()
        for worker in (self.worker, self.chip_worker):
            if worker is not None:
                if isinstance(worker, EnrolWorker):
                    worker.stop()
                worker.wait()


def _dropped_photos(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [str(p) for p in files if p.is_file() and is_image_path(p)]
