"""Camera enrolment with liveness: the capture panel judges each presentation as a track is judged.

End to end with real widgets: nuaa-dev printed-photo frames played as the live view are captured
when liveness is off (the attack) and refused in block mode (and said so); the person's own live
frames are then captured and enrolled with their evidence; a capture judged spoofed is refused by
the enroller too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths, Settings
from faceapp.live.liveness_capture import LiveLook, Presentation
from faceapp.store.enrol import QualityGate
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services
from faceapp.ui.widgets.capture import CapturePanel
from faceapp.ui.workers import FaceProbe
from faceapp.vision.liveness_track import LiveVerdict, TrackPolicy
from faceapp.vision.pipeline import FacePipeline
from tests.conftest import DATA, need
from tests.ui.conftest import FAST_LIVE

SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshots for the docs there
GOOD = {"size": 150.0, "eye_dist": 70.0, "blur": 500.0, "yaw": 2.0, "pitch": 3.0, "roll": 0.0,
        "brightness": 120.0, "contrast": 70.0, "score": 1.0}


def probe(score: float | None, faces: int = 1, mode: str = "block", yaw: float = 2.0) -> FaceProbe:
    quality = {**GOOD, "yaw": yaw}
    return FaceProbe(np.full((112, 112, 3), 100, np.uint8), quality, faces, LiveLook(score, TrackPolicy(), mode))


def test_panel_captures_only_a_presentation_judged_live(qtbot) -> None:
    panel = CapturePanel(None, QualityGate())
    qtbot.addWidget(panel)
    panel.min_capture_interval = 0.0
    panel.on_probe(probe(0.99))
    panel.on_probe(probe(0.98))
    assert panel.captured.rowCount() == 0 and panel.guide.text() == "Checking that this is a live face…"
    panel.on_probe(probe(0.99))  # the third frame: judged live, captured
    assert panel.captured.rowCount() == 1 and panel.captured_liveness()[0].verdict == "live"
    panel.on_probe(probe(0.01, yaw=15.0))  # a print in the next pose: the presentation is still live, the frame not
    assert panel.presentation.verdict is LiveVerdict.LIVE and panel.captured.rowCount() == 1
    for _ in range(3):  # the same presentation turns into a print (no frame without a face)
        panel.on_probe(probe(0.0001))
    assert panel.presentation is not None and panel.presentation.verdict is LiveVerdict.SPOOF
    assert panel.captured.rowCount() == 0 and panel.step == 0 and panel.spoofs_refused == 1
    assert panel.guide.text().startswith("This looks like a photo or a screen")
    assert panel.status.text().startswith("Spoof suspected: live score")
    for _ in range(5):
        panel.on_probe(probe(0.999))  # live-looking frames do not undo a spoofed presentation
    assert panel.captured.rowCount() == 0 and panel.presentation.verdict is LiveVerdict.SPOOF
    panel.on_probe(None)  # the face left: whoever comes next is judged afresh
    for _ in range(3):
        panel.on_probe(probe(0.999))
    assert panel.captured.rowCount() == 1 and panel.captured_liveness()[0].frames == 3
    panel.on_probe(probe(None))  # the model failed: nothing more is captured
    assert panel.presentation.verdict is LiveVerdict.PENDING


def test_presentation_matches_the_track_rule() -> None:
    """A face captured in log mode is judged and refused too; window and sticky worst as a track."""
    shown = Presentation(TrackPolicy(window=4), "log")
    verdicts = [shown.add(LiveLook(s, shown.policy, "log")) for s in (0.9, 0.9, 0.9, 0.001, 0.001, 0.99, 0.99)]
    assert verdicts[:2] == [LiveVerdict.PENDING] * 2 and verdicts[2] is LiveVerdict.LIVE
    assert verdicts[-1] is LiveVerdict.SPOOF and len(shown.scores) == 4
    record = shown.record()
    assert (record.verdict, record.mode, record.frames) == ("spoof", "log", 7) and record.score < 0.5


# -- end to end with nuaa-dev frames as the live view -------------------------------------------------
def nuaa_frames(label: str, subject: str = "0001", session: str = "01") -> list[Path]:
    folder = need(DATA / "nuaa-dev" / label / subject)
    return sorted(folder.glob(f"{subject}_*_{session}_*.jpg"), key=lambda p: int(p.stem.split("_")[-1]))


def slideshow(tmp_path: Path, name: str, frames: list[Path]) -> Path:
    """A folder of links to ``frames`` (the live view plays a folder as a camera)."""
    folder = tmp_path / name
    folder.mkdir()
    for n, frame in enumerate(frames):
        (folder / f"{n:03d}.jpg").symlink_to(frame)
    return folder


@pytest.fixture()
def block_services(basedir: Path, pipeline: FacePipeline) -> Iterator[Services]:
    """Services whose saved settings put every camera in liveness block mode."""
    paths = Paths.resolve(basedir).ensure()
    replace(Settings.load(paths.settings_file), liveness_mode="block").save(paths.settings_file)
    made = Services.create(basedir, pipeline=pipeline)
    made.live = FAST_LIVE
    yield made
    made.close()


def start_capture(qtbot, services: Services, source: Path, name: str = "NUAA 0001"):
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    window.open_source(str(source))
    dialog = window.open_enrol(None)
    dialog.person_form.name.setText(name)
    dialog.capture.min_capture_interval = 0.0
    dialog.tabs.setCurrentIndex(1)
    dialog.capture.toggle_capture()
    return window, dialog


def shoot(widget, tmp_path: Path, name: str) -> None:
    assert widget.grab().save(str(tmp_path / name))
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / name))


@pytest.mark.realdata
def test_without_liveness_a_printed_photo_is_captured(qtbot, services: Services, tmp_path: Path) -> None:
    """The attack this guards against: the print passes every quality check of the capture."""
    printed = slideshow(tmp_path, "print", nuaa_frames("spoof")[:6])
    _window, dialog = start_capture(qtbot, services, printed)
    qtbot.waitUntil(lambda: dialog.capture.captured.rowCount() >= 1, timeout=30000)
    assert dialog.capture.captured_liveness()[0].mode == "off"
    dialog.capture.stop()


@pytest.mark.realdata
def test_block_mode_refuses_the_print_and_enrols_the_person(qtbot, block_services: Services, tmp_path: Path) -> None:
    services = block_services
    printed = slideshow(tmp_path, "print", nuaa_frames("spoof")[:6])
    window, dialog = start_capture(qtbot, services, printed)
    panel = dialog.capture
    qtbot.waitUntil(lambda: panel.spoofs_refused >= 1, timeout=30000)
    qtbot.wait(600)  # more frames of the print: still nothing captured
    assert panel.captured.rowCount() == 0 and panel.presentation.verdict is LiveVerdict.SPOOF
    assert panel.guide.text().startswith("This looks like a photo or a screen")
    assert "Spoof suspected: live score" in panel.status.text()
    dialog.resize(760, 560)
    shoot(dialog, tmp_path, "enrol_capture_spoof_refused.png")

    # the enroller refuses a spoofed capture too (a panel that let one through): the dialog says so
    spoofed = panel.presentation
    panel.captured.add(np.full((112, 112, 3), 120, np.uint8), dict(GOOD))
    panel._presentations.append(spoofed)
    panel.stop()
    with qtbot.waitSignal(dialog.chips_saved, timeout=30000) as saved:
        panel.save_chips_button.click()
    assert saved.args[0] == "spoof" and saved.args[1].startswith("the face looks like a photo of a photo")
    assert panel.status.text().startswith("Not enrolled: the captured faces look like a photo")
    person = services.core.gallery.people.list(search="NUAA")[0]
    assert not services.core.gallery.people.templates(person.id)

    # the person themself, in front of the camera (frames with nobody behind them)
    panel.captured.clear()
    panel._presentations.clear()
    alone = [f for f in nuaa_frames("live") if int(f.stem.split("_")[-1]) >= 130][:6]
    window.open_source(str(slideshow(tmp_path, "live", alone)))
    panel.toggle_capture()
    qtbot.waitUntil(lambda: panel.captured.rowCount() >= 1, timeout=30000)
    panel.stop()
    evidence = panel.captured_liveness()[0]
    assert evidence.verdict == "live" and evidence.mode == "block" and evidence.frames >= 3
    assert evidence.score >= evidence.threshold
    with qtbot.waitSignal(dialog.chips_saved, timeout=30000) as saved:
        panel.save_chips_button.click()
    assert saved.args[0] == "enrolled"
    assert {t.source for t in services.core.gallery.people.templates(person.id)} == {"camera"}
