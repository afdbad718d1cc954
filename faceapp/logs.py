"""One logging set-up for the GUI, the CLI and the trainer; crashes end up in the log.

:func:`setup` gives the root logger a console handler (optional) and a rotating file
``<data>/logs/faceapp.log`` that is private to the user (0600, also its rotated copies), narrows
the process umask so that everything the program writes under the data folder is private, and
installs hooks that log uncaught exceptions of the main thread (``sys.excepthook``) and of any
other thread (``threading.excepthook``) with their traceback. A GUI registers a crash listener
(:func:`add_crash_listener`) to show the user what happened and where the log is.

The log names people by id only. As a second line of defence, the file handler replaces anything
that looks like the path of a photo with ``<photo>`` (photo file names are often people's names).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from faceapp.config import Paths
from faceapp.private import FILE_MODE, make_dirs, restrict_umask, secure_tree, write_private

LOG_NAME = "faceapp.log"
PRIVATE_MARKER = ".private"  # in the data folder: an older folder was made private once
MAX_BYTES = 2_000_000
BACKUPS = 3
FILE_FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"

CrashListener = Callable[[str, Path | None], None]

_listeners: list[CrashListener] = []
_state: dict[str, Path | None] = {"file": None}
_PHOTO = re.compile(r"""(?:[A-Za-z]:)?[^\s'"<>|:]*[\\/][^'"<>|\n]*?\.(?:jpe?g|png|bmp|webp|tiff?|heic)\b""",
                    re.IGNORECASE)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file created 0600 whatever the umask (rotated copies keep the mode)."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_CREAT | os.O_WRONLY | os.O_APPEND, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


class RedactPhotoPaths(logging.Filter):
    """Replace photo paths in a record's final text with ``<photo>`` (they often carry names)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        cleaned = _PHOTO.sub("<photo>", text)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _PHOTO.sub("<photo>", record.exc_text)
        if cleaned != text:
            record.msg, record.args = cleaned, None
        return True


def redact(text: str) -> str:
    """``text`` with photo paths replaced by ``<photo>``."""
    return _PHOTO.sub("<photo>", text)


class QuietPoolRetries(logging.Filter):
    """Keeps the connection pool's retry warnings (one every few seconds while a database server is
    unreachable) off the console; the log file keeps them, and the front ends say it once themselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("psycopg.pool") and record.levelno < logging.ERROR)


def setup(basedir: str | os.PathLike[str] | Paths | None = None, *, verbose: bool = False, console: bool = True,
          console_format: str = "faceapp: %(levelname)s: %(message)s") -> Path | None:
    """Configure logging for an entry point; returns the log file (``None`` when it cannot be written).

    Safe to call again (tests run several commands in one process): the handlers of an earlier
    call are replaced.
    """
    restrict_umask()
    shutdown()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(logging.Formatter(console_format))
        stream.addFilter(QuietPoolRetries())
        _own(root, stream)
    install_excepthooks()
    try:
        paths = basedir if isinstance(basedir, Paths) else Paths.resolve(basedir)
        make_dirs(paths.logs)
        changed = _secure_once(paths.data)
        path = paths.logs / LOG_NAME
        handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        root.warning("no log file: %s", exc)
        return None
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    handler.addFilter(RedactPhotoPaths())
    _own(root, handler)
    _state["file"] = path
    if changed:
        logging.getLogger(__name__).info("made %d files and folders of the data folder private", changed)
    return path


def shutdown() -> None:
    """Remove and close the handlers :func:`setup` added (tests; a program simply exits)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_faceapp", False)]:
        root.removeHandler(handler)
        handler.close()
    _state["file"] = None


def log_file() -> Path | None:
    """The log file of the last :func:`setup` (``None`` before it, or when it could not be opened)."""
    return _state["file"]


def tail(lines: int = 40, path: Path | None = None) -> str:
    """The last ``lines`` lines of the log file ("" when there is none)."""
    path = path or log_file()
    if path is None or not path.is_file():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(handle.tell() - 64_000, 0))
        text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def add_crash_listener(listener: CrashListener) -> None:
    """Call ``listener(summary, log_file)`` after an uncaught exception has been logged."""
    _listeners.append(listener)


def remove_crash_listener(listener: CrashListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def install_excepthooks() -> None:
    """Log uncaught exceptions of the main thread and of every other thread (idempotent)."""
    if getattr(sys.excepthook, "_faceapp", False):
        return
    previous_main, previous_thread = sys.excepthook, threading.excepthook

    def main_hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous_main(kind, value, tb)
            return
        current = threading.current_thread()  # Qt reports errors of its threads here too
        _report("main thread" if current is threading.main_thread() else f"thread {current.name}", kind, value, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            previous_thread(args)
            return
        name = args.thread.name if args.thread is not None else "a thread"
        _report(f"thread {name}", args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    main_hook._faceapp = True  # type: ignore[attr-defined]
    thread_hook._faceapp = True  # type: ignore[attr-defined]
    sys.excepthook = main_hook
    threading.excepthook = thread_hook


def _report(where: str, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("faceapp.crash").critical("uncaught exception in %s", where, exc_info=(kind, value, tb))
    summary = redact("".join(traceback.format_exception_only(kind, value)).strip())
    for listener in list(_listeners):
        try:
            listener(f"{where}: {summary}", log_file())
        except Exception:
            logging.getLogger(__name__).exception("crash listener failed")


def _secure_once(data: Path) -> int:
    """Make a data folder written by an older faceapp (0644 files, 0755 folders) private, once.

    Everything written afterwards is private from the start (umask and explicit modes), so the
    walk over a large folder of snapshots is not repeated at every start.
    """
    marker = data / PRIVATE_MARKER
    if marker.exists():
        return 0
    changed = secure_tree(data)
    write_private(marker, b"files below this folder are private to the user (0600/0700)\n")
    return changed


def _own(root: logging.Logger, handler: logging.Handler) -> None:
    handler._faceapp = True  # type: ignore[attr-defined]
    root.addHandler(handler)
