"""One slow call at a time on a worker thread, with its result delivered to the GUI thread.

Used for report export, backup and restore validation: the window stays responsive while files
are written. The worker owns no widgets; exceptions become a message (a :class:`FaceAppError`'s
own text, anything else is logged with its traceback as a bug).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from faceapp.errors import FaceAppError

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[str], None]


class Job(QObject):
    """Runs one callable on the thread it was moved to."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self.call = call

    @Slot()
    def run(self) -> None:
        """Call; emit ``finished(result)`` or ``failed(message)``."""
        try:
            result = self.call()
        except FaceAppError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug, but the user must hear about it
            log.exception("background job failed")
            self.failed.emit(f"unexpected error: {exc!r}")
        else:
            self.finished.emit(result)


class JobRunner(QObject):
    """Starts :class:`Job` s one at a time; results arrive on the thread that owns the runner.

    Signals:
        finished(object): the job's result.
        failed(str): why the job failed.
        busy_changed(bool): a job started (True) or ended (False).
    """

    finished = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: Job | None = None
        self._on_done: Done | None = None
        self._on_failed: Failed | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, call: Callable[[], Any], on_done: Done | None = None, on_failed: Failed | None = None) -> bool:
        """Run ``call`` on a new thread; False (nothing started) while another job runs."""
        if self.busy:
            return False
        job, thread = Job(call), QThread(self)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.finished.connect(self._done)  # bound methods of this object: queued to its thread
        job.failed.connect(self._failed)
        job.finished.connect(thread.quit)
        job.failed.connect(thread.quit)
        thread.finished.connect(self._ended)
        self._thread, self._job, self._on_done, self._on_failed = thread, job, on_done, on_failed
        self.busy_changed.emit(True)
        thread.start()
        return True

    def wait(self) -> None:
        """Block until the running job ends (for shutdown)."""
        if self._thread is not None:
            self._thread.wait()

    def _done(self, result: object) -> None:
        if self._on_done is not None:
            self._on_done(result)
        self.finished.emit(result)

    def _failed(self, message: str) -> None:
        if self._on_failed is not None:
            self._on_failed(message)
        self.failed.emit(message)

    def _ended(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
        self._thread, self._job, self._on_done, self._on_failed = None, None, None, None
        self.busy_changed.emit(False)
