"""How a layer is laid out on fixed-geometry arrays and scheduled on the tiles.

Shared conventions of the scalar (`evaluate`) and batch (`batch`) evaluators; each evaluator
implements them on its own (plain Python there, numpy here) and a test holds them equal.

Layout: one array row holds a slice of one neuron's weights (fan-in along the columns,
neurons along the rows). A neuron with fan_in > cols spans ceil(fan_in / cols) rows (slices);
neurons with fan_in <= cols are packed floor(cols / next_pow2(fan_in)) to a row, each in an
aligned power-of-two segment so that the popcount tree's intermediate sums are the per-neuron
counts. Hidden layers also store one threshold word per neuron, acc_bits wide, in extra rows.

Schedule: layers run one after another; within a layer, each pass reads every weight row once
per output position, and tiles work on different arrays in parallel (an array delivers one
row per cycle), so a layer takes ceil(row_reads / min(tiles, arrays)) cycles plus the pipeline
fill of each pass.
"""

from __future__ import annotations

import math

# read + sense | XNOR + popcount | accumulate + threshold: three register-to-register stages
# (the cycle time of the preset is sized for an STT-MRAM read, the longest of them).
PIPELINE_DEPTH_CYCLES = 3


def next_pow2(value: int) -> int:
    return 1 << max(0, math.ceil(math.log2(value))) if value > 1 else 1


def neurons_per_row(fan_in: int, cols: int) -> int:
    if fan_in > cols:
        return 1
    return max(1, cols // next_pow2(fan_in))


def slices(fan_in: int, cols: int) -> int:
    return math.ceil(fan_in / cols)


def bit_length(value: int) -> int:
    """Bits of an unsigned register holding 0..value."""
    return int(value).bit_length()
