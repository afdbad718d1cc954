"""What liveness costs camera enrolment: milliseconds per probed frame, with and without the live score.

While the enrolment dialog captures, the recognition thread probes the largest face of every
processed frame (:func:`faceapp.ui.workers.probe_largest_face`). On a camera whose liveness mode is
not off the probe also scores that face with the passive model. Baseline (measured in the same
run, interleaved rounds, medians): the probe without liveness. Also how many probed frames the
capture needs before its first verdict on nuaa-dev (the track rule's ``min_frames``), and the
verdicts of each nuaa-dev presentation (label, subject, session) fed frame by frame through the
panel's :class:`~faceapp.live.liveness_capture.Presentation`.

Usage::

    python benchmarks/bench_capture_liveness.py [--repeat 5] [--frames 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.config import Settings  # noqa: E402
from faceapp.live.liveness_capture import Presentation, look_at  # noqa: E402
from faceapp.live.liveness_stage import liveness_stages  # noqa: E402
from faceapp.services import Core  # noqa: E402
from faceapp.ui.workers import probe_largest_face  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402

DATA = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))
NUAA = DATA / "nuaa-dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--frames", type=int, default=40, help="nuaa-dev frames per round (timing)")
    args = parser.parse_args()
    settings = replace(Settings(provider="cpu"), liveness_mode="block")
    pipeline = FacePipeline.from_settings(settings)
    with tempfile.TemporaryDirectory() as home:
        core = Core.open(Path(home), pipeline=pipeline, settings=settings)
        (stage,) = liveness_stages(core)
        service = core.live_service(stages=[stage])
        paths = sorted(NUAA.glob("*/*/*.jpg"))
        images = [pipeline.load(p) for p in paths[:: max(1, len(paths) // args.frames)][: args.frames]]
        probe_largest_face(pipeline, images[0], service)  # warm up (opens the liveness model)
        rounds: dict[str, list[float]] = {"without": [], "with_liveness": []}
        for _ in range(args.repeat):
            for name, with_service in (("without", None), ("with_liveness", service)):
                start = time.perf_counter()
                for image in images:
                    probe_largest_face(pipeline, image, with_service)
                rounds[name].append((time.perf_counter() - start) * 1000 / len(images))
        groups: dict[tuple[str, str, str], list[Path]] = defaultdict(list)
        for path in paths:  # one presentation: label, subject, session; frames in order
            groups[(path.parts[-3], path.parts[-2], path.stem.split("_")[3])].append(path)
        verdicts: dict[str, dict[str, int]] = {"live": defaultdict(int), "spoof": defaultdict(int)}
        for (label, _subject, _session), frames in groups.items():
            shown = None
            for path in sorted(frames, key=lambda p: int(p.stem.split("_")[-1])):
                image = pipeline.load(path)
                faces = pipeline.process(image, embed=False)
                if len(faces) == 0:
                    continue
                look = look_at(service, image, faces.boxes[faces.largest()])
                shown = shown or Presentation(look.policy, look.mode)
                shown.add(look)
            verdicts[label][shown.verdict.value if shown else "no face"] += 1
        service.close()
        core.close()
    without, with_liveness = (statistics.median(rounds[k]) for k in ("without", "with_liveness"))
    print(json.dumps({
        "frames": len(images), "repeat": args.repeat, "threads": settings.threads,
        "probe_ms_per_frame": {"without_liveness (baseline)": round(without, 2),
                               "with_liveness": round(with_liveness, 2),
                               "added_ms": round(with_liveness - without, 2)},
        "frames_before_first_verdict": stage.config.policy.min_frames,
        "presentations": {label: dict(counts) for label, counts in verdicts.items()},
    }, indent=2))


if __name__ == "__main__":
    main()
