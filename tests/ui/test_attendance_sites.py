"""Several desks, one store: the Attendance page and its Days tab filter by site and desk; the settings
dialog names this desk.

Set ``FACEAPP_SCREENSHOTS`` to a folder to also save the page for the docs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.report_csv import read_csv_sections
from faceapp.attendance.shifts import Shift
from faceapp.config import Paths, Settings
from faceapp.records import Event, EventKind
from faceapp.store import Gallery, origin
from faceapp.ui.dialogs import settings as settings_module
from faceapp.ui.dialogs.settings import SettingsDialog
from faceapp.ui.pages.attendance import AttendancePage
from faceapp.ui.pages.attendance_days import DayStatusPanel

ZONE = "Europe/Berlin"
SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshot for the docs there
#: (person, hours ago, kind, site, desk) written by three desks at two sites
DESKS = (("Ada Lovelace", 5.0, EventKind.CHECK_IN, "Berlin office", "Front door"),
         ("李雷", 4.5, EventKind.CHECK_IN, "Berlin office", "Side door"),
         ("Grace Hopper", 4.0, EventKind.CHECK_IN, "Shanghai office", "Lobby"),
         ("Ada Lovelace", 1.0, EventKind.CHECK_OUT, "Berlin office", "Side door"),
         ("Grace Hopper", 0.5, EventKind.CHECK_OUT, "Shanghai office", "Lobby"))


@pytest.fixture(autouse=True)
def desk_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """No identity from the environment; the process's configured one restored afterwards."""
    monkeypatch.delenv("FACEAPP_SITE", raising=False)
    monkeypatch.delenv("FACEAPP_DESK", raising=False)
    monkeypatch.setattr(origin, "_configured", origin.Origin("", ""))


@pytest.fixture()
def gallery(tmp_path: Path) -> Iterator[Gallery]:
    made = Gallery.open(Paths.resolve(tmp_path / "home").ensure(), "synthetic-8", 8)
    people = {name: made.add_person(name, employee_no=f"E{i}", department=dept)
              for i, (name, dept) in enumerate((("Ada Lovelace", "Research"), ("李雷", "Sales"),
                                                ("Grace Hopper", "Research")), start=1)}
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for name, hours_ago, kind, site, desk in DESKS:
        origin.configure(site, desk)  # as if written by that desk's process
        person = people[name]
        made.events.add(Event(None, now - timedelta(hours=hours_ago), ZONE, kind, person.id, person.name,
                              person.employee_no, person.department, 0.81, 0.3, "cam-1"))
    origin.configure("", "")
    yield made
    made.close()


def _page(qtbot: QtBot, gallery: Gallery) -> AttendancePage:
    page = AttendancePage(gallery, Settings(), ZONE, lambda parent: True, actor=lambda: "boss")
    qtbot.addWidget(page)
    return page


def _column(page: AttendancePage, name: str) -> list[str]:
    column = page.model.COLUMNS.index(name)
    return [page.model.index(row, column).data() for row in range(page.model.rowCount())]


def _choose(box: object, value: str) -> None:
    index = box.findData(value)  # type: ignore[attr-defined]
    assert index >= 0, f"{value!r} is not offered"
    box.setCurrentIndex(index)  # type: ignore[attr-defined]


def test_site_and_desk_filters_offer_the_stored_names_and_filter_the_table(qtbot: QtBot, gallery: Gallery,
                                                                           qapp: object) -> None:
    if SHOTS:
        from faceapp.ui.fonts import register_bundled_fonts

        register_bundled_fonts(qapp)  # type: ignore[arg-type]  # Chinese names in the picture
    page = _page(qtbot, gallery)
    offered = lambda box: [box.itemText(i) for i in range(box.count())]  # noqa: E731
    assert offered(page.site_box) == ["All sites", "Berlin office", "Shanghai office"]
    assert offered(page.desk_box) == ["All desks", "Front door", "Lobby", "Side door"]
    assert page.model.rowCount() == 5
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert "Site" in headers and "Desk" in headers
    assert _column(page, "desk") == ["Front door", "Side door", "Lobby", "Side door", "Lobby"]

    _choose(page.desk_box, "Side door")
    assert _column(page, "name") == ["李雷", "Ada Lovelace"] and set(_column(page, "desk")) == {"Side door"}
    assert page.count_label.text() == "2 events"
    _choose(page.site_box, "Shanghai office")  # no Side door in Shanghai
    assert page.model.rowCount() == 0
    _choose(page.desk_box, "")  # All desks
    assert _column(page, "name") == ["Grace Hopper", "Grace Hopper"]
    assert set(_column(page, "site")) == {"Shanghai office"}

    # a desk that writes its first event while the page is open appears at the next refresh
    origin.configure("Shanghai office", "Loading bay")
    person = gallery.people.list()[0]
    gallery.events.add(Event(None, datetime.now(timezone.utc) - timedelta(minutes=1), ZONE, EventKind.CHECK_IN,
                             person.id, None, None, None, 0.8, 0.3, "cam-2"))
    page.refresh()
    assert page.desk_box.findData("Loading bay") > 0 and page.site_box.currentData() == "Shanghai office"
    assert page.model.rowCount() == 3
    if SHOTS:
        _choose(page.site_box, "Berlin office")
        _choose(page.desk_box, "Side door")
        page.table.selectRow(1)
        page.resize(1500, 420)
        page.show()
        qtbot.waitExposed(page)
        assert page.grab().save(str(Path(SHOTS) / "attendance_sites.png"))


def test_export_follows_the_site_and_desk_filters(qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    page = _page(qtbot, gallery)
    _choose(page.site_box, "Berlin office")
    _choose(page.desk_box, "Side door")
    target = tmp_path / "side-door.csv"
    page.ask_export_path = lambda: target  # type: ignore[method-assign]
    with qtbot.waitSignal(page.exported, timeout=30_000):
        assert page.export()
    sections = read_csv_sections(target)
    assert [(e["name"], e["site"], e["desk"]) for e in sections["events"]] == [
        ("李雷", "Berlin office", "Side door"), ("Ada Lovelace", "Berlin office", "Side door")]
    assert ["desk", "Side door"] in [line.split(",")[:2] for line in target.read_text("utf-8-sig").splitlines()]
    qtbot.waitUntil(lambda: page.export_button.isEnabled())


def test_days_tab_counts_only_the_chosen_desks_punches(qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    tz = ZoneInfo(ZONE)
    AttendanceStore(gallery.database).save_shift(Shift("Office", time(9), time(17)))
    ada = next(p for p in gallery.people.list() if p.name == "Ada Lovelace")
    for hour, kind, desk in ((9, EventKind.CHECK_IN, "Front door"), (17, EventKind.CHECK_OUT, "Side door")):
        origin.configure("Berlin office", desk)
        gallery.events.add(Event(None, datetime(2026, 3, 2, hour, tzinfo=tz), ZONE, kind, ada.id, None, None, None,
                                 0.8, 0.3, "cam-1"))
    panel = DayStatusPanel(gallery, ZONE, lambda parent: True, clock=lambda: datetime(2026, 3, 6, 12, tzinfo=tz))
    qtbot.addWidget(panel)

    def ada_on_monday() -> tuple[object, object, int]:
        day = next(d for d in panel.compute() if d.person_id == ada.id and d.result.day.day == 2)
        return day.result.first_in, day.result.last_out, day.result.worked_minutes

    assert ada_on_monday() == (datetime(2026, 3, 2, 9, tzinfo=tz), datetime(2026, 3, 2, 17, tzinfo=tz), 480)
    _choose(panel.desk_box, "Front door")
    assert ada_on_monday() == (datetime(2026, 3, 2, 9, tzinfo=tz), None, 0)
    panel.ask_path = lambda kind: tmp_path / "cards.pdf"  # type: ignore[method-assign]
    with qtbot.waitSignal(panel.exporter.finished, timeout=20_000):
        assert panel.export("timecard", language="en")
    from pypdf import PdfReader

    assert "Desk: Front door" in PdfReader(tmp_path / "cards.pdf").pages[0].extract_text()
    _choose(panel.desk_box, "")
    _choose(panel.site_box, "Shanghai office")
    assert ada_on_monday()[:2] == (None, None)


def test_settings_dialog_names_this_desk_and_applies_it_at_once(qtbot: QtBot, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module.QMessageBox, "information", lambda *args: None)
    paths = Paths.resolve(tmp_path / "home").ensure()
    dialog = SettingsDialog(Settings(), paths, None, models={"detector": [], "embedder": []}, actor="boss")
    qtbot.addWidget(dialog)
    assert dialog.site_edit.text() == "" and dialog.desk_edit.placeholderText()  # the host name
    dialog.site_edit.setText("  Berlin   office ")
    dialog.desk_edit.setText("Front door")
    assert dialog.save()
    saved = Settings.load(paths.settings_file)
    assert (saved.site_name, saved.desk_name) == ("Berlin office", "Front door")
    assert origin.current() == origin.Origin("Berlin office", "Front door")
    again = SettingsDialog(saved, paths, None, models={"detector": [], "embedder": []}, actor="boss")
    qtbot.addWidget(again)
    assert (again.site_edit.text(), again.desk_edit.text()) == ("Berlin office", "Front door")
