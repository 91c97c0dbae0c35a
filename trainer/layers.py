"""Binary layers: +1/-1 weights and activations trained through latent real weights.

The forward pass sees sign(w); the backward pass uses the straight-through estimator of
Courbariaux, Hubara et al. (BinaryNet, 2016): the gradient of sign is taken as 1 where
|x| <= 1 and 0 elsewhere, so saturated latent values stop moving. Latent weights are clipped
to [-1, 1] after each optimiser step (`clip_latent_weights`) for the same reason.
No layer has a bias: batch norm after each layer folds into the neuron's threshold.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        # sign with sign(0) = +1, so every output is a valid bit
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


def binarize(x: torch.Tensor) -> torch.Tensor:
    """sign(x) in {-1, +1} with a straight-through gradient cancelled where |x| > 1."""
    return _SignSTE.apply(x)


class SignActivation(nn.Module):
    """The binary neuron's output: the comparison of its (normalised) popcount with 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return binarize(x)


class BinaryLinear(nn.Linear):
    """Dense layer with binary weights: an XNOR and popcount per output in hardware."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__(in_features, out_features, bias=False)
        nn.init.uniform_(self.weight, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, binarize(self.weight))


class BinaryConv2d(nn.Conv2d):
    """3x3 (or any) convolution with binary weights, zero padding, no bias."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, padding: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, padding=padding, bias=False)
        nn.init.uniform_(self.weight, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, binarize(self.weight), None)


BINARY_LAYERS = (BinaryLinear, BinaryConv2d)


@torch.no_grad()
def clip_latent_weights(module: nn.Module) -> None:
    """Keep every binary layer's latent weights in [-1, 1]."""
    for layer in module.modules():
        if isinstance(layer, BINARY_LAYERS):
            layer.weight.clamp_(-1.0, 1.0)
