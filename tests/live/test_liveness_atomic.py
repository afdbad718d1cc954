"""A check-in and its liveness row are one write: never a stored check-in without its evidence.

A printed photo of nuaa-dev is shown to a camera in log mode (nothing held back, so it checks in).
The ``liveness`` insert is made to fail on the real store (an SQLite trigger, a PostgreSQL
trigger): neither the check-in nor its row (nor its snapshot file) may be left behind, on both
back ends. Without failure, the check-in has its row on both back ends; a check-in queued while
the server is unreachable is queued with its evidence and delivered with it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest

from faceapp.config import Settings
from faceapp.errors import StorageError
from faceapp.live.liveness_stage import liveness_stages
from faceapp.live.service import LiveService
from faceapp.records import Event, EventKind
from faceapp.services import Core
from faceapp.store.liveness import evidence_for
from faceapp.store.outbox import Outbox
from faceapp.vision.pipeline import FacePipeline
from tests.conftest import unavailable
from tests.live.test_liveness_e2e import frames, nuaa  # noqa: F401 - fixture
from tests.store.pgserver import PgServer, find_bindir

pytestmark = pytest.mark.realdata
T0 = 1_800_000_000.0
_NAMES = itertools.count(1)
_ATTENDANCE = (EventKind.CHECK_IN, EventKind.CHECK_OUT)


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    server = PgServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store's back end; for PostgreSQL ``$FACEAPP_DATABASE_URL`` names a fresh database."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg")
        monkeypatch.setenv("FACEAPP_DATABASE_URL", server.create_database(f"atomic{next(_NAMES)}"))
    else:
        monkeypatch.delenv("FACEAPP_DATABASE_URL", raising=False)
    return str(request.param)


@pytest.fixture()
def log_core(basedir: Path, pipeline: FacePipeline, nuaa: Path,  # noqa: F811
             backend: str) -> Iterator[Core]:
    """A core in liveness log mode with the nuaa subject enrolled from two live frames."""
    core = Core.open(basedir, pipeline=pipeline, settings=replace(Settings(provider="cpu"), liveness_mode="log"))
    person = core.gallery.add_person("Subject 0001", employee_no="N1")
    live = frames(nuaa, "live", "01")
    for path in (live[0], live[len(live) // 2]):
        core.enroller().enrol_photo(person.id, path)
    yield core
    core.close()


@pytest.fixture()
def spoof_frames(log_core: Core, nuaa: Path) -> list[np.ndarray]:  # noqa: F811
    return [log_core.pipeline.load(p) for p in frames(nuaa, "spoof", "01")[:10] for _ in range(2)]


@contextmanager
def _desk(core: Core, stage: Any = None) -> Iterator[LiveService]:
    """The core's live service with its liveness stage (or ``stage``), closed afterwards."""
    if stage is None:
        (stage,) = liveness_stages(core)
    service = core.live_service(stages=[stage])
    try:
        yield service
    finally:
        service.close()


def _feed(service: LiveService, images: list[np.ndarray], start: int = 0) -> tuple[list[Event], list[StorageError]]:
    events: list[Event] = []
    errors: list[StorageError] = []
    for i, image in enumerate(images, start):
        try:
            events += service.process(image, T0 + i / 10, i).events
        except StorageError as exc:
            errors.append(exc)
    return events, errors


def _break_liveness_inserts(core: Core, backend: str) -> Callable[[], None]:
    """Make every insert into ``liveness`` fail on the real store; returns the repair."""
    if backend == "sqlite":
        with core.gallery.database.transaction() as db:
            db.execute("CREATE TRIGGER liveness_fails BEFORE INSERT ON liveness "
                       "BEGIN SELECT RAISE(ABORT, 'injected: the evidence row cannot be written'); END")

        def repair() -> None:
            with core.gallery.database.transaction() as db:
                db.execute("DROP TRIGGER liveness_fails")
        return repair
    import os

    url = os.environ["FACEAPP_DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION liveness_fails() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN RAISE EXCEPTION 'injected: the evidence row cannot be written'; END $$")
        conn.execute("CREATE TRIGGER liveness_fails BEFORE INSERT ON liveness "
                     "FOR EACH ROW EXECUTE FUNCTION liveness_fails()")

    def repair_pg() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER liveness_fails ON liveness")
    return repair_pg


def _snapshots(core: Core) -> list[Path]:
    return [p for p in (core.paths.data / "snapshots").rglob("*") if p.is_file()]


def test_a_failed_evidence_row_stores_no_check_in(log_core: Core, spoof_frames: list[np.ndarray],
                                                  backend: str) -> None:
    core = log_core
    repair = _break_liveness_inserts(core, backend)
    with _desk(core) as service:
        events, errors = _feed(service, spoof_frames)
    stored = core.gallery.events.list()
    checkins = [e for e in stored if e.kind in _ATTENDANCE]
    rows = evidence_for(core.gallery.events, [e.id for e in stored if e.id is not None])
    assert [e.id for e in checkins if e.id not in rows] == []  # never a check-in without its evidence
    assert checkins == [] and not [e for e in events if e.kind in _ATTENDANCE]  # neither was stored
    assert errors and "injected" in str(errors[0])  # said, as for any check-in the store refused
    assert _snapshots(core) == []  # its evidence crop did not stay behind either
    repair()
    assert core.gallery.people.count_templates() == 2  # the store is fine afterwards


def test_log_mode_check_in_is_stored_with_its_row(log_core: Core, spoof_frames: list[np.ndarray]) -> None:
    core = log_core
    with _desk(core) as service:
        events, errors = _feed(service, spoof_frames)
    assert errors == []
    (checkin,) = [e for e in core.gallery.events.list() if e.kind in _ATTENDANCE]
    assert [e.id for e in events if e.kind in _ATTENDANCE] == [checkin.id]
    evidence = evidence_for(core.gallery.events, [checkin.id])[checkin.id]
    assert (evidence.verdict, evidence.mode) == ("spoof", "log") and evidence.frames >= 3
    record = next(s for s in service.stages if s.name == "liveness_record")
    assert record.recorded == [checkin.id]  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_check_in_queued_offline_carries_its_evidence(log_core: Core, spoof_frames: list[np.ndarray],
                                                        pg: PgServer) -> None:
    core = log_core
    with _desk(core) as service:
        pg.halt()
        try:
            events, errors = _feed(service, spoof_frames)
            queued = Outbox.open(core.paths.data).pending()
        finally:
            pg.resume()
        status = service.flush(30)
    assert errors == []
    (checkin,) = [e for e in events if e.kind in _ATTENDANCE]
    (waiting,) = [q for q in queued if q.event.uid == checkin.uid]
    assert waiting.liveness is not None and waiting.liveness.verdict == "spoof"  # queued with it, in one row
    assert status.queued == 0
    (stored,) = [e for e in core.gallery.events.list() if e.kind in _ATTENDANCE]
    assert stored.uid == checkin.uid
    evidence = evidence_for(core.gallery.events, [stored.id])[stored.id]
    assert (evidence.verdict, evidence.mode) == ("spoof", "log")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_check_in_never_judged_gets_a_pending_row(log_core: Core, spoof_frames: list[np.ndarray]) -> None:
    """Log mode with the liveness model unusable: the check-in goes through and says it was not judged."""
    from faceapp.errors import ModelError
    from faceapp.live.liveness_stage import LivenessConfig, LivenessStage

    def broken() -> Any:
        raise ModelError("the liveness model file is missing")

    core = log_core
    stage = LivenessStage(None, LivenessConfig.from_settings(core.settings), core.gallery.events, loader=broken)
    with _desk(core, stage) as service:
        events, errors = _feed(service, spoof_frames)
    assert errors == []
    (checkin,) = [e for e in events if e.kind in _ATTENDANCE]
    evidence = evidence_for(core.gallery.events, [checkin.id])[checkin.id]
    assert (evidence.verdict, evidence.mode, evidence.score, evidence.frames) == ("pending", "log", None, 0)
    assert evidence.threshold == stage.config.policy.threshold


def test_a_check_in_the_store_refused_is_retried_not_lost_in_the_cooldown(
        log_core: Core, spoof_frames: list[np.ndarray], backend: str) -> None:
    """Once the store accepts writes again, the same walk past the camera checks in: nothing is lost."""
    core = log_core
    repair = _break_liveness_inserts(core, backend)
    with _desk(core) as service:
        events, errors = _feed(service, spoof_frames[:10])
        assert errors and not [e for e in events if e.kind in _ATTENDANCE]  # refused while broken
        repair()
        events, errors = _feed(service, spoof_frames[10:], start=10)  # the same track goes on
    assert errors == []
    (checkin,) = [e for e in core.gallery.events.list() if e.kind in _ATTENDANCE]
    assert checkin.kind is EventKind.CHECK_IN and [e.id for e in events if e.kind in _ATTENDANCE] == [checkin.id]
    assert evidence_for(core.gallery.events, [checkin.id])[checkin.id].mode == "log"  # with its evidence
