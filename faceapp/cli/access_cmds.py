"""``faceapp access``: doors, areas, levels, holidays, grants, visitors, checks, lockdown, journal, reports.

Changes are administrative: they ask the admin-authentication helper of the CLI when it exists
and are written to the audit log with the administrator's name.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from faceapp.access.decide import Request
from faceapp.access.journal import Journal
from faceapp.access.model import AntiPassback, DoorState
from faceapp.access.outputs import Pulse, parse_output
from faceapp.access.service import AccessService
from faceapp.access.store import AccessStore, redact
from faceapp.cli.common import add_common, emit_json, require_admin
from faceapp.config import Settings
from faceapp.errors import ConfigError, PersonNotFoundError
from faceapp.records import Person, Verdict
from faceapp.store.gallery import Gallery


def register(sub: argparse._SubParsersAction) -> None:
    access = sub.add_parser("access", help="access control: doors, levels, schedules, visitors")
    cmds = access.add_subparsers(dest="access_command", metavar="WHAT", required=True)
    door = cmds.add_parser("door", help="add, change, list, remove, test or open doors")
    dcmds = door.add_subparsers(dest="door_command", metavar="ACTION", required=True)
    for name in ("add", "set"):
        p = _cmd(dcmds, name, run_door_set, f"{name} a door")
        p.add_argument("name")
        _door_options(p)
    _cmd(dcmds, "list", run_door_list, "list doors")
    for name, func, text in (("remove", run_door_remove, "remove a door"), ("test", run_door_test,
                             "check that the door's output is reachable (--pulse opens it)")):
        p = _cmd(dcmds, name, func, text)
        p.add_argument("name")
        if name == "test":
            p.add_argument("--pulse", action="store_true", help="really open the door once")
    p = _cmd(dcmds, "open", run_door_open, "open a door by hand (administrators; the reason is journaled)")
    p.add_argument("name")
    p.add_argument("--reason", required=True)
    for state, text in (("lockdown", "lock doors for everybody"), ("unlock", "emergency unlock: hold doors open"),
                        ("normal", "back to normal decisions")):
        p = _cmd(cmds, state, run_state, text)
        p.add_argument("doors", nargs="*", help="door names (default: all doors)")
        p.add_argument("--reason", default="")
    area = _cmd(cmds, "area", run_area, "an area's anti-passback mode (without --antipassback: list areas)")
    area.add_argument("name", nargs="?")
    area.add_argument("--antipassback", choices=[m.value for m in AntiPassback])
    p = _cmd(cmds, "passback-reset", run_passback_reset, "forget who is inside (anti-passback), e.g. after a drill")
    p.add_argument("--person", help="only this person (employee number, id or exact name)")
    p.add_argument("--area", help="only this area")
    level = cmds.add_parser("level", help="access levels: doors plus a weekly schedule")
    lcmds = level.add_subparsers(dest="level_command", metavar="ACTION", required=True)
    for name in ("add", "set"):
        p = _cmd(lcmds, name, run_level_set, f"{name} an access level")
        p.add_argument("name")
        p.add_argument("--doors", required=name == "add", help="comma-separated door names")
        p.add_argument("--schedule", required=name == "add", help='e.g. "mon-fri 08:00-18:00; sat 09:00-12:00"')
        p.add_argument("--holidays", choices=["open", "closed"], help="whether the level opens on holidays")
    _cmd(lcmds, "list", run_level_list, "list access levels")
    _cmd(lcmds, "remove", run_level_remove, "remove an access level").add_argument("name")
    holiday = cmds.add_parser("holiday", help="the holiday calendar")
    hcmds = holiday.add_subparsers(dest="holiday_command", metavar="ACTION", required=True)
    p = _cmd(hcmds, "add", run_holiday, "add a door-only holiday (YYYY-MM-DD; company holidays: faceapp holiday)")
    p.add_argument("day")
    p.add_argument("name", nargs="?", default="")
    _cmd(hcmds, "remove", run_holiday, "remove a holiday").add_argument("day")
    _cmd(hcmds, "list", run_holiday, "list holidays")
    for name, text in (("grant", "give a person an access level"), ("revoke", "take an access level away")):
        p = _cmd(cmds, name, run_grant, text)
        p.add_argument("person", help="employee number, id or exact name")
        p.add_argument("level")
        if name == "grant":
            p.add_argument("--from", dest="valid_from", help="first valid day (YYYY-MM-DD)")
            p.add_argument("--until", dest="valid_until", help="last valid day (YYYY-MM-DD)")
    p = _cmd(cmds, "validity", run_validity, "a person's own validity period (employment)")
    p.add_argument("person")
    p.add_argument("--from", dest="valid_from")
    p.add_argument("--until", dest="valid_until")
    p = _cmd(cmds, "check", run_check, "what the door would decide (changes nothing)")
    p.add_argument("--person", help="employee number, id or exact name (omit for an unknown face)")
    p.add_argument("--door", required=True)
    p.add_argument("--at", help="ISO date-time (default now; without offset: the site's local time)")
    p.add_argument("--live", choices=["live", "spoof"], help="the liveness verdict to assume")
    from faceapp.cli.access_visitor_cmds import register_visitor_commands

    register_visitor_commands(cmds)
    p = _cmd(cmds, "events", run_events, "the access journal")
    _event_filters(p)
    p = _cmd(cmds, "report", run_report, "access events as CSV, XLSX or PDF")
    _event_filters(p)
    p.add_argument("--out", type=Path, required=True, help="the file to write (.csv, .xlsx or .pdf)")


def _cmd(sub: argparse._SubParsersAction, name: str, func: Any, text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=text)
    add_common(parser)
    parser.set_defaults(func=func)
    return parser


def _door_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--camera", action="append", help="camera id watching the door (repeat for several)")
    p.add_argument("--direction", choices=["in", "out", "both"])
    p.add_argument("--output", help="http(s)://..., mqtt://host[:port]/topic, serial:///dev/ttyUSB0?baud=9600, none")
    p.add_argument("--pulse-ms", type=int)
    p.add_argument("--area", help="the area entered through the door (anti-passback)")
    p.add_argument("--attendance", choices=["yes", "no"], help="a pass also records attendance")
    p.add_argument("--liveness", help="off, on (a live face), or a minimum liveness score such as 0.9")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="output option: method, body, payload, qos, on, off, ca_file, header.NAME=VALUE ...")


def _event_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--door")
    p.add_argument("--person")
    p.add_argument("--decision", choices=["grant", "deny"])
    p.add_argument("--from", dest="start", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", help="last day (YYYY-MM-DD)")
    p.add_argument("--site", help="only events written at this site (exact name)")
    p.add_argument("--desk", help="only events written by this desk (exact name)")


# -- helpers --------------------------------------------------------------------------------------
def _open(args: argparse.Namespace) -> tuple[Gallery, AccessStore, Journal]:
    from faceapp.services import Core, system_zone

    gallery = Core.open_gallery(args.basedir)
    settings = Settings.load(gallery.paths.settings_file) if gallery.paths.settings_file.exists() else Settings()
    store = AccessStore(gallery.database, settings.timezone or system_zone())
    return gallery, store, Journal(store, gallery.paths.data)


def admin_actor(args: argparse.Namespace, store: AccessStore | None = None,
                action: str = "change access control") -> str:
    """The administrator making a change (the CLI's admin check; ``cli`` while no administrator exists)."""
    return str(require_admin(args, store.database if store is not None else None, action))


def person(gallery: Gallery, key: str) -> Person:
    """By employee number, id, or exact (case-insensitive) name."""
    people = gallery.people
    try:
        return people.by_employee_no(key)
    except PersonNotFoundError:
        if key.isdigit():
            return people.get(int(key))
    found = [p for p in people.list(search=key) if p.name.casefold() == key.casefold()]
    if len(found) != 1:
        raise PersonNotFoundError(f"no single person {key!r}: use the employee number or id "
                                  "(see `faceapp gallery list`)")
    return found[0]


def _moment(text: str | None, store: AccessStore) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{text!r} is not an ISO date-time like 2026-12-02T09:30") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=store.zone)


def _options(pairs: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"--option {pair!r} must be KEY=VALUE")
        if key.startswith("header."):
            options.setdefault("headers", {})[key[7:]] = value
        else:
            options[key] = value
    return options


def _print(args: argparse.Namespace, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    if args.json:
        emit_json(rows)
        return
    for row in rows:
        print("  ".join(f"{row.get(c)}" for c in columns))


# -- commands -------------------------------------------------------------------------------------
def run_door_set(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    actor = admin_actor(args, store)
    fields: dict[str, Any] = {k: v for k, v in (
        ("cameras", args.camera), ("direction", args.direction), ("output", args.output),
        ("pulse_ms", args.pulse_ms), ("area", args.area), ("liveness", args.liveness)) if v is not None}
    if args.attendance:
        fields["records_attendance"] = args.attendance == "yes"
    if args.option:
        fields["output_options"] = _options(args.option)
    door = (store.add_door(args.name, actor=actor, **fields) if args.door_command == "add"
            else store.update_door(args.name, actor=actor, **fields))
    _print(args, [_door_row(door)], ("name", "direction", "output", "state"))
    return 0


def _door_row(door: Any) -> dict[str, Any]:
    return {"id": door.id, "name": door.name, "cameras": list(door.cameras), "direction": door.direction.value,
            "output": redact(door.output), "pulse_ms": door.pulse_ms, "area": door.area, "state": door.state.value,
            "records_attendance": door.records_attendance, "liveness": door.liveness}


def run_door_list(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    _print(args, [_door_row(d) for d in store.doors()], ("name", "direction", "area", "output", "state"))
    return 0


def run_door_remove(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    store.remove_door(args.name, actor=admin_actor(args, store))
    return 0


def run_door_test(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    door = store.door(args.name)
    output = parse_output(door.output, door.output_options)
    if args.pulse:
        admin_actor(args, store)
        output.fire(Pulse(door.name, door.pulse_ms, action="test", reason="test"))
        message = f"{output.describe()}: pulse sent"
    else:
        message = output.check()
    _print(args, [{"door": door.name, "ok": True, "message": message}], ("door", "message"))
    return 0


def run_door_open(args: argparse.Namespace) -> int:
    _, store, journal = _open(args)
    actor = admin_actor(args, store)
    door = store.door(args.name)
    event = journal.manual_open(door, actor, args.reason)
    try:
        parse_output(door.output, door.output_options).fire(Pulse(door.name, door.pulse_ms, reason="manual_open"))
    except Exception as exc:
        journal.fault(door, str(exc))
        raise
    _print(args, [{"door": door.name, "event": event.id, "opened": True}], ("door", "opened"))
    return 0


def run_state(args: argparse.Namespace) -> int:
    _, store, journal = _open(args)
    actor = admin_actor(args, store)
    state = {"lockdown": DoorState.LOCKDOWN, "unlock": DoorState.UNLOCKED, "normal": DoorState.NORMAL}[
        args.access_command]
    doors = [store.door(n) for n in args.doors] if args.doors else store.doors()
    service = AccessService(store.database, journal.data, store.zone)
    try:
        rows = [_door_row(service.set_state(d, state, actor, args.reason)) for d in doors]
    finally:
        service.close()  # the relays of unlocked doors are switched before the command ends
    _print(args, rows, ("name", "state"))
    return 0


def run_area(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    if args.name and args.antipassback:
        store.set_area(args.name, args.antipassback, actor=admin_actor(args, store))
    elif args.name or args.antipassback:
        raise ConfigError("give an area NAME and --antipassback off|soft|hard (or neither, to list the areas)")
    _print(args, [{"area": a.name, "antipassback": a.antipassback.value} for a in store.areas()],
           ("area", "antipassback"))
    return 0


def run_passback_reset(args: argparse.Namespace) -> int:
    gallery, store, _ = _open(args)
    who = person(gallery, args.person).id if args.person else None
    count = store.reset_presence(who, args.area, actor=admin_actor(args, store, "reset anti-passback"))
    _print(args, [{"reset": count}], ("reset",))
    return 0


def _level_row(level: Any, store: AccessStore) -> dict[str, Any]:
    names = {d.id: d.name for d in store.doors()}
    return {"id": level.id, "name": level.name, "doors": sorted(names[d] for d in level.door_ids if d in names),
            "schedule": level.schedule.text(), "holidays": "open" if level.allow_holidays else "closed"}


def run_level_set(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    actor = admin_actor(args, store)
    doors = [d.strip() for d in args.doors.split(",") if d.strip()] if args.doors else None
    holidays = None if args.holidays is None else args.holidays == "open"
    if args.level_command == "add":
        level = store.add_level(args.name, doors or [], args.schedule, allow_holidays=bool(holidays), actor=actor)
    else:
        level = store.update_level(args.name, doors=doors, schedule=args.schedule, allow_holidays=holidays,
                                   actor=actor)
    _print(args, [_level_row(level, store)], ("name", "doors", "schedule"))
    return 0


def run_level_list(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    _print(args, [_level_row(lv, store) for lv in store.levels().values()], ("name", "doors", "schedule", "holidays"))
    return 0


def run_level_remove(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    store.remove_level(args.name, actor=admin_actor(args, store))
    return 0


def run_holiday(args: argparse.Namespace) -> int:
    _, store, _ = _open(args)
    if args.holiday_command == "add":
        store.add_holiday(args.day, args.name, actor=admin_actor(args, store))
    elif args.holiday_command == "remove":
        store.remove_holiday(args.day, actor=admin_actor(args, store))
    _print(args, [{"day": d.isoformat(), "name": n} for d, n in store.holidays().items()], ("day", "name"))
    return 0


def run_grant(args: argparse.Namespace) -> int:
    gallery, store, _ = _open(args)
    who = person(gallery, args.person)
    if args.access_command == "revoke":
        store.revoke(who.id, args.level, actor=admin_actor(args, store))
        return 0
    grant = store.grant(who.id, args.level, args.valid_from, args.valid_until, actor=admin_actor(args, store))
    _print(args, [{"person": who.name, "level": args.level, "from": grant.valid_from and grant.valid_from.isoformat(),
                   "until": grant.valid_until and grant.valid_until.isoformat()}], ("person", "level", "from", "until"))
    return 0


def run_validity(args: argparse.Namespace) -> int:
    gallery, store, _ = _open(args)
    who = person(gallery, args.person)
    store.set_validity(who.id, args.valid_from, args.valid_until, actor=admin_actor(args, store))
    return 0


def run_check(args: argparse.Namespace) -> int:
    gallery, store, journal = _open(args)
    door = store.door(args.door)
    subject = store.subject(person(gallery, args.person).id) if args.person else None
    at = _moment(args.at, store)
    live = None if args.live is None else args.live == "live"
    verdict = Verdict.ACCEPT if subject is not None else Verdict.UNKNOWN
    decision = journal.check(Request(door, at, verdict, subject, live=live))
    row = {**decision.as_dict(), "door": door.name, "at": at.isoformat()}
    if args.json:
        emit_json(row)
    else:
        print(f"{door.name}: {decision.decision} ({decision.reason.value})")
    return 0


def _events(args: argparse.Namespace) -> tuple[Journal, list[Any]]:
    gallery, store, journal = _open(args)
    start = datetime.combine(date.fromisoformat(args.start), datetime.min.time(), store.zone) if args.start else None
    end = (datetime.combine(date.fromisoformat(args.end) + timedelta(days=1), datetime.min.time(), store.zone)
           if args.end else None)
    events = journal.events(door=store.door(args.door).id if args.door else None,
                            person_id=person(gallery, args.person).id if args.person else None,
                            decision=args.decision, start=start, end=end, site=args.site, desk=args.desk)
    return journal, events


def run_events(args: argparse.Namespace) -> int:
    journal, events = _events(args)
    from faceapp.access.report import event_row

    _print(args, [event_row(e, journal.store.zone) for e in events],
           ("time", "door", "name", "decision", "reason", "site", "desk"))
    return 0


def run_report(args: argparse.Namespace) -> int:
    from faceapp.access.report import write_access_report

    journal, events = _events(args)
    admin_actor(args, journal.store, f"export access events to {args.out}")
    path = write_access_report(events, args.out, journal.store.zone, title="Access events")
    _print(args, [{"path": str(path), "events": len(events)}], ("path", "events"))
    return 0


__all__ = ["admin_actor", "person", "register"]
