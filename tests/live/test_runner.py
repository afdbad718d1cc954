"""Driving the live service from a source without Qt: reconnection, latest frame, how it ended."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.capture.sources import Backoff, FrameSource, SourceState, VideoCaptureSource
from faceapp.cli import main
from faceapp.errors import CameraError
from faceapp.live.runner import run_source
from faceapp.live.service import LiveService
from faceapp.vision.pipeline import FacePipeline


class FlakyCamera(FrameSource):
    """A live source of blank frames whose reads ``fail`` raise, like an unplugged cable."""

    def __init__(self, fail: frozenset[int] = frozenset(), opens_left: int = 100) -> None:
        self.name, self.is_live, self.fail, self.opens_left = "flaky", True, fail, opens_left
        self.reads = self.opens = 0

    def open(self) -> None:
        self.opens += 1
        if self.opens > self.opens_left:
            raise CameraError("flaky: gone for good")

    def read(self) -> np.ndarray | None:
        self.reads += 1
        if self.reads in self.fail:
            raise CameraError("flaky stopped sending frames")
        return np.zeros((48, 64, 3), np.uint8)

    def close(self) -> None:
        pass


def test_live_source_reconnects_like_the_gui(pipeline: FacePipeline) -> None:
    camera = FlakyCamera(fail=frozenset({3, 4}))
    seen: list[int] = []
    report = run_source(LiveService(pipeline), camera, lambda result, frame: seen.append(frame.index),
                        max_frames=12, backoff=Backoff(0.01, 2.0, 0.02))
    assert camera.opens >= 3 and report.processed == 12 and report.state is SourceState.ENDED
    assert seen == sorted(seen) and report.ok


def test_live_source_that_stays_away_fails_after_the_attempts(pipeline: FacePipeline) -> None:
    camera = FlakyCamera(fail=frozenset(range(3, 1000)), opens_left=1)
    report = run_source(LiveService(pipeline), camera, lambda result, frame: None, backoff=Backoff(0.01, 2.0, 0.02),
                        max_attempts=3)
    assert report.state is SourceState.FAILED and "stopped sending frames" in report.message
    assert report.frames == 2 and not report.ok


def test_missing_camera_fails_clearly(capsys, basedir) -> None:
    assert VideoCaptureSource(97).is_live
    code = main(["recognize", "--camera", "97", "--json", "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "no camera found at index 97" in err


@pytest.mark.parametrize("max_frames", [1, 5])
def test_max_frames_stops_a_file_early_without_a_truncation_warning(pipeline: FacePipeline, tmp_path,
                                                                    max_frames: int) -> None:
    import cv2

    path = tmp_path / "grey.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), i * 20, np.uint8))
    writer.release()
    stamps: list[float] = []
    report = run_source(LiveService(pipeline), VideoCaptureSource(str(path)),
                        lambda result, frame: stamps.append(result.frame.timestamp), max_frames=max_frames)
    assert report.processed == max_frames and not report.truncated and report.ok
    assert np.allclose(np.diff(stamps), 0.1)  # the file's own clock, whatever the machine's speed
