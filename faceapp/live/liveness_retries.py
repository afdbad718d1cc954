"""Repeated attempts: a person just suspected of a spoof is asked more head turns on the next try.

The directed head turn gives a replayed video at most one chance in two per presentation, and
stepping out of view and back starts a new track with a new draw. So each recent "spoof suspected"
event of the claimed person (within ``window_s``; from the event store, so every desk writing to
the same database counts, else from this desk's memory) adds one more turn, drawn on its own, to the
challenge of that person's next track, up to ``max_extra``. One natural turn in a video then passes
none of the sequences of two turns; a live person who failed once turns twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from faceapp.errors import FaceAppError
from faceapp.records import EventKind
from faceapp.store.events import Events
from faceapp.store.liveness import SPOOF_NOTE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a spoof suspicion counts against a person, and the most turns it can add."""

    window_s: float = 600.0
    max_extra: int = 2


class RecentSpoofs:
    """Counts the recent spoof suspicions of each person."""

    def __init__(self, events: Events | None, policy: RetryPolicy | None = None) -> None:
        self.events = events
        self.policy = policy or RetryPolicy()
        self._memory: dict[int, list[float]] = {}

    def note(self, person_id: int, when: float) -> None:
        """A track claiming ``person_id`` was judged spoofed at ``when`` (seconds since the epoch)."""
        self._memory.setdefault(person_id, []).append(when)

    def count(self, person_id: int, now: float) -> int:
        """Spoof suspicions of ``person_id`` in the window before ``now``."""
        since = now - self.policy.window_s
        remembered = [t for t in self._memory.get(person_id, ()) if since <= t <= now]
        self._memory[person_id] = remembered
        if self.events is None:
            return len(remembered)
        try:
            stored = self.events.list(start=datetime.fromtimestamp(since, timezone.utc),
                                      end=datetime.fromtimestamp(now + 1e-3, timezone.utc),
                                      person_id=person_id, kinds=(EventKind.REJECTED,))
        except FaceAppError as exc:  # a busy or unreachable store must not stop the desk: this desk's memory
            log.warning("liveness: recent spoof events of person %d could not be read (%s)", person_id, exc)
            return len(remembered)
        return max(len(remembered), sum(1 for e in stored if (e.note or "").startswith(SPOOF_NOTE)))

    def extra_turns(self, person_id: int, now: float) -> int:
        """Turns to add to the challenge of ``person_id``'s track starting ``now``."""
        return min(self.count(person_id, now), self.policy.max_extra)
