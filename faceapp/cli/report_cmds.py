"""``faceapp report``: attendance reports and scheduled exports.

Without ``--kind`` it writes today's event report (CSV/XLSX/PDF of first in, last out and worked time).
With ``--kind daily|exceptions|timecard|summary|punches`` it evaluates every person-day against the
shifts (:mod:`faceapp.attendance.timecard`); ``--json`` prints one object per person-day.
``faceapp report schedule add|list|run`` manages the scheduled daily and monthly exports.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from faceapp.attendance import FORMATS, ReportQuery, build_report, write_report
from faceapp.attendance.hr_reports import KINDS, SUFFIXES
from faceapp.attendance.labels import LANGUAGES
from faceapp.cli.common import add_common, emit_json, require_admin
from faceapp.cli.inputs import check_output_file, check_output_folder
from faceapp.errors import ConfigError
from faceapp.services import Core, system_zone


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="export an attendance report (or: report schedule ...)")
    rep.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (local to --zone)")
    rep.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (inclusive)")
    rep.add_argument("--kind", choices=KINDS, help="evaluate against the shifts: daily, exceptions, timecard, "
                     "summary or punches (default: the event report)")
    rep.add_argument("--person", action="append", default=[], help="id, employee number or name (repeatable)")
    rep.add_argument("--department", action="append", default=[], help="department (repeatable)")
    rep.add_argument("--site", help="only events recorded at this site (its name as set on the desks)")
    rep.add_argument("--desk", help="only events recorded by this desk (its name as set on it)")
    rep.add_argument("--format", choices=FORMATS, help="default: from the --out suffix")
    rep.add_argument("--out", type=Path, help="the report file")
    rep.add_argument("--zone", help="IANA time zone of the report (default: the desk's)")
    rep.add_argument("--language", choices=LANGUAGES, default="en", help="report language")
    add_common(rep)
    rep.set_defaults(func=run_report)
    schedule = rep.add_subparsers(dest="report_action", metavar="schedule").add_parser(
        "schedule", help="scheduled exports").add_subparsers(dest="schedule_action", metavar="ACTION", required=True)
    add = schedule.add_parser("add", help="export daily or monthly reports into a folder")
    add.add_argument("period", choices=("daily", "monthly"))
    add.add_argument("folder", type=Path)
    add.add_argument("--language", choices=LANGUAGES, default="en")
    add_common(add)
    add.set_defaults(func=run_schedule_add)
    for name, func, text in (("list", run_schedule_list, "list the schedules"),
                             ("run", run_schedule_run, "write every due (and missed) export now")):
        action = schedule.add_parser(name, help=text)
        add_common(action)
        action.set_defaults(func=func)


def _day(text: str | None, what: str) -> date:
    if not text:
        raise ConfigError(f"{what} is required (a date like 2026-11-29)")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"{what} must be a date like 2026-11-29, not {text!r}") from exc


def _name(text: str | None) -> str | None:
    """A --site or --desk value as stored (one line, trimmed); None when not given."""
    from faceapp.store.origin import clean

    return None if text is None else clean(text)


def _check_origin(args: argparse.Namespace, database: Any) -> None:
    """Refuse a --site or --desk that no stored event names (a typo would give an empty report)."""
    from faceapp.store.events import distinct_origins

    if args.site is None and args.desk is None:
        return
    known = dict(zip(("site", "desk"), distinct_origins(database), strict=True))
    for what in ("site", "desk"):
        name = _name(getattr(args, what))
        if name is not None and name not in known[what]:
            choices = ", ".join(repr(n) for n in known[what]) or "none yet"
            raise ConfigError(f"no event was recorded by the {what} {name!r}; the {what}s known are: {choices}")


def _check_out(args: argparse.Namespace) -> None:
    """Refuse an unusable --out path before asking for a password or doing any work."""
    if args.out is None:
        return
    if args.format and not args.kind:  # the format is given: any file name will do
        if Path(args.out).is_dir():
            raise ConfigError(f"{args.out}: is a folder; give a file name for the report")
        check_output_folder(Path(args.out).parent, "report")
        return
    suffixes = SUFFIXES[args.kind] if args.kind else FORMATS
    check_output_file(Path(args.out), [f".{s}" for s in suffixes], f"{args.kind or 'attendance'} report")


def run_report(args: argparse.Namespace) -> int:
    _check_out(args)
    require_admin(args, None, "export an attendance report")
    if args.kind:
        return run_hr_report(args)
    if args.out is None:
        raise ConfigError("--out FILE is required (or choose a --kind and --json)")
    query = ReportQuery(_day(args.start, "--from"), _day(args.end, "--to"), tuple(args.person),
                        tuple(args.department), site=_name(args.site), desk=_name(args.desk))
    gallery = Core.open_gallery(args.basedir)
    from faceapp.cli.shift_cmds import admin_actor
    from faceapp.config import Settings

    _check_origin(args, gallery.database)
    admin_actor(args, gallery, "export a report")

    zone = args.zone or Settings.load(gallery.paths.settings_file).timezone or system_zone()
    start, end = query.utc_bounds(zone)
    report = build_report(gallery.events.list(start=start, end=end, site=query.site, desk=query.desk), zone, query)
    path = write_report(report, args.out, args.format)
    if args.json:
        emit_json({"out": str(path), "days": len(report.days), "people": len(report.people),
                   "events": len(report.events), "zone": zone, "site": query.site, "desk": query.desk})
    else:
        print(f"{path}: {len(report.people)} people, {len(report.days)} person-days, {len(report.events)} events "
              f"({args.start} to {args.end}, {zone})")
    return 0


def run_hr_report(args: argparse.Namespace) -> int:
    """A report of person-days evaluated against the shifts."""
    from zoneinfo import ZoneInfo

    from faceapp.attendance.hr_reports import ReportSpec, write
    from faceapp.attendance.timecard import compute_days, select_people
    from faceapp.cli.shift_cmds import admin_actor, open_store

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    gallery, store, desk_zone = open_store(args)
    _check_origin(args, gallery.database)
    zone = args.zone or desk_zone
    people = select_people(gallery.people.list(), args.person, args.department)
    days = compute_days(store, people, start, end, zone, site=_name(args.site), desk=_name(args.desk))
    if args.kind == "exceptions":
        days = [d for d in days if d.result.is_exception]
    if args.out is not None:
        admin_actor(args, gallery, "export a report")
        write(days, ReportSpec(args.kind, start, end, zone, args.language, site=_name(args.site),
                               desk=_name(args.desk)), args.out)
    if args.json:
        for day in days:
            emit_json(day.to_json(ZoneInfo(zone)))
    elif args.out is not None:
        print(f"{args.out}: {args.kind} report, {len(people)} people, {len(days)} person-days "
              f"({start} to {end}, {zone})")
    else:
        for day in days:
            r = day.result
            print(f"{r.day} {day.name} {r.status.value} worked {r.worked_minutes} late {r.late_minutes} "
                  f"early {r.early_minutes} overtime {r.overtime_minutes}")
    return 0


def run_schedule_add(args: argparse.Namespace) -> int:
    from faceapp.attendance.exports import add_schedule
    from faceapp.cli.shift_cmds import admin_actor, open_store

    gallery, _store, _zone = open_store(args)
    actor = admin_actor(args, gallery, "schedule exports")
    schedule = add_schedule(gallery.database, args.period, args.folder, args.language, actor=actor)
    _print(args, {"id": schedule.id, "period": schedule.period, "folder": str(schedule.folder)},
           f"{schedule.period} exports to {schedule.folder}")
    return 0


def run_schedule_list(args: argparse.Namespace) -> int:
    from faceapp.attendance.exports import schedules
    from faceapp.cli.shift_cmds import open_store

    gallery, _store, _zone = open_store(args)
    for s in schedules(gallery.database):
        _print(args, {"id": s.id, "period": s.period, "folder": str(s.folder), "language": s.language,
                      "last_done": s.last_done}, f"{s.id}: {s.period} -> {s.folder} (last: {s.last_done or 'never'})")
    return 0


def run_schedule_run(args: argparse.Namespace) -> int:
    from faceapp.attendance.exports import run_due
    from faceapp.cli.shift_cmds import open_store

    gallery, _store, zone = open_store(args)
    written = run_due(gallery.database, zone, actor="cli")
    _print(args, {"written": [str(p) for p in written]}, f"{len(written)} files written"
           + "".join(f"\n  {p}" for p in written))
    return 0


def _print(args: argparse.Namespace, data: dict[str, object], text: str) -> None:
    if args.json:
        emit_json(data)
    else:
        print(text)
