"""Face tracking across video frames, and the per-frame live recognition step.

:class:`IoUTracker` matches each frame's detections to existing tracks by box overlap (greedy,
best IoU first), keeps track ids stable, smooths boxes and landmarks, and forgets tracks that
have not been seen for a few frames. :class:`TrackingRecognizer` runs the detector on every frame
but embeds a tracked face only when :class:`EmbedPolicy` says so: on every frame until the track's
identity is settled (enough agreeing looks within a time window, or a desk decision), then every
few frames or on a clearly better view. Decisions thus depend on evidence and time, not on how
many frames per second the machine manages, and settled faces cost little on a CPU.

Qt-free: the GUI's recognition worker and a command-line loop can both drive it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import cv2
import numpy as np

from faceapp.records import Identification, Verdict
from faceapp.vision.boxes import iou_matrix
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.quality import head_pose
from faceapp.vision.types import Faces


@dataclass(eq=False)
class Track:
    """One face followed across frames. Boxes are ``x1, y1, x2, y2`` image pixels."""

    id: int
    box: np.ndarray  # (4,) float32, smoothed
    landmarks: np.ndarray  # (5, 2) float32, smoothed
    score: float
    hits: int = 1
    age: int = 0  # frames since the track began
    misses: int = 0  # frames in a row without a matching detection
    identity: Identification | None = None
    best_quality: float = 0.0
    last_embedded: int | None = None  # tracker frame number of the latest embedding
    settled: bool = False  # identity decided: embed only now and then (see EmbedPolicy)
    embedded_at: float | None = None  # frame time of the latest embedding
    appearance: np.ndarray | None = None  # :func:`appearance` at the latest embedding
    looks: deque[tuple[float, str, int | None]] = field(default_factory=lambda: deque(maxlen=16))
    extras: dict[str, Any] = field(default_factory=dict)  # what live stages added (sticky)

    def note_look(self, timestamp: float, identity: Identification | None, looks: int, seconds: float) -> None:
        """Record a fresh identification; settle when the last ``looks`` agree within ``seconds``.

        A look that disagrees with the settled identity reopens the question.
        """
        key = (identity.verdict.value, identity.person_id) if identity is not None else ("none", None)
        self.looks.append((timestamp, *key))
        recent = list(self.looks)[-looks:]
        agree = (len(recent) >= looks and identity is not None
                 and all((v, p) == key for _, v, p in recent) and timestamp - recent[0][0] <= seconds)
        if agree:
            self.settled = True
        elif self.settled and len(self.looks) > 1 and self.looks[-2][1:] != key:
            self.settled = False


def match_greedy(iou: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs ``(row, col)`` taken in order of decreasing IoU, each row and column used once.

    Args:
        iou: (T, D) overlaps between T tracks and D detections.
        threshold: pairs must overlap by at least this much.
    """
    if iou.size == 0:
        return []
    rows, cols = np.nonzero(iou >= threshold)
    order = np.argsort(-iou[rows, cols], kind="stable")
    used_r: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    for r, c in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if r not in used_r and c not in used_c:
            used_r.add(r)
            used_c.add(c)
            pairs.append((r, c))
    return pairs


class IoUTracker:
    """Keeps face ids stable from frame to frame.

    Args:
        iou_threshold: least overlap between a track's box and a detection to match them.
        max_misses: a track unseen for more than this many frames in a row is dropped.
        smoothing: weight of the previous box in the smoothed one (0 = follow detections exactly).
        first_id: id of the first track (continue the ids of an earlier tracker with its ``next_id``).
    """

    def __init__(
        self, iou_threshold: float = 0.3, max_misses: int = 5, smoothing: float = 0.5, first_id: int = 1
    ) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError("smoothing must be in [0, 1)")
        self.iou_threshold = iou_threshold
        self.max_misses = max_misses
        self.smoothing = smoothing
        self.tracks: list[Track] = []
        self.frame = 0
        self.ended: list[int] = []  # ids of the tracks dropped by the latest update
        self._next_id = first_id

    @property
    def next_id(self) -> int:
        """The id the next new track will get."""
        return self._next_id

    def update(self, boxes: np.ndarray, scores: np.ndarray, landmarks: np.ndarray) -> list[Track]:
        """Advance one frame.

        Args:
            boxes: (N, 4) detections of this frame.
            scores: (N,) detector confidences.
            landmarks: (N, 5, 2) five points per detection.

        Returns:
            N tracks, the one for each detection in order (new tracks for unmatched detections).
        """
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        landmarks = np.asarray(landmarks, np.float32).reshape(-1, 5, 2)
        self.frame += 1
        overlaps = iou_matrix(np.array([t.box for t in self.tracks]).reshape(-1, 4), boxes)
        matched: list[Track | None] = [None] * len(boxes)
        for r, c in match_greedy(overlaps, self.iou_threshold):
            matched[c] = self._follow(self.tracks[r], boxes[c], float(scores[c]), landmarks[c])
        seen = {id(t) for t in matched if t is not None}
        for track in self.tracks:
            if id(track) not in seen:
                track.misses += 1
            track.age += 1
        self.ended = [t.id for t in self.tracks if t.misses > self.max_misses]
        self.tracks = [t for t in self.tracks if t.misses <= self.max_misses]
        result = []
        for i, found in enumerate(matched):
            track = found or self._new_track(boxes[i], float(scores[i]), landmarks[i])
            result.append(track)
        return result

    def _new_track(self, box: np.ndarray, score: float, points: np.ndarray) -> Track:
        track = Track(self._next_id, box.copy(), points.copy(), score)
        self._next_id += 1
        self.tracks.append(track)
        return track

    def _follow(self, track: Track, box: np.ndarray, score: float, points: np.ndarray) -> Track:
        s = self.smoothing
        track.box = (s * track.box + (1 - s) * box).astype(np.float32)
        track.landmarks = (s * track.landmarks + (1 - s) * points).astype(np.float32)
        track.score, track.misses = score, 0
        track.hits += 1
        return track

    def reset(self) -> None:
        """Forget all tracks (e.g. when the video source changes)."""
        self.ended = [t.id for t in self.tracks]
        self.tracks.clear()


def view_quality(boxes: np.ndarray, scores: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A cheap 0..1 figure for how good a view of each face is, without aligning it.

    Detector confidence × size (full marks from 112 px, the chip size) × frontalness (cos yaw).

    Args:
        boxes: (N, 4); scores: (N,); landmarks: (N, 5, 2).

    Returns:
        (N,) float32.
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    size = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    yaw = head_pose(landmarks)[:, 0] if len(boxes) else np.zeros(0, np.float32)
    frontal = np.clip(np.cos(np.radians(yaw)), 0.0, 1.0)
    return (np.asarray(scores, np.float32) * np.clip(size / 112.0, 0.0, 1.0) * frontal).astype(np.float32)


@dataclass(frozen=True)
class EmbedPolicy:
    """When a tracked face is embedded (and identified) again.

    A track is embedded on every processed frame until it is *settled*: its last ``settle_looks``
    identifications agree (same verdict and person) within ``settle_seconds``, or the desk has
    decided about it. Then it is embedded again at least every ``every`` frames, or as soon as
    its view is ``quality_gain`` times better than the best so far, or once ``refresh_seconds``
    have passed (slow cameras), or as soon as the face looks different from when it was embedded
    (:func:`appearance` likeness below ``min_likeness``: another person took the tracked place,
    as in a slideshow); a look that disagrees unsettles it. So the number of looks behind a
    decision depends on time and evidence, not on the frame rate.

    Attributes:
        every: a settled track is re-embedded at least every this many frames.
        quality_gain: or as soon as its view is this much better than the best one so far.
        settle_looks: agreeing looks that settle a track.
        settle_seconds: ... all within this many seconds.
        refresh_seconds: a settled track is re-embedded at least this often (frame time).
        min_likeness: re-embed when the face's appearance correlates less than this with its
            appearance at the last embedding. Measured on lfw-dev faces (8x8 blurred grey
            thumbnails): the same face with its box moved by 3-4 px stays above 0.79 (99 %), two
            different people's faces fall below 0.72 in 95 % of pairs.
    """

    every: int = 10
    quality_gain: float = 1.2
    settle_looks: int = 3
    settle_seconds: float = 2.0
    refresh_seconds: float = 1.0
    min_likeness: float = 0.6

    def __post_init__(self) -> None:
        if self.every < 1 or self.settle_looks < 1 or self.settle_seconds <= 0 or self.refresh_seconds <= 0:
            raise ValueError("every and settle_looks must be >= 1, settle_seconds and refresh_seconds > 0")

    def wants(self, track: Track, quality: float, frame: int, timestamp: float | None = None,
              look: np.ndarray | None = None) -> bool:
        """Whether ``track``, seen with ``quality`` on tracker frame ``frame``, needs embedding.

        ``timestamp`` is the frame's time and ``look`` the face's :func:`appearance` on it.
        """
        if track.last_embedded is None or not track.settled:
            return True
        if frame - track.last_embedded >= self.every:
            return True
        since = None if timestamp is None or track.embedded_at is None else timestamp - track.embedded_at
        if since is not None and since >= self.refresh_seconds:
            return True
        if look is not None and track.appearance is not None and float(look @ track.appearance) < self.min_likeness:
            return True
        return quality > track.best_quality * self.quality_gain


def appearance(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """A cheap signature of a face's look: its box as an 8x8 blurred grey thumbnail, zero mean, unit length.

    Args:
        image: (H, W, 3) uint8 BGR; box: (4,) ``x1, y1, x2, y2``.

    Returns:
        (64,) float32 (zeros for an empty box). The dot product of two is their correlation.
    """
    height, width = image.shape[:2]
    x1, y1 = max(int(box[0]), 0), max(int(box[1]), 0)
    x2, y2 = min(int(np.ceil(box[2])), width), min(int(np.ceil(box[3])), height)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return np.zeros(64, np.float32)
    grey = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey, (0, 0), max(grey.shape) / 16)
    thumb = cv2.resize(grey, (8, 8), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    thumb -= thumb.mean()
    norm = float(np.linalg.norm(thumb))
    return thumb / norm if norm > 1e-6 else np.zeros(64, np.float32)


class FaceState(str, Enum):
    """How a face on screen is identified."""

    RECOGNISED = "recognised"
    UNCERTAIN = "uncertain"
    UNKNOWN = "unknown"
    UNIDENTIFIED = "unidentified"  # no recogniser connected, or not identified yet

    @classmethod
    def of(cls, identity: Identification | None) -> FaceState:
        """The state shown for a track's identification."""
        if identity is None:
            return cls.UNIDENTIFIED
        return {Verdict.ACCEPT: cls.RECOGNISED, Verdict.UNCERTAIN: cls.UNCERTAIN}.get(
            identity.verdict, cls.UNKNOWN
        )


@dataclass(frozen=True)
class FaceResult:
    """One face on one frame, as plain data for the display."""

    track_id: int
    box: tuple[float, float, float, float]
    landmarks: tuple[tuple[float, float], ...]
    detection_score: float
    state: FaceState
    name: str | None = None
    similarity: float | None = None
    person_id: int | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)  # added by live stages (liveness, door...)


@dataclass(frozen=True)
class FrameResult:
    """Everything found on one frame."""

    frame_index: int
    timestamp: float
    faces: tuple[FaceResult, ...]
    latency_ms: float
    embedded: int = 0  # faces embedded on this frame (the rest kept their identification)


@dataclass(frozen=True)
class Sighting:
    """A tracked face with an identification, for the attendance desk.

    ``fresh`` is True when the identification was computed on this frame (not carried over),
    so consensus rules can count independent looks only. ``timestamp`` is the frame's capture
    time in seconds since the epoch (UTC); ``quality`` is :func:`view_quality` (0..1).
    """

    track_id: int
    identification: Identification
    fresh: bool
    quality: float
    timestamp: float
    box: tuple[float, float, float, float] = field(default=(0.0, 0.0, 0.0, 0.0))


class Recogniser(Protocol):
    """Identifies faces from embeddings, e.g. a gallery search. One result per row, same order."""

    def __call__(self, embeddings: np.ndarray) -> Sequence[Identification]: ...


class TrackingRecognizer:
    """Detect every frame, track, embed selectively, identify: one call per video frame."""

    def __init__(
        self,
        pipeline: FacePipeline,
        recogniser: Recogniser | None = None,
        tracker: IoUTracker | None = None,
        policy: EmbedPolicy | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.recogniser = recogniser
        self.tracker = tracker or IoUTracker()
        self.policy = policy or EmbedPolicy()
        self.last_tracks: list[Track] = []  # the tracks of the latest frame, in face order

    def process(
        self, image: np.ndarray, timestamp: float, frame_index: int
    ) -> tuple[FrameResult, list[Sighting]]:
        """Faces on ``image`` with their tracks and identities, and sightings for the desk."""
        start = time.perf_counter()
        faces = self.pipeline.detect(image)
        tracks = self.tracker.update(faces.boxes, faces.scores, faces.landmarks)
        quality = view_quality(faces.boxes, faces.scores, faces.landmarks)
        frame = self.tracker.frame
        looks = [appearance(image, faces.boxes[i]) if t.settled else None for i, t in enumerate(tracks)]
        todo = [i for i, t in enumerate(tracks)
                if self.policy.wants(t, float(quality[i]), frame, timestamp, looks[i])]
        if todo:
            self._identify(image, faces[np.array(todo)], [tracks[i] for i in todo], quality[todo], timestamp)
        self.last_tracks = tracks
        results = tuple(face_result(t) for t in tracks)
        latency = (time.perf_counter() - start) * 1000.0
        fresh = set(todo)
        sightings = [
            Sighting(t.id, t.identity, i in fresh, float(quality[i]), timestamp, _box(t.box))
            for i, t in enumerate(tracks)
            if t.identity is not None
        ]
        return FrameResult(frame_index, timestamp, results, latency, len(todo)), sightings

    def _identify(self, image: np.ndarray, faces: Faces, tracks: list[Track], quality: np.ndarray,
                  timestamp: float) -> None:
        identities: Sequence[Identification | None] = [None] * len(tracks)
        if self.recogniser is not None:  # without one, embeddings would be wasted work
            embeddings = self.pipeline.process_faces(image, faces).embeddings
            if embeddings is None:
                raise RuntimeError("the pipeline returned faces without embeddings")
            identities = list(self.recogniser(embeddings))
            if len(identities) != len(tracks):
                raise ValueError(f"recogniser returned {len(identities)} results for {len(tracks)} faces")
        policy = self.policy
        for track, identity, q, box in zip(tracks, identities, quality.tolist(), faces.boxes, strict=True):
            track.identity = identity
            track.best_quality = max(track.best_quality, q)
            track.last_embedded, track.embedded_at = self.tracker.frame, timestamp
            track.appearance = appearance(image, box)
            track.note_look(timestamp, identity, policy.settle_looks, policy.settle_seconds)

    def reset(self) -> None:
        """Forget tracks and identities (new source)."""
        self.tracker.reset()


def _box(box: np.ndarray) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return (x1, y1, x2, y2)


def face_result(track: Track) -> FaceResult:
    """What the display needs of a track (plain data)."""
    identity = track.identity
    return FaceResult(
        track_id=track.id,
        box=_box(track.box),
        landmarks=tuple((float(x), float(y)) for x, y in track.landmarks),
        detection_score=track.score,
        state=FaceState.of(identity),
        name=identity.name if identity else None,
        similarity=identity.score if identity else None,
        person_id=identity.person_id if identity else None,
        extras=dict(track.extras),
    )
