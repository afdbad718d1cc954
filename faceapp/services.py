"""The Qt-free composition root: settings, pipeline, gallery and desk, opened once and passed on.

The CLI uses it directly; the GUI wraps it. ``CheckIns`` turns tracked sightings into stored
attendance events (identification → desk rules → event + evidence snapshot).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from faceapp.attendance import Desk, DeskRules, Observation, zone_info
from faceapp.config import Paths, Settings
from faceapp.records import Event
from faceapp.store import Gallery, Thresholds
from faceapp.store.enrol import Enroller
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.tracker import Sighting

log = logging.getLogger(__name__)


def system_zone() -> str:
    """The machine's IANA zone name (``TZ`` or ``/etc/localtime``), else ``"UTC"``."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = os.path.realpath("/etc/localtime")
            name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
        except OSError:
            name = ""
    try:
        zone_info(name or "UTC")
    except Exception:  # noqa: BLE001 - any odd value means we cannot trust it
        return "UTC"
    return name or "UTC"


@dataclass
class Core:
    """Everything a front end needs, opened on one data folder."""

    paths: Paths
    settings: Settings
    pipeline: FacePipeline
    gallery: Gallery
    zone: str

    @classmethod
    def open(cls, basedir: str | os.PathLike[str] | None = None, pipeline: FacePipeline | None = None,
             settings: Settings | None = None) -> Core:
        """Open settings, models and the gallery below ``basedir`` (see :class:`Paths`)."""
        paths = Paths.resolve(basedir)
        settings = settings or Settings.load(paths.settings_file)
        paths = paths.with_data_dir(settings.data_dir).ensure()
        pipeline = pipeline or FacePipeline.from_settings(settings, paths)
        thresholds = Thresholds(settings.accept_threshold, settings.unknown_threshold)
        gallery = Gallery.open(paths, pipeline.info.embedder, pipeline.info.embedding_size, thresholds=thresholds)
        return cls(paths, settings, pipeline, gallery, settings.timezone or system_zone())

    @staticmethod
    def open_gallery(basedir: str | os.PathLike[str] | None = None) -> Gallery:
        """Only the gallery (no inference sessions): for listing, reports, removal and export."""
        from faceapp.vision.models import ModelRegistry

        paths = Paths.resolve(basedir)
        settings = Settings.load(paths.settings_file)
        paths = paths.with_data_dir(settings.data_dir).ensure()
        spec = ModelRegistry(user_dir=paths.user_models).spec(settings.embedder)
        thresholds = Thresholds(settings.accept_threshold, settings.unknown_threshold)
        return Gallery.open(paths, spec.name, int(spec.embedding_size or 512), thresholds=thresholds)

    def enroller(self) -> Enroller:
        return Enroller(self.gallery, self.pipeline)

    def desk_rules(self) -> DeskRules:
        return DeskRules.from_dict(self.settings.desk_rules)

    def check_ins(self, camera: str | None = None, rules: DeskRules | None = None) -> CheckIns:
        """A check-in recorder for one camera, its desk restored from today's stored events."""
        desk = Desk(rules or self.desk_rules(), self.zone)
        since = datetime.now(timezone.utc) - timedelta(days=1)
        desk.restore(self.gallery.events.list(start=since))
        return CheckIns(self.gallery, desk, camera or self.settings.camera_name, self.zone)

    def close(self) -> None:
        self.gallery.close()


@dataclass
class CheckIns:
    """Feeds sightings to the desk and stores what it decides, with the evidence snapshot."""

    gallery: Gallery
    desk: Desk
    camera: str
    zone: str
    operator: str | None = None
    recorded: list[Event] = field(default_factory=list)

    def observe(self, sightings: Sequence[Sighting], image: np.ndarray | None) -> list[Event]:
        """Record the events that these sightings (of one frame) complete; only fresh looks count."""
        observations = [
            Observation(s.track_id, s.identification, datetime.fromtimestamp(s.timestamp, timezone.utc),
                        self.camera, snapshot=_crop(image, s.box))
            for s in sightings if s.fresh
        ]
        return self._store(self.desk.decide_frame(observations))

    def observe_one(self, observation: Observation) -> list[Event]:
        """Record what a single observation completes (still photos)."""
        return self._store(self.desk.decide(observation))

    def _store(self, decisions: Iterable) -> list[Event]:
        events = []
        for decision in decisions:
            person = self.gallery.people.get(decision.person_id) if decision.person_id is not None else None
            event = decision.to_event(self.zone, person=person, operator=self.operator)
            events.append(self.gallery.events.add(event, snapshot=decision.snapshot, actor=self.operator or "desk"))
        self.recorded.extend(events)
        return events


def _crop(image: np.ndarray | None, box: tuple[float, float, float, float], margin: float = 0.4) -> np.ndarray | None:
    """The face with some context, as evidence (a copy: the frame buffer is reused)."""
    if image is None:
        return None
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if w <= 0 or h <= 0:
        return image.copy()
    height, width = image.shape[:2]
    left, top = max(int(x1 - margin * w), 0), max(int(y1 - margin * h), 0)
    right, bottom = min(int(x2 + margin * w), width), min(int(y2 + margin * h), height)
    return image[top:bottom, left:right].copy()


def image_paths(inputs: Iterable[Path]) -> list[Path]:
    """Files given directly plus photos found (recursively, sorted) in folders."""
    from faceapp.vision.imageio import is_image_path

    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(sorted(p for p in item.rglob("*") if p.is_file() and is_image_path(p)))
        else:
            found.append(item)
    return found
