"""What the GUI is given to work with: settings, folders, the pipeline and optional hooks.

Nothing here is global: the entry point (or a test) builds one :class:`Services` and passes it to
``MainWindow``. The gallery and the attendance desk are connected through two plain callables:

* ``recogniser(embeddings) -> list[Identification]`` (see :class:`faceapp.vision.tracker.Recogniser`),
  or ``gallery.identify`` (then also given the pipeline's embedder as ``model``); called on the
  recognition thread with (N, D) unit vectors.
* ``desk(sightings, image) -> list[Event]`` (:class:`DeskHook`), e.g. ``CheckIns.observe``; called on
  the recognition thread after every frame that has identified faces; the events it returns (check-ins,
  check-outs...) are shown in the live page's list and welcome banner.

:meth:`Services.create` opens a :class:`faceapp.services.Core` (one pipeline shared with the
gallery and the enroller) and connects both hooks to it. Every live source runs one
:class:`faceapp.live.service.LiveService` (:meth:`Services.live_service`) — the same service as
``faceapp recognize`` — with the per-track ``stages`` (liveness, access control...) listed here;
with a core it follows ``core.changes`` (desk rules, camera name) while it runs.
``require_admin(parent) -> bool`` is asked before enrolment and person changes; the default
allows everything, the login dialog replaces it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Protocol

import numpy as np

from faceapp.config import Paths, Settings
from faceapp.live.checkins import CheckIns
from faceapp.live.service import Identify, LiveOptions, LiveService
from faceapp.live.stages import TrackStage
from faceapp.records import Event, Identification
from faceapp.services import Core
from faceapp.store.enrol import Enroller
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.tracker import Recogniser, Sighting

__all__ = ["AdminGate", "DeskHook", "LiveOptions", "Services", "allow_all", "gui_actor"]

log = logging.getLogger(__name__)

#: Asked before an administrative action; ``parent`` is the widget to show a login dialog over.
AdminGate = Callable[[Any], bool]


def allow_all(parent: Any = None) -> bool:
    """The default :data:`AdminGate`: no login configured, every action is allowed."""
    return True


def gui_actor() -> str:
    """The default actor recorded in the audit log for changes made in the GUI."""
    return "gui"


class DeskHook(Protocol):
    """Turns the sightings of one frame into attendance events (usually none)."""

    def __call__(self, sightings: Sequence[Sighting], image: np.ndarray) -> Sequence[Event]: ...


@dataclass
class Services:
    """Everything the windows and workers need, passed in (no singletons).

    Attributes:
        core: the opened gallery, desk settings and pipeline; ``None`` runs the live view
            without identification (the People page and enrolment then stay disabled).
        require_admin: asked before enrolment, person edits and deletions.
        actor: who is making changes now, for the audit log (e.g. the logged-in administrator).
    """

    paths: Paths
    settings: Settings
    pipeline: FacePipeline
    recogniser: Recogniser | Callable[..., Sequence[Identification]] | None = None  # gallery.identify: given the model
    desk: DeskHook | None = None
    live: LiveOptions = field(default_factory=LiveOptions)
    camera_name: str = "desk"
    core: Core | None = None
    check_ins: CheckIns | None = None
    require_admin: AdminGate = allow_all
    actor: Callable[[], str] = gui_actor
    stages: list[TrackStage] = field(default_factory=list)

    @classmethod
    def create(
        cls, basedir: str | PathLike[str] | None = None, pipeline: FacePipeline | None = None,
        connect: bool = True,
    ) -> Services:
        """Folders, saved settings and a pipeline for ``basedir``; with ``connect`` also the gallery and desk."""
        if not connect:
            paths = Paths.resolve(basedir).ensure()
            settings = Settings.load(paths.settings_file)
            return cls(paths, settings, pipeline or FacePipeline.from_settings(settings, paths))
        return cls.from_core(Core.open(basedir, pipeline=pipeline, offline_ok=True))  # a desk may start offline

    @classmethod
    def from_core(cls, core: Core) -> Services:
        """Services over an opened :class:`Core`: gallery search and check-ins connected."""
        made = cls(core.paths, core.settings, core.pipeline, camera_name=core.settings.camera_name, core=core)
        made.connect_core()
        from faceapp.live.liveness_stage import liveness_stages

        made.stages = [*liveness_stages(core, always=True), *made.stages]  # models load when first needed
        return made

    def connect_core(self) -> None:
        """(Re)connect the recogniser and the desk to the core's gallery (a fresh desk)."""
        if self.core is None:
            return
        checkins = self.core.check_ins(self.camera_name)
        self.check_ins = checkins
        self.recogniser = self.core.gallery.identify
        self.desk = checkins.observe

    def enroller(self) -> Enroller:
        """An enroller on the gallery. Raises :class:`RuntimeError` without a core."""
        if self.core is None:
            raise RuntimeError("no gallery is connected")
        return self.core.enroller()

    def close(self) -> None:
        """Close the gallery (after the threads using it have stopped)."""
        if self.core is not None:
            self.core.close()
            log.info("gallery closed")

    def live_service(self, first_track_id: int = 1) -> LiveService:
        """The live service for one video source; track ids start at ``first_track_id``.

        The connected gallery is searched with the pipeline's model named; the connected desk
        (``check_ins``) is shared by every source of the session. Custom ``recogniser``/``desk``
        hooks (tests) are used as given.
        """
        checkins = self.check_ins if self.check_ins is not None and self.desk == self.check_ins.observe else None
        service = LiveService(self.pipeline, self._identify(), checkins, camera=self.camera_name, options=self.live,
                              stages=self.stages, first_track_id=first_track_id,
                              desk_hook=None if checkins is not None else self.desk)
        if self.core is not None:
            service.unsubscribe = self.core.changes.subscribe(service.apply_settings)
        for stage in self.stages:  # stages that follow the service's tracks (liveness challenges)
            bind = getattr(stage, "bind", None)
            if bind is not None:
                bind(service)
        return service

    def _identify(self) -> Identify | None:
        recogniser = self.recogniser
        if recogniser is None:
            return None
        gallery = self.core.gallery if self.core is not None else None
        if gallery is not None and recogniser == gallery.identify:
            return lambda embeddings, model: gallery.identify(embeddings, model=model)
        return lambda embeddings, model: recogniser(embeddings)
