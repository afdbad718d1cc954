"""The Attendance page: model, filters, evidence photo, admin-gated corrections with reasons, export."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from faceapp.config import Settings
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.ui.pages.attendance import AttendancePage, Correction

ZONE = "Europe/Berlin"


def _event(gallery: Gallery, person_id: int, kind: EventKind, hours_ago: float,
           snapshot: np.ndarray | None = None) -> Event:
    person = gallery.people.get(person_id)
    when = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    event = Event(None, when, ZONE, kind, person.id, person.name, person.employee_no, person.department,
                  0.8, 0.3, "desk-1")
    return gallery.events.add(event, snapshot=snapshot)


@pytest.fixture()
def filled(gallery: Gallery) -> Gallery:
    ada = gallery.add_person("Ada Lovelace", employee_no="E1", department="Research")
    li = gallery.add_person("李雷", employee_no="E2", department="Sales")
    _event(gallery, ada.id, EventKind.CHECK_IN, 3, snapshot=np.full((60, 40, 3), 128, np.uint8))
    _event(gallery, ada.id, EventKind.CHECK_OUT, 1)
    _event(gallery, li.id, EventKind.CHECK_IN, 2)
    _event(gallery, li.id, EventKind.CHECK_IN, 24 * 30)  # outside the default 7 days
    return gallery


class Gate:
    """A fake admin gate that counts how often it was asked."""

    def __init__(self, allow: bool = True) -> None:
        self.allow, self.asked = allow, 0

    def __call__(self, parent: object) -> bool:
        self.asked += 1
        return self.allow


def _page(qtbot: QtBot, gallery: Gallery, gate: Gate | None = None) -> AttendancePage:
    page = AttendancePage(gallery, Settings(), ZONE, gate or Gate(), actor=lambda: "boss")
    qtbot.addWidget(page)
    return page


def test_model_passes_the_model_tester(qtbot: QtBot, qtmodeltester: object, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    assert page.model.rowCount() == 3
    qtmodeltester.check(page.model, force_py=True)  # type: ignore[attr-defined]
    assert page.model.index(0, 1).data() == "Ada Lovelace"


def test_filters_by_person_department_kind_and_dates(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    page.person_edit.setText("e2")
    assert page.model.rowCount() == 1
    page.person_edit.clear()
    page.department_box.setCurrentIndex(page.department_box.findData("Research"))
    assert page.model.rowCount() == 2
    page.kind_box.setCurrentIndex(page.kind_box.findData(EventKind.CHECK_OUT.value))
    assert page.model.rowCount() == 1
    page.kind_box.setCurrentIndex(0)
    page.department_box.setCurrentIndex(0)
    page.from_edit.setDate(page.from_edit.date().addDays(-60))
    assert page.model.rowCount() == 4


def test_selected_event_shows_its_evidence_photo(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    page.table.selectRow(0)
    assert not page.snapshot.pixmap().isNull()
    page.table.selectRow(1)
    assert page.snapshot.pixmap().isNull() and "no evidence" in page.snapshot.text()


def test_corrections_need_an_admin(qtbot: QtBot, filled: Gallery) -> None:
    gate = Gate(allow=False)
    page = _page(qtbot, filled, gate)
    page.ask_correction = lambda event: pytest.fail("must not ask without an admin")  # type: ignore[method-assign]
    page.table.selectRow(0)
    assert page.add_event() is None and page.edit_selected() is None and not page.delete_selected()
    assert gate.asked == 3 and page.model.rowCount() == 3


def _audit_reasons(gallery: Gallery) -> list[tuple[str, str]]:
    return [(e.details["change"], e.details["reason"]) for e in gallery.audit.entries(entity="event")
            if e.action == "event.correct"]


def test_add_event_by_hand_with_a_reason(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    person = filled.people.by_employee_no("E2")
    when = datetime.now(timezone.utc) - timedelta(minutes=5)
    page.ask_correction = lambda event: Correction(person.id, EventKind.CHECK_OUT, when, "left early",  # type: ignore[method-assign]
                                                   "forgot to check out")
    with qtbot.waitSignal(page.events_changed):
        added = page.add_event()
    assert isinstance(added, Event) and added.camera == "manual" and added.operator == "boss"
    assert page.model.rowCount() == 4
    assert _audit_reasons(filled) == [("add", "forgot to check out")]
    assert filled.audit.entries(entity="event")[1].actor == "boss"


def test_correct_note_and_kind_keeps_the_evidence(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    page.table.selectRow(0)
    original = page.selected_event()
    assert original is not None and original.snapshot
    page.ask_correction = lambda event: Correction(event.person_id, event.kind, event.time, "late bus",  # type: ignore[method-assign]
                                                   "explained")
    assert page.edit_selected().note == "late bus"
    page.table.selectRow(0)
    page.ask_correction = lambda event: Correction(event.person_id, EventKind.CHECK_OUT, event.time,  # type: ignore[method-assign]
                                                   event.note, "wrong direction")
    fixed = page.edit_selected()
    assert fixed.kind is EventKind.CHECK_OUT and fixed.time == original.time and fixed.note == "late bus"
    assert fixed.snapshot and filled.events.snapshot_path(fixed).is_file()
    assert page.model.rowCount() == 3
    assert _audit_reasons(filled) == [("kind", "wrong direction"), ("note", "explained")]


def test_delete_asks_for_a_reason(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    page.table.selectRow(1)
    page.ask_reason = lambda title: None  # type: ignore[method-assign]
    assert not page.delete_selected() and page.model.rowCount() == 3
    page.ask_reason = lambda title: "duplicate"  # type: ignore[method-assign]
    assert page.delete_selected() and page.model.rowCount() == 2
    assert _audit_reasons(filled) == [("delete", "duplicate")]


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "pdf"])
def test_export_writes_the_report_on_a_worker(qtbot: QtBot, filled: Gallery, tmp_path: Path, suffix: str) -> None:
    gate = Gate()
    page = _page(qtbot, filled, gate)
    target = tmp_path / f"report.{suffix}"
    page.ask_export_path = lambda: target  # type: ignore[method-assign]
    with qtbot.waitSignal(page.exported, timeout=30_000) as blocker:
        assert page.export()
    assert blocker.args == [str(target)] and target.stat().st_size > 0
    assert gate.asked == 1
    qtbot.waitUntil(lambda: page.export_button.isEnabled())
    if suffix == "csv":
        assert "Ada Lovelace" in target.read_text(encoding="utf-8-sig")


def test_export_refused_without_admin(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled, Gate(allow=False))
    page.ask_export_path = lambda: pytest.fail("must not ask for a path")  # type: ignore[method-assign]
    assert not page.export()


def test_reload_picks_up_new_departments(qtbot: QtBot, filled: Gallery) -> None:
    page = _page(qtbot, filled)
    filled.add_person("Grace", department="Navy")
    assert page.department_box.findData("Navy") < 0
    page.reload()
    assert page.department_box.findData("Navy") > 0
