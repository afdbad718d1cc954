"""Proof for a fine-tuned embedder on the site's own faces: split, measure, decide.

Torch-free (numpy only), so the decision rule is testable on its own and the GUI could reuse it.

The gallery's confirmed faces are split **by person**:

* *unseen* people (a fraction of everyone): none of their faces is trained on; they are the
  strangers of the open-set test and add different-person pairs to the verification test;
* the other people's faces are split again: *train* faces (the only ones the trainer sees; they
  are also the enrolled templates of the open-set test) and held-out *probe* faces.

Figures on the held-out part (probes and unseen faces, never trained on):

* verification over all pairs of held-out faces: accuracy at the best threshold (one fold: the
  threshold is chosen on the same pairs, the same optimism for both models) and TAR at the site's
  false-accept target;
* open-set identification through the gallery's own scoring rule (a person's score is the mean of
  their two best template scores, :func:`faceapp.store.gallery.aggregate`): probes against the
  train faces of the seen people, unseen faces as strangers; DIR (detected and correctly
  identified) at the false-positive identification rate target, and rank-1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from faceapp.errors import DataError
from faceapp.evaluation.verification import evaluate_verification

SITE_KEYS = ("accuracy", "tar_at_far", "dir_at_fpir", "rank1")


@dataclass(frozen=True)
class SiteSplit:
    """Template ids by person: ``train`` (trained on, enrolled), ``probes`` (held out), ``unseen``."""

    train: dict[int, list[int]]
    probes: dict[int, list[int]]
    unseen: dict[int, list[int]]

    def held_out(self) -> list[int]:
        """Every template never trained on."""
        return sorted(t for group in (self.probes, self.unseen) for ids in group.values() for t in ids)

    def train_ids(self) -> list[int]:
        return sorted(t for ids in self.train.values() for t in ids)

    def sizes(self) -> dict[str, int]:
        """Counts for the report."""
        return {"train_people": len(self.train), "train_faces": len(self.train_ids()),
                "probe_faces": sum(map(len, self.probes.values())), "unseen_people": len(self.unseen),
                "unseen_faces": sum(map(len, self.unseen.values()))}


def split_gallery(
    templates: Mapping[int, list[int]], holdout: float = 0.34, unseen_fraction: float = 0.2, seed: int = 0,
) -> SiteSplit:
    """Split the gallery's faces by person (see the module docstring).

    Args:
        templates: person id -> that person's template ids.
        holdout: fraction of a seen person's faces kept out of training (at least one).
        unseen_fraction: fraction of the people never trained on (at least one).
        seed: makes the split repeatable.

    Raises:
        DataError: too few people or faces to train and to measure.
    """
    if not 0 < holdout < 1 or not 0 < unseen_fraction < 1:
        raise DataError("holdout and unseen fraction must be between 0 and 1")
    rng = np.random.default_rng(seed)
    people = sorted(p for p, ids in templates.items() if ids)
    trainable = [p for p in people if len(templates[p]) >= 3]
    if len(trainable) < 3:
        raise DataError(f"fine-tuning needs at least 3 people with 3+ enrolled faces each (2 to train on, "
                        f"1 held out as a stranger); the gallery has {len(trainable)}")
    n_unseen = max(1, round(unseen_fraction * len(trainable)))
    n_unseen = min(n_unseen, len(trainable) - 2)
    unseen_people = set(rng.choice(trainable, size=n_unseen, replace=False).tolist())
    # People with fewer than 3 faces cannot give both train and probe faces: they are strangers.
    unseen_people |= set(people) - set(trainable)
    train: dict[int, list[int]] = {}
    probes: dict[int, list[int]] = {}
    for person in trainable:
        if person in unseen_people:
            continue
        ids = sorted(templates[person])
        k = min(len(ids) - 2, max(1, round(holdout * len(ids))))
        held = set(rng.choice(ids, size=k, replace=False).tolist())
        probes[person] = [t for t in ids if t in held]
        train[person] = [t for t in ids if t not in held]
    unseen = {p: sorted(templates[p]) for p in sorted(unseen_people)}
    return SiteSplit(train, probes, unseen)


def _owner_map(split: SiteSplit) -> dict[int, int]:
    return {t: p for group in (split.train, split.probes, split.unseen) for p, ids in group.items() for t in ids}


def verification_figures(vectors: Mapping[int, np.ndarray], split: SiteSplit, far: float) -> dict[str, float]:
    """Accuracy and TAR@FAR over every pair of held-out faces (one fold)."""
    owner = _owner_map(split)
    ids = split.held_out()
    emb = np.stack([vectors[t] for t in ids])
    persons = np.array([owner[t] for t in ids])
    i, j = np.triu_indices(len(ids), k=1)
    scores = np.einsum("nd,nd->n", emb[i], emb[j])
    same = persons[i] == persons[j]
    if not same.any() or same.all():
        raise DataError("the held-out faces give no same-person or no different-person pairs")
    result = evaluate_verification(scores, same, np.zeros(len(scores), np.int64), far)
    return {"accuracy": result.accuracy, "tar_at_far": result.tar_at_far, "far": far,
            "pairs": result.pairs, "same_pairs": result.positives}


def person_scores(query: np.ndarray, gallery: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per person, the mean of their two best template scores (the gallery's rule), best first.

    Args:
        query: (D,) unit vector.
        gallery: (N, D) unit vectors of the enrolled templates.
        owners: (N,) person id of each template.

    Returns:
        person ids (P,) and scores (P,), in descending score order.
    """
    from faceapp.store.gallery import aggregate

    scores = gallery @ query
    order = np.argsort(-scores, kind="stable")
    ranked = aggregate(owners[order], scores[order])
    return np.array([p for p, _ in ranked]), np.array([s for _, s in ranked])


def open_set_figures(vectors: Mapping[int, np.ndarray], split: SiteSplit, fpir: float) -> dict[str, float]:
    """DIR at the FPIR target and rank-1, probes and strangers against the train faces."""
    gallery_ids = split.train_ids()
    owner = _owner_map(split)
    gallery = np.stack([vectors[t] for t in gallery_ids])
    owners = np.array([owner[t] for t in gallery_ids])
    probe_ids = [t for ids in split.probes.values() for t in ids]
    stranger_ids = [t for ids in split.unseen.values() for t in ids]
    best_person, best_score = [], []
    for t in probe_ids:
        persons, scores = person_scores(vectors[t], gallery, owners)
        best_person.append(persons[0])
        best_score.append(scores[0])
    stranger_top = np.sort([person_scores(vectors[t], gallery, owners)[1][0] for t in stranger_ids])[::-1]
    allowed = int(np.floor(fpir * len(stranger_top) + 1e-9))
    threshold = float(np.nextafter(stranger_top[allowed], np.inf)) if allowed < len(stranger_top) else -1.0
    correct = np.array(best_person) == np.array([owner[t] for t in probe_ids])
    detected = np.array(best_score) >= threshold
    return {"dir_at_fpir": float((correct & detected).mean()), "rank1": float(correct.mean()), "fpir": fpir,
            "fpir_threshold": threshold, "probes": len(probe_ids), "strangers": len(stranger_ids)}


def site_figures(vectors: Mapping[int, np.ndarray], split: SiteSplit, far: float, fpir: float) -> dict[str, float]:
    """All site figures of one model (``vectors``: template id -> unit embedding)."""
    return {**verification_figures(vectors, split, far), **open_set_figures(vectors, split, fpir)}


@dataclass(frozen=True)
class Decision:
    """Whether the candidate should replace the active model, and why."""

    better: bool
    reason: str


def decide(before: Mapping[str, Any], after: Mapping[str, Any], tolerance: float = 0.005,
           min_gain: float = 0.0) -> Decision:
    """The activation rule.

    The candidate must be **better on the site's held-out faces**: TAR at the false-accept target
    plus DIR at the FPIR target must rise by more than ``min_gain``, and neither of them nor the
    verification accuracy may fall by more than ``tolerance``. On the **public check** (when both
    reports have one) its accuracy may not fall by more than ``tolerance``.

    Args:
        before, after: reports with the :data:`SITE_KEYS` figures and an optional ``public`` dict
            holding ``accuracy``.
    """
    gain = (after["tar_at_far"] + after["dir_at_fpir"]) - (before["tar_at_far"] + before["dir_at_fpir"])
    drops = [k for k in ("accuracy", "tar_at_far", "dir_at_fpir") if after[k] < before[k] - tolerance]
    figures = (f"site TAR@FAR {before['tar_at_far']:.4f} -> {after['tar_at_far']:.4f}, "
               f"DIR@FPIR {before['dir_at_fpir']:.4f} -> {after['dir_at_fpir']:.4f}, "
               f"accuracy {before['accuracy']:.4f} -> {after['accuracy']:.4f}")
    if drops:
        return Decision(False, f"worse on the site's held-out faces ({', '.join(drops)} fell): {figures}")
    if gain <= min_gain:
        return Decision(False, f"not better on the site's held-out faces: {figures}")
    pub_b, pub_a = before.get("public"), after.get("public")
    if pub_b and pub_a:
        public = f"public check accuracy {pub_b['accuracy']:.4f} -> {pub_a['accuracy']:.4f}"
        if pub_a["accuracy"] < pub_b["accuracy"] - tolerance:
            return Decision(False, f"better on the site but worse on the public check by more than "
                                   f"{tolerance:g} ({public}): {figures}")
        return Decision(True, f"better on the site and within {tolerance:g} on the public check: {figures}; {public}")
    return Decision(True, f"better on the site (no public check was run): {figures}")
