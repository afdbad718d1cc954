"""The access-control GUI on real widgets (offscreen): Doors page, level editor, visitor dialog,
the person dialog's access tab, and the decision on the live overlay."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QDate

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from faceapp.access.decide import Request
from faceapp.access.model import DoorState
from faceapp.records import Verdict
from faceapp.ui.dialogs.access_levels import LevelsDialog
from faceapp.ui.dialogs.access_person import AccessPanel
from faceapp.ui.dialogs.visitor import VisitorDialog
from faceapp.ui.pages.doors import DoorsPage
from faceapp.ui.services import Services
from faceapp.ui.widgets.video_view import face_label
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.tracker import FaceResult, FaceState

pytestmark = pytest.mark.gui
SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshots for the docs there


@pytest.fixture()
def services(qapp, basedir: Path, pipeline: FacePipeline) -> Iterator[Services]:
    made = Services.create(basedir, pipeline=pipeline)
    yield made
    made.close()


def _shot(widget, name: str, tmp_path: Path) -> Path:
    path = Path(SHOTS or tmp_path) / name
    assert widget.grab().save(str(path))
    return path


@pytest.mark.realdata
def test_doors_page_visitor_and_levels(qtbot, qtmodeltester, services: Services, lfw_dir: Path, tmp_path: Path,
                                       http_server) -> None:
    url, handler = http_server
    page = DoorsPage(services)
    qtbot.addWidget(page)
    store, journal = page.access.store, page.access.journal
    gallery = services.core.gallery
    front = store.add_door("Front entrance", direction="in", output=f"{url}/relay/0?turn=on",
                           cameras=[services.camera_name])
    store.add_door("Server room", output="none")
    page.sync_stages()
    doors_decided = [s.door.name for s in services.stages if getattr(s, "name", "") == "access"]
    assert doors_decided == ["Front entrance"]  # only the door this camera watches

    levels = LevelsDialog(store, "admin")
    qtbot.addWidget(levels)
    levels.name.setText("Staff")
    levels.schedule.setText("monday 8-9")
    assert not levels.save() and "08:00-18:00" in levels.status.text()
    levels.schedule.setText("mon-fri 07:00-19:00; sat 09:00-12:00")
    levels.doors.item(0).setCheckState(levels.doors.item(0).checkState().Checked)
    assert levels.save()
    assert store.level("Staff").door_ids == {front.id}
    levels.holiday_date.setDate(QDate(2027, 1, 1))
    levels.holiday_name.setText("New Year")
    levels.add_holiday()
    assert len(store.holidays()) == 1 and levels.holidays.count() == 1

    alice = gallery.add_person("Alice Chen", employee_no="E-1")
    panel = AccessPanel(store, "admin", alice.id)
    qtbot.addWidget(panel)
    panel.levels.item(0).setCheckState(panel.levels.item(0).checkState().Checked)
    assert panel.save() and [g.level_id for g in store.grants(alice.id)] == [store.level("Staff").id]
    assert AccessPanel(store, "admin", None).status.text() == "Save the person first."

    images = lfw_dir / "images"
    visitor = VisitorDialog(services, page.access, grab_frame=lambda: cv2.imread(
        str(images / "Abel_Pacheco" / "Abel_Pacheco_0001.jpg")))
    qtbot.addWidget(visitor)
    visitor.name.setText("Abel Pacheco")
    visitor.host.setText("Alice Chen")
    visitor.purpose.setText("Contract review")
    visitor.level.setCurrentIndex(visitor.level.findText("Staff"))
    visitor.accept()
    assert "photo" in visitor.error.text() and visitor.visitor is None
    visitor.take_photo()
    if SHOTS:
        visitor.show()
        _shot(visitor, "visitor_dialog.png", tmp_path)
    visitor.accept()
    assert visitor.visitor is not None, visitor.error.text()
    assert gallery.people.count_templates(visitor.visitor.id) == 1
    (registered,) = store.visitors()
    assert registered["host"] == "Alice Chen" and registered["expires"] > datetime.now(timezone.utc)

    bob = gallery.add_person("Bob Li", employee_no="E-2")  # enrolled, but no access level
    now = datetime.now(timezone.utc)
    store.update_level("Staff", schedule="always")
    face = cv2.resize(cv2.imread(str(images / "Abel_Pacheco" / "Abel_Pacheco_0002.jpg")), (120, 120))
    for minutes, person, verdict in ((12, alice.id, Verdict.ACCEPT), (7, None, Verdict.UNKNOWN),
                                     (3, bob.id, Verdict.ACCEPT)):
        subject = store.subject(person) if person else None
        journal.record(Request(front, now - timedelta(minutes=minutes), verdict, subject, 0.7, 0.3),
                       snapshot=face if person else np.full((120, 120, 3), 90, np.uint8))
    page.refresh()
    page.table.selectRow(0)
    qtmodeltester.check(page.model)
    cell = page.model.index
    assert cell(0, 0).data() == "Front entrance" and cell(0, 1).data() == "Normal"
    texts = [page.recent.item(i).text() for i in range(page.recent.count())]
    assert [t.split("\n")[1] for t in texts] == ["Denied: no access level for this door", "Denied: unknown face",
                                                  "Granted: access granted"]
    assert "Bob Li" in texts[0] and not page.recent.item(0).icon().isNull()

    event = page.open_door("Parcel delivery")
    assert event is not None and event.kind == "manual"
    assert page.access.worker.wait_idle(10) and len(handler.requests) == 1
    page.set_state(DoorState.LOCKDOWN, "Drill")
    assert page.model.index(0, 1).data() == "Lockdown"
    if SHOTS:
        page.resize(1100, 520)
        page.show()
        _shot(page, "doors_page.png", tmp_path)
    page.set_state(DoorState.NORMAL, "Drill over")
    exported = page.export(str(tmp_path / "front.csv"))
    text = exported.read_text(encoding="utf-8-sig")
    assert "Bob Li" in text and "no_level" in text and "manual_open" in text
    assert page.remove_door(confirmed=True) and page.model.rowCount() == 1
    page.shutdown()


def test_live_overlay_shows_the_door_decision() -> None:
    face = FaceResult(1, (0, 0, 10, 10), np.zeros((5, 2), np.float32), 0.9, FaceState.RECOGNISED, "Alice", 0.7,
                      extras={"decision": "grant", "reason": "granted"})
    assert face_label(face).endswith("Welcome")
    denied = FaceResult(2, (0, 0, 10, 10), np.zeros((5, 2), np.float32), 0.9, FaceState.RECOGNISED, "Bob", 0.7,
                        extras={"decision": "deny", "reason": "outside_schedule"})
    assert face_label(denied).endswith("No access: outside schedule")


def test_doors_page_joins_the_main_window(qtbot, services: Services) -> None:
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.pages.doors import attach_doors

    window = MainWindow(services)
    qtbot.addWidget(window)
    page = attach_doors(window, services)
    assert page is not None and window.nav.item(window.nav.count() - 1).text() == "Doors"
    assert page.purge_visitors() == []
    page.shutdown()


@pytest.mark.realdata
@pytest.mark.slow
def test_desktop_live_page_opens_the_door_once_and_shows_the_decisions(
        qtbot, services: Services, lfw_dir: Path, tmp_path: Path, http_server) -> None:
    """The GUI's own live path: a video played on the Live page decides the camera's door."""
    from faceapp.access.store import AccessStore
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.pages.doors import attach_doors
    from faceapp.ui.services import LiveOptions

    from .test_e2e import ALLOWED, REFUSED, make_video

    url, handler = http_server
    images = lfw_dir / "images"
    gallery = services.core.gallery
    ids = {}
    for name in (ALLOWED, REFUSED):
        person = gallery.add_person(name.replace("_", " "))
        services.core.enroller().enrol_photo(person.id, images / name / f"{name}_0001.jpg")
        ids[name] = person.id
    store = AccessStore(gallery.database, services.core.zone)
    store.add_door("front", output=f"{url}/open", cameras=[services.camera_name])
    store.add_level("staff", ["front"], "always")
    store.grant(ids[ALLOWED], "staff")
    services.live = LiveOptions(seconds_per_image=0.3, slideshow_fps=20.0, embed_every=5)
    window = MainWindow(services)
    qtbot.addWidget(window)
    page = attach_doors(window, services)
    labels: set[str] = set()
    shots: list[str] = []

    def on_result(result) -> None:
        labels.update(face_label(f) for f in result.faces)
        for verdict in ("Welcome", "No access"):
            if SHOTS and verdict not in shots and any(verdict in face_label(f) for f in result.faces):
                shots.append(verdict)
                name = "live_door_welcome.png" if verdict == "Welcome" else "live_door_denied.png"
                window.live.view.grab().save(str(Path(SHOTS) / name))

    window.live.session.result_ready.connect(on_result)
    states: list[str] = []
    window.live.source_state_changed.connect(lambda state, message: states.append(state))
    video = make_video(tmp_path / "door.avi", [images / ALLOWED / f"{ALLOWED}_0004.jpg",  # one face each
                                               images / REFUSED / f"{REFUSED}_0003.jpg"], frames_each=20)
    window.open_source(str(video))
    qtbot.waitUntil(lambda: "ended" in states, timeout=60000)
    window.live.shutdown()
    stage = next(s for s in services.stages if getattr(s, "name", "") == "access")
    stage.close()
    decided = {(d.person_id, d.decision, d.reason.value) for d, _ in stage.decisions if d.person_id}
    assert decided == {(ids[ALLOWED], "grant", "granted"), (ids[REFUSED], "deny", "no_level")}
    assert len(handler.requests) == 1
    assert "Abel Pacheco · " in " ".join(labels) and any(label.endswith("Welcome") for label in labels)
    assert any(label.endswith("No access: no access level for this door") for label in labels)
    page.refresh()
    assert page.recent.count() >= 2
    page.shutdown()


def test_settings_test_this_output_and_visitor_retention(qtbot, services: Services, http_server) -> None:
    from faceapp.access.outputs.worker import OutputWorker  # noqa: F401 - the same outputs as the doors
    from faceapp.access.store import AccessStore
    from faceapp.ui.dialogs.settings import SettingsDialog

    from .conftest import free_port

    url, handler = http_server
    store = AccessStore(services.core.gallery.database, "UTC")
    store.add_door("front", output=f"{url}/open")
    store.add_door("dead", output=f"http://127.0.0.1:{free_port()}/open")
    dialog = SettingsDialog(services.settings, services.paths, services.core.gallery, models={}, actor="admin")
    qtbot.addWidget(dialog)
    box = dialog.doors_box
    box.door.setCurrentIndex(box.door.findText("front"))
    assert box.test() and box.result.text().startswith("OK:")
    assert handler.requests == []  # testing does not open the door
    box.door.setCurrentIndex(box.door.findText("dead"))
    assert not box.test() and "not reachable" in box.result.text()
    box.retention.setValue(3)
    dialog.reject()
    assert store.retention_days == 1.0  # cancelled: unchanged
    box.retention.setValue(3)
    dialog.accepted.emit()
    assert store.retention_days == 3.0


def test_access_tab_of_the_person_dialog_follows_the_chosen_person(qtbot, services: Services) -> None:
    from faceapp.access.store import AccessStore
    from faceapp.ui.dialogs.enrol import EnrolDialog

    gallery = services.core.gallery
    store = AccessStore(gallery.database, "UTC")
    store.add_door("front")
    store.add_level("staff", ["front"], "always")
    alice, bob = gallery.add_person("Alice"), gallery.add_person("Bob")
    store.grant(bob.id, "staff")
    dialog = EnrolDialog(services, None, alice.id)
    qtbot.addWidget(dialog)
    panel = dialog.access_panel
    assert dialog.tabs.tabText(dialog.tabs.count() - 1) == "Access"
    assert panel.levels.item(0).checkState() == panel.levels.item(0).checkState().Unchecked
    dialog.person_form.select(bob.id)
    assert panel.person_id == bob.id
    assert panel.levels.item(0).checkState() == panel.levels.item(0).checkState().Checked


def test_doors_page_actions_are_for_administrators(qtbot, services: Services) -> None:
    page = DoorsPage(services)
    qtbot.addWidget(page)
    page.access.store.add_door("front")
    page.refresh()
    asked: list[object] = []
    services.require_admin = lambda parent: asked.append(parent) or False  # the login is refused
    assert page.open_door("delivery") is None
    page.set_state(DoorState.LOCKDOWN, "drill")
    assert page.export("/nonexistent/never.csv") is None and not page.remove_door(confirmed=True)
    assert len(asked) == 4 and page.access.store.door("front").state is DoorState.NORMAL
    assert page.access.journal.events() == []
    page.shutdown()


def test_door_dialog_adds_and_changes_a_door(qtbot, services: Services) -> None:
    from faceapp.access.store import AccessStore
    from faceapp.ui.dialogs.access_door import DoorDialog

    store = AccessStore(services.core.gallery.database, "UTC")
    dialog = DoorDialog(store, "admin", "desk-1")
    qtbot.addWidget(dialog)
    dialog.name.setText("Garage")
    dialog.output.setText("ftp://relay")
    dialog.accept()
    assert "unknown door output" in dialog.error.text() and store.doors() == []
    dialog.output.setText("http://relay.example/open")
    dialog.options.setText("[1, 2]")
    dialog.accept()
    assert "JSON object" in dialog.error.text()
    dialog.options.setText('{"method": "POST", "body": "${door}"}')
    dialog.direction.setCurrentIndex(dialog.direction.findData("out"))
    dialog.accept()
    door = store.door("Garage")
    assert door.cameras == ("desk-1",) and door.direction.value == "out"
    assert door.output_options == {"method": "POST", "body": "${door}"}
    change = DoorDialog(store, "admin", parent=None, door=door)
    qtbot.addWidget(change)
    assert change.name.isReadOnly() and change.options.text() == '{"method": "POST", "body": "${door}"}'
    change.area.setText("parking")
    change.liveness.setCurrentIndex(change.liveness.findData("on"))
    change.accept()
    changed = store.door("Garage")
    assert changed.area == "parking" and changed.liveness == "on" and changed.output_options["method"] == "POST"


def test_visitors_dialog_ends_a_visit_and_buttons_reach_their_actions(qtbot, services: Services,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QInputDialog

    from faceapp.ui.dialogs.visitor import VisitorsDialog

    page = DoorsPage(services)
    qtbot.addWidget(page)
    gallery = services.core.gallery
    visitor = gallery.add_person("Vera Visitor")
    page.access.store.register_visitor(visitor.id, "Alice", "delivery", datetime.now(timezone.utc) + timedelta(hours=2))
    dialog = VisitorsDialog(services, page.access)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "Alice"
    assert dialog.end_visit(0) and dialog.table.rowCount() == 0
    assert page.access.store.visitors() == [] and visitor.id not in [p.id for p in gallery.people.list()]

    page.access.store.add_door("front")
    page.refresh()
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Courier", True))
    qtbot.mouseClick(page.buttons["open"], Qt.MouseButton.LeftButton)
    (event,) = page.access.journal.events(kinds=("manual",))
    assert event.note == "Courier"
    page.shutdown()
