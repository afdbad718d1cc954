"""The GUI runs the one live service: slideshow check-ins, settings and model switches reaching it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from faceapp.config import Settings
from faceapp.live.service import LiveOptions
from faceapp.records import Event, EventKind
from faceapp.ui.assembly import attach_admin
from faceapp.ui.dialogs.settings import SettingsDialog
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services
from faceapp.vision.pipeline import FacePipeline

pytestmark = pytest.mark.realdata
OTHER = "mobilefacenet_arcface_512_b1"


def _enrol(services: Services, lfw_dir: Path) -> int:
    assert services.core is not None
    person = services.core.gallery.add_person("Tom Ridge")
    for number in (1, 2):
        services.enroller().enrol_photo(person.id, lfw_dir / "images" / "Tom_Ridge" / f"Tom_Ridge_{number:04d}.jpg")
    return person.id


def test_slideshow_at_ten_frames_per_second_checks_in(qtbot, services: Services, lfw_dir: Path,
                                                      tmp_path: Path) -> None:
    """The first release's 15-minute run: 10 fps, 2 s per photo, recognised in green, 0 check-ins."""
    person = _enrol(services, lfw_dir)
    folder = tmp_path / "show"
    folder.mkdir()
    for number in (3, 4, 5):
        name = f"Tom_Ridge_{number:04d}.jpg"
        (folder / name).symlink_to(lfw_dir / "images" / "Tom_Ridge" / name)
    services.live = LiveOptions(seconds_per_image=2.0, slideshow_fps=10.0)
    window = MainWindow(services)
    qtbot.addWidget(window)
    events: list[Event] = []
    window.live.session.events_ready.connect(events.extend)
    window.live.open_source(str(folder))
    try:
        qtbot.waitUntil(lambda: bool(events), timeout=20000)
    finally:
        window.live.shutdown()
    assert events[0].kind is EventKind.CHECK_IN and events[0].person_id == person


def test_settings_and_model_switch_reach_the_running_live_view(qtbot, services: Services, lfw_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _enrol(services, lfw_dir)
    window = MainWindow(services)
    qtbot.addWidget(window)
    parts = attach_admin(window, services, QApplication.instance())
    monkeypatch.setattr(parts.session, "require_admin", lambda parent=None: True)
    window.live.open_source(str(lfw_dir / "images" / "Tom_Ridge"))
    try:
        service = window.live.session.service
        assert service is not None and service.checkins is not None
        settings_action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Settings…")
        settings_action.trigger()
        dialog = window.findChild(SettingsDialog)
        edited = dataclasses.replace(services.settings, camera_name="door-2", embedder=OTHER, detect_long_side=480,
                                     desk_rules={"cooldown_seconds": 42.0, "consensus_frames": 2})
        dialog.settings_saved.emit(edited)
        assert service.checkins.desk.rules.cooldown_seconds == 42.0 and service.checkins.camera == "door-2"
        assert "detect_long_side" in window.statusBar().currentMessage()  # needs a restart: said so
        # the dialog re-embeds the gallery, then says so: the running service swaps its pipeline
        assert services.core is not None
        services.core.gallery.reembed(FacePipeline.from_settings(Settings(provider="cpu", embedder=OTHER)))
        dialog.reembed_finished.emit(OTHER)
        assert service.model == OTHER and window.live.session.service is service
        results = []
        window.live.session.result_ready.connect(results.append)
        qtbot.waitUntil(lambda: any(f.person_id for r in results for f in r.faces), timeout=20000)
    finally:
        window.live.shutdown()
        parts.attendance.shutdown()
