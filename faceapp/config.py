"""Typed, versioned settings and the folders the product writes to.

All data goes to platform folders by default; ``--basedir`` (or the ``FACEAPP_HOME`` environment
variable) redirects everything below one folder, for tests and portable installs.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from faceapp.errors import ConfigError

log = logging.getLogger(__name__)

ENV_HOME = "FACEAPP_HOME"
SETTINGS_VERSION = 3
#: Offered false-accept rates per identification attempt (the open-set operating point).
FALSE_ACCEPT_TARGETS = (0.001, 0.005, 0.01)
_PROVIDERS = ("auto", "cpu", "cuda")
#: Interface languages: code -> name shown in the settings dialog (in its own language).
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
MAX_LOCK_MINUTES = 24 * 60
MAX_CAMERA_SIDE = 16384


@dataclass(frozen=True)
class Paths:
    """Where the product keeps its data, settings, user models and logs."""

    data: Path
    config: Path

    @classmethod
    def resolve(cls, basedir: str | os.PathLike[str] | None = None) -> Paths:
        """Paths below ``basedir``, else below ``$FACEAPP_HOME``, else the platform folders."""
        base = basedir or os.environ.get(ENV_HOME)
        if base:
            root = Path(base).expanduser().resolve()
            return cls(data=root / "data", config=root / "config")
        return cls(
            data=Path(platformdirs.user_data_dir("faceapp", appauthor=False)),
            config=Path(platformdirs.user_config_dir("faceapp", appauthor=False)),
        )

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def user_models(self) -> Path:
        """Folder for the user's own models and their ``manifest.json``."""
        return self.data / "models"

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    def with_data_dir(self, data_dir: str | os.PathLike[str] | None) -> Paths:
        """These paths with the data folder moved to ``data_dir`` (unchanged when empty)."""
        if not data_dir:
            return self
        return Paths(data=Path(data_dir).expanduser().resolve(), config=self.config)

    def ensure(self) -> Paths:
        """Create the folders (private to the user) and return self."""
        for folder in (self.data, self.config, self.user_models, self.logs):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


@dataclass(frozen=True)
class Settings:
    """Recognition settings. Thresholds are cosine similarities of L2-normalised embeddings.

    ``match_threshold`` decides ``faceapp compare`` (one photo against one: 3e-3 false accepts per
    comparison on lfw-dev). The gallery's open-set decision aims at ``false_accept_target``, the
    chance per attempt that a never-enrolled face is accepted as someone: its thresholds follow from
    the embedder's calibration and the number of enrolled people (:mod:`faceapp.store.decision`).
    ``pin_thresholds`` makes an expert's raw ``accept_threshold``/``unknown_threshold`` apply instead
    (they also apply to an embedder without calibration). ``timezone``
    is the desk's IANA zone ("" = the system's); ``desk_rules`` holds
    :class:`faceapp.attendance.DeskRules` fields that differ from their defaults.

    ``camera_source`` is what the GUI opens at start (a camera number, video file, image folder or
    URL) and ``camera_width``/``camera_height`` the capture size asked of a camera (0 = its
    default). ``data_dir`` moves the data folder ("" = the default, see :meth:`Paths.with_data_dir`;
    takes effect at the next start). ``language`` is a key of :data:`LANGUAGES`.
    ``admin_lock_minutes`` locks the admin session after that many idle minutes (0 = never).
    ``flip_embedding`` embeds each face together with its mirror image (averaged): more faces
    identified at the same false-accept rate for a second embedder pass per face; thresholds then
    come from the embedder's flip calibration.
    """

    version: int = SETTINGS_VERSION
    detector: str = "retinaface_mnet025"
    embedder: str = "mobilefacenet_arcface_512"
    provider: str = "auto"
    threads: int = 0
    detect_long_side: int = 640
    detect_upscale: bool = True
    detect_upscale_to: int = 320  # small photos are enlarged to this long side (LFW accuracy as at 640)
    detect_score_threshold: float = 0.6
    nms_iou: float = 0.4
    min_face_px: int = 20
    flip_embedding: bool = True  # flip test-time augmentation (see README, identification at site scale)
    match_threshold: float = 0.30
    accept_threshold: float = 0.42
    unknown_threshold: float = 0.30
    false_accept_target: float = 0.005
    pin_thresholds: bool = False
    timezone: str = ""
    camera_name: str = "desk-1"
    desk_rules: dict[str, Any] = field(default_factory=dict)
    max_image_pixels: int = 40_000_000
    camera_source: str = "0"
    camera_width: int = 0
    camera_height: int = 0
    data_dir: str = ""
    #: The shared store of several desks (``postgresql://user@host/db``); empty: SQLite in the data folder.
    database_url: str = ""
    #: Where this desk is (``site_name``, e.g. "Berlin office") and which desk it is (``desk_name``, e.g.
    #: "Front door"; "" = the computer's name): stamped on every event and audit entry it writes.
    site_name: str = ""
    desk_name: str = ""
    language: str = "en"
    admin_lock_minutes: int = 5
    #: Liveness (anti-spoofing): mode of every camera (off / log / block), per-camera exceptions, the
    #: target share of live faces wrongly rejected (the threshold comes from the calibration), and the
    #: active challenge (off / blink / turn / blink+turn) with its time limit in seconds; the cameras
    #: whose driver mirrors the picture (a selfie view), so that a head turn's side is read right.
    liveness_mode: str = "off"
    liveness_camera_modes: dict[str, str] = field(default_factory=dict)
    liveness_target_bpcer: float = 0.0
    liveness_challenge: str = "off"
    liveness_challenge_seconds: float = 6.0
    liveness_mirrored_cameras: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.provider not in _PROVIDERS:
            raise ConfigError(f"provider must be one of {_PROVIDERS}, not {self.provider!r}")
        if not 32 <= self.detect_long_side <= 8192 and self.detect_long_side != 0:
            raise ConfigError("detect_long_side must be 0 (original size) or 32..8192 pixels")
        for name in ("detect_score_threshold", "nms_iou"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1")
        if not -1.0 <= self.match_threshold <= 1.0:
            raise ConfigError("match_threshold is a cosine similarity: between -1 and 1")
        if not -1.0 <= self.unknown_threshold <= self.accept_threshold <= 1.0:
            raise ConfigError("thresholds must satisfy -1 <= unknown_threshold <= accept_threshold <= 1")
        if not 0.0 < self.false_accept_target <= 0.1:
            raise ConfigError("false_accept_target is a rate per attempt: above 0 and at most 0.1 (10 %)")
        if self.threads < 0 or self.min_face_px < 0 or self.max_image_pixels <= 0:
            raise ConfigError("threads and min_face_px must be >= 0, max_image_pixels > 0")
        self._validate_additions()

    def _validate_additions(self) -> None:
        """Checks of the camera, folder, language, lock and desk-rule settings."""
        if not str(self.camera_source).strip():
            raise ConfigError("camera_source must not be empty (0 is the default camera)")
        for name in ("camera_width", "camera_height"):
            if not 0 <= getattr(self, name) <= MAX_CAMERA_SIDE:
                raise ConfigError(f"{name} must be 0 (the camera's default) or up to {MAX_CAMERA_SIDE} pixels")
        if self.language not in LANGUAGES:
            raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, not {self.language!r}")
        if not 0 <= self.admin_lock_minutes <= MAX_LOCK_MINUTES:
            raise ConfigError(f"admin_lock_minutes must be 0 (never) to {MAX_LOCK_MINUTES}")
        from faceapp.attendance.rules import DeskRules  # here: the attendance package imports this module

        DeskRules.from_dict(self.desk_rules)
        _check_liveness(self)
        for name in ("site_name", "desk_name"):  # stamped on every row: one short line (faceapp.store.origin)
            value = getattr(self, name)
            if not isinstance(value, str) or len(value.strip()) > 64 or "\n" in value:
                raise ConfigError(f"{name} must be one line of at most 64 characters")
        if self.database_url.strip() and not self.database_url.strip().lower().startswith(
                ("postgresql://", "postgres://", "sqlite://")):
            raise ConfigError("database_url must be empty (this computer's data folder), sqlite:///path/faceapp.db "
                              "or postgresql://user@host:5432/dbname")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Build from saved data, migrating older versions and ignoring unknown keys."""
        data = _migrate(dict(data))
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            log.warning("ignoring unknown settings: %s", ", ".join(sorted(unknown)))
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise ConfigError(f"invalid settings: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings from ``path``; defaults when the file does not exist."""
        if not path.exists():
            return cls()
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read settings {path}: {exc}. Fix or delete the file.") from exc

    def save(self, path: Path) -> None:
        """Write atomically (temporary file, flushed to disk, then renamed over the old one).

        Raises:
            ConfigError: the folder cannot be written (the old file is left as it was).
        """
        tmp = path.with_suffix(".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(asdict(self), handle, indent=2, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            message = f"cannot save settings to {path}: {exc.strerror}. Check the folder's permissions."
            raise ConfigError(message) from exc


def _check_liveness(settings: Settings) -> None:
    """Checks of the liveness settings."""
    modes = ("off", "log", "block")
    for mode in (settings.liveness_mode, *dict(settings.liveness_camera_modes).values()):
        if mode not in modes:
            raise ConfigError(f"liveness mode must be off, log or block, not {mode!r}")
    if not 0.0 <= settings.liveness_target_bpcer <= 0.2:
        raise ConfigError("liveness_target_bpcer is a share of live faces: 0 to 0.2")
    if settings.liveness_challenge not in ("off", "blink", "turn", "blink+turn"):
        raise ConfigError("liveness_challenge must be off, blink, turn or blink+turn")
    if not 1.0 <= settings.liveness_challenge_seconds <= 60.0:
        raise ConfigError("liveness_challenge_seconds must be between 1 and 60")
    mirrored = settings.liveness_mirrored_cameras
    if not isinstance(mirrored, list) or not all(isinstance(c, str) and c for c in mirrored):
        raise ConfigError("liveness_mirrored_cameras is a list of camera names")


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added camera, data-folder, language and admin-lock settings.

    Version 1 files named the language nowhere; a ``locale`` key (written by early test builds)
    becomes ``language``. Everything else takes its default.
    """
    if "locale" in data and "language" not in data:
        data["language"] = data.pop("locale")
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 derives the accept threshold from a target false-accept rate and the gallery size.

    A version-2 accept threshold other than the old default 0.42 was chosen by someone: it stays
    in force as a pinned threshold (``pin_thresholds``); the default one gives way to the target.
    """
    try:
        accept = float(data["accept_threshold"])
    except (KeyError, TypeError, ValueError):  # absent (default) or invalid (validation reports it)
        accept = 0.42
    data.setdefault("pin_thresholds", abs(accept - 0.42) > 1e-9)
    return data


#: ``_STEPS[v]`` brings settings from version ``v`` to ``v + 1``.
_STEPS = {1: _v1_to_v2, 2: _v2_to_v3}


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring settings saved by older versions up to :data:`SETTINGS_VERSION`."""
    try:
        version = int(data.get("version", 1))
    except (TypeError, ValueError):
        raise ConfigError(f"settings version must be a number, not {data.get('version')!r}") from None
    if version > SETTINGS_VERSION:
        raise ConfigError(
            f"settings were written by a newer faceapp (version {version}); upgrade faceapp"
        )
    if version < 1:
        raise ConfigError(f"settings version {version} is not one faceapp ever wrote; delete the file")
    for step in range(version, SETTINGS_VERSION):
        data = _STEPS[step](data)
        log.info("settings migrated from version %d to %d", step, step + 1)
    data["version"] = SETTINGS_VERSION
    return data
