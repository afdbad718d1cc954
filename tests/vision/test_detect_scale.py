"""Small photos are enlarged only up to ``upscale_to``: the same faces and landmarks, on far fewer pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceapp.vision.boxes import iou_matrix
from faceapp.vision.detect import DetectOptions, create_detector
from faceapp.vision.imageio import load_image
from faceapp.vision.pipeline import FacePipeline


@pytest.mark.parametrize(("shape", "options", "scale"), [
    ((150, 150), DetectOptions(long_side=640, upscale=True), 640 / 150),
    ((150, 150), DetectOptions(long_side=640, upscale=True, upscale_to=320), 320 / 150),
    ((150, 100), DetectOptions(long_side=640, upscale=False, upscale_to=320), 1.0),
    ((480, 640), DetectOptions(long_side=640, upscale=True, upscale_to=320), 1.0),  # live frames unchanged
    ((400, 500), DetectOptions(long_side=640, upscale=True, upscale_to=320), 1.0),  # larger than upscale_to
    ((1000, 2000), DetectOptions(long_side=640, upscale=True, upscale_to=320), 0.32),
])
def test_scale_table(pipeline: FacePipeline, shape: tuple[int, int], options: DetectOptions, scale: float) -> None:
    detector = create_detector(pipeline.detector.spec, pipeline.detector.session, options)  # type: ignore[attr-defined]
    assert detector._scale_for(shape) == pytest.approx(scale)  # type: ignore[attr-defined]


def test_lfw_faces_at_320_match_those_at_640(pipeline: FacePipeline, lfw_dir: Path) -> None:
    spec, session = pipeline.detector.spec, pipeline.detector.session  # type: ignore[attr-defined]
    big = create_detector(spec, session, DetectOptions(long_side=640, upscale=True))
    small = create_detector(spec, session, DetectOptions(long_side=640, upscale=True, upscale_to=320))
    photos = sorted((lfw_dir / "images").glob("A*/*.jpg"))[:40]
    similarity = []
    for path in photos:
        image = load_image(path)
        a, b = big.detect(image), small.detect(image)
        centre = (image.shape[1] / 2, image.shape[0] / 2)
        i, j = a.nearest_to(*centre), b.nearest_to(*centre)
        assert iou_matrix(a.boxes[i : i + 1], b.boxes[j : j + 1])[0, 0] > 0.8, path.name
        ea = pipeline.process_faces(image, a[i]).embeddings
        eb = pipeline.process_faces(image, b[j]).embeddings
        similarity.append(float(ea[0] @ eb[0]))  # type: ignore[index]
    # Landmarks move by a few pixels between scales (as between two photos); the embeddings barely do.
    assert np.median(similarity) > 0.9 and min(similarity) > 0.75, similarity
