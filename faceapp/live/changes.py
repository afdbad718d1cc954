"""Settings changes are announced, not copied: one observer that every running component subscribes to.

The settings dialog (or a command) calls :meth:`Changes.publish` with the new settings; every
subscriber gets ``(old, new)`` at once, on the publishing thread, and applies what concerns it
(the live service takes desk rules, camera name and thresholds; the admin session its lock time).
Settings in :data:`RESTART_FIELDS` are read only at start-up; :func:`restart_needed` names the
ones an edit changed, so the dialog can say so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import fields

from faceapp.config import Settings

log = logging.getLogger(__name__)

Listener = Callable[[Settings, Settings], None]

#: Applied to a running app by their subscribers (the live service, the gallery, the admin session).
LIVE_FIELDS = frozenset({"desk_rules", "camera_name", "accept_threshold", "unknown_threshold",
                         "false_accept_target", "pin_thresholds", "match_threshold", "admin_lock_minutes",
                         "embedder", "liveness_mode", "liveness_camera_modes", "liveness_target_bpcer",
                         "liveness_challenge", "liveness_challenge_seconds", "liveness_mirrored_cameras",
                         "site_name", "desk_name"})
#: Read once at start-up: an edit takes effect at the next start.
RESTART_FIELDS = frozenset({"detector", "provider", "threads", "detect_long_side", "detect_upscale",
                            "detect_upscale_to", "detect_score_threshold", "nms_iou", "min_face_px",
                            "flip_embedding", "max_image_pixels", "timezone", "data_dir", "database_url",
                            "language", "camera_source", "camera_width", "camera_height"})
#: Not a setting a person edits.
META_FIELDS = frozenset({"version"})


def changed_fields(old: Settings, new: Settings) -> set[str]:
    """Names of the settings whose values differ."""
    return {f.name for f in fields(Settings) if getattr(old, f.name) != getattr(new, f.name)}


def live_fields(old: Settings, new: Settings) -> list[str]:
    """Changed settings that a running app applies at once, sorted."""
    return sorted(changed_fields(old, new) & LIVE_FIELDS)


def restart_needed(old: Settings, new: Settings) -> list[str]:
    """Changed settings that take effect only after a restart, sorted."""
    return sorted(changed_fields(old, new) & RESTART_FIELDS)


class Changes:
    """The current settings and the components that follow them.

    Thread-safe: publishing and subscribing may happen on any thread; listeners run on the
    publisher's thread, in subscription order, and must apply the change atomically themselves.
    A listener that raises is logged and the others still run.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()

    @property
    def settings(self) -> Settings:
        """The latest published settings."""
        return self._settings

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(old, new)`` on every change; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, new: Settings) -> list[str]:
        """Make ``new`` current and tell every listener; returns the fields that need a restart."""
        with self._lock:
            old, self._settings = self._settings, new
            listeners = list(self._listeners)
        changed = changed_fields(old, new)
        if not changed:
            return []
        log.info("settings changed: %s", ", ".join(sorted(changed)))
        for listener in listeners:
            try:
                listener(old, new)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("applying a settings change failed in %r", listener)
        return restart_needed(old, new)
