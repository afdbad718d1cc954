"""Face pipeline latency on the CPU: detection, embedding and the whole pipeline.

Prints one JSON object of median milliseconds (see ``benchmarks/README.md`` for every figure).
The test frames are real LFW photos pasted onto 640x480 and 1280x720 canvases (faces about
100 px wide); the JSON says how many faces the pipeline found in each, so a figure measured on
a frame where detection failed cannot pass unnoticed.

Timings on a shared machine are noisy: every comparison here runs its variants interleaved
(A, B, A, B... with the order rotated each round) and reports medians, so a load change hits
all variants alike. Compare figures within one run, not across runs.

Every thread count also times flip test-time augmentation (the default, ``flip_embedding``)
against plain embeddings (``flip_ms``).

Usage::

    python benchmarks/bench_pipeline.py                  # figures for 1 and 2 threads
    python benchmarks/bench_pipeline.py --baseline       # + before/after and one-factor comparisons
    python benchmarks/bench_pipeline.py --repeat 60 --threads 2 --out result.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.config import Settings  # noqa: E402
from faceapp.vision.align import align_faces  # noqa: E402
from faceapp.vision.detect import DetectOptions, RetinaFaceDetector  # noqa: E402
from faceapp.vision.embed import Embedder  # noqa: E402
from faceapp.vision.models import ModelRegistry  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402
from faceapp.vision.quality import assess  # noqa: E402
from faceapp.vision.runtime import choose_provider, session_options  # noqa: E402
from faceapp.vision.types import Faces  # noqa: E402

DATA = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))
FRAME_SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}
#: Figures measured before this benchmark existed (DESIGN.md), for orientation only.
REFERENCE_MS = {"detect_640x480_2_threads": 20.0, "embed_per_face": 10.0, "pipeline_5_faces": 75.0}
TILE_CROP = (20, 130)  # rows/columns of a 150x150 LFW photo that hold the face and a margin
TILE_SCALE = 1.7  # 110 px crop -> 187 px tile, faces about 100 px wide


# ---------------------------------------------------------------------------------------------
# Test frames from real photos


def lfw_photos(folder: Path, count: int, pipeline: FacePipeline) -> list[np.ndarray]:
    """The first ``count`` LFW photos (sorted by name) whose face tile holds exactly one face."""
    chosen: list[np.ndarray] = []
    for path in sorted(folder.glob("*/*_0001.jpg")):
        photo = cv2.imread(str(path))
        if photo is None or photo.shape[:2] != (150, 150):
            continue
        if len(pipeline.detect(make_tile(photo))) == 1:
            chosen.append(photo)
        if len(chosen) == count:
            return chosen
    raise SystemExit(f"fewer than {count} usable LFW photos in {folder} (set FACEAPP_TESTDATA)")


def make_tile(photo: np.ndarray) -> np.ndarray:
    """The face region of a 150x150 LFW photo, enlarged so the face is about 100 px wide."""
    lo, hi = TILE_CROP
    return cv2.resize(photo[lo:hi, lo:hi], None, fx=TILE_SCALE, fy=TILE_SCALE, interpolation=cv2.INTER_CUBIC)


def make_frame(photos: Sequence[np.ndarray], size: tuple[int, int], background: np.ndarray) -> np.ndarray:
    """Paste face tiles on a grid (three per row) over a heavily blurred, faceless background.

    Args:
        photos: LFW photos, one face each.
        size: ``(width, height)`` of the frame.
        background: any photo; it is shrunk to 8x6 pixels and blown up, so it holds no face.
    """
    width, height = size
    frame = cv2.resize(cv2.resize(background, (8, 6), interpolation=cv2.INTER_AREA), (width, height))
    tiles = [make_tile(p) for p in photos]
    side = tiles[0].shape[0]
    cols = min(3, len(tiles))
    rows = -(-len(tiles) // cols)
    gap_x, gap_y = (width - cols * side) // (cols + 1), (height - rows * side) // (rows + 1)
    for i, tile in enumerate(tiles):
        row, col = divmod(i, cols)
        x, y = gap_x + col * (side + gap_x), gap_y + row * (side + gap_y)
        frame[y : y + side, x : x + side] = tile
    return frame


# ---------------------------------------------------------------------------------------------
# Timing


def interleaved(
    cases: dict[str, Callable[[], object]], repeat: int, warmup: int = 3, gap_s: float = 0.0
) -> dict[str, float]:
    """Median wall milliseconds of each case, the cases run in turn (order rotated each round).

    Args:
        cases: name -> call to time.
        repeat: timed calls per case.
        warmup: untimed calls per case first.
        gap_s: sleep before each call (lets spinning thread pools of other cases go idle).
    """
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            if gap_s:
                time.sleep(gap_s)
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
    return {name: round(1000 * statistics.median(t), 2) for name, t in times.items()}


def cpu_per_frame(
    cases: dict[str, Callable[[], object]], repeat: int, period_s: float, warmup: int = 3
) -> dict[str, dict[str, float]]:
    """Latency and CPU time per frame when frames arrive every ``period_s`` seconds (a camera).

    CPU time is the process's, over the call and the idle rest of its period, so threads left
    spinning after a call are charged to it. Cases are interleaved as in :func:`interleaved`.
    """
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    names = list(cases)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            time.sleep(period_s)  # let the previous case's threads settle
            cpu0, start = time.process_time(), time.perf_counter()
            cases[name]()
            took = time.perf_counter() - start
            time.sleep(max(0.0, period_s - took))
            cpu[name].append(time.process_time() - cpu0)
            wall[name].append(took)
    return {
        n: {"latency_ms": round(1000 * statistics.median(wall[n]), 2),
            "cpu_ms_per_frame": round(1000 * statistics.median(cpu[n]), 2)}
        for n in names
    }


# ---------------------------------------------------------------------------------------------
# The code as it was before the speed work (commit 1813f83), for --baseline


class LegacyRetinaFace(RetinaFaceDetector):
    """Pre-processing as before: float (H, W, 3) copy, strided transpose, zero-filled batch."""

    def detect_batch(self, images: Sequence[np.ndarray]) -> list[Faces]:
        scales = [self._scale_for(img.shape[:2]) for img in images]
        sizes = [(round(img.shape[0] * s), round(img.shape[1] * s)) for img, s in zip(images, scales, strict=True)]
        height = -(-max(h for h, _ in sizes) // self.align_to) * self.align_to
        width = -(-max(w for _, w in sizes) // self.align_to) * self.align_to
        batch = np.zeros((len(images), 3, height, width), np.float32)
        for i, (img, (h, w)) in enumerate(zip(images, sizes, strict=True)):
            resized = img if (h, w) == img.shape[:2] else cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
            batch[i, :, :h, :w] = legacy_normalise_image(resized, self._mean, self._inv_std)
        outputs = self.session.run(None, {self._input: batch})
        results = []
        for i, scale in enumerate(scales):
            boxes, scores, landmarks = self._decode([o[i] for o in outputs], (height, width))
            results.append(self._finish(boxes / scale, scores, landmarks / scale))
        return results


def legacy_normalise_image(image: np.ndarray, mean: np.ndarray, inv_std: np.ndarray) -> np.ndarray:
    """The detector's old ``_normalise`` (BGR models)."""
    return ((image.astype(np.float32) - mean) * inv_std).transpose(2, 0, 1)


class LegacyEmbedder(Embedder):
    """Pre-processing as before: float NHWC copy, transpose, contiguous copy."""

    def _normalise(self, chips: np.ndarray) -> np.ndarray:
        pixels = chips[..., ::-1] if self.spec.color == "RGB" else chips
        return np.ascontiguousarray(((pixels.astype(np.float32) - self._mean) * self._inv_std).transpose(0, 3, 1, 2))


def legacy_options(threads: int) -> ort.SessionOptions:
    """Session options as before: ENABLE_ALL, no spinning."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def raw_session(registry: ModelRegistry, name: str, options: ort.SessionOptions) -> ort.InferenceSession:
    """A session on the model file exactly as shipped (no PRelu rewrite)."""
    return ort.InferenceSession(str(registry.verify(name).path), options, providers=["CPUExecutionProvider"])


def legacy_pipeline(registry: ModelRegistry, settings: Settings, options: DetectOptions) -> FacePipeline:
    """The pipeline as it ran before: old pre-processing, original graphs, old session options."""
    det_spec, emb_spec = registry.spec(settings.detector), registry.spec(settings.embedder)
    opts = legacy_options(settings.threads)
    return FacePipeline(
        LegacyRetinaFace(det_spec, raw_session(registry, det_spec.name, opts), options),
        LegacyEmbedder(emb_spec, raw_session(registry, emb_spec.name, opts)),
        choose_provider("cpu"),
        settings.max_image_pixels,
    )


# ---------------------------------------------------------------------------------------------
# Figures


def detect_options(settings: Settings) -> DetectOptions:
    return DetectOptions(long_side=settings.detect_long_side, upscale=settings.detect_upscale,
                         score_threshold=settings.detect_score_threshold, nms_iou=settings.nms_iou,
                         min_face_px=settings.min_face_px)


def chip_batch(chips: np.ndarray, n: int) -> np.ndarray:
    """``n`` real aligned chips (repeating the ones we have)."""
    return chips[np.arange(n) % len(chips)]


def main_figures(pipe: FacePipeline, frames: dict[str, np.ndarray], chips: np.ndarray, repeat: int) -> dict[str, Any]:
    """Detection, embedding and pipeline medians for one pipeline."""
    det = interleaved({size: lambda f=frames[f"{size}_5"]: pipe.detect(f) for size in FRAME_SIZES}, repeat)
    batches = {n: chip_batch(chips, n) for n in (1, 8, 32)}
    emb = interleaved({f"batch_{n}": lambda c=batches[n]: pipe.embed_chips(c) for n in batches}, repeat)
    emb_per_face = {f"per_face_batch_{n}": round(emb[f"batch_{n}"] / n, 2) for n in (1, 8, 32)}
    pipeline = interleaved({
        "1_face": lambda: pipe.process(frames["640x480_1"]),
        "5_faces": lambda: pipe.process(frames["640x480_5"]),
        "5_faces_1280x720": lambda: pipe.process(frames["1280x720_5"]),
    }, repeat)
    return {"detect_ms": det, "embed_ms": {**emb, **emb_per_face}, "pipeline_ms": pipeline,
            "stages_ms_640x480_5_faces": stages(pipe, frames["640x480_5"], repeat)}


def flip_figures(registry: ModelRegistry, threads: int, frames: dict[str, np.ndarray], chips: np.ndarray,
                 repeat: int) -> dict[str, float]:
    """Flip test-time augmentation (the default) against plain embeddings, interleaved in one run."""
    pipes = {flip: FacePipeline.from_settings(Settings(provider="cpu", threads=threads, flip_embedding=flip),
                                              registry=registry) for flip in (False, True)}
    one, eight = chip_batch(chips, 1), chip_batch(chips, 8)
    cases: dict[str, Callable[[], object]] = {}
    for flip, pipe in pipes.items():
        name = "flip" if flip else "plain"
        cases[f"{name}_embed_1_face"] = lambda p=pipe: p.embed_chips(one)
        cases[f"{name}_embed_8_faces"] = lambda p=pipe: p.embed_chips(eight)
        cases[f"{name}_pipeline_1_face"] = lambda p=pipe: p.process(frames["640x480_1"])
        cases[f"{name}_pipeline_5_faces"] = lambda p=pipe: p.process(frames["640x480_5"])
    return interleaved(cases, repeat)


def stages(pipe: FacePipeline, frame: np.ndarray, repeat: int) -> dict[str, float]:
    """Where the time of one 5-face ``process`` call goes (each stage timed on its own)."""
    det = pipe.detector
    if not isinstance(det, RetinaFaceDetector):
        return {}
    batch = np.empty((1, 3, *frame.shape[:2]), np.float32)
    det._normalise_into(frame, batch[0])
    outputs = det.session.run(None, {det._input: batch})
    faces = pipe.detect(frame)
    chips = align_faces(frame, faces.landmarks)
    emb = pipe.embedder
    emb_input = emb._normalise(chips)

    def decode_nms() -> None:
        boxes, scores, landmarks = det._decode([o[0] for o in outputs], frame.shape[:2])
        det._finish(boxes, scores, landmarks)

    figures = interleaved({
        "detect_preprocess": lambda: det._normalise_into(frame, batch[0]),
        "detect_onnx_run": lambda: det.session.run(None, {det._input: batch}),
        "detect_decode_nms": decode_nms,
        "align": lambda: align_faces(frame, faces.landmarks),
        "quality": lambda: assess(faces.boxes, faces.scores, faces.landmarks, chips),
        "embed_preprocess": lambda: emb._normalise(chips),
        "embed_onnx_run": lambda: emb._run(emb_input),
    }, repeat)
    figures["sum_of_stages"] = round(sum(figures.values()), 2)
    return figures


def baseline_figures(
    pipe: FacePipeline, old: FacePipeline, registry: ModelRegistry, settings: Settings,
    frames: dict[str, np.ndarray], chips: np.ndarray, repeat: int,
) -> dict[str, Any]:
    """Before/after and one-factor-at-a-time comparisons, each variant interleaved with the other."""
    threads = settings.threads
    out: dict[str, Any] = {}
    pairs = {
        "detect_640x480": (lambda p: p.detect(frames["640x480_5"])),
        "detect_1280x720": (lambda p: p.detect(frames["1280x720_5"])),
        "embed_batch_1": (lambda p: p.embed_chips(chip_batch(chips, 1))),
        "embed_batch_8": (lambda p: p.embed_chips(chip_batch(chips, 8))),
        "embed_batch_32": (lambda p: p.embed_chips(chip_batch(chips, 32))),
        "pipeline_1_face": (lambda p: p.process(frames["640x480_1"])),
        "pipeline_5_faces": (lambda p: p.process(frames["640x480_5"])),
    }
    before_after = {}
    for name, call in pairs.items():
        got = interleaved({"before": lambda c=call: c(old), "after": lambda c=call: c(pipe)}, repeat)
        got["speedup"] = round(got["before"] / got["after"], 2)
        before_after[name] = got
    out["before_vs_after"] = before_after

    # One factor at a time.
    det = pipe.detector
    assert isinstance(det, RetinaFaceDetector)
    frame = frames["640x480_5"]
    batch = np.empty((1, 3, *frame.shape[:2]), np.float32)
    eight = chip_batch(chips, 8)
    out["detect_preprocess_640x480"] = interleaved({
        "old_float_copy_transpose": lambda: legacy_normalise_image(frame, det._mean, det._inv_std),
        "new_split_subtract_in_place": lambda: det._normalise_into(frame, batch[0]),
    }, repeat)
    out["embed_preprocess_8_chips"] = interleaved({
        "old": lambda: LegacyEmbedder._normalise(pipe.embedder, eight),  # type: ignore[arg-type]
        "new": lambda: pipe.embedder._normalise(eight),
    }, repeat)
    emb_input = pipe.embedder._normalise(eight)
    original_graph = raw_session(registry, settings.embedder, session_options(threads, spinning=False))
    rewritten = pipe.embedder.session
    out["embed_batch_8_prelu_rewrite"] = interleaved({
        "original_graph": lambda: original_graph.run(None, {"input": emb_input}),
        "prelu_rewritten": lambda: rewritten.run(None, {"input": emb_input}),
    }, repeat)
    single = FacePipeline.from_settings(
        Settings(provider="cpu", threads=threads, embedder="mobilefacenet_arcface_512_b1"), registry=registry)
    out["embed_8_faces_batch_vs_loop"] = interleaved({
        "batch_1_model_8_calls": lambda: single.embed_chips(eight),
        "dynamic_batch_1_call": lambda: pipe.embed_chips(eight),
    }, repeat)
    thirty_two = chip_batch(chips, 32)
    chunked = {k: Embedder(pipe.embedder.spec, rewritten, max_batch=k) for k in (32, 16, 8, 4)}
    out["embed_32_faces_chunking"] = interleaved(
        {f"max_batch_{k}": lambda e=e: e.embed(thirty_two) for k, e in chunked.items()}, repeat)
    out["session_options"] = session_option_figures(registry, settings, frame, det, emb_input, repeat)
    out["spinning_camera_15fps"] = spinning_figures(registry, settings, frames, repeat)
    out["cv2_threads_pipeline_5_faces"] = cv2_thread_figures(pipe, frame, repeat)
    return out


def session_option_figures(
    registry: ModelRegistry, settings: Settings, frame: np.ndarray, det: RetinaFaceDetector,
    emb_input: np.ndarray, repeat: int,
) -> dict[str, dict[str, float]]:
    """ONNX Runtime options one at a time against the chosen ones (both models, back to back)."""
    threads = settings.threads
    level = ort.GraphOptimizationLevel

    def variant(**change: Any) -> ort.SessionOptions:
        options = session_options(threads)
        for key, value in change.items():
            if key.startswith("session."):
                options.add_session_config_entry(key, value)
            else:
                setattr(options, key, value)
        return options

    variants = {
        "chosen": variant(),
        "chosen_again": variant(),  # the same options: shows the noise between identical sessions
        "parallel_executor": variant(execution_mode=ort.ExecutionMode.ORT_PARALLEL, inter_op_num_threads=2),
        "denormal_as_zero": variant(**{"session.set_denormal_as_zero": "1"}),
        "no_memory_arena_or_pattern": variant(enable_cpu_mem_arena=False, enable_mem_pattern=False),
        "graph_extended_no_nchwc": variant(graph_optimization_level=level.ORT_ENABLE_EXTENDED),
        "graph_basic": variant(graph_optimization_level=level.ORT_ENABLE_BASIC),
    }
    from faceapp.vision.runtime import _cpu_friendly

    emb_model = _cpu_friendly(registry.verify(settings.embedder).path)
    det_path = str(registry.verify(settings.detector).path)
    batch = np.empty((1, 3, *frame.shape[:2]), np.float32)
    det._normalise_into(frame, batch[0])
    results: dict[str, dict[str, float]] = {}
    sessions = {
        name: (ort.InferenceSession(det_path, opts, providers=["CPUExecutionProvider"]),
               ort.InferenceSession(emb_model or registry.verify(settings.embedder).path.read_bytes(), opts,
                                    providers=["CPUExecutionProvider"]))
        for name, opts in variants.items()
    }
    det_ms = interleaved({n: lambda s=s: s[0].run(None, {"input": batch}) for n, s in sessions.items()}, repeat)
    emb_ms = interleaved({n: lambda s=s: s[1].run(None, {"input": emb_input}) for n, s in sessions.items()}, repeat)
    for name in variants:
        results[name] = {"detect_640x480_onnx_run": det_ms[name], "embed_batch_8_onnx_run": emb_ms[name]}
    return results


def spinning_figures(
    registry: ModelRegistry, settings: Settings, frames: dict[str, np.ndarray], repeat: int
) -> dict[str, Any]:
    """Intra-op spinning on vs off: back-to-back latency, and latency + CPU at 15 frames/s."""
    options = detect_options(settings)

    def build(spinning: bool) -> FacePipeline:
        opts = session_options(settings.threads, spinning=spinning)
        from faceapp.vision.runtime import _cpu_friendly

        det_spec, emb_spec = registry.verify(settings.detector), registry.verify(settings.embedder)
        det = ort.InferenceSession(str(det_spec.path), opts, providers=["CPUExecutionProvider"])
        emb = ort.InferenceSession(_cpu_friendly(emb_spec.path) or str(emb_spec.path), opts,
                                   providers=["CPUExecutionProvider"])
        return FacePipeline(RetinaFaceDetector(det_spec, det, options), Embedder(emb_spec, emb),
                            choose_provider("cpu"), settings.max_image_pixels)

    pipes = {"spinning_on": build(True), "spinning_off": build(False)}
    frame = frames["640x480_5"]
    calls = {name: lambda p=p: p.process(frame) for name, p in pipes.items()}
    return {
        # A 20 ms pause before each call lets the other variant's spinning threads calm down.
        "latency_ms_after_20ms_idle": interleaved(calls, repeat, gap_s=0.02),
        "camera_15fps": cpu_per_frame(calls, max(10, repeat // 2), period_s=1 / 15),
    }


def cv2_thread_figures(pipe: FacePipeline, frame: np.ndarray, repeat: int) -> dict[str, float]:
    """OpenCV's own thread pool (resize, warpAffine) on its default vs 1 thread."""
    default = cv2.getNumThreads()

    def run(n: int) -> None:
        cv2.setNumThreads(n)
        pipe.process(frame)

    try:
        return interleaved({f"cv2_default_{default}": lambda: run(default), "cv2_1": lambda: run(1)}, repeat)
    finally:
        cv2.setNumThreads(default)


# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per figure (median)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="intra-op thread counts")
    parser.add_argument("--baseline", action="store_true",
                        help="also time the code as it was before (same run, interleaved) and each option")
    parser.add_argument("--data", type=Path, default=DATA / "lfw-dev" / "images", help="LFW images folder")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--int8", action="store_true",
                        help="also quantize both models to INT8 and compare speed and accuracy (WIDER AP, LFW)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[],
                        help="also compare these detector long sides: speed at 640x480 and WIDER AP at that size")
    args = parser.parse_args(argv)

    registry = ModelRegistry()
    probe = FacePipeline.from_settings(Settings(provider="cpu", threads=1), registry=registry)
    photos = lfw_photos(args.data, 6, probe)
    frames = {
        f"{size}_{n}": make_frame(photos[:n], wh, photos[5]) for size, wh in FRAME_SIZES.items() for n in (1, 5)
    }
    faces_found = {name: len(probe.process(frame)) for name, frame in frames.items()}
    chips = probe.process(frames["640x480_5"]).chips
    assert chips is not None
    result: dict[str, Any] = {
        "machine": {
            "cpu": platform.processor() or platform.machine(), "logical_cpus": os.cpu_count(),
            "python": platform.python_version(), "onnxruntime": ort.__version__,
            "opencv": cv2.__version__, "numpy": np.__version__,
            "cv2_threads": cv2.getNumThreads(),
        },
        "repeat": args.repeat,
        "faces_found": faces_found,
        "reference_ms": REFERENCE_MS,
    }
    wanted = {name: int(name.rsplit("_", 1)[1]) for name in frames}
    if faces_found != wanted:
        print(f"warning: expected {wanted} faces, found {faces_found}", file=sys.stderr)
    for threads in args.threads:
        settings = Settings(provider="cpu", threads=threads)
        pipe = FacePipeline.from_settings(settings, registry=registry)
        figures = main_figures(pipe, frames, chips, args.repeat)
        figures["flip_ms"] = flip_figures(registry, threads, frames, chips, args.repeat)
        if args.baseline:
            old = legacy_pipeline(registry, settings, detect_options(settings))
            figures["baseline"] = baseline_figures(pipe, old, registry, settings, frames, chips, args.repeat)
        if args.int8:
            from int8_variants import int8_figures

            figures["int8"] = int8_figures(pipe, DATA, frames["640x480_5"], chips, args.repeat, interleaved, threads)
        if args.sizes:
            from detect_sizes import size_figures

            figures["detector_input"] = size_figures(pipe, DATA, frames["640x480_5"], args.sizes, args.repeat,
                                                     interleaved)
        result[f"threads_{threads}"] = figures
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
