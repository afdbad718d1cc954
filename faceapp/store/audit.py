"""The audit log: who changed which person, template or event, when, and how.

Entries are written inside the transaction of the change they describe, so a change and its
entry are saved together or not at all. Details never hold biometric data (embeddings, chips,
snapshot paths); :func:`scrub_person` removes anything identifying from a deleted person's entries
except the record that the deletion happened.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from faceapp.store import origin
from faceapp.store.db import Database, utc_now

log = logging.getLogger(__name__)

#: Keys that must never be stored in audit details (biometric data or evidence).
FORBIDDEN_KEYS = frozenset({"embedding", "vector", "chip", "snapshot", "image", "source_sha256"})


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log. ``time`` is UTC ISO 8601 text."""

    id: int
    time: str
    actor: str
    action: str  # e.g. "person.add", "template.delete", "event.add"
    entity: str  # "person", "template" or "event"
    entity_id: int | None
    person_id: int | None
    details: dict[str, Any]
    site: str = ""  # where it was written (empty before schema step 9)
    desk: str = ""


def record(
    db: sqlite_utils.Database,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    person_id: int | None = None,
    **details: Any,
) -> None:
    """Append an entry inside the caller's transaction (``db`` comes from ``Database.transaction``).

    Raises:
        ValueError: ``details`` holds a forbidden (biometric) key; this is a programming error.
    """
    bad = FORBIDDEN_KEYS & details.keys()
    if bad:
        raise ValueError(f"audit details must not contain {sorted(bad)}")
    here = origin.current()
    db.execute(
        "INSERT INTO audit (time, actor, action, entity, entity_id, person_id, details, site, desk) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), actor, action, entity, entity_id, person_id,
         json.dumps(details, ensure_ascii=False, default=str), here.site, here.desk),
    )


def scrub_person(db: sqlite_utils.Database, person_id: int) -> None:
    """Empty the details of every entry about a person being deleted (inside the caller's transaction)."""
    db.execute("UPDATE audit SET details = '{}' WHERE person_id = ?", (person_id,))


class AuditLog:
    """Reads the audit log."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def entries(
        self,
        person_id: int | None = None,
        entity: str | None = None,
        since: str | None = None,
        limit: int = 1000,
        site: str | None = None,
        desk: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first, optionally only about one person, one kind of entity, since a UTC time, or
        written at one site or by one desk."""
        where, params = ["1 = 1"], []
        for column, op, value in (("person_id", "=", person_id), ("entity", "=", entity), ("time", ">=", since),
                                  ("site", "=", site), ("desk", "=", desk)):
            if value is not None:
                where.append(f"{column} {op} ?")
                params.append(value)
        rows = self.database.query(
            f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [AuditEntry(**{**row, "details": json.loads(row["details"])}) for row in rows]
