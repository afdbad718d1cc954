"""Import punches from another terminal or a spreadsheet: CSV ``person,time,kind``.

``person`` is the employee number or the (unique) name; ``time`` is ISO 8601 with or without an
offset (without: local time in the given zone); ``kind`` is ``in``, ``out`` or ``auto``. Punches are
stored as events of camera ``import``; an ``auto`` punch is stored as a check-in or check-out guessed by
alternation (a new sequence after 12 hours without punches) and marked ``auto`` so the day-status
function pairs it itself. Importing the same file twice adds nothing: a punch of the same person at the
same instant from an import is skipped. Everything is added in one transaction with one audit entry.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from faceapp.attendance.hrstore import AUTO_NOTE, IMPORT_CAMERA, _record
from faceapp.errors import DataError

if TYPE_CHECKING:
    from faceapp.store.db import Database

_KINDS = {"in": "check_in", "out": "check_out", "auto": None, "check_in": "check_in", "check_out": "check_out"}
_NEW_SEQUENCE = timedelta(hours=12)


@dataclass(frozen=True)
class ImportReport:
    """How an import went: punches added, already present, and rejected lines (number, reason)."""

    added: int
    existing: int
    rejected: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class _Row:
    line: int
    person_id: int
    time: datetime
    kind: str | None


def parse_time(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 with or without offset (then local to ``zone``) as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(f"time {text!r} is not ISO 8601 (e.g. 2026-03-02T08:55:00+01:00)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)


def import_punches(database: Database, text: str, zone: str, actor: str = "system") -> ImportReport:
    """Import CSV ``text``; rejected lines are reported, the good ones stored."""
    tz = ZoneInfo(zone)
    people = _people(database)
    rows: list[_Row] = []
    rejected: list[tuple[int, str]] = []
    for number, values in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not values or not "".join(values).strip():
            continue
        if number == 1 and values[0].strip().lower() == "person":
            continue
        try:
            rows.append(_parse(number, values, people, tz))
        except DataError as exc:
            rejected.append((number, str(exc)))
    existing, stored = 0, _stored_imports(database)
    fresh: list[tuple[_Row, str]] = []
    for row, kind in _resolve_auto(rows):
        key = (row.person_id, _iso(row.time))
        if key in stored:
            existing += 1
            continue
        stored.add(key)
        fresh.append((row, kind))
    from faceapp.store.events import insert_row  # here: the store imports are heavy (OpenCV)

    with database.transaction() as db:
        for row, kind in fresh:  # stamped with the desk that imported them (the file names no desk)
            insert_row(db, {"time": _iso(row.time), "tz": zone, "kind": kind, "person_id": row.person_id,
                            "camera": IMPORT_CAMERA, "operator": actor, "note": AUTO_NOTE if row.kind is None else ""})
        _record(db, actor, "events.import", "event", None, added=len(fresh), existing=existing, rejected=len(rejected))
    return ImportReport(len(fresh), existing, tuple(rejected))


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _people(database: Database) -> dict[str, list[int]]:
    keys: dict[str, list[int]] = {}
    for person_id, name, employee_no in database.rows("SELECT id, name, employee_no FROM people WHERE active = 1"):
        if employee_no:
            keys.setdefault(f"no:{employee_no.casefold()}", []).append(person_id)
        keys.setdefault(f"name:{name.casefold()}", []).append(person_id)
    return keys


def _parse(number: int, values: list[str], people: dict[str, list[int]], tz: ZoneInfo) -> _Row:
    if len(values) < 2:
        raise DataError("expected the columns person,time[,kind]")
    who, kind_text = values[0].strip(), (values[2].strip().lower() if len(values) > 2 else "auto") or "auto"
    matches = people.get(f"no:{who.casefold()}") or people.get(f"name:{who.casefold()}") or []
    if not matches:
        raise DataError(f"no active person with employee number or name {who!r}")
    if len(matches) > 1:
        raise DataError(f"{len(matches)} people are called {who!r}; use the employee number")
    if kind_text not in _KINDS:
        raise DataError(f"kind must be in, out or auto, not {kind_text!r}")
    return _Row(number, matches[0], parse_time(values[1], tz), _KINDS[kind_text])


def _resolve_auto(rows: list[_Row]) -> list[tuple[_Row, str]]:
    """Each row with a stored kind: its own, or for ``auto`` the alternation of the person's punches."""
    result: list[tuple[_Row, str]] = []
    last: dict[int, tuple[datetime, str]] = {}
    for row in sorted(rows, key=lambda r: (r.person_id, r.time)):
        previous = last.get(row.person_id)
        if row.kind is not None:
            kind = row.kind
        elif previous is None or row.time - previous[0] >= _NEW_SEQUENCE or previous[1] == "check_out":
            kind = "check_in"
        else:
            kind = "check_out"
        last[row.person_id] = (row.time, kind)
        result.append((row, kind))
    return sorted(result, key=lambda item: item[0].line)


def _stored_imports(database: Database) -> set[tuple[int, str]]:
    return {(p, t) for p, t in database.rows("SELECT person_id, time FROM events WHERE camera = ?", (IMPORT_CAMERA,))}
