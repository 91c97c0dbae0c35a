"""Where each stored weight of a binary layer sits in the memory arrays: (array, row, column).

Errors that a sense amplifier or a reference causes are shared by the bits it senses, so a
structured error map (`trainer.error_structure`) needs each weight's place. The rule is the
hardware model's (`hwmodel/plan.py`; the trainer never imports it, so the rule is written here
from plain numbers, the array geometry R x C, and a test holds the two equal):

* fan-in along the columns, neurons along the rows: weight i of a neuron sits in column
  i mod C of the neuron's (i div C)-th row;
* a neuron with fan_in > C spans ceil(fan_in / C) consecutive rows (slices);
* neurons with fan_in <= C are packed floor(C / next_pow2(fan_in)) to a row (at least one),
  neuron j in the aligned segment j mod per_row, starting at column (j mod per_row) *
  next_pow2(fan_in), of row j div per_row;
* a layer's weight rows fill its own arrays in order: weight row r is row r mod R of array
  r div R (the threshold words of hidden layers follow in further rows, not modelled here).

A convolution's neuron is an output channel; its fan-in is its weight flattened in PyTorch's
order (input channel, kernel row, kernel column), weight i being entry i of that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

import numpy as np


def next_pow2(value: int) -> int:
    """Smallest power of two >= value (value >= 1)."""
    return 1 << (int(value) - 1).bit_length()


@dataclass(frozen=True)
class WeightPositions:
    """Array, row and column of every weight of a layer, each shaped like its weight."""

    array: np.ndarray
    row: np.ndarray
    column: np.ndarray


def weight_positions(weight_shape: tuple[int, ...], rows: int, cols: int) -> WeightPositions:
    """Positions of the weights of a layer of this weight shape (outputs first) on R x C
    arrays, by the hardware model's layout rule (module docstring)."""
    outputs = int(weight_shape[0])
    fan_in = int(np.prod(weight_shape[1:], dtype=np.int64))
    neuron = np.arange(outputs, dtype=np.int64)[:, None]
    index = np.arange(fan_in, dtype=np.int64)[None, :]
    if fan_in > cols:
        weight_row = neuron * ceil(fan_in / cols) + index // cols
        column = index % cols
    else:
        segment = next_pow2(fan_in)
        per_row = max(1, cols // segment)
        weight_row = neuron // per_row
        column = (neuron % per_row) * segment + index
    weight_row, column = np.broadcast_arrays(weight_row, column)
    return WeightPositions(array=(weight_row // rows).reshape(weight_shape),
                           row=(weight_row % rows).reshape(weight_shape),
                           column=column.reshape(weight_shape))
