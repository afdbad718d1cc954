"""Settings edits reach the running desk; cooldown and in/out hold across desks on one database."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from faceapp.attendance import Desk, DeskRules, Observation
from faceapp.config import Settings
from faceapp.live import Changes, restart_needed
from faceapp.live.checkins import CheckIns
from faceapp.records import EventKind, Identification, Verdict
from faceapp.services import Core
from faceapp.store import Gallery
from tests.live.conftest import PERSON, MemoPipeline, lfw_photo

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_changes_reach_subscribers_and_name_what_needs_a_restart() -> None:
    changes = Changes(Settings())
    seen: list[tuple[str, str]] = []
    unsubscribe = changes.subscribe(lambda old, new: seen.append((old.camera_name, new.camera_name)))
    changes.subscribe(lambda old, new: 1 / 0)  # a broken subscriber does not stop the others
    later = changes.publish(dataclasses.replace(Settings(), camera_name="door-2", detector="scrfd_500m"))
    assert seen == [("desk-1", "door-2")] and later == ["detector"] and changes.settings.camera_name == "door-2"
    unsubscribe()
    changes.publish(Settings())
    assert len(seen) == 1
    assert restart_needed(Settings(), dataclasses.replace(Settings(), desk_rules={"cooldown_seconds": 5})) == []


@pytest.mark.realdata
def test_settings_edits_reach_the_running_desk(core: Core, memo: MemoPipeline, lfw_dir: Path) -> None:
    service = core.live_service(pipeline=memo)
    gate = core.live_service("gate-7", pipeline=memo, checkin=False)  # started for its own camera
    image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    start = T0.timestamp()
    first = [e for i in range(20) for e in service.process(image, start + i / 10, i).events]
    assert [(e.kind, e.camera) for e in first] == [(EventKind.CHECK_IN, "desk-1")]
    edited = dataclasses.replace(core.settings, camera_name="door-2", desk_rules={"cooldown_seconds": 5.0})
    core.changes.publish(edited)
    assert service.checkins is not None and service.checkins.desk.rules.cooldown_seconds == 5.0
    assert gate.camera == "gate-7"  # keeps its own camera name
    # the same person 10 s later: with the new 5 s cooldown it counts (300 s before), at the new camera
    later = [e for i in range(20) for e in service.process(image, start + 10 + i / 10, 100 + i).events]
    assert [(e.kind, e.camera) for e in later] == [(EventKind.CHECK_OUT, "door-2")]
    service.close()
    core.changes.publish(dataclasses.replace(edited, desk_rules={"cooldown_seconds": 60.0}))
    assert service.checkins.desk.rules.cooldown_seconds == 5.0  # closed services stop following


def _desk(gallery: Gallery) -> CheckIns:
    return CheckIns(gallery, Desk(DeskRules(consensus_frames=1, consensus_window=1), "UTC"), "desk", "UTC")


def _look(person: int, when: datetime, track: int = 1) -> Observation:
    return Observation(track, Identification(person, "P", 0.7, 0.3, Verdict.ACCEPT), when, "desk")


def test_two_desks_on_one_database_share_cooldown_and_in_out(tmp_path: Path) -> None:
    from faceapp.config import Paths

    paths = Paths.resolve(tmp_path / "home").ensure()
    one, two = Gallery.open(paths, "m", 8), Gallery.open(paths, "m", 8)  # two connections, like two processes
    try:
        person = one.add_person("Ann").id
        a, b = _desk(one), _desk(two)
        assert [e.kind for e in a.observe_one(_look(person, T0))] == [EventKind.CHECK_IN]
        assert b.observe_one(_look(person, T0 + timedelta(seconds=1))) == []  # within the cooldown elsewhere
        # after the cooldown the other desk records the next direction, from the database
        assert [e.kind for e in b.observe_one(_look(person, T0 + timedelta(minutes=10), 2))] == [EventKind.CHECK_OUT]
        assert [e.kind for e in a.observe_one(_look(person, T0 + timedelta(minutes=20), 3))] == [EventKind.CHECK_IN]
        kinds = [e.kind for e in one.events.list()]
        assert kinds == [EventKind.CHECK_IN, EventKind.CHECK_OUT, EventKind.CHECK_IN]
        # a person removed by another process is skipped, never fatal
        other = one.add_person("Bob").id
        one.delete_person(other)
        assert b.observe_one(_look(other, T0 + timedelta(minutes=30), 4)) == []
    finally:
        one.close()
        two.close()


@pytest.mark.realdata
@pytest.mark.slow
def test_cooldown_holds_across_two_recognize_processes(basedir: Path, lfw_dir: Path) -> None:
    b = ("--basedir", str(basedir))
    cli = [sys.executable, "-m", "faceapp"]
    enrol = subprocess.run([*cli, "enroll", "--name", "Tom Ridge", str(lfw_photo(lfw_dir, PERSON, 1)),
                            str(lfw_photo(lfw_dir, PERSON, 2)), *b], capture_output=True, text=True, timeout=120)
    assert enrol.returncode == 0, enrol.stderr
    probe = str(lfw_photo(lfw_dir, PERSON, 5))
    runs = [subprocess.Popen([*cli, "recognize", probe, probe, "--checkin", "--json", *b], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    events = [k for out, _ in outputs for line in out.splitlines() for k in json.loads(line)["events"]]
    assert events == ["check_in"]  # one desk recorded it; the other saw it in the database


@pytest.mark.parametrize("exact_below", [0, 10_000], ids=["graph", "exact"])
def test_gallery_notices_people_enrolled_and_removed_by_another_process(tmp_path: Path, exact_below: int) -> None:
    import numpy as np

    from faceapp.config import Paths
    from faceapp.store import IndexParams

    paths = Paths.resolve(tmp_path / "home").ensure()
    params = IndexParams(exact_below=exact_below, threads=1)
    writer, reader = (Gallery.open(paths, "m", 8, params=params) for _ in range(2))  # two connections
    try:
        vector = np.eye(8, dtype=np.float32)[2]
        assert reader.identify(vector[None], model="m")[0].person_id is None  # nobody yet
        ann = writer.add_person("Ann").id
        writer.add_template(ann, np.zeros((112, 112, 3), np.uint8), vector)
        assert reader.identify(vector[None], model="m")[0].person_id == ann
        events_only = reader._data_version
        writer.events.add(dataclasses.replace(_event(), person_id=ann))
        assert reader.refresh_if_changed() is False and reader._data_version != events_only  # no rebuild for events
        writer.delete_person(ann)
        found = reader.identify(vector[None], model="m")[0]
        assert found.person_id is None  # gone from the search, no "no person with id" later
    finally:
        writer.close()
        reader.close()


def _event():
    from faceapp.records import Event

    return Event(None, T0, "UTC", EventKind.CHECK_IN, None, None, None, None, 0.7, 0.3, "desk")


def test_every_setting_is_either_applied_live_or_named_as_needing_a_restart() -> None:
    from dataclasses import fields

    from faceapp.config import Settings
    from faceapp.live.changes import LIVE_FIELDS, META_FIELDS, RESTART_FIELDS

    names = {f.name for f in fields(Settings)}
    assert not LIVE_FIELDS & RESTART_FIELDS
    assert names - LIVE_FIELDS - RESTART_FIELDS - META_FIELDS == set(), "classify each new setting"
    assert (LIVE_FIELDS | RESTART_FIELDS | META_FIELDS) - names == set(), "no stale names"
