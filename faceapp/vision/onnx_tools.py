"""Graph edits on ONNX models (no inference here).

Used to turn the bundled embedder, whose batch dimension is fixed at 1, into one that embeds a
whole batch of faces in a single call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

BATCH_DIM = "batch"


def make_batch_dynamic(model: onnx.ModelProto) -> onnx.ModelProto:
    """Return a copy of ``model`` whose first input/output dimension is symbolic.

    Every constant ``Reshape`` target whose first entry is the fixed batch size 1 gets 0 there
    ("copy from the input"), so the graph no longer hard-codes the batch. Intermediate shape
    annotations are dropped and re-inferred.
    """
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    for value in list(graph.input) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].ClearField("dim_value")
            dims[0].dim_param = BATCH_DIM
    initializers = {init.name: init for init in graph.initializer}
    constants = {
        node.output[0]: node for node in graph.node if node.op_type == "Constant"
    }
    for node in graph.node:
        if node.op_type != "Reshape":
            continue
        target = node.input[1]
        if target in initializers:
            shape = numpy_helper.to_array(initializers[target]).copy()
            if shape.size and shape[0] == 1:
                shape[0] = 0
                initializers[target].CopyFrom(numpy_helper.from_array(shape.astype(np.int64), target))
        elif target in constants:
            attr = constants[target].attribute[0]
            shape = numpy_helper.to_array(attr.t).copy()
            if shape.size and shape[0] == 1:
                shape[0] = 0
                attr.t.CopyFrom(numpy_helper.from_array(shape.astype(np.int64), attr.t.name))
    del graph.value_info[:]
    model = onnx.shape_inference.infer_shapes(model)
    onnx.checker.check_model(model)
    return model


def write_batch_dynamic(source: Path, target: Path) -> None:
    """Read ``source``, make its batch dimension dynamic and save it to ``target``."""
    onnx.save(make_batch_dynamic(onnx.load(str(source))), str(target))
