"""Video view overlay, check-in list model and welcome banner."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from faceapp.capture.sources import SourceState
from faceapp.records import Event, EventKind
from faceapp.ui.pages.live import RateMeter
from faceapp.ui.widgets.checkins import CheckInModel, WelcomeBanner, event_text
from faceapp.ui.widgets.video_view import STATE_COLOURS, VideoView, face_label
from faceapp.vision.tracker import FaceResult, FaceState

POINTS = ((70.0, 80.0), (130.0, 80.0), (100.0, 110.0), (75.0, 140.0), (125.0, 140.0))


def _face(state: FaceState, name: str | None = "Ada", similarity: float | None = 0.71) -> FaceResult:
    return FaceResult(4, (50.0, 40.0, 150.0, 170.0), POINTS, 0.98, state, name, similarity, 1)


def _event(kind: EventKind, name: str | None = "Ada Lovelace", minute: int = 12) -> Event:
    time = datetime(2026, 3, 2, 7, minute, tzinfo=timezone.utc)
    return Event(None, time, "Europe/Berlin", kind, 1, name, None, None, 0.7, 0.2, "desk")


@pytest.mark.parametrize(
    ("face", "text"),
    [
        (_face(FaceState.RECOGNISED), "Ada · 0.71"),
        (_face(FaceState.UNCERTAIN), "Ada? · 0.71"),
        (_face(FaceState.UNKNOWN, None, 0.12), "Unknown · 0.12"),
        (_face(FaceState.UNIDENTIFIED, None, None), "Face 4 · 98%"),
    ],
)
def test_face_labels(face: FaceResult, text: str) -> None:
    assert face_label(face) == text


def _count_colour(image: QImage, colour: QColor, tolerance: int = 30) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    want = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(rgb - want).max(axis=2) <= tolerance).sum())


@pytest.mark.parametrize("state", list(FaceState))
def test_video_view_draws_boxes_in_the_state_colour(qtbot, state: FaceState) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(200, 200)
    view.set_frame(np.full((200, 200, 3), 128, np.uint8))
    assert _count_colour(view.grab().toImage(), STATE_COLOURS[state]) == 0
    view.set_faces([_face(state)])
    assert _count_colour(view.grab().toImage(), STATE_COLOURS[state]) > 200  # box outline and label


def test_video_view_keeps_aspect_and_shows_messages(qtbot) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[:, :, 2] = 255  # BGR red
    view.set_frame(frame)
    image = view.grab().toImage()
    assert image.pixelColor(200, 150) == QColor(255, 0, 0)  # centre: the frame, scaled to 200x200
    assert image.pixelColor(20, 150) != QColor(255, 0, 0)  # side bars: background
    view.set_state(SourceState.FAILED, "no camera found at index 0")
    view.set_message("no camera found at index 0")
    assert view.message and view.grab().toImage() != image
    view.clear()
    assert not view.has_frame and view.faces == ()


def test_checkin_model(qtmodeltester) -> None:
    model = CheckInModel(limit=3)
    model.add([_event(EventKind.CHECK_IN, minute=1)])
    qtmodeltester.check(model, force_py=True)
    model.add([_event(EventKind.CHECK_OUT, "Bob", minute=2), _event(EventKind.UNKNOWN, None, minute=3)])
    model.add([_event(EventKind.CHECK_IN, "Cy", minute=4)])
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 3  # the oldest fell off
    assert [model.event_at(r).name for r in range(3)] == ["Cy", None, "Bob"]
    assert model.data(model.index(0)) == "08:04  Cy — checked in"  # Berlin is UTC+1 in March
    assert model.data(model.index(1)) == "08:03  unknown visitor"  # no name, no picture


def test_event_text_falls_back_to_local_zone() -> None:
    event = _event(EventKind.CHECK_IN)
    broken = Event(None, event.time, "Not/AZone", event.kind, 1, "Ada", None, None, None, None, "desk")
    assert event_text(broken).endswith("Ada — checked in")


def test_welcome_banner_greets_and_resets(qtbot) -> None:
    banner = WelcomeBanner(hold_ms=50)
    qtbot.addWidget(banner)
    banner.greet(_event(EventKind.UNKNOWN))
    assert banner.title.text() == WelcomeBanner.IDLE_TEXT
    banner.greet(_event(EventKind.CHECK_IN))
    assert banner.title.text() == "Welcome, Ada Lovelace!" and "08:12" in banner.detail.text()
    qtbot.waitUntil(lambda: banner.title.text() == WelcomeBanner.IDLE_TEXT, timeout=3000)
    banner.greet(_event(EventKind.CHECK_OUT))
    assert banner.title.text() == "Goodbye, Ada Lovelace!"


def test_rate_meter() -> None:
    meter = RateMeter(window_s=2.0)
    assert meter.rate(0.0) == 0.0
    for k in range(11):
        meter.tick(k * 0.1)
    assert meter.rate(1.0) == pytest.approx(10.0)
    assert meter.rate(10.0) == 0.0  # nothing recent


def test_checkin_model_shows_snapshots_but_not_for_unknown_faces(qtmodeltester, tmp_path) -> None:
    import cv2

    snapshot = tmp_path / "snapshots" / "a.jpg"
    snapshot.parent.mkdir()
    cv2.imwrite(str(snapshot), np.full((80, 60, 3), 200, np.uint8))
    known = replace(_event(EventKind.CHECK_IN), snapshot="snapshots/a.jpg")
    stranger = replace(_event(EventKind.UNKNOWN, None), snapshot="snapshots/a.jpg")
    missing = replace(_event(EventKind.CHECK_OUT), snapshot="snapshots/gone.jpg")
    model = CheckInModel(data_dir=tmp_path)
    model.add([known, stranger, missing])
    qtmodeltester.check(model, force_py=True)
    decoration = Qt.ItemDataRole.DecorationRole
    assert [model.data(model.index(r), decoration) is not None for r in range(3)] == [False, False, True]
    assert model.data(model.index(1), Qt.ItemDataRole.FontRole).italic()  # the stranger, discreetly
