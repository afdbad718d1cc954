"""``faceapp detect`` and ``faceapp compare``: the engine on single photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from faceapp.cli.common import add_common, emit_json, load_settings, open_pipeline
from faceapp.cli.inputs import check_output_file, check_output_folder
from faceapp.errors import FaceAppError, ImageError, NoFaceError
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.types import Faces

#: File types ``detect --out`` can write (what OpenCV encodes everywhere).
ANNOTATED_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


def register(sub: argparse._SubParsersAction) -> None:
    det = sub.add_parser("detect", help="find faces and their 5 landmarks in photos")
    det.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    det.add_argument("--out", type=Path, help="annotated image (one input) or folder (several inputs)")
    det.add_argument("--threshold", type=float, help="detector score threshold (default from settings)")
    add_common(det)
    det.set_defaults(func=run_detect)

    cmp_ = sub.add_parser("compare", help="are two photos the same person?")
    cmp_.add_argument("first", type=Path, metavar="A")
    cmp_.add_argument("second", type=Path, metavar="B")
    cmp_.add_argument("--threshold", type=float, help="similarity threshold (default from settings)")
    cmp_.add_argument("--flip", action="store_true", help="add mirrored faces to the embeddings")
    add_common(cmp_)
    cmp_.set_defaults(func=run_compare)


def run_detect(args: argparse.Namespace) -> int:
    if args.out:  # checked before any work: a bad place or type is said at once, not after the first photo
        if len(args.images) == 1 and args.out.suffix:
            check_output_file(args.out, ANNOTATED_SUFFIXES, "annotated image")
        else:
            check_output_folder(args.out, "annotated images")
    overrides = {} if args.threshold is None else {"detect_score_threshold": args.threshold}
    pipeline = open_pipeline(args, **overrides)
    failures = 0
    for k, path in enumerate(args.images):
        try:
            image = pipeline.load(path)
        except ImageError as exc:
            failures += 1
            _report_failure(args, path, exc)
            continue
        faces = pipeline.process(image, embed=False)
        if args.out:
            _write_annotated(image, faces, _out_path(args.out, path, len(args.images), k))
        if args.json:
            emit_json({"path": str(path), "faces": faces.to_dicts()})
        else:
            print(f"{path}: {len(faces)} face(s)")
            for i, face in enumerate(faces.to_dicts()):
                x1, y1, x2, y2 = face["box"]
                print(f"  #{i + 1} box=({x1:.0f},{y1:.0f},{x2:.0f},{y2:.0f}) score={face['score']:.3f}")
    if len(args.images) > 1 and not args.json:
        print(f"{len(args.images) - failures} image(s) read, {failures} failed")
    return 1 if failures else 0


def run_compare(args: argparse.Namespace) -> int:
    _, settings = load_settings(args)
    threshold = settings.match_threshold if args.threshold is None else args.threshold
    pipeline = open_pipeline(args, flip_embedding=args.flip or settings.flip_embedding)
    first, second = (_largest_face(pipeline, p) for p in (args.first, args.second))
    similarity = float(first @ second)
    same = similarity >= threshold
    if args.json:
        emit_json({"a": str(args.first), "b": str(args.second), "similarity": round(similarity, 4),
                   "threshold": threshold, "same_person": same})
    else:
        verdict = "same person" if same else "different people"
        print(f"similarity {similarity:.3f} (threshold {threshold:.3f}): {verdict}")
    return 0


def _largest_face(pipeline: FacePipeline, path: Path) -> np.ndarray:
    image = pipeline.load(path)
    faces = pipeline.detect(image)
    if len(faces) == 0:
        raise NoFaceError(f"{path}: no face found; use a photo where the face is clearly visible")
    face = pipeline.process_faces(image, faces[faces.largest()])
    return np.asarray(face.embeddings)[0]


def _report_failure(args: argparse.Namespace, path: Path, exc: FaceAppError) -> None:
    if args.json:
        emit_json({"path": str(path), "error": str(exc)})
    else:
        print(f"faceapp: error: {exc}", file=sys.stderr)


def _out_path(out: Path, source: Path, count: int, index: int) -> Path:
    if count == 1 and out.suffix:
        return out
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{index:03d}_{source.stem}.png"


def _write_annotated(image: np.ndarray, faces: Faces, path: Path) -> None:
    canvas = draw_faces(image, faces)
    ok, data = cv2.imencode(path.suffix or ".png", canvas)
    if not ok:
        raise ImageError(f"{path}: cannot encode an image of this type; use .png or .jpg")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.tobytes())


def draw_faces(image: np.ndarray, faces: Faces) -> np.ndarray:
    """A copy of ``image`` with boxes, scores and the 5 landmarks drawn."""
    canvas = image.copy()
    thickness = max(1, round(max(image.shape[:2]) / 400))
    colours = [(255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 0, 255), (0, 255, 255)]
    for box, score, points in zip(faces.boxes, faces.scores, faces.landmarks, strict=True):
        x1, y1, x2, y2 = (round(float(v)) for v in box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (0, 200, 0), thickness)
        cv2.putText(canvas, f"{score:.2f}", (x1, max(y1 - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * thickness, (0, 200, 0), thickness)
        for (px, py), colour in zip(points, colours, strict=True):
            cv2.circle(canvas, (round(float(px)), round(float(py))), thickness + 1, colour, -1)
    return canvas
