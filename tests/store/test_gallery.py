"""Gallery: identification (aggregation, margins, verdicts), activity, deletion proof, re-embedding."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.errors import ConfigError, PersonNotFoundError
from faceapp.records import Event, EventKind, Verdict
from faceapp.store.gallery import Gallery, Thresholds, aggregate
from faceapp.store.index import IndexParams

from .conftest import DIM, MODEL, photos_of, random_chip, unit


def _enrol(gallery: Gallery, rng: np.random.Generator, n_people: int = 12, per: int = 3,
           cosine: float = 0.75) -> tuple[list[int], np.ndarray]:
    centres = unit(rng.normal(size=(n_people, DIM)))
    ids = []
    for i, centre in enumerate(centres):
        person = gallery.add_person(f"person {i}", employee_no=f"E{i}")
        for vector in photos_of(centre, per, cosine, rng):
            gallery.add_template(person.id, random_chip(rng), vector)
        ids.append(person.id)
    return ids, centres


def test_aggregate_is_each_persons_best_template() -> None:
    persons = np.array([1, 2, 1, 1, 3])
    scores = np.array([0.9, 0.8, 0.5, 0.4, 0.1])
    ranked = aggregate(persons, scores)
    assert [p for p, _ in ranked] == [1, 2, 3]
    assert [s for _, s in ranked] == pytest.approx([0.9, 0.8, 0.1])
    assert aggregate(np.zeros(0, np.int64), np.zeros(0)) == []


def test_identify_finds_the_enrolled_person_with_margin_and_verdict(gallery: Gallery,
                                                                    rng: np.random.Generator) -> None:
    ids, centres = _enrol(gallery, rng)
    probes = np.concatenate([photos_of(c, 1, 0.75, rng) for c in centres])
    results = gallery.identify(probes, model=MODEL)
    assert [r.person_id for r in results] == ids
    assert [r.name for r in results] == [f"person {i}" for i in range(len(ids))]
    for result, probe, person in zip(results, probes, ids, strict=True):
        tpl = gallery.people.active_embeddings(MODEL, person_id=person)[2]
        expected = np.max(tpl @ probe)
        assert result.score == pytest.approx(expected, abs=1e-5)
        others = [s for p, s in aggregate(*_all_scores(gallery, probe)) if p != person]
        assert result.margin == pytest.approx(result.score - max(others), abs=1e-5)
        assert result.verdict is gallery.thresholds.verdict(result.score)
    assert sum(r.verdict is Verdict.ACCEPT for r in results) >= len(ids) - 1


def _all_scores(gallery: Gallery, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, persons, vectors = gallery.people.active_embeddings(MODEL)
    scores = vectors @ probe
    order = np.argsort(-scores)
    return persons[order], scores[order]


@pytest.mark.parametrize(("score", "verdict"), [(0.95, Verdict.ACCEPT), (0.5, Verdict.ACCEPT),
                                                (0.49, Verdict.UNCERTAIN), (0.2, Verdict.UNCERTAIN),
                                                (0.19, Verdict.UNKNOWN), (-0.3, Verdict.UNKNOWN)])
def test_verdict_thresholds(paths: Paths, score: float, verdict: Verdict) -> None:
    gallery = Gallery.open(paths, MODEL, DIM, thresholds=Thresholds(accept=0.5, unknown=0.2))
    person = gallery.add_person("Ann")
    base = np.zeros(DIM, np.float32)
    base[0] = 1
    gallery.add_template(person.id, np.zeros((112, 112, 3), np.uint8), base)
    probe = np.zeros(DIM, np.float32)
    probe[0], probe[1] = score, np.sqrt(1 - score**2)
    (result,) = gallery.identify(probe[None], model=MODEL)
    assert (result.person_id, result.margin, result.verdict) == (person.id, 1.0, verdict)
    assert result.score == pytest.approx(score, abs=1e-5)


def test_thresholds_are_validated() -> None:
    with pytest.raises(ConfigError):
        Thresholds(accept=0.3, unknown=0.4)


def test_empty_gallery_and_strangers_are_unknown(gallery: Gallery, rng: np.random.Generator) -> None:
    (empty,) = gallery.identify(unit(rng.normal(size=DIM)), model=MODEL)
    assert (empty.person_id, empty.verdict) == (None, Verdict.UNKNOWN)
    _enrol(gallery, rng)
    strangers = gallery.identify(unit(rng.normal(size=(20, DIM))), model=MODEL)
    assert all(r.verdict is not Verdict.ACCEPT for r in strangers)


def test_only_active_people_are_matched_and_reactivation_restores(gallery: Gallery,
                                                                  rng: np.random.Generator) -> None:
    ids, centres = _enrol(gallery, rng, n_people=4)
    gallery.update_person(ids[0], active=False)
    assert len(gallery) == 9
    assert gallery.identify(centres[:1], model=MODEL)[0].person_id != ids[0]
    gallery.update_person(ids[0], active=True)
    assert len(gallery) == 12
    assert gallery.identify(centres[:1], model=MODEL)[0].person_id == ids[0]


def test_index_survives_reopening_and_follows_sqlite(paths: Paths, params: IndexParams,
                                                     rng: np.random.Generator) -> None:
    gallery = Gallery.open(paths, MODEL, DIM, params=params)
    ids, centres = _enrol(gallery, rng, n_people=5)
    gallery.delete_template(gallery.people.templates(ids[1])[0].id)
    gallery.close()
    reopened = Gallery.open(paths, MODEL, DIM, params=params)
    assert len(reopened) == 14 and reopened.index.exact is (params.exact_below > 0)
    assert [r.person_id for r in reopened.identify(centres, model=MODEL)] == ids
    with pytest.raises(PersonNotFoundError):
        reopened.delete_template(10_000)


def _files_containing(folder: Path, needles: list[bytes]) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]


def test_deleting_a_person_removes_every_byte_of_their_biometric_data(gallery: Gallery, paths: Paths,
                                                                      rng: np.random.Generator) -> None:
    keep_ids, keep_centres = _enrol(gallery, rng, n_people=3)
    ann = gallery.add_person("Ann", employee_no="A1")
    chips = [random_chip(rng) for _ in range(2)]
    vectors = photos_of(unit(rng.normal(size=DIM))[0], 2, 0.8, rng)
    for chip, vector in zip(chips, vectors, strict=True):
        gallery.add_template(ann.id, chip, vector, source="photo")
    now = datetime.now(timezone.utc)
    events = [gallery.events.add(Event(None, now, "Europe/Berlin", EventKind.CHECK_IN, ann.id, "Ann", None, None,
                                       0.8, 0.3, "cam1"), snapshot=random_chip(rng)) for _ in range(2)]
    snapshot_files = [paths.data / e.snapshot for e in events if e.snapshot]
    from faceapp.store.people import encode_chip

    pngs = [encode_chip(c) for c in chips]
    needles = [p[n : n + 48] for p in pngs for n in (200, 3000, len(p) // 2, len(p) - 100)]
    needles += [v.tobytes() for v in vectors]
    assert len(snapshot_files) == 2 and all(f.exists() for f in snapshot_files)
    assert _files_containing(paths.data, needles)  # the search does find them while enrolled

    gallery.delete_person(ann.id, actor="admin")

    assert _files_containing(paths.data, needles) == []
    assert not any(f.exists() for f in snapshot_files)
    for event in events:
        after = gallery.events.get(event.id or 0)
        assert (after.person_id, after.snapshot, after.name) == (None, None, None)
    entries = gallery.audit.entries(person_id=ann.id)
    assert entries[0].action == "person.delete" and entries[0].actor == "admin"
    assert all(e.details == {} for e in entries[1:])
    text = " ".join(str(e.details) for e in gallery.audit.entries())
    assert not any(e.snapshot and Path(e.snapshot).name in text for e in events)
    with pytest.raises(PersonNotFoundError):
        gallery.people.get(ann.id)
    assert [r.person_id for r in gallery.identify(keep_centres, model=MODEL)] == keep_ids


class _ProjectionEmbedder:
    """A deterministic stand-in for a second embedding model: a random projection of the pixels."""

    def __init__(self, dim: int, seed: int) -> None:
        self.dim = dim
        self._w = np.random.default_rng(seed).normal(size=(112 * 112 * 3, dim)).astype(np.float32)
        self.calls = 0

    def embed(self, chips: np.ndarray) -> np.ndarray:
        self.calls += 1
        return unit((chips.reshape(len(chips), -1).astype(np.float32) - 127.5) @ self._w)


def test_reembed_switches_models_only_when_complete(gallery: Gallery, rng: np.random.Generator) -> None:
    ids, centres = _enrol(gallery, rng, n_people=5)
    new = _ProjectionEmbedder(24, seed=1)
    seen = []

    def progress(done: int, total: int) -> None:
        # identification keeps working on the old model while the new one is being built
        seen.append((done, total, gallery.model, [r.person_id for r in gallery.identify(centres, model=MODEL)]))

    assert gallery.reembed(new, model="projection-24", progress=progress, batch=4) == 15
    assert [s[:2] for s in seen] == [(4, 15), (8, 15), (12, 15), (15, 15)]
    assert all(model == MODEL and found == ids for _, _, model, found in seen)
    assert (gallery.model, gallery.dim, len(gallery)) == ("projection-24", 24, 15)
    assert gallery.database.get_meta("active_model") == "projection-24"
    chip = gallery.people.chip(gallery.people.templates(ids[2])[0].id)
    query = new.embed(chip[None])
    assert gallery.identify(query, model="projection-24")[0].person_id == ids[2]
    assert gallery.index.search(query, 1)[1][0, 0] == pytest.approx(1.0, abs=1e-5)  # its own template
    calls = new.calls
    assert gallery.reembed(new, model="projection-24") == 0 and new.calls == calls  # nothing left to do
    assert gallery.people.models() == {MODEL: 15, "projection-24": 15}


def test_bulk_changes_save_the_index_once(gallery: Gallery, paths: Paths, params: IndexParams,
                                          rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    saves: list[int] = []
    real = type(gallery.index).save
    monkeypatch.setattr(type(gallery.index), "save", lambda self, *a: (saves.append(len(self)), real(self, *a)))
    with gallery.bulk():
        ids, centres = _enrol(gallery, rng, n_people=3)
        assert saves == []
    assert saves == [9]
    gallery.close()
    reopened = Gallery.open(paths, MODEL, DIM, params=params)
    assert [r.person_id for r in reopened.identify(centres, model=MODEL)] == ids
