"""A self-test of an installation: models, face pipeline, search index, database, versions.

``faceapp selftest`` runs :func:`run_selftest` and prints its :class:`SelftestReport`. It works the
same from a source checkout, an installed wheel and a frozen (PyInstaller) build, so it is the
first thing to run on a new machine and the smoke test of every build.

The checks, each timed:

* ``model:<name>``: every registered model opens through the registry (file present, sha256,
  input/output signature) on the chosen execution provider.
* ``detect``: exactly one face in the sample photo that ships with the app.
* ``embed``: that face's embedding is unit length, and the mirrored photo's face matches it above
  the configured :attr:`~faceapp.config.Settings.match_threshold`.
* ``index``: hnswlib finds the face among random decoys.
* ``database``: a temporary SQLite database (the product's schema) runs in WAL mode and returns
  a float32 embedding blob bit for bit after closing and reopening.

Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import importlib
import logging
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from faceapp import __version__, bundled
from faceapp.config import Paths, Settings
from faceapp.errors import FaceAppError
from faceapp.vision.models import ModelRegistry, bundled_models_dir
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.runtime import ProviderInfo, choose_provider

log = logging.getLogger(__name__)

SAMPLE = ("samples", "astronaut.jpg")
#: Tolerance on the embedding's L2 norm (float32 normalisation is exact to ~1e-7).
UNIT_TOLERANCE = 1e-3
_DECOYS = 200


@dataclass
class CheckResult:
    """The outcome of one check."""

    name: str
    ok: bool
    seconds: float
    detail: str = ""
    error: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """One line for people: ``ok   name  0.012 s  detail`` or ``FAIL name: error``."""
        if self.ok:
            return f"ok   {self.name:<36} {self.seconds:7.3f} s  {self.detail}"
        return f"FAIL {self.name}: {self.error}"


@dataclass
class SelftestReport:
    """All checks, the execution provider, library versions and where things were found."""

    checks: list[CheckResult]
    provider: str
    versions: dict[str, str]
    environment: dict[str, Any]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.ok]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "ok": self.ok,
            "provider": self.provider,
            "seconds": round(self.seconds, 4),
            "checks": [
                {**asdict(check), "seconds": round(check.seconds, 4)} for check in self.checks
            ],
            "failures": [check.line() for check in self.failures],
            "versions": self.versions,
            "environment": self.environment,
        }


class _Check:
    """Collects one check's detail and data while it runs (see :func:`_timed`)."""

    def __init__(self) -> None:
        self.detail = ""
        self.data: dict[str, Any] = {}


class CheckFailed(Exception):  # noqa: N818 - internal: a check's own failure, with its message
    """Raised inside a check to fail it with a message for the user."""


@contextmanager
def _timed(results: list[CheckResult], name: str) -> Iterator[_Check]:
    """Run the block as check ``name``; any exception fails it with a one-line message."""
    check = _Check()
    start = time.perf_counter()
    try:
        yield check
    except (CheckFailed, FaceAppError) as exc:
        results.append(CheckResult(name, False, time.perf_counter() - start, check.detail, _one_line(exc), check.data))
    except Exception as exc:  # a self-test reports every failure, bugs included
        log.exception("selftest check %s crashed", name)
        message = f"{type(exc).__name__}: {_one_line(exc)} (a bug or a broken installation)"
        results.append(CheckResult(name, False, time.perf_counter() - start, check.detail, message, check.data))
    else:
        results.append(CheckResult(name, True, time.perf_counter() - start, check.detail, "", check.data))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def run_selftest(
    basedir: str | Path | None = None,
    models_dir: Path | None = None,
    sample: Path | None = None,
    provider: str | None = None,
) -> SelftestReport:
    """Run every check and return the report (never raises for a failing check).

    Args:
        basedir: data folder whose saved settings (thresholds, model names, provider) are tested;
            ``None``: ``$FACEAPP_HOME`` or the platform folders. Nothing is written there.
        models_dir: folder with the bundled ``manifest.json`` (default: the bundled models).
        sample: a photo with exactly one face (default: the bundled astronaut photo).
        provider: ``"auto"``, ``"cpu"`` or ``"cuda"`` to override the saved setting.
    """
    start = time.perf_counter()
    results: list[CheckResult] = []
    paths = Paths.resolve(basedir)
    settings = Settings()
    with _timed(results, "settings") as check:
        settings = Settings.load(paths.settings_file)
        check.detail = f"{paths.settings_file} ({'saved' if paths.settings_file.exists() else 'defaults'})"
    if provider is not None:
        settings = replace(settings, provider=provider)
    info = ProviderInfo("CPU", "CPU", "not chosen")
    with _timed(results, "provider") as check:
        info = choose_provider(settings.provider)
        check.detail = info.describe()
    models = models_dir or bundled_models_dir()
    registry = _check_models(results, models, paths, info, settings.threads)
    pipeline = None
    if registry is not None:
        with _timed(results, "pipeline") as check:
            pipeline = FacePipeline.from_settings(settings, paths, registry=registry)
            check.detail = f"{settings.detector} + {settings.embedder}"
    face, mirrored = _check_faces(results, pipeline, sample or bundled.resource(*SAMPLE), settings.match_threshold)
    _check_index(results, face, mirrored)
    _check_database(results, face)
    environment = {
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        "models_dir": str(models),
        "resources_dir": str(bundled.bundled_dir("resources")),
        "data_dir": str(paths.data),
        "config_dir": str(paths.config),
        "platform": platform.platform(),
    }
    return SelftestReport(results, info.describe(), versions(), environment, time.perf_counter() - start)


def _check_models(
    results: list[CheckResult], models: Path, paths: Paths, info: ProviderInfo, threads: int
) -> ModelRegistry | None:
    """Open every registered model; the registry, or ``None`` when its manifest is unreadable."""
    registry = None
    with _timed(results, "manifest") as check:
        registry = ModelRegistry(bundled_dir=models, user_dir=paths.user_models)
        check.detail = f"{len(registry.names())} models in {models}"
    if registry is None:
        return None
    for spec in registry.specs():
        with _timed(results, f"model:{spec.name}") as check:
            check.data = {"file": spec.path.name, "kind": spec.kind, "bundled": spec.bundled}
            registry.open(spec.name, info, threads)
            check.detail = f"{spec.kind}, {spec.path.name}"
    return registry


def _check_faces(
    results: list[CheckResult], pipeline: FacePipeline | None, sample: Path, threshold: float
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``detect`` and ``embed``: the sample's embedding and its mirror image's (``None`` on failure)."""
    face = mirrored = None
    with _timed(results, "detect") as check:
        if pipeline is None:
            raise CheckFailed("skipped: the face pipeline did not open (see the checks above)")
        image = pipeline.load(sample)
        faces = pipeline.process(image)
        check.data = {"faces": len(faces), "image": sample.name}
        if len(faces) != 1:
            raise CheckFailed(f"expected exactly 1 face in {sample}, found {len(faces)}")
        check.detail = f"1 face in {sample.name}, score {float(faces.scores[0]):.3f}"
        if faces.embeddings is None:
            raise CheckFailed("the pipeline returned no embedding")
        face = faces.embeddings[0]
        flipped = pipeline.process(np.ascontiguousarray(image[:, ::-1]))
        if len(flipped) == 1 and flipped.embeddings is not None:
            mirrored = flipped.embeddings[0]
    with _timed(results, "embed") as check:
        if face is None:
            raise CheckFailed("skipped: no face to embed")
        norm = float(np.linalg.norm(face))
        check.data = {"dim": int(face.shape[0]), "norm": norm, "threshold": threshold}
        if abs(norm - 1.0) > UNIT_TOLERANCE:
            raise CheckFailed(f"the embedding is not unit length (norm {norm:.4f})")
        if mirrored is None:
            raise CheckFailed("the mirrored photo did not give exactly one face")
        similarity = float(np.dot(face, mirrored))
        check.data["mirror_similarity"] = similarity
        if similarity < threshold:
            raise CheckFailed(
                f"the mirrored photo matches with similarity {similarity:.3f}, "
                f"below the match threshold {threshold:.2f}"
            )
        check.detail = f"{face.shape[0]}-d, norm {norm:.4f}, mirror similarity {similarity:.3f} >= {threshold:.2f}"
    return face, mirrored


def _check_index(results: list[CheckResult], face: np.ndarray | None, mirrored: np.ndarray | None) -> None:
    """``index``: an hnswlib inner-product index finds the face among random decoys."""
    with _timed(results, "index") as check:
        import hnswlib

        dim = 512 if face is None else int(face.shape[0])
        rng = np.random.default_rng(0)
        decoys = rng.standard_normal((_DECOYS, dim)).astype(np.float32)
        decoys /= np.linalg.norm(decoys, axis=1, keepdims=True)
        if face is None:  # no face found: a synthetic unit vector stands in for it
            face = rng.standard_normal(dim).astype(np.float32)
            face /= np.linalg.norm(face)
        target = face.astype(np.float32)
        query = target if mirrored is None else mirrored.astype(np.float32)
        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(max_elements=_DECOYS + 1, ef_construction=100, M=16)
        index.add_items(np.vstack([decoys, target[None]]), np.arange(_DECOYS + 1))
        index.set_ef(50)
        labels, _ = index.knn_query(query[None], k=1)
        if int(labels[0, 0]) != _DECOYS:
            raise CheckFailed(f"hnswlib returned item {int(labels[0, 0])}, expected {_DECOYS}")
        check.detail = f"nearest of {_DECOYS + 1} found"


def _check_database(results: list[CheckResult], face: np.ndarray | None) -> None:
    """``database``: WAL mode and a float32 blob round trip through a temporary database."""
    with _timed(results, "database") as check:
        from faceapp.store.db import Database

        vector = (face if face is not None else np.linspace(-1, 1, 512)).astype(np.float32)
        with tempfile.TemporaryDirectory(prefix="faceapp-selftest-") as tmp:
            path = Path(tmp) / "selftest.db"
            with Database(path) as db:
                mode = str(db.query("PRAGMA journal_mode")[0]["journal_mode"]).lower()
                with db.transaction() as tx:
                    tx.execute("CREATE TABLE selftest (id INTEGER PRIMARY KEY, vector BLOB NOT NULL)")
                    tx.execute("INSERT INTO selftest (id, vector) VALUES (1, ?)", (vector.tobytes(),))
            with Database(path) as db:
                blob = db.query("SELECT vector FROM selftest WHERE id = 1")[0]["vector"]
                version = db.schema_version
        check.data = {"journal_mode": mode, "schema_version": version}
        if mode != "wal":
            raise CheckFailed(f"the database runs in {mode!r} journal mode, not WAL")
        back = np.frombuffer(blob, dtype=np.float32)
        if back.shape != vector.shape or not np.array_equal(back, vector):
            raise CheckFailed("the embedding read back from the database differs from the one written")
        check.detail = f"WAL, schema v{version}, {vector.nbytes} B float32 blob round trip"


def versions() -> dict[str, str]:
    """Versions of faceapp, Python, SQLite and the libraries that matter (PySide6 when importable)."""
    import sqlite3

    found = {"faceapp": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for label, module in (("onnxruntime", "onnxruntime"), ("numpy", "numpy"), ("opencv", "cv2"),
                          ("onnx", "onnx"), ("hnswlib", "hnswlib"), ("PySide6", "PySide6")):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        found[label] = str(getattr(mod, "__version__", "")) or _dist_version(label)
    return found


def _dist_version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
