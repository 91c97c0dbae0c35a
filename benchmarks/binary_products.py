"""The products of testing a binary layer under error maps, in float32 against 8-bit integers
(`trainer.binary_products`), side by side in one process, round-robin.

On a layer of the paper's MLP (1,024 +1/-1 inputs, 1,024 neurons) and the rows a test batch
has at seven lengths N (7,000):

- the full product: float32 `x @ w.T` against the int8 product;
- inputs turned by an error map upstream, at several shares: the float path's sparse
  product of the turned inputs (`trainer.incremental`, compressed rows, added to the clean
  sums) against the int8 product of the whole turned input;
- weights flipped in a layer whose input is unchanged, at several counts: the flips added
  one by one to their neurons' sums against the int8 product of the weights as read
  (`FEW_FLIPS`: up to it, one by one);
- a hidden layer's outputs decided from its sums (batch norms of scales below, above and at
  zero): float32 sums times each neuron's direction against its bound (`_Thresholds`)
  against the int32 sums of the directed weights against int32 bounds.

Each pair is checked to give the same sums (or outputs); the ratio printed is float path /
int8 path (above 1: int8 is faster).

    python benchmarks/binary_products.py [--rows 7000] [--width 1024] [--rounds 7]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import interleaved, spread  # noqa: E402
from trainer.binary_products import (  # noqa: E402
    integer_bits,
    integer_product,
    integer_products_exact,
)
from trainer.incremental import _negated_where, _sparse_rows, _Thresholds  # noqa: E402

TURNED_SHARES = (0.002, 0.01, 0.03, 0.1)
FLIP_COUNTS = (64, 256, 512, 1024, 2048)


def _signs(*shape: int, generator: torch.Generator) -> torch.Tensor:
    return torch.randint(0, 2, shape, generator=generator).float().mul_(2).sub_(1)


def _compare(label: str, float_path, int8_path, rounds: int, same=torch.equal) -> None:
    assert same(float_path(), int8_path()), label
    samples = interleaved({"float32": float_path, "int8": int8_path}, rounds=rounds)
    medians = samples.medians()
    print(f"{label:<28} float32 {medians['float32'] * 1e3:6.1f} ms  int8 "
          f"{medians['int8'] * 1e3:6.1f} ms  ratio {spread(samples.ratios('float32', 'int8'))}")


@dataclass(frozen=True)
class _Layer:
    """A layer's +1/-1 inputs and weights, float32 and int8, and its clean sums."""

    inputs: torch.Tensor
    signs: torch.Tensor
    inputs8: torch.Tensor
    bits8: torch.Tensor
    clean: torch.Tensor

    @classmethod
    def random(cls, rows: int, width: int, generator: torch.Generator) -> _Layer:
        inputs, signs = (_signs(rows, width, generator=generator),
                         _signs(width, width, generator=generator))
        return cls(inputs, signs, inputs.to(torch.int8), integer_bits(signs),
                   inputs @ signs.T)


def _turned_inputs(layer: _Layer, share: float, generator: torch.Generator,
                   rounds: int) -> None:
    """A share of the inputs turned: the float path's sparse product against one int8
    product of the turned input."""
    turned = torch.rand(*layer.inputs.shape, generator=generator) < share

    def sparse():
        at, where = turned.nonzero(as_tuple=True)
        moved = _sparse_rows(at, where, -2.0 * layer.inputs[at, where], turned.shape)
        return layer.clean + moved @ layer.signs.T

    def whole():
        return integer_product(_negated_where(layer.inputs8, turned),
                               layer.bits8).to(torch.float32)

    _compare(f"{share:.1%} of inputs turned", sparse, whole, rounds)


def _flipped_weights(layer: _Layer, count: int, generator: torch.Generator,
                     rounds: int) -> None:
    """`count` weights flipped, the input unchanged: the flips added one by one to their
    neurons' sums against one int8 product of the weights as read."""
    width = layer.signs.shape[0]
    flips = torch.zeros(layer.signs.numel(), dtype=torch.bool)
    flips[torch.randperm(layer.signs.numel(), generator=generator)[:count]] = True
    flips = flips.view_as(layer.signs)

    def one_by_one():
        neurons, sources = flips.nonzero(as_tuple=True)
        columns, targets = torch.unique(neurons, return_inverse=True)
        added = layer.inputs.index_select(1, sources) * (-2.0 * layer.signs[neurons, sources])
        return columns, layer.clean.index_select(1, columns).index_add(1, targets, added)

    def as_read():
        return integer_product(layer.inputs8, _negated_where(layer.bits8, flips.T)
                               ).to(torch.float32)

    def same(changed, whole):  # the flipped neurons' sums, the others the clean ones
        columns, sums = changed
        kept = torch.ones(width, dtype=torch.bool)
        kept[columns] = False
        return torch.equal(whole[:, columns], sums) and torch.equal(whole[:, kept],
                                                                     layer.clean[:, kept])

    _compare(f"{count} weights flipped", one_by_one, as_read, rounds, same)


def _decisions(layer: _Layer, generator: torch.Generator, rounds: int) -> None:
    """Outputs +1 where a batch norm of random scales (a quarter negative, a quarter zero)
    of the clean sums is: from float32 sums (the thresholds' `positive`) against the int32
    sums of the weights directed (`_Thresholds.directed`)."""
    width = layer.signs.shape[0]
    kind = torch.randint(0, 4, (width,), generator=generator)
    scale = torch.where(kind == 0, -1.0, torch.rand(width, generator=generator) + 0.5)
    scale = scale * (kind != 1)
    shift = torch.randn(width, generator=generator) * 8

    def output(sums):
        return torch.where(scale * sums + shift >= 0, 1.0, -1.0)

    thresholds = _Thresholds(output, 1, width, width, layer.inputs.device)
    bits, bound = thresholds.directed(layer.bits8)
    sums = integer_product(layer.inputs8, layer.bits8)
    directed = integer_product(layer.inputs8, bits)
    _compare("outputs from the sums", lambda: thresholds.positive(sums.to(torch.float32)),
             lambda: directed >= bound, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=7000)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    if not integer_products_exact():
        print("this CPU's int8 product is missing or not exact: testing stays float32")
        return
    generator = torch.Generator().manual_seed(0)
    layer = _Layer.random(options.rows, options.width, generator)
    print(f"{torch.get_num_threads()} threads; {options.rows} rows x {options.width} inputs "
          f"x {options.width} neurons")
    _compare("full product", lambda: layer.inputs @ layer.signs.T,
             lambda: integer_product(layer.inputs8, layer.bits8).to(torch.float32),
             options.rounds)
    for share in TURNED_SHARES:
        _turned_inputs(layer, share, generator, options.rounds)
    for count in FLIP_COUNTS:
        _flipped_weights(layer, count, generator, options.rounds)
    _decisions(layer, generator, options.rounds)


if __name__ == "__main__":
    main()
