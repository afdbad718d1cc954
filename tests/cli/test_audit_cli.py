"""``faceapp audit``: who changed what, at which site and desk; filtered by site and desk; admin only."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest

from faceapp.cli import main
from faceapp.config import Paths
from faceapp.records import Event, EventKind
from faceapp.store import Gallery, origin
from faceapp.store.auth import Role, Users


@pytest.fixture(autouse=True)
def desk_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEAPP_SITE", raising=False)
    monkeypatch.delenv("FACEAPP_DESK", raising=False)
    monkeypatch.delenv("FACEAPP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(origin, "_configured", origin.Origin("", ""))


def _fill(home: Path) -> None:
    """Three desks at two sites each add a person and a check-in."""
    gallery = Gallery.open(Paths.resolve(home).ensure(), "synthetic-8", 8)
    try:
        for n, (site, desk) in enumerate((("Berlin office", "Front door"), ("Berlin office", "Side door"),
                                          ("Paris office", "Lobby"))):
            origin.configure(site, desk)
            person = gallery.add_person(f"Person {n}")
            gallery.events.add(Event(None, datetime(2026, 3, 2, 8, n, tzinfo=timezone.utc), "UTC",
                                     EventKind.CHECK_IN, person.id, None, None, None, 0.8, 0.3, "cam"))
    finally:
        gallery.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err


def test_audit_lists_the_site_and_desk_of_each_entry_and_filters_by_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    _fill(home)
    b = ("--basedir", str(home))
    code, entries, _ = _run(capsys, "audit", "--json", *b)
    assert code == 0 and len(entries) == 6  # person.add and event.add at each desk, newest first
    assert [(e["desk"], e["action"]) for e in entries[:2]] == [("Lobby", "event.add"), ("Lobby", "person.add")]
    code, entries, _ = _run(capsys, "audit", "--site", "Berlin office", "--entity", "event", "--json", *b)
    assert code == 0 and [e["desk"] for e in entries] == ["Side door", "Front door"]
    code, entries, _ = _run(capsys, "audit", "--desk", " Front  door ", "--json", *b)  # typed loosely
    assert {(e["site"], e["desk"]) for e in entries} == {("Berlin office", "Front door")} and len(entries) == 2
    code = main(["audit", "--desk", "Lobby", *b])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 2 and all("Paris office / Lobby" in line for line in lines)
    code, _, err = _run(capsys, "audit", "--since", "yesterday", *b)
    assert code == 2 and "--since must be a date" in err


def test_audit_needs_an_administrator(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    _fill(home)
    gallery = Gallery.open(Paths.resolve(home).ensure(), "synthetic-8", 8)
    try:
        Users(gallery.database).add("boss", "correct horse battery", Role.ADMIN)
    finally:
        gallery.close()
    monkeypatch.setenv("FACEAPP_ADMIN_PASSWORD", "wrong password")
    code, entries, err = _run(capsys, "audit", "--json", "--basedir", str(home))
    assert code == 2 and entries == [] and "password" in err.lower()
    monkeypatch.setenv("FACEAPP_ADMIN_PASSWORD", "correct horse battery")
    code, entries, _ = _run(capsys, "audit", "--json", "--basedir", str(home))
    # the login itself is audited, stamped by this unnamed desk with its computer's name
    assert code == 0 and (entries[0]["action"], entries[0]["desk"]) == ("auth.login", socket.gethostname())
