"""One logging set-up: a private rotating file, crash hooks for every thread, no photo paths."""

from __future__ import annotations

import logging
import os
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from faceapp import logs
from faceapp.config import Paths


@pytest.fixture()
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Path | None]]]:
    """Fresh excepthooks (restored afterwards), a crash listener, and the handlers removed at the end."""
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    seen: list[tuple[str, Path | None]] = []

    def listener(summary: str, path: Path | None) -> None:
        seen.append((summary, path))

    logs.add_crash_listener(listener)
    yield seen
    logs.remove_crash_listener(listener)
    logs.shutdown()


def test_the_log_file_and_its_rotated_copies_are_private_under_umask_000(tmp_path: Path, hooks: list) -> None:
    previous = os.umask(0)
    try:
        path = logs.setup(tmp_path / "home", console=False)
        assert os.umask(0) == 0o077  # the entry point narrowed it for everything written later
    finally:
        os.umask(previous)
    assert path == Paths.resolve(tmp_path / "home").logs / "faceapp.log" == logs.log_file()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logs.PrivateRotatingFileHandler):
            handler.maxBytes = 2_000
    for n in range(100):
        logging.getLogger("faceapp.test").info("line %d %s", n, "x" * 50)
    files = sorted(path.parent.glob("faceapp.log*"))
    assert len(files) == 1 + logs.BACKUPS
    assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o600"}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_setting_up_twice_logs_each_line_once(tmp_path: Path, hooks: list) -> None:
    logs.setup(tmp_path / "a", console=False)
    path = logs.setup(tmp_path / "a", console=False)
    logging.getLogger("faceapp.test").warning("only once")
    assert path is not None and path.read_text(encoding="utf-8").count("only once") == 1


def test_uncaught_errors_of_worker_and_main_threads_are_logged_with_traceback(tmp_path: Path, hooks: list) -> None:
    path = logs.setup(tmp_path / "home", console=False)

    def work() -> None:
        raise RuntimeError("boom in the worker")

    worker = threading.Thread(target=work, name="recogniser")
    worker.start()
    worker.join()
    try:
        raise ValueError("boom in main")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "uncaught exception in thread recogniser" in text and "RuntimeError: boom in the worker" in text
    assert "uncaught exception in main thread" in text and "ValueError: boom in main" in text
    assert text.count("Traceback (most recent call last)") == 2
    assert [summary for summary, _ in hooks] == ["thread recogniser: RuntimeError: boom in the worker",
                                                 "main thread: ValueError: boom in main"]
    assert all(where == path for _, where in hooks)


def test_photo_paths_never_reach_the_log_file(tmp_path: Path, hooks: list) -> None:
    path = logs.setup(tmp_path / "home", console=False)
    log = logging.getLogger("faceapp.test")
    log.warning("cannot read %s", "/srv/photos/Jane Roe/Jane_Roe_0001.jpg")
    try:
        open("/srv/photos/Jane Roe/Jane_Roe_0002.JPG")  # noqa: SIM115 - the error names the path
    except OSError:
        log.exception("failed")
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "Jane" not in text and text.count("<photo>") >= 2
    assert "FileNotFoundError" in logs.tail(5, path) and "<photo>" in logs.tail(5, path)


def test_a_data_folder_of_an_older_version_is_made_private_once(tmp_path: Path, hooks: list) -> None:
    paths = Paths.resolve(tmp_path / "home")
    old = paths.data / "snapshots" / "2026" / "01"
    old.mkdir(parents=True)
    for folder in (paths.data, paths.data / "snapshots", paths.data / "snapshots" / "2026", old):
        folder.chmod(0o755)
    photo = old / "a.jpg"
    photo.write_bytes(b"x")
    photo.chmod(0o644)
    logs.setup(tmp_path / "home", console=False)
    assert stat.S_IMODE(photo.stat().st_mode) == 0o600 and stat.S_IMODE(old.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.data.stat().st_mode) == 0o700
    photo.chmod(0o644)  # the walk is not repeated at every start
    logs.setup(tmp_path / "home", console=False)
    assert stat.S_IMODE(photo.stat().st_mode) == 0o644
