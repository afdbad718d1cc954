"""The one Qt-free live service: source → tracker → identify → stages → desk → events → evidence.

Both front ends run it: the GUI's recognition worker only moves frames into
:meth:`LiveService.process` and results out to the widgets; ``faceapp recognize --video/--camera``
runs :func:`faceapp.live.runner.run_source` (the same reconnection as the GUI's capture thread).
So re-embedding, evidence crops, reconnection, model checks and settings changes are the same.

Typical use::

    core = Core.open(basedir)
    service = core.live_service(checkin=True, stages=[MyLiveness()])
    result = service.process(image, timestamp, index)   # one frame
    result.frame.faces[0].extras    # what the stages added, e.g. {"liveness": 0.93}
    result.events                   # check-ins/outs (and stage reports) stored for this frame

Per frame, :meth:`LiveService.process`:

1. detects and tracks faces; a track is (re-)embedded on every processed frame until its
   identity is settled (a recognised face: once the desk confirmed that person; otherwise
   ``settle_looks`` agreeing looks within ``settle_seconds``), then every ``embed_every`` frames,
   at least every ``refresh_seconds``, on a clearly better view, or as soon as the face looks
   different (:class:`~faceapp.vision.tracker.EmbedPolicy`) — so check-ins depend on evidence
   and time, not on the frame rate (``benchmarks/bench_live_rates.py``);
2. identifies the new embeddings with ``Gallery.identify(..., model=<the pipeline's model>)``
   (a pipeline switch with :meth:`LiveService.set_pipeline` is atomic between frames);
3. runs the **GATE stages** per track (may annotate and veto the look), then the desk on the
   looks that were not vetoed (consensus, then cooldown and in/out checked inside the database
   transaction that writes the event), then the **DECISION stages** (see below);
4. returns a :class:`LiveResult`: the frame's :class:`~faceapp.vision.tracker.FrameResult`
   (faces with ``extras``), the stored events and the sightings.

Extension points (hook API; details in :mod:`faceapp.live.stages`):

* ``TrackStage`` — any object with ``name: str``, ``phase: Phase`` and
  ``__call__(ctx: TrackContext) -> StageOutcome | None``; optional ``forget(track_ids)``.
  Register with ``core.live_service(stages=[...])``, ``service.add_stage(stage)`` or, in the GUI,
  ``Services.stages`` (used by every new live session).
* ``TrackContext`` — the track's evidence on this frame: ``image`` (whole frame), ``box``,
  ``landmarks``, ``chip()`` (aligned 112×112, lazy), ``quality``, ``identification``, ``fresh``,
  ``model``, ``extras`` so far, ``vetoed``; in the DECISION phase also ``confirmed`` (the person the
  desk's consensus confirmed on this track, even while the cooldown holds the check-in back) and
  ``events`` (stored for this track on this frame).
* ``StageOutcome(extras={...}, veto="reason", report=EventKind.REJECTED)`` — ``extras`` go into
  ``FaceResult.extras`` (sticky per track; the GUI overlay and ``recognize --json`` carry them);
  a GATE ``veto`` keeps the look from the desk; ``report`` stores one event per track and stage
  (note = reason, evidence crop attached), returned in ``LiveResult.events``.

Liveness (anti-spoofing) is a GATE stage that vetoes with ``report=EventKind.REJECTED`` and
``extras={"liveness": score}``; access control is a DECISION stage that acts on ``ctx.confirmed``
and adds ``extras={"door": ..., "access": ...}``. ``faceapp recognize`` builds its stages in
``faceapp.cli.recognize_cmds.build_stages`` (add options such as ``--door`` there).

Changes are announced, not copied: :class:`~faceapp.live.changes.Changes` (``core.changes``)
publishes every settings edit; a live service subscribed to it applies desk rules, the camera
name and thresholds at once (:meth:`LiveService.apply_settings`);
:func:`~faceapp.live.changes.restart_needed` names the settings that only apply after a restart.
"""

from faceapp.live.changes import Changes, live_fields, restart_needed
from faceapp.live.stages import Phase, Stage, StageOutcome, TrackContext, TrackStage

__all__ = [
    "Changes",
    "Phase",
    "Stage",
    "StageOutcome",
    "TrackContext",
    "TrackStage",
    "live_fields",
    "restart_needed",
]
