"""Chinese renders with real glyphs without system CJK fonts; crashes show a dialog with the log."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from faceapp import logs
from faceapp.ui.app import create_application
from faceapp.ui.dialogs.crash import CrashDialog, CrashReporter
from faceapp.ui.fonts import register_bundled_fonts
from faceapp.ui.i18n import install_language


def _pixels(qtbot: QtBot, text: str) -> np.ndarray:
    label = QLabel(text)
    label.setFont(QFont())  # the application font, as every widget that sets none
    qtbot.addWidget(label)
    label.resize(240, 40)
    image = label.grab().toImage()
    bits = image.constBits()
    return np.frombuffer(bits, np.uint8, image.sizeInBytes()).copy()


def test_a_translated_label_renders_real_chinese_glyphs(qtbot: QtBot, qapp: QApplication) -> None:
    assert create_application() is qapp  # what the app does at start: registers the bundled font
    assert "WenQuanYi Micro Hei" in register_bundled_fonts(qapp)
    translations = install_language(qapp, "zh_CN")
    try:
        text = QCoreApplication.translate("MainWindow", "&Lock administration").replace("&", "")
    finally:
        translations.clear()
    hanzi = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")  # Latin "(L)" would render anyway
    assert hanzi == "锁定管理"
    boxes = "\ue000" * len(hanzi)  # private-use characters: no font has them, Qt draws empty boxes
    other = "考勤人员"
    rendered, unknown, different = (_pixels(qtbot, t) for t in (hanzi, boxes, other))
    blank = _pixels(qtbot, "")
    assert not np.array_equal(rendered, blank)
    assert not np.array_equal(rendered, unknown)  # real glyphs, not replacement boxes
    assert not np.array_equal(rendered, different)  # and different characters look different


@pytest.fixture()
def crash_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    path = logs.setup(tmp_path / "home", console=False)
    assert path is not None
    yield path
    logs.shutdown()


def test_a_crash_in_a_worker_thread_opens_the_crash_dialog_with_the_log(qtbot: QtBot, crash_log: Path) -> None:
    reporter = CrashReporter()
    try:
        def work() -> None:
            raise RuntimeError("the recogniser failed")

        worker = threading.Thread(target=work, name="recogniser")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5000)
        dialog = reporter.dialog
        assert isinstance(dialog, CrashDialog)
        qtbot.addWidget(dialog)
        assert "RuntimeError: the recogniser failed" in dialog.summary.text()
        assert str(crash_log) in dialog.where.text()
        tail = dialog.tail.toPlainText()
        assert "uncaught exception in thread recogniser" in tail and "Traceback" in tail
    finally:
        reporter.close()


def test_the_crash_dialog_without_a_log_file_says_so(qtbot: QtBot) -> None:
    dialog = CrashDialog("main thread: ValueError: x", None)
    qtbot.addWidget(dialog)
    assert "no log file" in dialog.where.text() and dialog.tail.toPlainText() == ""


@pytest.mark.realdata
def test_the_desktop_entry_point_writes_a_private_log_file(basedir: Path, lfw_dir: Path) -> None:
    """The frozen GUI's entry (``run_gui``, no console) logs to ``<data>/logs/faceapp.log``, 0600."""
    import os
    import stat
    import subprocess

    from faceapp.config import Paths

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "faceapp.ui.app", "--basedir", str(basedir), "--source",
                           str(lfw_dir / "images" / "Tom_Ridge"), "--quit-after", "1"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    log_file = Paths.resolve(basedir).logs / "faceapp.log"
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert "pipeline:" in log_file.read_text(encoding="utf-8")
