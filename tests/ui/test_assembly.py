"""The full window: attendance page added, admin actions gated by the login session."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from faceapp.ui.assembly import attach_admin
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services


def test_admin_parts_are_attached_and_start_locked(qtbot, services: Services) -> None:
    window = MainWindow(services)
    qtbot.addWidget(window)
    parts = attach_admin(window, services, QApplication.instance())
    pages = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert pages == ["Live", "People", parts.attendance.title]
    file_actions = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Settings…" in file_actions and "&Lock administration" in file_actions
    assert services.require_admin == parts.session.require_admin
    # Locked at start: without a successful login no admin action may proceed.
    parts.session.prompt = lambda parent, users: None  # the login dialog, cancelled
    assert services.require_admin(window) is False
    parts.attendance.shutdown()
