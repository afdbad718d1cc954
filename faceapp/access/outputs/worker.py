"""Drives door outputs off the recognition path: a worker thread with a bounded queue.

Recognition only calls :meth:`OutputWorker.submit`, which never blocks: a slow or dead relay delays
nothing but its own queue. Each pulse gets a timeout and a bounded number of retries (with a short
growing pause); when all fail, ``on_fault(door, message)`` is called (the live service records a
**door fault** event). A full queue is a fault too, rather than a late door opening.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from faceapp.access.model import Door
from faceapp.access.outputs import Output, OutputError, Pulse, parse_output

log = logging.getLogger(__name__)

FaultHandler = Callable[[Door, str], object]  # its result is ignored (Journal.fault returns the event)
DoneHandler = Callable[[Door, Pulse], None]


@dataclass
class WorkerStats:
    """What the worker did so far (read from any thread; counts only grow)."""

    sent: int = 0
    failed: int = 0
    attempts: int = 0
    dropped: int = 0
    faults: list[str] = field(default_factory=list)


class OutputWorker:
    """One thread that opens doors in order.

    Args:
        on_fault: called (on the worker thread) when a pulse failed after all retries.
        on_done: called (on the worker thread) after a pulse was delivered.
        timeout: seconds allowed to each attempt.
        retries: further attempts after the first failure.
        backoff: seconds before the first retry (doubled each time).
        maxsize: pulses waiting at most.
    """

    def __init__(self, on_fault: FaultHandler | None = None, on_done: DoneHandler | None = None, *,
                 timeout: float = 3.0, retries: int = 2, backoff: float = 0.2, maxsize: int = 64) -> None:
        self.on_fault, self.on_done = on_fault, on_done
        self.timeout, self.retries, self.backoff = timeout, max(retries, 0), backoff
        self.stats = WorkerStats()
        self._queue: queue.Queue[tuple[Door, Pulse] | None] = queue.Queue(maxsize)
        self._outputs: dict[tuple[str, str], Output] = {}
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

    def start(self) -> OutputWorker:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="door-outputs", daemon=True)
            self._thread.start()
        return self

    def submit(self, door: Door, pulse: Pulse) -> bool:
        """Queue one door opening; never blocks. False (and a fault) when the queue is full."""
        self.start()
        with self._idle:
            self._busy += 1
        try:
            self._queue.put_nowait((door, pulse))
        except queue.Full:
            with self._idle:
                self._busy -= 1
            self.stats.dropped += 1
            self._fault(door, "too many door openings waiting: the output is not keeping up")
            return False
        return True

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted pulse was delivered or faulted (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Finish what is queued (within ``timeout``) and end the thread."""
        if self._thread is None:
            return
        self.wait_idle(timeout)
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            door, pulse = item
            try:
                self._deliver(door, pulse)
            except Exception:
                log.exception("door output of %s failed unexpectedly", door.name)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _deliver(self, door: Door, pulse: Pulse) -> None:
        try:
            output = self._output(door)
        except OutputError as exc:
            self.stats.failed += 1
            self._fault(door, str(exc))
            return
        error: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self.stats.attempts += 1
            try:
                output.fire(pulse, self.timeout)
            except Exception as exc:  # noqa: BLE001 - any failure of the device is a fault, not a crash
                error = exc
                log.warning("door %s: attempt %d of %d failed: %s", door.name, attempt + 1, self.retries + 1, exc)
                continue
            self.stats.sent += 1
            if self.on_done:
                self.on_done(door, pulse)
            return
        self.stats.failed += 1
        self._fault(door, f"{output.describe()}: {error} (after {self.retries + 1} attempts)")

    def _output(self, door: Door) -> Output:
        key = (door.output, repr(sorted(door.output_options.items())))
        if key not in self._outputs:
            self._outputs[key] = parse_output(door.output, door.output_options)
        return self._outputs[key]

    def _fault(self, door: Door, message: str) -> None:
        self.stats.faults.append(message)
        log.error("door fault at %s: %s", door.name, message)
        if self.on_fault:
            try:
                self.on_fault(door, message)
            except Exception:
                log.exception("recording the door fault of %s failed", door.name)
