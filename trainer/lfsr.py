"""Maximal-length linear-feedback shift registers.

Feedback taps are those of Xilinx XAPP052 ("Efficient Shift Registers, LFSR Counters, and Long
Pseudo-Random Sequence Generators", Table 3): for each width they give a period of
2**width - 1. Tap n (1-based) is state bit n - 1; the register shifts left and the XOR of the
tapped bits enters at bit 0, so the all-zero state is the one state never reached.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_TAPS: dict[int, tuple[int, ...]] = {
    3: (3, 2), 4: (4, 3), 5: (5, 3), 6: (6, 5), 7: (7, 6), 8: (8, 6, 5, 4), 9: (9, 5),
    10: (10, 7), 11: (11, 9), 12: (12, 6, 4, 1), 13: (13, 4, 3, 1), 14: (14, 5, 3, 1),
    15: (15, 14), 16: (16, 15, 13, 4), 17: (17, 14), 18: (18, 11), 19: (19, 6, 2, 1),
    20: (20, 17), 21: (21, 19), 22: (22, 21), 23: (23, 18), 24: (24, 23, 22, 17),
    25: (25, 22), 26: (26, 6, 2, 1), 27: (27, 5, 2, 1), 28: (28, 25), 29: (29, 27),
    30: (30, 6, 4, 1), 31: (31, 28), 32: (32, 22, 2, 1),
}  # fmt: skip


def tap_mask(width: int, taps: Sequence[int]) -> int:
    if not taps or any(not 1 <= t <= width for t in taps):
        raise ValueError(f"LFSR taps must lie in 1..{width}, got {list(taps)}")
    mask = 0
    for tap in taps:
        mask |= 1 << (tap - 1)
    return mask


def lfsr_states(seeds: np.ndarray, width: int, taps: Sequence[int], length: int) -> np.ndarray:
    """States of one LFSR per seed over `length` cycles: shape (length, len(seeds)).

    Cycle 0 holds the seed itself. Vectorised over registers, sequential over cycles.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    full = (1 << width) - 1
    if np.any(seeds <= 0) or np.any(seeds > full):
        raise ValueError(f"LFSR seeds must be non-zero {width}-bit states")
    mask = tap_mask(width, taps)
    states = np.empty((length, seeds.size), dtype=np.int64)
    state = seeds.copy()
    for t in range(length):
        states[t] = state
        feedback = _parity(state & mask)
        state = ((state << 1) | feedback) & full
    return states


def _parity(values: np.ndarray) -> np.ndarray:
    """Parity of each 64-bit integer by folding."""
    v = values.copy()
    for shift in (32, 16, 8, 4, 2, 1):
        v ^= v >> shift
    return v & 1


class ScalarLFSR:
    """One LFSR on a Python int, a cycle at a time: the reference `lfsr_states` is tested
    against (shift left, the XOR of the tapped bits enters at bit 0)."""

    def __init__(self, width: int, taps: Sequence[int], state: int):
        self.width, self.taps, self.state = width, tuple(taps), state

    def step(self) -> int:
        """Return the current state and advance one cycle."""
        current = self.state
        feedback = 0
        for tap in self.taps:
            feedback ^= (current >> (tap - 1)) & 1
        self.state = ((current << 1) | feedback) & ((1 << self.width) - 1)
        return current
