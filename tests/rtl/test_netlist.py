"""The gate-netlist simulator: values and toggles of a hand-made Yosys JSON netlist."""

from __future__ import annotations

import numpy as np
import pytest

from rtl.netlist import simulate

# y = (a AND b) XOR (NOT c): nets 2, 3, 4 are a, b, c; 5 = a AND b; 6 = NOT c; 7 = y
MODULE = {
    "ports": {"a": {"direction": "input", "bits": [2]},
              "b": {"direction": "input", "bits": [3]},
              "c": {"direction": "input", "bits": [4]},
              "y": {"direction": "output", "bits": [7]}},
    "cells": {"xor": {"type": "$_XOR_", "connections": {"A": [5], "B": [6], "Y": [7]}},
              "and": {"type": "$_AND_", "connections": {"A": [2], "B": [3], "Y": [5]}},
              "not": {"type": "$_NOT_", "connections": {"A": [4], "Y": [6]}}},
}


def test_values_and_relative_toggles_of_a_small_netlist():
    a = np.array([0, 1, 1, 1, 0])
    b = np.array([0, 1, 1, 0, 0])
    c = np.array([0, 0, 1, 1, 1])
    activity = simulate(MODULE, {"a": a[:, None], "b": b[:, None], "c": c[:, None]})
    np.testing.assert_array_equal(activity.outputs["y"][:, 0], (a & b) ^ (1 - c))
    # and: 0 1 1 0 0 -> 2 toggles in 4 transitions, random rate 0.375
    # not: 1 1 0 0 0 -> 1; xor: 1 0 1 0 0 -> 3 (random rate 0.5 each)
    assert activity.relative_activity["and"] == pytest.approx(0.5 / 0.375)
    assert activity.relative_activity["not"] == pytest.approx(0.25 / 0.5)
    assert activity.relative_activity["xor"] == pytest.approx(0.75 / 0.5)
    energy = activity.weighted({"$_AND_": 3.0, "$_NOT_": 1.0, "$_XOR_": 2.0})
    assert energy == pytest.approx(3.0 * 0.5 / 0.375 + 1.0 * 0.5 + 2.0 * 1.5)


def test_random_inputs_toggle_each_gate_at_its_random_rate():
    rng = np.random.default_rng(0)
    inputs = {name: rng.integers(0, 2, (200_000, 1)) for name in "abc"}
    activity = simulate(MODULE, inputs)
    assert activity.relative_activity["and"] == pytest.approx(1.0, abs=0.02)
    assert activity.relative_activity["not"] == pytest.approx(1.0, abs=0.02)


def test_a_sequential_cell_is_refused():
    module = {**MODULE, "cells": {**MODULE["cells"], "ff": {
        "type": "$_DFF_P_", "connections": {"C": [2], "D": [3], "Q": [8]}}}}
    with pytest.raises(ValueError, match="cannot simulate gates"):
        simulate(module, {name: np.zeros((2, 1)) for name in "abc"})
