"""Liveness evidence on check-ins (log mode), and settings edits during a track, with nuaa-dev frames.

A check-in let through in log mode carries its liveness row, so the suspicion can be seen
afterwards; an edit of the liveness settings while a spoofed track is in front of the camera does
not let that track start over (nor check in, nor report twice).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from faceapp.live.liveness_stage import liveness_stages
from faceapp.records import EventKind
from faceapp.store.liveness import evidence_for, spoof_event_ids
from faceapp.vision.liveness_track import LiveVerdict
from tests.live.test_liveness_e2e import frames, nuaa, open_core, play, videos  # noqa: F401 - fixtures

pytestmark = pytest.mark.realdata
T0 = 1_800_000_000.0


def test_log_mode_check_in_carries_its_liveness(open_core, videos) -> None:  # noqa: F811
    core = open_core("log")
    (stage,) = liveness_stages(core)  # as the GUI and `faceapp recognize` build it
    events, _ = play(core, stage, videos["spoof"])
    (checkin,) = [e for e in events if e.kind is EventKind.CHECK_IN]
    assert checkin.person_id == core.person_id  # let through: log mode holds nothing back
    evidence = evidence_for(core.gallery.events, [checkin.id])[checkin.id]
    assert (evidence.verdict, evidence.mode) == ("spoof", "log")
    assert evidence.score < evidence.threshold == stage.config.policy.threshold
    assert evidence.frames >= 3 and len(evidence.frame_scores) == min(evidence.frames, 15)
    assert max(evidence.frame_scores) < 0.5
    assert checkin.id in spoof_event_ids(core.gallery.events)  # the Attendance page's spoof filter finds it


def test_block_mode_check_in_records_the_live_verdict(open_core, videos) -> None:  # noqa: F811
    core = open_core("block")
    (stage,) = liveness_stages(core)
    events, _ = play(core, stage, videos["live"])
    (checkin,) = [e for e in events if e.kind is EventKind.CHECK_IN]
    evidence = evidence_for(core.gallery.events, [checkin.id])[checkin.id]
    assert (evidence.verdict, evidence.mode) == ("live", "block") and evidence.score >= evidence.threshold
    assert checkin.id not in spoof_event_ids(core.gallery.events)


def test_no_row_when_liveness_is_off(open_core, videos) -> None:  # noqa: F811
    core = open_core("off")
    (stage,) = liveness_stages(core, always=True)
    events, _ = play(core, stage, videos["spoof"])
    (checkin,) = [e for e in events if e.kind is EventKind.CHECK_IN]
    assert evidence_for(core.gallery.events, [checkin.id]) == {}


@pytest.mark.parametrize("edit", [{"liveness_target_bpcer": 0.01}, {"liveness_camera_modes": {"door-9": "log"}},
                                  {"liveness_mode": "off"}])
def test_a_settings_edit_does_not_restart_a_spoofed_track(open_core, nuaa, edit) -> None:  # noqa: F811
    """Block mode: the print is judged spoofed; the liveness settings change; the print stays in view."""
    core = open_core("block")
    (stage,) = liveness_stages(core)
    service = core.live_service(stages=[stage])
    held = [p for p in frames(nuaa, "spoof", "01") if p.stem.split("_")[3] == "01"]  # one session: one hold
    images = [core.pipeline.load(p) for p in held[:12] for _ in range(2)]
    results = [service.process(image, T0 + i / 10, i) for i, image in enumerate(images[:10])]
    track = results[-1].frame.faces[0].track_id
    assert stage.verdict(track) is LiveVerdict.SPOOF
    new = replace(core.settings, **edit)
    core.changes.publish(new)
    if new.liveness_mode == "off":  # switched off and on again while the print is held up
        results += [service.process(image, T0 + (10 + i) / 10, 10 + i) for i, image in enumerate(images[10:13])]
        core.changes.publish(replace(new, liveness_mode="block"))
    results += [service.process(image, T0 + i / 10, i) for i, image in enumerate(images) if i >= 13]
    service.close()
    assert [f.track_id for f in results[-1].frame.faces] == [track]  # the same presentation to the end
    assert all(f.extras.get("live") == "spoof" for r in results[13:] for f in r.frame.faces if f.track_id == track)
    assert stage.verdict(track) is LiveVerdict.SPOOF
    judged = results[13:] if new.liveness_mode == "off" else results  # while off, nothing is judged (or held)
    assert not [e for r in judged for e in r.events if e.kind in (EventKind.CHECK_IN, EventKind.CHECK_OUT)]
    assert len([e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]) == 1
