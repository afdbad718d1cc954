"""Door decisions say which site and desk wrote them (schema step 10), on SQLite and on PostgreSQL.

Two desks (two origins) record decisions, a manual open, a fault and a state change in one store;
every row carries its desk's site and desk, the journal filters on them, and a store at schema 9
with door events is upgraded keeping them (empty site and desk). The CLI and the reports show the
columns and filter; the Doors page shows where each decision was written and filters by desk.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from faceapp.access.decide import Request
from faceapp.access.journal import Journal
from faceapp.access.model import DoorState
from faceapp.access.report import write_access_report
from faceapp.access.store import AccessStore
from faceapp.config import Paths
from faceapp.records import Verdict
from faceapp.store import db as dbmod
from faceapp.store import origin
from faceapp.store.db import Database
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams
from tests.access.conftest import DIM, ZONE
from tests.store.pgserver import PgServer, own_server

AT = datetime(2026, 1, 2, 8, 0, tzinfo=timezone.utc)  # before the manual open, fault, state (now)
_NAMES = itertools.count(1)


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with own_server() as server:
        yield server


@pytest.fixture(autouse=True)
def nameless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEAPP_SITE", raising=False)
    monkeypatch.delenv("FACEAPP_DESK", raising=False)
    monkeypatch.setattr(origin, "_configured", origin.Origin("", ""))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgresql":
        server = request.getfixturevalue("pg")
        monkeypatch.setenv("FACEAPP_DATABASE_URL", server.create_database(f"sites{next(_NAMES)}"))
    else:
        monkeypatch.delenv("FACEAPP_DATABASE_URL", raising=False)
    return str(request.param)


def _open(paths: Paths) -> Gallery:
    return Gallery.open(paths, "synthetic-16", DIM, params=IndexParams(exact_below=10_000, threads=1))


def _pass(journal: Journal, store: AccessStore, person_id: int) -> None:
    journal.record(Request(store.door("front"), AT, Verdict.ACCEPT, store.subject(person_id), 0.7, 0.2))


def test_every_door_event_names_its_site_and_desk(backend: str, paths: Paths) -> None:
    gallery = _open(paths)
    try:
        store = AccessStore(gallery.database, ZONE)
        journal = Journal(store, paths.data)
        alice = gallery.add_person("Alice", employee_no="E-1").id
        bob = gallery.add_person("Bob", employee_no="E-2").id
        store.add_door("front", direction="in", records_attendance=True)
        store.add_level("staff", ["front"], "always")
        store.grant(alice, "staff")
        origin.configure("Berlin", "Front door")
        _pass(journal, store, alice)
        journal.manual_open(store.door("front"), "admin", "delivery")
        origin.configure("Paris", "Lobby")
        _pass(journal, store, bob)
        journal.fault(store.door("front"), "relay did not answer")
        store.set_state("front", DoorState.LOCKDOWN, "admin", "drill")
        events = journal.events()
        assert [(e.kind, e.site, e.desk) for e in events] == [
            ("decision", "Berlin", "Front door"), ("decision", "Paris", "Lobby"), ("manual", "Berlin", "Front door"),
            ("fault", "Paris", "Lobby"), ("state", "Paris", "Lobby")]
        attendance = gallery.events.get(events[0].attendance_event_id)  # the pass's check-in: the same desk
        assert (attendance.site, attendance.desk) == ("Berlin", "Front door")
        assert [e.kind for e in journal.events(site="Paris")] == ["decision", "fault", "state"]
        assert [e.kind for e in journal.events(site="Berlin")] == ["decision", "manual"]
        assert [e.reason for e in journal.events(site="Berlin", desk="Front door", kinds=("decision",))] == ["granted"]
        assert journal.events(site="Paris", desk="Front door") == []
        assert journal.origins() == [("Berlin", "Front door"), ("Paris", "Lobby")]
    finally:
        gallery.close()


def test_door_events_written_before_step_10_are_kept(backend: str, paths: Paths,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as old:  # a store as the previous release left it: schema 9
        old.setattr(dbmod, "MIGRATIONS", dbmod.MIGRATIONS[:9])
        old.setattr(dbmod, "SCHEMA_VERSION", 9)
        database = Database.open(paths)
        assert database.schema_version == 9
        with database.transaction() as db:
            db.execute("INSERT INTO access_events (time, tz, kind, door, reason) "
                       "VALUES ('2026-12-01T08:00:00.000+00:00', 'UTC', 'fault', 'front', 'door_fault')")
        database.close()
    origin.configure("Berlin", "Front door")
    database = Database.open(paths)
    try:
        assert database.schema_version == dbmod.SCHEMA_VERSION == 10
        journal = Journal(AccessStore(database, ZONE), paths.data)
        (before,) = journal.events()
        assert (before.door, before.site, before.desk) == ("front", "", "")
        assert [e.id for e in journal.events(site="", desk="")] == [before.id]  # "" finds the older rows
    finally:
        database.close()


def test_cli_and_reports_show_and_filter_site_and_desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from faceapp.cli import main
    from faceapp.services import Core

    home = tmp_path / "home"
    gallery = Core.open_gallery(home)
    try:
        store = AccessStore(gallery.database, "UTC")
        store.add_door("front")
        store.add_level("staff", ["front"], "always")
        person = gallery.add_person("Alice", employee_no="E-1").id
        store.grant(person, "staff")
        journal = Journal(store, gallery.paths.data)
        for site, desk in (("Berlin", "Front door"), ("Paris", "Lobby")):
            origin.configure(site, desk)
            _pass(journal, store, person)
        events = journal.events()
    finally:
        gallery.close()
    capsys.readouterr()
    assert main(["access", "events", "--site", "Paris", "--basedir", str(home), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(r["site"], r["desk"]) for r in rows] == [("Paris", "Lobby")]
    assert main(["access", "events", "--desk", "Front door", "--basedir", str(home)]) == 0
    (line,) = capsys.readouterr().out.strip().splitlines()
    assert line.endswith("Berlin  Front door")
    out = write_access_report(events, tmp_path / "access.csv", ZONE)
    lines = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    header = next(row for row in lines if row and row[0] == "time")
    body = lines[lines.index(header) + 1:]
    assert [(r[header.index("site")], r[header.index("desk")]) for r in body] == [
        ("Berlin", "Front door"), ("Paris", "Lobby")]
    from pypdf import PdfReader

    text = PdfReader(write_access_report(events, tmp_path / "access.pdf", ZONE)).pages[0].extract_text()
    assert "Berlin" in text and "Lobby" in text


@pytest.mark.gui
def test_doors_page_shows_where_each_decision_was_written(qtbot, basedir: Path, pipeline, tmp_path: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from faceapp.ui.pages.doors import DoorsPage
    from faceapp.ui.services import Services

    services = Services.create(basedir, pipeline=pipeline)
    try:
        store = AccessStore(services.core.gallery.database, ZONE)
        store.add_door("Front entrance")
        journal = Journal(store, services.core.gallery.paths.data)
        for site, desk in (("Berlin", "Front door"), ("Paris", "Lobby")):
            origin.configure(site, desk)
            journal.record(Request(store.door("Front entrance"), AT, Verdict.UNKNOWN, None, 0.2, 0.0))
        page = DoorsPage(services)
        qtbot.addWidget(page)
        page.resize(1100, 520)
        texts = [page.recent.item(i).text() for i in range(page.recent.count())]
        assert len(texts) == 2 and texts[0].endswith("Site: Paris · Desk: Lobby")
        assert texts[1].endswith("Site: Berlin · Desk: Front door")
        assert [page.where.itemText(i) for i in range(page.where.count())] == [
            "All desks", "Site: Berlin · Desk: Front door", "Site: Paris · Desk: Lobby"]
        page.where.setCurrentIndex(1)
        (only,) = [page.recent.item(i).text() for i in range(page.recent.count())]
        assert "Berlin" in only
        page.refresh()  # a reload keeps the chosen desk
        assert page.where.currentIndex() == 1 and page.recent.count() == 1
        out = page.export(str(tmp_path / "berlin.csv"))
        assert out is not None
        body = out.read_text(encoding="utf-8-sig")
        assert "Front door" in body and "Lobby" not in body
        shots = os.environ.get("FACEAPP_SCREENSHOTS")
        page.where.setCurrentIndex(0)
        assert page.grab().save(str(Path(shots or tmp_path) / "doors_sites.png"))
        page.shutdown()
    finally:
        services.close()
