"""The main window, the Live page end to end, and ``faceapp gui --screenshot``."""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel

from faceapp.capture.sources import Backoff, FrameSource, SourceState
from faceapp.config import Paths
from faceapp.errors import CameraError
from faceapp.records import Identification, Verdict
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services
from faceapp.vision.tracker import FaceState


@pytest.fixture()
def window(qtbot, services: Services) -> MainWindow:
    win = MainWindow(services)
    qtbot.addWidget(win)  # closed (threads stopped) after the test
    win.show()
    return win


def test_window_opens_on_a_temporary_basedir(window: MainWindow, services: Services, basedir: Path) -> None:
    assert services.paths == Paths.resolve(basedir) and (basedir / "data").is_dir()
    assert window.windowTitle() == "faceapp — Live"
    assert not window.windowIcon().isNull()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&People", "&View", "&Help"]
    assert window.stack.currentWidget() is window.live and window.nav.count() == 2
    assert "CPU" in window.live.provider_label.text()


def test_pages_can_be_added(window: MainWindow) -> None:
    index = window.add_page("Reports", QLabel("reports"))
    assert window.nav.count() == 3 and index == 2
    window.nav.setCurrentRow(2)
    assert window.windowTitle() == "faceapp — Reports" and window.stack.currentIndex() == 2
    window.show_page(0)
    assert window.windowTitle() == "faceapp — Live"


def test_missing_camera_explains_what_to_do(qtbot, window: MainWindow) -> None:
    window.open_source(97)
    qtbot.waitUntil(lambda: "no camera found at index 97" in window.live.view.message.lower(), timeout=10000)
    assert "Open video file" in window.live.view.message and not window.live.view.has_frame


def test_missing_path_explains_what_to_do(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.open_source(str(tmp_path / "nowhere.mp4"))
    qtbot.waitUntil(lambda: "no such file, folder or camera" in window.live.view.message.lower(), timeout=5000)


@pytest.mark.realdata
def test_live_page_shows_slideshow_with_faces(qtbot, window: MainWindow, lfw_dir: Path) -> None:
    window.open_source(str(lfw_dir / "images" / "Lleyton_Hewitt"))
    live = window.live
    qtbot.waitUntil(lambda: live.view.has_frame and bool(live.view.faces), timeout=30000)
    qtbot.waitUntil(lambda: live.video_rate.rate() > 0 and live.latency_ms > 0, timeout=10000)
    live._show_rates()
    assert "fps" in live.fps_label.text() and " ms" in live.latency_label.text()
    face = live.view.faces[0]
    assert face.box[2] > face.box[0] and len(face.landmarks) == 5


def test_file_menu_opens_a_video_file(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    clip = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    for i in range(50):
        writer.write(np.full((48, 64, 3), i * 5, np.uint8))
    writer.release()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(clip), ""))
    states: list[str] = []
    window.live.source_state_changed.connect(lambda state, message: states.append(state))
    window.open_file_action.trigger()
    qtbot.waitUntil(lambda: window.live.view.has_frame and "ended" in states, timeout=15000)
    assert window.live.session.source_name == str(clip)


def test_file_menu_opens_a_url(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("rtsp://127.0.0.1:1/none", True))
    window.open_url_action.trigger()
    message = "cannot connect to rtsp://127.0.0.1:1/none"
    qtbot.waitUntil(lambda: message in window.live.view.message.lower(), timeout=30000)


def test_gui_command_options(basedir: Path) -> None:
    from faceapp.cli import gui_cmds

    parser = argparse.ArgumentParser()
    gui_cmds.register(parser.add_subparsers())
    args = parser.parse_args(["gui", "--basedir", str(basedir), "--source", "rtsp://cam/1", "--quit-after", "2.5"])
    assert (args.source, args.quit_after, args.screenshot, args.basedir) == ("rtsp://cam/1", 2.5, None, basedir)
    assert args.page == "live" and parser.parse_args(["gui", "--page", "people"]).page == "people"
    assert callable(args.func)


_RUN_GUI_COMMAND = """
import argparse, sys
from faceapp.cli import gui_cmds
parser = argparse.ArgumentParser()
gui_cmds.register(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


@pytest.mark.realdata
def test_gui_command_saves_a_screenshot(basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    # A process of its own: the command runs (and quits) its own Qt event loop.
    out = tmp_path / "shots" / "live.png"
    argv = ["gui", "--basedir", str(basedir), "--source", str(lfw_dir / "images" / "Tom_Ridge"),
            "--screenshot", str(out), "--quit-after", "2"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", _RUN_GUI_COMMAND, *argv], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    shot = QImage(str(out))
    assert not shot.isNull() and shot.width() >= 800 and shot.height() >= 500


class FlakyCamera(FrameSource):
    """A live source that loses its stream on read 3 and comes back when reopened."""

    name, is_live = "flaky camera", True

    def __init__(self) -> None:
        self.reads = 0

    def open(self) -> None:
        pass

    def read(self) -> np.ndarray | None:
        self.reads += 1
        if self.reads == 3:
            raise CameraError("stream lost")
        return np.full((120, 160, 3), 90, np.uint8)

    def close(self) -> None:
        pass


def test_reconnecting_is_shown_on_the_video(qtbot, window: MainWindow, services: Services) -> None:
    services.live = replace(services.live, reconnect=Backoff(0.3, 2.0, 0.3))
    seen: list[SourceState] = []
    window.live.source_state_changed.connect(lambda state, message: seen.append(window.live.view.state))
    window.live.session.start_source(FlakyCamera())
    qtbot.waitUntil(lambda: SourceState.RECONNECTING in seen, timeout=5000)
    assert "stream lost" in window.live.view._status
    qtbot.waitUntil(lambda: seen[-1] is SourceState.LIVE and seen.count(SourceState.LIVE) == 2, timeout=5000)


@pytest.mark.realdata
def test_slow_recognition_does_not_slow_the_video(qtbot, window: MainWindow, services: Services, lfw_dir: Path) -> None:
    def slow_recogniser(embeddings: np.ndarray) -> list[Identification]:
        threading.Event().wait(0.25)  # a slow gallery, on the recognition thread
        return [Identification(None, None, 0.1, 1.0, Verdict.UNKNOWN) for _ in embeddings]

    services.recogniser = slow_recogniser
    services.live = replace(services.live, embed_every=1)  # identify on every frame: as slow as it gets
    frames: list[int] = []
    results: list[int] = []
    window.live.session.frame_ready.connect(lambda image, ts, index: frames.append(index))
    window.live.session.result_ready.connect(lambda result: results.append(result.frame_index))
    window.open_source(str(lfw_dir / "images" / "Tom_Ridge"))
    qtbot.waitUntil(lambda: len(results) >= 4, timeout=20000)
    assert len(frames) >= 3 * len(results)  # video kept flowing while recognition lagged
    assert all(b - a > 1 for a, b in itertools.pairwise(results))  # recognition skipped stale frames
    assert window.live.view.faces and window.live.view.faces[0].state is FaceState.UNKNOWN


@pytest.mark.realdata


def test_people_page_opens_the_enrolment_dialog_for_the_selection(qtbot, window: MainWindow,
                                                                   services: Services) -> None:
    person = services.core.gallery.add_person("Ada Lovelace")
    window.people.refresh()
    window.people.select_person(person.id)
    window.people.photos_button.click()
    dialog = window.enrol_dialog
    assert dialog is not None and dialog.isVisible() and dialog.person_form.person_id() == person.id
    assert not dialog.person_form.name.isEnabled()
    window.close()
    assert window.enrol_dialog is None or not window.enrol_dialog.isVisible()
