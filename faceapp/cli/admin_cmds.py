"""``faceapp admin create|passwd|list``: the accounts that the GUI and the CLI ask a password of."""

from __future__ import annotations

import argparse

from faceapp.cli.auth import read_new_password, require_admin
from faceapp.cli.common import add_common, emit_json
from faceapp.config import Paths
from faceapp.store.auth import Role, Users
from faceapp.store.db import Database


def register(sub: argparse._SubParsersAction) -> None:
    admin = sub.add_parser("admin", help="administrator and operator accounts").add_subparsers(
        dest="admin_action", metavar="ACTION", required=True)
    create = admin.add_parser("create", help="add a user (password from the terminal, or stdin's first line)")
    create.add_argument("name")
    create.add_argument("--role", choices=[Role.ADMIN.value, Role.OPERATOR.value, Role.MANAGER.value],
                        default=Role.ADMIN.value)
    add_common(create)
    create.set_defaults(func=run_create)
    passwd = admin.add_parser("passwd", help="set a user's password (from the terminal, or stdin's first line)")
    passwd.add_argument("name")
    add_common(passwd)
    passwd.set_defaults(func=run_passwd)
    listing = admin.add_parser("list", help="list the users")
    add_common(listing)
    listing.set_defaults(func=run_list)


def _open(args: argparse.Namespace) -> Database:
    return Database.open(Paths.resolve(args.basedir).ensure())


def run_create(args: argparse.Namespace) -> int:
    with _open(args) as database:
        actor = require_admin(args, database, f"add the user {args.name}")
        users = Users(database)
        user = users.add(args.name, read_new_password(args.name), role=args.role, actor=actor.name)
    _say(args, {"user": user.name, "role": user.role.value}, f"user {user.name} ({user.role.value}) created")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    with _open(args) as database:
        users = Users(database)
        user = users.get(args.name)
        actor = require_admin(args, database, f"change the password of {user.name}")
        users.set_password(user.name, read_new_password(user.name), actor=actor.name)
    _say(args, {"user": user.name, "password_changed": True}, f"password of {user.name} changed")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with _open(args) as database:
        users = Users(database).list()
    for user in users:
        _say(args, {"user": user.name, "role": user.role.value, "active": user.active},
             f"{user.name:<24} {user.role.value:<9} {'' if user.active else '(disabled)'}".rstrip())
    return 0


def _say(args: argparse.Namespace, data: dict[str, object], text: str) -> None:
    if args.json:
        emit_json(data)
    else:
        print(text)
