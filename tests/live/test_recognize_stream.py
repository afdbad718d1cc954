"""``faceapp recognize --video``: the live service, stage extras in JSON, how the source ended on stderr."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.cli import main, recognize_cmds
from faceapp.live import Phase, Stage, StageOutcome, TrackContext
from tests.live.conftest import PERSON, lfw_photo

pytestmark = pytest.mark.realdata


def _video(path: Path, photo: Path, frames: int = 20) -> Path:
    image = cv2.imread(str(photo))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (image.shape[1], image.shape[0]))
    for _ in range(frames):
        writer.write(image)
    writer.release()
    return path


def _enrol(basedir: Path, lfw_dir: Path, capsys) -> None:
    photos = [str(lfw_photo(lfw_dir, PERSON, n)) for n in (1, 2)]
    code = main(["enroll", "--name", "Tom Ridge", *photos, "--basedir", str(basedir)])
    capsys.readouterr()
    assert code == 0


class Door(Stage):
    name, phase = "door", Phase.DECISION

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        return StageOutcome({"access": "granted"}) if ctx.confirmed is not None else None


def test_video_checks_in_once_and_carries_stage_extras(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _enrol(basedir, lfw_dir, capsys)
    video = _video(tmp_path / "door.avi", lfw_photo(lfw_dir, PERSON, 5))
    monkeypatch.setattr(recognize_cmds, "build_stages", lambda core, args: [Door()])
    code = main(["recognize", "--video", str(video), "--checkin", "--json", "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and "truncated" not in err and "error" not in err
    assert [e for line in lines for e in line["events"]] == ["check_in"]
    assert lines[0]["name"] == "Tom Ridge" and lines[0]["frame"] == 0 and lines[0]["extras"] == {}
    assert lines[-1]["extras"] == {"access": "granted"}
    # re-identified on every frame until decided, then only now and then (not on all 20 frames)
    assert 3 <= len(lines) < 20


def test_truncated_video_is_reported_on_stderr(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    whole = _video(tmp_path / "whole.avi", lfw_photo(lfw_dir, PERSON, 5), frames=30)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    code = main(["recognize", "--video", str(cut), "--json", "--max-frames", "0", "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 0 and "of the 30 frames it announces" in err and "truncated" in err
    assert all(json.loads(line)["path"] == str(cut) for line in out.splitlines())  # stdout stays JSON


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100])
def test_unreadable_video_fails_clearly(capsys, basedir: Path, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.avi"
    bad.write_bytes(content)
    code = main(["recognize", "--video", str(bad), "--json", "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "no frame could be read" in err and "bad.avi" in err


def test_missing_video_and_empty_folder_say_so(capsys, basedir: Path, tmp_path: Path) -> None:
    code = main(["recognize", "--video", str(tmp_path / "nothing.mp4"), "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "no such video file" in err
    (tmp_path / "empty").mkdir()
    code = main(["recognize", str(tmp_path / "empty"), "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "no photos found" in err


def test_photo_errors_go_to_stderr(capsys, basedir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(np.arange(100, dtype=np.uint8).tobytes())
    code = main(["recognize", str(bad), "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "broken.jpg" in err and "error" in err


def test_recognize_says_which_folder_entries_it_left_out_and_why(capsys, basedir: Path, tmp_path: Path,
                                                                 lfw_dir: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a photo", encoding="utf-8")
    os.mkfifo(folder / "pipe.jpg")
    shutil.copy(lfw_dir / "images" / "Abel_Pacheco" / "Abel_Pacheco_0001.jpg", folder / "abel.jpg")
    code = main(["recognize", str(folder), "--json", "--basedir", str(basedir)])
    out, err = capsys.readouterr()
    assert code == 0 and [json.loads(line)["path"] for line in out.splitlines()] == [str(folder / "abel.jpg")]
    assert "ignored" in err and "notes.txt" in err and "pipe.jpg" in err
