"""End to end: printed-photo attacks of nuaa-dev, as a video, through the live service with the liveness stage.

A person is enrolled from two live frames; videos are built from that person's printed-photo
frames and from their live frames of the other session. Without liveness the photo checks in
(the attack this guards against); in block mode it does not, and a "spoof suspected" event with
its evidence and scores is stored; live frames still check in; log-only mode records both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import pytest

from faceapp.capture.sources import VideoCaptureSource
from faceapp.config import Settings
from faceapp.live.liveness_stage import LivenessStage, build_liveness_stage
from faceapp.live.runner import run_source
from faceapp.records import EventKind
from faceapp.services import Core
from faceapp.store.liveness import evidence_for
from faceapp.vision.liveness_track import LiveVerdict
from faceapp.vision.pipeline import FacePipeline
from tests.conftest import DATA, need

pytestmark = pytest.mark.realdata
SUBJECT = "0001"


@pytest.fixture(scope="module")
def nuaa() -> Path:
    path = need(DATA / "nuaa-dev")
    return path


def frames(nuaa: Path, label: str, session: str) -> list[Path]:
    found = (nuaa / label / SUBJECT).glob(f"{SUBJECT}_*_{session}_*.jpg")
    return sorted(found, key=lambda p: int(p.stem.split("_")[-1]))


def make_video(paths: list[Path], target: Path, repeat: int = 2, fps: float = 10.0) -> Path:
    """An MJPEG AVI showing each frame ``repeat`` times (a camera at ``fps``)."""
    first = cv2.imread(str(paths[0]))
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"MJPG"), fps, (first.shape[1], first.shape[0]))
    for path in paths:
        image = cv2.imread(str(path))
        for _ in range(repeat):
            writer.write(image)
    writer.release()
    return target


@pytest.fixture(scope="module")
def videos(nuaa: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    return {
        "spoof": make_video(frames(nuaa, "spoof", "01")[:10], folder / "spoof.avi"),
        "live": make_video(frames(nuaa, "live", "02")[:10], folder / "live.avi"),
    }


@pytest.fixture()
def open_core(basedir: Path, pipeline: FacePipeline, nuaa: Path) -> Iterator[Callable[[str], Core]]:
    """Opens a core in ``mode`` with the subject enrolled from two live frames of session 01."""
    made: list[Core] = []

    def opener(mode: str) -> Core:
        settings = replace(Settings(provider="cpu"), liveness_mode=mode)
        core = Core.open(basedir / mode, pipeline=pipeline, settings=settings)
        person = core.gallery.add_person("Subject 0001", employee_no="N1")
        live = frames(nuaa, "live", "01")
        for path in (live[0], live[len(live) // 2]):
            core.enroller().enrol_photo(person.id, path)
        core.person_id = person.id  # type: ignore[attr-defined]
        made.append(core)
        return core

    yield opener
    for core in made:
        core.close()


def play(core: Core, stage: LivenessStage, video: Path, first_track_id: int = 1) -> tuple[list, int]:
    service = core.live_service(stages=[stage], first_track_id=first_track_id)
    events: list = []
    try:
        report = run_source(service, VideoCaptureSource(str(video)), lambda r, f: events.extend(r.events))
    finally:
        service.close()
    assert report.ok and report.frames >= 15
    return events, service.next_track_id


def test_photo_checks_in_without_liveness(open_core, videos) -> None:
    core = open_core("off")
    events, _ = play(core, build_liveness_stage(core), videos["spoof"])
    assert [(e.kind, e.person_id) for e in events] == [(EventKind.CHECK_IN, core.person_id)]


def test_block_mode_stops_the_photo_and_lets_the_person_in(open_core, videos) -> None:
    core = open_core("block")
    stage = build_liveness_stage(core)
    events, next_id = play(core, stage, videos["spoof"])
    assert not [e for e in events if e.kind in (EventKind.CHECK_IN, EventKind.CHECK_OUT)]
    stored = core.gallery.events.list()
    (spoof,) = [e for e in stored if e.kind is EventKind.REJECTED]
    assert spoof.note.startswith("spoof suspected") and spoof.person_id == core.person_id
    assert core.gallery.events.snapshot_path(spoof).is_file()
    evidence = evidence_for(core.gallery.events, [spoof.id])[spoof.id]
    assert evidence.verdict == "spoof" and evidence.mode == "block"
    assert evidence.score < evidence.threshold and evidence.frames >= 3
    assert len(evidence.frame_scores) == evidence.frames
    assert stage.verdict(1) in (LiveVerdict.SPOOF, LiveVerdict.PENDING)  # PENDING once the track ended
    # the real person, a moment later: checked in
    events, _ = play(core, stage, videos["live"], first_track_id=next_id)
    checked = [(e.kind, e.person_id) for e in events if e.kind is not EventKind.UNKNOWN]  # a bystander behind
    assert checked == [(EventKind.CHECK_IN, core.person_id)]
    assert len([e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]) == 1


def test_log_mode_records_the_suspicion_but_holds_nothing_back(open_core, videos) -> None:
    core = open_core("log")
    events, _ = play(core, build_liveness_stage(core), videos["spoof"])
    assert [e.kind for e in events] == [EventKind.CHECK_IN]
    (spoof,) = [e for e in core.gallery.events.list() if e.kind is EventKind.REJECTED]
    assert spoof.note.endswith("(log only)")
    assert evidence_for(core.gallery.events, [spoof.id])[spoof.id].mode == "log"


def test_recognize_video_cli_blocks_the_photo(open_core, videos, capsys: pytest.CaptureFixture[str]) -> None:
    """``faceapp recognize --video --checkin`` with block mode saved in the settings: the CLI runs the stage."""
    import json

    from faceapp.cli import main

    core = open_core("block")
    core.settings.save(core.paths.settings_file)
    home = core.paths.data.parent
    core.close()
    assert main(["recognize", "--video", str(videos["spoof"]), "--checkin", "--json", "--basedir", str(home)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert lines and not [e for line in lines for e in line["events"] if e in ("check_in", "check_out")]
    assert lines[-1]["extras"]["live"] == "spoof" and lines[-1]["extras"]["liveness"] < 0.5
    reopened = Core.open(home, pipeline=core.pipeline)
    try:
        assert [e.kind for e in reopened.gallery.events.list()] == [EventKind.REJECTED]
    finally:
        reopened.close()
