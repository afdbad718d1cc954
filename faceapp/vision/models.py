"""The model registry: bundled and user models, described by manifests, verified before use.

A manifest (``manifest.json``) lists models with their file, sha256 and input/output contract.
The bundled manifest ships in ``models/``; users add their own (for example InsightFace packs:
an SCRFD detector and a ``w600k_r50.onnx`` embedder) in the user models folder with the same
format. Every load checks the file exists, its sha256 and its input/output signature.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import onnxruntime as ort

from faceapp.bundled import bundled_dir
from faceapp.errors import ModelError, ModelIntegrityError, ModelNotFoundError
from faceapp.vision.calibration import Calibration
from faceapp.vision.runtime import ProviderInfo, create_session

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
KINDS = ("detector", "embedder", "liveness", "eye_state", "landmarks")


@dataclass(frozen=True)
class TensorSpec:
    """Name and shape of one model input or output; -1 marks a free dimension."""

    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry, resolved to a file."""

    name: str
    kind: str
    family: str
    path: Path
    sha256: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    color: str = "RGB"
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    input_size: tuple[int, int] | None = None
    template: str | None = None
    embedding_size: int | None = None
    licence: str = ""
    source: str = ""
    bundled: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    #: An embedder's measured score distributions (``faceapp eval calibrate``); None if never measured.
    calibration: Calibration | None = None
    #: The same with flip test-time augmentation (each face's and its mirror's embeddings averaged).
    calibration_flip: Calibration | None = None

    def calibration_for(self, flip: bool) -> Calibration | None:
        """The calibration of embeddings made with (``flip``) or without flip test-time augmentation.

        A model calibrated before flip calibrations existed has only the plain one: it is used for both.
        """
        return self.calibration_flip if flip and self.calibration_flip is not None else self.calibration

    @classmethod
    def from_entry(cls, entry: dict[str, Any], folder: Path, bundled: bool) -> ModelSpec:
        """Parse a manifest entry; raises :class:`ModelError` naming the bad field."""
        try:
            kind = entry["kind"]
            if kind not in KINDS:
                raise ModelError(f"model {entry.get('name')!r}: kind must be one of {KINDS}")
            size = entry.get("input_size")
            return cls(
                name=str(entry["name"]),
                kind=kind,
                family=str(entry.get("family", kind)),
                path=folder / entry["file"],
                sha256=str(entry["sha256"]).lower(),
                inputs=tuple(TensorSpec(k, tuple(v)) for k, v in entry["inputs"].items()),
                outputs=tuple(TensorSpec(k, tuple(v)) for k, v in entry["outputs"].items()),
                color=str(entry.get("color", "RGB")).upper(),
                mean=tuple(float(v) for v in entry.get("mean", (0, 0, 0))),  # type: ignore[arg-type]
                std=tuple(float(v) for v in entry.get("std", (1, 1, 1))),  # type: ignore[arg-type]
                input_size=None if size is None else (int(size[0]), int(size[1])),
                template=entry.get("template"),
                embedding_size=entry.get("embedding_size"),
                licence=str(entry.get("licence", "")),
                source=str(entry.get("source", "")),
                bundled=bundled,
                extra=dict(entry.get("extra", {})),
                calibration=Calibration.from_dict(entry["calibration"]) if entry.get("calibration") else None,
                calibration_flip=(Calibration.from_dict(entry["calibration_flip"])
                                  if entry.get("calibration_flip") else None),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(
                f"model entry {entry.get('name', '?')!r} in {folder / MANIFEST} is malformed: {exc!r}"
            ) from exc


def bundled_models_dir() -> Path:
    """The folder of the models shipped with the product (inside the package when installed)."""
    return bundled_dir("models")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelRegistry:
    """Finds, verifies and opens models by name. User models override bundled ones by name."""

    def __init__(self, bundled_dir: Path | None = None, user_dir: Path | None = None) -> None:
        self._specs: dict[str, ModelSpec] = {}
        self._verified: dict[Path, tuple[int, float]] = {}
        self._load_manifest(bundled_dir or bundled_models_dir(), bundled=True, required=True)
        if user_dir is not None:
            self._load_manifest(user_dir, bundled=False, required=False)

    def _load_manifest(self, folder: Path, bundled: bool, required: bool) -> None:
        path = folder / MANIFEST
        if not path.is_file():
            if required:
                raise ModelNotFoundError(f"{path}: model manifest missing; reinstall faceapp")
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["models"]
        except (OSError, ValueError, KeyError, TypeError) as exc:  # ValueError: bad JSON or UTF-8
            raise ModelError(f"{path}: cannot read the model manifest ({exc})") from exc
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ModelError(f"{path}: cannot read the model manifest ('models' must be a list of objects)")
        for entry in entries:
            spec = ModelSpec.from_entry(entry, folder, bundled)
            self._specs[spec.name] = spec

    def names(self, kind: str | None = None) -> list[str]:
        """Registered model names, optionally of one kind."""
        return [n for n, s in self._specs.items() if kind is None or s.kind == kind]

    def specs(self) -> list[ModelSpec]:
        return list(self._specs.values())

    def spec(self, name: str) -> ModelSpec:
        """The manifest entry for ``name``; :class:`ModelNotFoundError` if unknown."""
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs)) or "none"
            raise ModelNotFoundError(f"no model named {name!r} (known: {known})") from None

    def verify(self, name: str) -> ModelSpec:
        """Check the file exists and matches its sha256 (cached while size and mtime hold)."""
        spec = self.spec(name)
        try:
            stat = spec.path.stat()
        except OSError:
            raise ModelNotFoundError(
                f"model {name!r}: file {spec.path} is missing; reinstall faceapp or restore the file"
            ) from None
        stamp = (stat.st_size, stat.st_mtime)
        if self._verified.get(spec.path) == stamp:
            return spec
        actual = sha256_of(spec.path)
        if actual != spec.sha256:
            raise ModelIntegrityError(
                f"model {name!r}: {spec.path} is damaged or was replaced (sha256 {actual[:12]}…, "
                f"expected {spec.sha256[:12]}…, {stat.st_size:,} bytes); restore the original file"
            )
        self._verified[spec.path] = stamp
        return spec

    def open(self, name: str, provider: ProviderInfo, threads: int = 0) -> tuple[ModelSpec, ort.InferenceSession]:
        """Verify ``name`` and open an inference session whose signature matches the manifest."""
        spec = self.verify(name)
        session = create_session(spec.path, provider, threads)
        check_signature(spec, session)
        return spec, session


def check_signature(spec: ModelSpec, session: ort.InferenceSession) -> None:
    """Raise :class:`ModelIntegrityError` unless inputs/outputs match the manifest."""
    for role, wanted, actual in (
        ("input", spec.inputs, session.get_inputs()),
        ("output", spec.outputs, session.get_outputs()),
    ):
        have = {a.name: a.shape for a in actual}
        for tensor in wanted:
            if tensor.name not in have:
                raise ModelIntegrityError(
                    f"model {spec.name!r}: {role} {tensor.name!r} not found (model has "
                    f"{', '.join(have)}); the file does not match its manifest"
                )
            shape = have[tensor.name]
            if len(shape) != len(tensor.shape) or any(
                want != -1 and isinstance(got, int) and got != want
                for got, want in zip(shape, tensor.shape, strict=True)
            ):
                raise ModelIntegrityError(
                    f"model {spec.name!r}: {role} {tensor.name!r} has shape {shape}, "
                    f"manifest says {list(tensor.shape)}"
                )
