"""Capturing enrolment faces from the live view: the chips model, guidance and the capture panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from faceapp.store.enrol import QualityGate
from faceapp.ui.main_window import MainWindow
from faceapp.ui.qtmodels import ChipListModel
from faceapp.ui.services import Services
from faceapp.ui.widgets.capture import CAPTURE_STEPS, guidance
from faceapp.ui.workers import FaceProbe


def test_chip_list_model(qtmodeltester) -> None:
    model = ChipListModel()
    chip = np.full((112, 112, 3), 90, np.uint8)
    for yaw in (0.0, 15.0, -15.0):
        model.add(chip, {"size": 80.0, "yaw": yaw})
    qtmodeltester.check(model, force_py=True)
    model.remove(1)
    chips, quality = model.chips()
    assert chips.shape == (2, 112, 112, 3) and [q["yaw"] for q in quality] == [0.0, -15.0]
    assert "yaw -15" in model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    model.clear()
    assert model.rowCount() == 0 and model.chips()[0].shape == (0, 112, 112, 3)


@pytest.mark.parametrize(("quality", "faces", "step", "ok", "text"), [
    ({"size": 20.0, "blur": 100.0, "yaw": 0.0, "brightness": 120.0}, 1, 0, False, "Come a little closer"),
    ({"size": 80.0, "blur": 5.0, "yaw": 0.0, "brightness": 120.0}, 1, 0, False, "Hold still"),
    ({"size": 80.0, "blur": 100.0, "yaw": 0.0, "brightness": 20.0}, 1, 0, False, "More light on the face, please"),
    ({"size": 80.0, "blur": 100.0, "yaw": 0.0, "brightness": 120.0}, 2, 0, False,
     "Only one person in front of the camera, please"),
    ({"size": 80.0, "blur": 100.0, "yaw": 25.0, "brightness": 120.0}, 1, 0, False, "Look straight at the camera"),
    ({"size": 80.0, "blur": 100.0, "yaw": 2.0, "brightness": 120.0}, 1, 0, True, "Hold it… captured"),
    ({"size": 80.0, "blur": 100.0, "yaw": 2.0, "brightness": 120.0}, 1, 1, False, "Turn a little to your left"),
    ({"size": 80.0, "blur": 100.0, "yaw": 15.0, "brightness": 120.0}, 1, 1, True, "Hold it… captured"),
    ({"size": 80.0, "blur": 100.0, "yaw": 15.0, "brightness": 120.0}, 1, 2, False, "Turn a little to your right"),
])
def test_capture_guidance(quality: dict[str, float], faces: int, step: int, ok: bool, text: str) -> None:
    probe = FaceProbe(np.zeros((112, 112, 3), np.uint8), quality, faces)
    assert guidance(probe, CAPTURE_STEPS[step], QualityGate()) == (ok, text)
    assert guidance(None, CAPTURE_STEPS[0], QualityGate())[1].startswith("No face seen")


@pytest.mark.realdata
def test_live_capture_guides_captures_and_saves(qtbot, services: Services, lfw_dir: Path) -> None:
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    window.open_source(str(lfw_dir / "images" / "Clare_Short"))
    dialog = window.open_enrol(None)
    dialog.person_form.name.setText("Clare Short")
    dialog.capture.min_capture_interval = 0.0
    dialog.tabs.setCurrentIndex(1)
    dialog.capture.toggle_capture()
    assert dialog.capture.capture_button.text() == "Stop capture"
    qtbot.waitUntil(lambda: dialog.capture.captured.rowCount() >= 1, timeout=30000)  # a frontal look is captured
    assert dialog.capture.step == 1 and dialog.capture.guide.text() == "Turn a little to your left"
    dialog.capture.toggle_capture()
    pipeline = services.pipeline
    turned = pipeline.process(pipeline.load(lfw_dir / "images" / "Clare_Short" / "Clare_Short_0002.jpg"), embed=False)
    dialog.capture.on_probe(FaceProbe(turned.chips[0], {**turned.quality[0], "yaw": 14.0}, 1))
    dialog.capture.on_probe(FaceProbe(turned.chips[0], {**turned.quality[0], "yaw": -14.0}, 1))
    assert dialog.capture.captured.rowCount() == 3 and dialog.capture.guide.text().startswith("Done")
    dialog.capture.chip_view.setCurrentIndex(dialog.capture.captured.index(2))
    dialog.capture.remove_chip_button.click()
    assert dialog.capture.captured.rowCount() == 2 and dialog.capture.step == 2
    with qtbot.waitSignal(dialog.chips_saved, timeout=30000) as saved:
        dialog.capture.save_chips_button.click()
    assert saved.args == ["enrolled", "2"]
    person = services.core.gallery.people.list(search="Clare")[0]
    templates = services.core.gallery.people.templates(person.id)
    assert len(templates) == 2 and {t.source for t in templates} == {"camera"}
    assert dialog.capture.captured.rowCount() == 0 and window.people.model.rowCount() == 1
