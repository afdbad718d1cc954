"""The settings dialog (administrators only): edits a typed :class:`~faceapp.config.Settings`.

OK validates by building a new ``Settings`` (a :class:`~faceapp.errors.ConfigError` is shown and
the dialog stays open), saves it atomically to the settings file and emits ``settings_saved``.
Choosing another embedder re-embeds the gallery on a worker thread with a progress dialog; the
gallery keeps searching with the old model until the new index is complete. The detector, the mirror
test (flip test-time augmentation), the execution provider, the data folder and the language take
effect at the next start.
"""

from __future__ import annotations

import itertools
import logging
import math
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from faceapp.attendance.rules import DeskRules
from faceapp.config import LANGUAGES, MAX_CAMERA_SIDE, MAX_LOCK_MINUTES, Paths, Settings
from faceapp.errors import ConfigError, FaceAppError
from faceapp.store import Gallery, origin
from faceapp.store.backup import backup, stage_restore
from faceapp.store.gallery import ChipEmbedder
from faceapp.ui.dialogs.operating_point import OperatingPointBox, embedder_calibration
from faceapp.ui.jobs import JobRunner
from faceapp.ui.widgets.liveness import LivenessSettingsBox

log = logging.getLogger(__name__)

#: Opens the embedder named by its argument (called on the re-embedding thread).
EmbedderFactory = Callable[[str], ChipEmbedder]
_CONTEXT = "SettingsDialog"
MIN_WIDTH_PX = 900
#: (threshold, false accepts per comparison of two different people) measured on lfw-dev; see
#: the table in :mod:`faceapp.store.gallery`. Log-linear interpolation in between.
FALSE_ACCEPTS = ((0.30, 3.3e-3), (0.42, 7.1e-5), (0.486, 1e-5))


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def false_accept_rate(threshold: float) -> float:
    """Approximate false accepts per different-person comparison at ``threshold`` (lfw-dev)."""
    points = FALSE_ACCEPTS
    if threshold <= points[0][0]:
        (x0, y0), (x1, y1) = points[0], points[1]
    elif threshold >= points[-1][0]:
        (x0, y0), (x1, y1) = points[-2], points[-1]
    else:
        (x0, y0), (x1, y1) = next((a, b) for a, b in itertools.pairwise(points) if threshold <= b[0])
    slope = (math.log10(y1) - math.log10(y0)) / (x1 - x0)
    return min(10 ** (math.log10(y0) + slope * (threshold - x0)), 1.0)


def threshold_sentence(kind: str, threshold: float) -> str:
    """What a threshold means in false accepts, in one translated sentence."""
    one_in = max(round(1 / false_accept_rate(threshold)), 1)
    if kind == "accept":
        return _tr("Faces scoring at least this are recognised. About 1 in {0:,} comparisons with a different "
                   "person reaches it, so with N enrolled people a stranger is taken for someone up to N times "
                   "as often. Raise it for large sites.").format(one_in)
    return _tr("Faces scoring below this are unknown visitors; between the two thresholds the desk waits for "
               "another look. About 1 in {0:,} comparisons with a different person reaches it.").format(one_in)


def registry_embedder_factory(paths: Paths, settings: Settings) -> EmbedderFactory:
    """An :data:`EmbedderFactory` opening registry models on the configured execution provider."""

    def open_embedder(name: str) -> ChipEmbedder:
        from faceapp.vision.embed import Embedder
        from faceapp.vision.models import ModelRegistry
        from faceapp.vision.runtime import choose_provider

        registry = ModelRegistry(user_dir=paths.user_models)
        spec, session = registry.open(name, choose_provider(settings.provider), settings.threads)
        return Embedder(spec, session, flip=settings.flip_embedding)

    return open_embedder


class ReembedWorker(QObject):
    """Embeds the gallery with another model on its own thread; owns no widgets."""

    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, gallery: Gallery, model: str, factory: EmbedderFactory, actor: str) -> None:
        super().__init__()
        self.gallery, self.model, self.factory, self.actor = gallery, model, factory, actor

    @Slot()
    def run(self) -> None:
        """Open the model and re-embed; emit ``finished(model)`` or ``failed(message)``."""
        try:
            embedder = self.factory(self.model)
            self.gallery.reembed(embedder, self.model, progress=self.progress.emit, actor=self.actor)
        except FaceAppError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug, but the user must hear about it
            log.exception("re-embedding failed")
            self.failed.emit(repr(exc))
        else:
            self.finished.emit(self.model)


class SettingsDialog(QDialog):
    """Edits the settings; saves them on OK.

    Args:
        settings: the settings to start from.
        paths: the folders (``paths.settings_file`` is written; ``paths.data`` is backed up).
        gallery: the open gallery (re-embedding, backup); None disables those.
        models: model names by kind (``"detector"``, ``"embedder"``); default: the registry's.
        embedder_factory: opens an embedder by name for re-embedding; default: from the registry.
        actor: the name recorded in the audit log.
        parent: the parent window.

    Signals:
        settings_saved(Settings): the new settings were saved.
        reembed_finished(str): the gallery now searches with this embedder (rebuild the pipeline).
        reembed_failed(str): re-embedding failed; the gallery still uses the old model.
    """

    settings_saved = Signal(object)
    reembed_finished = Signal(str)
    reembed_failed = Signal(str)

    def __init__(self, settings: Settings, paths: Paths, gallery: Gallery | None = None,
                 models: dict[str, list[str]] | None = None, embedder_factory: EmbedderFactory | None = None,
                 actor: str = "admin", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings, self.paths, self.gallery, self.actor = settings, paths, gallery, actor
        self.models = models if models is not None else _registry_models(paths)
        self.embedder_factory = embedder_factory or registry_embedder_factory(paths, settings)
        self.saved: Settings | None = None
        self._thread: QThread | None = None
        self._worker: ReembedWorker | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.jobs = JobRunner(self)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(MIN_WIDTH_PX)
        left, right = QVBoxLayout(), QVBoxLayout()
        for group in (self._camera_group(), self._recognition_group()):
            left.addWidget(group)
        for group in (self._origin_group(), self._desk_group(), self._system_group(), self._data_group()):
            right.addWidget(group)
        self.liveness_box = LivenessSettingsBox(settings.camera_name, self)
        right.addWidget(self.liveness_box)
        if gallery is not None:  # access control: test a door's output, visitor retention
            from faceapp.services import system_zone
            from faceapp.ui.dialogs.access_settings import DoorsSettingsBox

            self.doors_box = DoorsSettingsBox(gallery.database, settings.timezone or system_zone(), actor, self)
            left.addWidget(self.doors_box)
        left.addStretch(1)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.load(settings)

    # -- building ------------------------------------------------------------------------------
    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title, self)
        return box, QFormLayout(box)

    def _spin(self, low: int, high: int, suffix: str = "") -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        return spin

    def _camera_group(self) -> QGroupBox:
        box, form = self._group(self.tr("Camera"))
        self.source_edit = QLineEdit(self)
        self.source_edit.setToolTip(self.tr("A camera number (0 is the default camera), a video file, "
                                            "an image folder or an rtsp:// or http:// address."))
        self.camera_name_edit = QLineEdit(self)
        self.width_spin = self._spin(0, MAX_CAMERA_SIDE, " px")
        self.height_spin = self._spin(0, MAX_CAMERA_SIDE, " px")
        for spin in (self.width_spin, self.height_spin):
            spin.setSpecialValueText(self.tr("camera default"))
        size = QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(QLabel("×", self))
        size.addWidget(self.height_spin)
        form.addRow(self.tr("Source:"), self.source_edit)
        form.addRow(self.tr("Camera name:"), self.camera_name_edit)  # the desk's own name is under Site and desk
        form.addRow(self.tr("Resolution:"), size)
        return box

    def _threshold(self) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(-1.0, 1.0)
        spin.setDecimals(3)
        spin.setSingleStep(0.01)
        return spin

    def _recognition_group(self) -> QGroupBox:
        box, form = self._group(self.tr("Recognition"))
        self.accept_spin, self.unknown_spin = self._threshold(), self._threshold()
        self.accept_note, self.unknown_note = QLabel(self), QLabel(self)
        for note in (self.accept_note, self.unknown_note):
            note.setWordWrap(True)
            note.setObjectName("thresholdNote")
            note.setStyleSheet("color: #5f6b73;")
            note.setMinimumHeight(note.fontMetrics().lineSpacing() * 4)
        self.accept_spin.valueChanged.connect(lambda v: self.accept_note.setText(threshold_sentence("accept", v)))
        self.unknown_spin.valueChanged.connect(lambda v: self.unknown_note.setText(threshold_sentence("unknown", v)))
        self.operating_box = self._operating_box()
        self.operating_box.pin_changed.connect(self._pin_changed)
        self.detector_box = self._model_box("detector")
        self.embedder_box = self._model_box("embedder")
        self.flip_check = QCheckBox(self.tr("Also embed each face mirrored"), self)
        self.flip_check.setToolTip(self.tr("More faces recognised at the same rate of strangers accepted; the "
                                           "embedding takes twice as long. Takes effect after a restart."))
        self.provider_box = QComboBox(self)
        for key, label in (("auto", self.tr("Automatic (GPU when available)")), ("cpu", self.tr("CPU")),
                           ("cuda", self.tr("NVIDIA GPU (CUDA)"))):
            self.provider_box.addItem(label, key)
        form.addRow(self.tr("Strangers accepted:"), self.operating_box)
        form.addRow(self.tr("Accept threshold:"), self.accept_spin)
        form.addRow(self.accept_note)
        form.addRow(self.tr("Unknown threshold:"), self.unknown_spin)
        form.addRow(self.unknown_note)
        form.addRow(self.tr("Face detector:"), self.detector_box)
        form.addRow(self.tr("Face embedder:"), self.embedder_box)
        form.addRow(self.tr("Mirror test:"), self.flip_check)
        form.addRow(self.tr("Run on:"), self.provider_box)
        return box

    def _operating_box(self) -> OperatingPointBox:
        """Target false-accept rate and the threshold it gives for this gallery (see :mod:`.operating_point`)."""
        gallery = self.gallery
        calibration = gallery.operating.calibration if gallery is not None else None
        if calibration is None:
            calibration = embedder_calibration(self.paths, self.settings.embedder, self.settings.flip_embedding)
        people = gallery.searchable_people() if gallery is not None else 0
        return OperatingPointBox(calibration, people, len(gallery) if gallery is not None else 0, self)

    def _pin_changed(self, pin: bool) -> None:
        for widget in (self.accept_spin, self.unknown_spin):
            widget.setEnabled(pin)

    def _model_box(self, kind: str) -> QComboBox:
        combo = QComboBox(self)
        for name in self.models.get(kind, []):
            combo.addItem(name, name)
        return combo

    def _origin_group(self) -> QGroupBox:
        """Which site and desk this is: stamped on what it writes, and what reports filter on."""
        box, form = self._group(self.tr("Site and desk"))
        self.site_edit, self.desk_edit = QLineEdit(self), QLineEdit(self)
        for edit in (self.site_edit, self.desk_edit):
            edit.setMaxLength(origin.MAX_LENGTH)
        self.site_edit.setPlaceholderText(self.tr("e.g. Berlin office"))
        self.desk_edit.setPlaceholderText(socket.gethostname())  # the desk's name when left empty
        hint = QLabel(self.tr("Shown on every event and audit entry this desk writes."), self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6b73;")
        form.addRow(self.tr("Site:"), self.site_edit)
        form.addRow(self.tr("This desk:"), self.desk_edit)
        form.addRow(hint)
        return box

    def _desk_group(self) -> QGroupBox:
        box, form = self._group(self.tr("Front desk"))
        self.consensus_spin = self._spin(1, 30, self.tr(" frames"))
        self.window_spin = self._spin(1, 60, self.tr(" frames"))
        self.cooldown_spin = self._spin(0, 24 * 3600, self.tr(" s"))
        form.addRow(self.tr("Frames that must agree:"), self.consensus_spin)
        form.addRow(self.tr("Out of the last:"), self.window_spin)
        form.addRow(self.tr("Ignore the same person again for:"), self.cooldown_spin)
        return box

    def _system_group(self) -> QGroupBox:
        box, form = self._group(self.tr("Interface and security"))
        self.language_box = QComboBox(self)
        for code, name in LANGUAGES.items():
            self.language_box.addItem(name, code)
        self.lock_spin = self._spin(0, MAX_LOCK_MINUTES, self.tr(" min"))
        self.lock_spin.setSpecialValueText(self.tr("never"))
        form.addRow(self.tr("Language:"), self.language_box)
        form.addRow(self.tr("Lock the admin session after:"), self.lock_spin)
        return box

    def _data_group(self) -> QGroupBox:
        box, form = self._group(self.tr("Data"))
        self.data_edit = QLineEdit(self)
        self.data_edit.setPlaceholderText(str(self.paths.data))
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self._browse_data)
        row = QHBoxLayout()
        row.addWidget(self.data_edit, 1)
        row.addWidget(browse)
        self.backup_button = QPushButton(self.tr("Back up…"), self)
        self.restore_button = QPushButton(self.tr("Restore…"), self)
        self.backup_button.clicked.connect(lambda _c=False: self.backup())
        self.restore_button.clicked.connect(lambda _c=False: self.restore())
        self.backup_button.setEnabled(self.gallery is not None)
        self.jobs.busy_changed.connect(self._jobs_busy)
        actions = QHBoxLayout()
        actions.addWidget(self.backup_button)
        actions.addWidget(self.restore_button)
        actions.addStretch(1)
        form.addRow(self.tr("Data folder:"), row)
        form.addRow(actions)
        return box

    # -- values --------------------------------------------------------------------------------
    def load(self, settings: Settings) -> None:
        """Show ``settings`` in the widgets."""
        rules = DeskRules.from_dict(settings.desk_rules)
        self.source_edit.setText(settings.camera_source)
        self.camera_name_edit.setText(settings.camera_name)
        self.width_spin.setValue(settings.camera_width)
        self.height_spin.setValue(settings.camera_height)
        self.accept_spin.setValue(settings.accept_threshold)
        self.unknown_spin.setValue(settings.unknown_threshold)
        self.accept_note.setText(threshold_sentence("accept", settings.accept_threshold))
        self.unknown_note.setText(threshold_sentence("unknown", settings.unknown_threshold))
        self.operating_box.load(settings)
        _select(self.detector_box, settings.detector)
        _select(self.embedder_box, settings.embedder)
        self.flip_check.setChecked(settings.flip_embedding)
        _select(self.provider_box, settings.provider)
        self.consensus_spin.setValue(rules.consensus_frames)
        self.window_spin.setValue(rules.consensus_window)
        self.cooldown_spin.setValue(round(rules.cooldown_seconds))
        _select(self.language_box, settings.language)
        self.lock_spin.setValue(settings.admin_lock_minutes)
        self.data_edit.setText(settings.data_dir)
        self.site_edit.setText(settings.site_name)
        self.desk_edit.setText(settings.desk_name)
        self.liveness_box.load(settings)

    def values(self) -> Settings:
        """The settings as edited. Raises :class:`ConfigError` when they are invalid."""
        rules = DeskRules.from_dict({**self.settings.desk_rules, "consensus_frames": self.consensus_spin.value(),
                                     "consensus_window": self.window_spin.value(),
                                     "cooldown_seconds": float(self.cooldown_spin.value())})
        defaults = DeskRules().to_dict()
        desk_rules = {k: v for k, v in rules.to_dict().items() if defaults.get(k) != v}
        edited = replace(
            self.settings, camera_source=self.source_edit.text().strip(),
            camera_name=self.camera_name_edit.text().strip() or self.settings.camera_name,
            camera_width=self.width_spin.value(), camera_height=self.height_spin.value(),
            accept_threshold=round(self.accept_spin.value(), 3), unknown_threshold=round(self.unknown_spin.value(), 3),
            false_accept_target=self.operating_box.target, pin_thresholds=self.operating_box.pin,
            detector=self.detector_box.currentData() or self.settings.detector,
            embedder=self.embedder_box.currentData() or self.settings.embedder,
            flip_embedding=self.flip_check.isChecked(), provider=self.provider_box.currentData(), desk_rules=desk_rules,
            language=self.language_box.currentData(), admin_lock_minutes=self.lock_spin.value(),
            data_dir=self.data_edit.text().strip(), site_name=origin.clean(self.site_edit.text()),
            desk_name=origin.clean(self.desk_edit.text()),
        )
        return self.liveness_box.apply(edited, camera=edited.camera_name)

    def save(self) -> bool:
        """Validate, save atomically and close; on an invalid value say what is wrong and stay open."""
        try:
            new = self.values()
            new.save(self.paths.settings_file)
        except ConfigError as exc:
            self._warn(self.tr("The settings were not saved"), str(exc))
            return False
        old, self.saved = self.settings, new
        origin.configure(new.site_name, new.desk_name)  # what this desk writes from now on says so
        log.info("settings saved to %s", self.paths.settings_file)
        self.settings_saved.emit(new)
        if new.embedder != old.embedder and self.gallery is not None and self.gallery.model != new.embedder:
            self.start_reembed(new.embedder)
        restart = [n for n in ("detector", "flip_embedding", "provider", "data_dir", "language")
                   if getattr(new, n) != getattr(old, n)]
        if restart:
            self._inform(self.tr("Settings saved"), self.tr("Some changes take effect when faceapp is restarted."))
        self.accept()
        return True

    # -- re-embedding --------------------------------------------------------------------------
    def start_reembed(self, model: str) -> None:
        """Re-embed the gallery with ``model`` on a worker thread, showing progress."""
        if self.gallery is None or self._thread is not None:
            return
        worker = ReembedWorker(self.gallery, model, self.embedder_factory, self.actor)
        thread = QThread(self.parent() or self)
        worker.moveToThread(thread)
        dialog = QProgressDialog(self.tr("Re-computing the face templates with {0}…").format(model), "", 0, 0,
                                 self.parentWidget())
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(0)
        worker.progress.connect(self._show_progress)  # a bound method: queued to this (the GUI) thread
        thread.started.connect(worker.run)
        for signal in (worker.finished, worker.failed):
            signal.connect(thread.quit)
            signal.connect(dialog.close)
        worker.finished.connect(self.reembed_finished)
        worker.failed.connect(self.reembed_failed)
        thread.finished.connect(self._reembed_ended)
        self._thread, self._worker, self.progress_dialog = thread, worker, dialog
        thread.start()

    def _show_progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setMaximum(max(total, 1))
            self.progress_dialog.setValue(done)

    def _reembed_ended(self) -> None:
        for finished in (self._thread, self.progress_dialog):
            if finished is not None:
                finished.deleteLater()
        self._thread, self._worker, self.progress_dialog = None, None, None

    def wait_reembed(self) -> None:
        """Block until a running re-embedding ends (for shutdown)."""
        if self._thread is not None:
            self._thread.wait()

    # -- data folder ---------------------------------------------------------------------------
    def _browse_data(self) -> None:
        start = self.data_edit.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Data folder"), start)
        if folder:
            self.data_edit.setText(folder)

    def ask_backup_path(self) -> Path | None:
        """Where to write the backup zip (tests replace this)."""
        suggested = str(Path.home() / "faceapp-backup.zip")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Back up the data"), suggested,
                                              self.tr("Zip archives (*.zip)"))
        return Path(path) if path else None

    def ask_restore_path(self) -> Path | None:
        """Which backup zip to restore (tests replace this)."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Restore a backup"), str(Path.home()),
                                              self.tr("Zip archives (*.zip)"))
        return Path(path) if path else None

    def backup(self) -> bool:
        """Write a backup zip of the data folder on a worker thread; False when not started."""
        target = self.ask_backup_path()
        if target is None or self.gallery is None:
            return False
        database, data = self.gallery.database, self.paths.data
        return self.jobs.start(lambda: backup(database, data, target), self._backup_done,
                               lambda message: self._warn(self.tr("The backup was not written"), message))

    def _backup_done(self, written: object) -> None:
        self._inform(self.tr("Backup written"), self.tr("The data was saved to {0}.").format(written))

    def restore(self) -> bool:
        """Validate a backup and stage it on a worker thread; it replaces the data folder at the next start."""
        source = self.ask_restore_path()
        if source is None:
            return False
        data = self.paths.data
        return self.jobs.start(lambda: stage_restore(source, data), self._restore_staged,
                               lambda message: self._warn(self.tr("The backup cannot be restored"), message))

    def _restore_staged(self, _staged: object) -> None:
        self._inform(self.tr("Restore ready"), self.tr(
            "The backup is valid. Restart faceapp to replace the current data with it; the current data "
            "is kept in a folder next to it."))

    def _jobs_busy(self, busy: bool) -> None:
        self.backup_button.setEnabled(not busy and self.gallery is not None)
        self.restore_button.setEnabled(not busy)

    def _warn(self, title: str, message: str) -> None:
        log.warning("%s: %s", title, message)
        QMessageBox.warning(self, title, message)

    def _inform(self, title: str, message: str) -> None:
        QMessageBox.information(self, title, message)


def _select(combo: QComboBox, value: Any) -> None:
    """Select the item whose data is ``value`` (adding it when missing, e.g. a removed model)."""
    index = combo.findData(value)
    if index < 0:
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def _registry_models(paths: Paths) -> dict[str, list[str]]:
    from faceapp.vision.models import ModelRegistry

    registry = ModelRegistry(user_dir=paths.user_models)
    return {kind: registry.names(kind) for kind in ("detector", "embedder")}
