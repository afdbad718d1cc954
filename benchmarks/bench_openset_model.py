"""How strangers' best scores grow with the gallery, and whether the calibrated threshold holds: prints JSON.

Every photo of lfw-dev and celeba-dev is embedded once with the bundled models (cached, as in
``bench_identification.py``), with flip test-time augmentation as the product's default
(``--plain``: without). Galleries enrol ``n`` people with their first 2 photos (1 when they
have only one); their other photos are probes; every photo of a person of the same pool who is not
enrolled is a stranger. Pools: ``lfw-dev``, ``celeba-dev``, ``lfw-dev+celeba`` (lfw-dev people, all
celeba-dev people enrolled too as distractors) and ``mixed`` (both collections' people together, as
``bench_identification.py`` draws them).

Three threshold rules are compared (only ``product`` is the product's; the others are candidates
kept here with their measurements):

* ``product``: the calibration as ``faceapp eval calibrate`` measures it (worst collection's pair
  rate at each threshold, every template one comparison, ``1 - (1 - p)**n``).
* ``per_collection``: each collection its own pair rate and a measured template exponent ``b`` (a
  person with ``r`` templates counts for ``r**b`` comparisons), the worst collection's prediction.
* ``margin90``: ``product`` with each collection's pair rate replaced by the 90th percentile over
  200 resamplings of its people (a few look-alike pairs of people drive the tail).

* ``bestofn``: the measured share of strangers whose best score reaches ``t`` against each rule's
  prediction, at each gallery size; ``clustering`` is that share divided by the mean number of
  people a stranger reaches (1: comparisons with different people as good as independent).
* ``split``: the honest check. The people of each collection are split in halves; the rules are
  calibrated on one half (pairs among them only) and galleries are drawn from the other. For each
  target rate: the measured FPIR at the derived threshold (mean, worst draw, and the 95 % upper
  bound over all stranger trials), the DIR there, and (``oracle``) the DIR of plain best-cosine
  with the threshold set on each gallery's own test strangers so that at most the target share of
  them is accepted (what a perfectly calibrated threshold would give; pessimistic when a gallery
  has few strangers, since it rounds the allowed false accepts down); ``in_sample``: the product's
  rule calibrated on the test half itself (no sampling gap). ``summary``: per pool, rule
  and target, the highest mean FPIR over the gallery sizes and the DIR range.
* ``sanity``: the rules at the issue's held-out figures (0.42, 810 people, 1,117 templates,
  measured 2.2 %) and the thresholds they give for 810 people at 0.5 %.

    python benchmarks/bench_openset_model.py [bestofn|split|sanity|all] [--draws 20] [--cache DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from bench_identification import SETS, as_embedded, load_photos

from faceapp.config import Settings
from faceapp.evaluation.openset import Photos, calibration_of
from faceapp.vision.calibration import TARGET_RATES, Calibration, score_grid

ROOT = Path(__file__).resolve().parents[1]
POOLS = ("lfw-dev", "celeba-dev", "lfw-dev+celeba", "mixed")
SIZES = (10, 30, 100, 300, 0)  # 0: all of the pool but a 30 % stranger reserve
GRID = (0.35, 0.375, 0.40, 0.42, 0.45, 0.475, 0.50, 0.525, 0.55)
RULES = ("product", "per_collection", "margin90")


class PerCollection:
    """Candidate: each collection's own pair rate and template exponent; the worst prediction."""

    def __init__(self, tables: list[Calibration], exponents: list[float]) -> None:
        self.tables, self.exponents = tables, exponents

    def open_set_fpir(self, t: float, people: int, templates: int = 0) -> float:
        per_person = max(templates / max(people, 1), 1.0)
        return max(-np.expm1(people * per_person ** b * np.log1p(-min(c.impostor_rate(t), 1 - 1e-15)))
                   for c, b in zip(self.tables, self.exponents, strict=True))

    def threshold_for(self, target: float, people: int, templates: int = 0) -> float:
        lo, hi = -1.0, 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if self.open_set_fpir(mid, people, templates) <= target else (mid, hi)
        return hi


def template_exponent(photos: Photos, calibration: Calibration, max_rate: float = 1e-3) -> float:
    """``log2(q2 / q1)`` in [0, 1]: people with 2+ photos enrolled with their first two, everyone else's
    photos as strangers; ``q1``: (stranger, person) pairs where one template (either, averaged) reaches
    ``t``, ``q2``: where the better of the two does, summed over the grid thresholds whose impostor rate
    lies between 20 pairs and ``max_rate``."""
    label_of = np.unique(photos.identities, return_inverse=True)[1]
    people = np.flatnonzero(np.bincount(label_of) >= 2)
    first = np.array([np.flatnonzero(label_of == u)[:2] for u in people]).reshape(-1, 2)
    surv = np.asarray(calibration.impostor)
    chosen = calibration.grid[(surv >= 20 / calibration.impostor_pairs) & (surv <= max_rate)]
    a = photos.embeddings @ photos.embeddings[first[:, 0]].T
    b = photos.embeddings @ photos.embeddings[first[:, 1]].T
    other = label_of[:, None] != people[None, :]
    a, b = a[other], b[other]
    single = sum((np.sum(a >= t) + np.sum(b >= t)) / 2 for t in chosen)
    both = sum(np.sum(np.maximum(a, b) >= t) for t in chosen)
    return float(np.clip(np.log2(both / single), 0.0, 1.0)) if single >= 20 else 1.0


def resampled_table(photos: Photos, quantile: float, rounds: int = 200, seed: int = 0) -> np.ndarray:
    """The ``quantile`` over resamplings of the people (with replacement) of the impostor survival."""
    label_of = np.unique(photos.identities, return_inverse=True)[1]
    grid = score_grid()
    upper = np.triu_indices(len(label_of), 1)
    keep = label_of[upper[0]] != label_of[upper[1]]
    left, right = label_of[upper[0]][keep], label_of[upper[1]][keep]
    scores = (photos.embeddings @ photos.embeddings.T)[upper][keep]
    bins = np.searchsorted(grid, scores, side="right")  # survival at grid[k]: bins > k
    rng, tables = np.random.default_rng(seed), []
    for _ in range(rounds):
        times = np.bincount(rng.integers(0, label_of.max() + 1, label_of.max() + 1), minlength=label_of.max() + 1)
        weight = times[left] * times[right].astype(float)
        above = np.cumsum(np.bincount(bins, weights=weight, minlength=len(grid) + 1)[::-1])[::-1]
        tables.append(above[1:] / weight.sum())
    return np.quantile(np.array(tables), quantile, axis=0)


def rules_of(collections: dict[str, Photos], data: str) -> dict:
    """The three threshold rules calibrated on ``collections`` (see the module notes)."""
    model = Settings().embedder
    product = calibration_of(model, collections, data)
    own = {name: calibration_of(model, {name: photos}, name) for name, photos in collections.items()}
    exponents = [template_exponent(collections[name], own[name]) for name in collections]
    worst = np.max([resampled_table(photos, 0.9) for photos in collections.values()], axis=0)
    margin = dataclasses.replace(product, impostor=tuple(float(v) for v in worst))
    return {"product": product, "per_collection": PerCollection(list(own.values()), exponents),
            "margin90": margin, "exponents": dict(zip(collections, exponents, strict=True))}


class Data:
    """All photos' vectors, their people and collections, and every pair's score."""

    def __init__(self, photos: Photos) -> None:
        self.photos = photos
        self.labels, self.label_of, self.counts = np.unique(photos.identities, return_inverse=True,
                                                            return_counts=True)
        self.collection = np.array([lab.split("/")[0] for lab in self.labels])
        self.scores = photos.embeddings @ photos.embeddings.T
        self.rows_of = [np.flatnonzero(self.label_of == u) for u in range(len(self.labels))]

    def subsets(self, people: dict[str, np.ndarray]) -> dict[str, Photos]:
        """The photos of the given people (label indices), one :class:`Photos` per name."""
        out, p = {}, self.photos
        for name, chosen in people.items():
            mask = np.isin(self.label_of, chosen)
            out[name] = Photos(p.embeddings[mask], p.flipped[mask], p.identities[mask], p.quality[mask], p.paths[mask])
        return out

    def tail_pairs(self, thresholds: tuple[float, ...] = (0.42, 0.45, 0.5)) -> dict:
        """Per collection: impostor photo pairs at or above each threshold, and how many pairs of people they join."""
        out: dict = {}
        for name in SETS:
            rows = np.flatnonzero(self.collection[self.label_of] == name)
            upper = np.triu_indices(len(rows), 1)
            a, b = self.label_of[rows][upper[0]], self.label_of[rows][upper[1]]
            scores = self.scores[np.ix_(rows, rows)][upper]
            for t in thresholds:
                hit = (a != b) & (scores >= t)
                people = {(x, y) for x, y in zip(a[hit], b[hit], strict=True)}
                out.setdefault(name, {})[f"{t:g}"] = {"photo_pairs": int(hit.sum()), "people_pairs": len(people)}
        return out

    def reach(self, thresholds: tuple[float, ...] = (0.40, 0.42, 0.45)) -> dict:
        """Per collection: the share of photos that reach anyone else at ``t`` and the most people one photo
        reaches (of how many): are there faces that resemble many people?"""
        out: dict = {}
        for name in SETS:
            rows = np.flatnonzero(self.collection[self.label_of] == name)
            owner = self.label_of[rows]
            other = owner[:, None] != owner[None, :]
            for t in thresholds:
                hit = (self.scores[np.ix_(rows, rows)] >= t) & other
                reached = [len(np.unique(owner[h])) for h in hit]
                out.setdefault(name, {"people": len(np.unique(owner))})[f"{t:g}"] = {
                    "photos_reaching_anyone": round(float(np.mean(np.array(reached) > 0)), 4),
                    "most_people_reached_by_one_photo": int(max(reached))}
        return out

    def pool(self, name: str, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(people who may be enrolled and be strangers, people always enrolled as distractors)."""
        lfw, celeba = allowed[self.collection[allowed] == SETS[0]], allowed[self.collection[allowed] == SETS[1]]
        return {"lfw-dev": (lfw, celeba[:0]), "celeba-dev": (celeba, lfw[:0]), "lfw-dev+celeba": (lfw, celeba),
                "mixed": (allowed, lfw[:0])}[name]

    def gallery(self, pool: np.ndarray, extra: np.ndarray, size: int, rng: np.random.Generator) -> dict:
        """Enrol ``size`` people of ``pool`` (and all of ``extra``); best scores of probes and strangers."""
        size = min(size, round(0.7 * len(pool))) if size else round(0.7 * len(pool))
        chosen = rng.permutation(pool)[:size]
        enrolled = np.concatenate([chosen, extra])
        templates = [self.rows_of[u][:2] for u in enrolled]
        columns, owners = np.concatenate(templates), np.repeat(enrolled, [len(t) for t in templates])
        probes = np.concatenate([self.rows_of[u][2:] for u in chosen] + [np.zeros(0, int)]).astype(int)
        strangers = np.concatenate([self.rows_of[u] for u in np.setdiff1d(pool, chosen)])
        people, column = np.unique(owners, return_inverse=True)
        out = {"people": len(enrolled), "templates": len(columns)}
        for key, rows in (("probe", probes), ("stranger", strangers)):
            per_person = np.full((len(rows), len(people)), -2.0, np.float32)
            np.maximum.at(per_person.T, column, self.scores[np.ix_(rows, columns)].T)
            out[key] = per_person.max(1)
            out[key + "_who"] = people[per_person.argmax(1)] if len(rows) else np.zeros(0, int)
            if key == "stranger":
                out["reached"] = per_person
        out["probe_correct"] = out["probe_who"] == self.label_of[probes]
        return out


def bestofn(data: Data, rules: dict, draws: int, seed: int) -> list[dict]:
    """Measured best-of-n stranger survival against each rule's prediction."""
    rows = []
    everyone = np.arange(len(data.labels))
    for name in POOLS:
        pool, extra = data.pool(name, everyone)
        for size in SIZES:
            if size and size > 0.7 * len(pool):
                continue
            rng = np.random.default_rng(seed)
            runs = [data.gallery(pool, extra, size, rng) for _ in range(draws)]
            people, templates = int(np.mean([r["people"] for r in runs])), int(np.mean([r["templates"] for r in runs]))
            row = {"pool": name, "people": people, "templates": templates,
                   "strangers": int(np.mean([len(r["stranger"]) for r in runs])), "at": {}}
            for t in GRID:
                measured = float(np.mean([np.mean(r["stranger"] >= t) for r in runs]))
                reached = float(np.mean([np.mean((r["reached"] >= t).sum(1)) for r in runs]))
                row["at"][f"{t:g}"] = {"measured": round(measured, 5), **{
                    rule: round(float(rules[rule].open_set_fpir(t, people, templates)), 5) for rule in RULES},
                    "clustering": round(measured / reached, 3) if reached else None}
            rows.append(row)
    return rows


def _upper95(hits: int, trials: int) -> float:
    """One-sided 95 % upper confidence bound of a binomial rate (Wilson score)."""
    z, p = 1.645, hits / trials
    centre = p + z * z / (2 * trials)
    spread = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return float((centre + spread) / (1 + z * z / trials))


def _dir(run: dict, t: float) -> float | None:
    """Share of probes accepted as the right person at ``t`` (None: no probes)."""
    return float(np.mean(run["probe_correct"] & (run["probe"] >= t))) if len(run["probe"]) else None


def split(data: Data, draws: int, seed: int, galleries: int = 3) -> dict:
    """Calibrate on half of each collection's people, test galleries on the other half."""
    cells: dict[tuple, dict[str, list]] = {}
    meta: dict[tuple, list] = {}
    for draw in range(draws):
        rng = np.random.default_rng(seed + 1000 + draw)
        halves = {c: rng.permutation(np.flatnonzero(data.collection == c)) for c in SETS}
        calib = {c: h[: len(h) // 2] for c, h in halves.items()}
        test = np.concatenate([h[len(h) // 2:] for h in halves.values()])
        rules = rules_of(data.subsets(calib), "half of the people")
        rules["in_sample"] = calibration_of(Settings().embedder, data.subsets(
            {c: h[len(h) // 2:] for c, h in halves.items()}), "the test half")
        for name in POOLS:
            pool, extra = data.pool(name, test)
            for size in SIZES:
                if size and size > 0.7 * len(pool):
                    continue
                for _ in range(galleries):
                    run = data.gallery(pool, extra, size, rng)
                    key = (name, size)
                    meta.setdefault(key, []).append((run["people"], run["templates"], len(run["stranger"]),
                                                     len(run["probe"])))
                    for target in TARGET_RATES:
                        for rule in (*RULES, "in_sample"):
                            t = rules[rule].threshold_for(target, run["people"], run["templates"])
                            hits = int(np.sum(run["stranger"] >= t))
                            cells.setdefault((*key, target, rule), {}).setdefault("runs", []).append(
                                (t, hits, len(run["stranger"]), _dir(run, t)))
                        ordered = np.sort(run["stranger"])[::-1]
                        oracle = float(np.nextafter(ordered[int(target * len(ordered))], 1.0))
                        cells.setdefault((*key, target, "oracle"), {}).setdefault("runs", []).append(
                            (oracle, None, len(run["stranger"]), _dir(run, oracle)))
    out: dict = {"draws": draws, "galleries_per_draw": galleries, "rows": []}
    for (name, size), info in meta.items():
        people, templates, strangers, probes = (int(np.mean(v)) for v in zip(*info, strict=True))
        row: dict = {"pool": name, "people": people, "templates": templates, "strangers": strangers,
                     "probes": probes}
        for target in TARGET_RATES:
            cell = {}
            for rule in (*RULES, "in_sample", "oracle"):
                runs = cells[(name, size, target, rule)]["runs"]
                dirs = [r[3] for r in runs if r[3] is not None]
                entry = {"threshold": round(float(np.mean([r[0] for r in runs])), 4),
                         "dir": round(float(np.mean(dirs)), 4) if dirs else None}
                if rule != "oracle":
                    hits, trials = sum(r[1] for r in runs), sum(r[2] for r in runs)
                    entry.update(fpir=round(hits / trials, 5), fpir_worst=round(max(r[1] / r[2] for r in runs), 5),
                                 fpir_upper95=round(_upper95(hits, trials), 5))
                cell[rule] = entry
            row[f"target_{target:g}"] = cell
        out["rows"].append(row)
    out["summary"] = _summary(out["rows"])
    return out


def _summary(rows: list[dict]) -> dict:
    """Per pool, rule and target: the highest mean FPIR over the gallery sizes, and the DIR range."""
    out: dict = {}
    for pool in POOLS:
        mine = [r for r in rows if r["pool"] == pool]
        for target in TARGET_RATES:
            for rule in RULES:
                cells = [r[f"target_{target:g}"][rule] for r in mine]
                dirs = [c["dir"] for c in cells if c["dir"] is not None]
                out.setdefault(pool, {}).setdefault(f"{target:g}", {})[rule] = {
                    "fpir_max_over_sizes": max(c["fpir"] for c in cells),
                    "dir": [min(dirs), max(dirs)] if dirs else None}
    return out


def sanity(rules: dict) -> dict:
    """The rules at the issue's held-out figures (not tuned to them)."""
    out: dict = {}
    for rule in RULES:
        cal = rules[rule]
        out[rule] = {"fpir_at_0.42_810_people_1117_templates": round(float(cal.open_set_fpir(0.42, 810, 1117)), 4),
                     "threshold_810_people_1117_templates_at_0.5%": round(cal.threshold_for(0.005, 810, 1117), 4),
                     "threshold_810_people_1620_templates_at_0.5%": round(cal.threshold_for(0.005, 810, 1620), 4)}
    out["measured_on_held_out_at_0.42"] = 0.022
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all", choices=("bestofn", "split", "sanity", "all"))
    default = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "faceapp-bench")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plain", action="store_true", help="plain embeddings (the default has flip test-time "
                                                                  "augmentation, as the product)")
    args = parser.parse_args()
    photos = as_embedded(load_photos(args.data, args.cache)[1], Settings().flip_embedding and not args.plain)
    data = Data(photos)
    collections = data.subsets({name: np.flatnonzero(data.collection == name) for name in SETS})
    rules = rules_of(collections, "all of lfw-dev and celeba-dev")
    result: dict = {"template_exponents": {k: round(v, 3) for k, v in rules["exponents"].items()},
                    "comparisons_per_template": rules["product"].comparisons_per_template,
                    "tail_pairs": data.tail_pairs(), "reach": data.reach()}
    if args.what in ("sanity", "all"):
        result["sanity"] = sanity(rules)
    if args.what in ("bestofn", "all"):
        result["bestofn"] = bestofn(data, rules, max(args.draws, 10), args.seed)
    if args.what in ("split", "all"):
        result["split"] = split(data, args.draws, args.seed)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
