"""``faceapp report``: attendance per day and person, a summary and the events, as CSV/XLSX/PDF."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from faceapp.attendance import FORMATS, ReportQuery, build_report, write_report
from faceapp.cli.common import add_common, emit_json
from faceapp.errors import ConfigError
from faceapp.services import Core, system_zone


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="export an attendance report")
    rep.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD (local to --zone)")
    rep.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD (inclusive)")
    rep.add_argument("--person", action="append", default=[], help="id, employee number or name (repeatable)")
    rep.add_argument("--department", action="append", default=[], help="department (repeatable)")
    rep.add_argument("--format", choices=FORMATS, help="default: from the --out suffix")
    rep.add_argument("--out", type=Path, required=True, help="the report file")
    rep.add_argument("--zone", help="IANA time zone of the report (default: the desk's)")
    add_common(rep)
    rep.set_defaults(func=run_report)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"{what} must be a date like 2026-11-29, not {text!r}") from exc


def run_report(args: argparse.Namespace) -> int:
    query = ReportQuery(_day(args.start, "--from"), _day(args.end, "--to"), tuple(args.person),
                        tuple(args.department))
    gallery = Core.open_gallery(args.basedir)
    from faceapp.config import Settings

    zone = args.zone or Settings.load(gallery.paths.settings_file).timezone or system_zone()
    start, end = query.utc_bounds(zone)
    report = build_report(gallery.events.list(start=start, end=end), zone, query)
    path = write_report(report, args.out, args.format)
    if args.json:
        emit_json({"out": str(path), "days": len(report.days), "people": len(report.people),
                   "events": len(report.events), "zone": zone})
    else:
        print(f"{path}: {len(report.people)} people, {len(report.days)} person-days, {len(report.events)} events "
              f"({args.start} to {args.end}, {zone})")
    return 0
