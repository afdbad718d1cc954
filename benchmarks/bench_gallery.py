"""Gallery figures, printed as JSON.

``synthetic`` (default): realistic synthetic 512-d embeddings (identity centres; each photo at a
cosine similarity of 0.6-0.8 to its centre; queries are new photos of enrolled people) stored in a
real database, then: SQLite write, index build (= rebuild from SQLite), reload from disk,
identify latency p50/p99 for 1 and 100 faces, exact-search latency for comparison, recall@1 of the
index against exact search (templates, for several ``ef``) and of ``Gallery.identify`` (people,
against exact mean-of-top-2 aggregation), and the process's peak RSS::

    python benchmarks/bench_gallery.py --size 30000
    python benchmarks/bench_gallery.py --size 300000 --queries 300

``calibrate``: the impostor/genuine score distributions of lfw-dev with the real pipeline, the
false-accept rate at the default thresholds and the open-set comparison of aggregation rules::

    python benchmarks/bench_gallery.py calibrate --lfw ../shared/data/lfw-dev
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.config import Paths, Settings  # noqa: E402
from faceapp.store.db import Database, utc_now  # noqa: E402
from faceapp.store.gallery import DEFAULT_ACCEPT, DEFAULT_UNKNOWN, Gallery  # noqa: E402
from faceapp.store.index import IndexParams  # noqa: E402

MODEL = "synthetic-512"


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32."""
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def photos(centres: np.ndarray, rng: np.random.Generator, low: float = 0.6, high: float = 0.8) -> np.ndarray:
    """One new photo per centre, at a cosine similarity drawn from [low, high]."""
    noise = rng.standard_normal(centres.shape, np.float32)
    noise -= (noise * centres).sum(1, keepdims=True) * centres
    noise = unit(noise)
    cos = rng.uniform(low, high, (len(centres), 1)).astype(np.float32)
    return unit(cos * centres + np.sqrt(1 - cos**2) * noise)


def make_data(size: int, per: int, dim: int, n_queries: int, seed: int) -> dict[str, np.ndarray]:
    """Templates (person-major: person i owns rows i*per .. i*per+per-1) and queries."""
    rng = np.random.default_rng(seed)
    n_people = size // per
    centres = unit(rng.standard_normal((n_people, dim), np.float32))
    templates = np.empty((n_people * per, dim), np.float32)
    for j in range(per):
        templates[j::per] = photos(centres, rng)
    truth = rng.integers(0, n_people, n_queries)
    return {"templates": templates, "queries": photos(centres[truth], rng), "truth": truth}


def fill_database(paths: Paths, templates: np.ndarray, per: int) -> float:
    """Write people, templates (tiny placeholder chips) and embeddings; returns seconds."""
    start = time.perf_counter()
    database = Database.open(paths)
    now = utc_now()
    n_people = len(templates) // per
    with database.transaction() as db:
        db.conn.executemany("INSERT INTO people (id, name, created, updated) VALUES (?, ?, ?, ?)",
                            ((i + 1, f"person {i}", now, now) for i in range(n_people)))
        db.conn.executemany(
            "INSERT INTO templates (id, person_id, chip, source, created) VALUES (?, ?, x'00', 'import', ?)",
            ((t + 1, t // per + 1, now) for t in range(len(templates))))
        db.conn.executemany(
            "INSERT INTO embeddings (template_id, model, dim, vector, created) VALUES (?, ?, ?, ?, ?)",
            ((t + 1, MODEL, templates.shape[1], templates[t].tobytes(), now) for t in range(len(templates))))
    database.close()
    return time.perf_counter() - start


def exact_people(templates: np.ndarray, queries: np.ndarray, per: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact best template id and best person id (mean of top 2) per query."""
    best_template, best_person = [], []
    for start in range(0, len(queries), 50):
        scores = queries[start : start + 50] @ templates.T
        best_template.append(scores.argmax(1) + 1)
        top2 = np.sort(scores.reshape(len(scores), -1, per), axis=2)[:, :, -2:].mean(2)
        best_person.append(top2.argmax(1) + 1)
    return np.concatenate(best_template), np.concatenate(best_person)


def latency(fn: object, batches: list[np.ndarray]) -> dict[str, float]:
    """p50/p99 milliseconds of ``fn(batch)`` over the batches."""
    times = []
    for batch in batches:
        start = time.perf_counter()
        fn(batch)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 3), "p99_ms": round(float(np.percentile(times, 99)), 3)}


def synthetic(args: argparse.Namespace) -> dict[str, object]:
    """The synthetic benchmark (see the module docstring)."""
    data = make_data(args.size, args.per, args.dim, args.queries, args.seed)
    templates, queries = data["templates"], data["queries"]
    params = IndexParams(exact_below=args.exact_below, m=args.m, ef_construction=args.ef_construction,
                         ef=args.ef, threads=args.threads)
    out: dict[str, object] = {"templates": len(templates), "people": len(templates) // args.per, "dim": args.dim,
                              "queries": len(queries), "params": dict(params.__dict__)}
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths.resolve(tmp).ensure()
        out["sqlite_write_s"] = round(fill_database(paths, templates, args.per), 2)
        start = time.perf_counter()
        gallery = Gallery.open(paths, MODEL, args.dim, params=params)
        out["build_from_sqlite_s"] = round(time.perf_counter() - start, 2)
        gallery.close()
        start = time.perf_counter()
        gallery = Gallery.open(paths, MODEL, args.dim, params=params)
        out["reload_from_disk_s"] = round(time.perf_counter() - start, 2)
        out["exact_mode"] = gallery.index.exact
        out.update(measure(gallery, templates, queries, data["truth"] + 1, args))
        gallery.close()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def measure(gallery: Gallery, templates: np.ndarray, queries: np.ndarray, truth: np.ndarray,
            args: argparse.Namespace) -> dict[str, object]:
    """Latencies and recalls of a built gallery."""
    out: dict[str, object] = {}
    exact_template, exact_person = exact_people(templates, queries, args.per)
    singles = [queries[i : i + 1] for i in range(len(queries))]
    hundreds = [queries[i : i + 100] for i in range(0, len(queries) - 99, 100)] or [queries]
    out["identify_1"] = latency(gallery.identify, singles)
    out["identify_100"] = latency(gallery.identify, hundreds)
    out["exact_matmul_1"] = latency(lambda q: (q @ templates.T).argmax(1), singles[:100])
    out["exact_matmul_100"] = latency(lambda q: (q @ templates.T).argmax(1), hundreds[:5])
    found = np.array([r.person_id for r in gallery.identify(queries)])
    out["identify_recall_at_1_vs_exact"] = round(float(np.mean(found == exact_person)), 4)
    out["identify_rank1_vs_truth"] = round(float(np.mean(found == truth)), 4)
    out["exact_rank1_vs_truth"] = round(float(np.mean(exact_person == truth)), 4)
    recall = {}
    for ef in args.ef_sweep:
        if gallery.index.exact:
            break
        gallery.index.params.__dict__["ef"] = ef  # frozen dataclass: benchmark-only override
        ids, _ = gallery.index.search(queries, 1)
        t = latency(lambda q: gallery.index.search(q, 20), singles[:200])
        recall[str(ef)] = {"template_recall_at_1": round(float(np.mean(ids[:, 0] == exact_template)), 4), **t}
    out["ef_sweep_search_k20"] = recall
    return out


def calibrate(args: argparse.Namespace) -> dict[str, object]:
    """Score distributions and threshold false-accept rates on lfw-dev with the real pipeline."""
    from faceapp.vision.pipeline import FacePipeline

    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    names, vectors = [], []
    for photo in sorted((Path(args.lfw) / "images").glob("*/*.jpg")):
        image = pipeline.load(photo)
        faces = pipeline.process(image)
        if len(faces) and faces.embeddings is not None:
            names.append(photo.parent.name)
            vectors.append(faces.embeddings[faces.nearest_to(image.shape[1] / 2, image.shape[0] / 2)])
    emb, who = np.stack(vectors), np.array(names)
    upper = np.triu_indices(len(emb), 1)
    scores, same = (emb @ emb.T)[upper], (who[:, None] == who[None, :])[upper]
    impostor, genuine = np.sort(scores[~same])[::-1], scores[same]
    out: dict[str, object] = {"photos": len(emb), "impostor_pairs": len(impostor), "genuine_pairs": len(genuine)}
    out["thresholds"] = {name: {"value": t, "far": float(np.mean(impostor >= t)), "tar": float(np.mean(genuine >= t))}
                         for name, t in (("accept", DEFAULT_ACCEPT), ("unknown", DEFAULT_UNKNOWN))}
    out["threshold_at_far"] = {f"{far:g}": round(float(impostor[int(far * len(impostor))]), 4)
                               for far in (1e-2, 1e-3, 1e-4, 1e-5)}
    out["open_set"] = {rule: open_set(emb, who, rule) for rule in ("max", "mean_top2")}
    return out


def open_set(emb: np.ndarray, who: np.ndarray, rule: str, enrolled: int = 2) -> dict[str, float]:
    """Enrol ``enrolled`` photos of everyone with more; the rest probe; people with <= 2 photos are impostors."""
    counts = collections.Counter(who.tolist())
    gallery, owner, probes, probe_owner, strangers = [], [], [], [], []
    for name, n in counts.items():
        idx = np.flatnonzero(who == name)
        if n > enrolled:
            gallery += idx[:enrolled].tolist()
            owner += [name] * enrolled
            probes += idx[enrolled:].tolist()
            probe_owner += [name] * (n - enrolled)
        elif n <= 2:
            strangers += idx.tolist()
    people = np.array(sorted(set(owner)))
    per_person = np.stack([np.array(owner) == p for p in people])  # (P, G)

    def best(queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = queries @ emb[gallery].T
        agg = np.stack([np.sort(np.where(mask, s, -2), 1)[:, -1 if rule == "max" else -2:].mean(1)
                        for mask in per_person], 1)
        return people[agg.argmax(1)], agg.max(1)

    found, score = best(emb[probes])
    _, stranger = best(emb[strangers])
    out = {"people": len(people), "probes": len(probes), "strangers": len(strangers),
           "rank1": round(float(np.mean(found == np.array(probe_owner))), 4)}
    for fpir in (0.01, 0.05):
        t = np.sort(stranger)[::-1][int(fpir * len(stranger))]
        out[f"dir_at_fpir_{fpir:g}"] = round(float(np.mean((found == np.array(probe_owner)) & (score > t))), 4)
    out["stranger_max"] = round(float(stranger.max()), 4)
    out["fpir_at_accept"] = round(float(np.mean(stranger >= DEFAULT_ACCEPT)), 4)
    return out


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", choices=("synthetic", "calibrate"), default="synthetic")
    parser.add_argument("--size", type=int, default=300_000, help="templates in the gallery")
    parser.add_argument("--per", type=int, default=3, help="templates per person")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact-below", type=int, default=IndexParams().exact_below)
    parser.add_argument("--m", type=int, default=IndexParams().m)
    parser.add_argument("--ef-construction", type=int, default=IndexParams().ef_construction)
    parser.add_argument("--ef", type=int, default=IndexParams().ef)
    parser.add_argument("--ef-sweep", type=int, nargs="*", default=[20, 32, 64, 128])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--lfw", default=str(ROOT.parent / "shared" / "data" / "lfw-dev"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = calibrate(args) if args.mode == "calibrate" else synthetic(args)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
