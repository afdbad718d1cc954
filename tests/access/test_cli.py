"""``faceapp access``: the command contract (door/level/grant/check --json), lockdown, journal, reports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from faceapp.cli import main
from faceapp.services import Core


@pytest.fixture()
def base(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    gallery = Core.open_gallery(home)
    try:
        gallery.add_person("Alice", employee_no="E-1")
        gallery.add_person("Bob", employee_no="E-2")
    finally:
        gallery.close()
    return home


def run(capsys: pytest.CaptureFixture[str], base: Path, *args: str, status: int = 0) -> object:
    capsys.readouterr()
    assert main([*args, "--basedir", str(base), "--json"]) == status
    out = capsys.readouterr().out.strip()
    return json.loads(out.splitlines()[-1]) if out else None


def check(capsys: pytest.CaptureFixture[str], base: Path, person: str, at: str, door: str = "front") -> tuple:
    answer = run(capsys, base, "access", "check", "--person", person, "--door", door, "--at", at)
    return answer["decision"], answer["reason"]


def test_contract(capsys: pytest.CaptureFixture[str], base: Path) -> None:
    monday = "2026-12-07T"
    run(capsys, base, "access", "door", "add", "front", "--camera", "desk-1", "--direction", "in",
        "--output", "mqtt://door:secret@127.0.0.1:1883/doors/front")
    run(capsys, base, "access", "door", "add", "lab", "--output", "serial:///dev/ttyUSB0?baud=9600")
    run(capsys, base, "access", "level", "add", "staff", "--doors", "front,lab",
        "--schedule", "mon-fri 08:00-18:00; sat 09:00-12:00")
    run(capsys, base, "access", "grant", "E-1", "staff", "--from", "2026-12-07", "--until", "2026-12-31")
    assert check(capsys, base, "E-1", monday + "09:00") == ("grant", "granted")
    assert check(capsys, base, "E-1", monday + "19:00") == ("deny", "outside_schedule")
    assert check(capsys, base, "E-1", "2026-12-06T10:00") == ("deny", "not_yet_valid")
    assert check(capsys, base, "E-1", "2027-01-01T10:00") == ("deny", "expired")
    assert check(capsys, base, "E-2", monday + "09:00") == ("deny", "no_level")
    run(capsys, base, "access", "holiday", "add", "2026-12-08", "Feast")
    assert check(capsys, base, "E-1", "2026-12-08T09:00") == ("deny", "holiday")
    run(capsys, base, "access", "lockdown", "front", "--reason", "drill")
    assert check(capsys, base, "E-1", monday + "09:00") == ("deny", "lockdown")
    assert check(capsys, base, "E-1", monday + "09:00", door="lab") == ("grant", "granted")
    run(capsys, base, "access", "normal")
    assert check(capsys, base, "E-1", monday + "09:00") == ("grant", "granted")
    answer = run(capsys, base, "access", "check", "--door", "front", "--at", monday + "09:00")
    assert (answer["decision"], answer["reason"]) == ("deny", "unknown")
    doors = run(capsys, base, "access", "door", "list")
    assert [d["name"] for d in doors] == ["front", "lab"] and doors[0]["cameras"] == ["desk-1"]
    assert doors[0]["output"] == "mqtt://***@127.0.0.1:1883/doors/front"  # no password on screen
    events = run(capsys, base, "access", "events")
    assert [(e["kind"], e["reason"]) for e in events] == [("state", "lockdown"), ("state", "normal"),
                                                          ("state", "normal")]  # checks recorded nothing


def test_bad_input_is_one_clear_error(capsys: pytest.CaptureFixture[str], base: Path) -> None:
    capsys.readouterr()
    assert main(["access", "door", "add", "x", "--output", "ftp://relay", "--basedir", str(base)]) == 2
    assert "unknown door output" in capsys.readouterr().err
    assert main(["access", "level", "add", "l", "--doors", "nope", "--schedule", "mon 08:00-09:00",
                 "--basedir", str(base)]) == 2
    assert "no door 'nope'" in capsys.readouterr().err
    main(["access", "door", "add", "front", "--basedir", str(base)])
    assert main(["access", "level", "add", "l", "--doors", "front", "--schedule", "monday 8-9",
                 "--basedir", str(base)]) == 2
    assert "08:00-18:00" in capsys.readouterr().err


def test_journal_reports(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from faceapp.access.decide import Request
    from faceapp.access.journal import Journal
    from faceapp.access.store import AccessStore
    from faceapp.records import Verdict

    gallery = Core.open_gallery(base)
    try:
        store = AccessStore(gallery.database, "Asia/Shanghai")
        store.add_door("front")
        store.add_level("staff", ["front"], "always")
        store.grant(1, "staff")
        journal = Journal(store, gallery.paths.data)
        at = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)
        for person_id in (1, 2, 1):
            journal.record(Request(store.door("front"), at, Verdict.ACCEPT, store.subject(person_id), 0.7, 0.2))
        journal.manual_open(store.door("front"), "admin", "delivery")
    finally:
        gallery.close()
    rows = run(capsys, base, "access", "events", "--decision", "deny")
    assert [(r["name"], r["reason"]) for r in rows] == [("Bob", "no_level")]
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"access.{fmt}"
        (answer,) = run(capsys, base, "access", "report", "--person", "E-1", "--decision", "grant", "--out", str(out))
        assert answer["events"] == 2 and out.stat().st_size > 0
    lines = list(csv.reader((tmp_path / "access.csv").read_text(encoding="utf-8-sig").splitlines()))
    header = lines.index(next(row for row in lines if row and row[0] == "time"))
    assert [row[4] for row in lines[header + 1:]] == ["Alice", "Alice"]
    sheet = load_workbook(tmp_path / "access.xlsx").active
    assert sheet.max_row == 3 and sheet["E2"].value == "Alice"
    text = PdfReader(tmp_path / "access.pdf").pages[0].extract_text()
    assert "Alice" in text and "granted" in text and "Bob" not in text


@pytest.mark.realdata
def test_visitor_add_then_purge_removes_the_face(capsys: pytest.CaptureFixture[str], base: Path,
                                                 lfw_dir: Path) -> None:
    photo = lfw_dir / "images" / "Abel_Pacheco" / "Abel_Pacheco_0001.jpg"
    run(capsys, base, "access", "door", "add", "front")
    run(capsys, base, "access", "level", "add", "visitors", "--doors", "front", "--schedule", "always")
    (visitor,) = run(capsys, base, "access", "visitor", "add", "Abel Pacheco", "--photo", str(photo), "--host",
                     "Alice", "--purpose", "audit", "--expires", "2026-01-05T17:00", "--level", "visitors")
    answer = run(capsys, base, "access", "check", "--person", str(visitor["id"]), "--door", "front",
                 "--at", "2026-01-05T16:00")
    assert (answer["decision"], answer["reason"]) == ("grant", "granted")
    answer = run(capsys, base, "access", "check", "--person", str(visitor["id"]), "--door", "front",
                 "--at", "2026-01-05T17:00")
    assert (answer["decision"], answer["reason"]) == ("deny", "expired")
    assert run(capsys, base, "access", "visitor", "purge") == [{"removed": 1}]
    assert run(capsys, base, "access", "visitor", "list") == []
    gallery = Core.open_gallery(base)
    try:
        assert [p.name for p in gallery.people.list()] == ["Alice", "Bob"] and len(gallery) == 0
    finally:
        gallery.close()
    capsys.readouterr()
    assert main(["access", "visitor", "add", "Nobody", "--photo", str(base / "missing.jpg"), "--host", "Alice",
                 "--expires", "2027-01-01T00:00", "--basedir", str(base)]) == 2
    gallery = Core.open_gallery(base)
    try:
        assert "Nobody" not in [p.name for p in gallery.people.list()]  # nothing kept after a failure
    finally:
        gallery.close()


def test_changes_need_the_administrator_once_one_exists(capsys: pytest.CaptureFixture[str], base: Path,
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from faceapp.store.auth import Role, Users

    run(capsys, base, "access", "door", "add", "front")
    gallery = Core.open_gallery(base)
    try:
        Users(gallery.database).add("chief", "correct horse battery", Role.ADMIN)
    finally:
        gallery.close()
    monkeypatch.delenv("FACEAPP_ADMIN_PASSWORD", raising=False)
    for command in (["lockdown", "front", "--reason", "drill"], ["report", "--out", str(tmp_path / "a.csv")]):
        capsys.readouterr()
        assert main(["access", *command, "--basedir", str(base)]) == 2
        assert "administrator" in capsys.readouterr().err
    assert not (tmp_path / "a.csv").exists()
    monkeypatch.setenv("FACEAPP_ADMIN_PASSWORD", "correct horse battery")
    (door,) = run(capsys, base, "access", "lockdown", "front", "--reason", "drill")
    assert door["state"] == "lockdown"
    gallery = Core.open_gallery(base)
    try:
        entry = next(e for e in gallery.audit.entries() if e.action == "door.lockdown")
    finally:
        gallery.close()
    assert entry.actor == "chief" and entry.details["reason"] == "drill"


def test_anti_passback_areas_and_reset(capsys: pytest.CaptureFixture[str], base: Path) -> None:
    from datetime import datetime, timezone

    from faceapp.access.decide import Request
    from faceapp.access.journal import Journal
    from faceapp.access.store import AccessStore
    from faceapp.records import Verdict

    run(capsys, base, "access", "door", "add", "front", "--direction", "in", "--area", "office")
    run(capsys, base, "access", "level", "add", "staff", "--doors", "front", "--schedule", "always")
    run(capsys, base, "access", "grant", "E-1", "staff")
    assert run(capsys, base, "access", "area", "office", "--antipassback", "hard") == [
        {"area": "office", "antipassback": "hard"}]
    gallery = Core.open_gallery(base)
    try:
        store = AccessStore(gallery.database, "UTC")
        journal = Journal(store, gallery.paths.data)
        at = datetime(2026, 12, 2, 9, tzinfo=timezone.utc)
        assert journal.record(Request(store.door("front"), at, Verdict.ACCEPT, store.subject(1)))[0].granted
    finally:
        gallery.close()
    assert check(capsys, base, "E-1", "2026-12-02T09:05") == ("deny", "anti_passback")
    assert run(capsys, base, "access", "passback-reset", "--person", "E-1") == [{"reset": 1}]
    assert check(capsys, base, "E-1", "2026-12-02T09:05") == ("grant", "granted")
    capsys.readouterr()
    assert main(["access", "area", "office", "--basedir", str(base)]) == 2
