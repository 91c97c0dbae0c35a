"""First-layer modes: how layer 1 meets the 8-bit pixels.

* `sc`: stochastic bitstreams of length N from SNGs; layer 1 runs N times on binary inputs.
* `fixed_point_parallel`: the conventional BNN with a multi-bit datapath: each lane negates
  its B-bit pixel by the weight sign (B XOR gates; the +1 of two's complement is a per-neuron
  constant folded into the threshold) and a multi-bit adder tree sums B+1-bit operands.
* `fixed_point_bit_serial`: the conventional BNN on the binary datapath: with
  x = sum_b 2^b x_b, sum_i w_i (2 x_i - (2^B - 1)) = sum_b 2^b (2 pop_b - F), so layer 1 runs
  once per input bit-plane and a shift-add accumulator combines the planes.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwmodel.kinds import Kind


class FirstLayerMode(Kind):
    family: ClassVar[str] = "first-layer mode"
    registry: ClassVar[dict[str, Kind]] = {}
    stochastic: ClassVar[bool] = False  # needs an SNG bank
    multibit_datapath: ClassVar[bool] = False  # multi-bit tree and negation lanes
    signed: ClassVar[bool] = True  # layer 1's count is a signed sum of +-pixels

    def repetitions(self, n, input_bits):
        """Times layer 1 runs per inference."""
        raise NotImplementedError

    def value_range(self, n, input_bits, output_merge):
        """Largest value one layer-1 input adds to a neuron's accumulated count."""
        raise NotImplementedError


class Stochastic(FirstLayerMode):
    name = "sc"
    description = "stochastic bitstreams of length N (SNG bank, binary first layer)"
    stochastic = True
    signed = False

    def repetitions(self, n, input_bits):
        return np.asarray(n, dtype=float)

    def value_range(self, n, input_bits, output_merge):
        # first-layer merge: N bits accumulated over the passes; output merge: one per pass
        return np.where(output_merge, 1.0, n)


class FixedPointParallel(FirstLayerMode):
    name = "fixed_point_parallel"
    short = "parallel"
    description = "conventional BNN: multi-bit adder datapath for layer 1"
    multibit_datapath = True

    def repetitions(self, n, input_bits):
        return np.ones_like(np.asarray(n, dtype=float))

    def value_range(self, n, input_bits, output_merge):
        return 2.0**input_bits - 1.0


class FixedPointBitSerial(FirstLayerMode):
    name = "fixed_point_bit_serial"
    short = "bit-serial"
    description = "conventional BNN: the binary datapath once per input bit-plane"

    def repetitions(self, n, input_bits):
        return np.asarray(input_bits, dtype=float) + 0.0 * np.asarray(n)

    def value_range(self, n, input_bits, output_merge):
        return 2.0**input_bits - 1.0
