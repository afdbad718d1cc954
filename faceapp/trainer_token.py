"""One-use passes from the desktop app's administrator session to the trainer process it starts.

``faceapp train finetune`` asks an administrator's password once one exists. The Trainer page has
already checked the administrator (its login); it starts the trainer as a child process that has
no terminal to ask in. So the page issues a pass: a random token whose sha256, actor and expiry
are written to a private file in the data folder, the token itself given to the child in
``FACEAPP_TRAINER_TOKEN``. The child redeems it once (the file is deleted) instead of asking.

This grants nothing beyond the data folder's own protection: whoever can write the private data
folder can also edit the database, users table included (see the README's "Administrator password:
what it protects").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from faceapp.config import Paths

ENV = "FACEAPP_TRAINER_TOKEN"
PASS_FILE = "trainer-pass.json"
LIFETIME_S = 600.0


def _file(paths: Paths) -> Path:
    return paths.data / "training" / PASS_FILE


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(paths: Paths, actor: str, lifetime_s: float = LIFETIME_S) -> str:
    """A new one-use token for ``actor`` (replacing any earlier pass); returns the token."""
    token = secrets.token_hex(32)
    path = _file(paths)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"sha256": _digest(token), "actor": actor, "expires": time.time() + lifetime_s}, handle)
    tmp.replace(path)
    return token


def redeem(paths: Paths, token: str | None) -> str | None:
    """The actor of a valid, unexpired pass for ``token`` (the pass is used up), else None."""
    path = _file(paths)
    if not token or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or float(data.get("expires", 0)) < time.time():
        return None
    if not hmac.compare_digest(str(data.get("sha256", "")), _digest(token)):
        return None
    return str(data.get("actor", "gui"))
