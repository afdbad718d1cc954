"""End to end through the live service: a video of an employee with access, one without and a
stranger, played by ``faceapp recognize --video --door``; the door's HTTP relay (a real server on
loopback) is asked exactly once, the others are denied with their reasons."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.access.journal import Journal
from faceapp.access.store import AccessStore
from faceapp.cli import main
from faceapp.config import Settings
from faceapp.live.access_stage import AccessStage
from faceapp.live.stages import Phase, Stage, StageOutcome, TrackContext
from faceapp.services import Core
from faceapp.vision.pipeline import FacePipeline

from .conftest import free_port

ALLOWED, REFUSED, STRANGER = "Abel_Pacheco", "Anders_Fogh_Rasmussen", "Abdel_Madi_Shabneh"
FPS = 10.0


def _frame(photo: Path | None) -> np.ndarray:
    frame = np.full((480, 640, 3), 60, np.uint8)
    if photo is not None:
        frame[90:390, 170:470] = cv2.resize(cv2.imread(str(photo)), (300, 300), interpolation=cv2.INTER_CUBIC)
    return frame


def make_video(path: Path, photos: list[Path], frames_each: int, gap: int = 8) -> Path:
    """Each photo for ``frames_each`` frames, with empty frames between people (tracks end)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    for photo in photos:
        for _ in range(frames_each):
            writer.write(_frame(photo))
        for _ in range(gap):
            writer.write(_frame(None))
    writer.release()
    return path


@pytest.mark.realdata
@pytest.mark.slow
def test_video_opens_the_door_once_and_denies_the_others(
        tmp_path: Path, lfw_dir: Path, pipeline: FacePipeline, http_server, capsys) -> None:
    images = lfw_dir / "images"
    base = tmp_path / "home"
    core = Core.open(base, pipeline=pipeline)
    try:
        ids = {}
        for name, number in ((ALLOWED, "E-1"), (REFUSED, "E-2")):
            person = core.gallery.add_person(name.replace("_", " "), employee_no=number)
            for n in (1, 2):
                core.enroller().enrol_photo(person.id, images / name / f"{name}_000{n}.jpg")
            ids[name] = person.id
    finally:
        core.close()
    url, handler = http_server

    def cli(*args: str) -> list[dict]:
        capsys.readouterr()
        assert main([*args, "--basedir", str(base), "--json"]) == 0
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    cli("access", "door", "add", "front", "--direction", "in", "--output", f"{url}/relay/0?turn=on",
        "--attendance", "yes")
    cli("access", "level", "add", "staff", "--doors", "front", "--schedule", "daily 00:00-24:00")
    cli("access", "grant", "E-1", "staff")
    video = make_video(tmp_path / "door.avi", [images / ALLOWED / f"{ALLOWED}_0003.jpg",
                                               images / REFUSED / f"{REFUSED}_0003.jpg",
                                               images / STRANGER / f"{STRANGER}_0001.jpg"], frames_each=15)
    lines = cli("recognize", "--video", str(video), "--door", "front")

    assert len(handler.requests) == 1 and handler.requests[0]["path"] == "/relay/0?turn=on"
    decided = {(line["name"] or line["verdict"], line["decision"], line["reason"]) for line in lines
               if line.get("decision")}
    assert decided == {("Abel Pacheco", "grant", "granted"), ("Anders Fogh Rasmussen", "deny", "no_level"),
                       ("unknown", "deny", "unknown")}
    core = Core.open(base, pipeline=pipeline)
    try:
        journal = Journal(AccessStore(core.gallery.database, core.zone), core.paths.data)
        events = journal.events(kinds=("decision",))
        known = [(e.person_id, e.decision, e.reason) for e in events if e.person_id is not None]
        assert known == [(ids[ALLOWED], "grant", "granted"), (ids[REFUSED], "deny", "no_level")]
        strangers = [(e.decision, e.reason) for e in events if e.person_id is None]  # incl. LFW background faces
        assert strangers and set(strangers) == {("deny", "unknown")}
        assert all(journal.snapshot_path(e).is_file() for e in events)
        check_in = core.gallery.events.get(events[0].attendance_event_id)
        assert check_in.person_id == ids[ALLOWED] and check_in.kind.value == "check_in"
        assert journal.events(kinds=("fault",)) == []
    finally:
        core.close()


@pytest.mark.realdata
@pytest.mark.slow
def test_dead_relay_is_a_door_fault_and_recognition_goes_on(
        tmp_path: Path, lfw_dir: Path, pipeline: FacePipeline, capsys) -> None:
    images = lfw_dir / "images"
    base = tmp_path / "home"
    core = Core.open(base, pipeline=pipeline)
    try:
        person = core.gallery.add_person("Abel Pacheco", employee_no="E-1")
        core.enroller().enrol_photo(person.id, images / ALLOWED / f"{ALLOWED}_0001.jpg")
        store = AccessStore(core.gallery.database, core.zone)
        store.add_door("front", output=f"http://127.0.0.1:{free_port()}/open")  # nothing listens there
        store.add_level("staff", ["front"], "always")
        store.grant(person.id, "staff")
    finally:
        core.close()
    video = make_video(tmp_path / "door.avi", [images / ALLOWED / f"{ALLOWED}_0003.jpg"], frames_each=15, gap=0)
    assert main(["recognize", "--video", str(video), "--door", "front", "--json", "--basedir", str(base)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    granted = [line["frame"] for line in lines if line["decision"] == "grant"]
    assert granted and max(line["frame"] for line in lines) > granted[0]  # recognition went on after the grant
    core = Core.open(base, pipeline=pipeline)
    try:
        journal = Journal(AccessStore(core.gallery.database, core.zone), core.paths.data)
        (fault,) = journal.events(kinds=("fault",))
        assert fault.door == "front" and fault.reason == "door_fault" and "after 3 attempts" in fault.note
    finally:
        core.close()


class VerdictGate(Stage):
    """Stands in for the liveness GATE stage: writes its per-track verdict into the extras."""

    name = "liveness_verdict"
    phase = Phase.GATE

    def __init__(self, verdict: str) -> None:
        self.verdict = verdict

    def __call__(self, ctx: TrackContext) -> StageOutcome:
        return StageOutcome(extras={"live": self.verdict, "liveness": 0.9 if self.verdict == "live" else 0.1})


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize(("verdict", "expected"), [("spoof", ("deny", "spoof")), ("live", ("grant", "granted"))])
def test_door_requiring_liveness_follows_the_liveness_verdict(
        tmp_path: Path, lfw_dir: Path, pipeline: FacePipeline, http_server, verdict: str,
        expected: tuple[str, str]) -> None:
    url, handler = http_server
    images = lfw_dir / "images"
    core = Core.open(tmp_path / "home", pipeline=pipeline)
    try:
        person = core.gallery.add_person("Abel Pacheco", employee_no="E-1")
        core.enroller().enrol_photo(person.id, images / ALLOWED / f"{ALLOWED}_0001.jpg")
        store = AccessStore(core.gallery.database, core.zone)
        store.add_door("front", output=f"{url}/open", liveness="on")
        store.add_level("staff", ["front"], "always")
        store.grant(person.id, "staff")
        stage = AccessStage(Journal(store, core.paths.data), "front")
        service = core.live_service(checkin=False, stages=[VerdictGate(verdict), stage])
        frame = _frame(images / ALLOWED / f"{ALLOWED}_0003.jpg")
        for index in range(8):
            result = service.process(frame, 1_800_000_000 + index / FPS, index)
        stage.close()
        service.close()
    finally:
        core.close()
    assert [(d.decision, d.reason.value) for d, _ in stage.decisions if d.person_id == person.id] == [expected]
    face = max(result.frame.faces, key=lambda f: f.box[2] - f.box[0])  # LFW photos have small background faces
    assert face.extras["decision"] == expected[0]
    assert len(handler.requests) == (1 if verdict == "live" else 0)


@pytest.mark.realdata
@pytest.mark.slow
def test_with_the_desk_the_pass_is_one_check_in_linked_to_the_door_decision(
        tmp_path: Path, lfw_dir: Path, pipeline: FacePipeline) -> None:
    images = lfw_dir / "images"
    rules = {"consensus_frames": 5, "consensus_window": 6}  # the desk wants more looks than the door stage
    core = Core.open(tmp_path / "home", pipeline=pipeline, settings=Settings(provider="cpu", desk_rules=rules))
    try:
        person = core.gallery.add_person("Abel Pacheco", employee_no="E-1")
        core.enroller().enrol_photo(person.id, images / ALLOWED / f"{ALLOWED}_0001.jpg")
        store = AccessStore(core.gallery.database, core.zone)
        store.add_door("front", direction="in", records_attendance=True)
        store.add_level("staff", ["front"], "always")
        store.grant(person.id, "staff")
        stage = AccessStage(Journal(store, core.paths.data), "front", use_desk=True)
        service = core.live_service(checkin=True, stages=[stage])
        frame = _frame(images / ALLOWED / f"{ALLOWED}_0003.jpg")
        for index in range(30):
            service.process(frame, 1_800_000_000 + index / FPS, index)
        stage.close()
        service.close()
        check_ins = [e for e in core.gallery.events.list() if e.person_id == person.id]
        granted = [(d, e) for d, e in stage.decisions if d.person_id == person.id]
    finally:
        core.close()
    assert [e.kind.value for e in check_ins] == ["check_in"]
    assert check_ins[0].note == ""  # the desk's own check-in (the journal would have noted "door front")
    assert len(granted) == 1 and granted[0][1].attendance_event_id == check_ins[0].id
