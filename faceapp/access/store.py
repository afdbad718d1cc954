"""Access configuration in the database: doors, areas, levels, grants, validity, holidays, visitors.

Every change is one transaction with its audit entry. :meth:`AccessStore.site` and
:meth:`AccessStore.subject` read what :func:`faceapp.access.decide.decide` needs; recorded
decisions live in :mod:`faceapp.access.journal`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from faceapp.access.decide import Site
from faceapp.access.model import AntiPassback, Area, Direction, Door, DoorState, Grant, Level, Subject
from faceapp.access.schedule import Schedule
from faceapp.errors import AccessNotFoundError, ConfigError, PersonNotFoundError
from faceapp.store import audit, origin
from faceapp.store.db import Database, utc_now

RETENTION_KEY = "access_visitor_retention_days"
DEFAULT_RETENTION_DAYS = 1.0
_DOOR_FIELDS = ("cameras", "direction", "output", "output_options", "pulse_ms", "area", "records_attendance",
                "liveness")


def _door(row: dict[str, Any]) -> Door:
    return Door(id=row["id"], name=row["name"], cameras=tuple(json.loads(row["cameras"])),
                direction=Direction(row["direction"]), output=row["output"],
                output_options=json.loads(row["output_options"]), pulse_ms=row["pulse_ms"],
                area=row["area"], records_attendance=bool(row["records_attendance"]), liveness=row["liveness"],
                state=DoorState(row["state"]))


def _day(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    except ValueError:
        raise ConfigError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class AccessStore:
    """Reads and changes the access configuration of one database.

    Args:
        database: the faceapp database.
        zone: the site's IANA zone (schedules, holidays and validity dates are local to it).
    """

    def __init__(self, database: Database, zone: str | ZoneInfo = "UTC") -> None:
        self.database = database
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)

    # -- doors ------------------------------------------------------------------------------------
    def add_door(self, name: str, *, actor: str = "system", **fields: Any) -> Door:
        """A new door (fields as :class:`Door`; ``cameras`` a sequence of camera ids)."""
        values = self._door_values(Door(0, name, **_door_kwargs(fields)))
        now = utc_now()
        with self._write() as db:
            door_id = int(db.execute(
                f"INSERT INTO access_doors (name, {', '.join(_DOOR_FIELDS)}, created, updated) "
                f"VALUES (?, {', '.join('?' * len(_DOOR_FIELDS))}, ?, ?)", (name.strip(), *values, now, now)).lastrowid)
            audit.record(db, actor, "door.add", "door", door_id, name=name.strip(), output=redact(values[2]))
        return self.door(door_id)

    def update_door(self, door: int | str, *, actor: str = "system", **changes: Any) -> Door:
        before = self.door(door)
        after = Door(before.id, changes.pop("name", before.name), state=before.state,
                     **{**{f: getattr(before, f) for f in _DOOR_FIELDS}, **_door_kwargs(changes)})
        with self._write() as db:
            db.execute(f"UPDATE access_doors SET name = ?, {', '.join(f'{f} = ?' for f in _DOOR_FIELDS)}, "
                       "updated = ? WHERE id = ?", (after.name, *self._door_values(after), utc_now(), before.id))
            audit.record(db, actor, "door.update", "door", before.id, name=after.name)
        return self.door(before.id)

    def remove_door(self, door: int | str, *, actor: str = "system") -> None:
        found = self.door(door)
        with self._write() as db:
            db.execute("DELETE FROM access_doors WHERE id = ?", (found.id,))
            audit.record(db, actor, "door.remove", "door", found.id, name=found.name)

    def door(self, door: int | str) -> Door:
        """A door by id or (case-insensitive) name. Raises :class:`AccessNotFoundError`."""
        column = "id" if isinstance(door, int) else "name"
        rows = self.database.query(f"SELECT * FROM access_doors WHERE {column} = ?", (door,))
        if not rows:
            raise AccessNotFoundError(f"no door {door!r}; see `faceapp access door list`")
        return _door(rows[0])

    def doors(self) -> list[Door]:
        return [_door(r) for r in self.database.query("SELECT * FROM access_doors ORDER BY name")]

    def doors_for_camera(self, camera: str) -> list[Door]:
        return [d for d in self.doors() if camera in d.cameras]

    def set_state(self, door: int | str, state: DoorState, actor: str, reason: str = "") -> Door:
        """Lockdown, emergency unlock or back to normal: audited, and journaled as a door event."""
        found = self.door(door)
        with self._write() as db:
            db.execute("UPDATE access_doors SET state = ?, updated = ? WHERE id = ?",
                       (DoorState(state).value, utc_now(), found.id))
            audit.record(db, actor, f"door.{DoorState(state).value}", "door", found.id, name=found.name, reason=reason)
            here = origin.current()
            db.execute("INSERT INTO access_events (time, tz, kind, door_id, door, reason, operator, note, site, desk) "
                       "VALUES (?, ?, 'state', ?, ?, ?, ?, ?, ?, ?)",
                       (utc_now(), self.zone.key, found.id, found.name, DoorState(state).value, actor, reason,
                        here.site, here.desk))
        return self.door(found.id)

    def _door_values(self, door: Door) -> tuple[Any, ...]:
        from faceapp.access.outputs import parse_output  # validates the URL

        parse_output(door.output, door.output_options)
        return (json.dumps(list(door.cameras)), door.direction.value, door.output,
                json.dumps(door.output_options, ensure_ascii=False), door.pulse_ms, door.area,
                int(door.records_attendance), door.liveness)

    # -- areas, levels, holidays ------------------------------------------------------------------
    def set_area(self, name: str, antipassback: AntiPassback | str, *, actor: str = "system") -> Area:
        area = Area(name.strip(), AntiPassback(antipassback))
        with self._write() as db:
            db.execute("INSERT INTO access_areas (name, antipassback) VALUES (?, ?) ON CONFLICT(name) "
                       "DO UPDATE SET antipassback = excluded.antipassback", (area.name, area.antipassback.value))
            audit.record(db, actor, "area.set", "area", None, name=area.name, antipassback=area.antipassback.value)
        return area

    def areas(self) -> list[Area]:
        return [Area(r["name"], AntiPassback(r["antipassback"]))
                for r in self.database.query("SELECT * FROM access_areas ORDER BY name")]

    def reset_presence(self, person_id: int | None = None, area: str | None = None, *,
                       actor: str = "system") -> int:
        """Forget who is inside (one person, one area, or everybody): the next pass is not anti-passback."""
        where, params = ["1 = 1"], []
        for column, value in (("person_id", person_id), ("area", area)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        with self._write() as db:
            count = db.execute(f"DELETE FROM access_presence WHERE {' AND '.join(where)}", params).rowcount
            audit.record(db, actor, "area.reset", "area", None, person_id, area=area, rows=count)
        return int(count)

    def add_level(self, name: str, doors: Sequence[str | int], schedule: str | Schedule, *,
                  allow_holidays: bool = False, actor: str = "system") -> Level:
        """A new access level over existing doors with a weekly schedule (see :mod:`.schedule`)."""
        parsed = schedule if isinstance(schedule, Schedule) else Schedule.parse(schedule)
        door_ids = [self.door(d).id for d in doors]
        if not name.strip():
            raise ConfigError("an access level needs a name")
        with self._write() as db:
            level_id = int(db.execute(
                "INSERT INTO access_levels (name, schedule, allow_holidays, created) VALUES (?, ?, ?, ?)",
                (name.strip(), parsed.text(), int(allow_holidays), utc_now())).lastrowid)
            db.conn.executemany("INSERT INTO access_level_doors (level_id, door_id) VALUES (?, ?)",
                           [(level_id, d) for d in door_ids])
            audit.record(db, actor, "level.add", "level", level_id, name=name.strip(), schedule=parsed.text())
        return self.level(level_id)

    def update_level(self, level: int | str, *, doors: Sequence[str | int] | None = None,
                     schedule: str | None = None, allow_holidays: bool | None = None,
                     actor: str = "system") -> Level:
        found = self.level(level)
        text = Schedule.parse(schedule).text() if schedule is not None else found.schedule.text()
        door_ids = [self.door(d).id for d in doors] if doors is not None else sorted(found.door_ids)
        holidays = found.allow_holidays if allow_holidays is None else allow_holidays
        with self._write() as db:
            db.execute("UPDATE access_levels SET schedule = ?, allow_holidays = ? WHERE id = ?",
                       (text, int(holidays), found.id))
            db.execute("DELETE FROM access_level_doors WHERE level_id = ?", (found.id,))
            db.conn.executemany("INSERT INTO access_level_doors (level_id, door_id) VALUES (?, ?)",
                           [(found.id, d) for d in door_ids])
            audit.record(db, actor, "level.update", "level", found.id, name=found.name, schedule=text)
        return self.level(found.id)

    def remove_level(self, level: int | str, *, actor: str = "system") -> None:
        found = self.level(level)
        with self._write() as db:
            db.execute("DELETE FROM access_levels WHERE id = ?", (found.id,))
            audit.record(db, actor, "level.remove", "level", found.id, name=found.name)

    def level(self, level: int | str) -> Level:
        column = "id" if isinstance(level, int) else "name"
        rows = self.database.query(f"SELECT id FROM access_levels WHERE {column} = ?", (level,))
        if not rows:
            raise AccessNotFoundError(f"no access level {level!r}; see `faceapp access level list`")
        return self.levels()[rows[0]["id"]]

    def levels(self) -> dict[int, Level]:
        doors: dict[int, set[int]] = {}
        for row in self.database.query("SELECT level_id, door_id FROM access_level_doors"):
            doors.setdefault(row["level_id"], set()).add(row["door_id"])
        return {r["id"]: Level(r["id"], r["name"], frozenset(doors.get(r["id"], ())), Schedule.parse(r["schedule"]),
                               bool(r["allow_holidays"]))
                for r in self.database.query("SELECT * FROM access_levels ORDER BY name")}

    def add_holiday(self, day: date | str, name: str = "", *, actor: str = "system") -> None:
        text = _day(day)
        with self._write() as db:
            db.execute("INSERT INTO access_holidays (day, name) VALUES (?, ?) ON CONFLICT(day) "
                       "DO UPDATE SET name = excluded.name", (text, name))
            audit.record(db, actor, "holiday.add", "holiday", None, day=text, name=name)

    def remove_holiday(self, day: date | str, *, actor: str = "system") -> None:
        with self._write() as db:
            db.execute("DELETE FROM access_holidays WHERE day = ?", (_day(day),))
            audit.record(db, actor, "holiday.remove", "holiday", None, day=_day(day))

    def door_holidays(self) -> dict[date, str]:
        """Holidays added for the doors only (``faceapp access holiday``)."""
        return {date.fromisoformat(r["day"]): r["name"]
                for r in self.database.query("SELECT * FROM access_holidays ORDER BY day")}

    def holidays(self) -> dict[date, str]:
        """Every day the doors treat as a holiday: the company calendar (the attendance rules'
        ``holidays``, e.g. ``faceapp holiday add``) and the door-only holidays."""
        days = {date.fromisoformat(r["day"]): r["name"]
                for r in self.database.query("SELECT day, name FROM holidays")}
        return dict(sorted({**days, **self.door_holidays()}.items()))

    # -- people -----------------------------------------------------------------------------------
    def grant(self, person_id: int, level: int | str, valid_from: date | str | None = None,
              valid_until: date | str | None = None, *, actor: str = "system") -> Grant:
        """Give a person an access level (replacing the validity of an existing grant of it)."""
        found, start, end = self.level(level), _day(valid_from), _day(valid_until)
        if start and end and end < start:
            raise ConfigError(f"the grant ends ({end}) before it starts ({start})")
        with self._write() as db:
            db.execute("INSERT INTO access_grants (person_id, level_id, valid_from, valid_until) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(person_id, level_id) DO UPDATE SET valid_from = excluded.valid_from, "
                       "valid_until = excluded.valid_until", (person_id, found.id, start, end))
            audit.record(db, actor, "access.grant", "level", found.id, person_id, level=found.name,
                         valid_from=start, valid_until=end)
        return Grant(found.id, _date(start), _date(end))

    def revoke(self, person_id: int, level: int | str, *, actor: str = "system") -> None:
        found = self.level(level)
        with self._write() as db:
            db.execute("DELETE FROM access_grants WHERE person_id = ? AND level_id = ?", (person_id, found.id))
            audit.record(db, actor, "access.revoke", "level", found.id, person_id, level=found.name)

    def grants(self, person_id: int) -> list[Grant]:
        return [Grant(r["level_id"], _date(r["valid_from"]), _date(r["valid_until"])) for r in self.database.query(
            "SELECT * FROM access_grants WHERE person_id = ? ORDER BY level_id", (person_id,))]

    def set_validity(self, person_id: int, valid_from: date | str | None, valid_until: date | str | None, *,
                     actor: str = "system") -> None:
        """A person's own validity period (inclusive local dates; None = open-ended)."""
        start, end = _day(valid_from), _day(valid_until)
        with self._write() as db:
            db.execute("INSERT INTO access_validity (person_id, valid_from, valid_until) VALUES (?, ?, ?) "
                       "ON CONFLICT(person_id) DO UPDATE SET valid_from = excluded.valid_from, "
                       "valid_until = excluded.valid_until", (person_id, start, end))
            audit.record(db, actor, "access.validity", "person", person_id, person_id, valid_from=start,
                         valid_until=end)

    def validity(self, person_id: int) -> tuple[date | None, date | None]:
        rows = self.database.query("SELECT * FROM access_validity WHERE person_id = ?", (person_id,))
        return (_date(rows[0]["valid_from"]), _date(rows[0]["valid_until"])) if rows else (None, None)

    def subject(self, person_id: int) -> Subject | None:
        """The person's access data; None when no such person exists."""
        rows = self.database.query(
            "SELECT p.id, p.name, v.valid_from, v.valid_until, x.expires FROM people p "
            "LEFT JOIN access_validity v ON v.person_id = p.id LEFT JOIN access_visitors x ON x.person_id = p.id "
            "WHERE p.id = ?", (person_id,))
        if not rows:
            return None
        row = rows[0]
        expires = datetime.fromisoformat(row["expires"]) if row["expires"] else None
        return Subject(row["id"], row["name"], tuple(self.grants(person_id)), _date(row["valid_from"]),
                       _date(row["valid_until"]), expires, visitor=expires is not None)

    def site(self) -> Site:
        areas = {r["name"]: Area(r["name"], AntiPassback(r["antipassback"]))
                 for r in self.database.query("SELECT * FROM access_areas")}
        return Site(self.zone, self.levels(), frozenset(self.holidays()), areas)

    # -- visitors ---------------------------------------------------------------------------------
    def register_visitor(self, person_id: int, host: str, purpose: str, expires: datetime, *,
                         level: int | str | None = None, actor: str = "system") -> None:
        """Mark an enrolled person as a visitor valid until ``expires`` (aware), optionally with a level."""
        if expires.tzinfo is None:
            raise ConfigError("a visitor's expiry needs a time zone")
        if not self.database.query("SELECT 1 FROM people WHERE id = ?", (person_id,)):
            raise PersonNotFoundError(f"no person with id {person_id}")
        until = expires.astimezone(self.zone).date()
        with self._write() as db:
            db.execute("INSERT INTO access_visitors (person_id, host, purpose, expires, registered) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT(person_id) DO UPDATE SET host = excluded.host, "
                       "purpose = excluded.purpose, expires = excluded.expires",
                       (person_id, host, purpose, expires.astimezone(timezone.utc).isoformat(), utc_now()))
            audit.record(db, actor, "visitor.register", "person", person_id, person_id, host=host,
                         expires=expires.isoformat())
        if level is not None:
            self.grant(person_id, level, None, until, actor=actor)

    @property
    def retention_days(self) -> float:
        """Days a visitor (with their photos) is kept after the visit ends; then they are deleted."""
        return float(self.database.get_meta(RETENTION_KEY) or DEFAULT_RETENTION_DAYS)

    def set_retention_days(self, days: float, *, actor: str = "system") -> None:
        if not 0 <= days <= 3650:
            raise ConfigError("the visitor retention must be between 0 and 3650 days")
        with self._write() as db:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                       "value = excluded.value", (RETENTION_KEY, str(days)))
            audit.record(db, actor, "visitor.retention", "setting", None, days=days)

    def visitors(self) -> list[dict[str, Any]]:
        """Registered visitors: person id, name, host, purpose, expires (aware UTC), registered."""
        rows = self.database.query("SELECT x.*, p.name FROM access_visitors x JOIN people p ON p.id = x.person_id "
                                   "ORDER BY x.expires")
        return [{**r, "expires": datetime.fromisoformat(r["expires"])} for r in rows]

    def _write(self):
        return self.database.transaction()


def _door_kwargs(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(_DOOR_FIELDS)
    if unknown:
        raise ConfigError(f"unknown door settings: {', '.join(sorted(unknown))}")
    out = dict(fields)
    if "direction" in out:
        try:
            out["direction"] = Direction(out["direction"])
        except ValueError:
            raise ConfigError("direction must be in, out or both") from None
    if "cameras" in out:
        out["cameras"] = tuple(c for c in out["cameras"] if c)
    return out


def redact(url: str) -> str:
    """An output URL without its password, for the audit log."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


__all__ = ["AccessNotFoundError", "AccessStore", "redact"]
