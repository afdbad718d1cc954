"""RetinaFace with a MobileNet-0.25 backbone (the biubug6/Pytorch_Retinaface layout) in PyTorch.

Module names follow the bundled ONNX graph's node names (``/fx/stage1/stage1.1/stage1.1.0/
stage1.1.0.0/Conv`` is ``fx.stage1.1.0.0``), so :func:`load_onnx_weights` maps every convolution
of the file by name. The file's batch norms are folded into the convolution biases; in the
*deploy* form (the default for fine-tuning) the blocks are conv + bias, so small batches cannot
disturb the pretrained statistics; the training form has batch norm, started as the identity.

:meth:`RetinaFace.forward` returns raw ``loc`` (N, A, 4), class logits (N, A, 2) and
``landmarks`` (N, A, 10) in the anchor order of :func:`faceapp.vision.detect.retinaface_priors`;
:class:`DeployedRetinaFace` adds the softmax, giving exactly the bundled model's outputs.
"""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

from faceapp.errors import ModelError
from faceapp.vision import constants as C

log = logging.getLogger(__name__)

LEAKY = 0.1
ANCHORS_PER_CELL = len(C.RETINAFACE_MIN_SIZES[0])


def conv_block(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: bool = True,
               deploy: bool = True, leaky: float = LEAKY) -> nn.Sequential:
    """Conv (+ batch norm) (+ LeakyReLU), indexed 0, 1, 2 as in the original."""
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=deploy),
        nn.Identity() if deploy else nn.BatchNorm2d(cout),
    ]
    if act:
        layers.append(nn.LeakyReLU(leaky, inplace=True))
    return nn.Sequential(*layers)


def depthwise_block(cin: int, cout: int, stride: int, deploy: bool) -> nn.Sequential:
    """Depthwise 3x3 then pointwise 1x1, each with LeakyReLU."""
    return nn.Sequential(conv_block(cin, cin, 3, stride, cin, deploy=deploy), conv_block(cin, cout, 1, deploy=deploy))


class MobileNetV1(nn.Module):
    """MobileNet-0.25: three stages with strides 8, 16 and 32 (64, 128 and 256 channels)."""

    def __init__(self, deploy: bool = True) -> None:
        super().__init__()
        d = deploy
        self.stage1 = nn.Sequential(
            conv_block(3, 8, 3, 2, deploy=d), depthwise_block(8, 16, 1, d), depthwise_block(16, 32, 2, d),
            depthwise_block(32, 32, 1, d), depthwise_block(32, 64, 2, d), depthwise_block(64, 64, 1, d),
        )
        self.stage2 = nn.Sequential(depthwise_block(64, 128, 2, d),
                                    *[depthwise_block(128, 128, 1, d) for _ in range(5)])
        self.stage3 = nn.Sequential(depthwise_block(128, 256, 2, d), depthwise_block(256, 256, 1, d))

    @property
    def stem(self) -> nn.Conv2d:
        """The first convolution (``stage1.0.0``), which ``RetinaFace.stem_scale`` folds into."""
        block = self.stage1[0]
        conv = block[0] if isinstance(block, nn.Sequential) else None
        if not isinstance(conv, nn.Conv2d):
            raise TypeError(f"stage1.0.0 is {type(conv).__name__}, not a Conv2d")
        return conv

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        c1 = self.stage1(x)
        c2 = self.stage2(c1)
        return [c1, c2, self.stage3(c2)]


class FPN(nn.Module):
    """Top-down feature pyramid with nearest upsampling to the finer map's size."""

    def __init__(self, channels: tuple[int, ...] = (64, 128, 256), out: int = 64, deploy: bool = True) -> None:
        super().__init__()
        self.output1 = conv_block(channels[0], out, 1, deploy=deploy)
        self.output2 = conv_block(channels[1], out, 1, deploy=deploy)
        self.output3 = conv_block(channels[2], out, 1, deploy=deploy)
        self.merge1 = conv_block(out, out, 3, deploy=deploy)
        self.merge2 = conv_block(out, out, 3, deploy=deploy)

    def forward(self, feats: list[torch.Tensor]) -> list[torch.Tensor]:
        o1, o2, o3 = self.output1(feats[0]), self.output2(feats[1]), self.output3(feats[2])
        o2 = self.merge2(o2 + F.interpolate(o3, size=[o2.size(2), o2.size(3)], mode="nearest"))
        o1 = self.merge1(o1 + F.interpolate(o2, size=[o1.size(2), o1.size(3)], mode="nearest"))
        return [o1, o2, o3]


class SSH(nn.Module):
    """Context module: 3x3, 5x5 and 7x7 receptive fields concatenated, then ReLU."""

    def __init__(self, cin: int = 64, out: int = 64, deploy: bool = True) -> None:
        super().__init__()
        q = out // 4
        self.conv3X3 = conv_block(cin, out // 2, act=False, deploy=deploy)
        self.conv5X5_1 = conv_block(cin, q, deploy=deploy)
        self.conv5X5_2 = conv_block(q, q, act=False, deploy=deploy)
        self.conv7X7_2 = conv_block(q, q, deploy=deploy)
        self.conv7x7_3 = conv_block(q, q, act=False, deploy=deploy)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mid = self.conv5X5_1(x)
        return F.relu(torch.cat([self.conv3X3(x), self.conv5X5_2(mid), self.conv7x7_3(self.conv7X7_2(mid))], dim=1))


class RetinaFace(nn.Module):
    """The detector; see the module docstring for its outputs.

    The input is raw BGR minus the mean (about ±128), so the first convolution's weights are tiny
    and their gradients huge (measured: a gradient norm of 760 on weights of norm 0.017, next to
    about 10 elsewhere): one SGD step at 1e-5 tripled the loss. With ``stem_scale`` the input
    is multiplied by 1/128 and the stem weights stored 128 times larger, which conditions the
    stem like the rest; :func:`plain` folds the scale back for export (the bundled layout).
    """

    def __init__(self, deploy: bool = True, stem_scale: float = 1 / 128) -> None:
        super().__init__()
        self.deploy = deploy
        self.stem_scale = stem_scale
        self.fx = MobileNetV1(deploy)
        self.fpn = FPN(deploy=deploy)
        self.ssh1, self.ssh2, self.ssh3 = SSH(deploy=deploy), SSH(deploy=deploy), SSH(deploy=deploy)
        a = ANCHORS_PER_CELL
        self.class_head = nn.ModuleList([nn.Conv2d(64, a * 2, 1) for _ in range(3)])
        self.bbox_head = nn.ModuleList([nn.Conv2d(64, a * 4, 1) for _ in range(3)])
        self.landmark_head = nn.ModuleList([nn.Conv2d(64, a * 10, 1) for _ in range(3)])

    @staticmethod
    def _flat(head: nn.ModuleList, feats: list[torch.Tensor], width: int) -> torch.Tensor:
        # (N, a*w, H, W) -> (N, H*W*a, w): cell-major, then anchor, as the priors.
        parts = [h(f).permute(0, 2, 3, 1).reshape(f.shape[0], -1, width) for h, f in zip(head, feats, strict=True)]
        return torch.cat(parts, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(N, 3, H, W) BGR minus the mean -> loc (N, A, 4), logits (N, A, 2), landmarks (N, A, 10)."""
        if self.stem_scale != 1.0:
            x = x * self.stem_scale
        p1, p2, p3 = self.fpn(self.fx(x))
        feats = [self.ssh1(p1), self.ssh2(p2), self.ssh3(p3)]
        return self._flat(self.bbox_head, feats, 4), self._flat(self.class_head, feats, 2), \
            self._flat(self.landmark_head, feats, 10)


def plain(model: RetinaFace) -> RetinaFace:
    """A copy with the stem scale folded into the first convolution (``stem_scale`` 1)."""
    out = copy.deepcopy(model)
    if out.stem_scale != 1.0:
        with torch.no_grad():
            out.fx.stem.weight.mul_(out.stem_scale)
        out.stem_scale = 1.0
    return out


class DeployedRetinaFace(nn.Module):
    """The exported form: the plain layout and a softmax over the class logits, like the bundled model."""

    def __init__(self, model: RetinaFace) -> None:
        super().__init__()
        self.model = plain(model)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        loc, logits, landmarks = self.model(x)
        return loc, F.softmax(logits, dim=-1), landmarks


def _module_name(node_output: str) -> str:
    """``/fx/stage1/stage1.1/stage1.1.0/stage1.1.0.0/Conv_output_0`` -> ``fx.stage1.1.0.0``; a
    second call of one module (``conv5X5_1.0_1``) names the same module."""
    mods = [p for p in node_output.split("/") if p][:-1]
    if not mods:
        raise ModelError(f"unexpected node name {node_output!r} in a RetinaFace graph")
    name = mods[-1] if len(mods) <= 2 else f"{mods[0]}.{mods[-1]}"
    return re.sub(r"_\d+$", "", name)


def read_onnx_convs(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Module name -> (conv weight, bias) of every convolution in a RetinaFace ONNX file."""
    model = onnx.load(str(path))
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]]
    convs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        name = _module_name(node.output[0])
        weight = values[node.input[1]]
        bias = values[node.input[2]] if len(node.input) > 2 else np.zeros(weight.shape[0], np.float32)
        if name in convs and not np.array_equal(convs[name][0], weight):
            raise ModelError(f"{path}: two different convolutions are both named {name}")
        convs[name] = (weight, bias)
    return convs


def _copy(target: torch.Tensor, value: np.ndarray, what: str) -> None:
    if tuple(value.shape) != tuple(target.shape):
        raise ModelError(f"RetinaFace weights do not fit: {what} has {value.shape}, the model {tuple(target.shape)}")
    with torch.no_grad():
        target.copy_(torch.from_numpy(np.array(value, np.float32, copy=True)))


def _module_convs(model: RetinaFace) -> dict[str, tuple[nn.Conv2d, nn.Module | None]]:
    """Module name -> (conv, the batch norm after it or None) of every convolution."""
    modules = dict(model.named_modules())
    found: dict[str, tuple[nn.Conv2d, nn.Module | None]] = {}
    for name, module in modules.items():
        if isinstance(module, nn.Conv2d):
            parent = modules.get(name.rpartition(".")[0])
            block = parent if isinstance(parent, nn.Sequential) and name.endswith(".0") else None
            found[name] = (module, block[1] if block is not None else None)
    return found


def load_onnx_weights(model: RetinaFace, path: Path) -> RetinaFace:
    """Copy the weights of a RetinaFace-mnet0.25 ONNX file (bundled or exported) into ``model``."""
    convs = read_onnx_convs(path)
    targets = _module_convs(model)
    if set(convs) != set(targets):
        missing, extra = sorted(set(targets) - set(convs)), sorted(set(convs) - set(targets))
        raise ModelError(f"{path}: not a RetinaFace-mnet0.25 of this layout (missing {missing[:3]}, "
                         f"unexpected {extra[:3]})")
    for name, (conv, bn) in targets.items():
        weight, bias = convs[name]
        _copy(conv.weight, weight / model.stem_scale if conv is model.fx.stem else weight, name)
        if conv.bias is not None:
            _copy(conv.bias, bias, name + " bias")
        elif isinstance(bn, nn.BatchNorm2d):
            with torch.no_grad():
                bn.weight.fill_(1.0)
                bn.running_mean.zero_()  # type: ignore[union-attr]
                bn.running_var.fill_(1.0 - bn.eps)  # type: ignore[union-attr]
            _copy(bn.bias, bias, name + " bias")
        else:
            raise ModelError(f"{name}: the model has no bias to take the ONNX bias")
    log.info("loaded %d RetinaFace convolutions from %s", len(convs), path)
    return model


def bundled_detector_path() -> Path:
    """The shipped ``retinaface_mnet025.onnx``."""
    from faceapp.vision.models import ModelRegistry

    return ModelRegistry().verify("retinaface_mnet025").path


def build_retinaface(pretrained: str = "bundled", deploy: bool = True) -> RetinaFace:
    """A RetinaFace, with weights from ``"bundled"``, an ONNX file, or none (``""``)."""
    model = RetinaFace(deploy=deploy)
    if pretrained:
        source = bundled_detector_path() if pretrained == "bundled" else Path(pretrained)
        load_onnx_weights(model, source)
    return model
