"""Visitor registration at the front desk: photo from the camera (or a file), host, purpose, expiry, level."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceapp.access.service import AccessService
from faceapp.errors import FaceAppError
from faceapp.records import Person
from faceapp.ui.services import Services

PREVIEW = 200
FrameGrabber = Callable[[], "np.ndarray | None"]


class VisitorDialog(QDialog):
    """Register a visitor. ``grab_frame`` returns the live camera's latest frame (or ``None``)."""

    def __init__(self, services: Services, access: AccessService, grab_frame: FrameGrabber | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Register visitor"))
        self.services, self.access, self.grab_frame = services, access, grab_frame
        self.photo: np.ndarray | None = None
        self.visitor: Person | None = None
        self.name = QLineEdit(self)
        self.host = QLineEdit(self)
        self.purpose = QLineEdit(self)
        self.expires = QDateTimeEdit(QDateTime.currentDateTime().addSecs(8 * 3600), self)
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.level = QComboBox(self)
        self.level.addItem(self.tr("(no access level)"), None)
        for level in access.store.levels().values():
            self.level.addItem(level.name, level.name)
        self.preview = QLabel(self.tr("No photo yet"), self)
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid #9aa5ad; background: #f3f5f7")
        self.camera_button = QPushButton(self.tr("Photo from camera"), self)
        self.camera_button.setEnabled(grab_frame is not None)
        self.camera_button.clicked.connect(self.take_photo)
        self.file_button = QPushButton(self.tr("Photo from file…"), self)
        self.file_button.clicked.connect(self.ask_photo)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b")
        self._build()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Host:"), self.host)
        form.addRow(self.tr("Purpose:"), self.purpose)
        form.addRow(self.tr("Valid until:"), self.expires)
        form.addRow(self.tr("Access level:"), self.level)
        photo_buttons = QVBoxLayout()
        photo_buttons.addWidget(self.camera_button)
        photo_buttons.addWidget(self.file_button)
        photo_buttons.addStretch(1)
        photo = QHBoxLayout()
        photo.addWidget(self.preview)
        photo.addLayout(photo_buttons)
        note = QLabel(self.tr("The visitor and their photos are deleted automatically {} days after the "
                              "visit.").format(f"{self.access.store.retention_days:g}"), self)
        note.setWordWrap(True)
        note.setObjectName("identifyNote")
        buttons = QDialogButtonBox(self)
        self.register_button = buttons.addButton(self.tr("Register"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(photo)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def set_photo(self, image: np.ndarray) -> None:
        """Use this BGR image as the visitor's photo and show it."""
        self.photo = np.ascontiguousarray(image)
        self.error.clear()
        rgb = cv2.cvtColor(self.photo, cv2.COLOR_BGR2RGB)
        from PySide6.QtGui import QImage

        qimage = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888).copy()
        self.preview.setPixmap(QPixmap.fromImage(qimage).scaled(
            PREVIEW, PREVIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    def take_photo(self) -> None:
        frame = self.grab_frame() if self.grab_frame else None
        if frame is None:
            self.error.setText(self.tr("The camera shows no picture yet."))
            return
        self.set_photo(frame)

    def ask_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Visitor's photo"), str(Path.home()),
                                              self.tr("Photos (*.jpg *.jpeg *.png *.bmp *.webp)"))
        if path:
            image = cv2.imread(path)
            if image is None:
                self.error.setText(self.tr("{} is not a photo that can be read.").format(path))
            else:
                self.set_photo(image)

    def accept(self) -> None:
        """Enrol and register; errors stay in the dialog and nothing is kept."""
        if self.photo is None:
            self.error.setText(self.tr("Take or choose a photo of the visitor first."))
            return
        core = self.services.core
        if core is None:
            return
        local = self.expires.dateTime().toPython()
        if not isinstance(local, datetime):
            raise TypeError(f"QDateTime.toPython gave {type(local).__name__}, not a datetime")
        expires = local.astimezone()
        fd, name = tempfile.mkstemp(suffix=".png", dir=core.paths.data)
        os.close(fd)
        try:
            cv2.imwrite(name, self.photo)
            self.visitor = self.access.register_visitor(
                core.gallery, core.enroller(), self.name.text(), Path(name), self.host.text(),
                self.purpose.text(), expires, self.level.currentData(), self.services.actor())
        except FaceAppError as exc:
            self.error.setText(str(exc))
            return
        finally:
            Path(name).unlink(missing_ok=True)
        super().accept()


class VisitorsDialog(QDialog):
    """Today's visitors (name, host, purpose, valid until); "End visit now" deletes one at once."""

    def __init__(self, services: Services, access: AccessService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Visitors"))
        self.resize(620, 360)
        self.services, self.access = services, access
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Host"), self.tr("Purpose"),
                                              self.tr("Valid until")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.remove_button = QPushButton(self.tr("End visit now"), self)
        self.remove_button.clicked.connect(lambda: self.end_visit())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.visitors: list[dict] = []
        self.reload()

    def reload(self) -> None:
        self.visitors = self.access.store.visitors()
        self.table.setRowCount(len(self.visitors))
        zone = self.access.store.zone
        for row, visitor in enumerate(self.visitors):
            until = visitor["expires"].astimezone(zone).strftime("%Y-%m-%d %H:%M")
            for column, text in enumerate((visitor["name"], visitor["host"], visitor["purpose"], until)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.remove_button.setEnabled(bool(self.visitors))

    def end_visit(self, row: int | None = None) -> bool:
        """Delete the selected visitor (or ``row``) with their photos, if the administrator allows."""
        row = self.table.currentRow() if row is None else row
        core = self.services.core
        if not 0 <= row < len(self.visitors) or core is None or not self.services.require_admin(self):
            return False
        self.access.remove_visitor(core.gallery, self.visitors[row]["person_id"], self.services.actor())
        self.reload()
        return True
