"""The linear-time distinct values against numpy's sort-based `np.unique`, and a categorical
column's fast paths (`Column.select`, `Column.select_distinct`) against a loop over designs."""

import numpy as np
import pytest

from hwmodel.components.sng import Generator
from hwmodel.distinct import LOOKUP_KEYS, distinct_values
from hwmodel.kinds import Column, category_masks


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


# --- a categorical column's fast paths against a loop over designs --------------------------

def _generator_column(seed: int, names: tuple[str, ...], size: int = 400):
    values = np.random.default_rng(seed).choice(names, size)
    return Column(Generator, category_masks(values, (*Generator.names(), "none"))), values


@pytest.mark.parametrize("names", [("lfsr", "sobol", "mtj_trng", "none"), ("sobol",),
                                   ("lfsr", "none"), ("none",)])
def test_select_and_select_distinct_equal_a_loop_over_designs(names):
    column, values = _generator_column(len(names), names)
    rng = np.random.default_rng(7)
    bits = rng.integers(1, 9, column.shape)
    width = rng.integers(3, 33, column.shape).astype(float)

    def per_design(index):
        if values[index] == "none":
            return 0.0, 0.0
        kind = Generator.get(values[index])
        primitives = kind.primitives(float(bits[index]), float(width[index]))
        return primitives.flip_flops, float(kind.deterministic)

    expected = np.array([per_design(i) for i in range(len(values))])
    selected = column.select(lambda kind: kind.primitives(bits, width).flip_flops)
    assert np.array_equal(selected, expected[:, 0])
    assert np.array_equal(column.select(lambda kind: float(kind.deterministic)), expected[:, 1])
    flip_flops, deterministic = column.select_distinct(
        lambda kind, b, w: (kind.primitives(b, w).flip_flops,
                            float(kind.deterministic) + 0 * b), bits, width, outputs=2)
    assert np.array_equal(flip_flops, expected[:, 0])
    assert np.array_equal(deterministic, expected[:, 1])
    assert np.array_equal(column.codes == len(column.present), values == "none")
