"""Warning flags on templates: "when enrolled, this face already matched someone else".

Look-alikes and twins exist, so a face that matches a different enrolled person is not dropped
from an import: it is enrolled with a flag naming the other person and the score (table
``template_flags``, migration ``v4_identification``), for an administrator to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from faceapp.store.db import Database

MATCHES_OTHER = "matches_other"


@dataclass(frozen=True)
class TemplateFlag:
    """One warning on a template."""

    template_id: int
    person_id: int
    kind: str
    other_person_id: int | None
    other_name: str | None
    score: float | None
    threshold: float | None
    created: str


def add_flag(db: sqlite_utils.Database, template_id: int, other_person_id: int, score: float, threshold: float,
             kind: str = MATCHES_OTHER) -> None:
    """Record (inside the caller's transaction) that a template matched another person."""
    db.execute("INSERT OR REPLACE INTO template_flags (template_id, kind, other_person_id, score, threshold, created) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               (template_id, kind, other_person_id, float(score), float(threshold),
                datetime.now(timezone.utc).isoformat(timespec="seconds")))


def flags(database: Database, person_id: int | None = None) -> list[TemplateFlag]:
    """Flags on the templates of one person (or of everyone), newest first."""
    where, args = ("WHERE t.person_id = ?", (person_id,)) if person_id is not None else ("", ())
    rows = database.rows(
        "SELECT f.template_id, t.person_id, f.kind, f.other_person_id, o.name, f.score, f.threshold, f.created "
        "FROM template_flags f JOIN templates t ON t.id = f.template_id "
        f"LEFT JOIN people o ON o.id = f.other_person_id {where} ORDER BY f.created DESC, f.template_id DESC",
        args)
    return [TemplateFlag(int(r[0]), int(r[1]), str(r[2]), None if r[3] is None else int(r[3]), r[4],
                         None if r[5] is None else float(r[5]), None if r[6] is None else float(r[6]), str(r[7]))
            for r in rows]
