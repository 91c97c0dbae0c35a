"""Distinct values of a non-negative integer column, in linear time.

A sweep of a million designs holds a handful of tree shapes, array widths and read voltages.
Formulas that are costly per value (a tree's adder count, a Hsiao code, a Gaussian tail) run
once per distinct value and are gathered back; finding the distinct values by a look-up table
indexed by the value (linear time) is much cheaper than sorting the column.
"""

from __future__ import annotations

import numpy as np

LOOKUP_KEYS = 1 << 22  # values below this are found by a look-up table, above by a sort


def distinct_values(values) -> tuple[np.ndarray, np.ndarray]:
    """(distinct, position): the sorted distinct values of a column, flattened, and for each
    entry the index of its value in `distinct` (`distinct[position]` is the column). Whole
    numbers in [0, LOOKUP_KEYS) take the linear path; anything else is sorted."""
    values = np.asarray(values).ravel()
    keys = values.astype(np.int64)
    if values.dtype.kind == "f" and not np.array_equal(keys, values):
        return np.unique(values, return_inverse=True)
    if keys.size and keys.min() >= 0 and keys.max() < LOOKUP_KEYS:
        present = np.zeros(keys.max() + 1, dtype=bool)
        present[keys] = True
        distinct = np.flatnonzero(present)
        index = np.empty(present.size, dtype=np.intp)  # read only where a value is present
        index[distinct] = np.arange(distinct.size)
        return distinct, index[keys]
    return np.unique(keys, return_inverse=True)
