"""Capture and recognition threads for live video.

Workers own no widgets: they talk to the GUI only through signals carrying plain data. Frames go
from the capture thread to the recognition thread through a :class:`LatestSlot` (the newest frame
wins; a slow recogniser skips frames instead of queueing them). Towards the GUI each worker keeps
at most one frame or result in flight: it sends the next one only after the GUI has acknowledged
the previous one (``frame_shown`` / ``result_shown``), so a busy GUI never builds a backlog either.
Exceptions become user messages; the GUI thread never waits on inference.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from faceapp.capture.sources import Backoff, Frame, FrameSource, LatestSlot, SourceReader, SourceState, open_source
from faceapp.errors import CameraError, FaceAppError
from faceapp.ui.services import DeskHook, Services
from faceapp.vision.tracker import TrackingRecognizer

log = logging.getLogger(__name__)

_BUG = "internal error in {} (a bug): see the log file for details"


class CaptureWorker(QThread):
    """Reads a :class:`FrameSource` on its own thread.

    Signals:
        frame_ready(image, timestamp, index): a BGR frame for display (one in flight at most).
        state_changed(state, message): a :class:`SourceState` value and a sentence for the user.
    """

    frame_ready = Signal(object, float, int)
    state_changed = Signal(str, str)

    def __init__(
        self, source: FrameSource, slot: LatestSlot[Frame], backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.slot = slot
        self.backoff = backoff
        self.frames_read = 0
        self.display_dropped = 0
        self._stop = threading.Event()
        self._display_busy = threading.Event()

    def run(self) -> None:
        """Thread body: read until the source ends, fails or :meth:`stop` is called."""
        reader = SourceReader(self.source, self._on_state, self.backoff)
        try:
            reader.run(self._on_frame, self._stop)
        except FaceAppError as exc:
            self._on_state(SourceState.FAILED, str(exc))
        except Exception:  # a bug: log it, tell the user, keep the GUI alive
            log.exception("capture from %s failed", self.source.name)
            self._on_state(SourceState.FAILED, _BUG.format("video capture"))

    def _on_frame(self, frame: Frame) -> None:
        self.frames_read += 1
        self.slot.put(frame)
        if self._display_busy.is_set():
            self.display_dropped += 1
            return
        self._display_busy.set()
        self.frame_ready.emit(frame.image, frame.timestamp, frame.index)

    def _on_state(self, state: SourceState, message: str) -> None:
        self.state_changed.emit(state.value, message)

    def frame_shown(self) -> None:
        """Called by the GUI once it has drawn the last frame: the next one may be sent."""
        self._display_busy.clear()

    def stop(self) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        self.wait()


class RecognitionWorker(QThread):
    """Runs a :class:`TrackingRecognizer` (and the desk hook) on the newest frame.

    Signals:
        result_ready(FrameResult): faces of the latest processed frame (one in flight at most).
        events_ready(list[Event]): attendance events from the desk hook; never dropped.
        failed(message): something went wrong on a frame; recognition goes on.
    """

    result_ready = Signal(object)
    events_ready = Signal(object)
    failed = Signal(str)

    def __init__(
        self, recognizer: TrackingRecognizer, slot: LatestSlot[Frame], desk: DeskHook | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.recognizer = recognizer
        self.slot = slot
        self.desk = desk
        self.frames_done = 0
        self._stop = threading.Event()
        self._result_busy = threading.Event()
        self._last_error = ""

    def run(self) -> None:
        """Thread body: take the newest frame, process it, repeat until :meth:`stop`."""
        while not self._stop.is_set():
            frame = self.slot.take(timeout=0.2)
            if frame is not None and not self._stop.is_set():
                self._process(frame)

    def _process(self, frame: Frame) -> None:
        try:
            result, sightings = self.recognizer.process(frame.image, frame.timestamp, frame.index)
            events = list(self.desk(sightings, frame.image)) if self.desk and sightings else []
        except FaceAppError as exc:
            self._report(str(exc))
            return
        except Exception:  # a bug: log it, tell the user, keep recognising
            log.exception("recognition failed on frame %d", frame.index)
            self._report(_BUG.format("recognition"))
            return
        self.frames_done += 1
        self._last_error = ""
        if events:
            self.events_ready.emit(events)
        if not self._result_busy.is_set():
            self._result_busy.set()
            self.result_ready.emit(result)

    def _report(self, message: str) -> None:
        if message != self._last_error:  # the same failure on every frame is said once
            self._last_error = message
            self.failed.emit(message)

    def result_shown(self) -> None:
        """Called by the GUI once it has used the last result: the next one may be sent."""
        self._result_busy.clear()

    def stop(self) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        self.slot.close()
        self.wait()


class LiveSession(QObject):
    """One live video source with its capture and recognition threads.

    Re-emits the workers' signals, so the page connects once and sources can change underneath.
    """

    frame_ready = Signal(object, float, int)
    result_ready = Signal(object)
    events_ready = Signal(object)
    state_changed = Signal(str, str)
    failed = Signal(str)

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.capture: CaptureWorker | None = None
        self.recognition: RecognitionWorker | None = None
        self.source_name = ""
        self.source_is_live = False

    def start(self, spec: str | int) -> None:
        """Stop the current source and play ``spec`` (see :func:`open_source`)."""
        opts = self.services.live
        try:
            source = open_source(spec, opts.seconds_per_image, opts.slideshow_fps)
        except CameraError as exc:
            self.stop()
            self.source_name, self.source_is_live = str(spec), False
            self.state_changed.emit(SourceState.FAILED.value, str(exc))
            return
        self.start_source(source)

    def start_source(self, source: FrameSource) -> None:
        """Stop the current source and play ``source``.

        Track ids go on from the previous source's, so the desk never mistakes a new face for
        an old track with the same id.
        """
        first_id = self.recognition.recognizer.tracker.next_id if self.recognition is not None else 1
        self.stop()
        self.source_name, self.source_is_live = source.name, source.is_live
        slot: LatestSlot[Frame] = LatestSlot()
        self.capture = CaptureWorker(source, slot, self.services.live.reconnect, self)
        recognizer = self.services.tracking_recognizer(first_id)
        self.recognition = RecognitionWorker(recognizer, slot, self.services.desk, self)
        self.capture.frame_ready.connect(self._forward_frame)
        self.capture.state_changed.connect(self._forward_state)
        self.recognition.result_ready.connect(self._forward_result)
        self.recognition.events_ready.connect(self.events_ready)  # events are never stale
        self.recognition.failed.connect(self.failed)
        self.recognition.start()
        self.capture.start()

    # Signals still queued from the workers of a previous source are dropped here.
    @Slot(object, float, int)
    def _forward_frame(self, image: object, timestamp: float, index: int) -> None:
        if self.capture is not None and self.sender() is self.capture:
            self.frame_ready.emit(image, timestamp, index)

    @Slot(str, str)
    def _forward_state(self, state: str, message: str) -> None:
        if self.capture is not None and self.sender() is self.capture:
            self.state_changed.emit(state, message)

    @Slot(object)
    def _forward_result(self, result: object) -> None:
        if self.recognition is not None and self.sender() is self.recognition:
            self.result_ready.emit(result)

    def frame_shown(self) -> None:
        """The GUI drew the last frame."""
        if self.capture is not None:
            self.capture.frame_shown()

    def result_shown(self) -> None:
        """The GUI drew the last result."""
        if self.recognition is not None:
            self.recognition.result_shown()

    def stop(self) -> None:
        """Stop both threads and wait for them (quick: reads and inference are short)."""
        for worker in (self.capture, self.recognition):
            if worker is not None:
                worker.stop()
                worker.deleteLater()
        self.capture = self.recognition = None
