"""Runs ``faceapp`` commands (the trainer, model activation) in a separate process.

Training never runs in the GUI process: a crash or an out-of-memory in PyTorch cannot take the
window down, and the desk keeps recognising. The child prints one JSON object per line
(``--json``); each complete line arrives here as a dict through :attr:`CommandProcess.record`.
The GUI imports no torch: it only starts processes and reads their JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from faceapp.config import Paths

log = logging.getLogger(__name__)

#: How long a stopped process may take to leave before it is killed (ms).
STOP_GRACE_MS = 5000
STDERR_TAIL = 4000


def faceapp_program() -> list[str]:
    """The command that runs ``faceapp`` here: this interpreter with ``-m faceapp``, or in the
    frozen build the ``faceapp`` CLI beside the GUI (built without PyTorch: it says so)."""
    if getattr(sys, "frozen", False):
        cli = Path(sys.executable).with_name("faceapp.exe" if sys.platform == "win32" else "faceapp")
        return [str(cli)]
    return [sys.executable, "-m", "faceapp"]


def basedir_of(paths: Paths) -> Path | None:
    """The ``--basedir`` that gives these folders (None for the platform folders)."""
    if paths.config.name == "config" and paths.config.parent / "data" == paths.data:
        return paths.config.parent
    return None


def basedir_args(paths: Paths) -> list[str]:
    """``--basedir`` for a child process that must use the same folders as this app (none for
    the platform folders, which the child finds by itself)."""
    base = basedir_of(paths)
    return ["--basedir", str(base)] if base is not None else []


class CommandProcess(QObject):
    """One child ``faceapp`` process at a time, its JSON lines as signals.

    Signals:
        record(dict): one parsed JSON line of the child's standard output.
        finished(int, str): exit code (-1 after a crash or a stop) and the end of its standard error.
    """

    record = Signal(dict)
    finished = Signal(int, str)

    def __init__(self, program: list[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.program = program or faceapp_program()
        self.process: QProcess | None = None
        self._buffer = b""
        self._stderr = b""
        self.stopped = False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
        """Start ``faceapp ARGS`` (with extra environment ``env``); RuntimeError when one already runs."""
        if self.running:
            raise RuntimeError("a process is already running")
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")
        for key, value in (env or {}).items():
            environment.insert(key, value)
        process.setProcessEnvironment(environment)
        if cwd is not None:
            process.setWorkingDirectory(str(cwd))
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self.process, self._buffer, self._stderr, self.stopped = process, b"", b"", False
        log.info("starting: faceapp %s", " ".join(args))
        process.start(self.program[0], [*self.program[1:], *args])

    def stop(self) -> None:
        """Ask the child to stop (terminate), and kill it if it has not left after a grace time."""
        if not self.running or self.process is None:
            return
        self.stopped = True
        self.process.terminate()
        if not self.process.waitForFinished(STOP_GRACE_MS):
            self.process.kill()
            self.process.waitForFinished(STOP_GRACE_MS)

    def _read_stdout(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._emit_line(line)

    def _emit_line(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").strip()
        if not text.startswith("{"):
            return
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError:
            log.warning("not a JSON line from the child process: %.120s", text)
            return
        if isinstance(value, dict):
            self.record.emit(value)

    def _read_stderr(self) -> None:
        if self.process is not None:
            self._stderr = (self._stderr + bytes(self.process.readAllStandardError().data()))[-STDERR_TAIL:]

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        if self._buffer.strip():
            self._emit_line(self._buffer)
            self._buffer = b""
        self._read_stderr()
        crashed = status == QProcess.ExitStatus.CrashExit
        self.finished.emit(-1 if crashed or self.stopped else int(code), self._stderr.decode("utf-8", "replace"))

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.finished.emit(-1, f"could not start {self.program[0]}")
