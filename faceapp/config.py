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
SETTINGS_VERSION = 1
_PROVIDERS = ("auto", "cpu", "cuda")


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

    def ensure(self) -> Paths:
        """Create the folders (private to the user) and return self."""
        for folder in (self.data, self.config, self.user_models, self.logs):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


@dataclass(frozen=True)
class Settings:
    """Recognition settings. Thresholds are cosine similarities of L2-normalised embeddings.

    ``match_threshold`` decides ``faceapp compare`` (one photo against one: 3e-3 false accepts per
    comparison on lfw-dev); ``accept_threshold`` and ``unknown_threshold`` are the gallery's open-set
    decision (see :mod:`faceapp.store.gallery` for the false-accept rates they mean). ``timezone``
    is the desk's IANA zone ("" = the system's); ``desk_rules`` holds
    :class:`faceapp.attendance.DeskRules` fields that differ from their defaults.
    """

    version: int = SETTINGS_VERSION
    detector: str = "retinaface_mnet025"
    embedder: str = "mobilefacenet_arcface_512"
    provider: str = "auto"
    threads: int = 0
    detect_long_side: int = 640
    detect_upscale: bool = True
    detect_score_threshold: float = 0.6
    nms_iou: float = 0.4
    min_face_px: int = 20
    flip_embedding: bool = False
    match_threshold: float = 0.30
    accept_threshold: float = 0.42
    unknown_threshold: float = 0.30
    timezone: str = ""
    camera_name: str = "desk-1"
    desk_rules: dict[str, Any] = field(default_factory=dict)
    max_image_pixels: int = 40_000_000

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
        if self.threads < 0 or self.min_face_px < 0 or self.max_image_pixels <= 0:
            raise ConfigError("threads and min_face_px must be >= 0, max_image_pixels > 0")

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
        """Write atomically (temporary file then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(tmp, path)


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring settings saved by older versions up to :data:`SETTINGS_VERSION`."""
    version = int(data.get("version", SETTINGS_VERSION))
    if version > SETTINGS_VERSION:
        raise ConfigError(
            f"settings were written by a newer faceapp (version {version}); upgrade faceapp"
        )
    data["version"] = SETTINGS_VERSION
    return data
