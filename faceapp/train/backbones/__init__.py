"""Recognition backbones and a factory by name."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from faceapp.train.backbones.iresnet import LAYERS, IResNet, iresnet, iresnet_tiny
from faceapp.train.backbones.mobilefacenet import MobileFaceNet, mobilefacenet_tiny
from faceapp.train.config import default_normalisation

__all__ = [
    "BACKBONES",
    "IResNet",
    "MobileFaceNet",
    "build_backbone",
    "default_normalisation",
    "iresnet",
    "iresnet_tiny",
    "mobilefacenet_tiny",
]


def _iresnet(name: str) -> Callable[..., nn.Module]:
    def build(embedding_size: int = 512, dropout: float = 0.0) -> nn.Module:
        return iresnet(name, embedding_size, dropout)

    return build


BACKBONES: dict[str, Callable[..., nn.Module]] = {
    **{name: _iresnet(name) for name in LAYERS},
    "iresnet_tiny": lambda embedding_size=64: iresnet_tiny(embedding_size),
    "mobilefacenet": lambda embedding_size=512, deploy=False: MobileFaceNet(embedding_size, deploy=deploy),
    "mobilefacenet_tiny": lambda embedding_size=64, deploy=False: mobilefacenet_tiny(embedding_size, deploy),
}


def build_backbone(name: str, **kwargs: object) -> nn.Module:
    """A backbone by name (see ``BACKBONES``); ``embedding_size`` and friends as keywords."""
    try:
        factory = BACKBONES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown backbone {name!r}; choose from {', '.join(BACKBONES)}") from None
    return factory(**kwargs)
