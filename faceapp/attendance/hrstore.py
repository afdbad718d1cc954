"""The attendance rules in the database: shifts, rotations, assignments, holidays, leave, punch requests.

Every change is one transaction with its audit entry (entity ``shift``, ``assignment``, ``holiday``,
``leave`` or ``punch_request``). Leave and missing-punch requests are *pending* until an administrator
or manager approves them; an approved punch request becomes a manual event (camera ``manual``) in the
same transaction. Only approved leave and stored events count in :mod:`faceapp.attendance.timecard`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from faceapp.attendance.calendar import LEAVE_KINDS, Holiday, Leave
from faceapp.attendance.daystatus import Punch
from faceapp.attendance.schedule import Assignment, Rules
from faceapp.attendance.shifts import Rotation, Shift
from faceapp.errors import ConfigError, DataError, StorageError

if TYPE_CHECKING:
    from faceapp.store.db import Database

MANUAL_CAMERA = "manual"
IMPORT_CAMERA = "import"
AUTO_NOTE = "auto"
_KIND = {"check_in": "in", "check_out": "out"}


def _new_id(lastrowid: int | None, table: str) -> int:
    """The id of the row just inserted into ``table`` (StorageError when the database gave none)."""
    if lastrowid is None:
        raise StorageError(f"the database gave no id for the new row in {table}")
    return int(lastrowid)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _record(db: Any, actor: str, action: str, entity: str, entity_id: int | None, person_id: int | None = None,
            **details: Any) -> None:
    from faceapp.store import audit

    audit.record(db, actor, action, entity, entity_id, person_id, **details)


@dataclass(frozen=True)
class LeaveEntry:
    """A stored leave request or grant."""

    id: int
    leave: Leave
    status: str
    reason: str
    requested_by: str
    decided_by: str | None


@dataclass(frozen=True)
class PunchRequest:
    """A stored missing-punch request (``kind`` is check_in or check_out)."""

    id: int
    person_id: int
    time: datetime
    tz: str
    kind: str
    reason: str
    status: str
    requested_by: str
    decided_by: str | None
    event_id: int | None


class AttendanceStore:
    """Reads and changes the attendance rules of one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- shifts and rotations ------------------------------------------------------------------
    def save_shift(self, shift: Shift, actor: str = "system") -> Shift:
        """Add a shift, or replace the definition of the shift with the same name."""
        existing = self.database.scalar("SELECT id FROM shifts WHERE name = ?", (shift.name,))
        now = _now()
        with self.database.transaction() as db:
            if existing is None:
                shift_id = db.execute("INSERT INTO shifts (name, definition, created, updated) VALUES (?, ?, ?, ?)",
                                      (shift.name, shift.to_json(), now, now)).lastrowid
            else:
                shift_id = existing
                db.execute("UPDATE shifts SET definition = ?, updated = ? WHERE id = ?",
                           (shift.to_json(), now, existing))
            _record(db, actor, "shift.save", "shift", shift_id, definition=json.loads(shift.to_json()))
        return shift

    def shifts(self) -> list[Shift]:
        return [Shift.from_json(r[0]) for r in self.database.rows("SELECT definition FROM shifts ORDER BY name")]

    def delete_shift(self, name: str, actor: str = "system") -> None:
        shift_id = self._id("shifts", name, "shift")
        with self.database.transaction() as db:
            db.execute("DELETE FROM shifts WHERE id = ?", (shift_id,))
            _record(db, actor, "shift.delete", "shift", shift_id, name=name)

    def save_rotation(self, rotation: Rotation, actor: str = "system") -> Rotation:
        """Add or replace a rotation; every named shift must exist."""
        known = {s.name.casefold() for s in self.shifts()}
        missing = [n for n in rotation.cycle if n is not None and n.casefold() not in known]
        if missing:
            raise ConfigError(f"rotation {rotation.name!r} names unknown shifts: {', '.join(missing)}")
        with self.database.transaction() as db:
            db.execute("DELETE FROM rotations WHERE name = ?", (rotation.name,))
            rotation_id = db.execute("INSERT INTO rotations (name, cycle, anchor, created) VALUES (?, ?, ?, ?)",
                                     (rotation.name, json.dumps(rotation.cycle), rotation.anchor.isoformat(),
                                      _now())).lastrowid
            _record(db, actor, "rotation.save", "rotation", rotation_id, cycle=list(rotation.cycle),
                    anchor=rotation.anchor.isoformat())
        return rotation

    def rotations(self) -> list[Rotation]:
        return [Rotation(n, tuple(json.loads(c)), date.fromisoformat(a))
                for n, c, a in self.database.rows("SELECT name, cycle, anchor FROM rotations ORDER BY name")]

    # -- assignments ---------------------------------------------------------------------------
    def assign(self, assignment: Assignment, actor: str = "system") -> Assignment:
        """Store an assignment of a shift (or rotation) to a person or department."""
        table = "rotations" if assignment.rotation else "shifts"
        target_id = self._id(table, assignment.target, "rotation" if assignment.rotation else "shift")
        if assignment.person_id is not None and not self.database.scalar(
                "SELECT COUNT(*) FROM people WHERE id = ?", (assignment.person_id,)):
            raise DataError(f"no person with id {assignment.person_id}")
        column = "rotation_id" if assignment.rotation else "shift_id"
        with self.database.transaction() as db:
            new_id = db.execute(
                f"INSERT INTO shift_assignments (person_id, department, {column}, start, until, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (assignment.person_id, assignment.department, target_id, assignment.start.isoformat(),
                 assignment.until.isoformat() if assignment.until else None, _now())).lastrowid
            _record(db, actor, "assignment.add", "assignment", new_id, assignment.person_id,
                    target=assignment.target, department=assignment.department, start=assignment.start.isoformat(),
                    until=assignment.until.isoformat() if assignment.until else None)
        return Assignment(assignment.target, assignment.start, assignment.until, assignment.person_id,
                          assignment.department, assignment.rotation,
                          _new_id(new_id, "shift_assignments"))

    def assignments(self) -> list[Assignment]:
        rows = self.database.query(
            "SELECT a.id, a.person_id, a.department, a.start, a.until, s.name AS shift, r.name AS rotation "
            "FROM shift_assignments a LEFT JOIN shifts s ON s.id = a.shift_id "
            "LEFT JOIN rotations r ON r.id = a.rotation_id ORDER BY a.start, a.id")
        return [Assignment(r["rotation"] or r["shift"], date.fromisoformat(r["start"]),
                           date.fromisoformat(r["until"]) if r["until"] else None, r["person_id"], r["department"],
                           r["rotation"] is not None, r["id"]) for r in rows]

    def delete_assignment(self, assignment_id: int, actor: str = "system") -> None:
        with self.database.transaction() as db:
            db.execute("DELETE FROM shift_assignments WHERE id = ?", (assignment_id,))
            _record(db, actor, "assignment.delete", "assignment", assignment_id)

    def rules(self) -> Rules:
        """Everything the day planner needs, read in one go."""
        return Rules.of(self.shifts(), self.rotations(), self.assignments())

    # -- holidays ------------------------------------------------------------------------------
    def add_holidays(self, holidays: Iterable[Holiday], actor: str = "system", source: str = "") -> int:
        """Add (or rename) holidays; returns how many were new."""
        items = list(holidays)
        with self.database.transaction() as db:
            before = db.execute("SELECT COUNT(*) FROM holidays").fetchone()[0]
            for holiday in items:
                db.execute("INSERT INTO holidays (day, name, created) VALUES (?, ?, ?) "
                           "ON CONFLICT(day) DO UPDATE SET name = excluded.name",
                           (holiday.day.isoformat(), holiday.name, _now()))
            added = db.execute("SELECT COUNT(*) FROM holidays").fetchone()[0] - before
            _record(db, actor, "holiday.add", "holiday", None, count=len(items), added=added, source=source,
                    days=[h.day.isoformat() for h in items[:50]])
        return int(added)

    def holidays(self, start: date | None = None, end: date | None = None) -> dict[date, Holiday]:
        rows = self.database.rows("SELECT day, name FROM holidays WHERE day >= ? AND day <= ? ORDER BY day",
                                  ((start or date.min).isoformat(), (end or date.max).isoformat()))
        return {date.fromisoformat(d): Holiday(date.fromisoformat(d), n) for d, n in rows}

    def delete_holiday(self, day: date, actor: str = "system") -> None:
        with self.database.transaction() as db:
            db.execute("DELETE FROM holidays WHERE day = ?", (day.isoformat(),))
            _record(db, actor, "holiday.delete", "holiday", None, day=day.isoformat())

    # -- leave ---------------------------------------------------------------------------------
    def add_leave(self, leave: Leave, actor: str = "system", reason: str = "", approved: bool = True) -> LeaveEntry:
        """Record leave (approved at once by an administrator, else pending); one entry per person-day."""
        if leave.kind not in LEAVE_KINDS:
            raise DataError(f"leave kind must be one of {', '.join(LEAVE_KINDS)}")
        if not self.database.scalar("SELECT COUNT(*) FROM people WHERE id = ?", (leave.person_id,)):
            raise DataError(f"no person with id {leave.person_id}")
        if self.database.scalar("SELECT COUNT(*) FROM leave WHERE person_id = ? AND day = ? AND status != 'rejected'",
                                (leave.person_id, leave.day.isoformat())):
            raise DataError(f"person {leave.person_id} already has leave on {leave.day}")
        status = "approved" if approved else "pending"
        with self.database.transaction() as db:
            db.execute("DELETE FROM leave WHERE person_id = ? AND day = ?", (leave.person_id, leave.day.isoformat()))
            leave_id = db.execute(
                "INSERT INTO leave (person_id, day, kind, half, status, reason, requested_by, decided_by, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (leave.person_id, leave.day.isoformat(), leave.kind, int(leave.half), status, reason, actor,
                 actor if approved else None, _now())).lastrowid
            _record(db, actor, f"leave.{'add' if approved else 'request'}", "leave", leave_id, leave.person_id,
                    day=leave.day.isoformat(), kind=leave.kind, half=leave.half, reason=reason)
        return self.leave_entry(_new_id(leave_id, "leave"))

    def decide_leave(self, leave_id: int, approve: bool, actor: str) -> LeaveEntry:
        """Approve or reject a pending leave request."""
        entry = self.leave_entry(leave_id)
        if entry.status != "pending":
            raise DataError(f"leave request {leave_id} was already {entry.status}")
        status = "approved" if approve else "rejected"
        with self.database.transaction() as db:
            db.execute("UPDATE leave SET status = ?, decided_by = ? WHERE id = ?", (status, actor, leave_id))
            _record(db, actor, f"leave.{status[:-1] if approve else 'reject'}", "leave", leave_id,
                    entry.leave.person_id, day=entry.leave.day.isoformat())
        return self.leave_entry(leave_id)

    def leave_entry(self, leave_id: int) -> LeaveEntry:
        rows = self.database.query("SELECT * FROM leave WHERE id = ?", (leave_id,))
        if not rows:
            raise DataError(f"no leave entry with id {leave_id}")
        return _leave(rows[0])

    def leave_entries(self, start: date | None = None, end: date | None = None,
                      status: str | None = None) -> list[LeaveEntry]:
        sql = "SELECT * FROM leave WHERE day >= ? AND day <= ?" + (" AND status = ?" if status else "")
        params: tuple[Any, ...] = ((start or date.min).isoformat(), (end or date.max).isoformat())
        params += (status,) if status else ()
        return [_leave(r) for r in self.database.query(sql + " ORDER BY day, id", params)]

    def approved_leave(self, start: date, end: date) -> dict[int, dict[date, Leave]]:
        """Approved leave by person and day."""
        result: dict[int, dict[date, Leave]] = {}
        for entry in self.leave_entries(start, end, "approved"):
            result.setdefault(entry.leave.person_id, {})[entry.leave.day] = entry.leave
        return result

    # -- missing-punch requests ----------------------------------------------------------------
    def request_punch(self, person_id: int, when: datetime, kind: str, reason: str, tz: str,
                      actor: str = "system") -> PunchRequest:
        """Ask for a missing punch to be added; it waits for an administrator's or manager's approval."""
        if when.tzinfo is None:
            raise DataError("the punch time needs a time zone")
        if kind not in _KIND:
            raise DataError("a missing punch is a check_in or a check_out")
        if not reason.strip():
            raise DataError("a missing-punch request needs a reason")
        if not self.database.scalar("SELECT COUNT(*) FROM people WHERE id = ?", (person_id,)):
            raise DataError(f"no person with id {person_id}")
        moment = when.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        with self.database.transaction() as db:
            request_id = db.execute(
                "INSERT INTO punch_requests (person_id, time, tz, kind, reason, status, requested_by, created) "
                "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)", (person_id, moment, tz, kind, reason.strip(), actor,
                                                            _now())).lastrowid
            _record(db, actor, "punch_request.add", "punch_request", request_id, person_id, time=moment, kind=kind,
                    reason=reason.strip())
        return self.punch_request(_new_id(request_id, "punch_requests"))

    def decide_punch(self, request_id: int, approve: bool, actor: str) -> PunchRequest:
        """Approve (the punch becomes a manual event, audited) or reject a pending request."""
        request = self.punch_request(request_id)
        if request.status != "pending":
            raise DataError(f"punch request {request_id} was already {request.status}")
        moment = request.time.isoformat(timespec="milliseconds")
        with self.database.transaction() as db:
            event_id = None
            if approve:
                from faceapp.store.events import insert_row  # here: the store imports are heavy (OpenCV)

                event_id = insert_row(db, {"time": moment, "tz": request.tz, "kind": request.kind,
                                           "person_id": request.person_id, "camera": MANUAL_CAMERA,
                                           "operator": actor, "note": f"missing punch: {request.reason}"})
                _record(db, actor, "event.add", "event", event_id, request.person_id, kind=request.kind,
                        camera=MANUAL_CAMERA, has_snapshot=False)
                _record(db, actor, "event.correct", "event", event_id, request.person_id, change="missing punch",
                        reason=request.reason, request=request_id)
            status = "approved" if approve else "rejected"
            db.execute("UPDATE punch_requests SET status = ?, decided_by = ?, decided = ?, event_id = ? WHERE id = ?",
                       (status, actor, _now(), event_id, request_id))
            _record(db, actor, f"punch_request.{'approve' if approve else 'reject'}", "punch_request", request_id,
                    request.person_id, event_id=event_id)
        return self.punch_request(request_id)

    def punch_request(self, request_id: int) -> PunchRequest:
        rows = self.database.query("SELECT * FROM punch_requests WHERE id = ?", (request_id,))
        if not rows:
            raise DataError(f"no punch request with id {request_id}")
        return _request(rows[0])

    def punch_requests(self, status: str | None = None) -> list[PunchRequest]:
        sql = "SELECT * FROM punch_requests" + (" WHERE status = ?" if status else "") + " ORDER BY time, id"
        return [_request(r) for r in self.database.query(sql, (status,) if status else ())]

    # -- punches -------------------------------------------------------------------------------
    def punches(self, lo: datetime, hi: datetime, site: str | None = None,
                desk: str | None = None) -> dict[int, list[Punch]]:
        """Check-in and check-out events in ``[lo, hi)`` as punches, by person.

        ``site`` / ``desk`` keep only the punches recorded there (exact names); None keeps all.
        """
        where = "".join(f" AND {column} = ?" for column, value in (("site", site), ("desk", desk)) if value is not None)
        rows = self.database.rows(
            "SELECT id, time, kind, person_id, camera, note, site, desk FROM events WHERE time >= ? AND time < ? "
            f"AND kind IN ('check_in', 'check_out') AND person_id IS NOT NULL{where} ORDER BY time, id",
            (lo.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
             hi.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
             *(value for value in (site, desk) if value is not None)))
        result: dict[int, list[Punch]] = {}
        for event_id, moment, kind, person_id, camera, note, site, desk in rows:
            punch_kind = "auto" if camera == IMPORT_CAMERA and note == AUTO_NOTE else _KIND[kind]
            result.setdefault(person_id, []).append(
                Punch(datetime.fromisoformat(moment), punch_kind, event_id, camera, site, desk))
        return result

    def _id(self, table: str, name: str, what: str) -> int:
        found = self.database.scalar(f"SELECT id FROM {table} WHERE name = ?", (name.strip(),))
        if found is None:
            raise ConfigError(f"there is no {what} called {name!r}")
        return int(found)


def _leave(row: dict[str, Any]) -> LeaveEntry:
    leave = Leave(row["person_id"], date.fromisoformat(row["day"]), row["kind"], bool(row["half"]))
    return LeaveEntry(row["id"], leave,
                      row["status"], row["reason"], row["requested_by"], row["decided_by"])


def _request(row: dict[str, Any]) -> PunchRequest:
    return PunchRequest(row["id"], row["person_id"], datetime.fromisoformat(row["time"]), row["tz"], row["kind"],
                        row["reason"], row["status"], row["requested_by"], row["decided_by"], row["event_id"])
