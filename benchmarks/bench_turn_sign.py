"""Which way the head-turn challenge's yaw turns, on every photo of a real data set.

For the largest face of each photo: the 5-point nose offset (nose tip x minus eye-midpoint x, in
eye distances, image axes: + = the image's right = the person's own left on an unmirrored camera)
and the 68-point yaw the challenge uses, on the photo and on its mirror image. Prints one JSON
object: how many photos, how many clearly turned (|offset| >= each cut), on how many the yaw's sign
agrees with the offset and flips on the mirror image, and the most turned photos each way.

With ``--nuaa DIR`` instead: how the directed turn challenge would judge each nuaa-dev presentation
(frames of one label, subject and session in order, as a replayed video would show them; no time
limit) when asked for the left and for the right: passed, failed by a turn the other way first, or
no turn of ``turn_degrees``. Live presentations there were not prompted: a turn in them is the
natural movement a challenge may meet before its prompt is read.

Usage::

    python benchmarks/bench_turn_sign.py [--data ../shared/data/lfw-dev/images] [--cut 0.2]
    python benchmarks/bench_turn_sign.py --nuaa ../shared/data/nuaa-dev
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.config import Settings  # noqa: E402
from faceapp.vision.landmarks68 import LandmarkModel  # noqa: E402
from faceapp.vision.liveness_track import Challenge, ChallengeKind, ChallengeSpec, TurnDirection  # noqa: E402
from faceapp.vision.models import ModelRegistry  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402


def measure(pipeline: FacePipeline, marks: LandmarkModel, image: np.ndarray) -> tuple[float, float] | None:
    """``(nose offset, yaw)`` of the largest face; ``None`` without a face."""
    faces = pipeline.detect(image)
    if not len(faces.boxes):
        return None
    i = faces.largest()
    five = faces.landmarks[i]
    offset = (five[2, 0] - (five[0, 0] + five[1, 0]) / 2) / np.linalg.norm(five[1] - five[0])
    return float(offset), float(marks.yaw(image, faces.boxes[i][None])[0])


def nuaa_outcomes(pipeline: FacePipeline, marks: LandmarkModel, root: Path) -> dict:
    """Per label: the directed challenge's outcome per presentation and side asked, and the yaw range."""
    groups: dict[tuple[str, str, str], list[tuple[int, Path]]] = defaultdict(list)
    for path in root.glob("*/*/*.jpg"):  # <label>/<subject>/<subject>_<glasses>_<place>_<session>_<frame>.jpg
        parts = path.stem.split("_")
        groups[(path.parts[-3], parts[0], parts[3])].append((int(parts[-1]), path))
    spec = ChallengeSpec(kinds=(ChallengeKind.TURN,), seconds=1e9)
    out: dict[str, dict] = {}
    for (label, subject, session), items in sorted(groups.items()):
        yaws = [m[1] for _, path in sorted(items) if (m := measure(pipeline, marks, pipeline.load(path)))]
        entry = out.setdefault(label, {"presentations": 0, "outcomes": Counter(), "yaw_change": []})
        entry["presentations"] += 1
        entry["yaw_change"].append([f"{subject}/{session}", round(min(yaws) - yaws[0], 1),
                                    round(max(yaws) - yaws[0], 1)])
        for side in TurnDirection:
            challenge = Challenge(spec, direction=side)
            for i, yaw in enumerate(yaws):
                challenge.update(float(i), None, yaw)
            passed = "passed" if challenge.done else "no_turn"
            entry["outcomes"][challenge.failure.value if challenge.failure else passed] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "lfw-dev" / "images")
    parser.add_argument("--cut", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    parser.add_argument("--nuaa", type=Path, help="judge nuaa-dev presentations instead (see above)")
    args = parser.parse_args()
    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    marks = LandmarkModel.open(ModelRegistry(), pipeline.provider)
    if args.nuaa:
        print(json.dumps(nuaa_outcomes(pipeline, marks, args.nuaa)))
        return
    rows = []
    paths = sorted(args.data.rglob("*.jpg"))
    for path in paths:
        image = pipeline.load(path)
        plain = measure(pipeline, marks, image)
        mirrored = measure(pipeline, marks, np.ascontiguousarray(image[:, ::-1]))
        if plain is not None and mirrored is not None:
            rows.append((str(path.relative_to(args.data)), *plain, mirrored[1]))
    offset, yaw, yaw_mirrored = (np.array([r[i] for r in rows]) for i in (1, 2, 3))
    left = TurnDirection.LEFT.yaw_sign  # the yaw sign the challenge reads as "the person's own left"
    cuts = {}
    for cut in args.cut:
        turned = np.abs(offset) >= cut
        side = np.where(offset[turned] > 0, left, -left)  # nose towards the image's right: their left
        cuts[str(cut)] = {
            "photos": int(turned.sum()), "own_left": int((side == left).sum()),
            "yaw_sign_agrees": int((np.sign(yaw[turned]) == side).sum()),
            "mirrored_yaw_flips": int((np.sign(yaw_mirrored[turned]) == -side).sum()),
            "least_abs_yaw": round(float(np.abs(yaw[turned]).min()), 1) if turned.any() else None,
        }
    order = np.argsort(offset)
    examples = [{"photo": rows[k][0], "nose_offset": round(rows[k][1], 3), "yaw": round(rows[k][2], 1),
                 "mirrored_yaw": round(rows[k][3], 1)} for k in (*order[:3], *order[-3:])]
    print(json.dumps({"data": str(args.data), "photos": len(paths), "with_face": len(rows),
                      "corr_offset_yaw": round(float(np.corrcoef(offset, yaw)[0, 1]), 3),
                      "cuts": cuts, "most_turned": examples}, indent=2))


if __name__ == "__main__":
    main()
