"""End to end: enrol a person through the enrolment dialog, play a video, exactly one check-in."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from faceapp.records import EventKind
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services
from faceapp.ui.widgets.video_view import STATE_COLOURS
from faceapp.ui.workers import PhotoOutcome
from faceapp.vision.tracker import FaceState

ENROLLED = "Abel_Pacheco"  # four photos: two enrol, the other two are in the video
STRANGER = "Abdel_Madi_Shabneh"  # one photo, never enrolled
FPS = 10.0


def _canvas(photo: Path) -> np.ndarray:
    """The photo, enlarged, in the middle of a 640x480 frame (as a desk camera would see a visitor)."""
    face = cv2.resize(cv2.imread(str(photo)), (300, 300), interpolation=cv2.INTER_CUBIC)
    frame = np.full((480, 640, 3), 60, np.uint8)
    frame[90:390, 170:470] = face
    return frame


def make_video(path: Path, photos: list[Path], frames_each: int) -> Path:
    """An MJPG .avi showing each photo for ``frames_each`` frames."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    for photo in photos:
        frame = _canvas(photo)
        for _ in range(frames_each):
            writer.write(frame)
    writer.release()
    return path


@pytest.fixture()
def window(qtbot, services: Services) -> MainWindow:
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.mark.realdata
@pytest.mark.slow
def test_enrol_in_dialog_then_video_checks_in_once(qtbot, window: MainWindow, services: Services, lfw_dir: Path,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    images = lfw_dir / "images"
    enrol_photos = [images / ENROLLED / f"{ENROLLED}_000{n}.jpg" for n in (1, 2)]
    video = make_video(tmp_path / "desk.avi", [images / ENROLLED / f"{ENROLLED}_000{n}.jpg" for n in (3, 4)]
                       + [images / STRANGER / f"{STRANGER}_0001.jpg"] * 2, frames_each=20)

    # Enrol through the dialog, as an administrator would: new person, two photos from the file dialog.
    dialog = window.open_enrol(None)
    assert dialog is not None
    dialog.person_form.name.setText("Abel Pacheco")
    dialog.person_form.number.setText("E-1")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in enrol_photos], ""))
    with qtbot.waitSignal(dialog.batch_finished, timeout=60000):
        dialog.add_photos_button.click()
    assert [o.status for o in dialog.outcomes] == ["enrolled", "enrolled"]
    assert dialog.results.count() == 2 and dialog.progress.value() == 2
    person = services.core.gallery.people.by_employee_no("E-1")
    assert services.core.gallery.people.count_templates(person.id) == 2
    assert window.people.model.rowCount() == 1  # the People page refreshed itself
    dialog.close()

    # Play the video through the live page until it ends.
    states: list[str] = []
    seen: set[tuple[FaceState, str | None]] = set()
    window.live.source_state_changed.connect(lambda state, message: states.append(state))
    window.live.session.result_ready.connect(lambda result: seen.update((f.state, f.name) for f in result.faces))
    window.open_source(str(video))
    checkins = window.live.checkins

    def ended_with_a_check_in() -> bool:
        return "ended" in states and any(e.kind is EventKind.CHECK_IN for e in checkins.events())

    qtbot.waitUntil(ended_with_a_check_in, timeout=60000)
    window.live.shutdown()  # the recognition thread has finished its last frame: the store is complete

    events = services.core.gallery.events.list()
    check_ins = [e for e in events if e.kind is EventKind.CHECK_IN]
    assert len(check_ins) == 1 and check_ins[0].person_id == person.id and check_ins[0].name == "Abel Pacheco"
    assert all(e.person_id in (None, person.id) for e in events)  # nothing for the stranger but "unknown"
    assert not [e for e in events if e.kind is EventKind.CHECK_IN and e.person_id != person.id]
    row = next(r for r in range(checkins.rowCount()) if checkins.event_at(r).kind is EventKind.CHECK_IN)
    assert checkins.data(checkins.index(row)).endswith("Abel Pacheco — checked in")
    assert checkins.data(checkins.index(row), 1) is not None  # the snapshot thumbnail
    assert window.live.banner.title.text() in ("Welcome, Abel Pacheco!", window.live.banner.idle_text())
    assert window.people.model.rows()[0].last_seen is not None
    assert (FaceState.RECOGNISED, "Abel Pacheco") in seen  # drawn green with the name
    assert any(state is FaceState.UNKNOWN for state, _ in seen)  # the stranger: grey, no name
    assert STATE_COLOURS[FaceState.RECOGNISED] != STATE_COLOURS[FaceState.UNKNOWN]

    reopened = MainWindow(services)  # a restarted app lists today's check-in again
    qtbot.addWidget(reopened)
    assert any(e.kind is EventKind.CHECK_IN for e in reopened.live.checkins.events())


@pytest.mark.realdata
def test_dialog_lists_refusals_and_forces_a_duplicate(qtbot, window: MainWindow, services: Services,
                                                      lfw_dir: Path, tmp_path: Path) -> None:
    images = lfw_dir / "images"
    gallery = services.core.gallery
    abel = gallery.add_person("Abel Pacheco")
    services.enroller().enrol_photo(abel.id, images / ENROLLED / f"{ENROLLED}_0001.jpg")
    pair = np.hstack([cv2.imread(str(images / ENROLLED / f"{ENROLLED}_0002.jpg")),
                      cv2.imread(str(images / STRANGER / f"{STRANGER}_0001.jpg"))])
    cv2.imwrite(str(tmp_path / "two.jpg"), pair)
    cv2.imwrite(str(tmp_path / "blank.jpg"), np.full((200, 200, 3), 128, np.uint8))

    dialog = window.open_enrol(None)
    dialog.person_form.name.setText("Someone Else")
    with qtbot.waitSignal(dialog.batch_finished, timeout=60000):
        dialog.add_photos([tmp_path / "two.jpg", tmp_path / "blank.jpg", images / ENROLLED / f"{ENROLLED}_0004.jpg"])
    texts = [dialog.results.item(r).text() for r in range(dialog.results.count())]
    assert texts[0] == "two.jpg — 2 faces found"
    assert texts[1] == "blank.jpg — no face found"
    assert texts[2] == f"{ENROLLED}_0004.jpg — matches Abel Pacheco (id {abel.id})"
    other = gallery.people.list(search="Someone")[0]
    assert gallery.people.count_templates(other.id) == 0

    dialog.results.setCurrentRow(0)
    assert not dialog.force_button.isEnabled()
    dialog.results.setCurrentRow(2)
    assert dialog.force_button.isEnabled()
    with qtbot.waitSignal(dialog.batch_finished, timeout=60000):
        dialog.force_button.click()
    assert dialog.outcomes[-1].status == "enrolled"
    assert gallery.people.count_templates(other.id) == 1
    dialog.close()


def test_short_reasons() -> None:
    from faceapp.ui.dialogs.enrol import short_reason

    quality = PhotoOutcome("/x/a.jpg", "refused", "the face in a.jpg cannot be enrolled: turned away (yaw 40°, "
                           "limit 35°). Use a sharper, brighter, frontal photo with a larger face.")
    assert short_reason(quality) == "turned away (yaw 40°, limit 35°)"
    assert short_reason(PhotoOutcome("/x/a.jpg", "refused", "/x/a.jpg: 3 faces found; crop it")) == "3 faces found"
    assert short_reason(PhotoOutcome("/x/a.jpg", "already")) == "already enrolled"


@pytest.mark.realdata
def test_dropping_photos_enrols_them(qtbot, window: MainWindow, services: Services, lfw_dir: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    photo = lfw_dir / "images" / "Clare_Short" / "Clare_Short_0002.jpg"
    person = services.core.gallery.add_person("Clare Short")
    dialog = window.open_enrol(person.id)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo)), QUrl.fromLocalFile(str(lfw_dir / "pairs.txt"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(dialog.batch_finished, timeout=30000):
        dialog.dropEvent(event)
    assert [o.status for o in dialog.outcomes] == ["enrolled"]  # the text file was not taken
    assert services.core.gallery.people.count_templates(person.id) == 1
