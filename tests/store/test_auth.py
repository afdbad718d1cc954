"""Users, roles, scrypt passwords, persisted login throttling and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from faceapp.store.audit import AuditLog
from faceapp.store.auth import (
    FREE_FAILURES,
    MAX_DELAY_S,
    LastAdminError,
    LoginFailedError,
    LoginThrottledError,
    Role,
    UserExistsError,
    Users,
    WeakPasswordError,
    failure_delay,
    hash_password,
    verify_password,
)
from faceapp.store.db import Database

PASSWORD = "correct horse"


class FakeClock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "faceapp.db"


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture()
def users(db_path: Path, clock: FakeClock) -> Users:
    return Users(Database(db_path), clock)


def test_hash_is_salted_with_parameters_and_verifies() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert first.startswith("scrypt$16384$8$1$")
    assert verify_password(PASSWORD, first)
    assert not verify_password("wrong password", first)
    assert not verify_password(PASSWORD, "garbage")
    assert PASSWORD not in first


def test_first_run_has_no_admin_until_one_is_added(users: Users) -> None:
    assert not users.has_admin()
    admin = users.add("Admin", PASSWORD, Role.ADMIN)
    assert admin.is_admin and users.has_admin()
    assert users.authenticate("admin", PASSWORD, required=Role.ADMIN).name == "Admin"


def test_weak_password_and_duplicate_name_are_refused(users: Users) -> None:
    with pytest.raises(WeakPasswordError):
        users.add("admin", "short", Role.ADMIN)
    users.add("admin", PASSWORD, Role.ADMIN)
    with pytest.raises(UserExistsError):
        users.add("ADMIN", PASSWORD)


def test_operator_cannot_unlock_admin_work(users: Users) -> None:
    users.add("admin", PASSWORD, Role.ADMIN)
    users.add("desk", PASSWORD, Role.OPERATOR)
    assert users.authenticate("desk", PASSWORD).role is Role.OPERATOR
    with pytest.raises(LoginFailedError, match="admin role"):
        users.authenticate("desk", PASSWORD, required=Role.ADMIN)


def test_unknown_user_and_wrong_password_fail_alike(users: Users) -> None:
    users.add("admin", PASSWORD, Role.ADMIN)
    with pytest.raises(LoginFailedError) as unknown:
        users.authenticate("nobody", PASSWORD)
    with pytest.raises(LoginFailedError) as wrong:
        users.authenticate("admin", "not the password")
    assert str(unknown.value) == str(wrong.value)


def test_failures_are_throttled_exponentially_and_survive_a_restart(
        users: Users, db_path: Path, clock: FakeClock) -> None:
    users.add("admin", PASSWORD, Role.ADMIN)
    for _ in range(FREE_FAILURES):
        with pytest.raises(LoginFailedError):
            users.authenticate("admin", "wrong password")
    with pytest.raises(LoginFailedError):
        users.authenticate("admin", "wrong password")  # the 4th failure starts the delay
    users.database.close()
    restarted = Users(Database(db_path), clock)
    with pytest.raises(LoginThrottledError) as throttled:
        restarted.authenticate("admin", PASSWORD)  # even the right password must wait
    assert throttled.value.wait_seconds == pytest.approx(failure_delay(FREE_FAILURES + 1))
    clock.advance(throttled.value.wait_seconds + 0.1)
    with pytest.raises(LoginFailedError):
        restarted.authenticate("admin", "wrong again")
    assert restarted.wait_seconds("admin") == pytest.approx(failure_delay(FREE_FAILURES + 2))
    clock.advance(restarted.wait_seconds("admin") + 0.1)
    assert restarted.authenticate("admin", PASSWORD).name == "admin"
    assert restarted.wait_seconds("admin") == 0.0


def test_failure_delay_doubles_and_is_capped() -> None:
    delays = [failure_delay(n) for n in range(1, FREE_FAILURES + 4)]
    assert delays[:FREE_FAILURES] == [0.0] * FREE_FAILURES
    assert delays[FREE_FAILURES + 1] == 2 * delays[FREE_FAILURES] > 0
    assert failure_delay(100) == MAX_DELAY_S


def test_last_admin_cannot_be_removed_demoted_or_disabled(users: Users) -> None:
    users.add("admin", PASSWORD, Role.ADMIN)
    for change in (lambda: users.delete("admin"), lambda: users.set_role("admin", Role.OPERATOR),
                   lambda: users.set_active("admin", False)):
        with pytest.raises(LastAdminError):
            change()
    users.add("second", PASSWORD, Role.ADMIN)
    users.set_role("admin", Role.OPERATOR)
    assert users.get("admin").role is Role.OPERATOR


def test_password_change_and_disabled_user(users: Users) -> None:
    users.add("admin", PASSWORD, Role.ADMIN)
    users.add("desk", PASSWORD)
    users.set_password("desk", "a new password", actor="admin")
    with pytest.raises(LoginFailedError):
        users.authenticate("desk", PASSWORD)
    users.set_active("desk", False, actor="admin")
    with pytest.raises(LoginFailedError):
        users.authenticate("desk", "a new password")


def test_logins_failures_and_changes_are_audited_without_secrets(users: Users) -> None:
    users.add("admin", PASSWORD, Role.ADMIN, actor="setup")
    users.authenticate("admin", PASSWORD)
    with pytest.raises(LoginFailedError):
        users.authenticate("admin", "wrong password")
    users.record_logout(users.get("admin"), "idle")
    entries = AuditLog(users.database).entries(entity="user")
    actions = [e.action for e in reversed(entries)]
    assert actions == ["user.add", "auth.login", "auth.failure", "auth.logout"]
    assert entries[-1].actor == "setup"
    text = repr(entries)
    assert PASSWORD not in text and "scrypt$" not in text
