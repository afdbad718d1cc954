"""The gallery: enrolled people's templates, searched for the best person with an open-set decision.

A face's score for a person is its **best template score** with that person (:func:`aggregate`).
Measured on lfw-dev + celeba-dev (200 people enrolled with 2 photos each, their other photos as
probes, the photos of 30 % of the people as strangers, 5 draws; ``benchmarks/bench_identification.py
rules``): at 0.5 % strangers accepted, the best score identified 0.929 of probes, the mean of the
two best 0.924 (0.941 against 0.933 at 1 %); adding a quarter of the margin to the runner-up
person gained 0.001 and weighting templates by their quality score nothing, and neither fits the
pair-score calibration, so the plain best score is kept.

The decision thresholds are not constants: they follow from the operating point
(:class:`~faceapp.store.decision.OperatingPoint`): a target false-accept rate per attempt, the
embedder's calibration and the number of searchable people, recomputed whenever that number
changes (:attr:`Gallery.thresholds`). An expert may pin raw thresholds instead. Only active people
are searched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

import numpy as np

from faceapp.config import Paths
from faceapp.errors import ModelMismatchError, ServerUnreachableError, StorageError
from faceapp.records import Identification, Person, Verdict
from faceapp.store import audit
from faceapp.store.audit import AuditLog
from faceapp.store.db import Database
from faceapp.store.decision import DEFAULT_ACCEPT as DEFAULT_ACCEPT  # re-exported
from faceapp.store.decision import DEFAULT_UNKNOWN as DEFAULT_UNKNOWN  # re-exported
from faceapp.store.decision import OperatingPoint, Thresholds
from faceapp.store.events import Events
from faceapp.store.index import IndexParams, TemplateIndex, index_files, open_index
from faceapp.store.local_copy import Attendance, LocalCopy, Snapshot, start_offline
from faceapp.store.people import People, put_embedding

log = logging.getLogger(__name__)

DEFAULT_K = 20  # templates fetched per query before grouping by person
REFINE = 8  # most people rescored on all their templates per query
INDEX_DIR = "index"
SYNC_REBUILD_PEOPLE = 200  # more people changed by another process than this: rebuild the index
ACTIVE_MODEL_KEY = "active_model"

Progress = Callable[[int, int], None]


class ChipEmbedder(Protocol):
    """What :meth:`Gallery.reembed` needs: ``faceapp.vision.embed.Embedder`` fits."""

    dim: int

    def embed(self, chips: np.ndarray) -> np.ndarray:
        """(N, 112, 112, 3) uint8 BGR chips -> (N, D) float32 unit vectors."""
        ...


class HasEmbedder(Protocol):
    """A ``FacePipeline``: :meth:`Gallery.reembed` uses its ``embedder``."""

    @property
    def embedder(self) -> ChipEmbedder: ...


def model_name(embedder: Any) -> str:
    """The model id of an embedder or pipeline (``spec.name``)."""
    inner = getattr(embedder, "embedder", embedder)
    return str(inner.spec.name)


def aggregate(persons: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    """Per-person scores from one query's best templates, best person first.

    Args:
        persons: (k,) person id of each template, in descending score order.
        scores: (k,) template scores, descending.

    Returns:
        ``(person_id, score)`` pairs, the score being the person's best template score.
    """
    best: dict[int, float] = {}
    for person, score in zip(persons.tolist(), scores.tolist(), strict=True):
        if person not in best or score > best[person]:
            best[person] = score
    return sorted(best.items(), key=lambda item: -item[1])


class _Owners:
    """Which person owns each searchable template, and each person's searchable templates."""

    def __init__(self, template_ids: list[int], person_ids: list[int]) -> None:
        self.person: dict[int, int] = {}
        self.templates: dict[int, set[int]] = {}
        for template_id, person_id in zip(template_ids, person_ids, strict=True):
            self.add(template_id, person_id)

    def add(self, template_id: int, person_id: int) -> None:
        self.person[template_id] = person_id
        self.templates.setdefault(person_id, set()).add(template_id)

    def remove(self, template_id: int) -> None:
        person_id = self.person.pop(template_id, None)
        if person_id is not None:
            self.templates[person_id].discard(template_id)
            if not self.templates[person_id]:
                del self.templates[person_id]


class Gallery:
    """People, their templates and events in SQLite, searched through a per-model index.

    Args:
        database: the open database.
        paths: the data folders (index files and snapshots live below ``paths.data``).
        model: the active embedding model id (e.g. ``pipeline.info.embedder``).
        dim: its embedding size.
        thresholds: pinned decision thresholds (overrides ``operating``).
        params: exact/approximate search settings.
        operating: the operating point (target rate and calibration); default: pinned defaults.
        keep_copy: a desk on a shared server: keep what it reads from the server in its data folder
            (:mod:`faceapp.store.local_copy`) and start from it while the server is unreachable.
            Admin commands and reports do not (no names or vectors on their machines), but keep a
            copy that a desk left in this data folder up to date (a removal purges it too).
    """

    def __init__(self, database: Database, paths: Paths, model: str, dim: int,
                 thresholds: Thresholds | None = None, params: IndexParams | None = None,
                 operating: OperatingPoint | None = None, keep_copy: bool = False) -> None:
        self.database = database
        self.paths = paths
        self._operating = OperatingPoint(pinned=thresholds, pin=True) if thresholds else (
            operating or OperatingPoint(pin=True))
        self._thresholds_for: tuple[tuple[int, int, str], Thresholds] | None = None
        self.params = params or IndexParams()
        self.people = People(database)
        self.events = Events(database, paths)
        self.audit = AuditLog(database)
        self._lock = threading.RLock()
        self._deferred = 0
        self._model, self._dim = model, dim
        self._known_names: dict[int, str] = {}  # searchable people's names, for a shared server's outages
        self._known_numbers: dict[int, str | None] = {}  # and their employee numbers
        #: on a shared server: what this desk last read from it, on disk (it may have to start offline)
        keep_copy = keep_copy or LocalCopy.exists(paths.data)
        self.local = LocalCopy.open(paths.data) if keep_copy and database.backend != "sqlite" else None
        self.started_offline: Snapshot | None = None
        try:
            self._schema_version = database.schema_version
            self._index, self._owner = self._open_index(model, dim)
            self._data_version = database.scalar("PRAGMA data_version")
            self._fingerprint: tuple[Any, ...] | None = self._searchable_fingerprint()
        except ServerUnreachableError as exc:
            if self.local is None:
                raise
            self._open_offline(exc)
            return
        if database.backend != "sqlite":
            self._remember_names()
            self._keep_copy()
        if database.get_meta(ACTIVE_MODEL_KEY) != model:
            database.set_meta(ACTIVE_MODEL_KEY, model)
        missing = self.missing_embeddings()
        if missing:
            log.warning("%d templates have no %s embedding; run reembed to include them", missing, model)

    def _open_offline(self, unreachable: ServerUnreachableError) -> None:
        """Start from the local copy: the server is unreachable (see :mod:`faceapp.store.local_copy`)."""
        assert self.local is not None
        why = getattr(self.database, "reason", "")
        server = f"the database server {self.database.path} cannot be reached" + (f" ({why})" if why else "")
        try:
            snapshot, self._index = start_offline(self.local, self._model, self._dim, self.params,
                                                  self.paths.data / INDEX_DIR)
        except StorageError as exc:
            raise StorageError(f"{server}, and {exc}") from unreachable
        self._owner = _Owners(snapshot.template_ids.tolist(), snapshot.person_ids.tolist())
        self._schema_version = snapshot.schema_version
        self._data_version, self._fingerprint = None, None  # the first answer from the server syncs
        self._known_names = {p: n for p, (n, _) in snapshot.people.items()}
        self._known_numbers = {p: e for p, (_, e) in snapshot.people.items()}
        self.started_offline = snapshot
        log.warning("the database server cannot be reached: this desk starts from its copy of the server's "
                    "gallery, saved %s (%d people, %d templates)",
                    snapshot.saved_at.astimezone().strftime("%Y-%m-%d %H:%M"), len(self._owner.templates),
                    len(self._owner.person))

    @classmethod
    def open(cls, paths: Paths, model: str, dim: int, **kwargs: Any) -> Gallery:
        """Open (creating when needed) the database in ``paths.data`` and its gallery."""
        return cls(Database.open(paths), paths, model, dim, **kwargs)

    def close(self) -> None:
        """Close the database (and the local copy)."""
        self.database.close()
        if self.local is not None:
            self.local.close()

    @property
    def model(self) -> str:
        """The embedding model whose index :meth:`identify` searches."""
        return self._model

    @property
    def dim(self) -> int:
        return self._dim

    # -- decision ------------------------------------------------------------------------------
    @property
    def operating(self) -> OperatingPoint:
        """How thresholds are chosen (see :mod:`faceapp.store.decision`)."""
        return self._operating

    @operating.setter
    def operating(self, value: OperatingPoint) -> None:
        with self._lock:
            self._operating, self._thresholds_for = value.for_model(self._model), None

    def searchable_people(self) -> int:
        """Active people with at least one template of the active model."""
        return len(self._owner.templates)

    @property
    def thresholds(self) -> Thresholds:
        """The decision thresholds for the current number of searchable people and templates.

        A calibration of another model than the one searched (after :meth:`reembed`, before the
        new model's operating point is set) is not used: the pinned thresholds apply meanwhile.
        """
        key = (self.searchable_people(), len(self._owner.person), self._model)
        cached = self._thresholds_for
        if cached is None or cached[0] != key:
            cached = (key, self._operating.for_model(self._model).thresholds(key[0], key[1]))
            self._thresholds_for = cached
        return cached[1]

    @thresholds.setter
    def thresholds(self, value: Thresholds) -> None:
        """Pin raw thresholds (the expert's override)."""
        self.operating = OperatingPoint(self._operating.target, self._operating.calibration, value, pin=True)

    @property
    def index(self) -> TemplateIndex:
        """The active model's index (read-only use)."""
        return self._index

    def missing_embeddings(self) -> int:
        """Templates without an embedding of the active model (non-zero: call :meth:`reembed`)."""
        return self.people.count_templates() - self.people.models().get(self._model, 0)

    def __len__(self) -> int:
        """Searchable templates (active people, active model)."""
        return len(self._index)

    # -- search --------------------------------------------------------------------------------
    def identify(self, embeddings: np.ndarray, k: int = DEFAULT_K, *, model: str) -> list[Identification]:
        """The best enrolled person for each face, with margin and verdict.

        Args:
            embeddings: (N, D) unit vectors of the active model.
            k: templates fetched per face before grouping by person (raise it when people have
                many templates each, so that the runner-up person is still among them).
            model: the model that produced ``embeddings`` (required: a query is only ever searched
                among templates of its own model); an ``embeddings.model`` attribute must agree.

        Returns:
            One :class:`Identification` per row; person ``None`` and score 0 when the gallery is empty.

        Raises:
            ModelMismatchError: the embeddings come from another model than the one searched.
        """
        with self._lock:
            carried = getattr(embeddings, "model", None)
            if model != self._model or carried not in (None, model):
                raise ModelMismatchError(str(carried if model == self._model else model), self._model)
            self.refresh_if_changed()
            embeddings = np.asarray(embeddings, np.float32).reshape(-1, self._dim)
            ids, scores = self._index.search(embeddings, k)
            ranked = [self._ranked(q, row, s) for q, row, s in zip(embeddings, ids, scores, strict=True)]
        names = self._names({r[0][0] for r in ranked if r})
        results = []
        for people in ranked:
            if not people:
                results.append(Identification(None, None, 0.0, 1.0, Verdict.UNKNOWN))
                continue
            (person, score), margin = people[0], people[0][1] - people[1][1] if len(people) > 1 else 1.0
            results.append(Identification(person, names.get(person), score, float(margin),
                                          self.thresholds.verdict(score)))
        return results

    def rank(self, embedding: np.ndarray, k: int = DEFAULT_K, *, model: str | None = None) -> list[tuple[int, float]]:
        """``(person_id, aggregated score)`` of the people nearest to one embedding, best first."""
        with self._lock:
            self._check_model(model or getattr(embedding, "model", None))
            query = np.asarray(embedding, np.float32).reshape(self._dim)
            ids, scores = self._index.search(query[None], k)
            return self._ranked(query, ids[0], scores[0])

    def _check_model(self, model: str | None) -> None:
        if model is not None and model != self._model:
            raise ModelMismatchError(model, self._model)

    def refresh_if_changed(self) -> bool:
        """Reload the searchable templates when another process changed them; True if reloaded.

        ``PRAGMA data_version`` moves when another connection commits; only when the active
        people's templates of this model differ (not for mere events) is the index rebuilt from
        SQLite, so people removed or enrolled by another process are noticed before a search.
        """
        with self._lock:
            try:
                version = self.database.scalar("PRAGMA data_version")
            except ServerUnreachableError:
                return False  # the shared server is unreachable: search the local copy as it is
            if version == self._data_version:
                return False
            self._data_version = version
            fingerprint = self._searchable_fingerprint()
            if fingerprint == self._fingerprint:
                return False
            self._sync_with_database()
            self._fingerprint = fingerprint
        log.info("gallery changed by another program: %d templates searchable now", len(self._index))
        return True

    def _sync_with_database(self) -> None:
        """Add the templates other processes enrolled and drop those they removed (no rebuild).

        Only the changed people's vectors are read; a bulk change (an import of many people)
        rebuilds the index instead. The index file is left to the process that changed it.
        """
        ids, persons, _ = self.people.active_embeddings(self._model, with_vectors=False)
        live = dict(zip(ids.tolist(), persons.tolist(), strict=True))
        gone = [t for t in self._owner.person if t not in live]
        new = {t: p for t, p in live.items() if t not in self._owner.person}
        if len({*new.values()}) > SYNC_REBUILD_PEOPLE:
            self._index, self._owner = self._open_index(self._model, self._dim)
            if self.database.backend != "sqlite":
                self._remember_names()
            self._keep_copy()
            return
        if gone:
            self._index.remove(np.array(gone, np.int64))
            for template_id in gone:
                self._owner.remove(template_id)
            self._save()  # a desk with its own data folder (shared server) must not keep their vectors on disk
        for person_id in sorted({*new.values()}):
            ids_p, _, vectors = self.people.active_embeddings(self._model, person_id=person_id)
            keep = np.isin(ids_p, list(new))
            if keep.any():
                self._index.add(ids_p[keep], vectors[keep])
                for template_id in ids_p[keep].tolist():
                    self._owner.add(template_id, person_id)
        self._learn_names({*new.values()})
        self._drop_unsearchable_names()
        self._keep_copy()

    def _remember_names(self) -> None:
        rows = [r for r in self.database.rows("SELECT id, name, employee_no FROM people WHERE active = 1")
                if int(r[0]) in self._owner.templates]
        self._known_names = {int(r[0]): r[1] for r in rows}
        self._known_numbers = {int(r[0]): r[2] for r in rows}

    def _learn_names(self, person_ids: set[int]) -> None:
        """Remember the names of people who just became searchable (a shared server's outage may follow)."""
        if person_ids and self.database.backend != "sqlite":
            self._names(person_ids, keep=False)  # the callers write the local copy next

    def _drop_unsearchable_names(self) -> None:
        self._known_names = {p: n for p, n in self._known_names.items() if p in self._owner.templates}
        self._known_numbers = {p: n for p, n in self._known_numbers.items() if p in self._owner.templates}

    def _keep_copy(self) -> None:
        """Write what changed to the local copy (a shared server's desk; not inside :meth:`bulk`)."""
        if self.local is None or self._deferred:
            return
        people = {p: (n, self._known_numbers.get(p)) for p, n in self._known_names.items()}
        index = self._index
        self.local.save(self._model, self._dim, self._schema_version, dict(self._owner.person), people,
                        index.vectors)

    def remember_attendance(self, rows: list[Attendance]) -> None:
        """Keep the check-ins/outs the desk rules use (as just read from the server) for an offline start."""
        if self.local is not None:
            self.local.save_attendance(rows)

    def remembered_attendance(self) -> list[Attendance]:
        """The check-ins/outs last read from the server (empty on a local database)."""
        return self.local.attendance() if self.local is not None else []

    def _searchable_fingerprint(self) -> tuple[Any, ...]:
        row = self.database.rows(
            "SELECT COUNT(*), TOTAL(e.template_id), MAX(e.template_id) FROM embeddings e "
            "JOIN templates t ON t.id = e.template_id JOIN people p ON p.id = t.person_id "
            "WHERE e.model = ? AND p.active = 1", (self._model,))[0]
        return tuple(row)

    def _ranked(self, query: np.ndarray, ids: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
        """People among a query's best templates, best first, the leading ones scored exactly.

        An approximate index may miss a person's best template, so the leading people are rescored
        from all their templates, until the next one's bound falls below the runner-up's exact
        score (at most :data:`REFINE` people).
        """
        ranked = aggregate(np.array([self._owner.person[int(t)] for t in ids], np.int64), scores)
        refined: list[tuple[int, float]] = []
        for n, (person, bound) in enumerate(ranked[:REFINE]):
            if len(refined) >= 2 and bound <= sorted(s for _, s in refined)[-2]:
                return sorted(refined, key=lambda item: -item[1]) + ranked[n:]
            template_ids = sorted(self._owner.templates[person])
            exact = float(np.max(self._index.vectors(np.array(template_ids, np.int64)) @ query))
            refined.append((person, exact))
        return sorted(refined, key=lambda item: -item[1]) + ranked[REFINE:]

    def _names(self, person_ids: set[int], keep: bool = True) -> dict[int, str]:
        if not person_ids:
            return {}
        marks = ", ".join("?" * len(person_ids))
        remember = self.database.backend != "sqlite"
        try:
            rows = self.database.rows(f"SELECT id, name, employee_no FROM people WHERE id IN ({marks})",
                                      tuple(person_ids))
        except ServerUnreachableError:  # offline: the names this desk last read
            return {p: self._known_names[p] for p in person_ids if p in self._known_names}
        names = {int(r[0]): r[1] for r in rows}
        if remember:
            changed = any(self._known_names.get(p) != n for p, n in names.items() if p in self._owner.templates)
            self._known_names.update(names)
            self._known_numbers.update({int(r[0]): r[2] for r in rows})
            if changed and keep:  # a name changed elsewhere
                self._keep_copy()
        return names

    # -- changes -------------------------------------------------------------------------------
    def add_person(self, name: str, *, actor: str = "system", **fields: Any) -> Person:
        """Enrol a person without faces (see :meth:`People.add` for the fields)."""
        return self.people.add(name, actor=actor, **fields)

    def update_person(self, person_id: int, *, actor: str = "system", **changes: Any) -> Person:
        """Change a person's fields; (de)activating adds or removes their templates from the search."""
        before = self.people.get(person_id)
        after = self.people.update(person_id, actor=actor, **changes)
        if before.active != after.active:
            self._refresh_person(person_id)
        return after

    def delete_person(self, person_id: int, actor: str = "system", compact: bool = True) -> bool:
        """Delete a person and every trace of their biometric data.

        Templates (chips and embeddings of every model) and their events' snapshot files go, the
        events stay without a person; the index vectors are overwritten; the file is vacuumed and
        the WAL checkpointed (``compact``, see :meth:`Database.purge`) so the bytes are gone from
        disk, not only unreachable. The audit log keeps that a deletion happened, under the
        person's id (never reused), without their name.

        Returns:
            False when another program's open read kept the bytes on disk for now (a pending purge
            finishes at the next opening of the database); True otherwise.
        """
        with self._lock:
            template_ids = [t.id for t in self.people.templates(person_id)]
            with self.database.transaction() as db:
                snapshots = self.people.delete_rows(db, person_id, actor)
            self._forget(template_ids)
        self.events.delete_files(snapshots)
        self._purge_other_indexes()
        erased = self.database.purge() if compact else True
        log.info("person %d deleted with %d templates", person_id, len(template_ids))
        return erased

    def add_template(self, person_id: int, chip: np.ndarray, embedding: np.ndarray, *,
                     quality: dict[str, float] | None = None, source: str = "camera",
                     source_sha256: str | None = None, actor: str = "system") -> int:
        """Store one face (chip + active-model embedding) of a person and make it searchable."""
        vector = np.asarray(embedding, np.float32).reshape(self._dim)
        with self._lock:
            with self.database.transaction() as db:
                template_id = self.people.add_template(db, person_id, chip, {self._model: vector}, quality=quality,
                                                       source=source, source_sha256=source_sha256, actor=actor)
            if self.people.get(person_id).active:
                self._index.add(np.array([template_id]), vector[None])
                self._owner.add(template_id, person_id)
                self._learn_names({person_id})
                self._save()
        return template_id

    def delete_template(self, template_id: int, actor: str = "system") -> None:
        """Delete one face of a person (chip and all its embeddings)."""
        with self._lock:
            with self.database.transaction() as db:
                self.people.delete_template_row(db, template_id, actor)
            self._forget([template_id])
        self._purge_other_indexes()
        self.database.purge(vacuum=False)

    # -- switching models ----------------------------------------------------------------------
    def reembed(self, embedder: ChipEmbedder | HasEmbedder, model: str | None = None, progress: Progress | None = None,
                batch: int = 32, actor: str = "system") -> int:
        """Embed every stored chip with another model, build its index and switch to it.

        :meth:`identify` keeps using the old model's index until the new one is complete; then
        the switch happens at once. The old model's embeddings stay (switching back is instant).

        Args:
            embedder: the new model (an ``Embedder`` or a ``FacePipeline``).
            model: its id; default ``embedder.spec.name``.
            progress: called with ``(done, total)`` after each batch.
            batch: chips per embedder call and per transaction.

        Returns:
            The number of templates embedded.
        """
        inner = cast(ChipEmbedder, getattr(embedder, "embedder", embedder))
        new_model = model or model_name(inner)
        total = self.people.count_templates() - self.people.models().get(new_model, 0)
        done = self._embed_missing(inner, new_model, batch, progress, total)
        with self._lock:
            done += self._embed_missing(inner, new_model, batch, None, total)  # added meanwhile
            index, owner = self._open_index(new_model, int(inner.dim))
            self._index, self._owner, self._model, self._dim = index, owner, new_model, int(inner.dim)
            with self.database.transaction() as db:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (ACTIVE_MODEL_KEY, new_model))
                audit.record(db, actor, "gallery.reembed", "model", None, model=new_model, templates=done)
            self._keep_copy()
        log.info("switched to model %s (%d templates embedded)", new_model, done)
        return done

    def _embed_missing(self, embedder: ChipEmbedder, model: str, batch: int, progress: Progress | None,
                       total: int) -> int:
        done = 0
        for template_ids, chips in self.people.iter_chips(model, batch):
            vectors = embedder.embed(chips)
            with self.database.transaction() as db:
                for template_id, vector in zip(template_ids, vectors, strict=True):
                    put_embedding(db, template_id, model, vector)
            done += len(template_ids)
            if progress is not None:
                progress(done, max(total, done))
        return done

    # -- index upkeep --------------------------------------------------------------------------
    def _open_index(self, model: str, dim: int) -> tuple[TemplateIndex, _Owners]:
        ids, persons, _ = self.people.active_embeddings(model, with_vectors=False)

        def load() -> tuple[np.ndarray, np.ndarray]:
            all_ids, _, vectors = self.people.active_embeddings(model)
            return all_ids, vectors.reshape(len(all_ids), dim)

        index = open_index(self.paths.data / INDEX_DIR, model, dim, ids, load, self._schema_version, self.params)
        return index, _Owners(ids.tolist(), persons.tolist())

    def _refresh_person(self, person_id: int) -> None:
        """Bring one person's templates in the index in line with SQLite (after (de)activation)."""
        with self._lock:
            self._forget([t.id for t in self.people.templates(person_id)])
            ids, _, vectors = self.people.active_embeddings(self._model, person_id=person_id)
            if len(ids):
                self._index.add(ids, vectors)
                for template_id in ids.tolist():
                    self._owner.add(template_id, person_id)
                self._learn_names({person_id})
            self._save()

    def _forget(self, template_ids: list[int]) -> None:
        self._index.remove(np.array(template_ids, np.int64))
        for template_id in template_ids:
            self._owner.remove(template_id)
        self._drop_unsearchable_names()
        self._save()

    def _purge_other_indexes(self) -> None:
        """Delete the saved indexes of other models: they may hold deleted vectors (rebuilt on use)."""
        folder = self.paths.data / INDEX_DIR
        keep = {p.stem for p in index_files(folder, self._model)}
        for path in folder.glob("*"):
            if path.stem not in keep and path.suffix in (".bin", ".json"):
                path.unlink(missing_ok=True)

    @contextmanager
    def bulk(self) -> Iterator[Gallery]:
        """Save the index file once at the end of many changes (an import) instead of after each.

        If the program stops midway, the saved index is stale and is rebuilt on the next open.
        """
        with self._lock:
            self._deferred += 1
        try:
            yield self
        finally:
            with self._lock:
                self._deferred -= 1
                self._save()

    def _save(self) -> None:
        if not self._deferred:
            self._index.save(self.paths.data / INDEX_DIR, self._schema_version)
            self._keep_copy()
