"""The admin session: front-desk mode (locked) until an administrator logs in.

The app starts locked. Anything that changes data or settings calls :meth:`AdminSession.require_admin`,
which returns at once when an administrator is logged in and otherwise shows the login dialog
(or, on first run, the dialog that creates the administrator). After ``admin_lock_minutes`` without
keyboard or mouse activity the session locks itself again; :meth:`AdminSession.lock` does it at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from faceapp.store.auth import Role, User, Users

log = logging.getLogger(__name__)

LOCKED_ACTOR = "desk"
_ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
})

#: Asks who is logging in: ``prompt(parent, users)`` -> the administrator, or None when cancelled.
LoginPrompt = Callable[[QWidget | None, Users], User | None]


def ask_login(parent: QWidget | None, users: Users) -> User | None:
    """The default :data:`LoginPrompt`: the modal login (or first-run) dialog."""
    from faceapp.ui.dialogs.login import LoginDialog

    dialog = LoginDialog(users, parent)
    return dialog.user if dialog.exec() == LoginDialog.DialogCode.Accepted else None


def ask_manager_login(parent: QWidget | None, users: Users) -> User | None:
    """The login dialog accepting a manager (or an administrator)."""
    from faceapp.ui.dialogs.login import LoginDialog

    dialog = LoginDialog(users, parent, role=Role.MANAGER)
    return dialog.user if dialog.exec() == LoginDialog.DialogCode.Accepted else None


class AdminSession(QObject):
    """Who is logged in as administrator, and the inactivity lock.

    Args:
        users: the user store.
        lock_minutes: idle minutes before locking (0 = never lock automatically).
        prompt: how to ask for a login (tests pass a fake; default :func:`ask_login`).
        parent: the owning QObject.

    Signals:
        locked_changed(bool): True when the session locked, False when an admin logged in.
    """

    locked_changed = Signal(bool)

    def __init__(self, users: Users, lock_minutes: int = 5, prompt: LoginPrompt | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.users = users
        self.prompt = prompt or ask_login
        self.manager_prompt: LoginPrompt = ask_manager_login if prompt is None else prompt
        self._user: User | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._idle)
        self.set_lock_minutes(lock_minutes)

    @property
    def user(self) -> User | None:
        """The logged-in administrator (None when locked)."""
        return self._user

    @property
    def is_locked(self) -> bool:
        return self._user is None

    @property
    def actor(self) -> str:
        """The name to record in the audit log for changes made now."""
        return self._user.name if self._user is not None else LOCKED_ACTOR

    def set_lock_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` idle minutes (0 = never)."""
        self.lock_minutes = max(int(minutes), 0)
        self.timer.setInterval(self.lock_minutes * 60_000)
        if self.lock_minutes == 0:
            self.timer.stop()
        elif not self.is_locked:
            self.timer.start()

    def require_admin(self, parent: QWidget | None = None) -> bool:
        """True when an administrator is logged in, asking for a login first (a manager must log in again)."""
        if self._user is not None and self._user.role is Role.ADMIN:
            self.touch()
            return True
        user = self.prompt(parent, self.users)
        if user is None or user.role is not Role.ADMIN:
            return False
        self.unlock(user)
        return True

    def require_manager(self, parent: QWidget | None = None) -> bool:
        """True when a manager or an administrator is logged in (attendance, reports, approvals)."""
        if self._user is not None and self._user.role in (Role.ADMIN, Role.MANAGER):
            self.touch()
            return True
        user = self.manager_prompt(parent, self.users)
        if user is None or user.role not in (Role.ADMIN, Role.MANAGER):
            return False
        self.unlock(user)
        return True

    def unlock(self, user: User) -> None:
        """Start an admin session for ``user`` (already authenticated)."""
        self._user = user
        self.touch()
        log.info("admin session started by %s", user.name)
        self.locked_changed.emit(False)

    def lock(self, reason: str = "locked") -> None:
        """End the admin session now (front-desk mode)."""
        self.timer.stop()
        if self._user is None:
            return
        user, self._user = self._user, None
        try:
            self.users.record_logout(user, reason)
        except Exception:  # locking must never fail; the log says why the entry is missing
            log.exception("could not record the end of %s's session", user.name)
        log.info("admin session of %s ended (%s)", user.name, reason)
        self.locked_changed.emit(True)

    def touch(self) -> None:
        """Note user activity: restart the inactivity countdown."""
        if self.lock_minutes and not self.is_locked:
            self.timer.start()

    def watch(self, app: QCoreApplication) -> None:
        """Count keyboard and mouse input anywhere in ``app`` as activity."""
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Restart the countdown on input; never consumes the event."""
        if not self.is_locked and event.type() in _ACTIVITY:
            self.touch()
        return False

    def _idle(self) -> None:
        self.lock("idle")
