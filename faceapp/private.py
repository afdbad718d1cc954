"""Files and folders private to the user (0600 / 0700) whatever the process umask.

Everything under the data folder (database, index, snapshots, logs, models) holds biometric or
personal data. ``mkdir(mode=0o700)`` alone is not enough: the mode of the parents that
``parents=True`` creates comes from the umask, and an umask of 000 leaves files 0666. The entry
points (CLI, GUI, trainer) therefore also narrow the umask with :func:`restrict_umask`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict_umask() -> int:
    """Make new files private to the user (umask 077); returns the previous umask."""
    return os.umask(0o077)


def make_dirs(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` and any missing parents, each new one 0700 whatever the umask."""
    folder = Path(folder)
    missing = []
    for part in (folder, *folder.parents):
        if part.exists():
            break
        missing.append(part)
    for part in reversed(missing):
        with contextlib.suppress(FileExistsError):
            part.mkdir(mode=DIR_MODE)
        os.chmod(part, DIR_MODE)
    return folder


def make_private(path: str | os.PathLike[str]) -> None:
    """Set a file 0600 or a folder 0700 (symbolic links are left alone)."""
    mode = os.lstat(path).st_mode
    if stat.S_ISDIR(mode):
        os.chmod(path, DIR_MODE)
    elif stat.S_ISREG(mode):
        os.chmod(path, FILE_MODE)


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a new or replaced file that is 0600 from its first byte."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
    finally:
        if fd >= 0:
            os.close(fd)


def secure_tree(root: str | os.PathLike[str]) -> int:
    """Make every file (0600) and folder (0700) below ``root`` private; returns how many changed."""
    changed = 0
    root = Path(root)
    if not root.is_dir():
        return 0
    for folder, dirs, files in os.walk(root):
        for name in (folder, *(os.path.join(folder, d) for d in dirs), *(os.path.join(folder, f) for f in files)):
            try:
                mode = os.lstat(name).st_mode
            except OSError:
                continue
            want = DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE if stat.S_ISREG(mode) else None
            if want is not None and stat.S_IMODE(mode) != want:
                with contextlib.suppress(OSError):
                    os.chmod(name, want)
                    changed += 1
    return changed
