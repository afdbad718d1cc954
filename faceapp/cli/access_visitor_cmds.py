"""``faceapp access visitor``: register visitors from a photo, list them, purge expired ones, retention.

A visitor is an enrolled person with a host, a purpose and an exact expiry; after the expiry plus
the retention they are deleted with their biometric data (``purge``; the desktop app does it hourly).
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

from faceapp.access.store import AccessStore
from faceapp.cli.access_cmds import _cmd, _moment, _open, _print, admin_actor


def register_visitor_commands(cmds: argparse._SubParsersAction) -> None:
    """``faceapp access visitor add|list|purge|retention``."""
    visitor = cmds.add_parser("visitor", help="register, list and expire visitors")
    vcmds = visitor.add_subparsers(dest="visitor_command", metavar="ACTION", required=True)
    p = _cmd(vcmds, "add", run_visitor_add, "register a visitor with a photo")
    p.add_argument("name")
    p.add_argument("--photo", type=Path, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--purpose", default="")
    p.add_argument("--expires", required=True, help="ISO date-time the visit ends")
    p.add_argument("--level", help="the access level the visitor gets until then")
    _cmd(vcmds, "list", run_visitor_list, "list visitors")
    p = _cmd(vcmds, "purge", run_visitor_purge, "remove expired visitors with their biometric data")
    p.add_argument("--retention-days", type=float, help="days kept after the expiry (default: the stored retention)")
    p = _cmd(vcmds, "retention", run_visitor_retention, "show or set how many days visitors are kept after expiry")
    p.add_argument("days", type=float, nargs="?")


def run_visitor_add(args: argparse.Namespace) -> int:
    from faceapp.services import Core

    core = Core.open(args.basedir)
    try:
        store = AccessStore(core.gallery.database, core.zone)
        actor = admin_actor(args, store, f"register the visitor {args.name}")
        expires = _moment(args.expires, store)
        visitor = core.gallery.add_person(args.name, actor=actor, notes=f"visitor of {args.host}")
        try:
            core.enroller().enrol_photo(visitor.id, args.photo, actor=actor)
            store.register_visitor(visitor.id, args.host, args.purpose, expires, level=args.level, actor=actor)
        except BaseException:
            core.gallery.delete_person(visitor.id, actor=actor)
            raise
        _print(args, [{"id": visitor.id, "name": visitor.name, "expires": expires.isoformat()}], ("id", "name",
                                                                                                  "expires"))
    finally:
        core.close()
    return 0


def run_visitor_list(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    rows = [{**v, "expires": v["expires"].isoformat()} for v in store.visitors()]
    _print(args, rows, ("person_id", "name", "host", "purpose", "expires"))
    return 0


def run_visitor_purge(args: argparse.Namespace) -> int:
    gallery, store, journal = _open(args)
    actor = admin_actor(args, store, "remove expired visitors")
    days = store.retention_days if args.retention_days is None else args.retention_days
    removed = journal.purge_visitors(datetime.now(timezone.utc), timedelta(days=days),
                                     lambda pid: gallery.delete_person(pid, actor=actor), actor=actor)
    _print(args, [{"removed": len(removed)}], ("removed",))
    return 0


def run_visitor_retention(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    if args.days is not None:
        store.set_retention_days(args.days, actor=admin_actor(args, store))
    _print(args, [{"retention_days": store.retention_days}], ("retention_days",))
    return 0
