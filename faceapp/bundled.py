"""Files shipped with faceapp: the bundled models and the resources (icons, fonts, samples).

An installed wheel (and a frozen build) carries them inside the package as ``faceapp/_models`` and
``faceapp/_resources``; a source checkout has them at the top level as ``models/`` and ``resources/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def bundled_dir(name: str) -> Path:
    """The folder of bundled ``"models"`` or ``"resources"``.

    Raises:
        ValueError: for any other name.
    """
    if name not in ("models", "resources"):
        raise ValueError(f"unknown bundled folder {name!r}")
    packaged = Path(str(resources.files("faceapp"))) / f"_{name}"
    return packaged if packaged.is_dir() else _SOURCE_ROOT / name


def resource(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource("samples", "astronaut.jpg")``."""
    return bundled_dir("resources").joinpath(*parts)
