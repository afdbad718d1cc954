"""People and templates: fields, unique employee numbers, Unicode names, chips, audit entries."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.errors import DuplicatePersonError, PersonNotFoundError
from faceapp.store.audit import AuditLog, record
from faceapp.store.db import Database
from faceapp.store.people import People, decode_chip, encode_chip

from .conftest import random_chip


@pytest.fixture()
def people(database: Database) -> People:
    return People(database)


def test_add_get_and_list_people(people: People) -> None:
    ann = people.add("  Ann Lee ", employee_no="E1", department="Lab", title="Dr", contact="a@x", notes="n")
    assert (ann.name, ann.employee_no, ann.department, ann.active) == ("Ann Lee", "E1", "Lab", True)
    assert people.get(ann.id) == ann == people.by_employee_no("E1")
    people.add("Bob", active=False)
    assert [p.name for p in people.list()] == ["Ann Lee", "Bob"]
    assert [p.name for p in people.list(active=True)] == ["Ann Lee"]
    assert [p.name for p in people.list(search="lab")] == ["Ann Lee"]
    with pytest.raises(PersonNotFoundError):
        people.get(999)
    with pytest.raises(ValueError, match="name"):
        people.add("   ")


@pytest.mark.parametrize("name", ["李雷", "Zoë Ångström", "محمد", "Ōno 大野 😀"])
def test_any_unicode_name_round_trips_and_is_searchable(people: People, name: str) -> None:
    person = people.add(name)
    assert people.get(person.id).name == name
    assert [p.id for p in people.list(search=name[:2])] == [person.id]


def test_employee_numbers_are_unique_but_optional(people: People) -> None:
    first = people.add("Ann", employee_no="E7")
    people.add("No number")
    people.add("Also none", employee_no="")  # empty means none, not a duplicate
    with pytest.raises(DuplicatePersonError, match="'E7' already belongs to Ann"):
        people.add("Bob", employee_no="E7")
    bob = people.add("Bob", employee_no="E8")
    with pytest.raises(DuplicatePersonError, match="E7"):
        people.update(bob.id, employee_no="E7")
    assert people.get(bob.id).employee_no == "E8"
    assert people.update(first.id, employee_no="E9").employee_no == "E9"
    assert len(people.list()) == 4


def test_update_changes_fields_and_audits_the_difference(people: People, database: Database) -> None:
    ann = people.add("Ann", department="Lab")
    after = people.update(ann.id, actor="admin", department="Office", active=False)
    assert (after.department, after.active) == ("Office", False)
    entry = AuditLog(database).entries(person_id=ann.id)[0]
    assert (entry.actor, entry.action) == ("admin", "person.update")
    assert entry.details["changes"] == {"department": ["Lab", "Office"], "active": [True, False]}
    with pytest.raises(ValueError, match="cannot change"):
        people.update(ann.id, id=5)


def test_templates_keep_chip_quality_source_and_embeddings(people: People, database: Database,
                                                           rng: np.random.Generator) -> None:
    ann = people.add("Ann")
    chip = random_chip(rng)
    vector = rng.normal(size=16).astype(np.float32)
    with database.transaction() as db:
        tid = people.add_template(db, ann.id, chip, {"m1": vector}, quality={"blur": 99.0}, source="photo",
                                  source_sha256="ab" * 32, actor="op")
    (template,) = people.templates(ann.id)
    assert (template.id, template.source, template.quality, template.models) == (tid, "photo", {"blur": 99.0},
                                                                                 ("m1",))
    np.testing.assert_array_equal(people.chip(tid), chip)  # PNG is lossless
    ids, persons, vectors = people.active_embeddings("m1")
    assert ids.tolist() == [tid] and persons.tolist() == [ann.id]
    np.testing.assert_array_equal(vectors[0], vector)
    assert people.templates_with_sha256("ab" * 32) == [tid]
    actions = [e.action for e in AuditLog(database).entries(person_id=ann.id)]
    assert actions == ["template.add", "person.add"]
    with pytest.raises(PersonNotFoundError), database.transaction() as db:
        people.add_template(db, 999, chip, {})


def test_chip_encoding_is_lossless() -> None:
    chip = np.random.default_rng(1).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    data = encode_chip(chip)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(decode_chip(data), chip)


def test_audit_refuses_biometric_details(database: Database) -> None:
    with pytest.raises(ValueError, match="embedding"), database.transaction() as db:
        record(db, "x", "template.add", "template", 1, embedding=[0.1])
    assert AuditLog(database).entries() == []
