"""The Qt-free composition root: settings, pipeline, gallery and desk, opened once and passed on.

The CLI uses it directly; the GUI wraps it. :meth:`Core.live_service` builds the one live
service (:mod:`faceapp.live`) both front ends run; ``CheckIns`` (from :mod:`faceapp.live.checkins`)
turns tracked sightings into stored attendance events. ``Core.changes`` announces settings edits:
the gallery's thresholds and every live service follow them.

A desk on a shared PostgreSQL server may start while the server is unreachable
(``Core.open(offline_ok=True)``: ``faceapp recognize`` and the GUI): it then runs on the copy of the
server's gallery and check-ins kept in its data folder (:mod:`faceapp.store.local_copy`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from faceapp.attendance import Desk, DeskRules, zone_info
from faceapp.config import Paths, Settings
from faceapp.errors import ServerUnreachableError
from faceapp.live.changes import Changes
from faceapp.live.checkins import CheckIns, crop
from faceapp.live.service import LiveOptions, LiveService
from faceapp.live.stages import TrackStage
from faceapp.records import Event, EventKind
from faceapp.store import Gallery, backends, origin
from faceapp.store.db import Database
from faceapp.store.decision import operating_point
from faceapp.store.enrol import Enroller
from faceapp.vision.pipeline import FacePipeline

__all__ = ["CheckIns", "Core", "open_database", "system_zone"]
_crop = crop  # the evidence crop, shared by every front end
_ATTENDANCE = (EventKind.CHECK_IN, EventKind.CHECK_OUT)

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


def open_database(paths: Paths, offline_ok: bool = False) -> Database:
    """The configured database; ``offline_ok``: a shared server that cannot be reached starts unconnected."""
    url = backends.configured_url(paths)
    if offline_ok and url and backends.is_postgres(url):
        from faceapp.store.backends.postgres import OFFLINE_CONNECT_TIMEOUT_S, PostgresDatabase

        return PostgresDatabase(url, connect_timeout=OFFLINE_CONNECT_TIMEOUT_S, offline_ok=True)
    return Database.open(paths)


@dataclass
class Core:
    """Everything a front end needs, opened on one data folder."""

    paths: Paths
    settings: Settings
    pipeline: FacePipeline
    gallery: Gallery
    zone: str
    changes: Changes = field(init=False)

    def __post_init__(self) -> None:
        self.changes = Changes(self.settings)
        self.changes.subscribe(self._follow)

    def _follow(self, old: Settings, new: Settings) -> None:
        """Keep the core's own copies current (thresholds are the gallery's)."""
        del old
        self.settings = new
        origin.configure(new.site_name, new.desk_name)  # the events and audit rows written from now on
        self.gallery.operating = operating_point(new, self.pipeline.embedder.calibration)

    @classmethod
    def open(cls, basedir: str | os.PathLike[str] | None = None, pipeline: FacePipeline | None = None,
             settings: Settings | None = None, offline_ok: bool = False) -> Core:
        """Open settings, models and the gallery below ``basedir`` (see :class:`Paths`).

        Args:
            offline_ok: a desk (recognition) on a shared server: it keeps a local copy of what it reads
                there and, when the server cannot be reached, starts from it (recognising and
                queueing its check-ins) instead of failing.
        """
        paths = Paths.resolve(basedir)
        settings = settings or Settings.load(paths.settings_file)
        origin.configure(settings.site_name, settings.desk_name)  # this process is this desk
        paths = paths.with_data_dir(settings.data_dir).ensure()
        pipeline = pipeline or FacePipeline.from_settings(settings, paths)
        operating = operating_point(settings, pipeline.embedder.calibration)
        database = open_database(paths, offline_ok)
        try:
            gallery = Gallery(database, paths, pipeline.info.embedder, pipeline.info.embedding_size,
                              operating=operating, keep_copy=offline_ok)
        except BaseException:
            database.close()
            raise
        return cls(paths, settings, pipeline, gallery, settings.timezone or system_zone())

    @staticmethod
    def open_gallery(basedir: str | os.PathLike[str] | None = None) -> Gallery:
        """Only the gallery (no inference sessions): for listing, reports, removal and export."""
        from faceapp.vision.models import ModelRegistry

        paths = Paths.resolve(basedir)
        settings = Settings.load(paths.settings_file)
        origin.configure(settings.site_name, settings.desk_name)  # this process is this desk
        paths = paths.with_data_dir(settings.data_dir).ensure()
        spec = ModelRegistry(user_dir=paths.user_models).spec(settings.embedder)
        return Gallery.open(paths, spec.name, int(spec.embedding_size or 512),
                            operating=operating_point(settings, spec.calibration_for(settings.flip_embedding)))

    def enroller(self) -> Enroller:
        from faceapp.live.liveness_enrol import enrolment_checks

        return Enroller(self.gallery, self.pipeline, checks=enrolment_checks(self))  # refuses spoofs

    def desk_rules(self) -> DeskRules:
        return DeskRules.from_dict(self.settings.desk_rules)

    def check_ins(self, camera: str | None = None, rules: DeskRules | None = None) -> CheckIns:
        """A check-in recorder for one camera, its desk restored from today's stored events.

        On a shared server, what was read is also kept in the local copy (and refreshed by the
        courier while the server answers); a desk started offline restores its desk from there.
        """
        desk = Desk(rules or self.desk_rules(), self.zone)
        fresh = True
        try:
            events = self.remember_attendance()
        except ServerUnreachableError:
            fresh = False
            events = [Event(None, t, self.zone, k, p, None, None, None, None, None, c)
                      for p, t, k, c in self.gallery.remembered_attendance()]
            log.info("desk: %d check-ins/outs restored from the local copy (server unreachable)", len(events))
        desk.restore(events)
        known: dict[int, list[tuple[datetime, EventKind, str]]] = {}
        for event in events:
            if event.person_id is not None and event.kind in _ATTENDANCE:
                known.setdefault(event.person_id, []).append((event.time, event.kind, event.camera))
        checkins = CheckIns(self.gallery, desk, camera or self.settings.camera_name, self.zone, _known=known)
        if checkins.courier is not None:
            checkins.courier.before_delivery = self.gallery.refresh_if_changed  # removals first, then the queue
            checkins.courier.refresh = self.remember_attendance
            checkins.courier.changes = lambda: len(checkins.recorded)  # after this desk records, too
            if fresh:
                checkins.courier.mark_refreshed()
        return checkins

    def remember_attendance(self) -> list[Event]:
        """The last day's events from the server; its check-ins/outs are kept in the local copy.

        Raises:
            ServerUnreachableError: the shared server cannot be reached.
        """
        since = datetime.now(timezone.utc) - timedelta(days=1)
        events = self.gallery.events.list(start=since)
        self.gallery.remember_attendance([(e.person_id, e.time, e.kind, e.camera) for e in events
                                          if e.person_id is not None and e.kind in _ATTENDANCE])
        return events

    def live_service(self, camera: str | None = None, *, checkin: bool = True, stages: Iterable[TrackStage] = (),
                     options: LiveOptions | None = None, first_track_id: int = 1,
                     pipeline: FacePipeline | None = None) -> LiveService:
        """The live service on this core's gallery, following ``changes`` until it is closed.

        Args:
            camera: the desk's camera name (default: the settings' ``camera_name``).
            checkin: record check-ins through the desk rules (else identify only).
            stages: per-track stages (liveness, access control...), run in order.
            options: tracker and embedding settings.
            first_track_id: continue the track ids of a previous source.
            pipeline: default the core's.
        """
        gallery = self.gallery
        checkins = self.check_ins(camera) if checkin else None
        service = LiveService(pipeline or self.pipeline, lambda emb, model: gallery.identify(emb, model=model),
                              checkins, camera=camera or self.settings.camera_name, options=options,
                              stages=stages, first_track_id=first_track_id)
        service.unsubscribe = self.changes.subscribe(service.apply_settings)
        for stage in service.stages:  # stages that follow the service's tracks (liveness: batches, challenges)
            bind = getattr(stage, "bind", None)
            if bind is not None:
                bind(service)
        return service

    def close(self) -> None:
        self.gallery.close()
