"""What the GUI is given to work with: settings, folders, the pipeline and optional hooks.

Nothing here is global: the entry point (or a test) builds one :class:`Services` and passes it to
``MainWindow``. The gallery and the attendance desk are connected through two plain callables:

* ``recogniser(embeddings) -> list[Identification]`` (see :class:`faceapp.vision.tracker.Recogniser`),
  e.g. ``gallery.identify``; called on the recognition thread with (N, D) unit vectors.
* ``desk(sightings, image) -> list[Event]`` (:class:`DeskHook`), e.g. ``desk.decide``; called on the
  recognition thread after every frame that has identified faces; the events it returns (check-ins,
  check-outs...) are shown in the live page's list and welcome banner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Protocol

import numpy as np

from faceapp.capture.sources import Backoff
from faceapp.config import Paths, Settings
from faceapp.records import Event
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.tracker import EmbedPolicy, IoUTracker, Recogniser, Sighting, TrackingRecognizer


class DeskHook(Protocol):
    """Turns the sightings of one frame into attendance events (usually none)."""

    def __call__(self, sightings: Sequence[Sighting], image: np.ndarray) -> Sequence[Event]: ...


@dataclass(frozen=True)
class LiveOptions:
    """How live video is read, tracked and shown.

    Attributes:
        seconds_per_image: how long a slideshow shows each photo.
        slideshow_fps: frames per second a slideshow produces.
        embed_every: re-identify a tracked face at least every this many frames.
        track_iou: least box overlap to continue a track.
        track_max_misses: frames a face may be missed before its track is dropped.
        smoothing: weight of the previous box when smoothing (0 = none).
        reconnect: delays between attempts to reconnect a live camera.
        overlay_max_age: do not draw face boxes older than this many seconds.
    """

    seconds_per_image: float = 2.0
    slideshow_fps: float = 10.0
    embed_every: int = 10
    track_iou: float = 0.3
    track_max_misses: int = 5
    smoothing: float = 0.5
    reconnect: Backoff = field(default_factory=Backoff)
    overlay_max_age: float = 1.0


@dataclass
class Services:
    """Everything the windows and workers need, passed in (no singletons)."""

    paths: Paths
    settings: Settings
    pipeline: FacePipeline
    recogniser: Recogniser | None = None
    desk: DeskHook | None = None
    live: LiveOptions = field(default_factory=LiveOptions)
    camera_name: str = "desk"

    @classmethod
    def create(
        cls, basedir: str | PathLike[str] | None = None, pipeline: FacePipeline | None = None
    ) -> Services:
        """Folders and saved settings for ``basedir``, and a pipeline opened from them."""
        paths = Paths.resolve(basedir).ensure()
        settings = Settings.load(paths.settings_file)
        return cls(paths, settings, pipeline or FacePipeline.from_settings(settings, paths))

    def tracking_recognizer(self, first_track_id: int = 1) -> TrackingRecognizer:
        """A fresh tracker + recogniser for one video source; track ids start at ``first_track_id``."""
        opts = self.live
        tracker = IoUTracker(opts.track_iou, opts.track_max_misses, opts.smoothing, first_track_id)
        policy = EmbedPolicy(every=opts.embed_every)
        return TrackingRecognizer(self.pipeline, self.recogniser, tracker, policy)
