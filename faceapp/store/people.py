"""People and their face templates in the database.

A *template* is one enrolled face: its aligned 112x112 chip (PNG, so any later model can embed it
again), its quality figures and where it came from. Its *embeddings* live in their own table, one
row per embedding model, so switching models adds rows instead of copying chips.
This module only talks to SQLite; :class:`faceapp.store.gallery.Gallery` keeps the search index
in step.
"""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, cast

import cv2
import numpy as np
import sqlite_utils

from faceapp.errors import DuplicatePersonError, PersonNotFoundError, StorageError
from faceapp.records import Person
from faceapp.store import audit
from faceapp.store.db import Database, utc_now

log = logging.getLogger(__name__)

SOURCES = ("camera", "photo", "import")
_EDITABLE = ("name", "employee_no", "department", "title", "contact", "active", "notes")


@dataclass(frozen=True)
class Template:
    """One enrolled face of a person (without the chip's pixels)."""

    id: int
    person_id: int
    source: str
    quality: dict[str, float]
    source_sha256: str | None
    created: str
    models: tuple[str, ...]  # embedding models that have a vector for it


def encode_chip(chip: np.ndarray) -> bytes:
    """PNG bytes of a (H, W, 3) uint8 BGR chip (lossless)."""
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(chip, np.uint8))
    if not ok:
        raise ValueError("could not PNG-encode the chip")
    return buf.tobytes()


def decode_chip(data: bytes) -> np.ndarray:
    """The (H, W, 3) uint8 BGR chip of :func:`encode_chip` bytes."""
    chip = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if chip is None:
        raise StorageError("a stored face chip is damaged; restore the database from a backup")
    return chip


def _person(row: dict[str, Any]) -> Person:
    names = {f.name for f in fields(Person)}
    values: dict[str, Any] = {k: (bool(v) if k == "active" else v) for k, v in row.items() if k in names}
    return Person(**values)


class People:
    """Create, read, update and delete people and their templates."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- people --------------------------------------------------------------------------------
    def add(self, name: str, *, employee_no: str | None = None, department: str = "", title: str = "",
            contact: str = "", active: bool = True, notes: str = "", actor: str = "system") -> Person:
        """Enrol a new person (without faces yet).

        Raises:
            DuplicatePersonError: another person has ``employee_no``.
            ValueError: the name is empty.
        """
        values = _clean({"name": name, "employee_no": employee_no, "department": department, "title": title,
                         "contact": contact, "active": active, "notes": notes})
        now = utc_now()
        try:
            with self.database.transaction() as db:
                person_id = cast(int, db.execute(
                    "INSERT INTO people (name, employee_no, department, title, contact, active, notes, "
                    "created, updated) VALUES (:name, :employee_no, :department, :title, :contact, :active, "
                    ":notes, :now, :now)", {**values, "now": now}).lastrowid)
                audit.record(db, actor, "person.add", "person", person_id, person_id, **values)
        except StorageError:
            self._raise_if_duplicate(values.get("employee_no"), None)
            raise
        log.info("person %d added", person_id)
        return self.get(int(person_id))

    def get(self, person_id: int) -> Person:
        """The person with this id. Raises :class:`PersonNotFoundError`."""
        rows = self.database.query("SELECT * FROM people WHERE id = ?", (person_id,))
        if not rows:
            raise PersonNotFoundError(f"no person with id {person_id}; list people to see the ids")
        return _person(rows[0])

    def by_employee_no(self, employee_no: str) -> Person:
        """The person with this employee number. Raises :class:`PersonNotFoundError`."""
        rows = self.database.query("SELECT * FROM people WHERE employee_no = ?", (employee_no,))
        if not rows:
            raise PersonNotFoundError(f"no person with employee number {employee_no!r}")
        return _person(rows[0])

    def list(self, active: bool | None = None, search: str | None = None) -> list[Person]:
        """People by name; only (in)active ones, or those whose name/number/department contains ``search``."""
        where: builtins.list[str] = ["1 = 1"]
        params: builtins.list[Any] = []
        if active is not None:
            where.append("active = ?")
            params.append(int(active))
        if search:
            where.append("(name LIKE ? OR IFNULL(employee_no, '') LIKE ? OR department LIKE ?)")
            params += [f"%{search}%"] * 3
        rows = self.database.query(f"SELECT * FROM people WHERE {' AND '.join(where)} ORDER BY name, id",
                                   tuple(params))
        return [_person(r) for r in rows]

    def update(self, person_id: int, *, actor: str = "system", **changes: Any) -> Person:
        """Change some of ``name, employee_no, department, title, contact, active, notes``.

        Raises:
            PersonNotFoundError, DuplicatePersonError, ValueError (unknown field or empty name).
        """
        unknown = set(changes) - set(_EDITABLE)
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}; editable: {_EDITABLE}")
        before = self.get(person_id)
        values = _clean({**{k: getattr(before, k) for k in _EDITABLE}, **changes})
        diff = {k: [getattr(before, k), _shown(k, values[k])] for k in changes if getattr(before, k) != values[k]}
        if not diff:
            return before
        try:
            with self.database.transaction() as db:
                sets = ", ".join(f"{k} = :{k}" for k in diff)
                db.execute(f"UPDATE people SET {sets}, updated = :now WHERE id = :id",
                           {**values, "now": utc_now(), "id": person_id})
                audit.record(db, actor, "person.update", "person", person_id, person_id, changes=diff)
        except StorageError:
            self._raise_if_duplicate(values.get("employee_no"), person_id)
            raise
        return self.get(person_id)

    def delete_rows(self, db: sqlite_utils.Database, person_id: int, actor: str) -> builtins.list[str]:
        """Delete a person with templates and embeddings inside the caller's transaction.

        Their events stay (person set to NULL) without snapshot paths; their audit entries lose
        their details, and the deletion is recorded without name or number. Returns the snapshot
        paths (relative to the data folder) to delete.
        """
        person = self.get(person_id)
        snapshots = [r[0] for r in db.execute(
            "SELECT snapshot FROM events WHERE person_id = ? AND snapshot IS NOT NULL", (person_id,))]
        n_templates = db.execute("SELECT COUNT(*) FROM templates WHERE person_id = ?", (person_id,)).fetchone()[0]
        db.execute("UPDATE events SET snapshot = NULL WHERE person_id = ?", (person_id,))
        # Door decisions keep their row (person set to NULL) but lose the face crop too.
        snapshots += [r[0] for r in db.execute(
            "SELECT snapshot FROM access_events WHERE person_id = ? AND snapshot IS NOT NULL", (person_id,))]
        db.execute("UPDATE access_events SET snapshot = NULL WHERE person_id = ?", (person_id,))
        db.execute("DELETE FROM people WHERE id = ?", (person_id,))
        audit.scrub_person(db, person_id)
        # The record that a deletion happened names the person only by their id (never reused),
        # a pseudonym once the name is gone: no name, number or paths.
        audit.record(db, actor, "person.delete", "person", person_id, person_id, ref=f"person#{person.id}",
                     templates=n_templates, snapshots=len(snapshots))
        return snapshots

    def _raise_if_duplicate(self, employee_no: str | None, person_id: int | None) -> None:
        if employee_no is None:
            return
        rows = self.database.query("SELECT id, name FROM people WHERE employee_no = ? AND id IS NOT ?",
                                   (employee_no, person_id))
        if rows:
            raise DuplicatePersonError(f"employee number {employee_no!r} already belongs to "
                                       f"{rows[0]['name']} (id {rows[0]['id']}); choose another number")

    # -- templates -----------------------------------------------------------------------------
    def add_template(self, db: sqlite_utils.Database, person_id: int, chip: np.ndarray,
                     embeddings: dict[str, np.ndarray], *, quality: dict[str, float] | None = None,
                     source: str = "camera", source_sha256: str | None = None, actor: str = "system") -> int:
        """Store one face of a person inside the caller's transaction; returns the template id."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        now = utc_now()
        try:
            template_id = int(cast(int, db.execute(
                "INSERT INTO templates (person_id, chip, quality, source, source_sha256, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (person_id, encode_chip(chip), json.dumps(quality or {}), source, source_sha256, now)).lastrowid))
        except sqlite3.IntegrityError as exc:
            raise PersonNotFoundError(f"no person with id {person_id}; cannot add a face") from exc
        for model, vector in embeddings.items():
            put_embedding(db, template_id, model, vector)
        audit.record(db, actor, "template.add", "template", template_id, person_id, source=source,
                     models=sorted(embeddings))
        return template_id

    def delete_template_row(self, db: sqlite_utils.Database, template_id: int, actor: str) -> int:
        """Delete one template (and its embeddings) inside the caller's transaction; returns its person."""
        row = db.execute("SELECT person_id FROM templates WHERE id = ?", (template_id,)).fetchone()
        if row is None:
            raise PersonNotFoundError(f"no face template with id {template_id}")
        db.execute("DELETE FROM templates WHERE id = ?", (template_id,))
        audit.record(db, actor, "template.delete", "template", template_id, row[0])
        return int(row[0])

    def templates(self, person_id: int) -> builtins.list[Template]:
        """A person's templates, oldest first."""
        rows = self.database.query(
            "SELECT t.id, t.person_id, t.source, t.quality, t.source_sha256, t.created, "
            "(SELECT group_concat(model, char(10)) FROM embeddings e WHERE e.template_id = t.id) AS models "
            "FROM templates t WHERE person_id = ? ORDER BY t.id", (person_id,))
        return [Template(**{**r, "quality": json.loads(r["quality"]),
                            "models": tuple(sorted((r["models"] or "").split("\n")) if r["models"] else ())})
                for r in rows]

    def chip(self, template_id: int) -> np.ndarray:
        """The aligned chip of a template."""
        data = self.database.scalar("SELECT chip FROM templates WHERE id = ?", (template_id,))
        if data is None:
            raise PersonNotFoundError(f"no face template with id {template_id}")
        return decode_chip(data)

    def templates_with_sha256(self, sha256: str) -> builtins.list[int]:
        """Ids of templates imported from a file with this sha256 (for idempotent imports)."""
        rows = self.database.query("SELECT id FROM templates WHERE source_sha256 = ?", (sha256,))
        return [int(r["id"]) for r in rows]

    def count_templates(self, person_id: int | None = None) -> int:
        """How many templates (of one person, or of everyone)."""
        if person_id is None:
            return int(self.database.scalar("SELECT COUNT(*) FROM templates"))
        return int(self.database.scalar("SELECT COUNT(*) FROM templates WHERE person_id = ?", (person_id,)))

    def active_embeddings(self, model: str, with_vectors: bool = True,
                          person_id: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Template ids (N,) int64, person ids (N,) int64 and vectors (N, D) float32 of active people.

        Ordered by template id; all active people or only ``person_id``. Without ``with_vectors``
        the vectors are an empty (N, 0) array.
        """
        column = ", e.vector" if with_vectors else ""
        sql = ("SELECT e.template_id, t.person_id" + column + " FROM embeddings e "
               "JOIN templates t ON t.id = e.template_id JOIN people p ON p.id = t.person_id "
               "WHERE e.model = ? AND p.active = 1 AND (? IS NULL OR p.id = ?) ORDER BY e.template_id")
        rows = self.database.rows(sql, (model, person_id, person_id))
        ids = np.array([r[0] for r in rows], np.int64)
        persons = np.array([r[1] for r in rows], np.int64)
        if not with_vectors:
            return ids, persons, np.zeros((len(rows), 0), np.float32)
        vectors = (np.stack([np.frombuffer(r[2], np.float32) for r in rows]) if rows
                   else np.zeros((0, 0), np.float32))
        return ids, persons, vectors

    def iter_chips(self, missing_model: str, batch: int = 64) -> Iterator[tuple[builtins.list[int], np.ndarray]]:
        """Batches of (template ids, chips (B, H, W, 3)) that have no embedding for ``missing_model``."""
        last = 0
        while True:
            rows = self.database.query(
                "SELECT id, chip FROM templates t WHERE id > ? AND NOT EXISTS (SELECT 1 FROM embeddings e "
                "WHERE e.template_id = t.id AND e.model = ?) ORDER BY id LIMIT ?", (last, missing_model, batch))
            if not rows:
                return
            last = int(rows[-1]["id"])
            yield [int(r["id"]) for r in rows], np.stack([decode_chip(r["chip"]) for r in rows])

    def models(self) -> dict[str, int]:
        """Embedding models in the database with their number of templates."""
        rows = self.database.query("SELECT model, COUNT(*) AS n FROM embeddings GROUP BY model ORDER BY model")
        return {r["model"]: int(r["n"]) for r in rows}


def put_embedding(db: sqlite_utils.Database, template_id: int, model: str, vector: np.ndarray) -> None:
    """Insert or replace one template's embedding for ``model`` (inside the caller's transaction)."""
    vec = np.ascontiguousarray(vector, np.float32).ravel()
    db.execute("INSERT OR REPLACE INTO embeddings (template_id, model, dim, vector, created) VALUES (?, ?, ?, ?, ?)",
               (template_id, model, int(vec.size), vec.tobytes(), utc_now()))


def _shown(key: str, value: Any) -> Any:
    """A column value as the :class:`Person` field shows it (``active`` is a bool there)."""
    return bool(value) if key == "active" else value


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validated column values: stripped text, ``None`` for an empty employee number, 0/1 for active."""
    name = str(values["name"]).strip()
    if not name:
        raise ValueError("a person needs a name")
    employee_no = values.get("employee_no")
    employee_no = str(employee_no).strip() or None if employee_no is not None else None
    out = {k: str(v).strip() if isinstance(v, str) else v for k, v in values.items()}
    return {**out, "name": name, "employee_no": employee_no, "active": int(bool(values.get("active", True)))}
