"""Exact +1/-1 matrix products in 8-bit integers, for testing on the CPU.

A binary layer past the first multiplies +1/-1 inputs by +1/-1 weights: every term is -1 or +1
and every partial sum an integer of magnitude at most the fan-in. 8-bit operands hold the
terms and 32-bit integers every sum, so an int8 x int8 -> int32 product gives the float32
product's values exactly (fan-in below 2^24, where float32 holds the sum), whatever order it
adds in. On a CPU with 8-bit dot-product instructions (AVX-512 VNNI, AMX) oneDNN's int8
product takes a fraction of the float32 one's time (benchmarks/binary_products.py); testing a
network under every error map is mostly such products (docs/benchmarks.md). Training keeps
float32: its backward needs the float product.

PyTorch offers that product as `torch._int_mm` (oneDNN's s8s8s32 kernel on the CPU; the op
torchao's int8 layers call). It is a private op, so it is used only where it is there and,
checked once per process on a probe, agrees with the float product: elsewhere every
product stays float32. Some CPUs' int8 kernels saturate 16-bit pair sums of large operands
(huggingface/optimum-quanto#309, on a CPU without VNNI); +1/-1 operands stay far below that.
"""

from __future__ import annotations

import functools

import torch

PROBE_FAN_IN = 4096  # the probe's sums reach +-4096: far beyond any 16-bit pair saturation


@functools.cache
def integer_products_exact() -> bool:
    """Whether this process's CPU int8 product exists and gives the float product of +1/-1
    matrices exactly: rows of all +1 against columns of all +1 and all -1 (the largest sums)
    and seeded random signs."""
    if not hasattr(torch, "_int_mm"):
        return False
    generator = torch.Generator().manual_seed(0)
    signs = torch.randint(0, 2, (48, PROBE_FAN_IN), generator=generator).mul_(2).sub_(1)
    signs[0], signs[1] = 1, -1
    inputs, weights = signs[:24].float(), signs[24:].float()
    weights[2] = 1
    try:
        product = integer_product(inputs.to(torch.int8), weights.T.to(torch.int8))
    except RuntimeError:  # no CPU kernel in this build
        return False
    return torch.equal(product.double(), inputs.double().matmul(weights.double().T))


def integer_product(inputs: torch.Tensor, weights_t: torch.Tensor) -> torch.Tensor:
    """`inputs @ weights_t` of int8 (rows, fan_in) and (fan_in, fan_out) matrices, as int32
    sums: the float32 product's values (see the module doc). Kept in int32 for a caller that
    compares them with integer thresholds (`trainer.incremental`)."""
    return torch._int_mm(_row_major(inputs), _row_major(weights_t))


def _row_major(matrix: torch.Tensor) -> torch.Tensor:
    """`matrix` with the strides of a row-major (rows, columns) array: the CPU kernel reads
    a matrix with a dimension of one and other strides (a transposed vector is contiguous
    to PyTorch) as garbage."""
    if matrix.stride() == (matrix.shape[1], 1):
        return matrix
    return torch.empty(matrix.shape, dtype=matrix.dtype, device=matrix.device).copy_(matrix)


def integer_bits(bits: torch.Tensor) -> torch.Tensor | None:
    """A linear layer's +1/-1 weights (fan_out, fan_in) as the int8 (fan_in, fan_out) operand
    of `integer_product`, or None where the product stays float: off the CPU, or where
    this process's int8 product is not exact."""
    if bits.device.type != "cpu" or not integer_products_exact():
        return None
    return _row_major(bits.to(torch.int8).T)
