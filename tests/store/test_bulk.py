"""Bulk enrolment gives the one-by-one path's results, on real lfw-dev photos."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.errors import FaceAppError
from faceapp.store.bulk import Prefetch
from faceapp.store.enrol import Enroller
from faceapp.store.gallery import Gallery
from faceapp.vision.pipeline import FacePipeline

PEOPLE = ("Abel_Pacheco", "Anders_Fogh_Rasmussen", "Angela_Bassett", "Ann_Veneman", "Benjamin_Netanyahu")


def _photos(lfw_dir: Path, tmp_path: Path) -> list[tuple[str, Path]]:
    """Photos of a few people, plus a copy under a second person (a resemblance) and a broken file."""
    jobs = []
    for name in PEOPLE:
        jobs += [(name, p) for p in sorted((lfw_dir / "images" / name).glob("*.jpg"))[:4]]
    twin = tmp_path / "twin.jpg"
    shutil.copy(jobs[0][1], twin)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    return [*jobs, ("Someone_Else", twin), ("Someone_Else", broken), (PEOPLE[0], jobs[0][1])]


def _outcome(enrol) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    try:
        result = enrol()
    except FaceAppError as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("skipped" if result.skipped else "enrolled", str(len(result.template_ids)))


@pytest.fixture()
def two_galleries(tmp_path: Path, pipeline: FacePipeline) -> Iterator[tuple[Gallery, Gallery]]:
    a = Gallery.open(Paths.resolve(tmp_path / "a").ensure(), pipeline.info.embedder, pipeline.info.embedding_size)
    b = Gallery.open(Paths.resolve(tmp_path / "b").ensure(), pipeline.info.embedder, pipeline.info.embedding_size)
    yield a, b
    a.close()
    b.close()


def test_prefetched_import_equals_one_by_one(two_galleries: tuple[Gallery, Gallery], pipeline: FacePipeline,
                                             lfw_dir: Path, tmp_path: Path) -> None:
    one, bulk = two_galleries
    jobs = _photos(lfw_dir, tmp_path)
    ids_one = {name: one.add_person(name.replace("_", " ")).id for name in dict(jobs)}
    ids_bulk = {name: bulk.add_person(name.replace("_", " ")).id for name in dict(jobs)}
    serial = Enroller(one, pipeline)
    expected = [_outcome(lambda n=n, p=p: serial.enrol_photo(ids_one[n], p, source="import")) for n, p in jobs]

    prefetch = Prefetch.for_gallery(pipeline, bulk, [p for _, p in jobs], batch=4)
    enroller = prefetch.enroller(Enroller(bulk, pipeline))
    got = []
    with prefetch, bulk.bulk():
        for name, photo in prefetch.ready(jobs, bulk.database):
            got.append(_outcome(lambda n=name, p=photo: enroller.enrol_photo(ids_bulk[n], p, source="import")))
    assert got == expected
    assert [g[0] for g in got].count("enrolled") >= 15 and ("skipped", "1") in got and got[-2][0] == "refused"
    assert prefetch.prepared._faces == prefetch.prepared._images == {}  # nothing left behind
    for name in dict(jobs):
        a = one.people.templates(ids_one[name])
        b = bulk.people.templates(ids_bulk[name])
        assert [t.source_sha256 for t in a] == [t.source_sha256 for t in b]
        va, vb = one.index.vectors(np.array([t.id for t in a])), bulk.index.vectors(np.array([t.id for t in b]))
        np.testing.assert_allclose(va, vb, atol=2e-3)  # batched vs single inference: float noise only


def test_a_second_run_decodes_nothing_and_skips_everything(two_galleries: tuple[Gallery, Gallery],
                                                           pipeline: FacePipeline, lfw_dir: Path,
                                                           tmp_path: Path) -> None:
    gallery, _ = two_galleries
    jobs = [(n, p) for n, p in _photos(lfw_dir, tmp_path)[:8]]
    person = {name: gallery.add_person(name).id for name in dict(jobs)}
    for _ in range(2):
        prefetch = Prefetch.for_gallery(pipeline, gallery, [p for _, p in jobs])
        enroller = prefetch.enroller(Enroller(gallery, pipeline))
        with prefetch:
            outcomes = [_outcome(lambda n=n, p=p, e=enroller: e.enrol_photo(person[n], p))
                        for n, p in prefetch.ready(jobs, gallery.database)]
    assert outcomes == [("skipped", "1")] * len(jobs)
    assert prefetch.prepared._images == {}  # known files were not decoded ahead


def test_jobs_must_match_the_prefetched_photos(pipeline: FacePipeline, lfw_dir: Path) -> None:
    photos = sorted((lfw_dir / "images" / PEOPLE[0]).glob("*.jpg"))[:2]
    with Prefetch(pipeline, photos) as prefetch, pytest.raises(ValueError):
        list(prefetch.ready([("x", photos[1]), ("x", photos[0])]))
