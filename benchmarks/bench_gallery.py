"""Gallery figures, printed as JSON.

``synthetic`` (default): synthetic 512-d embeddings stored in a real database and searched through
the product's own :class:`~faceapp.store.gallery.Gallery` (SQLite write, index build = rebuild from
SQLite, reload from disk, ``Gallery.identify`` latency for 1 and 100 faces, recall@1 against exact
search, peak memory). ``--data realistic`` (default) draws identities from a distribution fitted to
the bundled embedder's embeddings of lfw-dev + celeba-dev (``benchmarks/synthetic_embeddings.py``);
``--data uniform`` is the structureless worst case. ``--compare`` adds, in the same run on the same
data: exact float32 and blocked float16 matrix products, other index backends through the product
(``usearch-f16``, ``usearch-i8``, ``hnswlib-full`` = no projection) and faiss-cpu used directly
(``faiss-ivf``, ``faiss-hnsw``; not a product backend)::

    python benchmarks/bench_gallery.py --size 300000 --json
    python benchmarks/bench_gallery.py --size 100000 --compare exact usearch-i8 faiss-ivf
    python benchmarks/bench_gallery.py --size 100000 --data uniform

``fit``: embed lfw-dev + celeba-dev with the bundled models and write the fitted statistics to
``benchmarks/data/embedding_stats.npz``.

``calibrate``: the impostor/genuine score distributions of lfw-dev with the real pipeline, the
false-accept rate at the default thresholds and the open-set comparison of aggregation rules::

    python benchmarks/bench_gallery.py calibrate --lfw ../shared/data/lfw-dev
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import functools
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_embeddings import STATS, Realistic, fit, gallery_data, pair_scores  # noqa: E402

from faceapp.config import Paths, Settings  # noqa: E402
from faceapp.store.db import Database, utc_now  # noqa: E402
from faceapp.store.gallery import DEFAULT_ACCEPT, DEFAULT_UNKNOWN, Gallery  # noqa: E402
from faceapp.store.index import IndexParams  # noqa: E402

MODEL = "synthetic-512"


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


def exact_best(templates: np.ndarray, queries: np.ndarray, per: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact best template id and best person id (mean of the top 2 templates) per query."""
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


def rss_mb() -> float:
    """Current resident memory of this process."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def exact_f16_blocked(templates16: np.ndarray, block: int = 32_768) -> object:
    """Exact search over float16 templates, one block converted to float32 at a time."""
    def search(q: np.ndarray) -> np.ndarray:
        best = [(q @ templates16[s : s + block].T.astype(np.float32)).max(1) for s in range(0, len(templates16), block)]
        return np.stack(best, 1).argmax(1)
    return search


def synthetic(args: argparse.Namespace) -> dict[str, object]:
    """The synthetic benchmark (see the module docstring)."""
    data = gallery_data(args.data, args.size, args.per, args.queries, args.seed)
    templates, queries = data["templates"], data["queries"]
    params = IndexParams(exact_below=args.exact_below, backend=args.backend, m=args.m,
                         ef_construction=args.ef_construction, ef=args.ef, rerank=args.rerank, energy=args.energy,
                         retry_below=args.retry_below, threads=args.threads)
    out: dict[str, object] = {"size": len(templates), "data": args.data, "backend": args.backend,
                              "people": len(templates) // args.per, "dim": templates.shape[1],
                              "queries": len(queries), "params": dataclasses.asdict(params)}
    exact_template, exact_person = exact_best(templates, queries, args.per)
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths.resolve(tmp).ensure()
        out["sqlite_write_s"] = round(fill_database(paths, templates, args.per), 2)
        before = rss_mb()
        start = time.perf_counter()
        gallery = Gallery.open(paths, MODEL, templates.shape[1], params=params)
        out["build_s"] = round(time.perf_counter() - start, 2)
        gallery.close()
        start = time.perf_counter()
        gallery = Gallery.open(paths, MODEL, templates.shape[1], params=params)
        out["reload_from_disk_s"] = round(time.perf_counter() - start, 2)
        out["exact_mode"] = gallery.index.exact
        out["graph_dim"] = gallery.index.graph_dim
        out["index_mb"] = round(gallery.index.memory_bytes() / 2**20, 1)
        out["index_files_mb"] = round(sum(f.stat().st_size for f in (paths.data / "index").glob("*")) / 2**20, 1)
        out.update(measure(gallery, queries, exact_template, exact_person, data["truth"] + 1, args))
        out["rss_growth_gallery_mb"] = round(rss_mb() - before, 1)
        gallery.close()
        out["compare"] = {name: compare(name, paths, templates, queries, exact_template, exact_person, params, args)
                          for name in args.compare}
    out["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def measure(gallery: Gallery, queries: np.ndarray, exact_template: np.ndarray, exact_person: np.ndarray,
            truth: np.ndarray, args: argparse.Namespace) -> dict[str, object]:
    """Latencies and recalls of a built gallery."""
    out: dict[str, object] = {}
    singles = [queries[i : i + 1] for i in range(len(queries))]
    hundreds = [queries[i : i + 100] for i in range(0, len(queries) - 99, 100)] or [queries]
    gallery.identify(queries[:10], model=MODEL)  # warm up
    one = latency(functools.partial(gallery.identify, model=MODEL), singles)
    out["p50_ms"], out["p99_ms"] = one["p50_ms"], one["p99_ms"]
    out["identify_100"] = latency(functools.partial(gallery.identify, model=MODEL), hundreds)
    out["index_search_1"] = latency(lambda q: gallery.index.search(q, 20), singles)
    found = np.array([r.person_id for r in gallery.identify(queries, model=MODEL)])
    out["recall_at_1"] = round(float(np.mean(found == exact_person)), 4)
    ids, _ = gallery.index.search(queries, 1)
    out["template_recall_at_1"] = round(float(np.mean(ids[:, 0] == exact_template)), 4)
    out["identify_rank1_vs_truth"] = round(float(np.mean(found == truth)), 4)
    out["exact_rank1_vs_truth"] = round(float(np.mean(exact_person == truth)), 4)
    sweep = {}
    for ef in args.ef_sweep if not gallery.index.exact else []:
        object.__setattr__(gallery.index.params, "ef", ef)  # frozen dataclass: benchmark-only override
        found = np.array([r.person_id for r in gallery.identify(queries, model=MODEL)])
        t = latency(functools.partial(gallery.identify, model=MODEL), singles[:300])
        sweep[str(ef)] = {"recall_at_1": round(float(np.mean(found == exact_person)), 4), **t}
    object.__setattr__(gallery.index.params, "ef", args.ef)
    out["ef_sweep_identify_1"] = sweep
    return out


def compare(name: str, paths: Paths, templates: np.ndarray, queries: np.ndarray, exact_template: np.ndarray,
            exact_person: np.ndarray, params: IndexParams, args: argparse.Namespace) -> dict[str, object]:
    """One alternative on the same data, in the same run."""
    singles = [queries[i : i + 1] for i in range(min(len(queries), 300))]
    if name == "exact":
        t16 = templates.astype(np.float16)
        return {"float32_1": latency(lambda q: (q @ templates.T).argmax(1), singles[:100]),
                "float32_100": latency(lambda q: (q @ templates.T).argmax(1), [queries[:100]] * 5),
                "float16_blocked_1": latency(exact_f16_blocked(t16), singles[:30]),
                "float16_blocked_100": latency(exact_f16_blocked(t16), [queries[:100]] * 3),
                "memory_mb": {"float32": round(templates.nbytes / 2**20, 1), "float16": round(t16.nbytes / 2**20, 1)}}
    if name.startswith("faiss"):
        return compare_faiss(name, templates, queries, exact_template, args)
    backend, energy = ("hnswlib", 1.0) if name == "hnswlib-full" else (name, params.energy)
    other = dataclasses.replace(params, backend=backend, energy=energy)
    folder = paths.data / "index"
    for f in folder.glob("*"):
        f.unlink()
    start = time.perf_counter()
    gallery = Gallery.open(paths, MODEL, templates.shape[1], params=other)
    out: dict[str, object] = {"build_s": round(time.perf_counter() - start, 2), "graph_dim": gallery.index.graph_dim,
                              "index_mb": round(gallery.index.memory_bytes() / 2**20, 1)}
    gallery.identify(queries[:10], model=MODEL)
    one = latency(functools.partial(gallery.identify, model=MODEL), singles)
    found = np.array([r.person_id for r in gallery.identify(queries, model=MODEL)])
    out.update(p50_ms=one["p50_ms"], p99_ms=one["p99_ms"], recall_at_1=round(float(np.mean(found == exact_person)), 4))
    gallery.close()
    return out


def compare_faiss(name: str, templates: np.ndarray, queries: np.ndarray, exact_template: np.ndarray,
                  args: argparse.Namespace) -> dict[str, object]:
    """faiss-cpu used directly: IVF-flat (nlist = 4 sqrt(N)) or HNSW-flat, exact top-1 template recall."""
    try:
        import faiss
    except ImportError:
        return {"skipped": "faiss-cpu is not installed"}
    dim = templates.shape[1]
    start = time.perf_counter()
    if name == "faiss-ivf":
        nlist = int(4 * np.sqrt(len(templates)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = templates[np.random.default_rng(0).choice(len(templates), min(len(templates), 40 * nlist), False)]
        index.train(sample)
        settings, knob = (8, 16, 32, 64), "nprobe"
    else:
        index = faiss.IndexHNSWFlat(dim, args.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = args.ef_construction
        settings, knob = (32, 64, 128), "efSearch"
    index.add(templates)
    out: dict[str, object] = {"build_s": round(time.perf_counter() - start, 2)}
    for value in settings:
        setattr(index if knob == "nprobe" else index.hnsw, knob, value)
        _, found = index.search(queries, 1)
        t = latency(lambda q: index.search(q, 20), [queries[i : i + 1] for i in range(300)])
        out[f"{knob}_{value}"] = {"template_recall_at_1": round(float(np.mean(found[:, 0] + 1 == exact_template)), 4),
                                  **t}
    return out


def fit_stats(args: argparse.Namespace) -> dict[str, object]:
    """Embed lfw-dev + celeba-dev, fit the distribution, save it, and check it against the real scores."""
    from faceapp.vision.pipeline import FacePipeline

    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    data = Path(args.lfw).parent
    names, vectors = [], []
    for pattern, centred in (("lfw-dev/images/*/*.jpg", True), ("celeba-dev/images/*/*.jpg", False)):
        for photo in sorted(data.glob(pattern)):
            image = pipeline.load(photo)
            faces = pipeline.process(image)
            if len(faces) and faces.embeddings is not None:
                i = faces.nearest_to(image.shape[1] / 2, image.shape[0] / 2) if centred else faces.largest()
                names.append(f"{pattern.split('/')[0]}/{photo.parent.name}")
                vectors.append(faces.embeddings[i])
    emb, who = np.stack(vectors), np.array(names)
    stats = fit(emb, who)
    rng = np.random.default_rng(0)
    model = Realistic(stats)
    centres = model.centres(1000, rng)
    synthetic_emb = model.photos(np.repeat(centres, 4, 0), rng)
    check = {"real": pair_scores(emb, who, rng),
             "synthetic": pair_scores(synthetic_emb, np.repeat(np.arange(1000), 4), rng)}
    STATS.parent.mkdir(exist_ok=True)
    np.savez_compressed(STATS, **stats, check=np.array(json.dumps(check)))
    energy = np.cumsum(np.linalg.svd(emb, compute_uv=False) ** 2)
    return {"photos": len(emb), "people": int(stats["people"]), "saved": str(STATS.relative_to(ROOT)),
            "bytes": STATS.stat().st_size, "pair_scores": check,
            "energy_in_top_dims": {str(d): round(float(energy[d - 1] / energy[-1]), 5) for d in (64, 128, 160, 256)}}


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
    parser.add_argument("mode", nargs="?", choices=("synthetic", "fit", "calibrate"), default="synthetic")
    parser.add_argument("--size", type=int, default=300_000, help="templates in the gallery")
    parser.add_argument("--data", choices=("realistic", "uniform"), default="realistic")
    parser.add_argument("--per", type=int, default=3, help="templates per person")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    defaults = IndexParams()
    parser.add_argument("--backend", default=defaults.backend, choices=("hnswlib", "usearch-f16", "usearch-i8"))
    parser.add_argument("--exact-below", type=int, default=defaults.exact_below)
    parser.add_argument("--m", type=int, default=defaults.m)
    parser.add_argument("--ef-construction", type=int, default=defaults.ef_construction)
    parser.add_argument("--ef", type=int, default=defaults.ef)
    parser.add_argument("--rerank", type=int, default=defaults.rerank)
    parser.add_argument("--energy", type=float, default=defaults.energy)
    parser.add_argument("--retry-below", type=float, default=defaults.retry_below)
    parser.add_argument("--ef-sweep", type=int, nargs="*", default=[32, 64, 128])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--compare", nargs="*", default=[],
                        choices=("exact", "hnswlib-full", "usearch-f16", "usearch-i8", "faiss-ivf", "faiss-hnsw"))
    parser.add_argument("--json", action="store_true", help="one JSON object on one line")
    parser.add_argument("--lfw", default=str(ROOT.parent / "shared" / "data" / "lfw-dev"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run = {"calibrate": calibrate, "fit": fit_stats, "synthetic": synthetic}[args.mode]
    result = run(args)
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
