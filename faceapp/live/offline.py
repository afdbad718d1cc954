"""The courier: delivers a desk's outbox to the shared server, retrying with backoff on its own thread.

A desk on a PostgreSQL server queues its live events in its :class:`~faceapp.store.outbox.Outbox`
while the server is unreachable, and while older queued events still wait (so that the server
receives them in time order). The courier's thread runs only while there is something to do: it
probes the server (``PostgresDatabase.probe``) with exponential backoff while it is unreachable,
delivers the queue as soon as it answers, and ends when the queue is empty and the server
reachable. While it runs, the database fails other requests at once instead of letting the live
thread wait for the server (``PostgresDatabase.probing``). Nothing here runs on the GUI thread.

Two more jobs run on the same thread: ``before_delivery`` (the gallery follows the server's changes,
so people removed elsewhere during the outage are purged here before anything queued is delivered),
and, every :data:`REFRESH_S` seconds while the server answers, ``refresh`` (the desk's local copy of
the check-ins the desk rules use, for a start while the server is unreachable).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faceapp.capture.sources import Backoff
from faceapp.errors import StorageError
from faceapp.store.events import Events
from faceapp.store.outbox import Delivery, Outbox, Resolver

log = logging.getLogger(__name__)

PROBE_BACKOFF = Backoff(initial=0.5, factor=2.0, maximum=5.0)
REFRESH_S = 60.0  # how often the local copy of the server's check-ins is refreshed while online


@dataclass(frozen=True)
class OfflineStatus:
    """What a desk shows about the server: unreachable since when, events queued, delivered so far."""

    offline_since: datetime | None
    queued: int
    delivered: int


class Courier:
    """Delivers one outbox to the events store (thread-safe; see the module docstring).

    Args:
        outbox: the desk's outbox.
        events: the events store on the server.
        resolve: re-applies the desk rules to a queued check-in/out at delivery.
        actor: who delivers, for the audit log.
        backoff: delays between probes while the server is unreachable.

    Attributes:
        before_delivery: runs when the server answers, before the queue is delivered.
        refresh: runs every ``refresh_s`` seconds while the server answers (and at the first chance),
            and soon after ``changes`` (a counter, e.g. of the events this desk recorded) moved.
    """

    def __init__(self, outbox: Outbox, events: Events, resolve: Resolver, actor: str = "desk",
                 backoff: Backoff = PROBE_BACKOFF) -> None:
        self.outbox = outbox
        self.events = events
        self.resolve = resolve
        self.actor = actor
        self.backoff = backoff
        self.delivered = 0
        self.last: Delivery | None = None
        self._queued = len(outbox)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.before_delivery: Callable[[], object] | None = None
        self.refresh: Callable[[], object] | None = None
        self.refresh_s = REFRESH_S
        self.changes: Callable[[], int] | None = None
        self._refreshed_at: float | None = None
        self._refreshed_for: int | None = None

    @property
    def database(self) -> Any:
        return self.events.database

    @property
    def offline_since(self) -> datetime | None:
        """When the server became unreachable (aware UTC), None while it answers."""
        return getattr(self.database, "offline_since", None)

    @property
    def queued(self) -> int:
        """Events waiting in the outbox."""
        return self._queued

    def status(self) -> OfflineStatus:
        return OfflineStatus(self.offline_since, self._queued, self.delivered)

    @property
    def must_queue(self) -> bool:
        """New events go to the outbox: the server is unreachable or older events still wait."""
        return self._queued > 0 or self.offline_since is not None

    def queued_one(self) -> None:
        """An event was just queued: count it and make sure the thread runs."""
        with self._lock:
            self._queued += 1
        self.tend()

    @property
    def refresh_due(self) -> bool:
        """The server answers and the local copy was not refreshed for ``refresh_s`` seconds."""
        if self.refresh is None or self.offline_since is not None or self._stop.is_set():
            return False
        if self.changes is not None and self.changes() != self._refreshed_for:
            return True
        return self._refreshed_at is None or time.monotonic() - self._refreshed_at >= self.refresh_s

    def mark_refreshed(self) -> None:
        """``refresh`` was just done by the caller: the next one is due in ``refresh_s`` seconds."""
        self._refreshed_at = time.monotonic()
        self._refreshed_for = self.changes() if self.changes is not None else None

    def tend(self) -> None:
        """Start the delivery thread when there is work (cheap; called on every processed frame)."""
        if not (self.must_queue or self.refresh_due) or getattr(self.database, "closed", False):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._wake.set()
                return
            self._stop.clear()  # after close(): a service that goes on using this desk may start it again
            self._idle.clear()
            self._thread = threading.Thread(target=self._run, name="faceapp-courier", daemon=True)
            self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the thread has nothing left to do (queue delivered); False on timeout."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (what is still queued stays in the outbox for the next start)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def deliver_now(self) -> Delivery:
        """One delivery attempt on the calling thread (the thread does this by itself)."""
        report = self.outbox.deliver(self.events, self.resolve, self.actor)
        with self._lock:  # counted again under the lock queued_one() takes: never fewer than are queued
            self._queued = len(self.outbox)
            self.delivered += report.stored
        self.last = report
        return report

    # -- the thread ----------------------------------------------------------------------------------
    def _run(self) -> None:
        probing = getattr(self.database, "probing", None)
        guard: AbstractContextManager[Any] = probing() if probing is not None else nullcontext()
        try:
            with guard:
                self._loop()
        except Exception:  # a bug: log it; the queue stays on disk for the next start
            log.exception("outbox delivery failed")
        finally:
            with self._lock:
                if self._thread is None or self._thread is threading.current_thread():
                    self._thread = None
                    self._idle.set()

    def _finished(self) -> bool:
        """Whether to end the thread; decided under the lock so that tend() then starts a new one."""
        with self._lock:
            if self._stop.is_set() or not (self.must_queue or self.refresh_due) or getattr(
                    self.database, "closed", False):
                if self._thread is threading.current_thread():
                    self._thread = None
                return True
            return False

    def _loop(self) -> None:
        attempt = 0
        while not self._finished():
            if self.offline_since is not None and not self.database.probe():
                attempt += 1
                self._wake.wait(self.backoff.delay(attempt))
                self._wake.clear()
                continue
            if self.refresh_due:
                self.mark_refreshed()
                self._run_hook(self.refresh, "refreshing the local copy of the server's check-ins")
            if not self.must_queue:
                continue
            self._run_hook(self.before_delivery, "following the server's changes before delivery")
            report = self.deliver_now()
            if report.error is not None:
                attempt += 1
                self._wake.wait(self.backoff.delay(attempt))
                self._wake.clear()
            else:
                attempt = 0

    @staticmethod
    def _run_hook(hook: Callable[[], object] | None, what: str) -> None:
        if hook is None:
            return
        try:
            hook()
        except StorageError as exc:  # the server went away again: the next round tries again
            log.info("%s failed: %s", what, exc)
