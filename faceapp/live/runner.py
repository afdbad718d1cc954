"""Driving a live service from a frame source without Qt (``faceapp recognize --video/--camera``).

The source is read by the same :class:`~faceapp.capture.sources.SourceReader` as the GUI's
capture thread, so cameras and streams reconnect with the same backoff. A live source is read on
its own thread and the newest frame wins (as in the GUI); a video file is processed frame by frame
on its own clock (``start + index / fps``), so the result does not depend on the machine's speed.
The :class:`RunReport` says how the source ended: completely, cut short (a truncated file: fewer
frames than its header announces), or failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from faceapp.capture.sources import (
    Backoff,
    Frame,
    FrameSource,
    LatestSlot,
    SourceReader,
    SourceState,
    VideoCaptureSource,
)
from faceapp.live.service import LiveResult, LiveService

log = logging.getLogger(__name__)

OnResult = Callable[[LiveResult, Frame], None]


@dataclass(frozen=True)
class RunReport:
    """How a run ended.

    Attributes:
        frames: frames read from the source.
        processed: frames the service processed (fewer than read on a slow machine with a camera).
        state: ENDED or FAILED.
        message: the source's last message (why it failed or ended).
        expected: frames the video file announces (``None``: unknown or a live source).
    """

    frames: int
    processed: int
    state: SourceState
    message: str
    expected: int | None = None

    @property
    def truncated(self) -> bool:
        """The file ended before the frames it announces (damaged or cut short)."""
        return self.state is SourceState.ENDED and self.expected is not None and self.frames < self.expected

    @property
    def ok(self) -> bool:
        """Something was read and the source did not fail."""
        return self.frames > 0 and self.state is not SourceState.FAILED


class _Unpaced(FrameSource):
    """A file source read as fast as it is processed (the reader paces only by ``fps``)."""

    def __init__(self, inner: FrameSource) -> None:
        self.inner, self.name, self.is_live, self.fps = inner, inner.name, inner.is_live, 0.0

    def open(self) -> None:
        self.inner.open()

    def read(self) -> np.ndarray | None:
        return self.inner.read()

    def close(self) -> None:
        self.inner.close()


def announced_frames(source: FrameSource) -> int | None:
    """The frame count a video file's header announces, when it says one."""
    if not isinstance(source, VideoCaptureSource) or source.is_live or not isinstance(source.target, str):
        return None
    cap = cv2.VideoCapture(source.target)
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if cap.isOpened() else 0
    finally:
        cap.release()
    return count if count > 0 else None


def run_source(service: LiveService, source: FrameSource, on_result: OnResult, *, max_frames: int = 0,
               backoff: Backoff | None = None, stop: threading.Event | None = None,
               max_attempts: int | None = None) -> RunReport:
    """Process ``source`` until it ends, fails, ``max_frames`` were processed or ``stop`` is set."""
    stop = stop or threading.Event()
    states: list[tuple[SourceState, str]] = []

    def on_state(state: SourceState, message: str) -> None:
        states.append((state, message))
        if state is SourceState.RECONNECTING:
            log.warning("%s", message)

    if source.is_live:
        read, processed = _run_live(service, source, on_result, on_state, max_frames, backoff, stop, max_attempts)
    else:
        read = processed = _run_file(service, source, on_result, on_state, max_frames, stop)
    state, message = states[-1] if states else (SourceState.FAILED, "the source never started")
    if max_frames and processed >= max_frames and state is not SourceState.FAILED:
        state, message = SourceState.ENDED, f"stopped after {processed} frames"
        return RunReport(read, processed, state, message)
    return RunReport(read, processed, state, message, announced_frames(source))


def _run_file(service: LiveService, source: FrameSource, on_result: OnResult,
              on_state: Callable[[SourceState, str], None], max_frames: int, stop: threading.Event) -> int:
    done = 0
    start = time.time()

    def on_frame(frame: Frame) -> None:
        nonlocal done
        fps = source.fps if source.fps > 0 else 25.0
        stamped = Frame(frame.image, start + frame.index / fps, frame.index)
        on_result(service.process(stamped.image, stamped.timestamp, stamped.index), stamped)
        done += 1
        if max_frames and done >= max_frames:
            stop.set()

    SourceReader(_Unpaced(source), on_state).run(on_frame, stop)
    return done


def _run_live(service: LiveService, source: FrameSource, on_result: OnResult,
              on_state: Callable[[SourceState, str], None], max_frames: int, backoff: Backoff | None,
              stop: threading.Event, max_attempts: int | None) -> tuple[int, int]:
    slot: LatestSlot[Frame] = LatestSlot()
    reader = SourceReader(source, on_state, backoff, max_attempts)
    read = 0

    def on_frame(frame: Frame) -> None:
        nonlocal read
        read += 1
        slot.put(frame)

    thread = threading.Thread(target=reader.run, args=(on_frame, stop), name="faceapp-capture", daemon=True)
    thread.start()
    done = 0
    try:
        while not (max_frames and done >= max_frames):
            frame = slot.take(timeout=0.2)
            if frame is None:
                if not thread.is_alive():
                    break
                continue
            on_result(service.process(frame.image, frame.timestamp, frame.index), frame)
            done += 1
    finally:
        stop.set()
        slot.close()
        thread.join(timeout=10)
    return read, done
