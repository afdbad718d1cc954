"""Which site and desk this process is: stamped on every event and audit row it writes.

One process is one desk. The identity comes from ``$FACEAPP_SITE`` / ``$FACEAPP_DESK`` when set,
else from what :func:`configure` was given (the settings), else no site and the host's name as
the desk.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

MAX_LENGTH = 64


@dataclass(frozen=True)
class Origin:
    """A site (e.g. "Berlin office") and a desk within it (e.g. "Front door")."""

    site: str
    desk: str


_configured = Origin("", "")


def clean(text: str) -> str:
    """A site or desk name as stored: one line, trimmed, at most :data:`MAX_LENGTH` characters."""
    return " ".join(str(text).split())[:MAX_LENGTH]


def configure(site: str, desk: str) -> None:
    """Set this process's identity (environment variables still take precedence)."""
    global _configured
    _configured = Origin(clean(site), clean(desk))


def current() -> Origin:
    """This process's site and desk."""
    site = os.environ.get("FACEAPP_SITE") or _configured.site
    desk = os.environ.get("FACEAPP_DESK") or _configured.desk or socket.gethostname()
    return Origin(clean(site), clean(desk))
