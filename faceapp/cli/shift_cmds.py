"""``faceapp shift|holiday|leave|punch``: the attendance rules (shifts, rotations, assignments, calendar).

Commands that change data first pass the CLI's administrator check (:func:`faceapp.cli.auth.require_admin`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from faceapp.attendance.calendar import LEAVE_KINDS, Holiday, Leave, holidays_from_csv, holidays_from_ics, parse_date
from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.schedule import Assignment
from faceapp.attendance.shifts import ROUNDING, Rotation, Shift, days_text, parse_clock, parse_cycle, parse_days
from faceapp.cli.common import add_common, emit_json
from faceapp.errors import DataError


def open_store(args: argparse.Namespace) -> tuple[Any, AttendanceStore, str]:
    """The gallery, its attendance store and the desk's zone for the command's ``--basedir``."""
    from faceapp.config import Settings
    from faceapp.services import Core, system_zone

    gallery = Core.open_gallery(args.basedir)
    zone = Settings.load(gallery.paths.settings_file).timezone or system_zone()
    return gallery, AttendanceStore(gallery.database), zone


def admin_actor(args: argparse.Namespace, gallery: Any, action: str) -> str:
    """Pass the CLI's administrator check and return the name recorded in the audit log."""
    from faceapp.cli.auth import require_admin

    return str(require_admin(args, gallery, action=action))


def find_person(gallery: Any, text: str) -> Any:
    """A person by id, employee number or exact name (case-insensitive). Raises :class:`DataError`."""
    people = gallery.people.list()
    key = text.strip().casefold()
    matches = [p for p in people if str(p.id) == key or (p.employee_no or "").casefold() == key]
    matches = matches or [p for p in people if p.name.casefold() == key]
    if len(matches) != 1:
        raise DataError(f"no person {text!r}" if not matches else f"{len(matches)} people match {text!r}; "
                        "use the employee number")
    return matches[0]


def register(sub: argparse._SubParsersAction) -> None:
    shift = sub.add_parser("shift", help="shifts, rotations and who works them").add_subparsers(
        dest="shift_command", metavar="ACTION", required=True)
    add = shift.add_parser("add", help="add or replace a shift")
    add.add_argument("name")
    add.add_argument("--start", required=True, help="HH:MM")
    add.add_argument("--end", required=True, help="HH:MM (at or before --start: ends the next day)")
    for flag, default, text in (("--grace-late", 0, "minutes of lateness forgiven"),
                                ("--grace-early", 0, "minutes of early leave forgiven"),
                                ("--break", 0, "break minutes"), ("--window-before", 120, "punch window before start"),
                                ("--window-after", 240, "punch window after end"),
                                ("--half-day-below", 0, "worked minutes under which a day is a half day"),
                                ("--absent-below", 0, "worked minutes under which a day is an absence"),
                                ("--overtime-after", 0, "overtime counts from this many minutes"),
                                ("--overtime-unit", 1, "round overtime to this many minutes"),
                                ("--required", 0, "flexible shift: required minutes")):
        add.add_argument(flag, type=int, default=default, help=text)
    add.add_argument("--days", default="mon-fri", help="weekdays worked, e.g. mon-fri or mon,wed,fri or all")
    add.add_argument("--break-kind", choices=("fixed", "minimum"), default="fixed")
    add.add_argument("--overtime-rounding", choices=ROUNDING, default="floor")
    add.add_argument("--flexible", action="store_true",
                     help="flexible shift (needs --core-start, --core-end and --required)")
    add.add_argument("--core-start")
    add.add_argument("--core-end")
    add_common(add)
    add.set_defaults(func=run_shift_add)
    listing = shift.add_parser("list", help="list shifts, rotations and assignments")
    add_common(listing)
    listing.set_defaults(func=run_shift_list)
    rotation = shift.add_parser("rotation", help="add or replace a rotating cycle of shifts")
    rotation.add_argument("name")
    rotation.add_argument("--cycle", required=True, help="e.g. Day,Day,Night,Night,off,off")
    rotation.add_argument("--anchor", required=True, help="the date of the cycle's first day")
    add_common(rotation)
    rotation.set_defaults(func=run_rotation)
    assign = shift.add_parser("assign", help="give a person or department a shift (or rotation) from a date")
    assign.add_argument("person", nargs="?", help="id, employee number or name")
    assign.add_argument("shift", help="shift (or with --rotation, rotation) name")
    assign.add_argument("--department")
    assign.add_argument("--from", dest="start", required=True)
    assign.add_argument("--until")
    assign.add_argument("--rotation", action="store_true", help="SHIFT names a rotation")
    add_common(assign)
    assign.set_defaults(func=run_assign)
    _register_calendar(sub)


def _register_calendar(sub: argparse._SubParsersAction) -> None:
    holiday = sub.add_parser("holiday", help="public holidays").add_subparsers(dest="holiday_command",
                                                                              metavar="ACTION", required=True)
    add = holiday.add_parser("add", help="add a holiday")
    add.add_argument("date")
    add.add_argument("name")
    add_common(add)
    add.set_defaults(func=run_holiday_add)
    imp = holiday.add_parser("import", help="import holidays from CSV (date,name) or iCalendar (.ics)")
    imp.add_argument("file", type=Path)
    add_common(imp)
    imp.set_defaults(func=run_holiday_import)
    listing = holiday.add_parser("list", help="list holidays")
    add_common(listing)
    listing.set_defaults(func=run_holiday_list)
    leave = sub.add_parser("leave", help="leave entries").add_subparsers(dest="leave_command", metavar="ACTION",
                                                                         required=True)
    add = leave.add_parser("add", help="grant leave to a person on a day")
    add.add_argument("person")
    add.add_argument("date")
    add.add_argument("--half", action="store_true", help="half a day")
    add.add_argument("--kind", choices=LEAVE_KINDS, default="annual")
    add.add_argument("--reason", default="")
    add.add_argument("--request", action="store_true", help="record a request that waits for approval")
    add_common(add)
    add.set_defaults(func=run_leave_add)
    for name, text in (("approve", "approve a pending leave request"), ("reject", "reject a pending leave request")):
        decide = leave.add_parser(name, help=text)
        decide.add_argument("id", type=int)
        add_common(decide)
        decide.set_defaults(func=run_leave_decide, approve=name == "approve")
    _register_punches(sub)
    listing = leave.add_parser("list", help="list leave entries")
    listing.add_argument("--from", dest="start")
    listing.add_argument("--to", dest="end")
    add_common(listing)
    listing.set_defaults(func=run_leave_list)


def _register_punches(sub: argparse._SubParsersAction) -> None:
    punch = sub.add_parser("punch", help="missing-punch requests").add_subparsers(dest="punch_command",
                                                                                 metavar="ACTION", required=True)
    request = punch.add_parser("request", help="ask for a missing punch to be added (waits for approval)")
    request.add_argument("person")
    request.add_argument("time", help="ISO 8601, e.g. 2026-03-02T17:30 (local to the desk without an offset)")
    request.add_argument("--kind", choices=("in", "out"), required=True)
    request.add_argument("--reason", required=True)
    add_common(request)
    request.set_defaults(func=run_punch_request)
    for name, text in (("approve", "approve: the punch becomes a manual event"), ("reject", "reject a request")):
        decide = punch.add_parser(name, help=text)
        decide.add_argument("id", type=int)
        add_common(decide)
        decide.set_defaults(func=run_punch_decide, approve=name == "approve")
    listing = punch.add_parser("list", help="list missing-punch requests")
    listing.add_argument("--pending", action="store_true")
    add_common(listing)
    listing.set_defaults(func=run_punch_list)


def run_punch_request(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from faceapp.attendance.punch_import import parse_time

    gallery, store, zone = open_store(args)
    person = find_person(gallery, args.person)
    when = parse_time(args.time, ZoneInfo(zone))
    kind = "check_in" if args.kind == "in" else "check_out"
    request = store.request_punch(person.id, when, kind, args.reason, zone, actor="cli")
    _say(args, {"request": request.id, "person_id": person.id, "time": request.time.isoformat(), "kind": kind},
         f"request {request.id}: {person.name} {args.kind} at {args.time} (waits for approval)")
    return 0


def run_punch_decide(args: argparse.Namespace) -> int:
    gallery, store, _zone = open_store(args)
    actor = admin_actor(args, gallery, "approve punches" if args.approve else "reject punches")
    request = store.decide_punch(args.id, args.approve, actor)
    _say(args, {"request": request.id, "status": request.status, "event_id": request.event_id},
         f"request {request.id} {request.status}")
    return 0


def run_punch_list(args: argparse.Namespace) -> int:
    _gallery, store, _zone = open_store(args)
    requests = store.punch_requests("pending" if args.pending else None)
    rows = [{"id": r.id, "person_id": r.person_id, "time": r.time.isoformat(), "kind": r.kind, "reason": r.reason,
             "status": r.status, "event_id": r.event_id} for r in requests]
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(" ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def run_leave_decide(args: argparse.Namespace) -> int:
    gallery, store, _zone = open_store(args)
    actor = admin_actor(args, gallery, "approve leave" if args.approve else "reject leave")
    entry = store.decide_leave(args.id, args.approve, actor)
    _say(args, {"leave": entry.id, "status": entry.status}, f"leave {entry.id} {entry.status}")
    return 0


def run_shift_add(args: argparse.Namespace) -> int:
    shift = Shift(args.name, parse_clock(args.start), parse_clock(args.end), parse_days(args.days),
                  break_minutes=args.__dict__["break"], break_kind=args.break_kind, grace_late=args.grace_late,
                  grace_early=args.grace_early, window_before=args.window_before, window_after=args.window_after,
                  half_day_below=args.half_day_below, absent_below=args.absent_below, flexible=args.flexible,
                  core_start=parse_clock(args.core_start) if args.core_start else None,
                  core_end=parse_clock(args.core_end) if args.core_end else None, required_minutes=args.required,
                  overtime_after=args.overtime_after, overtime_unit=args.overtime_unit,
                  overtime_rounding=args.overtime_rounding)
    _gallery, store, _zone = open_store(args)
    store.save_shift(shift, actor=admin_actor(args, _gallery, "change shifts"))
    _say(args, {"shift": shift.name, "start": args.start, "end": args.end, "days": days_text(shift.days)},
         f"shift {shift.name}: {args.start}-{args.end} on {days_text(shift.days)}")
    return 0


def run_shift_list(args: argparse.Namespace) -> int:
    _gallery, store, _zone = open_store(args)
    shifts, rotations, assignments = store.shifts(), store.rotations(), store.assignments()
    if args.json:
        import json

        emit_json({"shifts": [json.loads(s.to_json()) for s in shifts],
                   "rotations": [{"name": r.name, "cycle": list(r.cycle), "anchor": r.anchor.isoformat()}
                                 for r in rotations],
                   "assignments": [{"id": a.id, "target": a.target, "person_id": a.person_id,
                                    "department": a.department, "start": a.start.isoformat(),
                                    "until": a.until.isoformat() if a.until else None} for a in assignments]})
        return 0
    for s in shifts:
        print(f"shift {s.name}: {s.start:%H:%M}-{s.end:%H:%M} {days_text(s.days)} break {s.break_minutes} "
              f"grace {s.grace_late}/{s.grace_early}{' flexible' if s.flexible else ''}")
    for r in rotations:
        print(f"rotation {r.name}: {','.join(n or 'off' for n in r.cycle)} from {r.anchor}")
    for a in assignments:
        who = f"person {a.person_id}" if a.person_id is not None else f"department {a.department}"
        print(f"assignment {a.id}: {who} -> {a.target} from {a.start} until {a.until or '...'}")
    return 0


def run_rotation(args: argparse.Namespace) -> int:
    rotation = Rotation(args.name, parse_cycle(args.cycle), parse_date(args.anchor, "--anchor"))
    _gallery, store, _zone = open_store(args)
    store.save_rotation(rotation, actor=admin_actor(args, _gallery, "change rotations"))
    _say(args, {"rotation": rotation.name, "cycle": list(rotation.cycle)}, f"rotation {rotation.name} saved")
    return 0


def run_assign(args: argparse.Namespace) -> int:
    if (args.person is None) == (args.department is None):
        raise DataError("give either a PERSON or --department DEPT")
    gallery, store, _zone = open_store(args)
    person_id = find_person(gallery, args.person).id if args.person is not None else None
    until = parse_date(args.until, "--until") if args.until else None
    assignment = store.assign(Assignment(args.shift, parse_date(args.start, "--from"), until, person_id,
                                         args.department, args.rotation),
                              actor=admin_actor(args, gallery, "assign shifts"))
    who = f"person {person_id}" if person_id is not None else f"department {args.department}"
    _say(args, {"assignment": assignment.id, "person_id": person_id, "department": args.department,
                "target": args.shift}, f"{who} works {args.shift} from {assignment.start}")
    return 0


def run_holiday_add(args: argparse.Namespace) -> int:
    holiday = Holiday(parse_date(args.date), args.name.strip() or "Holiday")
    _gallery, store, _zone = open_store(args)
    store.add_holidays([holiday], actor=admin_actor(args, _gallery, "add holidays"), source="cli")
    _say(args, {"date": holiday.day.isoformat(), "name": holiday.name}, f"holiday {holiday.day}: {holiday.name}")
    return 0


def run_holiday_import(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {args.file}: {exc}") from exc
    result = holidays_from_ics(text) if args.file.suffix.lower() == ".ics" else holidays_from_csv(text)
    _gallery, store, _zone = open_store(args)
    added = store.add_holidays(result.holidays, actor=admin_actor(args, _gallery, "import holidays"),
                               source=args.file.name)
    _say(args, {"read": len(result.holidays), "added": added,
                "rejected": [{"line": n, "reason": r} for n, r in result.problems]},
         f"{len(result.holidays)} holidays read ({added} new), {len(result.problems)} problems"
         + "".join(f"\n  line {n}: {r}" for n, r in result.problems))
    return 1 if result.problems and not result.holidays else 0


def run_holiday_list(args: argparse.Namespace) -> int:
    _gallery, store, _zone = open_store(args)
    holidays = store.holidays()
    if args.json:
        emit_json([{"date": d.isoformat(), "name": h.name} for d, h in holidays.items()])
    for day, holiday in holidays.items():
        if not args.json:
            print(f"{day} {holiday.name}")
    return 0


def run_leave_add(args: argparse.Namespace) -> int:
    gallery, store, _zone = open_store(args)
    person = find_person(gallery, args.person)
    leave = Leave(person.id, parse_date(args.date), args.kind, args.half)
    if args.request:
        entry = store.add_leave(leave, actor="cli", reason=args.reason, approved=False)
    else:
        entry = store.add_leave(leave, actor=admin_actor(args, gallery, "grant leave"), reason=args.reason)
    _say(args, {"leave": entry.id, "person_id": person.id, "date": args.date, "kind": args.kind, "half": args.half,
                "status": entry.status},
         f"{person.name}: {'half a day' if args.half else 'a day'} of {args.kind} leave on {args.date} "
         f"({entry.status})")
    return 0


def run_leave_list(args: argparse.Namespace) -> int:
    _gallery, store, _zone = open_store(args)
    start = parse_date(args.start, "--from") if args.start else None
    end = parse_date(args.end, "--to") if args.end else None
    entries = store.leave_entries(start, end)
    rows = [{"id": e.id, "person_id": e.leave.person_id, "date": e.leave.day.isoformat(), "kind": e.leave.kind,
             "half": e.leave.half, "status": e.status} for e in entries]
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(" ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def _say(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        emit_json(data)
    else:
        print(text)

