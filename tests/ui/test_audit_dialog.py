"""The read-only audit log for administrators (View menu), on real widgets: columns, filters, the gate."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate

from faceapp.store import origin
from faceapp.store.events import insert_row
from faceapp.ui.dialogs.audit import AuditDialog
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services

SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")


@pytest.fixture(autouse=True)
def nameless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEAPP_SITE", raising=False)
    monkeypatch.delenv("FACEAPP_DESK", raising=False)
    monkeypatch.setattr(origin, "_configured", origin.Origin("", ""))


def _rows(dialog: AuditDialog) -> list[list[str]]:
    model = dialog.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def _fill(services: Services) -> tuple[int, int]:
    """Two desks' audit entries; each desk also wrote an event (the site and desk choices come from events)."""
    gallery = services.core.gallery
    alice = bob = 0
    for site, desk in (("Berlin", "Front door"), ("Paris", "Lobby")):
        origin.configure(site, desk)
        if site == "Berlin":
            alice = gallery.add_person("Alice Chen", employee_no="E-1", actor="admin").id
        else:
            bob = gallery.add_person("Bob", employee_no="E-2", actor="hr").id
        with gallery.database.transaction() as db:  # an event row without an audit entry of its own
            insert_row(db, {"time": "2026-01-02T08:00:00.000+00:00", "tz": "UTC", "kind": "check_in",
                            "camera": "door"})
    gallery.people.update(alice, department="Lab", actor="hr")
    return alice, bob


def test_audit_dialog_lists_and_filters_like_the_cli(qtbot, qtmodeltester, services: Services,
                                                     tmp_path: Path) -> None:
    alice, bob = _fill(services)
    dialog = AuditDialog(services.core.gallery.database, "Asia/Shanghai")
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert dialog.model.headers() == ["Time", "Actor", "Action", "Entity", "Person", "Site", "Desk", "Details"]
    rows = _rows(dialog)
    assert [(r[1], r[2], r[3], r[5], r[6]) for r in rows] == [  # newest first
        ("hr", "person.update", f"person {alice}", "Paris", "Lobby"),
        ("hr", "person.add", f"person {bob}", "Paris", "Lobby"),
        ("admin", "person.add", f"person {alice}", "Berlin", "Front door")]
    newest = dialog.model.entries[0]  # shown in the desk's zone, to the second
    assert rows[0][0] == datetime.fromisoformat(newest.time).astimezone(ZoneInfo("Asia/Shanghai")).strftime(
        "%Y-%m-%d %H:%M:%S")
    assert "Lab" in rows[0][7]
    assert dialog.status.text() == "Entries: 3 (newest first)"
    assert [dialog.site.itemText(i) for i in range(dialog.site.count())] == ["", "Berlin", "Paris"]
    assert [dialog.desk.itemText(i) for i in range(dialog.desk.count())] == ["", "Front door", "Lobby"]

    dialog.site.setCurrentText("Berlin")
    dialog.refresh()
    assert [r[2] for r in _rows(dialog)] == ["person.add"] and _rows(dialog)[0][1] == "admin"
    dialog.site.setCurrentText("")
    dialog.desk.setCurrentText("Lobby")
    dialog.person.setValue(alice)
    dialog.refresh()
    assert [r[2] for r in _rows(dialog)] == ["person.update"]
    dialog.desk.setCurrentText("")
    dialog.person.setValue(0)
    dialog.entity.setCurrentText("template")
    dialog.refresh()
    assert _rows(dialog) == [] and dialog.status.text() == "Entries: 0 (newest first)"
    dialog.entity.setCurrentText("")
    dialog.limit.setValue(2)
    dialog.use_since.setChecked(True)
    dialog.since.setDate(QDate.currentDate().addDays(1))
    dialog.refresh()
    assert _rows(dialog) == []  # nothing written since tomorrow
    dialog.since.setDate(QDate.currentDate().addDays(-1))
    dialog.refresh()
    assert len(_rows(dialog)) == 2  # at most two
    dialog.use_since.setChecked(False)
    dialog.limit.setValue(100)
    dialog.refresh()
    assert dialog.grab().save(str(Path(SHOTS or tmp_path) / "audit_log.png"))


def test_the_view_menu_opens_it_only_for_an_administrator(qtbot, services: Services) -> None:
    _fill(services)
    window = MainWindow(services)
    qtbot.addWidget(window)
    asked: list[object] = []
    services.require_admin = lambda parent=None: asked.append(parent) or False
    assert window.open_audit() is None and asked == [window]
    services.require_admin = lambda parent=None: True
    window.audit_action.trigger()
    dialog = window.findChild(AuditDialog)
    assert dialog is not None and dialog.isVisible() and dialog.model.rowCount() == 3
    dialog.close()
