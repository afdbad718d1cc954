"""make_batch_dynamic: the shipped batch-dynamic embedder is reproducible and equals the original."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from faceapp.vision.models import MANIFEST, bundled_models_dir
from faceapp.vision.onnx_tools import BATCH_DIM, make_batch_dynamic, write_batch_dynamic

MODELS = bundled_models_dir()
ORIGINAL = MODELS / "mobilefacenet_arcface_512.onnx"
SHIPPED = MODELS / "mobilefacenet_arcface_512_dynbatch.onnx"


def _session(model: onnx.ModelProto | Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def _one_at_a_time(session: ort.InferenceSession, batch: np.ndarray) -> np.ndarray:
    return np.concatenate([session.run(None, {"input": batch[i : i + 1]})[0] for i in range(len(batch))])


@pytest.fixture(scope="module")
def chips() -> np.ndarray:
    """Five random chips, normalised as the embedder expects: (5, 3, 112, 112) float32."""
    pixels = np.random.default_rng(11).integers(0, 256, size=(5, 3, 112, 112)).astype(np.float32)
    return (pixels - 127.0) / 128.0


@pytest.fixture(scope="module")
def reference(chips: np.ndarray) -> np.ndarray:
    """The batch-1 original run chip by chip."""
    return _one_at_a_time(_session(ORIGINAL), chips)


def test_rebuilt_dynamic_model_matches_batch1_model(chips: np.ndarray, reference: np.ndarray) -> None:
    rebuilt = make_batch_dynamic(onnx.load(str(ORIGINAL)))
    assert rebuilt.graph.input[0].type.tensor_type.shape.dim[0].dim_param == BATCH_DIM
    assert rebuilt.graph.output[0].type.tensor_type.shape.dim[0].dim_param == BATCH_DIM
    batched = _session(rebuilt).run(None, {"input": chips})[0]
    assert batched.shape == (5, 512)
    np.testing.assert_allclose(batched, reference, atol=1e-5)
    # Different chips give different embeddings: the comparison is not trivially true.
    assert np.abs(reference[0] - reference[1]).max() > 1e-2


def test_rebuilt_graph_equals_shipped_graph() -> None:
    rebuilt = make_batch_dynamic(onnx.load(str(ORIGINAL)))
    shipped = onnx.load(str(SHIPPED))
    assert [(n.op_type, list(n.input), list(n.output)) for n in rebuilt.graph.node] == [
        (n.op_type, list(n.input), list(n.output)) for n in shipped.graph.node
    ]
    want = {i.name: numpy_helper.to_array(i) for i in shipped.graph.initializer}
    got = {i.name: numpy_helper.to_array(i) for i in rebuilt.graph.initializer}
    assert want.keys() == got.keys()
    for name, array in want.items():
        np.testing.assert_array_equal(got[name], array, err_msg=name)


def test_shipped_dynamic_model_matches_batch1_model(chips: np.ndarray, reference: np.ndarray) -> None:
    batched = _session(SHIPPED).run(None, {"input": chips})[0]
    np.testing.assert_allclose(batched, reference, atol=1e-5)


def test_shipped_file_hash_matches_manifest() -> None:
    entries = json.loads((MODELS / MANIFEST).read_text(encoding="utf-8"))["models"]
    entry = next(e for e in entries if e["file"] == SHIPPED.name)
    assert hashlib.sha256(SHIPPED.read_bytes()).hexdigest() == entry["sha256"]


def test_write_batch_dynamic_round_trip(tmp_path: Path, chips: np.ndarray, reference: np.ndarray) -> None:
    target = tmp_path / "dyn.onnx"
    write_batch_dynamic(ORIGINAL, target)
    np.testing.assert_allclose(_session(target).run(None, {"input": chips[:3]})[0], reference[:3], atol=1e-5)


def _reshape_model(target: list[int], as_constant: bool) -> onnx.ModelProto:
    """x (1, 2, 3) -> Reshape(target) -> y; the target is an initializer or a Constant node."""
    shape = numpy_helper.from_array(np.array(target, np.int64), "target")
    nodes = [helper.make_node("Reshape", ["x", "target"], ["y"])]
    inits = [shape]
    if as_constant:
        nodes.insert(0, helper.make_node("Constant", [], ["target"], value=shape))
        inits = []
    graph = helper.make_graph(
        nodes, "reshape",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "cols"])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _target_of(model: onnx.ModelProto) -> list[int]:
    for init in model.graph.initializer:
        if init.name == "target":
            return numpy_helper.to_array(init).tolist()
    constant = next(n for n in model.graph.node if n.op_type == "Constant")
    return numpy_helper.to_array(constant.attribute[0].t).tolist()


@pytest.mark.parametrize("as_constant", [False, True], ids=["initializer", "constant-node"])
def test_reshape_batch_one_becomes_copy(as_constant: bool) -> None:
    original = _reshape_model([1, -1], as_constant)
    dynamic = make_batch_dynamic(original)
    assert _target_of(dynamic) == [0, -1]
    assert _target_of(original) == [1, -1]  # the input model is left alone
    x = np.arange(18, dtype=np.float32).reshape(3, 2, 3)
    y = _session(dynamic).run(None, {"x": x})[0]
    np.testing.assert_array_equal(y, x.reshape(3, 6))


def test_reshape_other_first_entry_is_kept() -> None:
    dynamic = make_batch_dynamic(_reshape_model([2, -1], as_constant=False))
    assert _target_of(dynamic) == [2, -1]
