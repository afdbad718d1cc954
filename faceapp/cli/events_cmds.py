"""``faceapp events import FILE.csv``: punches from another terminal or a spreadsheet."""

from __future__ import annotations

import argparse
from pathlib import Path

from faceapp.attendance.punch_import import import_punches
from faceapp.cli.common import add_common, emit_json
from faceapp.cli.shift_cmds import admin_actor, open_store
from faceapp.errors import DataError


def register(sub: argparse._SubParsersAction) -> None:
    events = sub.add_parser("events", help="attendance events").add_subparsers(dest="events_command",
                                                                              metavar="ACTION", required=True)
    imp = events.add_parser("import", help="import punches from CSV: person,time,kind (in|out|auto)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--zone", help="IANA zone of times without an offset (default: the desk's)")
    add_common(imp)
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {args.file}: {exc}") from exc
    gallery, _store, zone = open_store(args)
    actor = admin_actor(args, gallery, "import events")
    report = import_punches(gallery.database, text, args.zone or zone, actor=actor)
    rejected = [{"line": n, "reason": r} for n, r in report.rejected]
    if args.json:
        emit_json({"added": report.added, "existing": report.existing, "rejected": rejected})
    else:
        print(f"{report.added} punches added, {report.existing} already present, {len(rejected)} lines rejected")
        for item in rejected:
            print(f"  line {item['line']}: {item['reason']}")
    return 1 if rejected and not report.added and not report.existing else 0  # only a file of bad lines fails
