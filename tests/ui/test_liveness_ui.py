"""Liveness in the GUI: the settings group round-trips, the Attendance filter finds spoofs, the Live notice."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from faceapp.config import Paths, Settings
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.store.liveness import SPOOF_KIND, LivenessEvidence, record
from faceapp.ui.dialogs.settings import SettingsDialog
from faceapp.ui.pages.attendance import AttendancePage
from faceapp.ui.widgets.liveness import LivenessNotice, LivenessSettingsBox
from faceapp.vision.tracker import FaceResult, FaceState
from tests.conftest import need

ZONE = "Europe/Berlin"
SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshots for the docs there


def shoot(widget, tmp_path: Path, name: str) -> Path:
    """Render ``widget`` into the test's folder (and into $FACEAPP_SCREENSHOTS when set); a real image."""
    path = tmp_path / name
    assert widget.grab().save(str(path))
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / name))
    return path


def test_settings_box_round_trip(qtbot: QtBot) -> None:
    box = LivenessSettingsBox("door-2")
    qtbot.addWidget(box)
    settings = replace(Settings(), liveness_mode="log", liveness_camera_modes={"door-2": "block", "lobby": "off"},
                       liveness_target_bpcer=0.0135, liveness_challenge="blink+turn", liveness_challenge_seconds=4.5)
    box.load(settings)
    assert box.apply(Settings()) == replace(Settings(), **{k: getattr(settings, k) for k in (
        "liveness_mode", "liveness_target_bpcer", "liveness_challenge", "liveness_challenge_seconds")},
        liveness_camera_modes={"door-2": "block"})
    box.camera_box.setCurrentIndex(box.camera_box.findData(""))  # this camera: as all cameras
    assert box.apply(settings).liveness_camera_modes == {"lobby": "off"}
    assert box.target_box.count() >= 3 and "1.4 %" in box.target_box.currentText()
    box.load(replace(settings, liveness_target_bpcer=0.02))  # a target between two points: the one within it
    assert box.apply(settings).liveness_target_bpcer == 0.0135


def test_settings_box_marks_only_this_camera_mirrored(qtbot: QtBot) -> None:
    box = LivenessSettingsBox("door-2")
    qtbot.addWidget(box)
    settings = replace(Settings(), liveness_mirrored_cameras=["lobby"])
    box.load(settings)
    assert not box.mirrored_check.isChecked()
    box.mirrored_check.setChecked(True)
    assert box.apply(settings).liveness_mirrored_cameras == ["lobby", "door-2"]
    box.load(replace(settings, liveness_mirrored_cameras=["door-2", "lobby"]))
    assert box.mirrored_check.isChecked()
    box.mirrored_check.setChecked(False)
    assert box.apply(settings).liveness_mirrored_cameras == ["lobby"]


def test_a_camera_renamed_in_the_same_edit_keeps_its_mode_and_mirror_mark(qtbot: QtBot, tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "home").ensure()
    settings = replace(Settings(), camera_name="desk-1", liveness_camera_modes={"desk-1": "block", "lobby": "log"},
                       liveness_mirrored_cameras=["desk-1"])
    dialog = SettingsDialog(settings, paths, models={"detector": ["retinaface_mnet025"],
                                                     "embedder": ["mobilefacenet_arcface_512"]})
    qtbot.addWidget(dialog)
    dialog.camera_name_edit.setText("front-door")
    assert dialog.save()
    saved = Settings.load(paths.settings_file)
    assert saved.camera_name == "front-door"
    assert saved.liveness_camera_modes == {"lobby": "log", "front-door": "block"}  # still blocking at this camera
    assert saved.liveness_mirrored_cameras == ["front-door"]


def test_settings_dialog_saves_liveness(qtbot: QtBot, tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "home").ensure()
    dialog = SettingsDialog(Settings(), paths, models={"detector": ["retinaface_mnet025"],
                                                       "embedder": ["mobilefacenet_arcface_512"]})
    qtbot.addWidget(dialog)
    box = dialog.liveness_box
    box.mode_box.setCurrentIndex(box.mode_box.findData("block"))
    box.challenge_box.setCurrentIndex(box.challenge_box.findData("blink"))
    assert dialog.save()
    saved = Settings.load(paths.settings_file)
    assert (saved.liveness_mode, saved.liveness_challenge) == ("block", "blink")
    dialog.resize(1100, 900)
    shoot(dialog, tmp_path, "settings_liveness.png")


def test_attendance_filter_lists_spoofs(qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    ada = gallery.add_person("Ada Lovelace", employee_no="E1")
    now = datetime.now(timezone.utc)
    gallery.events.add(Event(None, now, ZONE, EventKind.CHECK_IN, ada.id, None, None, None, 0.8, 0.3, "desk-1"))
    gallery.events.add(Event(None, now, ZONE, EventKind.REJECTED, ada.id, None, None, None, 0.8, 0.3, "door",
                             note="tailgating"))
    spoof = record(gallery.events, Event(None, now, ZONE, EventKind.REJECTED, ada.id, None, None, None, 0.7, 0.2,
                                         "desk-1", note="spoof suspected: live score 0.010 < 0.50 over 3 frames"),
                   LivenessEvidence("spoof", 0.01, 0.5, "block", 3, "", (0.01, 0.02, 0.0)),
                   snapshot=np.full((60, 40, 3), 90, np.uint8))
    page = AttendancePage(gallery, Settings(), ZONE, lambda parent: True, actor=lambda: "boss")
    qtbot.addWidget(page)
    assert page.model.rowCount() == 3
    page.kind_box.setCurrentIndex(page.kind_box.findData(SPOOF_KIND))
    assert [page.model.event_at(r).id for r in range(page.model.rowCount())] == [spoof.id]  # not the door refusal
    page.kind_box.setCurrentIndex(page.kind_box.findData(EventKind.REJECTED.value))
    assert page.model.rowCount() == 2
    page.resize(1100, 500)
    page.kind_box.setCurrentIndex(page.kind_box.findData(SPOOF_KIND))
    shoot(page, tmp_path, "attendance_spoof_filter.png")


def _face(**extras: object) -> FaceResult:
    return replace(FaceResult(1, (0, 0, 10, 10), ((0, 0),) * 5, 0.9, FaceState.RECOGNISED, name="Ada"),
                   extras=dict(extras))


def test_live_notice(qtbot: QtBot) -> None:
    notice = LivenessNotice(hold_s=5.0)
    qtbot.addWidget(notice)
    notice.show_faces([_face(live="pending", challenge=["blink"], challenge_left=4.2)], now=0.0)
    assert notice.isVisibleTo(notice.parentWidget() or notice) and "blink" in notice.text() and "4 s" in notice.text()
    notice.show_faces([_face(live="spoof", liveness=0.01)], now=1.0)
    assert "Spoof suspected: Ada" in notice.text() and not notice.isHidden()
    notice.show_faces([], now=3.0)
    assert not notice.isHidden()  # discreet, but it stays a while
    notice.show_faces([_face(live="live")], now=7.0)
    assert notice.isHidden()


def live_page_showing(qtbot: QtBot, services, face: FaceResult):
    """A Live page showing a nuaa-dev live frame with ``face`` (its box set on the subject) and its notice."""
    from faceapp.ui.pages.live import LivePage
    from tests.vision.test_liveness import DATA

    path = need(DATA / "nuaa-dev" / "live" / "0001" / "0001_00_00_01_0.jpg")
    page = LivePage(services)
    qtbot.addWidget(page)
    faces = [replace(face, box=(266.0, 126.0, 417.0, 335.0))]
    page.view.set_frame(services.pipeline.load(path))
    page.view.set_faces(faces)
    page.liveness_notice.show_faces(faces)
    page.resize(1000, 560)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_live_page_shows_the_notice(qtbot: QtBot, services, tmp_path: Path) -> None:
    """The notice sits in the Live page's side panel under the banner; rendered for docs/screenshots."""
    page = live_page_showing(qtbot, services, _face(live="pending", challenge=["blink"], challenge_left=5.0))
    assert page.liveness_notice.isVisible() and "blink" in page.liveness_notice.text()
    shoot(page, tmp_path, "live_liveness_prompt.png")
    page.shutdown()
