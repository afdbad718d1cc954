"""Frame sources, the reconnecting reader and the latest-frame slot."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.capture.sources import (
    Backoff,
    Frame,
    FrameSource,
    ImageFolderSource,
    LatestSlot,
    SourceReader,
    SourceState,
    VideoCaptureSource,
    open_source,
)
from faceapp.errors import CameraError

FAST = Backoff(initial=0.001, factor=2.0, maximum=0.004)


class FlakySource(FrameSource):
    """A live source whose reads fail at chosen frame numbers and whose reopening can fail."""

    is_live = True

    def __init__(self, fail_reads: set[int], fail_opens: int = 0, total: int = 12) -> None:
        self.name = "flaky"
        self.fail_reads, self.fail_opens, self.total = set(fail_reads), fail_opens, total
        self.reads = self.opens = 0

    def open(self) -> None:
        self.opens += 1
        if self.opens > 1 and self.fail_opens > 0:
            self.fail_opens -= 1
            raise CameraError("camera still offline")

    def read(self) -> np.ndarray | None:
        self.reads += 1
        if self.reads in self.fail_reads:
            raise CameraError("stream lost")
        return None if self.reads > self.total else np.full((4, 4, 3), self.reads, np.uint8)

    def close(self) -> None:
        pass


def _run(reader: SourceReader) -> tuple[SourceState, list[Frame]]:
    frames: list[Frame] = []
    return reader.run(frames.append, threading.Event()), frames


def test_live_source_reconnects_after_failed_reads() -> None:
    states: list[tuple[SourceState, str]] = []
    source = FlakySource(fail_reads={3}, fail_opens=2)
    frames: list[Frame] = []
    reader = SourceReader(source, lambda s, m: states.append((s, m)), FAST)
    final = reader.run(frames.append, threading.Event())
    kinds = [s for s, _ in states]
    assert kinds[:3] == [SourceState.CONNECTING, SourceState.LIVE, SourceState.RECONNECTING]
    assert kinds.count(SourceState.RECONNECTING) == 3  # two reopen attempts failed, the third worked
    assert kinds[-2:] == [SourceState.LIVE, SourceState.ENDED]
    assert "stream lost" in states[2][1] and "camera still offline" in states[3][1]
    assert final is SourceState.ENDED and source.opens == 4
    assert [f.index for f in frames] == list(range(len(frames))) and len(frames) == 11


def test_live_source_fails_after_max_attempts() -> None:
    source = FlakySource(fail_reads={2}, fail_opens=99)
    reader = SourceReader(source, backoff=FAST, max_attempts=3)
    final, frames = _run(reader)
    assert final is SourceState.FAILED and len(frames) == 1 and source.opens == 4


def test_stop_interrupts_reconnection_backoff() -> None:
    stop = threading.Event()
    states: list[SourceState] = []

    def on_state(state: SourceState, message: str) -> None:
        states.append(state)
        if state is SourceState.RECONNECTING:
            stop.set()

    final = SourceReader(FlakySource({1}, 99), on_state, Backoff(initial=60)).run(lambda f: None, stop)
    assert final is SourceState.ENDED and states[-1] is SourceState.ENDED


def test_missing_camera_is_a_clear_camera_error() -> None:
    with pytest.raises(CameraError, match="no camera found at index 97 — open a video file or URL"):
        VideoCaptureSource(97).open()


def test_missing_camera_fails_the_reader_at_once() -> None:
    states: list[tuple[SourceState, str]] = []
    final = SourceReader(VideoCaptureSource(97), lambda s, m: states.append((s, m))).run(
        lambda f: None, threading.Event()
    )
    assert final is SourceState.FAILED and "no camera found" in states[-1][1]


@pytest.mark.parametrize(
    ("spec", "kind", "live"),
    [
        ("0", VideoCaptureSource, True),
        (3, VideoCaptureSource, True),
        ("rtsp://10.0.0.5/stream", VideoCaptureSource, True),
        ("http://cam/video.mjpg", VideoCaptureSource, True),
    ],
)
def test_open_source_devices_and_urls(spec: str | int, kind: type, live: bool) -> None:
    source = open_source(spec)
    assert isinstance(source, kind) and source.is_live is live


def test_open_source_paths(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    video = _write_video(tmp_path / "clip.avi", 3)
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)
    assert isinstance(open_source(str(photo)), ImageFolderSource)
    source = open_source(str(video))
    assert isinstance(source, VideoCaptureSource) and not source.is_live
    with pytest.raises(CameraError, match="no such file, folder or camera"):
        open_source(str(tmp_path / "nothing.mp4"))


def _write_video(path: Path, n: int) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(n):
        writer.write(np.full((48, 64, 3), 40 * i, np.uint8))
    writer.release()
    return path


def test_video_file_plays_to_the_end(tmp_path: Path) -> None:
    source = VideoCaptureSource(str(_write_video(tmp_path / "clip.avi", 5)))
    final, frames = _run(SourceReader(source))
    assert final is SourceState.ENDED and len(frames) == 5 and source.fps == pytest.approx(30.0)
    assert frames[0].image.shape == (48, 64, 3) and frames[0].image.dtype == np.uint8


def test_missing_or_broken_video_file(tmp_path: Path) -> None:
    with pytest.raises(CameraError, match="no such video file"):
        VideoCaptureSource(str(tmp_path / "gone.mp4")).open()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(CameraError, match="cannot read this video"):
        VideoCaptureSource(str(broken)).open()


@pytest.mark.realdata
def test_slideshow_shows_each_photo_for_its_time(lfw_dir: Path) -> None:
    folder = lfw_dir / "images" / "Hugo_Chavez"
    n = len([p for p in folder.iterdir() if p.suffix == ".jpg"])
    source = ImageFolderSource(folder, seconds_per_image=0.3, fps=10.0, loop=False)
    source.open()
    frames = []
    while (image := source.read()) is not None:
        frames.append(image)
    assert len(frames) == 3 * n
    assert frames[0] is frames[2] and frames[3] is not frames[2]
    assert frames[0].ndim == 3 and frames[0].dtype == np.uint8


def test_slideshow_loops_and_skips_bad_photos(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "1.png"), np.full((8, 8, 3), 10, np.uint8))
    (tmp_path / "2.jpg").write_bytes(b"broken")
    cv2.imwrite(str(tmp_path / "3.png"), np.full((8, 8, 3), 30, np.uint8))
    source = ImageFolderSource(tmp_path, seconds_per_image=1.0, fps=1.0, loop=True)
    source.open()
    values = [int(source.read()[0, 0, 0]) for _ in range(5)]  # type: ignore[index]
    assert values == [10, 30, 10, 30, 10]


def test_slideshow_without_photos(tmp_path: Path) -> None:
    with pytest.raises(CameraError, match="no photos"):
        ImageFolderSource(tmp_path).open()
    (tmp_path / "x.jpg").write_bytes(b"")
    source = ImageFolderSource(tmp_path)
    source.open()
    with pytest.raises(CameraError, match="none of the photos could be read"):
        source.read()


def test_backoff_grows_to_its_maximum() -> None:
    assert [Backoff(0.5, 2.0, 3.0).delay(k) for k in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_latest_slot_keeps_only_the_newest() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.take(0) == 4 and slot.dropped == 4
    assert slot.take(0.01) is None


def test_latest_slot_close_wakes_consumer() -> None:
    slot: LatestSlot[int] = LatestSlot()
    got: list[int | None] = []
    consumer = threading.Thread(target=lambda: got.append(slot.take(30)))
    consumer.start()
    slot.close()
    consumer.join(5)
    assert got == [None]


def test_slow_consumer_never_sees_a_backlog() -> None:
    slot: LatestSlot[int] = LatestSlot()
    produced = 2000
    taken: list[int] = []
    gate = threading.Event()

    def consume() -> None:
        while (item := slot.take(5)) is not None:
            taken.append(item)
            gate.wait(0.002)  # a consumer slower than the producer
            if item == produced - 1:
                return

    consumer = threading.Thread(target=consume)
    consumer.start()
    for i in range(produced):
        slot.put(i)
    consumer.join(10)
    assert taken[-1] == produced - 1 and taken == sorted(taken)
    assert len(taken) + slot.dropped == produced and len(taken) < produced / 2
