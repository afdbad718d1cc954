"""Bundled models and resources are found in the installed package first, else in the checkout."""

from pathlib import Path

import pytest

from faceapp import bundled


def test_checkout_folders_are_found() -> None:
    assert (bundled.bundled_dir("models") / "manifest.json").is_file()
    assert bundled.resource("samples", "astronaut.jpg").is_file()
    assert bundled.resource("fonts", "wqy-microhei.ttc").is_file()


def test_installed_package_comes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = tmp_path / "faceapp" / "_resources"  # where the wheel puts resources/
    installed.mkdir(parents=True)
    monkeypatch.setattr(bundled.resources, "files", lambda package: tmp_path / package)
    assert bundled.bundled_dir("resources") == installed
    assert bundled.bundled_dir("models") == Path(bundled.__file__).resolve().parents[1] / "models"


def test_unknown_folder() -> None:
    with pytest.raises(ValueError):
        bundled.bundled_dir("secrets")
