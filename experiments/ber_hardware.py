"""What tolerating bit errors saves: the cheapest device choices for a weight bit-error rate,
under the hardware model's device model, for the Fashion-MNIST MLP 784-1024-1024-10.

For each target rate, every device choice (cell 1t1mtj or 2t2mtj, read voltage 50-300 mV in
10 mV steps, ECC none or SEC-DED) is costed for the SC design (MTJ true RNGs, N = 16, first-layer
merge, reread) and the conventional one (parallel fixed-point first layer), both on 16 shared
tiles of 256 x 256 arrays; the one with the least energy per inference among those whose
weight bit-error rate meets the target is listed, and the one with the least area (ties: least
energy), each against the cheapest design of a memory-grade target (1e-9). With runs of
`ber_tolerance.py`, each row also gives the measured test accuracy (mean of seeds) at the
smallest tested rate at or above the design's rate (so never better than the design gets).

    python experiments/ber_hardware.py [runs/experiments/ber/fashion_mnist]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from plot_ber_tolerance import load

from hwmodel import evaluate_batch, load_technology, mlp_workload

TARGETS = [1e-9, 1e-6, 1e-4, 1e-3, 3e-3, 1e-2]
VOLTAGES = np.arange(50, 301, 10)
DESIGNS = {  # network name in the runs -> the first layer it deploys with
    "sc_adapted": {"first_layer_mode": "sc", "sng_kind": "mtj_trng", "bitstream_length": 16},
    "conventional": {"first_layer_mode": "fixed_point_parallel", "sng_kind": "none"},
}


def device_grid() -> dict[str, np.ndarray]:
    cells, voltages, eccs = np.meshgrid(["1t1mtj", "2t2mtj"], VOLTAGES, ["none", "secded"],
                                        indexing="ij")
    return {"mram_cell": cells.ravel(), "read_voltage_mv": voltages.ravel(),
            "ecc": eccs.ravel()}


def accuracy_at(run: dict | None, ber: float) -> str:
    if run is None:
        return "-"
    tested = [b for b in run["bers"] if b >= ber]
    if not tested:
        return "-"
    index = run["bers"].index(min(tested))
    return f"{100 * run['by_seed'][:, index].mean():.2f} (at {run['bers'][index]:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="?", help="ber_tolerance.py runs (optional)")
    args = parser.parse_args()
    runs = load(args.runs) if args.runs else {}
    technology = load_technology("stt_mram_28nm")
    workload = mlp_workload(784, [1024, 1024], 10)
    grid = device_grid()
    for name, first_layer in DESIGNS.items():
        result = evaluate_batch(workload, technology, tiles=16, **first_layer, **grid)
        print(f"\n### {name} ({first_layer['first_layer_mode']})\n")
        print("| target BER | least | cell | read mV | ECC | weight BER | energy pJ | "
              "area mm^2 | saved vs 1e-9 | test accuracy % |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        reference: dict[str, float] = {}
        for target in TARGETS:
            meets = np.flatnonzero(result.weight_error_rate <= target)
            for least, first, second in (("energy", result.energy_pj, result.area_mm2),
                                         ("area", result.area_mm2, result.energy_pj)):
                best = meets[np.lexsort((second[meets], first[meets]))[0]]
                reference.setdefault(least, first[best])
                print(f"| {target:g} | {least} | {grid['mram_cell'][best]} | "
                      f"{grid['read_voltage_mv'][best]} | {grid['ecc'][best]} | "
                      f"{result.weight_error_rate[best]:.2g} | {result.energy_pj[best]:,.0f} | "
                      f"{result.area_mm2[best]:.4f} | "
                      f"{1 - first[best] / reference[least]:.1%} {least} | "
                      f"{accuracy_at(runs.get(name), result.weight_error_rate[best])} |")


if __name__ == "__main__":
    main()
