"""The crash dialog: an unexpected error, the end of the log, and where the log file is.

:class:`CrashReporter` listens to :mod:`faceapp.logs` (uncaught exceptions of the main thread and
of worker threads, already logged with their traceback) and shows :class:`CrashDialog` on the GUI
thread. Only the first crash opens a dialog at a time; later ones are in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from faceapp import logs

log = logging.getLogger(__name__)

TAIL_LINES = 40


class CrashDialog(QDialog):
    """Says that something went wrong, shows the end of the log and the log file's path."""

    def __init__(self, summary: str, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Unexpected error"))
        self.setMinimumWidth(640)
        intro = QLabel(self.tr("faceapp ran into an unexpected error (a bug). Your data is safe; what was "
                               "being done may not have finished. Please send the log file to support."), self)
        intro.setWordWrap(True)
        self.summary = QLabel(summary, self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where = str(log_file) if log_file is not None else self.tr("no log file could be written")
        self.where = QLabel(self.tr("Log file: {path}").format(path=where), self)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tail = QPlainTextEdit(self)
        self.tail.setReadOnly(True)
        self.tail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tail.setPlainText(logs.tail(TAIL_LINES, log_file) if log_file is not None else "")
        self.tail.moveCursor(self.tail.textCursor().MoveOperation.End)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.summary, self.where, self.tail, buttons):
            layout.addWidget(widget)


class CrashReporter(QObject):
    """Shows a :class:`CrashDialog` (on the GUI thread) for every crash :mod:`faceapp.logs` reports."""

    crashed = Signal(str, str)

    def __init__(self, parent_window: QWidget | None = None) -> None:
        super().__init__(parent_window)
        self.window = parent_window
        self.dialog: CrashDialog | None = None
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)
        logs.add_crash_listener(self._listen)

    def close(self) -> None:
        """Stop listening (the window is going away)."""
        logs.remove_crash_listener(self._listen)

    def _listen(self, summary: str, log_file: Path | None) -> None:
        self.crashed.emit(summary, "" if log_file is None else str(log_file))  # from any thread

    @Slot(str, str)
    def _show(self, summary: str, log_file: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return
        self.dialog = CrashDialog(summary, Path(log_file) if log_file else None, self.window)
        self.dialog.open()
