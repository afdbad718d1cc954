"""Frame sources: webcams, video files, network streams and image-folder slideshows.

Every source has the same small interface (:class:`FrameSource`): ``open`` / ``read`` / ``close``,
a ``name`` for the user and ``is_live``. :class:`SourceReader` drives one source: it paces files
and slideshows at their frame rate, reconnects live sources with exponential backoff when reads
fail, and reports its :class:`SourceState`. :class:`LatestSlot` hands frames between threads so
that the newest frame always wins and a slow consumer never builds a backlog.

Qt-free: the GUI's capture worker only runs a reader in a thread and forwards what it reports.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Generic, TypeVar

import cv2
import numpy as np

from faceapp.errors import CameraError, ImageError
from faceapp.vision.imageio import is_image_path, load_image

log = logging.getLogger(__name__)

T = TypeVar("T")


class SourceState(str, Enum):
    """What a source is doing, as shown to the user."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    FAILED = "failed"


@dataclass(frozen=True)
class Frame:
    """One captured frame.

    Attributes:
        image: (H, W, 3) uint8 BGR pixels.
        timestamp: wall-clock capture time, seconds since the epoch.
        index: running number of the frame since the reader started.
    """

    image: np.ndarray
    timestamp: float
    index: int


class FrameSource(ABC):
    """Anything that produces BGR frames."""

    name: str = "source"
    is_live: bool = False
    #: Frames per second to pace playback at; ``0`` means as fast as the device delivers.
    fps: float = 0.0

    @abstractmethod
    def open(self) -> None:
        """Connect to the device or file. Raises :class:`CameraError` when that is impossible."""

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next (H, W, 3) uint8 BGR frame; ``None`` at the end of a file or slideshow.

        Raises:
            CameraError: the device stopped delivering frames (live sources reconnect).
        """

    @abstractmethod
    def close(self) -> None:
        """Release the device; safe to call more than once."""


class VideoCaptureSource(FrameSource):
    """A webcam index, a video file or an RTSP/HTTP URL, read with OpenCV.

    Network streams get open and read timeouts (``timeout_ms``), so a dead camera makes a read
    fail (and the reader reconnect) instead of blocking the capture thread for a long time.
    """

    def __init__(self, target: int | str, name: str | None = None, timeout_ms: int = 5000) -> None:
        self.target = target
        self.is_live = not isinstance(target, str) or "://" in target
        self.name = name or (f"camera {target}" if isinstance(target, int) else str(target))
        self.timeout_ms = timeout_ms
        self._cap: cv2.VideoCapture | None = None

    def open(self) -> None:
        """Open the device, file or stream; :class:`CameraError` says what to do otherwise."""
        self.close()
        if isinstance(self.target, str) and not self.is_live and not Path(self.target).is_file():
            raise CameraError(f"{self.target}: no such video file — check the path")
        if isinstance(self.target, str) and self.is_live:
            ms = self.timeout_ms
            timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
            cap = cv2.VideoCapture(self.target, cv2.CAP_ANY, timeouts)
        else:
            cap = cv2.VideoCapture(self.target)
        if not cap.isOpened():
            cap.release()
            raise CameraError(self._open_problem())
        self._cap = cap
        if not self.is_live:
            fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            self.fps = fps if 1.0 <= fps <= 240.0 else 25.0

    def _open_problem(self) -> str:
        if isinstance(self.target, int):
            return f"no camera found at index {self.target} — open a video file or URL instead"
        if self.is_live:
            return f"cannot connect to {self.target} — check the address, the network and the camera"
        return f"{self.target}: cannot read this video (unsupported format or damaged file)"

    def read(self) -> np.ndarray | None:
        """Next frame; ``None`` at the end of a file."""
        if self._cap is None:
            raise CameraError(f"{self.name} is not open")
        ok, image = self._cap.read()
        if ok and image is not None:
            return image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        if self.is_live:
            raise CameraError(f"{self.name} stopped sending frames")
        return None

    def close(self) -> None:
        """Release the capture device."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource(FrameSource):
    """Photos from a folder (or one photo) played as a slideshow, for demos and tests.

    Each photo is shown for ``seconds_per_image`` at ``fps`` frames per second, so the rest of
    the program sees an ordinary video. Photos that cannot be decoded are skipped with a warning.
    """

    def __init__(
        self, path: str | Path, seconds_per_image: float = 2.0, fps: float = 10.0, loop: bool = True
    ) -> None:
        if seconds_per_image <= 0 or fps <= 0:
            raise CameraError("slideshow timing must be positive (seconds per image and fps)")
        self.path = Path(path)
        self.name = self.path.name or str(self.path)
        self.fps = fps
        self.loop = loop
        self.frames_per_image = max(1, round(seconds_per_image * fps))
        self._files: list[Path] = []
        self._cache: dict[Path, np.ndarray] = {}
        self._position = 0

    def open(self) -> None:
        """List the photos; :class:`CameraError` when there are none."""
        if self.path.is_file():
            files = [self.path] if is_image_path(self.path) else []
        elif self.path.is_dir():
            files = sorted(p for p in self.path.iterdir() if p.is_file() and is_image_path(p))
        else:
            raise CameraError(f"{self.path}: no such file or folder")
        if not files:
            raise CameraError(f"{self.path}: no photos to show (jpg, png, bmp, webp, tif)")
        self._files, self._position = files, 0

    def read(self) -> np.ndarray | None:
        """The current photo; ``None`` after the last one unless looping."""
        while self._files:
            slot = self._position // self.frames_per_image
            if slot >= len(self._files):
                if not self.loop:
                    return None
                self._position, slot = 0, 0
            image = self._image(self._files[slot])
            if image is not None:
                self._position += 1
                return image
            self._files.pop(slot)  # undecodable: drop it and show the next one
            self._position = slot * self.frames_per_image
        raise CameraError(f"{self.path}: none of the photos could be read")

    def _image(self, path: Path) -> np.ndarray | None:
        if path not in self._cache:
            try:
                self._cache[path] = load_image(path)
            except ImageError as exc:
                log.warning("slideshow: skipping %s", exc)
                return None
        return self._cache[path]

    def close(self) -> None:
        """Forget the decoded photos."""
        self._cache.clear()


def open_source(spec: str | int, seconds_per_image: float = 2.0, fps: float = 10.0) -> FrameSource:
    """The right source for what the user typed: camera index, URL, video file, photo or folder.

    The source is created, not opened: call :meth:`FrameSource.open` (or let a reader do it).

    Raises:
        CameraError: ``spec`` is a path that does not exist.
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return VideoCaptureSource(int(spec))
    text = spec.strip()
    if "://" in text:
        return VideoCaptureSource(text)
    path = Path(text).expanduser()
    if path.is_dir() or (path.is_file() and is_image_path(path)):
        return ImageFolderSource(path, seconds_per_image, fps)
    if path.is_file():
        return VideoCaptureSource(str(path))
    raise CameraError(f"{text}: no such file, folder or camera — give a camera number, a path or a URL")


@dataclass(frozen=True)
class Backoff:
    """Exponential delays between reconnection attempts, in seconds."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 10.0

    def delay(self, attempt: int) -> float:
        """Delay before attempt number ``attempt`` (1-based)."""
        return min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))


StateCallback = Callable[[SourceState, str], None]


class SourceReader:
    """Reads one source until it ends, fails for good, or ``stop`` is set.

    Opening fails at once (state FAILED) so a missing camera is reported, not retried silently.
    A live source that stops delivering after it worked is reconnected with :class:`Backoff`
    (state RECONNECTING) up to ``max_attempts`` times in a row (``None``: for ever). Files and
    slideshows are paced at their ``fps``; a failed read there is final.
    """

    def __init__(
        self,
        source: FrameSource,
        on_state: StateCallback | None = None,
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
    ) -> None:
        self.source = source
        self.backoff = backoff or Backoff()
        self.max_attempts = max_attempts
        self.state = SourceState.CONNECTING
        self._on_state = on_state
        self._index = 0

    def run(self, on_frame: Callable[[Frame], None], stop: threading.Event) -> SourceState:
        """Deliver frames to ``on_frame`` until the end; return the final state."""
        self._set(SourceState.CONNECTING, f"opening {self.source.name}…")
        try:
            self.source.open()
        except CameraError as exc:
            return self._set(SourceState.FAILED, str(exc))
        self._set(SourceState.LIVE, self.source.name)
        try:
            return self._loop(on_frame, stop)
        finally:
            self.source.close()

    def _loop(self, on_frame: Callable[[Frame], None], stop: threading.Event) -> SourceState:
        interval = 1.0 / self.source.fps if self.source.fps > 0 else 0.0
        deadline = time.monotonic()
        while not stop.is_set():
            try:
                image = self.source.read()
            except CameraError as exc:
                if not self.source.is_live or not self._reconnect(str(exc), stop):
                    return self._final(stop, str(exc))
                deadline = time.monotonic()
                continue
            if image is None:
                return self._set(SourceState.ENDED, f"{self.source.name}: end of video")
            on_frame(Frame(image, time.time(), self._index))
            self._index += 1
            if interval:
                deadline = max(deadline + interval, time.monotonic() - interval)
                stop.wait(max(0.0, deadline - time.monotonic()))
        return self._set(SourceState.ENDED, "stopped")

    def _reconnect(self, problem: str, stop: threading.Event) -> bool:
        """Try to reopen a live source; True once it works again."""
        attempt = 0
        while self.max_attempts is None or attempt < self.max_attempts:
            attempt += 1
            delay = self.backoff.delay(attempt)
            message = f"{problem} — reconnecting in {delay:.1f} s (attempt {attempt})"
            self._set(SourceState.RECONNECTING, message)
            self.source.close()
            if stop.wait(delay):
                return False
            try:
                self.source.open()
            except CameraError as exc:
                problem = str(exc)
                continue
            self._set(SourceState.LIVE, self.source.name)
            return True
        return False

    def _final(self, stop: threading.Event, problem: str) -> SourceState:
        if stop.is_set():
            return self._set(SourceState.ENDED, "stopped")
        return self._set(SourceState.FAILED, problem)

    def _set(self, state: SourceState, message: str) -> SourceState:
        self.state = state
        log.info("source %s: %s (%s)", self.source.name, state.value, message)
        if self._on_state is not None:
            self._on_state(state, message)
        return state


class LatestSlot(Generic[T]):
    """A one-item mailbox between threads: ``put`` replaces, ``take`` empties.

    The producer never blocks and the consumer always gets the newest item, so a slow consumer
    skips stale items instead of queueing them. ``dropped`` counts the items never taken.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._has_item = False
        self._closed = False
        self.dropped = 0

    def put(self, item: T) -> None:
        """Store ``item``, discarding any item not yet taken."""
        with self._cond:
            if self._has_item:
                self.dropped += 1
            self._item, self._has_item = item, True
            self._cond.notify()

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to ``timeout`` seconds; ``None`` if none came or closed."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._has_item or self._closed, timeout):
                return None
            item, self._item, self._has_item = self._item, None, False
            return item

    def close(self) -> None:
        """Wake any waiting consumer; later ``take`` calls return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
