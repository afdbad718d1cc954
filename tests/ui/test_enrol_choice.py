"""The enrolment dialog says which face of a multi-face photo it enrolled."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceapp.ui.dialogs.enrol import short_reason
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services
from faceapp.ui.workers import PhotoOutcome


def test_short_reason_names_the_face_taken() -> None:
    assert short_reason(PhotoOutcome("/x/a.jpg", "enrolled", face=2, faces=3)) == (
        "enrolled face 2 of 3 (the dominant one)")
    assert short_reason(PhotoOutcome("/x/a.jpg", "enrolled", face=1, faces=1)) == "enrolled"


@pytest.mark.realdata
def test_a_group_photo_enrols_the_dominant_face_and_says_so(qtbot, services: Services, lfw_dir: Path) -> None:
    window = MainWindow(services)
    qtbot.addWidget(window)
    person = services.core.gallery.add_person("Dale Earnhardt Jr")
    dialog = window.open_enrol(person.id)
    with qtbot.waitSignal(dialog.batch_finished, timeout=30000):
        dialog.add_photos([str(lfw_dir / "images" / "Dale_Earnhardt_Jr" / "Dale_Earnhardt_Jr_0002.jpg")])
    (outcome,) = dialog.outcomes
    assert (outcome.status, outcome.face, outcome.faces) == ("enrolled", 1, 3)
    assert dialog.results.item(0).text().endswith("enrolled face 1 of 3 (the dominant one)")
    dialog.close()
