"""Capture and recognition threads: latest-frame hand-over, reconnection, results, messages."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.capture.sources import Backoff, Frame, FrameSource, LatestSlot, VideoCaptureSource
from faceapp.errors import CameraError, FaceAppError
from faceapp.records import Event, EventKind, Identification, Verdict
from faceapp.ui.services import Services
from faceapp.ui.workers import CaptureWorker, LiveSession, RecognitionWorker
from faceapp.vision.tracker import FaceState, FrameResult, Sighting


class CountingSource(FrameSource):
    """Frames as fast as they are asked for, numbered in their first pixel; optionally flaky."""

    def __init__(self, live: bool = False, fail_reads: frozenset[int] = frozenset()) -> None:
        self.name, self.is_live, self.fail_reads = "counter", live, fail_reads
        self.reads = 0

    def open(self) -> None:
        pass

    def read(self) -> np.ndarray | None:
        self.reads += 1
        if self.reads in self.fail_reads:
            raise CameraError("cable unplugged")
        return np.full((8, 8, 3), self.reads % 256, np.uint8)

    def close(self) -> None:
        pass


def test_slow_gui_gets_only_the_newest_frame(qtbot) -> None:
    slot: LatestSlot[Frame] = LatestSlot()
    worker = CaptureWorker(CountingSource(), slot)
    shown: list[int] = []
    worker.frame_ready.connect(lambda image, ts, index: shown.append(index))
    worker.start()
    try:
        qtbot.waitUntil(lambda: worker.frames_read > 300 and len(shown) == 1, timeout=10000)
        assert len(shown) == 1  # no acknowledgement yet: nothing more was queued for the GUI
        newest = slot.take(1)
        assert newest is not None and newest.index >= 300 and slot.dropped >= 250
        worker.frame_shown()
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
        assert shown[1] >= 300 and worker.display_dropped >= 250
    finally:
        worker.stop()


def test_failing_live_source_reconnects_and_recovers(qtbot) -> None:
    source = CountingSource(live=True, fail_reads=frozenset({5, 6}))
    worker = CaptureWorker(source, LatestSlot(), Backoff(0.01, 2, 0.05))
    states: list[tuple[str, str]] = []
    worker.state_changed.connect(lambda state, message: states.append((state, message)))
    worker.frame_ready.connect(lambda *frame: worker.frame_shown())
    worker.start()
    try:
        qtbot.waitUntil(lambda: [s for s, _ in states].count("live") >= 2, timeout=10000)
        kinds = [s for s, _ in states]
        assert kinds[:3] == ["connecting", "live", "reconnecting"]
        assert "cable unplugged" in states[2][1]
        qtbot.waitUntil(lambda: worker.frames_read > 20, timeout=5000)  # frames flow again
    finally:
        worker.stop()


def test_missing_camera_is_reported_not_raised(qtbot) -> None:
    worker = CaptureWorker(VideoCaptureSource(97), LatestSlot())
    with qtbot.waitSignal(worker.state_changed, check_params_cb=lambda s, m: s == "failed", timeout=10000) as sig:
        worker.start()
    worker.stop()
    assert "no camera found at index 97 — open a video file or URL instead" in sig.args[1]


class Exploding:
    """Stands in for a TrackingRecognizer whose every frame fails."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def process(self, image: np.ndarray, timestamp: float, index: int) -> tuple[FrameResult, list[Sighting]]:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "message"),
    [(FaceAppError("the gallery is locked — close the other faceapp"), "the gallery is locked"),
     (RuntimeError("boom"), "internal error in recognition (a bug)")],
)
def test_recognition_errors_become_messages(qtbot, exc: Exception, message: str) -> None:
    slot: LatestSlot[Frame] = LatestSlot()
    worker = RecognitionWorker(Exploding(exc), slot)  # type: ignore[arg-type]
    messages: list[str] = []
    worker.failed.connect(messages.append)
    worker.start()
    try:
        for i in range(3):
            slot.put(Frame(np.zeros((8, 8, 3), np.uint8), 0.0, i))
        qtbot.waitUntil(lambda: bool(messages), timeout=5000)
        assert message in messages[0]
    finally:
        worker.stop()
    assert len(messages) == 1  # the same failure is said once


def _collect(qtbot, session: LiveSession, want: int) -> list[FrameResult]:
    results: list[FrameResult] = []

    def keep(result: FrameResult) -> None:
        results.append(result)
        session.result_shown()

    session.result_ready.connect(keep)
    session.frame_ready.connect(lambda *frame: session.frame_shown())
    qtbot.waitUntil(lambda: sum(1 for r in results if r.faces) >= want, timeout=30000)
    return results


@pytest.mark.realdata
def test_slideshow_frames_get_face_results(qtbot, bare_services: Services, lfw_dir: Path) -> None:
    folder = lfw_dir / "images" / "Tom_Ridge"
    session = LiveSession(bare_services)
    try:
        session.start(str(folder))
        results = _collect(qtbot, session, want=5)
    finally:
        session.stop()
    with_faces = [r for r in results if r.faces]
    indices = [r.frame_index for r in results]
    assert indices == sorted(indices)
    for result in with_faces:
        for face in result.faces:
            x1, y1, x2, y2 = face.box
            assert 0 <= x1 < x2 <= 250 and 0 <= y1 < y2 <= 250  # LFW photos are 250x250
            assert len(face.landmarks) == 5 and face.state is FaceState.UNIDENTIFIED
            assert all(x1 - 5 <= x <= x2 + 5 and y1 - 5 <= y <= y2 + 5 for x, y in face.landmarks)
    assert all(r.latency_ms > 0 for r in with_faces)


@pytest.mark.realdata
def test_recogniser_and_desk_hooks(qtbot, services: Services, lfw_dir: Path) -> None:
    calls: list[int] = []

    def recognise(embeddings: np.ndarray) -> list[Identification]:
        calls.append(len(embeddings))
        return [Identification(3, "Tom Ridge", 0.66, 0.4, Verdict.ACCEPT) for _ in embeddings]

    def desk(sightings: list[Sighting], image: np.ndarray) -> list[Event]:
        return [
            Event(None, datetime.now(timezone.utc), "UTC", EventKind.CHECK_IN, s.identification.person_id,
                  s.identification.name, None, None, s.identification.score, None, "desk")
            for s in sightings if s.fresh
        ]

    services.recogniser, services.desk = recognise, desk
    session = LiveSession(services)
    events: list[Event] = []
    session.events_ready.connect(events.extend)
    try:
        session.start(str(lfw_dir / "images" / "Tom_Ridge"))
        results = _collect(qtbot, session, want=8)
        qtbot.waitUntil(lambda: bool(events), timeout=5000)
    finally:
        session.stop()
    faces = [f for r in results for f in r.faces]
    assert all(f.state is FaceState.RECOGNISED and f.name == "Tom Ridge" for f in faces)
    assert events[0].kind is EventKind.CHECK_IN and events[0].name == "Tom Ridge"
    assert sum(calls) < len(faces)  # tracked faces are not embedded on every frame


@pytest.mark.realdata
def test_track_ids_go_on_across_sources(qtbot, services: Services, lfw_dir: Path) -> None:
    session = LiveSession(services)
    try:
        session.start(str(lfw_dir / "images" / "Tom_Ridge"))
        first = _collect(qtbot, session, want=1)
        session.start(str(lfw_dir / "images" / "Tom_Ridge"))
        session.result_ready.disconnect()
        second = _collect(qtbot, session, want=1)
    finally:
        session.stop()
    old = {f.track_id for r in first for f in r.faces}
    new = {f.track_id for r in second[-1:] for f in r.faces}
    assert new and min(new) > max(old)
