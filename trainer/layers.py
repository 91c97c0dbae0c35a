"""Binary layers: +1/-1 weights and activations trained through latent real weights.

The forward pass sees sign(w); the backward pass uses the straight-through estimator of
Courbariaux, Hubara et al. (BinaryNet, 2016): the gradient of sign is taken as 1 where
|x| <= 1 and 0 elsewhere, so saturated latent values stop moving. Latent weights are clipped
to [-1, 1] after each optimiser step (`clip_latent_weights`) for the same reason.
No layer has a bias: batch norm after each layer folds into the neuron's threshold.

A binary layer may carry `weight_signs`, a +1/-1 tensor the size of its weights, set while
bit errors are simulated (`trainer.bit_errors`): the layer then computes with the stored bits
as the memory delivers them, sign(w) * signs, and gradients flow through that product.

Under mixed precision a layer computes in half precision only where its popcount stays exact
(`trainer.device.half_precision_is_exact`); a layer with multi-bit inputs (the first layer:
pixels or their stochastic sums) always computes in float32.

Deployed for testing (`deployed_bits`) on the CPU, a dense layer with +1/-1 inputs computes in
8-bit integers (`trainer.binary_products`: the same values, in a fraction of the time).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from trainer.binary_products import integer_bits, integer_product
from trainer.device import half_precision_is_exact


class _SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        # sign with sign(0) = +1, so every output is a valid bit; 2 [x >= 0] - 1 is the
        # same values as torch.where(x >= 0, 1.0, -1.0) in 0.45-0.6 of its time on the CPU
        # (benchmarks/binarize.py): every forward of every layer pays it
        return (x >= 0).to(x.dtype).mul_(2).sub_(1)

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


class _StoredBits:
    """What a binary layer stores: sign(w) of its latent weights, computed at every forward
    while it trains; fixed once deployed (`deployed_bits`), so that a test pass, which runs
    the network once per batch and error map, computes them once."""

    weight: torch.Tensor
    fixed_bits: torch.Tensor | None = None
    # deployed, a dense layer fed +1/-1 on the CPU: its bits as the int8 operand of
    # `trainer.binary_products.integer_product`, (fan_in, fan_out)
    integer_bits: torch.Tensor | None = None

    def stored_bits(self) -> torch.Tensor:
        return self.fixed_bits if self.fixed_bits is not None else binarize(self.weight)


@contextlib.contextmanager
def deployed_bits(network: nn.Module) -> Iterator[None]:
    """Within the block, every binary layer computes with sign(w) as it was on entry, and a
    dense one fed +1/-1 on the CPU in 8-bit integers: for testing, never for training (the
    latent weights would move under fixed bits, and the backward needs the float product)."""
    layers = [layer for layer in network.modules() if isinstance(layer, _StoredBits)]
    try:
        for layer in layers:
            with torch.no_grad():
                layer.fixed_bits = binarize(layer.weight)
                if isinstance(layer, BinaryLinear) and layer.binary_input:
                    layer.integer_bits = integer_bits(layer.fixed_bits)
        yield
    finally:
        for layer in layers:
            layer.fixed_bits = layer.integer_bits = None


def _exact_product(
    x: torch.Tensor,
    weight: torch.Tensor,
    fan_in: int,
    binary_input: bool,
    product: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    signs: torch.Tensor | None = None,
) -> torch.Tensor:
    """`product(x, weight * signs)` in the autocast dtype where that is exact, else float32
    (`weight`: the stored bits, sign(w); `signs`: their bit errors, +1 where a bit is read
    right)."""
    if signs is not None:
        weight = weight * signs
    device_type = x.device.type
    if device_type == "meta":  # shapes only (`trainer.resources`): autocast has no meta device
        return product(x, weight)
    if not torch.is_autocast_enabled(device_type) or (
        binary_input and half_precision_is_exact(fan_in, device_type)
    ):
        return product(x, weight)
    with torch.autocast(device_type, enabled=False):
        return product(x.float(), weight.float())


class BinaryLinear(_StoredBits, nn.Linear):
    """Dense layer with binary weights: an XNOR and popcount per output in hardware.

    `binary_input` says whether the inputs are +1/-1 (every layer but the first).
    """

    def __init__(self, in_features: int, out_features: int, binary_input: bool = True):
        super().__init__(in_features, out_features, bias=False)
        self.binary_input = binary_input
        self.weight_signs: torch.Tensor | None = None  # bit errors, see the module docstring
        nn.init.uniform_(self.weight, -1.0, 1.0)

    @property
    def fan_in(self) -> int:
        return self.in_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.integer_bits is not None and x.device.type == "cpu" and not (
                torch.is_autocast_enabled("cpu")):
            weights = self.integer_bits
            if self.weight_signs is not None:  # the bits as a map reads them
                weights = weights * self.weight_signs.T.to(torch.int8)
            return integer_product(x.to(torch.int8), weights).to(torch.float32)
        return _exact_product(x, self.stored_bits(), self.fan_in, self.binary_input, F.linear,
                              self.weight_signs)


class BinaryConv2d(_StoredBits, nn.Conv2d):
    """3x3 (or any) convolution with binary weights, zero padding, no bias."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        padding: int = 1,
        binary_input: bool = True,
    ):
        super().__init__(in_channels, out_channels, kernel_size, padding=padding, bias=False)
        self.binary_input = binary_input
        self.weight_signs: torch.Tensor | None = None  # bit errors, see the module docstring
        nn.init.uniform_(self.weight, -1.0, 1.0)

    @property
    def fan_in(self) -> int:
        return self.in_channels * self.kernel_size[0] * self.kernel_size[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _exact_product(
            x, self.stored_bits(), self.fan_in, self.binary_input,
            lambda inputs, weight: self._conv_forward(inputs, weight, None), self.weight_signs,
        )


BINARY_LAYERS = (BinaryLinear, BinaryConv2d)


@torch.no_grad()
def clip_latent_weights(module: nn.Module) -> None:
    """Keep every binary layer's latent weights in [-1, 1]."""
    for layer in module.modules():
        if isinstance(layer, BINARY_LAYERS):
            layer.weight.clamp_(-1.0, 1.0)
