"""The administrator login, and on first run the dialog that creates the administrator.

Checking a password costs one scrypt hash (tens of milliseconds), done when the button is pressed.
Too many wrong passwords make the store refuse further attempts for a while; the dialog then
shows how long to wait and disables its button until then (a timer, never a sleep).
"""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from faceapp.errors import FaceAppError
from faceapp.store.auth import (
    MIN_PASSWORD_LENGTH,
    AuthError,
    LoginThrottledError,
    Role,
    User,
    UserExistsError,
    Users,
    WeakPasswordError,
)

log = logging.getLogger(__name__)

DEFAULT_ADMIN_NAME = "admin"
MIN_WIDTH_PX = 380


class LoginDialog(QDialog):
    """Asks for an administrator's name and password; on first run creates the administrator.

    Args:
        users: the user store.
        parent: the parent window.

    Attributes:
        user: the administrator who logged in (or was created), after the dialog is accepted.
        creating: True on first run (no administrator exists yet).
    """

    def __init__(self, users: Users, parent: QWidget | None = None, role: Role = Role.ADMIN) -> None:
        super().__init__(parent)
        self.users = users
        self.role = role  # the least role accepted: ADMIN, or MANAGER (admins pass too)
        self.user: User | None = None
        self.creating = not users.has_admin()
        self.setObjectName("loginDialog")
        self.setModal(True)
        self.setMinimumWidth(MIN_WIDTH_PX)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._allow_retry)
        self._build()

    def _build(self) -> None:
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.name_edit = QLineEdit(DEFAULT_ADMIN_NAME, self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("loginError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("User name:"), self.name_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        if self.creating:
            form.addRow(self.tr("Password again:"), self.confirm_edit)
        else:
            self.confirm_edit.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._set_texts()
        self.password_edit.setFocus()

    def _set_texts(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if self.creating:
            self.setWindowTitle(self.tr("Create the administrator"))
            self.heading.setText(self.tr(
                "No administrator exists yet. Choose the administrator's name and a password of at least "
                "{0} characters. The administrator can correct attendance, export reports and change "
                "the settings.").format(MIN_PASSWORD_LENGTH))
            ok.setText(self.tr("Create administrator"))
        elif self.role is Role.MANAGER:
            self.setWindowTitle(self.tr("Manager login"))
            self.heading.setText(self.tr("This needs a manager or an administrator. Enter your name and password."))
            ok.setText(self.tr("Log in"))
        else:
            self.setWindowTitle(self.tr("Administrator login"))
            self.heading.setText(self.tr("This needs an administrator. Enter the administrator's password."))
            ok.setText(self.tr("Log in"))

    def submit(self) -> None:
        """Create the administrator or check the password; accept on success, else say why."""
        name, password = self.name_edit.text().strip(), self.password_edit.text()
        try:
            self.user = self._create(name, password) if self.creating else self._login(name, password)
        except FaceAppError as exc:
            self._show_error(exc)
            return
        self.password_edit.clear()
        self.confirm_edit.clear()
        self.accept()

    def _create(self, name: str, password: str) -> User:
        if not name:
            raise AuthError(self.tr("Enter a user name."))
        if password != self.confirm_edit.text():
            raise AuthError(self.tr("The two passwords differ. Type the same password twice."))
        return self.users.add(name, password, Role.ADMIN, actor=name)

    def _login(self, name: str, password: str) -> User:
        return self.users.authenticate(name, password, required=self.role)

    def _show_error(self, exc: FaceAppError) -> None:
        self.password_edit.clear()
        if isinstance(exc, LoginThrottledError):
            seconds = max(math.ceil(exc.wait_seconds), 1)
            text = self.tr("Too many wrong passwords. Try again in {0} seconds.").format(seconds)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            self._retry.start(seconds * 1000)
        elif isinstance(exc, WeakPasswordError):
            text = self.tr("The password must have at least {0} characters.").format(MIN_PASSWORD_LENGTH)
        elif isinstance(exc, UserExistsError):
            text = self.tr("A user of that name exists already. Choose another name.")
        elif isinstance(exc, AuthError) and self.creating:
            text = str(exc)
        elif isinstance(exc, AuthError):
            text = self.tr("Wrong user name or password, or this user is not an administrator.")
        else:
            text = self.tr("The login could not be checked: {0}").format(exc)
        log.info("login refused: %s", exc)
        self.error_label.setText(text)

    def _allow_retry(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.error_label.setText(self.tr("You may try again now."))
