"""Capture and recognition threads for live video.

Workers own no widgets: they talk to the GUI only through signals carrying plain data. Frames go
from the capture thread to the recognition thread through a :class:`LatestSlot` (the newest frame
wins; a slow recogniser skips frames instead of queueing them). Towards the GUI each worker keeps
at most one frame or result in flight: it sends the next one only after the GUI has acknowledged
the previous one (``frame_shown`` / ``result_shown``), so a busy GUI never builds a backlog either.
Exceptions become user messages; the GUI thread never waits on inference. The recognition worker
only moves frames into the Qt-free :class:`~faceapp.live.service.LiveService` (tracking,
identification, stages, desk, events) and its results back out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from faceapp.capture.sources import Backoff, Frame, FrameSource, LatestSlot, SourceReader, SourceState, open_source
from faceapp.errors import CameraError, DuplicateFaceError, FaceAppError, SpoofSuspectedError
from faceapp.live.liveness_capture import LiveLook, look_at
from faceapp.live.service import LiveService
from faceapp.store.enrol import Enroller
from faceapp.store.liveness import LivenessEvidence
from faceapp.ui.services import Services
from faceapp.vision.pipeline import FacePipeline

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
    """Runs the :class:`LiveService` on the newest frame.

    Signals:
        result_ready(FrameResult): faces of the latest processed frame (one in flight at most).
        events_ready(list[Event]): events the service stored (check-ins, stage reports); never dropped.
        failed(message): something went wrong on a frame; recognition goes on.
        probe_ready(FaceProbe | None): while :attr:`probing` is set, the largest face of each
            processed frame with its aligned chip and quality figures (``None``: no face), for
            enrolment from the live view.
    """

    result_ready = Signal(object)
    events_ready = Signal(object)
    failed = Signal(str)
    probe_ready = Signal(object)

    def __init__(self, service: LiveService, slot: LatestSlot[Frame], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.slot = slot
        self.frames_done = 0
        self._stop = threading.Event()
        self._result_busy = threading.Event()
        self._last_error = ""
        self._first_face_logged = False
        self.probing = threading.Event()

    def run(self) -> None:
        """Thread body: take the newest frame, process it, repeat until :meth:`stop`."""
        while not self._stop.is_set():
            frame = self.slot.take(timeout=0.2)
            if frame is not None and not self._stop.is_set():
                self._process(frame)

    def _process(self, frame: Frame) -> None:
        try:
            live = self.service.process(frame.image, frame.timestamp, frame.index)
            result, events = live.frame, list(live.events)
        except FaceAppError as exc:
            self._report(str(exc))
            return
        except Exception:  # a bug: log it, tell the user, keep recognising
            log.exception("recognition failed on frame %d", frame.index)
            self._report(_BUG.format("recognition"))
            return
        self.frames_done += 1
        self._last_error = ""
        if result.faces and not self._first_face_logged:
            self._first_face_logged = True
            log.info("first recognition result: %d face(s)", len(result.faces))  # read by bench_startup
        if events:
            self.events_ready.emit(events)
        if not self._result_busy.is_set():
            self._result_busy.set()
            self.result_ready.emit(result)
        if self.probing.is_set():
            self._probe(frame)

    def _probe(self, frame: Frame) -> None:
        try:
            probe = probe_largest_face(self.service.pipeline, frame.image, self.service)
        except FaceAppError as exc:
            self._report(str(exc))
            return
        except Exception:  # a bug: log it, tell the user, keep recognising
            log.exception("enrolment probe failed on frame %d", frame.index)
            self._report(_BUG.format("face capture"))
            return
        self.probe_ready.emit(probe)

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


@dataclass(frozen=True)
class FaceProbe:
    """The largest face of a frame, ready for enrolment: aligned chip, quality figures and, while
    the camera checks liveness, its live score (``live``; ``None`` when liveness is off there)."""

    chip: np.ndarray  # (112, 112, 3) uint8 BGR
    quality: dict[str, float]
    faces: int  # faces on the frame
    live: LiveLook | None = None


def probe_largest_face(pipeline: FacePipeline, image: np.ndarray,
                       service: LiveService | None = None) -> FaceProbe | None:
    """The largest face on ``image`` with chip and quality (no embedding), or ``None``.

    With ``service``, a camera whose liveness mode is not off also scores the face's liveness
    (the passive model, as for a track; see :func:`faceapp.live.liveness_capture.look_at`).
    """
    faces = pipeline.process(image, embed=False)
    if len(faces) == 0 or faces.chips is None or faces.quality is None:
        return None
    i = faces.largest()
    live = look_at(service, image, faces.boxes[i]) if service is not None else None
    return FaceProbe(faces.chips[i].copy(), dict(faces.quality[i]), len(faces), live)


class LiveSession(QObject):
    """One live video source with its capture and recognition threads.

    Re-emits the workers' signals, so the page connects once and sources can change underneath.
    """

    frame_ready = Signal(object, float, int)
    result_ready = Signal(object)
    events_ready = Signal(object)
    state_changed = Signal(str, str)
    failed = Signal(str)
    probe_ready = Signal(object)

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.capture: CaptureWorker | None = None
        self.recognition: RecognitionWorker | None = None
        self.source_name = ""
        self.source_is_live = False
        self._probers = 0

    def set_probing(self, on: bool) -> None:
        """Ask for (or stop asking for) :attr:`probe_ready` faces; calls are counted."""
        self._probers = max(0, self._probers + (1 if on else -1))
        self._apply_probing()

    def _apply_probing(self) -> None:
        if self.recognition is not None:
            if self._probers:
                self.recognition.probing.set()
            else:
                self.recognition.probing.clear()

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
        first_id = self.recognition.service.next_track_id if self.recognition is not None else 1
        self.stop()
        self.source_name, self.source_is_live = source.name, source.is_live
        slot: LatestSlot[Frame] = LatestSlot()
        self.capture = CaptureWorker(source, slot, self.services.live.reconnect, self)
        self.recognition = RecognitionWorker(self.services.live_service(first_id), slot, self)
        self.capture.frame_ready.connect(self._forward_frame)
        self.capture.state_changed.connect(self._forward_state)
        self.recognition.result_ready.connect(self._forward_result)
        self.recognition.events_ready.connect(self.events_ready)  # events are never stale
        self.recognition.failed.connect(self.failed)
        self.recognition.probe_ready.connect(self._forward_probe)
        self._apply_probing()
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

    @Slot(object)
    def _forward_probe(self, probe: object) -> None:
        if self.recognition is not None and self.sender() is self.recognition:
            self.probe_ready.emit(probe)

    def frame_shown(self) -> None:
        """The GUI drew the last frame."""
        if self.capture is not None:
            self.capture.frame_shown()

    def result_shown(self) -> None:
        """The GUI drew the last result."""
        if self.recognition is not None:
            self.recognition.result_shown()

    @property
    def service(self) -> LiveService | None:
        """The live service of the current source, if one is playing."""
        return self.recognition.service if self.recognition is not None else None

    def set_pipeline(self, pipeline: FacePipeline) -> None:
        """Embed with ``pipeline`` from the next frame on (after a model switch); atomic."""
        if self.recognition is not None:
            self.recognition.service.set_pipeline(pipeline)

    def stop(self) -> None:
        """Stop both threads and wait for them (quick: reads and inference are short)."""
        for worker in (self.capture, self.recognition):
            if worker is not None:
                worker.stop()
                worker.deleteLater()
        if self.recognition is not None:
            self.recognition.service.close()
        self.capture = self.recognition = None


@dataclass(frozen=True)
class PhotoOutcome:
    """What happened to one photo of an enrolment batch (plain data for the dialog).

    ``status`` is ``"enrolled"``, ``"already"`` (the same file was enrolled before), ``"duplicate"``
    (the face matches ``other_name``/``other_id``; may be forced) or ``"refused"`` (``reason`` says why).
    """

    path: str
    status: str
    reason: str = ""
    other_id: int | None = None
    other_name: str | None = None
    face: int = 0  # which face of the photo was enrolled (1-based; 0 = not known)
    faces: int = 1  # how many faces the photo showed


class EnrolWorker(QThread):
    """Enrols photo files for one person on its own thread.

    Signals:
        progress(done, total): after each photo.
        photo_done(PhotoOutcome): the outcome of one photo.
    """

    progress = Signal(int, int)
    photo_done = Signal(object)

    def __init__(self, enroller: Enroller, person_id: int, photos: Sequence[str | Path], force: bool = False,
                 actor: str = "gui", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enroller = enroller
        self.person_id = person_id
        self.photos = [str(p) for p in photos]
        self.force = force
        self.actor = actor
        self.outcomes: list[PhotoOutcome] = []
        self._stop = threading.Event()

    def run(self) -> None:
        """Thread body: one photo after another, until done or :meth:`stop`."""
        for n, photo in enumerate(self.photos, 1):
            if self._stop.is_set():
                return
            outcome = self._enrol(photo)
            self.outcomes.append(outcome)
            self.photo_done.emit(outcome)
            self.progress.emit(n, len(self.photos))

    def _enrol(self, photo: str) -> PhotoOutcome:
        try:
            result = self.enroller.enrol_photo(self.person_id, photo, force=self.force, actor=self.actor)
        except DuplicateFaceError as exc:  # the error names whom the face matched
            other = ((exc.other_person_id, exc.other_name) if exc.other_person_id is not None
                     else duplicate_of(self.enroller, photo, self.person_id))
            return PhotoOutcome(photo, "duplicate", str(exc), *(other or (None, None)))
        except FaceAppError as exc:
            return PhotoOutcome(photo, "refused", str(exc))
        except Exception:  # a bug: log it, tell the user, go on with the next photo
            log.exception("enrolling %s failed", photo)
            return PhotoOutcome(photo, "refused", _BUG.format("enrolment"))
        choice = result.choice
        return PhotoOutcome(photo, "already" if result.skipped else "enrolled",
                            face=0 if choice is None or choice.index is None else choice.index + 1,
                            faces=1 if choice is None else choice.faces)

    def stop(self) -> None:
        """Finish after the current photo and wait."""
        self._stop.set()
        self.wait()


def duplicate_of(enroller: Enroller, photo: str, person_id: int) -> tuple[int, str] | None:
    """The other person a photo's face matches (id, name), for the "Enrol anyway" offer."""
    faces = enroller.pipeline.process(enroller.pipeline.load(photo))
    if len(faces) == 0 or faces.embeddings is None:
        return None
    model = enroller.pipeline.info.embedder
    for other, score in enroller.gallery.rank(faces.embeddings[faces.largest()], model=model):
        if other != person_id and score >= enroller.gallery.thresholds.accept:
            return other, enroller.gallery.people.get(other).name
    return None


class ChipEnrolWorker(QThread):
    """Enrols chips captured from the live view (``source="camera"``) on its own thread.

    Signals:
        done(status, message): ``"enrolled"``, ``"duplicate"``, ``"spoof"`` (liveness refused the
            capture) or ``"refused"`` and a sentence.
    """

    done = Signal(str, str)

    def __init__(self, enroller: Enroller, person_id: int, chips: np.ndarray, quality: list[dict[str, float]],
                 force: bool = False, actor: str = "gui", parent: QObject | None = None,
                 liveness: Sequence[LivenessEvidence | None] | None = None) -> None:
        super().__init__(parent)
        self.enroller, self.person_id, self.chips, self.quality = enroller, person_id, chips, quality
        self.force, self.actor, self.liveness = force, actor, liveness

    def run(self) -> None:
        """Thread body: enrol every chip or none."""
        try:
            result = self.enroller.enrol_chips(self.person_id, self.chips, self.quality, force=self.force,
                                               source="camera", actor=self.actor, liveness=self.liveness)
        except DuplicateFaceError as exc:
            self.done.emit("duplicate", str(exc))
            return
        except SpoofSuspectedError as exc:
            self.done.emit("spoof", str(exc))
            return
        except FaceAppError as exc:
            self.done.emit("refused", str(exc))
            return
        except Exception:  # a bug: log it, tell the user
            log.exception("enrolling captured faces failed")
            self.done.emit("refused", _BUG.format("enrolment"))
            return
        self.done.emit("enrolled", str(len(result.template_ids)))
