"""Putting the admin pieces into the main window: login gate, attendance page, settings dialog.

Kept apart from :mod:`faceapp.ui.app` so tests can build the full window on their own services.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject

from faceapp.config import Settings
from faceapp.store.auth import Role, Users
from faceapp.ui.admin import AdminSession
from faceapp.ui.dialogs.settings import SettingsDialog
from faceapp.ui.main_window import MainWindow
from faceapp.ui.pages.attendance import AttendancePage
from faceapp.ui.pages.attendance_hr import ExportScheduler, attach_days
from faceapp.ui.services import Services
from faceapp.vision.pipeline import FacePipeline


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


@dataclass
class AdminParts:
    """What :func:`attach_admin` added, for tests and shutdown."""

    session: AdminSession
    attendance: AttendancePage


def attach_admin(window: MainWindow, services: Services, app: QObject) -> AdminParts:
    """Gate admin actions behind a login, add the Attendance page and the Settings/Lock actions."""
    core = services.core
    if core is None:
        raise ValueError("the admin pages need the gallery (Services.create(connect=True))")
    session = AdminSession(Users(core.gallery.database), services.settings.admin_lock_minutes, parent=window)
    session.watch(app)  # type: ignore[arg-type]  # the QApplication
    services.require_admin = session.require_admin
    attendance = AttendancePage(core.gallery, core.settings, core.zone, session.require_manager,
                                actor=lambda: session.actor, parent=window)
    window.add_page(attendance.title, attendance)
    days = attach_days(attendance, core.gallery, core.zone, session.require_admin, session.require_manager,
                       lambda: session.actor, services.settings.language)
    exports = ExportScheduler(core.gallery, core.zone, parent=attendance)
    attendance.on_shutdown.append(exports.shutdown)
    exports.start()
    database = core.gallery.database

    def follow_events(_events: object) -> None:
        # while a shared server is unreachable the events are queued: the page would only fail to read
        if getattr(database, "offline_since", None) is None:
            attendance.refresh()

    window.live.events_shown.connect(follow_events)
    window.people.people_changed.connect(attendance.reload)

    def on_saved(new: Settings) -> None:
        # Announced once in the core: the gallery (operating point, see Core._follow) and the
        # running live service (desk rules, camera name) apply it at once; what needs a restart is said.
        services.settings = attendance.settings = new
        days.language = new.language  # exported reports follow the interface language
        services.camera_name = new.camera_name
        session.set_lock_minutes(new.admin_lock_minutes)
        later = core.changes.publish(new)
        if later:
            window.statusBar().showMessage(_tr("Saved. Takes effect after a restart: {0}").format(", ".join(later)))

    def on_reembedded(_model: str) -> None:
        # The gallery now searches the new model: the running live service swaps its pipeline
        # atomically between two frames (until then its identify calls are refused, never mixed).
        pipeline = FacePipeline.from_settings(services.settings, core.paths)
        core.pipeline = services.pipeline = pipeline
        window.live.session.set_pipeline(pipeline)

    def open_settings() -> None:
        if not session.require_admin(window):
            return
        dialog = SettingsDialog(services.settings, services.paths, core.gallery, actor=session.actor, parent=window)
        dialog.settings_saved.connect(on_saved)
        dialog.reembed_finished.connect(on_reembedded)
        dialog.open()

    file_menu = window.menuBar().actions()[0].menu()
    window._action(file_menu, _tr("&Settings…"), open_settings, "Ctrl+,")  # type: ignore[arg-type]
    window._action(file_menu, _tr("&Lock administration"), session.lock, "Ctrl+L")  # type: ignore[arg-type]
    session.locked_changed.connect(lambda locked: window.statusBar().showMessage(
        _tr("Front desk mode") if locked else (_tr("Manager: {0}") if session.user is not None
                                               and session.user.role is Role.MANAGER
                                               else _tr("Administrator: {0}")).format(session.actor)))
    return AdminParts(session, attendance)
