"""The main window: a page stack with a navigation list, the menus and the app icon."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from faceapp import __version__, bundled
from faceapp.errors import ServerUnreachableError
from faceapp.ui.dialogs.enrol import EnrolDialog
from faceapp.ui.pages.live import LivePage
from faceapp.ui.pages.people import PeoplePage
from faceapp.ui.services import AdminGate, Services

if TYPE_CHECKING:
    from faceapp.ui.pages.trainer import TrainerPage

log = logging.getLogger(__name__)

APP_NAME = "faceapp"
_STYLE = """
#pageNav { background: #22303c; color: #dfe6ec; border: none; outline: none; font-size: 11pt; padding-top: 8px; }
#pageNav::item { padding: 9px 16px; }
#pageNav::item:selected { background: #1f8a70; color: white; }
#panelHeading { font-weight: bold; font-size: 11pt; margin-top: 4px; }
#identifyNote { color: #6b7780; }
"""


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


_VIDEO_FILTER = "Videos (*.mp4 *.avi *.mkv *.mov *.webm *.m4v *.mpg *.wmv);;All files (*)"


def app_icon() -> QIcon:
    """The application icon (empty, with a warning in the log, when the resource is missing)."""
    path = bundled.resource("icons", "faceapp.svg")
    if not path.is_file():
        log.warning("app icon not found at %s", path)
        return QIcon()
    return QIcon(str(path))


class MainWindow(QMainWindow):
    """The application window. Pages are added with :meth:`add_page`; Live is the first, People second.

    Administrative actions (enrolment, person edits and deletion) first ask
    ``services.require_admin(parent)``; :attr:`admin_gate` reads and replaces it.
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowIcon(app_icon())
        self.setStyleSheet(_STYLE)
        self.resize(1280, 760)
        self.nav = QListWidget(self)
        self.nav.setObjectName("pageNav")
        self.nav.setFixedWidth(150)
        self.stack = QStackedWidget(self)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self.nav.currentRowChanged.connect(self.show_page)
        self.enrol_dialog: EnrolDialog | None = None
        self.live = LivePage(services, self)
        self.add_page(self.live.title, self.live)
        self.people = PeoplePage(services, self.open_enrol, self)
        self.add_page(self.people.title, self.people)
        self.people.people_changed.connect(self._on_people_changed)
        self.live.events_shown.connect(self._refresh_people_after_events)

    @property
    def admin_gate(self) -> AdminGate:
        """``require_admin(parent) -> bool``, asked before administrative actions."""
        return self.services.require_admin

    @admin_gate.setter
    def admin_gate(self, gate: AdminGate) -> None:
        self.services.require_admin = gate

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.open_camera_action = self._action(file_menu, self.tr("Open &camera…"), self.ask_camera, "Ctrl+K")
        self.open_file_action = self._action(file_menu, self.tr("Open video &file…"), self.ask_video_file, "Ctrl+O")
        self.open_folder_action = self._action(file_menu, self.tr("Open image f&older…"), self.ask_image_folder)
        self.open_url_action = self._action(file_menu, self.tr("Open &URL…"), self.ask_url, "Ctrl+U")
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.people_menu = bar.addMenu(self.tr("&People"))
        self.enrol_action = self._action(self.people_menu, self.tr("&Enrol person…"), lambda: self.open_enrol(None),
                                         "Ctrl+E")
        self.enrol_action.setEnabled(self.services.core is not None)
        self.view_menu = bar.addMenu(self.tr("&View"))
        self.trainer_page: TrainerPage | None = None
        self.trainer_action = self._action(self.view_menu, self.tr("&Trainer (administrators)…"), self.open_trainer)
        self.audit_action = self._action(self.view_menu, self.tr("&Audit log (administrators)…"), self.open_audit)
        self.audit_action.setEnabled(self.services.core is not None)
        help_menu = bar.addMenu(self.tr("&Help"))
        self._action(help_menu, self.tr("&About {}").format(APP_NAME), self.show_about)

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object],
        shortcut: str | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def add_page(self, title: str, page: QWidget) -> int:
        """Add a page to the stack, the navigation list and the View menu; return its index."""
        index = self.stack.addWidget(page)
        self.nav.addItem(title)
        self._action(self.view_menu, title, lambda: self.show_page(index), f"Ctrl+{index + 1}")
        if index == 0:
            self.show_page(0)
        return index

    def open_trainer(self) -> TrainerPage | None:
        """Show the Trainer page, added on first use, if an administrator allows."""
        if not self.services.require_admin(self):
            return None
        if self.trainer_page is None:
            from faceapp.ui.pages.trainer import TrainerPage  # pyqtgraph loads only when needed

            page = TrainerPage(self.services, self)
            page.pipeline_changed.connect(self.live.session.set_pipeline)
            self.trainer_page = page
            self.add_page(page.title, page)
        self.show_page(self.stack.indexOf(self.trainer_page))
        return self.trainer_page

    def open_audit(self) -> QDialog | None:
        """Show the audit log (read-only) if an administrator allows."""
        core = self.services.core
        if core is None or not self.services.require_admin(self):
            return None
        from faceapp.ui.dialogs.audit import AuditDialog

        dialog = AuditDialog(core.gallery.database, core.zone, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_page(self, index: int) -> None:
        """Bring page ``index`` to the front."""
        if not 0 <= index < self.stack.count():
            return
        self.stack.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        self.setWindowTitle(f"{APP_NAME} — {self.nav.item(index).text()}")

    def open_enrol(self, person_id: int | None = None) -> EnrolDialog | None:
        """Open the (modeless) enrolment dialog, for ``person_id`` or a new person, if the admin allows.

        Returns the dialog, or ``None`` when refused or when no gallery is connected.
        """
        if self.services.core is None or not self.services.require_admin(self):
            return None
        if self.enrol_dialog is not None:
            self.enrol_dialog.close()
        dialog = EnrolDialog(self.services, self.live.session, person_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(lambda _person: self._on_people_changed())
        dialog.destroyed.connect(lambda: setattr(self, "enrol_dialog", None))
        self.enrol_dialog = dialog
        dialog.show()
        return dialog

    def _refresh_people_after_events(self, _events: object) -> None:
        """New check-ins change the people's "last seen"; offline the list stays as it was."""
        try:
            self.people.refresh()
        except ServerUnreachableError:
            log.debug("people list not refreshed: the database server is unreachable")

    def _on_people_changed(self) -> None:
        self.people.refresh()
        self.live.refresh_note()

    def open_source(self, spec: str | int) -> None:
        """Play a camera number, video file, image folder or URL on the Live page."""
        self.show_page(self.stack.indexOf(self.live))
        self.live.open_source(spec)

    def ask_camera(self) -> None:
        """Ask for a camera number and open it."""
        number, ok = QInputDialog.getInt(self, self.tr("Open camera"),
                                         self.tr("Camera number (0 is the default camera):"), 0, 0, 99)
        if ok:
            self.open_source(number)

    def ask_video_file(self) -> None:
        """Ask for a video file and play it."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open video file"), str(Path.home()),
                                              _tr(_VIDEO_FILTER))
        if path:
            self.open_source(path)

    def ask_image_folder(self) -> None:
        """Ask for a folder of photos and play it as a slideshow."""
        path = QFileDialog.getExistingDirectory(self, self.tr("Open image folder"), str(Path.home()))
        if path:
            self.open_source(path)

    def ask_url(self) -> None:
        """Ask for a stream address (rtsp://, http://...) and open it."""
        url, ok = QInputDialog.getText(self, self.tr("Open URL"), self.tr("Stream address (rtsp://… or http://…):"))
        if ok and url.strip():
            self.open_source(url.strip())

    def show_about(self) -> None:
        """The About box."""
        provider = self.services.pipeline.provider.describe()
        QMessageBox.about(
            self, self.tr("About {}").format(APP_NAME),
            f"<b>{APP_NAME} {__version__}</b><br>" + self.tr("Face-recognition attendance and access control.")
            + "<br><br>" + self.tr("Runs on: {}").format(provider),
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.enrol_dialog is not None:
            self.enrol_dialog.close()
        self.live.shutdown()
        if self.trainer_page is not None:
            self.trainer_page.shutdown()
        super().closeEvent(event)
