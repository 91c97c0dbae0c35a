"""SC-BNN networks, split at the point where stochastic bit-planes are merged.

A network is `first` (the first binary layer: the only one that sees the encoded input),
`body` (everything after it, starting with the first layer's batch norm, up to the output
layer's popcounts) and `readout` (the output batch norm that scales popcounts into class
scores). With the `first_layer` merge point the popcounts of `first` are accumulated over N
cycles before `body` runs once; with the `output` merge `first` and `body` run per bit-plane
and the output popcounts are accumulated before `readout`. Both accumulate integers, as the
hardware does, so the fast paths and the cycle-by-cycle reference in `trainer.reference`
agree exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from trainer.config import ConvModelConfig, MLPModelConfig, ModelConfig
from trainer.layers import BinaryConv2d, BinaryLinear, SignActivation


class SCBNN(nn.Module):
    """A binarized network whose first layer takes the encoded input."""

    def __init__(self, first: nn.Module, body: nn.Module, num_classes: int):
        super().__init__()
        self.first = first
        self.body = body
        self.readout = nn.BatchNorm1d(num_classes)
        self.num_classes = num_classes

    def forward(self, layer1_input: torch.Tensor) -> torch.Tensor:
        return self.readout(self.body(self.first(layer1_input)))


class _Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)


class _FlattenThen(nn.Module):
    """Flatten the image before a dense first layer (pixels in C, H, W order)."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x.flatten(1))


def _dense_stack(widths: Sequence[int], num_classes: int) -> list[nn.Module]:
    """BN + sign after the previous layer, then binary layers up to the output popcounts."""
    modules: list[nn.Module] = []
    for fan_in, fan_out in zip(widths, [*widths[1:], num_classes], strict=True):
        modules += [nn.BatchNorm1d(fan_in), SignActivation(), BinaryLinear(fan_in, fan_out)]
    return modules


def binary_mlp(input_shape: Sequence[int], hidden: Sequence[int], num_classes: int) -> SCBNN:
    """Fully connected BNN, e.g. 784-1024-1024-10 for Fashion-MNIST."""
    inputs = math.prod(input_shape)
    first = _FlattenThen(BinaryLinear(inputs, hidden[0], binary_input=False))
    return SCBNN(first, nn.Sequential(*_dense_stack(hidden, num_classes)), num_classes)


def binary_vgg(
    input_shape: Sequence[int],
    channels: Sequence[int],
    pool_every: int,
    hidden: Sequence[int],
    num_classes: int,
) -> SCBNN:
    """VGG-style conv BNN (BinaryNet's CIFAR-10 layout at any width).

    Each block is conv -> [2x2 max-pool after every `pool_every` convs] -> BN -> sign; the
    dense head follows. Max-pool of binary values is an OR in hardware.
    """
    in_channels, height, width = input_shape
    first = BinaryConv2d(in_channels, channels[0], binary_input=False)
    body: list[nn.Module] = []
    for index, out_channels in enumerate(channels):
        if index > 0:
            body.append(BinaryConv2d(channels[index - 1], out_channels))
        if (index + 1) % pool_every == 0:
            body.append(nn.MaxPool2d(2))
            height, width = height // 2, width // 2
        body += [nn.BatchNorm2d(out_channels), SignActivation()]
    flat = channels[-1] * height * width
    widths = [flat, *hidden]
    body += [_Flatten(), BinaryLinear(flat, widths[1] if hidden else num_classes)]
    body += _dense_stack(widths[1:], num_classes) if hidden else []
    return SCBNN(first, nn.Sequential(*body), num_classes)


def build_network(config: ModelConfig, input_shape: Sequence[int], num_classes: int) -> SCBNN:
    if isinstance(config, MLPModelConfig):
        return binary_mlp(input_shape, config.hidden, num_classes)
    if isinstance(config, ConvModelConfig):
        return binary_vgg(
            input_shape, config.channels, config.pool_every, config.hidden, num_classes
        )
    raise TypeError(f"unknown model config {type(config).__name__}")
