"""Per-track stages: the hook API through which liveness, access control and others join live recognition.

A *stage* is any object with a ``name``, a ``phase`` and ``__call__(ctx) -> StageOutcome | None``
(see :class:`TrackStage`). The live service calls its stages in order, for every tracked face on
every processed frame:

* :attr:`Phase.GATE` stages run after identification and **before** the attendance desk. They may
  annotate the face (``extras``) and **veto** the look (``veto="reason"``): a vetoed look never
  reaches the desk, so it cannot count towards a check-in. With ``report=EventKind.REJECTED`` the
  service also stores one event for the track (note = the reason, with the evidence crop), at most
  once per track and stage, and returns it with the frame's events (e.g. "spoof suspected").
* :attr:`Phase.DECISION` stages run **after** the desk. They see ``ctx.confirmed`` (the person the
  desk's consensus confirmed on this track, also while that person's check-in is held back by the
  cooldown) and ``ctx.events`` (what was stored for this track on this frame); e.g. a door
  decision that drives a relay. Their ``veto`` is ignored (nothing is left to veto).

``extras`` are JSON-friendly values merged into the track's extras (later stages and later frames
overwrite keys; ``None`` removes a key). They are sticky per track: every later
:class:`~faceapp.vision.tracker.FaceResult` of the track carries them (the GUI overlay's data),
and ``faceapp recognize --json`` prints them under ``"extras"``. Name keys after the stage, e.g.
``{"liveness": 0.93}`` or ``{"door": "front", "access": "granted"}``.

Stages run on the recognition thread: they must be quick (a few ms per face) or do their heavy
work only on ``ctx.fresh`` looks, and must not touch Qt. An exception in a stage is logged and
counted as no outcome (the frame goes on). Stages keeping per-track state may define
``forget(track_ids)``; the service calls it with the ids of tracks that ended.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable

import numpy as np

from faceapp.records import Event, EventKind, Identification


class Phase(str, Enum):
    """Where a stage runs relative to the attendance desk."""

    GATE = "gate"  # before the desk: may veto a look
    DECISION = "decision"  # after the desk: sees the confirmed person and the stored events


@dataclass
class TrackContext:
    """What a stage sees of one tracked face on one processed frame. Treat it as read-only.

    Attributes:
        camera: the desk's camera name.
        track_id: the tracker's id (unique for the service's lifetime).
        timestamp: the frame's capture time, seconds since the epoch (UTC).
        frame_index: the frame's running number.
        image: the whole frame, (H, W, 3) uint8 BGR; shared, never modify it.
        box: ``x1, y1, x2, y2`` in image pixels (smoothed by the tracker).
        landmarks: (5, 2) float32 points (eyes, nose, mouth corners).
        quality: cheap 0..1 view quality (:func:`~faceapp.vision.tracker.view_quality`).
        identification: the track's latest identification (``None``: not identified).
        fresh: True when ``identification`` was computed on this very frame.
        model: the embedding model that produced ``identification``.
        extras: the track's extras so far, including earlier stages' on this frame.
        vetoed: the reason of the first gate that vetoed this look, else ``None``.
        confirmed: (DECISION phase) the person the desk confirmed on this track, else ``None``.
        events: (DECISION phase) events stored for this track on this frame.
    """

    camera: str
    track_id: int
    timestamp: float
    frame_index: int
    image: np.ndarray
    box: tuple[float, float, float, float]
    landmarks: np.ndarray
    quality: float
    identification: Identification | None
    fresh: bool
    model: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    vetoed: str | None = None
    confirmed: int | None = None
    events: tuple[Event, ...] = ()
    _chip: np.ndarray | None = field(default=None, repr=False)

    def chip(self) -> np.ndarray:
        """The aligned (112, 112, 3) uint8 BGR face chip (ArcFace template), made on first use."""
        if self._chip is None:
            from faceapp.vision.align import align_faces

            self._chip = align_faces(self.image, self.landmarks[None], 112)[0]
        return self._chip


@dataclass(frozen=True)
class StageOutcome:
    """What a stage says about one look.

    Attributes:
        extras: fields to add to the track's result (JSON-friendly; ``None`` removes a key).
        veto: GATE phase only: this look must not count for a check-in; the reason, for logs and notes.
        report: with ``veto``: store one event of this kind for the track (e.g. ``EventKind.REJECTED``),
            at most once per track and stage; its note is the veto reason.
    """

    extras: Mapping[str, Any] = field(default_factory=dict)
    veto: str | None = None
    report: EventKind | None = None


@runtime_checkable
class TrackStage(Protocol):
    """A per-track step of the live service (see the module docstring)."""

    name: str
    phase: Phase

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        """Look at one tracked face; ``None`` means nothing to add."""
        ...


class Stage:
    """Convenience base class: a named stage with a phase and a no-op :meth:`forget`."""

    name: str = "stage"
    phase: Phase = Phase.GATE

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:  # pragma: no cover - overridden
        return None

    def forget(self, track_ids: Collection[int]) -> None:
        """Drop per-track state of tracks that ended."""
        del track_ids
