"""Users, roles and passwords: who may correct attendance, change settings and manage people.

Qt-free. Users live in the ``users`` table of the faceapp database (schema migration 2). Passwords
are hashed with scrypt (random 16-byte salt, n=2**14, r=8, p=1), stored together with their
parameters as ``scrypt$n$r$p$salt$hash`` (base64), and compared in constant time.

Repeated failures slow down guessing: after :data:`FREE_FAILURES` wrong passwords for one user,
each further attempt must wait an exponentially growing delay (:func:`failure_delay`). The counter
and the time of the next allowed attempt are stored in the database, so restarting the program
does not reset them. :meth:`Users.authenticate` never sleeps; it raises :class:`LoginThrottledError`
whose ``wait_seconds`` says how long to wait, so a GUI can show it without blocking.

Every login, failed login and change to a user is written to the audit log (entity ``"user"``);
no password or hash is ever written there.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

from faceapp.errors import FaceAppError
from faceapp.store import audit
from faceapp.store.db import Database, utc_now

log = logging.getLogger(__name__)

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_LENGTH = 8
FREE_FAILURES = 3  # wrong passwords allowed before attempts are slowed down
BASE_DELAY_S = 2.0
MAX_DELAY_S = 15 * 60.0
UNKNOWN_ACTOR = "(unknown user)"  # the audit actor of a failed login with an unknown name
_SCHEME = "scrypt"

Clock = Callable[[], datetime]


class Role(str, Enum):
    """What a user may do: an admin may do everything, an operator runs the front desk."""

    ADMIN = "admin"
    OPERATOR = "operator"
    MANAGER = "manager"  # attendance and reports, approves corrections and leave (schema 7)


class AuthError(FaceAppError):
    """A login or user change was refused; the message says why."""


class LoginFailedError(AuthError):
    """Wrong user name or password."""


class LoginThrottledError(AuthError):
    """Too many wrong passwords: the next attempt is allowed after ``wait_seconds``."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class WeakPasswordError(AuthError):
    """The new password is too short."""


class UserExistsError(AuthError):
    """A user of that name exists already."""


class UserNotFoundError(AuthError):
    """No user has that name."""


class LastAdminError(AuthError):
    """The change would leave no active administrator."""


@dataclass(frozen=True)
class User:
    """A user account (without its password hash)."""

    id: int
    name: str
    role: Role
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A salted scrypt hash of ``password`` with its parameters: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, n, r, p, HASH_BYTES)
    return "$".join((_SCHEME, str(n), str(r), str(p), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` result (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        log.error("a stored password hash is malformed")
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * (n + p + 2) + 1024 * 1024
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length)


def failure_delay(failures: int) -> float:
    """Seconds to wait before the next attempt after ``failures`` consecutive wrong passwords."""
    if failures <= FREE_FAILURES:
        return 0.0
    return min(BASE_DELAY_S * 2.0 ** (failures - FREE_FAILURES - 1), MAX_DELAY_S)


def check_password_strength(password: str) -> None:
    """Raise :class:`WeakPasswordError` unless ``password`` is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password: unknown user names then cost the same time as known ones."""
    return hash_password(secrets.token_hex(8))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _user(row: dict[str, Any]) -> User:
    return User(id=int(row["id"]), name=str(row["name"]), role=Role(row["role"]), active=bool(row["active"]))


class Users:
    """Create users, check passwords and change roles, with the audit log.

    Args:
        database: the open faceapp database (schema 2 or later).
        clock: the current UTC time (tests pass a fake one).
    """

    def __init__(self, database: Database, clock: Clock = _utc_now) -> None:
        self.database = database
        self.clock = clock

    # -- reading -------------------------------------------------------------------------------
    def list(self) -> list[User]:
        """All users by name."""
        return [_user(r) for r in self.database.query("SELECT * FROM users ORDER BY name COLLATE NOCASE")]

    def get(self, name: str) -> User:
        """The user called ``name`` (case-insensitive). Raises :class:`UserNotFoundError`."""
        rows = self.database.query("SELECT * FROM users WHERE name = ?", (name.strip(),))
        if not rows:
            raise UserNotFoundError(f"there is no user called {name!r}")
        return _user(rows[0])

    def has_admin(self) -> bool:
        """Whether at least one active administrator exists (False on first run)."""
        return bool(self.database.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1"))

    # -- changes -------------------------------------------------------------------------------
    def add(self, name: str, password: str, role: Role | str = Role.OPERATOR, actor: str = "system") -> User:
        """Create a user.

        Raises:
            WeakPasswordError: the password is too short.
            UserExistsError: the name is taken.
            AuthError: the name is empty.
        """
        name, role = name.strip(), Role(role)
        if not name:
            raise AuthError("the user name must not be empty")
        check_password_strength(password)
        if self.database.scalar("SELECT COUNT(*) FROM users WHERE name = ?", (name,)):
            raise UserExistsError(f"a user called {name!r} exists already")
        now = utc_now()
        with self.database.transaction() as db:
            user_id = db.execute(
                "INSERT INTO users (name, role, password, created, updated) VALUES (?, ?, ?, ?, ?)",
                (name, role.value, hash_password(password), now, now)).lastrowid
            audit.record(db, actor, "user.add", "user", user_id, name=name, role=role.value)
        log.info("user %s (%s) added", name, role.value)
        return self.get(name)

    def set_password(self, name: str, password: str, actor: str = "system") -> None:
        """Replace a user's password (and clear their failed-login counter)."""
        user = self.get(name)
        check_password_strength(password)
        with self.database.transaction() as db:
            db.execute("UPDATE users SET password = ?, failures = 0, locked_until = NULL, updated = ? WHERE id = ?",
                       (hash_password(password), utc_now(), user.id))
            audit.record(db, actor, "user.password", "user", user.id, name=user.name)

    def set_role(self, name: str, role: Role | str, actor: str = "system") -> User:
        """Change a user's role; the last active administrator cannot be demoted."""
        user, role = self.get(name), Role(role)
        if user.is_admin and role is not Role.ADMIN:
            self._keep_an_admin(user)
        with self.database.transaction() as db:
            db.execute("UPDATE users SET role = ?, updated = ? WHERE id = ?", (role.value, utc_now(), user.id))
            audit.record(db, actor, "user.role", "user", user.id, name=user.name, before=user.role.value,
                         after=role.value)
        return self.get(name)

    def set_active(self, name: str, active: bool, actor: str = "system") -> User:
        """Enable or disable a user; the last active administrator cannot be disabled."""
        user = self.get(name)
        if user.is_admin and not active:
            self._keep_an_admin(user)
        with self.database.transaction() as db:
            db.execute("UPDATE users SET active = ?, updated = ? WHERE id = ?", (int(active), utc_now(), user.id))
            audit.record(db, actor, "user.active", "user", user.id, name=user.name, active=active)
        return self.get(name)

    def delete(self, name: str, actor: str = "system") -> None:
        """Delete a user; the last active administrator cannot be deleted."""
        user = self.get(name)
        if user.is_admin:
            self._keep_an_admin(user)
        with self.database.transaction() as db:
            db.execute("DELETE FROM users WHERE id = ?", (user.id,))
            audit.record(db, actor, "user.delete", "user", user.id, name=user.name)

    def _keep_an_admin(self, user: User) -> None:
        others = self.database.scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id != ?", (user.id,))
        if not others:
            raise LastAdminError(f"{user.name} is the only administrator; add another administrator first")

    # -- logging in ----------------------------------------------------------------------------
    def wait_seconds(self, name: str) -> float:
        """Seconds before ``name`` may try again (0 when an attempt is allowed now)."""
        until = self.database.scalar("SELECT locked_until FROM users WHERE name = ?", (name.strip(),))
        if not until:
            return 0.0
        return max((datetime.fromisoformat(until) - self.clock()).total_seconds(), 0.0)

    def authenticate(self, name: str, password: str, required: Role | None = None) -> User:
        """Check a password; the user on success. Never sleeps.

        Args:
            name: the user name (case-insensitive).
            password: the password typed.
            required: a role the user must have (``Role.ADMIN`` for the admin session).

        Raises:
            LoginThrottledError: too many recent failures; ``wait_seconds`` says how long to wait.
            LoginFailedError: wrong name or password, a disabled user, or the wrong role.
        """
        rows = self.database.query("SELECT * FROM users WHERE name = ?", (name.strip(),))
        if not rows:
            verify_password(password, _dummy_hash())  # the same cost as a real check
            # What was typed is never stored: it may be a password typed into the name field.
            with self.database.transaction() as db:
                audit.record(db, UNKNOWN_ACTOR, "auth.failure", "user", None, reason="unknown user")
            raise LoginFailedError("wrong user name or password")
        row = rows[0]
        wait = self.wait_seconds(row["name"])
        if wait > 0:
            self._audit(row["id"], "auth.throttled", name=row["name"], wait_seconds=round(wait, 1))
            raise LoginThrottledError(f"too many wrong passwords: try again in {int(wait + 0.999)} s", wait)
        user = _user(row)
        if not verify_password(password, row["password"]) or not user.active:
            self._record_failure(row)
            raise LoginFailedError("wrong user name or password")
        if required is not None and user.role is not required and user.role is not Role.ADMIN:
            self._audit(user.id, "auth.failure", name=user.name, reason=f"needs role {required.value}")
            raise LoginFailedError(f"{user.name} is not allowed to do this (needs the {required.value} role)")
        self._record_success(user)
        return user

    def _record_failure(self, row: dict[str, Any]) -> None:
        failures = int(row["failures"]) + 1
        delay = failure_delay(failures)
        until = (self.clock() + timedelta(seconds=delay)).isoformat() if delay else None
        with self.database.transaction() as db:
            db.execute("UPDATE users SET failures = ?, locked_until = ? WHERE id = ?", (failures, until, row["id"]))
            audit.record(db, row["name"], "auth.failure", "user", row["id"], name=row["name"], failures=failures,
                         delay_seconds=delay)
        log.warning("failed login for %s (%d in a row)", row["name"], failures)

    def _record_success(self, user: User) -> None:
        with self.database.transaction() as db:
            db.execute("UPDATE users SET failures = 0, locked_until = NULL WHERE id = ?", (user.id,))
            audit.record(db, user.name, "auth.login", "user", user.id, name=user.name, role=user.role.value)
        log.info("%s logged in", user.name)

    def _audit(self, user_id: int | None, action: str, **details: Any) -> None:
        with self.database.transaction() as db:
            audit.record(db, str(details.get("name", "?")), action, "user", user_id, **details)

    def record_logout(self, user: User, reason: str) -> None:
        """Note in the audit log that ``user``'s session ended (``reason``: "locked", "idle"...)."""
        self._audit(user.id, "auth.logout", name=user.name, reason=reason)
