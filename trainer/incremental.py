"""Scoring a network under a weight-error map from its clean pass: only what the flips change
is computed again.

A search tests every trained network under 3 error maps at each of a dozen or more bit-error
rates, and most rates are low: at 1e-5 a map of the 1.9 million weights of the paper's MLP
flips 19 of them. A full pass per map costs the whole network every time; this one keeps the
clean pass of a batch layer by layer (`CleanPass`) and, under a map, follows the changes:

- a flipped weight w[i, j] changes neuron i's sum by -2 w[i, j] x[:, j], x the clean input;
- a +1/-1 input that turned (a neuron of the layer before that flipped its output, in one
  row) changes every sum it feeds, in that row, by -2 x[r, j] w'[:, j], w' the weights as
  the map reads them (so the turned input itself is never formed);
- a neuron's output is the sign of its batch-normed sum: +1 from an integer threshold on
  the sum up (or down, for a negative scale), found once per batch by bisection with the
  network's own batch norm and sign (`_Thresholds`), so only the changed sums are compared.

Few flips in a layer whose input did not change are added one by one, to the flipped
neurons' sums only. Otherwise the turned inputs and the flipped weights are sparse matrices
(compressed rows) and their products with the weights and the inputs cost their entries: at
1e-2 of the weights flipped, 7% of the second layer's inputs turn in a trained 1024-1024
network, one row at a time, though most neurons turn in some row. A layer with more of its
inputs turned or weights flipped than `DENSE_INPUT_SHARE` and `DENSE_FLIP_SHARE`, or with
fewer outputs than `NARROW`, takes its full product. Deployed on the CPU, a layer past the
first multiplies in 8 bits (`trainer.binary_products`, several times float32's speed): there
one full product of its turned inputs and its weights as read costs less than any sparse
product (whose dense result alone costs about as much), so such a layer takes it as soon as
an input turned or more than `FEW_FLIPS` weights flipped (benchmarks/binary_products.py),
and, hidden, compares its int32 sums with its thresholds as they are.
Asked at some lengths only, a map goes through the rows of those lengths only
(`_at_lengths`).

Exactness: a binary layer adds +1/-1 products, a first layer fed stochastic sums or
thresholded pixels adds integers, one fed fixed-point pixels adds multiples of 2^-8
(`InputEncoding.input_step`), and float32 holds every such multiple below 2^24 steps, so the
sums are the same numbers in any order of addition; batch norm and sign are monotone in the
sum (every rounding is), so one threshold per neuron (and per N, where the first layer's sum
is divided by N, times `InputEncoding.sum_scale`) says the sign of every sum. The thresholds
are found with the batch norm applied to whole rows, as in a full pass, and checked against
every decision of the clean pass; a batch where one disagrees takes the full pass. The
decisions, and so the class scores, are the full pass's exactly (tests hold them equal).

It covers the dense networks (`trainer.models.binary_mlp`) fed exact sums (stochastic sums
merged after the first layer, thresholded or fixed-point pixels), up to `MAX_FLIPPED_SHARE`
of the weights flipped, where it is measured faster (benchmarks/ber_sweep.py). The others take
the full pass per map: convolutional networks, the output merge, half-precision autocast
(`CleanPass.of` returns None), inputs that are not whole multiples of their encoding's
`input_step`, and a map that flips more weights.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from trainer.binary_products import integer_product
from trainer.bit_errors import ErrorMap, binary_layers, weights_read_with
from trainer.encoding import InputEncoding, StochasticEncoding
from trainer.inference import encoded_at, scores_of_encoded
from trainer.layers import BinaryLinear, SignActivation
from trainer.models import SCBNN
from trainer.sng import check_lengths

# where following the changes stops paying (benchmarks/ber_sweep.py, docs/benchmarks.md)
DENSE_INPUT_SHARE = 0.15  # above this share of a layer's inputs changed, its full product
DENSE_FLIP_SHARE = 0.08  # and above this share of its weights flipped
FEW_FLIPS = 1024  # up to this many flips in a layer whose input is unchanged: added one by one
NARROW = 64  # a layer with fewer outputs (the class scores) takes its full product
MAX_FLIPPED_SHARE = 0.05  # above this share of the weights flipped, a full pass is cheaper
EXACT_FLOAT32 = 2**24  # every integer below this is a float32


def _dense_blocks(body: nn.Module) -> list[tuple[nn.Module, nn.Module, BinaryLinear]] | None:
    """The body as (batch norm, sign, binary layer) blocks, or None if it is not that."""
    modules = list(body.children()) if isinstance(body, nn.Sequential) else []
    if not modules or len(modules) % 3:
        return None
    blocks = [tuple(modules[k:k + 3]) for k in range(0, len(modules), 3)]
    if all(isinstance(n, nn.BatchNorm1d) and isinstance(s, SignActivation)
           and isinstance(layer, BinaryLinear) for n, s, layer in blocks):
        return blocks  # type: ignore[return-value]
    return None


def _sparse_rows(rows: torch.Tensor, columns: torch.Tensor, values: torch.Tensor,
                 shape: torch.Size) -> torch.Tensor:
    """A matrix of `shape` with `values` at (`rows`, `columns`) (row-major order, as
    `nonzero` gives them) and zeros elsewhere, in compressed sparse rows: its product with a
    dense matrix costs its entries, not its size. (PyTorch's CSR support calls itself beta,
    and says so every time.)"""
    starts = torch.zeros(shape[0] + 1, dtype=torch.int64, device=rows.device)
    starts[1:] = torch.bincount(rows, minlength=shape[0]).cumsum(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(starts, columns, values, shape, check_invariants=False)


def _negated_where(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """int8 `values` times -1 where `mask` is set: an int8 multiply, faster than
    `torch.where` (0.6x its time on a layer's flipped weights, 0.2x on its turned inputs)."""
    return values * (1 - 2 * mask.to(torch.int8))


@dataclass(frozen=True)
class _Turned:
    """Where a layer's +1/-1 inputs turned, (rows, width), and how many did (counted once:
    whether to follow them or take the full product turns on it)."""

    mask: torch.Tensor
    count: int

    @classmethod
    def where(cls, mask: torch.Tensor) -> _Turned | None:
        """The inputs turned where `mask` is set (None: nowhere)."""
        count = int(mask.count_nonzero())
        return cls(mask, count) if count else None


@dataclass(frozen=True)
class _Change:
    """New values of some columns of a (rows, width) tensor: the others are as in the clean
    pass."""

    columns: torch.Tensor  # (k,) indices
    values: torch.Tensor  # (rows, k)


@dataclass(frozen=True)
class _Decided:
    """A hidden layer's outputs under a map, decided without its sums: +1 where `positive`
    (rows, width) (see `CleanPass._integer_sums`)."""

    positive: torch.Tensor


class _Thresholds:
    """Each neuron's output from its sum, without its batch norm: +1 where
    `direction * sum >= bound` (direction 0: a constant output). One set per row block: the
    first layer's sums are divided by N, one block of rows per N."""

    def __init__(self, output: Callable[[torch.Tensor], torch.Tensor], blocks: int, width: int,
                 limit: float, device: torch.device, step: float = 1.0):
        """`output`: the layer's +1/-1 outputs of a (blocks, width) tensor of sums, as the
        full pass computes them; `limit`: no sum is larger in magnitude; `step`: every sum is
        a multiple of it (a power of two; the bounds are found in steps)."""
        def output_at(steps: torch.Tensor) -> torch.Tensor:
            return output(steps * step)  # exact: a power of two

        low = torch.full((blocks, width), -float(limit) / step, device=device)
        high = torch.full((blocks, width), float(limit) / step, device=device)
        at_low, at_high = output_at(low), output_at(high)
        self.direction = torch.where(at_low == at_high, 0.0, torch.where(at_high > 0, 1.0, -1.0))
        # bisect for the first whole number of steps (in the direction) whose output is +1
        lo = torch.where(self.direction >= 0, low, -high)  # in direction * sum
        hi = torch.where(self.direction >= 0, high, -low)
        moving = self.direction != 0
        while bool((moving & (hi - lo > 1)).any()):
            middle = torch.floor((lo + hi) / 2)
            positive = output_at(torch.where(self.direction >= 0, middle, -middle)) > 0
            hi = torch.where(moving & positive, middle, hi)
            lo = torch.where(moving & ~positive, middle, lo)
        constant = torch.where(at_low > 0, -1.0, 1.0)  # 0 >= -1: always +1; 0 >= 1: never
        # in the sums' own unit, so that they are compared undivided (exact: a power of two)
        self.bound = torch.where(moving, hi * step, constant)

    def directed(self, bits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """For a layer of one row block fed +1/-1: its int8 (fan_in, width) weights `bits`
        times each neuron's direction, and the bounds in int32, so that an output is +1
        where the int32 sums of the directed weights reach the bound (direction 0: weights
        0, sums 0, against the constant's -1 or 1). Exact: the bounds are whole numbers of
        a step of 1."""
        if self.direction.shape[0] != 1:
            raise ValueError("directed weights need one threshold per neuron")
        return bits * self.direction.to(torch.int8), self.bound.to(torch.int32)

    def at_blocks(self, blocks: list[int]) -> _Thresholds:
        """These thresholds for the row blocks `blocks` only (one set for every block: the
        same)."""
        if self.direction.shape[0] == 1:
            return self
        cut = copy.copy(self)
        cut.direction, cut.bound = self.direction[blocks], self.bound[blocks]
        return cut

    def positive(self, sums: torch.Tensor, columns: torch.Tensor | None = None) -> torch.Tensor:
        """Where the outputs of `sums` (blocks * rows, k) of neurons `columns` (None: all)
        are +1."""
        direction, bound = self.direction, self.bound
        if columns is not None:
            direction, bound = direction[:, columns], bound[:, columns]
        shaped = sums.view(direction.shape[0], -1, sums.shape[-1])
        return (direction.unsqueeze(1) * shaped >= bound.unsqueeze(1)).view_as(sums)


class CleanPass:
    """One batch's clean pass through a dense network, kept layer by layer: each binary
    layer's input and its sums, each hidden layer's thresholds, and the class scores
    (lengths, batch, classes)."""

    def __init__(self, network: SCBNN, encoding: InputEncoding, encoded: torch.Tensor, blocks,
                 first: BinaryLinear, names: Sequence[str], inputs: torch.Tensor,
                 lengths: list[int]):
        self.network, self.blocks, self.names = network, blocks, list(names)
        self.encoding, self.encoded = encoding, encoded
        self.layers = [first, *(layer for _, _, layer in blocks)]
        self.signs = [layer.stored_bits() for layer in self.layers]
        self.lengths = lengths
        self.divisor = encoding.divisors(lengths, inputs.device).view(-1, 1, 1)
        self.inputs = [inputs]  # of each binary layer, (rows, fan_in)
        self.sums = [first(inputs)]  # of each binary layer, (rows, fan_out)
        for index, (norm, sign, layer) in enumerate(blocks):
            self.inputs.append(self._activation(index, self.sums[-1], norm, sign))
            self.sums.append(layer(self.inputs[-1]))
        self.scores = self._scores(self.sums[-1])
        self.positive = [outputs > 0 for outputs in self.inputs[1:]]  # of each hidden layer
        self._transposed: dict[int, torch.Tensor] = {}  # see _transposed_input
        self._integer_inputs: dict[int, torch.Tensor] = {}  # see _integer_sums
        self._directed: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}  # _integer_weights
        self._cut: dict[tuple[int, ...], CleanPass] = {}  # see _at_lengths
        largest = float(inputs.abs().max()) * first.in_features  # of a first-layer sum
        self.thresholds = [  # of each hidden layer: its sums feed its block's norm and sign
            _Thresholds(lambda sums, i=index, n=norm, s=sign: self._activation(i, sums, n, s),
                        len(lengths) if index == 0 else 1, layer.out_features,
                        largest if index == 0 else layer.in_features, inputs.device,
                        encoding.input_step if index == 0 else 1.0)
            for index, ((norm, sign, _), layer) in enumerate(zip(blocks, self.layers,
                                                                  strict=False))]

    @classmethod
    def of(cls, network: SCBNN, encoding: InputEncoding, encoded: torch.Tensor,
           lengths: Sequence[int]) -> CleanPass | None:
        """The clean pass of `encoded_input`'s draw, or None where the network takes the
        full pass under every map (see the module doc)."""
        blocks = _dense_blocks(network.body)
        first = getattr(network.first, "layer", None)
        merged_later = isinstance(encoding, StochasticEncoding) and encoding.merges_at_output
        if (blocks is None or not isinstance(first, BinaryLinear) or merged_later
                or torch.is_autocast_enabled(encoded.device.type)):
            return None
        lengths = check_lengths(lengths)
        names = [name for name, _ in binary_layers(network)]
        inputs = encoded.flatten(0, 1).flatten(1)
        steps = inputs / encoding.input_step  # exact: a power of two
        exact = bool(torch.equal(steps, steps.round())) and (
            float(steps.abs().max()) * first.in_features < EXACT_FLOAT32)
        if not exact:
            return None
        clean = cls(network, encoding, encoded, blocks, first, names, inputs, lengths)
        return clean if clean._thresholds_agree() else None

    def _thresholds_agree(self) -> bool:
        """Whether the thresholds give every decision of the clean pass."""
        return all(torch.equal(thresholds.positive(self.sums[index]), self.positive[index])
                   for index, thresholds in enumerate(self.thresholds))

    def _activation(self, index: int, sums: torch.Tensor, norm: nn.Module,
                    sign: nn.Module) -> torch.Tensor:
        """The next layer's input: batch norm and sign of layer `index`'s sums (the first
        layer's divided by N first, one block of rows per N), as the full pass computes
        them."""
        if index == 0:
            shaped = sums.view(len(self.lengths), -1, sums.shape[-1]) / self.divisor
            sums = shaped.flatten(0, 1)
        return sign(norm(sums))

    def _scores(self, sums: torch.Tensor) -> torch.Tensor:
        return self.network.readout(sums).view(len(self.lengths), -1,
                                               self.network.num_classes)

    def scores_under(self, error_map: ErrorMap, columns: Sequence[int] | None = None
                     ) -> torch.Tensor:
        """The class scores the full pass gives with the weights read through `error_map`
        (a full pass above `MAX_FLIPPED_SHARE`, where following the changes costs more), at
        the lengths of indices `columns` (None: all), through those lengths only."""
        if error_map.flipped > MAX_FLIPPED_SHARE * error_map.weights:
            encoded, lengths = encoded_at(self.encoding, self.encoded, self.lengths, columns)
            with weights_read_with(self.network, error_map):
                return scores_of_encoded(self.network, self.encoding, encoded, lengths)
        if columns is not None and len(columns) < len(self.lengths):
            return self._at_lengths(tuple(columns)).scores_under(error_map)
        turned: _Turned | None = None  # where the current layer's +1/-1 input turned
        for index, name in enumerate(self.names):
            sums = self._sums(index, turned, error_map.flips.get(name))
            if index + 1 == len(self.layers):
                scores = self.scores if sums is None else self._scores(
                    self._merged(index, sums))
                return scores if columns is None else scores[list(columns)]
            turned = self._turned(index, sums)
        raise AssertionError("a network has an output layer")

    def _at_lengths(self, columns: tuple[int, ...]) -> CleanPass:
        """This clean pass at the lengths of indices `columns` only: its rows of those
        lengths, their thresholds and scores (made once per batch and lengths asked), so
        that a map followed costs those lengths, not all."""
        if columns not in self._cut:
            batch = self.scores.shape[1]
            rows = torch.cat([torch.arange(c * batch, (c + 1) * batch) for c in columns]
                             ).to(self.scores.device)
            cut = copy.copy(self)
            cut.encoded, cut.lengths = encoded_at(self.encoding, self.encoded, self.lengths,
                                                  columns)
            cut.inputs = [tensor.index_select(0, rows) for tensor in self.inputs]
            cut.sums = [tensor.index_select(0, rows) for tensor in self.sums]
            cut.positive = [tensor.index_select(0, rows) for tensor in self.positive]
            cut.scores = self.scores[list(columns)]
            cut.thresholds = [self.thresholds[0].at_blocks(list(columns)),
                              *self.thresholds[1:]]
            cut.divisor = self.divisor[list(columns)]
            # by rows, made again; the directed weights (`_directed`) hold for any rows
            cut._transposed, cut._integer_inputs, cut._cut = {}, {}, {}
            self._cut[columns] = cut
        return self._cut[columns]

    def _merged(self, index: int, change: _Change) -> torch.Tensor:
        if change.columns.numel() == self.sums[index].shape[1]:
            return change.values
        merged = self.sums[index].clone()
        merged[:, change.columns] = change.values
        return merged

    def _sums(self, index: int, turned: _Turned | None, flips: torch.Tensor | None
              ) -> _Change | _Decided | None:
        """Layer `index`'s changed sums, its +1/-1 inputs turned where `turned` says and its
        weights read through `flips` (None, or none flipped: unchanged): the clean sums plus
        what the flipped weights add with the clean inputs and what the turned inputs add
        with the weights as read, or the full product where that is cheaper (in 8 bits
        where the layer has them, which decides a hidden layer's outputs at once)."""
        flipped = 0 if flips is None else int(flips.count_nonzero())
        if not flipped:
            flips = None
        if turned is None and flips is None:
            return None
        clean_input, signs = self.inputs[index], self.signs[index]
        if self.layers[index].integer_bits is not None and (
                turned is not None or flipped > FEW_FLIPS or signs.shape[0] < NARROW):
            return self._integer_sums(index, turned, flips)
        if (flipped > DENSE_FLIP_SHARE * signs.numel()
                or (turned is not None and turned.count > DENSE_INPUT_SHARE * clean_input.numel())
                or signs.shape[0] < NARROW):
            weight = signs if flips is None else signs * (1.0 - 2.0 * flips.to(signs.dtype))
            current = clean_input if turned is None else torch.where(turned.mask, -clean_input,
                                                                     clean_input)
            sums = current @ weight.T  # +1/-1 products: exact in any order of addition
            return _Change(self._every_column(index), sums)
        if flips is not None:
            neurons, sources = flips.nonzero(as_tuple=True)
            read = signs[neurons, sources]
            if turned is None and flipped <= FEW_FLIPS:  # only the flipped neurons' sums move
                columns, targets = torch.unique(neurons, return_inverse=True)
                sums = self.sums[index].index_select(1, columns)
                added = clean_input.index_select(1, sources) * (-2.0 * read)
                return _Change(columns, sums.index_add(1, targets, added))
        # sum = w' . x' = w . x + (w' - w) . x + w' . (x' - x): the clean sum, the flipped
        # weights' change on the clean inputs, the turned inputs' change through the weights
        # as read (no input is formed turned: the clean one is transposed once per batch)
        sums = self.sums[index]
        weight = signs
        if flips is not None:  # a flipped weight w moves its neuron's sum by -2 w x
            moved = _sparse_rows(neurons, sources, -2.0 * read, flips.shape)
            sums = sums + (moved @ self._transposed_input(index)).T
            weight = signs.index_put((neurons, sources), -read)
        if turned is not None:  # an input x turned to -x moves every sum it feeds by -2 x w'
            rows, turned_inputs = turned.mask.nonzero(as_tuple=True)
            moved = _sparse_rows(rows, turned_inputs, -2.0 * clean_input[rows, turned_inputs],
                                 turned.mask.shape)
            sums = sums + moved @ weight.T
        return _Change(self._every_column(index), sums.contiguous())

    def _integer_sums(self, index: int, turned: _Turned | None, flips: torch.Tensor | None
                      ) -> _Change | _Decided:
        """Layer `index`'s sums in one 8-bit product of its +1/-1 inputs, turned where
        `turned` says, and its weights as `flips` reads them (`trainer.binary_products`):
        measured cheaper than following the changes once an input turned, whatever their
        number (a sparse product's dense result alone costs about as much), or more than
        `FEW_FLIPS` weights flipped (benchmarks/binary_products.py). A hidden layer's
        weights carry its thresholds' directions (`_Thresholds.directed`), so that its
        outputs are its int32 sums against whole-number bounds: 2.5x as fast as float32
        sums times the directions against the bounds (benchmarks/binary_products.py)."""
        weights, bound = self._integer_weights(index)
        if flips is not None:
            weights = _negated_where(weights, flips.T)
        if index not in self._integer_inputs:
            self._integer_inputs[index] = self.inputs[index].to(torch.int8)
        inputs = self._integer_inputs[index]
        if turned is not None:
            inputs = _negated_where(inputs, turned.mask)
        sums = integer_product(inputs, weights)
        if bound is not None:
            return _Decided(sums >= bound)
        return _Change(self._every_column(index), sums.to(torch.float32))

    def _integer_weights(self, index: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Layer `index`'s int8 weights and, for a hidden layer, its bounds: the weights
        directed (`_Thresholds.directed`, made once per batch)."""
        if index == len(self.thresholds):  # the class scores: their sums themselves
            return self.layers[index].integer_bits, None
        if index not in self._directed:
            self._directed[index] = self.thresholds[index].directed(
                self.layers[index].integer_bits)
        return self._directed[index]

    def _every_column(self, index: int) -> torch.Tensor:
        return torch.arange(self.sums[index].shape[1], device=self.sums[index].device)

    def _transposed_input(self, index: int) -> torch.Tensor:
        """Layer `index`'s clean input, (fan_in, rows), contiguous: made once per batch for
        the products of its flipped weights under every map."""
        if index not in self._transposed:
            self._transposed[index] = self.inputs[index].T.contiguous()
        return self._transposed[index]

    def _turned(self, index: int, sums: _Change | _Decided | None) -> _Turned | None:
        """Where the next layer's input turned: the outputs of layer `index`'s changed sums
        against the clean pass's (None: nowhere)."""
        if sums is None:
            return None
        clean = self.positive[index]
        if isinstance(sums, _Decided):
            return _Turned.where(sums.positive != clean)
        if sums.columns.numel() == clean.shape[1]:
            return _Turned.where(self.thresholds[index].positive(sums.values) != clean)
        some = self.thresholds[index].positive(sums.values, sums.columns) != clean[
            :, sums.columns]
        count = int(some.count_nonzero())
        if not count:
            return None
        turned = torch.zeros_like(clean)
        turned[:, sums.columns] = some
        return _Turned(turned, count)
