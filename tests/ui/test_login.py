"""The login / first-run dialog and the admin session with its inactivity lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit
from pytestqt.qtbot import QtBot

from faceapp.store.auth import FREE_FAILURES, Role, User, Users
from faceapp.store.db import Database
from faceapp.ui.admin import AdminSession
from faceapp.ui.dialogs.login import LoginDialog

PASSWORD = "front desk 42"


@pytest.fixture()
def users(tmp_path: Path) -> Iterator[Users]:
    database = Database(tmp_path / "faceapp.db")
    yield Users(database)
    database.close()


def _fill(dialog: LoginDialog, name: str, password: str, confirm: str | None = None) -> None:
    dialog.name_edit.setText(name)
    dialog.password_edit.setText(password)
    dialog.confirm_edit.setText(password if confirm is None else confirm)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_first_run_creates_the_admin_after_matching_passwords(qtbot: QtBot, users: Users) -> None:
    dialog = LoginDialog(users)
    qtbot.addWidget(dialog)
    assert dialog.creating and dialog.confirm_edit.isVisibleTo(dialog)
    _fill(dialog, "boss", PASSWORD, "something else")
    assert dialog.user is None and "differ" in dialog.error_label.text()
    _fill(dialog, "boss", "short")
    assert dialog.user is None and "at least" in dialog.error_label.text()
    with qtbot.waitSignal(dialog.accepted):
        _fill(dialog, "boss", PASSWORD)
    assert dialog.user is not None and dialog.user.role is Role.ADMIN
    assert users.has_admin()


def test_login_refuses_wrong_password_and_throttles_without_blocking(qtbot: QtBot, users: Users) -> None:
    users.add("boss", PASSWORD, Role.ADMIN)
    dialog = LoginDialog(users)
    qtbot.addWidget(dialog)
    assert not dialog.creating and not dialog.confirm_edit.isVisibleTo(dialog)
    for _ in range(FREE_FAILURES + 1):
        _fill(dialog, "boss", "not it at all")
    assert "Wrong" in dialog.error_label.text()
    _fill(dialog, "boss", PASSWORD)  # throttled now: even the right password must wait
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.user is None and not ok.isEnabled()
    assert "Try again in" in dialog.error_label.text()
    assert dialog._retry.isActive()
    dialog._retry.setInterval(1)  # the wait itself is the store's business (tested there)
    dialog._retry.start()
    qtbot.waitUntil(ok.isEnabled, timeout=2000)
    assert "try again now" in dialog.error_label.text()


def test_operator_cannot_log_in_as_admin(qtbot: QtBot, users: Users) -> None:
    users.add("boss", PASSWORD, Role.ADMIN)
    users.add("desk", PASSWORD, Role.OPERATOR)
    dialog = LoginDialog(users)
    qtbot.addWidget(dialog)
    _fill(dialog, "desk", PASSWORD)
    assert dialog.user is None and "administrator" in dialog.error_label.text()


def test_session_starts_locked_and_asks_once(qtbot: QtBot, users: Users) -> None:
    admin = users.add("boss", PASSWORD, Role.ADMIN)
    asked: list[object] = []

    def prompt(parent: object, store: Users) -> User | None:
        asked.append(parent)
        return admin

    session = AdminSession(users, lock_minutes=5, prompt=prompt)
    assert session.is_locked and session.actor == "desk"
    with qtbot.waitSignal(session.locked_changed) as blocker:
        assert session.require_admin(None)
    assert blocker.args == [False] and session.actor == "boss"
    assert session.require_admin(None) and len(asked) == 1
    with qtbot.waitSignal(session.locked_changed) as blocker:
        session.lock()
    assert blocker.args == [True] and session.is_locked


def test_cancelled_login_keeps_the_session_locked(users: Users) -> None:
    session = AdminSession(users, prompt=lambda parent, store: None)
    assert not session.require_admin(None)
    assert session.is_locked


def test_real_dialog_unlocks_the_session(qtbot: QtBot, users: Users) -> None:
    users.add("boss", PASSWORD, Role.ADMIN)
    session = AdminSession(users)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        _fill(dialog, "boss", PASSWORD)

    QTimer.singleShot(0, answer)
    assert session.require_admin(None)
    assert session.user is not None and session.user.name == "boss"


def test_inactivity_locks_and_input_restarts_the_countdown(qtbot: QtBot, users: Users) -> None:
    admin = users.add("boss", PASSWORD, Role.ADMIN)
    session = AdminSession(users, lock_minutes=1, prompt=lambda parent, store: admin)
    session.watch(QApplication.instance())
    try:
        session.require_admin(None)
        assert session.timer.isActive() and session.timer.interval() == 60_000
        session.timer.stop()
        field = QLineEdit()
        qtbot.addWidget(field)
        QApplication.sendEvent(field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier))
        assert session.timer.isActive()  # the key press counted as activity
        session.timer.setInterval(30)
        with qtbot.waitSignal(session.locked_changed, timeout=2000) as blocker:
            session.timer.start()
        assert blocker.args == [True] and session.is_locked
        assert users.database.scalar("SELECT COUNT(*) FROM audit WHERE action = 'auth.logout'") == 1
    finally:
        QApplication.instance().removeEventFilter(session)


def test_zero_minutes_never_locks(users: Users) -> None:
    admin = users.add("boss", PASSWORD, Role.ADMIN)
    session = AdminSession(users, lock_minutes=0, prompt=lambda parent, store: admin)
    session.require_admin(None)
    assert not session.timer.isActive()
    session.set_lock_minutes(3)
    assert session.timer.isActive() and session.timer.interval() == 180_000
