"""Decision thresholds that follow the gallery size: derived from a calibration and a target rate, or pinned."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.config import Paths, Settings
from faceapp.errors import ConfigError
from faceapp.records import Verdict
from faceapp.store.decision import OperatingPoint, Thresholds, operating_point
from faceapp.store.gallery import Gallery
from faceapp.vision.calibration import Calibration

from .conftest import DIM, MODEL, photos_of, random_chip, unit

RNG = np.random.default_rng(11)
#: Impostor scores ~ N(0, 0.1), genuine ~ N(0.7, 0.1): a known model for a synthetic embedder.
CALIBRATION = Calibration.measure(MODEL, "synthetic", RNG.normal(0.7, 0.1, 5000), RNG.normal(0.0, 0.1, 2_000_000))


def _add_people(gallery: Gallery, n: int, rng: np.random.Generator, per: int = 2) -> list[int]:
    ids = []
    for centre in unit(rng.normal(size=(n, DIM))):
        person = gallery.add_person(f"p{len(ids)}")
        for vector in photos_of(centre, per, 0.75, rng):
            gallery.add_template(person.id, random_chip(rng), vector)
        ids.append(person.id)
    return ids


def test_the_accept_threshold_rises_as_people_are_enrolled_and_falls_when_they_leave(paths: Paths) -> None:
    gallery = Gallery.open(paths, MODEL, DIM, operating=OperatingPoint(0.005, CALIBRATION))
    rng = np.random.default_rng(1)
    seen = []
    for n in (1, 9, 90):
        _add_people(gallery, n, rng)
        people = gallery.searchable_people()
        assert gallery.thresholds == OperatingPoint(0.005, CALIBRATION).thresholds(people, len(gallery))
        seen.append(gallery.thresholds.accept)
    assert seen == sorted(seen) and seen[-1] - seen[0] > 0.08
    assert CALIBRATION.open_set_fpir(seen[-1], 100, 200) == pytest.approx(0.005, rel=0.05)
    score = (seen[0] + seen[-1]) / 2  # accepted in a small gallery, not in the grown one
    assert gallery.thresholds.verdict(score) is not Verdict.ACCEPT
    for person in gallery.people.list()[10:]:
        gallery.update_person(person.id, active=False)
    assert gallery.searchable_people() == 10 and gallery.thresholds.accept == pytest.approx(seen[1], abs=1e-4)
    gallery.close()


def test_pinned_thresholds_ignore_the_gallery_size(paths: Paths) -> None:
    pinned = Thresholds(0.5, 0.35)
    gallery = Gallery.open(paths, MODEL, DIM, operating=OperatingPoint(0.005, CALIBRATION, pinned, pin=True))
    _add_people(gallery, 50, np.random.default_rng(2))
    assert gallery.thresholds == pinned
    gallery.thresholds = Thresholds(0.55, 0.3)  # the expert's override keeps the target for later
    assert gallery.thresholds.accept == 0.55 and gallery.operating.target == 0.005
    gallery.close()


def test_a_calibration_of_another_model_is_not_used(paths: Paths) -> None:
    gallery = Gallery.open(paths, "another-model", DIM)
    gallery.operating = OperatingPoint(0.005, CALIBRATION, Thresholds(0.44, 0.3))
    assert gallery.operating.calibration is None and gallery.thresholds == Thresholds(0.44, 0.3)
    gallery.close()


def test_settings_choose_the_operating_point() -> None:
    point = operating_point(Settings(false_accept_target=0.001), CALIBRATION)
    assert point.derived and point.target == 0.001
    assert point.thresholds(10, 20).accept > operating_point(Settings(), CALIBRATION).thresholds(10, 20).accept
    assert not operating_point(Settings(pin_thresholds=True), CALIBRATION).derived
    assert operating_point(Settings(), None).thresholds(1000, 2000) == Thresholds(0.42, 0.30)  # uncalibrated
    unknown = operating_point(Settings(), CALIBRATION).thresholds(100, 200)
    assert unknown.unknown < unknown.accept
    with pytest.raises(ConfigError):
        OperatingPoint(0.5, CALIBRATION)


class _OtherModel:
    """A stand-in embedder of another model (random unit vectors)."""

    dim = DIM

    def embed(self, chips: np.ndarray) -> np.ndarray:
        return unit(np.random.default_rng(len(chips)).normal(size=(len(chips), DIM)))


def test_after_switching_models_the_old_calibration_is_not_used(paths: Paths) -> None:
    pinned = Thresholds(0.47, 0.33)
    gallery = Gallery.open(paths, MODEL, DIM, operating=OperatingPoint(0.005, CALIBRATION, pinned))
    _add_people(gallery, 5, np.random.default_rng(4))
    assert gallery.thresholds != pinned  # derived from the calibration of MODEL
    gallery.reembed(_OtherModel(), model="other-model")
    assert gallery.model == "other-model" and gallery.thresholds == pinned
    gallery.close()


@pytest.mark.parametrize("flip", [True, False])
def test_thresholds_come_from_the_calibration_of_how_faces_are_embedded(tmp_path, flip: bool) -> None:
    """With flip test-time augmentation (the default) the bundled embedder's flip calibration decides."""
    from faceapp.services import Core

    settings = Settings(provider="cpu", flip_embedding=flip)
    settings.save(Paths.resolve(tmp_path).settings_file)
    core = Core.open(tmp_path, settings=settings)
    try:
        spec = core.pipeline.embedder.spec
        assert spec.calibration is not None and spec.calibration_flip is not None  # the bundled entry has both
        wanted = spec.calibration_flip if flip else spec.calibration
        assert core.gallery.operating.calibration is wanted
        core.changes.publish(Settings(provider="cpu", flip_embedding=flip, false_accept_target=0.01))
        assert core.gallery.operating.calibration is wanted and core.gallery.operating.target == 0.01
    finally:
        core.close()
    listing = Core.open_gallery(tmp_path)  # reports and listing: no inference session, same calibration
    try:
        assert listing.operating.calibration is not None
        assert listing.operating.calibration.data.endswith(", flip") is flip
    finally:
        listing.close()
