"""Simulate a synthesized gate netlist on many input vectors and count its gates' toggles.

Synthesis (`rtl.synthesis.synthesized_netlist`) leaves a combinational netlist of Yosys'
generic gates ($_AND_, $_NAND_, $_OR_, $_NOR_, $_XOR_, $_XNOR_, $_MUX_, $_NOT_, $_BUF_). This
module evaluates it, gate by gate in topological order, on a batch of input vectors at once
(numpy booleans, one row per vector), and counts how often each gate's output changes
between consecutive vectors: the switching activity that a gate's energy follows.

A gate's activity is stated relative to its activity under independent uniformly random
inputs (`RANDOM_TOGGLE_RATE`: 2 x 1/4 x 3/4 = 0.375 for the AND/OR family, 1/2 for XOR, an
inverter and a multiplexer): a gate at relative activity 1 spends its nominal energy per
evaluation, the convention of the hardware model's gate energies. Sequential cells are not
simulated (the blocks measured this way are combinational).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

GATES = {
    "$_AND_": lambda p: p["A"] & p["B"],
    "$_NAND_": lambda p: ~(p["A"] & p["B"]),
    "$_OR_": lambda p: p["A"] | p["B"],
    "$_NOR_": lambda p: ~(p["A"] | p["B"]),
    "$_XOR_": lambda p: p["A"] ^ p["B"],
    "$_XNOR_": lambda p: ~(p["A"] ^ p["B"]),
    "$_MUX_": lambda p: np.where(p["S"], p["B"], p["A"]),
    "$_NOT_": lambda p: ~p["A"],
    "$_BUF_": lambda p: p["A"],
}
RANDOM_TOGGLE_RATE = {"$_AND_": 0.375, "$_NAND_": 0.375, "$_OR_": 0.375, "$_NOR_": 0.375,
                      "$_XOR_": 0.5, "$_XNOR_": 0.5, "$_MUX_": 0.5, "$_NOT_": 0.5, "$_BUF_": 0.5}


@dataclass(frozen=True)
class Activity:
    """What a simulation found: the output ports' values (vectors, width) and each gate's
    toggles per transition between consecutive vectors, relative to random inputs."""

    outputs: dict[str, np.ndarray]
    relative_activity: dict[str, float]  # gate name -> toggle rate / its random-input rate
    gate_types: dict[str, str]  # gate name -> Yosys type

    def weighted(self, energy_by_type: Mapping[str, float]) -> float:
        """Energy per vector: each gate's energy per evaluation times its relative activity."""
        return sum(energy_by_type[self.gate_types[name]] * activity
                   for name, activity in self.relative_activity.items())


def simulate(module: dict, inputs: Mapping[str, np.ndarray]) -> Activity:
    """Evaluate a Yosys JSON module on `inputs` (port name -> (vectors, width) of 0/1, bit
    0 first) and count its gates' toggles."""
    vectors = len(next(iter(inputs.values())))
    nets: dict[object, np.ndarray] = {"0": np.zeros(vectors, bool), "1": np.ones(vectors, bool)}
    for name, port in module["ports"].items():
        if port["direction"] == "input":
            values = np.asarray(inputs[name], dtype=bool).reshape(vectors, -1)
            for index, bit in enumerate(port["bits"]):
                nets[bit] = values[:, index]
    cells = module["cells"]
    unknown = {cell["type"] for cell in cells.values()} - set(GATES)
    if unknown:
        raise ValueError(f"cannot simulate gates {sorted(unknown)} (combinational only)")
    driver = {cell["connections"]["Y"][0]: name for name, cell in cells.items()}
    values: dict[str, np.ndarray] = {}

    def value_of(bit) -> np.ndarray:
        if bit not in nets:
            nets[bit] = evaluate(driver[bit])
        return nets[bit]

    def evaluate(name: str) -> np.ndarray:
        stack = [name]
        while stack:  # iterative depth-first: deep XOR chains exceed Python's recursion
            current = stack[-1]
            pending = [driver[b] for pin, (b,) in cells[current]["connections"].items()
                       if pin != "Y" and b not in nets and driver[b] not in values]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if current not in values:
                pins = {pin: nets[b] if b in nets else values[driver[b]]
                        for pin, (b,) in cells[current]["connections"].items() if pin != "Y"}
                values[current] = GATES[cells[current]["type"]](pins)
        return values[name]

    for name in cells:
        evaluate(name)
    outputs = {name: np.stack([value_of(bit) for bit in port["bits"]], axis=1)
               for name, port in module["ports"].items() if port["direction"] == "output"}
    transitions = max(vectors - 1, 1)
    activity = {name: float(np.count_nonzero(out[1:] != out[:-1])) / transitions
                / RANDOM_TOGGLE_RATE[cells[name]["type"]] for name, out in values.items()}
    return Activity(outputs=outputs, relative_activity=activity,
                    gate_types={name: cell["type"] for name, cell in cells.items()})
