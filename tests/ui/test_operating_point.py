"""The settings dialog's operating point: the chosen rate, the threshold it gives for the gallery, the pin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from faceapp.config import Paths, Settings
from faceapp.store import Gallery
from faceapp.store.decision import OperatingPoint
from faceapp.ui.dialogs.operating_point import embedder_calibration
from faceapp.ui.dialogs.settings import SettingsDialog

MODELS = {"detector": ["retinaface_mnet025"], "embedder": ["mobilefacenet_arcface_512"]}
MODEL = "mobilefacenet_arcface_512"


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


@pytest.fixture()
def gallery(paths: Paths) -> Iterator[Gallery]:
    calibration = embedder_calibration(paths, MODEL)
    assert calibration is not None  # the bundled embedder ships calibrated
    made = Gallery.open(paths, MODEL, 8, operating=OperatingPoint(0.005, calibration))
    rng = np.random.default_rng(3)
    for n in range(30):
        person = made.add_person(f"person {n}")
        for _ in range(2):
            vector = rng.normal(size=8).astype(np.float32)
            made.add_template(person.id, rng.integers(0, 255, (112, 112, 3), np.uint8), vector / np.linalg.norm(vector))
    yield made
    made.close()


def test_the_dialog_shows_the_rate_and_the_threshold_it_gives(qtbot: QtBot, paths: Paths, gallery: Gallery) -> None:
    dialog = SettingsDialog(Settings(), paths, gallery, models=MODELS)
    qtbot.addWidget(dialog)
    box = dialog.operating_box
    assert box.target == 0.005 and not box.pin and not dialog.accept_spin.isEnabled()
    expected = gallery.thresholds.accept  # what the running gallery uses for its 30 people
    assert f"{expected:.3f}" in box.note.text() and "30 enrolled people (60 templates)" in box.note.text()
    box.target_box.setCurrentIndex(box.target_box.findData(0.001))
    stricter = OperatingPoint(0.001, gallery.operating.calibration).thresholds(30, 60).accept
    assert stricter > expected and f"{stricter:.3f}" in box.note.text()
    assert "at 10,000" in box.note.text()  # how the threshold grows with the site
    box.pin_check.setChecked(True)
    assert dialog.accept_spin.isEnabled() and not box.target_box.isEnabled()
    dialog.accept_spin.setValue(0.5)
    assert dialog.save()
    saved = Settings.load(paths.settings_file)
    assert (saved.false_accept_target, saved.pin_thresholds, saved.accept_threshold) == (0.001, True, 0.5)
    again = SettingsDialog(saved, paths, gallery, models=MODELS)
    qtbot.addWidget(again)
    assert again.values() == saved and again.operating_box.pin and "pinned" in again.operating_box.note.text()


def test_the_gallery_threshold_follows_the_saved_target(paths: Paths, gallery: Gallery) -> None:
    from faceapp.store.decision import operating_point

    before = gallery.thresholds.accept
    gallery.operating = operating_point(Settings(false_accept_target=0.01), gallery.operating.calibration)
    assert gallery.thresholds.accept < before
    gallery.operating = operating_point(Settings(pin_thresholds=True, accept_threshold=0.61),
                                        gallery.operating.calibration)
    assert gallery.thresholds.accept == 0.61
