"""Typed, versioned settings (defaults, validation, migration, atomic save) and the data folders."""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from faceapp import config
from faceapp.config import ENV_HOME, SETTINGS_VERSION, Paths, Settings
from faceapp.errors import ConfigError


def test_defaults_are_valid_and_current() -> None:
    settings = Settings()
    assert settings.version == SETTINGS_VERSION == 3
    assert (settings.false_accept_target, settings.pin_thresholds) == (0.005, False)
    assert (settings.provider, settings.language, settings.admin_lock_minutes) == ("auto", "en", 5)
    assert (settings.camera_source, settings.camera_width, settings.camera_height) == ("0", 0, 0)
    assert settings.data_dir == "" and settings.desk_rules == {}
    assert settings.unknown_threshold <= settings.accept_threshold
    assert Settings.from_dict(asdict(settings)) == settings


@pytest.mark.parametrize(("changes", "message"), [
    ({"provider": "tpu"}, "provider"),
    ({"accept_threshold": 0.2, "unknown_threshold": 0.3}, "unknown_threshold <= accept_threshold"),
    ({"match_threshold": 1.5}, "match_threshold"),
    ({"detect_long_side": 16}, "detect_long_side"),
    ({"nms_iou": 1.2}, "nms_iou"),
    ({"threads": -1}, "threads"),
    ({"language": "fr"}, "language"),
    ({"admin_lock_minutes": -1}, "admin_lock_minutes"),
    ({"admin_lock_minutes": 100_000}, "admin_lock_minutes"),
    ({"camera_width": -640}, "camera_width"),
    ({"camera_height": 100_000}, "camera_height"),
    ({"camera_source": "  "}, "camera_source"),
    ({"desk_rules": {"consensus_frames": 9}}, "consensus_frames"),
    ({"desk_rules": {"in_out": "sideways"}}, "in/out mode"),
    ({"liveness_mirrored_cameras": "desk-1"}, "liveness_mirrored_cameras"),
    ({"liveness_mirrored_cameras": ["desk-1", ""]}, "liveness_mirrored_cameras"),
])
def test_invalid_values_are_config_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        replace(Settings(), **changes)


def test_wrong_types_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        Settings.from_dict({"version": 2, "no_such_argument_type": 1, "threads": "many"})


def test_version_1_files_are_migrated(tmp_path: Path) -> None:
    old = {"version": 1, "provider": "cpu", "accept_threshold": 0.5, "camera_name": "gate", "locale": "zh_CN"}
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    settings = Settings.load(path)
    assert settings.version == SETTINGS_VERSION
    assert (settings.provider, settings.accept_threshold, settings.camera_name) == ("cpu", 0.5, "gate")
    assert settings.language == "zh_CN"  # renamed from "locale"
    assert settings.admin_lock_minutes == 5 and settings.camera_source == "0"  # new fields: defaults


@pytest.mark.parametrize(("accept", "pinned"), [(0.42, False), (0.47, True), (None, False)])
def test_version_2_files_keep_a_chosen_threshold_pinned(accept: float | None, pinned: bool) -> None:
    old = {"version": 2, "unknown_threshold": 0.3, **({} if accept is None else {"accept_threshold": accept})}
    settings = Settings.from_dict(old)
    assert (settings.version, settings.pin_thresholds) == (3, pinned)
    assert settings.accept_threshold == (0.42 if accept is None else accept)
    assert settings.false_accept_target == 0.005


@pytest.mark.parametrize("target", [0.0, -0.01, 0.2])
def test_false_accept_target_must_be_a_small_rate(target: float) -> None:
    with pytest.raises(ConfigError, match="false_accept_target"):
        Settings(false_accept_target=target)


def test_files_without_a_version_are_read_as_version_1() -> None:
    assert Settings.from_dict({"locale": "zh_CN"}).language == "zh_CN"


@pytest.mark.parametrize(("version", "message"), [(SETTINGS_VERSION + 1, "newer faceapp"), (0, "ever wrote"),
                                                  ("two", "must be a number")])
def test_unusable_versions_are_refused(version: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_dict({"version": version})


def test_unknown_keys_are_ignored_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="faceapp.config"):
        settings = Settings.from_dict({"version": 2, "provider": "cpu", "colour_scheme": "dark"})
    assert settings.provider == "cpu"
    assert "colour_scheme" in caplog.text


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    settings = replace(Settings(), language="zh_CN", camera_name="前台", desk_rules={"cooldown_seconds": 60.0},
                       admin_lock_minutes=0, data_dir=str(tmp_path / "elsewhere"))
    path = tmp_path / "config" / "settings.json"
    settings.save(path)
    assert Settings.load(path) == settings
    assert "前台" in path.read_text(encoding="utf-8")
    assert not path.with_suffix(".tmp").exists()


def test_save_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.json"
    Settings().save(path)
    before = path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config.os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="cannot save settings"):
        replace(Settings(), provider="cpu").save(path)
    assert path.read_bytes() == before
    assert not path.with_suffix(".tmp").exists()


def test_missing_file_gives_defaults_and_broken_file_says_what_to_do(tmp_path: Path) -> None:
    assert Settings.load(tmp_path / "absent.json") == Settings()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="Fix or delete"):
        Settings.load(broken)


def test_paths_below_basedir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "env"))
    paths = Paths.resolve(tmp_path / "base")
    assert paths.data == (tmp_path / "base" / "data").resolve()  # --basedir beats the variable
    assert paths.config == (tmp_path / "base" / "config").resolve()
    assert paths.settings_file == paths.config / "settings.json"
    assert paths.user_models == paths.data / "models" and paths.logs == paths.data / "logs"


def test_paths_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "env"))
    assert Paths.resolve().data == (tmp_path / "env" / "data").resolve()


def test_paths_default_to_platform_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_HOME, raising=False)
    paths = Paths.resolve()
    assert "faceapp" in str(paths.data) and "faceapp" in str(paths.config)


def test_ensure_creates_private_folders(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "base").ensure()
    for folder in (paths.data, paths.config, paths.user_models, paths.logs):
        assert folder.is_dir()
        if os.name == "posix":
            assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


def test_with_data_dir_moves_only_the_data(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "base")
    moved = paths.with_data_dir(tmp_path / "big-disk")
    assert moved.data == (tmp_path / "big-disk").resolve() and moved.config == paths.config
    assert paths.with_data_dir("") is paths
