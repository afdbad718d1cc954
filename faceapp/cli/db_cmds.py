"""``faceapp db status|migrate|copy``: the store's back end, its schema, and moving a desk to a server.

``--url`` names the database (``sqlite:///path/faceapp.db`` or ``postgresql://user@host/db``); without
it, the one configured for ``--basedir`` (``$FACEAPP_DATABASE_URL``, the ``database_url`` setting,
else the data folder's SQLite file). ``migrate`` and ``copy`` need an administrator (``copy``:
of the destination once it has one, else of the source).
"""

from __future__ import annotations

import argparse
from typing import Any

from faceapp.cli.auth import require_admin
from faceapp.cli.common import add_common, emit_json
from faceapp.config import Paths
from faceapp.errors import StorageError
from faceapp.store.auth import Users
from faceapp.store.backends import check_url, redact
from faceapp.store.backends.transfer import copy_database, tables
from faceapp.store.db import SCHEMA_VERSION, Database

COUNTED = ("people", "templates", "embeddings", "events", "audit", "users")


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the database: status, schema migration, copy to a PostgreSQL server")
    db = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    status = db.add_parser("status", help="back end, schema version and row counts")
    status.add_argument("--url", help="the database (default: the configured one)")
    add_common(status)
    status.set_defaults(func=run_status)
    migrate = db.add_parser("migrate", help="create or upgrade the schema (e.g. on a new PostgreSQL database)")
    migrate.add_argument("--url", help="the database (default: the configured one)")
    add_common(migrate)
    migrate.set_defaults(func=run_migrate)
    copy = db.add_parser("copy", help="copy every row to another database, verified by counts and checksums")
    copy.add_argument("--from", dest="source", help="the source (default: the configured database)")
    copy.add_argument("--to", dest="destination", required=True, help="the destination, e.g. postgresql://...")
    add_common(copy)
    copy.set_defaults(func=run_copy)


def _open(args: argparse.Namespace, url: str | None) -> Database:
    paths = Paths.resolve(getattr(args, "basedir", None)).ensure()
    return Database.open(paths, url=None if url is None else check_url(url))


def _name(database: Database) -> str:
    return redact(str(database.path)) if database.backend == "postgresql" else f"sqlite://{database.path}"


def run_status(args: argparse.Namespace) -> int:
    with _open(args, args.url) as database:
        counts = {t: int(database.scalar(f"SELECT COUNT(*) FROM {t}")) for t in COUNTED}
        info: dict[str, Any] = {"backend": database.backend, "database": _name(database),
                                "schema": database.schema_version, "schema_of_this_faceapp": SCHEMA_VERSION,
                                "tables": len(tables(database)), "rows": counts,
                                "queued_on_this_desk": _queued_here(args)}
    if args.json:
        emit_json(info)
    else:
        print(f"{info['backend']} database {info['database']}: schema {info['schema']} "
              f"(this faceapp: {SCHEMA_VERSION}), {info['tables']} tables")
        print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if info["queued_on_this_desk"]:
            print(f"  {info['queued_on_this_desk']} events queued on this desk while the server was unreachable "
                  "(delivered by the next live session or recognize --checkin)")
    return 0


def _queued_here(args: argparse.Namespace) -> int:
    """Events waiting in this desk's outbox (0 when it has none)."""
    from faceapp.config import Settings
    from faceapp.store.outbox import OUTBOX_NAME, Outbox

    paths = Paths.resolve(getattr(args, "basedir", None))
    data = paths.with_data_dir(Settings.load(paths.settings_file).data_dir).data
    if not (data / OUTBOX_NAME).exists():
        return 0
    outbox = Outbox.open(data)
    try:
        return len(outbox)
    finally:
        outbox.close()


def run_migrate(args: argparse.Namespace) -> int:
    with _open(args, args.url) as database:  # opening applies the missing migrations
        require_admin(args, database, "migrate the database")
        info = {"backend": database.backend, "database": _name(database), "schema": database.schema_version}
    if args.json:
        emit_json(info)
    else:
        print(f"{info['database']} is at schema {info['schema']} (up to date)")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    destination_url = check_url(args.destination)
    with _open(args, args.source) as source, _open(args, destination_url) as destination:
        if _name(source) == _name(destination):
            raise StorageError(f"the source and the destination are the same database ({_name(source)})")
        # The destination's administrator once it has one (after a first copy: the same accounts), so
        # that a repeated copy writes nothing into the source (its login would be a new audit row).
        require_admin(args, destination if Users(destination).has_admin() else source, "copy the database")
        report = copy_database(source, destination)
        names = (_name(source), _name(destination))
    added = sum(r.added for r in report)
    if args.json:
        emit_json({"from": names[0], "to": names[1], "added": added, "verified": True,
                   "tables": [{"table": r.table, "rows": r.source_rows, "added": r.added, "checksum": r.checksum}
                              for r in report]})
    else:
        for r in report:
            print(f"{r.table:<20} {r.source_rows:>8} rows  {r.added:>8} added  verified")
        print(f"copied {names[0]} to {names[1]}: {added} rows added, every table verified "
              "(evidence snapshot files stay in this desk's data folder)")
    return 0

