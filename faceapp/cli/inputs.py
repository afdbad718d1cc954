"""Photos named on the command line, and what was ignored and why.

Batch commands (``enroll``, ``gallery import``, ``recognize``) take files and folders. Anything
that is not used is reported with its reason instead of silently skipped, and a command that
finds nothing to do exits non-zero. Output paths (``--out``) are checked before any work starts.
"""

from __future__ import annotations

import os
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from faceapp.errors import ConfigError
from faceapp.vision.imageio import IMAGE_SUFFIXES, is_image_path


@dataclass
class Inputs:
    """Photo files found, and ``(path, reason)`` for every entry left out."""

    images: list[Path] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)

    def report(self, stream: TextIO | None = None, limit: int = 20) -> None:
        """Tell what was ignored and why (on stderr): up to ``limit`` paths, then counts per reason."""
        stream = stream or sys.stderr
        for path, reason in self.ignored[:limit]:
            print(f"faceapp: ignored {path}: {reason}", file=stream)
        if len(self.ignored) > limit:
            counts = Counter(reason for _, reason in self.ignored)
            print(f"faceapp: ignored {len(self.ignored)} entries in all: "
                  + ", ".join(f"{reason} ({n})" for reason, n in counts.most_common()), file=stream)


def collect_images(items: Iterable[Path], recursive: bool = True) -> Inputs:
    """Files given directly (used as they are) plus the photos found in folders (sorted).

    In folders, entries that are not regular files with a photo suffix are ignored with a reason;
    unreadable folders too. Files named directly are kept even without a photo suffix, so that
    reading them says exactly what is wrong; a missing path is ignored with its reason.
    """
    found = Inputs()
    for item in items:
        item = Path(item)
        if item.is_dir():
            _scan(item, recursive, found)
        elif item.exists() or item.is_symlink():
            found.images.append(item)
        else:
            found.ignored.append((item, "no such file or folder"))
    return found


def _scan(folder: Path, recursive: bool, found: Inputs) -> None:
    def unreadable(exc: OSError) -> None:
        found.ignored.append((Path(exc.filename or folder), f"cannot read the folder ({exc.strerror})"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        dirs.sort()
        if not recursive:
            found.ignored.extend((Path(root, d), "a folder (not searched)") for d in dirs)
            dirs.clear()
        for name in sorted(files):
            path = Path(root, name)
            reason = _why_not(path)
            if reason:
                found.ignored.append((path, reason))
            else:
                found.images.append(path)
        if not recursive:
            break


def _why_not(path: Path) -> str | None:
    """Why a folder entry is not a photo to read (None when it is one)."""
    if not is_image_path(path):
        return f"not a photo (suffix not one of {' '.join(sorted(IMAGE_SUFFIXES))})"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


# -- output paths --------------------------------------------------------------------------------
def check_output_file(path: Path, suffixes: Sequence[str], what: str = "output") -> Path:
    """Check before any work that ``path`` can be written as a file with one of ``suffixes``.

    Raises:
        ConfigError: an unknown suffix, an existing folder, or a folder that cannot be created or
            written (``/proc``, read-only media, no permission).
    """
    path = Path(path)
    if path.suffix.lower() not in {s.lower() for s in suffixes}:
        raise ConfigError(f"{path}: the {what} must end in {', '.join(suffixes)}")
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give a file name for the {what}")
    check_output_folder(path.parent, what)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"{path}: cannot overwrite the {what} (no permission)")
    return path


def check_output_folder(folder: Path, what: str = "output") -> Path:
    """Check before any work that ``folder`` exists (or can be created) and is writable.

    Raises:
        ConfigError: the folder is a file, or cannot be created or written.
    """
    folder = Path(folder)
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ConfigError(f"{folder}: {existing} is a file, not a folder; choose another place for the {what}")
    if not _writable(existing):
        raise ConfigError(f"{folder}: cannot write the {what} there; choose a folder you can write to")
    return folder


def _writable(folder: Path) -> bool:
    """Whether a file can really be created in ``folder`` (access() is not enough for /proc or read-only mounts)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    probe = folder / f".faceapp-write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return False
    os.close(fd)
    probe.unlink(missing_ok=True)
    return True
