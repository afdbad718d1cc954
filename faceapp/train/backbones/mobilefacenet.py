"""MobileFaceNet in the layout of the bundled ``mobilefacenet_arcface_512.onnx``.

The layout is the common PyTorch one (TreB1eN/InsightFace_Pytorch): a 3x3/2 stem, a depthwise
conv, bottleneck stages of 4, 6 and 2 residual depthwise blocks with stride-2 transitions, a
1x1 conv to 512, a linear 7x7 depthwise "global" conv and a linear layer to the embedding.

``deploy=True`` builds the inference form with batch norm folded away (biases on the convs and
the linear layer), which is the form the ONNX file stores; ``deploy=False`` is the training
form with batch norm. Input (N, 3, 112, 112) RGB normalised as (pixel − 127) / 128.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class ConvUnit(nn.Module):
    """conv → BN (or a conv bias when deployed) → PReLU (unless linear)."""

    def __init__(
        self, in_c: int, out_c: int, kernel: int = 1, stride: int = 1, padding: int = 0, groups: int = 1,
        linear: bool = False, deploy: bool = False,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_c, out_c, kernel, stride, padding, groups=groups, bias=deploy)
        self.bn: nn.Module = nn.Identity() if deploy else nn.BatchNorm2d(out_c)
        self.prelu: nn.Module = nn.Identity() if linear else nn.PReLU(out_c)

    def forward(self, x: Tensor) -> Tensor:
        return self.prelu(self.bn(self.conv(x)))


class DepthWise(nn.Module):
    """Inverted bottleneck: 1x1 expand → 3x3 depthwise → linear 1x1 project (+ input if residual)."""

    def __init__(self, in_c: int, out_c: int, expand: int, stride: int, residual: bool, deploy: bool) -> None:
        super().__init__()
        self.conv = ConvUnit(in_c, expand, deploy=deploy)
        self.conv_dw = ConvUnit(expand, expand, 3, stride, 1, groups=expand, deploy=deploy)
        self.project = ConvUnit(expand, out_c, linear=True, deploy=deploy)
        self.residual = residual

    def forward(self, x: Tensor) -> Tensor:
        out = self.project(self.conv_dw(self.conv(x)))
        return x + out if self.residual else out


def _stage(c: int, expand: int, blocks: int, deploy: bool) -> nn.Sequential:
    return nn.Sequential(*[DepthWise(c, c, expand, 1, True, deploy) for _ in range(blocks)])


class MobileFaceNet(nn.Module):
    """MobileFaceNet for 112x112 chips.

    Args:
        embedding_size: output size.
        width: channel multiplier (1.0 is the bundled model; small values for tests).
        blocks: residual blocks in the three bottleneck stages.
        deploy: batch norm folded into biases (the ONNX form) instead of batch-norm layers.
    """

    def __init__(
        self, embedding_size: int = 512, width: float = 1.0, blocks: Sequence[int] = (4, 6, 2), deploy: bool = False
    ) -> None:
        super().__init__()
        c64, c128, c256, c512 = (max(4, round(c * width)) for c in (64, 128, 256, 512))
        self.embedding_size, self.width, self.blocks, self.deploy = embedding_size, width, tuple(blocks), deploy
        self.conv1 = ConvUnit(3, c64, 3, 2, 1, deploy=deploy)
        self.conv2_dw = ConvUnit(c64, c64, 3, 1, 1, groups=c64, deploy=deploy)
        self.conv_23 = DepthWise(c64, c64, c128, 2, False, deploy)
        self.conv_3 = _stage(c64, c128, blocks[0], deploy)
        self.conv_34 = DepthWise(c64, c128, c256, 2, False, deploy)
        self.conv_4 = _stage(c128, c256, blocks[1], deploy)
        self.conv_45 = DepthWise(c128, c128, c512, 2, False, deploy)
        self.conv_5 = _stage(c128, c256, blocks[2], deploy)
        self.conv_6_sep = ConvUnit(c128, c512, deploy=deploy)
        self.conv_6_dw = ConvUnit(c512, c512, 7, 1, 0, groups=c512, linear=True, deploy=deploy)
        self.linear = nn.Linear(c512, embedding_size, bias=deploy)
        self.bn: nn.Module = nn.Identity() if deploy else nn.BatchNorm1d(embedding_size)
        self._init_weights()

    def _init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.01)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv_23(self.conv2_dw(self.conv1(x)))
        x = self.conv_45(self.conv_4(self.conv_34(self.conv_3(x))))
        x = self.conv_6_dw(self.conv_6_sep(self.conv_5(x)))
        return self.bn(self.linear(torch.flatten(x, 1)))


def _fold(weight: Tensor, bias: Tensor | None, bn: nn.Module) -> tuple[Tensor, Tensor]:
    """Weight and bias of a conv/linear followed by an eval-mode batch norm, as one layer."""
    if not isinstance(bn, (nn.BatchNorm1d, nn.BatchNorm2d)) or bn.running_mean is None or bn.running_var is None:
        return weight, bias if bias is not None else torch.zeros(weight.shape[0])
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shape = (-1,) + (1,) * (weight.dim() - 1)
    base = bias if bias is not None else torch.zeros_like(bn.running_mean)
    return weight * scale.reshape(shape), (base - bn.running_mean) * scale + bn.bias


@torch.no_grad()
def to_deploy(model: MobileFaceNet) -> MobileFaceNet:
    """A deploy-form copy (batch norm folded into biases) computing what ``model`` computes in
    eval mode; the layout of the bundled ONNX file."""
    folded = MobileFaceNet(model.embedding_size, model.width, model.blocks, deploy=True)
    source = [m for m in model.modules() if isinstance(m, ConvUnit)]
    target = [m for m in folded.modules() if isinstance(m, ConvUnit)]
    for src, dst in zip(source, target, strict=True):
        weight, bias = _fold(src.conv.weight, src.conv.bias, src.bn)
        dst.conv.weight.copy_(weight)
        dst.conv.bias.copy_(bias)  # type: ignore[union-attr]
        if isinstance(src.prelu, nn.PReLU) and isinstance(dst.prelu, nn.PReLU):
            dst.prelu.weight.copy_(src.prelu.weight)
    weight, bias = _fold(model.linear.weight, model.linear.bias, model.bn)
    folded.linear.weight.copy_(weight)
    folded.linear.bias.copy_(bias)  # type: ignore[union-attr]
    return folded.train(model.training)


def mobilefacenet_tiny(embedding_size: int = 64, deploy: bool = False) -> MobileFaceNet:
    """A narrow MobileFaceNet with one block per stage, for tests."""
    return MobileFaceNet(embedding_size, width=0.125, blocks=(1, 1, 1), deploy=deploy)
