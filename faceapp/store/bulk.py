"""Bulk enrolment: photos read, decoded, detected and embedded ahead, enrolled in order.

:class:`Prefetch` runs two threads ahead of the caller: one reads and decodes the photos (OpenCV
releases the GIL), one runs the face pipeline on them (ONNX Runtime releases it too), while the
caller's thread writes. The caller then enrols each photo with the ordinary
:meth:`Enroller.enrol_photo <faceapp.store.enrol.Enroller.enrol_photo>` — every decision (which face,
quality gate, resemblance, already-enrolled photos) is the one-by-one path's own code — through an
enroller whose pipeline answers ``load``/``process`` from the work done ahead. A photo whose file
is already enrolled is not decoded ahead at all (re-running an import costs file reads only).

:meth:`Prefetch.ready` also groups the writes: one transaction per ``batch`` photos (committed
early at each new folder), so a killed import loses at most the batch in flight and a re-run
resumes where the committed photos end.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import queue
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from faceapp.errors import FaceAppError
from faceapp.store.db import Database
from faceapp.store.gallery import Gallery
from faceapp.vision.imageio import read_file
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.types import Faces

log = logging.getLogger(__name__)

T = TypeVar("T")
_DONE = object()


class _Prepared:
    """A stand-in for the pipeline: ``load`` and ``process`` come from the work done ahead."""

    def __init__(self, pipeline: FacePipeline) -> None:
        self._pipeline = pipeline
        self._lock = threading.Lock()
        self._images: dict[str, list[np.ndarray]] = {}  # sha256 of the file -> decoded images (copies too)
        self._faces: dict[int, tuple[np.ndarray, Faces]] = {}  # id(image) -> (image, faces)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipeline, name)

    def put(self, sha256: str, image: np.ndarray, faces: Faces) -> None:
        with self._lock:
            self._images.setdefault(sha256, []).append(image)
            self._faces[id(image)] = (image, faces)

    def discard(self, sha256: str, image: np.ndarray) -> None:
        """Forget a photo's work if it was not used (e.g. the photo was already enrolled)."""
        with self._lock:
            waiting = self._images.get(sha256, [])
            self._images[sha256] = [w for w in waiting if w is not image]
            if not self._images[sha256]:
                del self._images[sha256]
            self._faces.pop(id(image), None)

    def load(self, path: str | Path | bytes) -> np.ndarray:
        if isinstance(path, bytes):
            sha256 = hashlib.sha256(path).hexdigest()
            with self._lock:
                waiting = self._images.get(sha256)
                image = waiting.pop(0) if waiting else None
                if waiting is not None and not waiting:
                    del self._images[sha256]
            if image is not None:
                return image
        return self._pipeline.load(path)

    def process(self, image: np.ndarray, embed: bool = True) -> Faces:
        with self._lock:
            entry = self._faces.pop(id(image), None)
        if entry is not None and entry[0] is image and embed:
            return entry[1]
        return self._pipeline.process(image, embed)


class Prefetch:
    """Decode and run the models ahead of enrolment.

    Args:
        pipeline: the face pipeline.
        paths: the photos, in the order they will be enrolled.
        known_sha256: sha256 of files already enrolled (not decoded ahead).
        batch: photos per transaction.
        ahead: decoded photos kept waiting at most (bounds memory).
        workers: threads running the pipeline (ONNX Runtime sessions take concurrent runs).
    """

    def __init__(self, pipeline: FacePipeline, paths: Sequence[Path], known_sha256: Iterable[str] = (),
                 batch: int = 16, ahead: int = 48, workers: int = 2) -> None:
        self.pipeline = pipeline
        self.batch = max(1, batch)
        self.prepared = _Prepared(pipeline)
        self._paths = list(paths)
        self._known = set(known_sha256)
        self._decoded: queue.Queue[Any] = queue.Queue(maxsize=max(ahead, self.batch))
        self._done: dict[int, threading.Event] = {i: threading.Event() for i in range(len(self._paths))}
        self._readers: list[Generator[Any, None, None]] = []
        self._work: dict[int, tuple[str, np.ndarray]] = {}  # job -> its prepared photo, until enrolled
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._decode, name="import-decode", daemon=True)] + [
            threading.Thread(target=self._infer, name=f"import-infer-{n}", daemon=True) for n in range(workers)]

    @classmethod
    def for_gallery(cls, pipeline: FacePipeline, gallery: Gallery, paths: Sequence[Path], **kwargs: Any) -> Prefetch:
        """A prefetch that skips the files already enrolled in ``gallery``."""
        known = [r[0] for r in gallery.database.rows(
            "SELECT DISTINCT source_sha256 FROM templates WHERE source_sha256 IS NOT NULL")]
        return cls(pipeline, paths, known, **kwargs)

    def __enter__(self) -> Prefetch:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for reader in self._readers:  # an abandoned loop: roll back its open transaction now
            reader.close()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def enroller(self, enroller: T) -> T:
        """A copy of ``enroller`` whose pipeline answers from the work done ahead."""
        twin = copy.copy(enroller)
        twin.pipeline = self.prepared  # type: ignore[attr-defined]
        return twin

    def ready(self, jobs: Sequence[tuple[T, Path]], database: Database | None = None) -> Iterator[tuple[T, Path]]:
        """``jobs`` (group, photo) in order, each once its photo is prepared (or failed to be).

        With ``database``, the caller's writes are grouped in one transaction per :attr:`batch`
        photos of a group, committed before the first photo of the next group (which is yielded
        outside any transaction) and at the end.
        """
        if [p for _, p in jobs] != self._paths:
            raise ValueError("jobs must list the prefetched photos in the same order")
        reader = self._ready(jobs, database)
        self._readers.append(reader)
        return reader

    def _ready(self, jobs: Sequence[tuple[T, Path]],
               database: Database | None) -> Generator[tuple[T, Path], None, None]:
        transaction, group, count = None, object(), 0
        try:
            for i, (key, path) in enumerate(jobs):
                self._done[i].wait()
                if database is not None and (key != group or count >= self.batch) and transaction is not None:
                    transaction.__exit__(None, None, None)
                    transaction = None
                if database is not None and transaction is None and key == group:
                    # The first photo of a group runs outside: the caller may finish the previous
                    # group first (e.g. drop a person left without faces, which vacuums).
                    transaction, count = database.transaction(), 0
                    transaction.__enter__()
                group, count = key, count + 1
                yield key, path
                work = self._work.pop(i, None)
                if work is not None:
                    self.prepared.discard(*work)
        except BaseException as exc:
            if transaction is not None:
                transaction.__exit__(type(exc), exc, exc.__traceback__)
                transaction = None
            raise
        finally:
            if transaction is not None:
                transaction.__exit__(None, None, None)

    # -- threads -------------------------------------------------------------------------------
    def _decode(self) -> None:
        for i, path in enumerate(self._paths):
            if self._stop.is_set():
                break
            item: tuple[int, str, np.ndarray] | int = i
            try:
                data = read_file(path)
                sha256 = hashlib.sha256(data).hexdigest()
                if sha256 not in self._known:
                    item = (i, sha256, self.pipeline.load(data))
            except FaceAppError:
                pass  # enrol_photo meets the same error and reports it
            except Exception:  # a bug here must not hang the import: enrol_photo retries
                log.exception("preparing photo %d failed", i)
            self._put(item)
        for _ in self._threads[1:]:
            self._put(_DONE)

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._decoded.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _infer(self) -> None:
        """Run the pipeline on decoded photos, one per call.

        One photo per model call: on the CPU, one detector call for 16 same-size LFW photos took
        1.3-2x as long per photo as 16 calls, and a whole ``process_batch`` 2-5x; and the faces
        are then bit-identical to the one-by-one path's.
        """
        while not self._stop.is_set():
            try:
                item = self._decoded.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is _DONE:
                return
            if isinstance(item, int):
                self._done[item].set()
                continue
            i, sha256, image = item
            try:
                self.prepared.put(sha256, image, self.pipeline.process(image))
                self._work[i] = (sha256, image)
            except Exception:  # enrol_photo runs the pipeline itself and reports
                log.exception("preparing photo %d failed; it is processed again when enrolled", i)
            self._done[i].set()
