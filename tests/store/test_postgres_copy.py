"""``faceapp db migrate|status|copy``: a populated single-desk SQLite folder moved to a PostgreSQL server."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.cli import main
from faceapp.config import Paths
from faceapp.records import Event, EventKind, Verdict
from faceapp.store.auth import Role, Users
from faceapp.store.backends.postgres import PostgresDatabase
from faceapp.store.gallery import Gallery
from faceapp.store.people import People

from .conftest import DIM, MODEL, photos_of, random_chip, unit

PASSWORD = "correct horse"


@pytest.fixture()
def desk(tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, np.ndarray]:
    """A desk's data folder with people, faces, a deleted person, events, an administrator and audit rows."""
    monkeypatch.setenv("FACEAPP_ADMIN_PASSWORD", PASSWORD)
    home = tmp_path / "desk"
    gallery = Gallery.open(Paths.resolve(home).ensure(), MODEL, DIM)
    try:
        Users(gallery.database).add("boss", PASSWORD, Role.ADMIN)
        centres = unit(rng.normal(size=(4, DIM)))
        for i, centre in enumerate(centres):
            person = gallery.add_person(f"person {i}", employee_no=f"E{i}").id
            for vector in photos_of(centre, 2, 0.8, rng):
                gallery.add_template(person, random_chip(rng), vector)
            gallery.events.add(Event(None, datetime(2026, 3, 1, 8, i, tzinfo=timezone.utc), "Europe/Berlin",
                                     EventKind.CHECK_IN, person, None, None, None, 0.81, 0.2, "door"))
        gallery.delete_person(gallery.add_person("gone").id)  # its id must not come back on the server
    finally:
        gallery.close()
    return home, centres


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_copy_moves_everything_once_and_a_desk_on_the_server_recognises(
        desk: tuple[Path, np.ndarray], pg_url: str, tmp_path: Path, rng: np.random.Generator,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    home, centres = desk
    assert _json(capsys, ["db", "migrate", "--url", pg_url, "--json"])["schema"] >= 8
    first = _json(capsys, ["db", "copy", "--basedir", str(home), "--to", pg_url, "--json"])
    rows = {t["table"]: t for t in first["tables"]}
    assert first["verified"] and rows["people"]["added"] == 4 and rows["templates"]["added"] == 8
    assert rows["embeddings"]["added"] == 8 and rows["events"]["added"] == 4 and rows["users"]["added"] == 1
    assert rows["audit"]["added"] == rows["audit"]["rows"] > 10
    again = _json(capsys, ["db", "copy", "--basedir", str(home), "--to", pg_url, "--json"])
    assert again["added"] == 0 and [t["checksum"] for t in again["tables"]] == [t["checksum"] for t in first["tables"]]

    status = _json(capsys, ["db", "status", "--url", pg_url, "--json"])
    assert status["backend"] == "postgresql" and status["rows"]["people"] == 4 and status["rows"]["events"] == 4

    monkeypatch.setenv("FACEAPP_DATABASE_URL", pg_url)  # a second desk, own data folder, on the server
    other = Gallery.open(Paths.resolve(tmp_path / "desk-b").ensure(), MODEL, DIM)
    try:
        results = other.identify(np.concatenate([photos_of(c, 1, 0.8, rng) for c in centres]), model=MODEL)
        assert [r.name for r in results] == [f"person {i}" for i in range(4)]
        assert all(r.verdict is Verdict.ACCEPT for r in results)
        newcomer = other.add_person("newcomer").id
        assert newcomer == 6  # after the copied ids and the deleted person's 5: ids are never reused
        assert Users(other.database).authenticate("boss", PASSWORD).role is Role.ADMIN
    finally:
        other.close()


def test_copy_into_a_database_holding_other_rows_fails_and_names_the_tables(
        desk: tuple[Path, np.ndarray], pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    home, _ = desk
    with PostgresDatabase(pg_url) as server:
        People(server).add("someone else", employee_no="X1")
    assert main(["db", "copy", "--basedir", str(home), "--to", pg_url]) == 2
    assert "does not match in" in capsys.readouterr().err


def test_copy_needs_the_administrator(desk: tuple[Path, np.ndarray], pg_url: str,
                                      capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    home, _ = desk
    monkeypatch.setenv("FACEAPP_ADMIN_PASSWORD", "wrong")
    assert main(["db", "copy", "--basedir", str(home), "--to", pg_url]) == 2
    assert "password" in capsys.readouterr().err.lower()
    with PostgresDatabase(pg_url) as server:
        assert server.scalar("SELECT COUNT(*) FROM people") == 0
