"""Runs inside the peers' own Python (>= 3.12, hwcomponents installed), never in the project's.

Reads a JSON list of queries on stdin, writes a JSON list of results on stdout. A query names
a plug-in module, a class, its keyword arguments and the actions to price:

    {"module": "hwcomponents_neurosim", "class": "FlipFlop",
     "args": {"tech_node": 2.8e-08, "cycle_period": 5e-09, "n_bits": 1}, "actions": ["read"]}

A result has `area_um2`, `leak_uw` and `energy_fj` per action, or `error` (one line). An
argument `cell_config` that names a sample cell of hwcomponents-neurosim ("nvsim_STTRAM") is
replaced by that file's path. Only the standard library and the plug-ins are imported here.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys


def resolve_cell(module, args: dict) -> dict:
    name = args.get("cell_config")
    if name and not os.path.exists(name):
        sample = os.path.join(os.path.dirname(module.__file__), "cells", f"{name}.cell")
        return {**args, "cell_config": sample}
    return args


def price(query: dict) -> dict:
    module = importlib.import_module(query["module"])
    component = getattr(module, query["class"])(**resolve_cell(module, query["args"]))
    return {
        "area_um2": component.area * 1e12,
        "leak_uw": component.leak_power * 1e6,
        "energy_fj": {action: getattr(component, action)().energy * 1e15
                      for action in query["actions"]},
    }


def main() -> int:
    logging.disable(logging.WARNING)  # the plug-ins log every NeuroSim call
    results = []
    for query in json.load(sys.stdin):
        try:
            results.append(price(query))
        except Exception as exc:  # one peer component failing must not stop the others
            results.append({"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]})
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
