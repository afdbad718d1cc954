"""SCRFD decoding, checked end to end on a tiny SCRFD-shaped ONNX model built here.

The model average-pools the input per stride and applies 1x1 convolutions whose weights are chosen
so that the scores of anchor 1 on stride 16 follow the red channel of the image (sigmoid of
3 x normalised red) while every other anchor scores sigmoid(-10); box distances and key-point
offsets are constants. A red square on one stride-16 cell therefore gives exactly one face whose
box and key points follow from the SCRFD contract by hand.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from faceapp.errors import ModelError
from faceapp.vision.detect import DetectOptions, create_detector
from faceapp.vision.models import ModelRegistry
from faceapp.vision.runtime import choose_provider
from faceapp.vision.scrfd import ScrfdDetector, anchor_centres, distance2bbox, distance2kps
from faceapp.vision.types import Faces

STRIDES = (8, 16, 32)
ANCHORS = 2
MEAN, STD = 127.5, 128.0
HOT_STRIDE, HOT_ANCHOR = 16, 1
RED_GAIN = 3.0
BOX = np.array([1.0, 1.5, 2.0, 2.5], np.float32)  # left, top, right, bottom, in strides
KPS = np.array([-0.5, -0.25, 0.75, -0.25, 0.125, 0.5, -0.375, 1.0, 0.625, 1.25], np.float32)
COLD_BOX = np.array([0.5, 0.5, 0.5, 0.5], np.float32)
COLD_BIAS = -10.0
RED, DARK_RED = (0, 0, 255), (0, 0, 170)  # BGR


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.float32(x))))


def _expected_score(red: int) -> float:
    return _sigmoid(RED_GAIN * (red - MEAN) / STD)


def _conv_params(stride: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """1x1 conv weight (A*dim, 3, 1, 1) and bias (A*dim,) for one output kind on one stride."""
    weight = np.zeros((ANCHORS * dim, 3, 1, 1), np.float32)
    bias = np.zeros((ANCHORS, dim), np.float32)
    for anchor in range(ANCHORS):
        hot = stride == HOT_STRIDE and anchor == HOT_ANCHOR
        if dim == 1:
            bias[anchor] = 0.0 if hot else COLD_BIAS
            if hot:
                weight[anchor, 0] = RED_GAIN  # input channel 0 is red: the model expects RGB
        elif dim == 4:
            bias[anchor] = BOX if hot else COLD_BOX
        else:
            bias[anchor] = KPS if hot else KPS[::-1]
    return weight, bias.reshape(-1)


def _level_nodes(
    stride: int, batched: bool
) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto], list[tuple[str, int]]]:
    """Nodes, initializers and (output name, last dim) of one stride."""
    pooled = f"pool{stride}"
    nodes = [helper.make_node("AveragePool", ["input.1"], [pooled],
                              kernel_shape=[stride, stride], strides=[stride, stride])]
    inits, outs = [], []
    for dim, kind in ((1, "score"), (4, "bbox"), (10, "kps")):
        weight, bias = _conv_params(stride, dim)
        name, conv = f"{kind}_{stride}", f"conv_{kind}_{stride}"
        inits += [numpy_helper.from_array(weight, f"w_{name}"), numpy_helper.from_array(bias, f"b_{name}"),
                  numpy_helper.from_array(np.array([0, -1, dim] if batched else [-1, dim], np.int64),
                                          f"shape_{name}")]
        nodes.append(helper.make_node("Conv", [pooled, f"w_{name}", f"b_{name}"], [conv]))
        if dim == 1:
            nodes.append(helper.make_node("Sigmoid", [conv], [f"sig_{name}"]))
            conv = f"sig_{name}"
        nodes += [helper.make_node("Transpose", [conv], [f"nhwc_{name}"], perm=[0, 2, 3, 1]),
                  helper.make_node("Reshape", [f"nhwc_{name}", f"shape_{name}"], [name])]
        outs.append((name, dim))
    return nodes, inits, outs


def build_scrfd(batched: bool, shuffled: bool, strides: tuple[int, ...] = STRIDES) -> onnx.ModelProto:
    """A tiny SCRFD-shaped model; ``batched`` adds a batch axis to outputs and input."""
    nodes, inits, outs = [], [], []
    for stride in strides:
        n, i, o = _level_nodes(stride, batched)
        nodes, inits, outs = nodes + n, inits + i, outs + o
    # InsightFace order: all scores, then all boxes, then all key points; or a scrambled order.
    outs.sort(key=lambda item: {1: 0, 4: 1, 10: 2}[item[1]])
    if shuffled:
        outs = outs[::-1][1:] + outs[::-1][:1]
    batch: str | int = "n" if batched else 1
    out_info = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n", "a", dim] if batched else ["a", dim])
        for name, dim in outs
    ]
    graph = helper.make_graph(
        nodes, "scrfd_tiny",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [batch, 3, "h", "w"])],
        out_info, initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def install(folder: Path, model: onnx.ModelProto, extra: dict[str, object] | None = None) -> ModelRegistry:
    """Write ``model`` and a user manifest describing it into ``folder``; a registry over it."""
    folder.mkdir(parents=True, exist_ok=True)
    data = model.SerializeToString()
    (folder / "scrfd_tiny.onnx").write_bytes(data)
    outputs = {o.name: [-1] * (len(o.type.tensor_type.shape.dim) - 1) + [o.type.tensor_type.shape.dim[-1].dim_value]
               for o in model.graph.output}
    batch_dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    entry = {
        "name": "scrfd_tiny", "kind": "detector", "family": "scrfd", "file": "scrfd_tiny.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "inputs": {"input.1": [batch_dim.dim_value or -1, 3, -1, -1]},
        "outputs": outputs, "color": "RGB", "mean": [MEAN] * 3, "std": [STD] * 3,
        "extra": extra or {},
    }
    (folder / "manifest.json").write_text(json.dumps({"version": 1, "models": [entry]}), encoding="utf-8")
    return ModelRegistry(user_dir=folder)


def open_detector(registry: ModelRegistry, **options: float) -> ScrfdDetector:
    spec, session = registry.open("scrfd_tiny", choose_provider("cpu"), threads=1)
    detector = create_detector(spec, session, DetectOptions(**options))  # type: ignore[arg-type]
    assert isinstance(detector, ScrfdDetector)
    return detector


def scene(factor: int = 1) -> np.ndarray:
    """A 320x256 black BGR image (times ``factor``) with a red square on stride-16 cell (5, 4)
    and a dark red one on cell (14, 11)."""
    image = np.zeros((256 * factor, 320 * factor, 3), np.uint8)
    for (cx, cy), colour in (((5, 4), RED), ((14, 11), DARK_RED)):
        y0, x0, side = cy * 16 * factor, cx * 16 * factor, 16 * factor
        image[y0 : y0 + side, x0 : x0 + side] = colour
    return image


def expected_face(cell: tuple[int, int], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Box (4,) and key points (5, 2) in original pixels for the hot anchor of a stride-16 cell."""
    centre = np.array(cell, np.float32) * HOT_STRIDE
    box = np.concatenate([centre - BOX[:2] * HOT_STRIDE, centre + BOX[2:] * HOT_STRIDE])
    points = centre + KPS.reshape(5, 2) * HOT_STRIDE
    return box / scale, points / scale


LAYOUTS = [
    pytest.param(False, False, id="insightface-no-batch-axis"),
    pytest.param(False, True, id="no-batch-axis-scrambled"),
    pytest.param(True, False, id="batch-axis"),
    pytest.param(True, True, id="batch-axis-scrambled"),
]


@pytest.mark.parametrize(("batched", "shuffled"), LAYOUTS)
@pytest.mark.parametrize("factor", [1, 2], ids=["original-size", "downscaled-by-2"])
def test_decodes_box_and_keypoints_in_image_pixels(
    tmp_path: Path, batched: bool, shuffled: bool, factor: int
) -> None:
    detector = open_detector(install(tmp_path, build_scrfd(batched, shuffled)),
                             long_side=320, score_threshold=0.8)
    faces = detector.detect(scene(factor))
    box, points = expected_face((5, 4), 1 / factor)
    assert len(faces) == 1
    np.testing.assert_allclose(faces.boxes[0], box, atol=1e-4)
    np.testing.assert_allclose(faces.landmarks[0], points, atol=1e-4)
    np.testing.assert_allclose(faces.scores[0], _expected_score(255), rtol=1e-5)


@pytest.mark.parametrize(("batched", "shuffled"), LAYOUTS)
def test_threshold_drops_low_scores(tmp_path: Path, batched: bool, shuffled: bool) -> None:
    registry = install(tmp_path, build_scrfd(batched, shuffled))
    dark = _expected_score(170)
    assert 0.6 < dark < 0.8 < _expected_score(255)  # the thresholds below split the two squares
    both = open_detector(registry, score_threshold=0.6).detect(scene())
    only_red = open_detector(registry, score_threshold=0.8).detect(scene())
    none = open_detector(registry, score_threshold=0.99).detect(scene())
    assert len(both) == 2 and len(only_red) == 1 and len(none) == 0
    order = np.argsort(-both.scores)
    np.testing.assert_allclose(both.scores[order], [_expected_score(255), dark], rtol=1e-5)
    np.testing.assert_allclose(both.boxes[order[1]], expected_face((14, 11), 1.0)[0], atol=1e-4)


@pytest.mark.parametrize(("batched", "shuffled"), LAYOUTS)
def test_batch_of_different_sizes(tmp_path: Path, batched: bool, shuffled: bool) -> None:
    detector = open_detector(install(tmp_path, build_scrfd(batched, shuffled)),
                             long_side=0, score_threshold=0.8)
    shifted = np.zeros((360, 420, 3), np.uint8)  # not a multiple of 32: padded
    shifted[32 : 32 + 256, 48 : 48 + 320] = scene()  # moves the red square to cell (8, 6)
    results = detector.detect_batch([scene(), shifted, np.zeros((40, 50, 3), np.uint8)])
    assert [len(r) for r in results] == [1, 1, 0]
    np.testing.assert_allclose(results[0].boxes[0], expected_face((5, 4), 1.0)[0], atol=1e-4)
    box, points = expected_face((8, 6), 1.0)
    np.testing.assert_allclose(results[1].boxes[0], box, atol=1e-4)
    np.testing.assert_allclose(results[1].landmarks[0], points, atol=1e-4)


def test_rejects_model_without_keypoints(tmp_path: Path) -> None:
    model = build_scrfd(False, False)
    keep = [o for o in model.graph.output if not o.name.startswith("kps")]
    del model.graph.output[:]
    model.graph.output.extend(keep)
    registry = install(tmp_path, model)
    with pytest.raises(ModelError, match=r"6 outputs.*5 landmarks"):
        open_detector(registry)


def test_wrong_anchor_count_is_reported(tmp_path: Path) -> None:
    detector = open_detector(install(tmp_path, build_scrfd(True, False), extra={"num_anchors": 3}))
    with pytest.raises(ModelError, match=r"do not fit an SCRFD detector.*3 anchors per cell"):
        detector.detect(scene())


def test_detect_returns_faces_container(tmp_path: Path) -> None:
    detector = open_detector(install(tmp_path, build_scrfd(False, False)), score_threshold=0.8)
    faces = detector.detect(scene())
    assert isinstance(faces, Faces)
    assert faces.boxes.dtype == faces.landmarks.dtype == faces.scores.dtype == np.float32


@pytest.mark.parametrize(
    ("indices", "stride", "columns", "anchors", "expected"),
    [
        ([], 8, 4, 2, np.zeros((0, 2))),
        ([0, 1, 2, 3], 8, 4, 2, [[0, 0], [0, 0], [8, 0], [8, 0]]),
        ([8, 9, 15], 16, 4, 2, [[0, 16], [0, 16], [48, 16]]),
        ([5], 32, 3, 1, [[64, 32]]),
    ],
)
def test_anchor_centres_are_cell_corners_cell_major(
    indices: list[int], stride: int, columns: int, anchors: int, expected: object
) -> None:
    got = anchor_centres(np.asarray(indices, np.int64), stride, columns, anchors)
    assert got.shape == (len(indices), 2)
    np.testing.assert_array_equal(got, np.asarray(expected, np.float32).reshape(-1, 2))


@pytest.mark.parametrize(
    ("points", "distance", "expected"),
    [
        (np.zeros((0, 2)), np.zeros((0, 4)), np.zeros((0, 4))),
        ([[10, 20]], [[1, 2, 3, 4]], [[9, 18, 13, 24]]),
        ([[0, 0], [5, 5]], [[0, 0, 0, 0], [5, 5, 1, 1]], [[0, 0, 0, 0], [0, 0, 6, 6]]),
    ],
)
def test_distance2bbox(points: object, distance: object, expected: object) -> None:
    got = distance2bbox(np.asarray(points, np.float32), np.asarray(distance, np.float32))
    np.testing.assert_array_equal(got, np.asarray(expected, np.float32))


def test_distance2kps_adds_offsets_to_the_centre() -> None:
    points = np.array([[10, 20], [0, 0]], np.float32)
    offsets = np.arange(20, dtype=np.float32).reshape(2, 10)
    got = distance2kps(points, offsets)
    assert got.shape == (2, 5, 2)
    np.testing.assert_array_equal(got[0], offsets[0].reshape(5, 2) + np.float32([10, 20]))
    np.testing.assert_array_equal(got[1], offsets[1].reshape(5, 2))
    assert distance2kps(np.zeros((0, 2), np.float32), np.zeros((0, 10), np.float32)).shape == (0, 5, 2)
