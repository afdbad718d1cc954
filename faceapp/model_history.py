"""Every model the trainer made, with its report, and every switch of the active models.

Kept as ``history.json`` in the user models folder (beside the manifest the models are registered
in), so models, reports and history travel together. Torch-free and Qt-free: the trainer,
``faceapp models`` and the GUI's Trainer page all use it (the GUI without PyTorch).

Events: ``trained`` (a candidate with its before/after report), ``activated`` (a model became
the active detector or embedder; ``previous`` names the one it replaced) and ``rollback``.
Rolling back is one step: activate the ``previous`` of the current model's last activation, or
any earlier model by name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from faceapp.config import Paths, Settings
from faceapp.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

HISTORY = "history.json"
REPORT_SUFFIX = ".report.json"
Progress = Callable[[int, int], None]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_history(models_dir: Path) -> list[dict[str, Any]]:
    """All recorded events, oldest first (empty when there is no history yet)."""
    path = models_dir / HISTORY
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model history ({exc}); fix or remove it") from exc
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise ModelError(f"{path}: the model history must be an object with an 'events' list")
    return list(data["events"])


def record(models_dir: Path, event: str, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """Append one event (written atomically); returns it."""
    entry = {"at": _now(), "event": event, "name": name, "kind": kind, **extra}
    events = [*load_history(models_dir), entry]
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / HISTORY
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"version": 1, "events": events}, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return entry


def save_report(models_dir: Path, name: str, report: dict[str, Any]) -> Path:
    """Write a model's before/after report beside it (``<name>.report.json``)."""
    path = models_dir / f"{name}{REPORT_SUFFIX}"
    models_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def load_report(models_dir: Path, name: str) -> dict[str, Any] | None:
    """A model's report, or None when it has none (bundled models, imported packs)."""
    path = models_dir / f"{name}{REPORT_SUFFIX}"
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model report ({exc})") from exc


def active_name(settings: Settings, kind: str) -> str:
    """The active model of a kind (``detector`` or ``embedder``)."""
    if kind not in ("detector", "embedder"):
        raise ConfigError(f"only detectors and embedders can be active, not {kind} models")
    return str(getattr(settings, kind))


def activate_model(
    basedir: Path | None, name: str, *, event: str = "activated", actor: str = "cli",
    progress: Progress | None = None, **extra: Any,
) -> dict[str, Any]:
    """Make ``name`` the active detector or embedder, re-embedding the gallery for an embedder.

    The new model is opened (and so checked) before anything changes; the settings are saved
    only after the gallery has switched. The switch is recorded in the history.

    Returns:
        ``{"active": name, "kind": kind, "previous": old name, "templates": searchable templates}``.
    """
    from faceapp.services import Core
    from faceapp.vision.models import ModelRegistry
    from faceapp.vision.pipeline import FacePipeline

    paths = Paths.resolve(basedir)
    settings = Settings.load(paths.settings_file)
    paths = paths.with_data_dir(settings.data_dir).ensure()
    spec = ModelRegistry(user_dir=paths.user_models).verify(name)
    if spec.kind not in ("detector", "embedder"):
        raise ConfigError(f"{spec.name} is a {spec.kind} model; only detectors and embedders can be activated")
    previous = active_name(settings, spec.kind)
    new = replace(settings, **{spec.kind: spec.name})  # type: ignore[arg-type]  # detector or embedder: str
    pipeline = FacePipeline.from_settings(new, paths)  # opens (and so checks) the new model first
    gallery = Core.open_gallery(basedir)
    try:
        if spec.kind == "embedder":
            gallery.reembed(pipeline, progress=progress, actor=actor)
        new.save(paths.settings_file)
        templates = len(gallery)
    finally:
        gallery.close()
    if previous != spec.name:
        record(paths.user_models, event, spec.name, spec.kind, previous=previous, actor=actor, **extra)
    log.info("%s is now the active %s (was %s)", spec.name, spec.kind, previous)
    return {"active": spec.name, "kind": spec.kind, "previous": previous, "templates": templates}


def rollback_target(events: list[dict[str, Any]], current: str, kind: str) -> str:
    """The model that the last activation of ``current`` replaced.

    Raises:
        ConfigError: the history has no earlier model of this kind.
    """
    for entry in reversed(events):
        if entry.get("kind") == kind and entry.get("event") in ("activated", "rollback") \
                and entry.get("name") == current and entry.get("previous"):
            return str(entry["previous"])
    raise ConfigError(f"nothing to roll back to: the history has no earlier {kind} than {current}; "
                      "name the model to go back to (faceapp models rollback NAME)")


def rollback(basedir: Path | None, name: str | None = None, kind: str = "embedder", actor: str = "cli",
             progress: Progress | None = None) -> dict[str, Any]:
    """Go back to ``name`` (any registered model), or to the model the current one replaced."""
    paths = Paths.resolve(basedir)
    settings = Settings.load(paths.settings_file)
    paths = paths.with_data_dir(settings.data_dir).ensure()
    if name is None:
        name = rollback_target(load_history(paths.user_models), active_name(settings, kind), kind)
    return activate_model(basedir, name, event="rollback", actor=actor, progress=progress)
