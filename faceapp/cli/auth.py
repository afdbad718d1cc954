"""The administrator check of the command line: the same accounts and throttling as the GUI.

Once an administrator exists, every command that changes biometric data, settings or users, or
that exports, calls :func:`require_admin` first. The password comes from ``FACEAPP_ADMIN_PASSWORD``
or, in a terminal, from a prompt; the administrator is the only active one, or the one named by
``FACEAPP_ADMIN_USER`` (asked in a terminal when there are several). Wrong passwords count towards
the same throttling as logins in the GUI (:class:`faceapp.store.auth.Users`), and the actor
returned is recorded in the audit log of the change. While no administrator exists, commands work
as before and say so once.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass
from typing import Any

from faceapp.config import Paths
from faceapp.store.auth import AuthError, LoginFailedError, Role, User, Users
from faceapp.store.db import Database

PASSWORD_ENV = "FACEAPP_ADMIN_PASSWORD"
USER_ENV = "FACEAPP_ADMIN_USER"
CLI_ACTOR = "cli"  # the actor of changes made while no administrator exists
PROMPT_ATTEMPTS = 3

_state = {"said_no_admin": False}


class AdminRequiredError(AuthError):
    """The command needs an administrator's password and none could be asked for."""


@dataclass(frozen=True)
class Actor:
    """Who runs a command, for the audit log: an authenticated administrator or ``"cli"``."""

    name: str
    user: User | None = None

    def __str__(self) -> str:
        return self.name


def require_admin(args: argparse.Namespace, core: Any = None, action: str = "change data") -> Actor:
    """Authenticate an administrator before ``action`` (once per command); returns the actor.

    Args:
        args: the parsed command line (``--basedir``); the result is remembered on it.
        core: a ``Core``, ``Gallery`` or ``Database`` already open (else the database is opened).
        action: what the command is about to do, for the prompt and messages ("remove a person").

    Raises:
        LoginThrottledError: too many wrong passwords; try again later (the message says when).
        LoginFailedError: wrong password.
        AdminRequiredError: no password in ``FACEAPP_ADMIN_PASSWORD`` and no terminal to ask.
    """
    known = getattr(args, "_faceapp_actor", None)
    if isinstance(known, Actor):
        return known
    database, close = _database(args, core)
    try:
        users = Users(database)
        if not users.has_admin():
            _say_no_admin_once()
            return Actor(CLI_ACTOR)
        actor = _authenticate(users, action)
    finally:
        if close:
            database.close()
    args._faceapp_actor = actor
    return actor


def _authenticate(users: Users, action: str) -> Actor:
    name = _admin_name(users, action)
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return Actor(users.authenticate(name, password, required=Role.ADMIN).name)
    if not _interactive():
        raise AdminRequiredError(f"to {action} an administrator's password is needed: set {PASSWORD_ENV} "
                                 "(and FACEAPP_ADMIN_USER when there are several) or run the command in a terminal")
    for attempt in range(1, PROMPT_ATTEMPTS + 1):
        typed = getpass.getpass(f"Password of administrator {name} (to {action}): ")
        try:
            return Actor(users.authenticate(name, typed, required=Role.ADMIN).name)
        except LoginFailedError:
            if attempt == PROMPT_ATTEMPTS:
                raise
            print("faceapp: wrong password, try again", file=sys.stderr)
    raise AssertionError("unreachable")  # pragma: no cover


def _admin_name(users: Users, action: str) -> str:
    named = os.environ.get(USER_ENV, "").strip()
    if named:
        return named
    admins = [u.name for u in users.list() if u.role is Role.ADMIN and u.active]
    if len(admins) == 1:
        return admins[0]
    if _interactive():
        return input(f"Administrator name (to {action}): ").strip()
    raise AdminRequiredError(f"to {action} an administrator must log in: there are several "
                             f"({', '.join(admins)}); set {USER_ENV} to one of them")


def _say_no_admin_once() -> None:
    if not _state["said_no_admin"]:
        _state["said_no_admin"] = True
        print("faceapp: note: no administrator is set up, so this command runs without a password; "
              "create one with 'faceapp admin create NAME'", file=sys.stderr)


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _database(args: argparse.Namespace, core: Any) -> tuple[Database, bool]:
    """The open database of ``core`` (a Core, Gallery or Database), or a new connection to close."""
    for candidate in (core, getattr(core, "gallery", None)):
        if isinstance(candidate, Database):
            return candidate, False
        database = getattr(candidate, "database", None)
        if isinstance(database, Database):
            return database, False
    return Database.open(Paths.resolve(getattr(args, "basedir", None)).ensure()), True


def read_new_password(name: str) -> str:
    """A new password for ``name``: typed twice in a terminal, or the first line of standard input."""
    if not _interactive():
        line = sys.stdin.readline() if sys.stdin is not None else ""
        password = line.rstrip("\r\n")
        if not password:
            raise AuthError("no password on standard input: give it on the first line")
        return password
    first = getpass.getpass(f"New password for {name}: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise AuthError("the two passwords differ; nothing changed")
    return first
