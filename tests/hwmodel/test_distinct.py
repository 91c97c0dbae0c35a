"""The linear-time distinct values against numpy's sort-based `np.unique`."""

import numpy as np
import pytest

from hwmodel.distinct import LOOKUP_KEYS, distinct_values


@pytest.mark.parametrize("values", [
    np.random.default_rng(0).integers(0, 300, 5000),  # small keys: the look-up table
    np.random.default_rng(1).integers(0, 300, (40, 50)).astype(float),  # whole floats, 2-D
    np.array([LOOKUP_KEYS + 5, 3, LOOKUP_KEYS + 5, 7]),  # large keys: sorted
    np.array([-2, 5, -2]),  # negative: sorted
    np.array([150.5, 100.0, 150.5]),  # not whole: sorted, values kept
    np.array([42]),
])
def test_distinct_values_equal_numpy_unique(values):
    distinct, position = distinct_values(values)
    expected, inverse = np.unique(np.ravel(values), return_inverse=True)
    assert np.array_equal(distinct, expected)
    assert np.array_equal(position, inverse)
    assert np.array_equal(distinct[position], np.ravel(values))
