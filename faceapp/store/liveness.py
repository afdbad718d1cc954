"""Liveness evidence stored with events: "spoof suspected" events and the scores behind them.

A suspected spoof is stored as a :attr:`~faceapp.records.EventKind.REJECTED` event (note
:data:`SPOOF_NOTE` ...) with its evidence snapshot, plus one row in the ``liveness`` table
(schema step v5) holding the scores; both in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from faceapp.records import Event
from faceapp.store.events import Events

#: The note of a "spoof suspected" event starts with this (the Attendance page's filter uses the table).
SPOOF_NOTE = "spoof suspected"
#: The Attendance page's "Spoof suspected" filter value (REJECTED events with spoof evidence).
SPOOF_KIND = "spoof_suspected"


@dataclass(frozen=True)
class LivenessEvidence:
    """The scores behind a liveness verdict on one track."""

    verdict: str  # "live", "spoof" or "pending"
    score: float | None
    threshold: float
    mode: str  # "off", "log" or "block"
    frames: int
    challenge: str = ""  # "", "passed", "failed" or "pending"
    frame_scores: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "score": self.score, "threshold": self.threshold, "mode": self.mode,
                "frames": self.frames, "challenge": self.challenge, "frame_scores": list(self.frame_scores)}


def record(events: Events, event: Event, evidence: LivenessEvidence, snapshot: np.ndarray | bytes | None = None,
           actor: str = "desk") -> Event:
    """Store ``event`` (with its snapshot) and its liveness evidence together: both or neither.

    When the evidence row cannot be written, the event is rolled back and its snapshot file removed.
    """
    stored: Event | None = None
    try:
        with events.database.transaction() as db:
            stored = events.add(event, snapshot=snapshot, actor=actor)
            attach(db, stored.id, evidence)  # type: ignore[arg-type]
    except BaseException:
        if stored is not None and stored.snapshot:
            events.delete_files([stored.snapshot])
        raise
    return stored


def attach(db: Any, event_id: int, evidence: LivenessEvidence) -> None:
    """Insert the evidence row of an event inside an open transaction (``db`` from ``transaction()``)."""
    db.execute(
        "INSERT OR REPLACE INTO liveness (event_id, verdict, score, threshold, mode, frames, challenge, frame_scores) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, evidence.verdict, evidence.score, evidence.threshold, evidence.mode, evidence.frames,
         evidence.challenge, json.dumps([round(float(s), 5) for s in evidence.frame_scores])),
    )


def evidence_for(events: Events, event_ids: Iterable[int]) -> dict[int, LivenessEvidence]:
    """The stored evidence of these events (events without any are absent)."""
    ids = list(event_ids)
    found: dict[int, LivenessEvidence] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = events.database.query(
            f"SELECT * FROM liveness WHERE event_id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
        for row in rows:
            found[int(row["event_id"])] = LivenessEvidence(
                row["verdict"], row["score"], row["threshold"], row["mode"], row["frames"], row["challenge"],
                tuple(json.loads(row["frame_scores"] or "[]")))
    return found


def spoof_event_ids(events: Events, candidates: Sequence[int] | None = None) -> set[int]:
    """Ids of events judged spoofed (optionally only among ``candidates``)."""
    if candidates is None:
        rows = events.database.query("SELECT event_id FROM liveness WHERE verdict = 'spoof'")
        return {int(r["event_id"]) for r in rows}
    return {i for i, e in evidence_for(events, candidates).items() if e.verdict == "spoof"}
