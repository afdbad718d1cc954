"""The bundled ``mobilefacenet_arcface_512.onnx`` as a trainable :class:`MobileFaceNet`.

The ONNX graph is 50 Conv, 33 PRelu, 12 Add and one Reshape: batch norm is folded into the conv
biases and the final linear + BatchNorm1d is a 1x1 conv with bias (a Gemm in a file that
:mod:`faceapp.train.export` wrote from a deploy-form model, which therefore loads back too). Convs and PReLUs appear in
the graph in forward order, which is also the registration order of the module's layers, so the
weights map one to one (shapes are checked). Into the training form (with batch norm) the biases
go to batch-norm layers set to the identity (running mean 0, running variance 1 − eps, weight 1).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from faceapp.errors import ModelError
from faceapp.train.backbones.mobilefacenet import ConvUnit, MobileFaceNet, mobilefacenet_tiny

log = logging.getLogger(__name__)


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Initializers plus the outputs of Constant nodes and of Identity nodes on constants (the
    PyTorch exporter shares equal tensors through Identity nodes)."""
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        elif node.op_type == "Identity" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]]
    return values


def read_onnx_layers(path: Path) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[np.ndarray]]:
    """(conv weight, conv bias) pairs and PReLU slopes of an ONNX graph, in graph order."""
    model = onnx.load(str(path))
    inits = _constants(model.graph)
    convs: list[tuple[np.ndarray, np.ndarray]] = []
    slopes: list[np.ndarray] = []
    for node in model.graph.node:
        if node.op_type == "Conv":
            weight = inits[node.input[1]]
            bias = inits[node.input[2]] if len(node.input) > 2 else np.zeros(weight.shape[0], np.float32)
            convs.append((weight, bias))
        elif node.op_type == "Gemm":  # a Linear layer, as exported by PyTorch
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            weight = inits[node.input[1]] if attrs.get("transB", 0) else inits[node.input[1]].T
            bias = inits[node.input[2]] if len(node.input) > 2 else np.zeros(weight.shape[0], np.float32)
            convs.append((weight, bias))
        elif node.op_type == "PRelu":
            slopes.append(inits[node.input[1]].reshape(-1))
    return convs, slopes


def _copy(target: torch.Tensor, value: np.ndarray, what: str) -> None:
    if value.size != target.numel():
        raise ModelError(f"ONNX weights do not fit the model: {what} has {value.shape}, expected {tuple(target.shape)}")
    with torch.no_grad():
        target.copy_(torch.from_numpy(np.array(value, dtype=np.float32, copy=True)).reshape(target.shape))


def _set_bias(bias: torch.Tensor | None, bn: nn.Module, value: np.ndarray, what: str) -> None:
    """Folded bias into the conv (deploy form) or into an identity batch norm (training form)."""
    if bias is not None:
        _copy(bias, value, what)
        return
    if not isinstance(bn, (nn.BatchNorm1d, nn.BatchNorm2d)):
        raise ModelError(f"{what}: the model has neither a bias nor a batch norm to take the ONNX bias")
    with torch.no_grad():
        bn.weight.fill_(1.0)
        if bn.running_mean is not None and bn.running_var is not None:
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
    _copy(bn.bias, value, what)


def load_onnx_weights(model: MobileFaceNet, path: Path) -> MobileFaceNet:
    """Copy the weights of a MobileFaceNet ONNX file into ``model`` (either form); returns it."""
    convs, slopes = read_onnx_layers(path)
    units = [m for m in model.modules() if isinstance(m, ConvUnit)]
    prelus = [m for m in model.modules() if isinstance(m, nn.PReLU)]
    if len(convs) != len(units) + 1 or len(slopes) != len(prelus):
        raise ModelError(
            f"{path}: {len(convs)} convs and {len(slopes)} PReLUs, but the model needs "
            f"{len(units) + 1} and {len(prelus)}; not a MobileFaceNet of this layout"
        )
    for k, (unit, (weight, bias)) in enumerate(zip(units, convs, strict=False)):
        _copy(unit.conv.weight, weight, f"conv {k}")
        _set_bias(unit.conv.bias, unit.bn, bias, f"conv {k}")
    weight, bias = convs[-1]
    _copy(model.linear.weight, weight, "final linear")
    _set_bias(model.linear.bias, model.bn, bias, "final linear")
    for k, (prelu, slope) in enumerate(zip(prelus, slopes, strict=True)):
        _copy(prelu.weight, slope, f"PReLU {k}")
    log.info("loaded %d convs and %d PReLUs from %s", len(convs), len(slopes), path)
    return model


def onnx_variant(path: Path) -> tuple[str, int]:
    """(backbone name, embedding size) of a MobileFaceNet ONNX file, for :func:`build_backbone`.

    Raises:
        ModelError: the file is not a MobileFaceNet of a known width and depth.
    """
    convs = read_onnx_layers(path)[0]
    if not convs:
        raise ModelError(f"{path}: no convolutions; not a MobileFaceNet")
    stem, embedding = convs[0][0].shape[0], convs[-1][0].shape[0]
    for name, probe in (("mobilefacenet", MobileFaceNet(8)), ("mobilefacenet_tiny", mobilefacenet_tiny(8))):
        units = [m for m in probe.modules() if isinstance(m, ConvUnit)]
        if units[0].conv.out_channels == stem and len(units) + 1 == len(convs):
            return name, int(embedding)
    raise ModelError(f"{path}: {len(convs)} convs with a {stem}-channel stem match no MobileFaceNet variant; "
                     "only MobileFaceNet embedders can be fine-tuned")


def mobilefacenet_from_onnx(path: Path, deploy: bool = True) -> MobileFaceNet:
    """A 512-d :class:`MobileFaceNet` holding the weights of ``path``.

    Args:
        path: the ONNX file (for example the bundled ``mobilefacenet_arcface_512.onnx``).
        deploy: folded form (conv biases, no batch norm: best for short low-LR fine-tuning,
            because batch statistics cannot disturb the pretrained behaviour) or training form
            with identity batch norm.
    """
    embedding = read_onnx_layers(path)[0][-1][0].shape[0]
    model = MobileFaceNet(embedding, deploy=deploy)
    return load_onnx_weights(model, path)
