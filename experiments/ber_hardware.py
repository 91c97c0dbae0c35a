"""What tolerating bit errors saves over a chip's life: the cheapest device choices that keep
the weight bit-error rate under a target at the end of life, at room temperature and at 85 C,
for the Fashion-MNIST MLP 784-1024-1024-10 under the hardware model's device model.

The claim redone (Hirtzlin et al., NANOARCH 2019, arXiv:1908.04085): BNNs tolerate STT-MRAM
bit-error rates up to ~1e-3 without ECC, so the reads can be relaxed (about 2x less read energy).
For each target rate, every device choice (cell 1t1mtj or 2t2mtj, read voltage 30-310 mV in
10 mV steps, ECC none or SEC-DED, refresh never, every 10 minutes, hour or day) is costed for
the SC design (MTJ true RNGs, N = 16, first-layer merge, reread) and the conventional one
(parallel fixed-point first layer), both on 16 shared tiles of 256 x 256 arrays, with the
preset's lifetime (10 years, 30 inferences a second). Its weight bit-error rate is the one at
an age with the whole life at one temperature (`CONDITIONS`: a day old at 27 C, the
pre-lifetime model's view; the end of life at 27 C; the end of life at 85 C; and the same
always on, every design running back to back at its own throughput instead of 30/s).
Listed: the choice with the least energy per inference among those that meet the target, and
the one with the least area (ties: least energy), each against the cheapest choice that
meets the memory-grade target (1e-9), at the same temperature; the read path's energy (arrays,
sense amplifiers, ECC decoders, refresh) beside the total. With runs of `ber_tolerance.py`,
each row also gives the measured test accuracy (mean of seeds) at the smallest tested rate at
or above the design's rate (never better than the design gets).

    python experiments/ber_hardware.py [runs/experiments/ber/fashion_mnist] [--markdown]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from plot_ber_tolerance import load

from hwmodel import evaluate_batch, load_technology, mlp_workload

TARGETS = [1e-9, 1e-6, 1e-4, 1e-3, 3e-3, 1e-2]
REFERENCE = 1e-9
VOLTAGES = np.arange(30, 311, 10)
REFRESH_S = [0, 600, 3600, 86400]
CONDITIONS = {  # label -> the device spec's rating: its age and temperature
    "1 day, 27 C": {"age_s": 86400.0, "rated_temperature": "operating"},
    "10 years, 27 C": {"age_s": None, "rated_temperature": "operating"},
    "10 years, 85 C": {"age_s": None, "rated_temperature": "worst_case"},
    "10 years, 85 C, always on": {"age_s": None, "rated_temperature": "worst_case",
                                  "duty_inferences_per_s": 1e9},  # capped at the throughput
}
READ_PATH = ("mram_arrays", "sense_amplifiers", "ecc", "refresh")
DESIGNS = {  # network name in the runs -> the first layer it deploys with
    "sc_adapted": {"first_layer_mode": "sc", "sng_kind": "mtj_trng", "bitstream_length": 16},
    "conventional": {"first_layer_mode": "fixed_point_parallel", "sng_kind": "none"},
}


def device_grid() -> dict[str, np.ndarray]:
    cells, voltages, eccs, refresh = np.meshgrid(["1t1mtj", "2t2mtj"], VOLTAGES,
                                                 ["none", "secded"], REFRESH_S, indexing="ij")
    return {"mram_cell": cells.ravel(), "read_voltage_mv": voltages.ravel(),
            "ecc": eccs.ravel(), "refresh_period_s": refresh.ravel()}


def accuracy_at(run: dict | None, ber: float) -> str:
    if run is None:
        return "-"
    tested = [b for b in run["bers"] if b >= ber]
    if not tested:
        return "-"
    index = run["bers"].index(min(tested))
    return f"{100 * run['by_seed'][:, index].mean():.2f} (at {run['bers'][index]:g})"


def choice_words(grid: dict[str, np.ndarray], index: int) -> str:
    refresh = int(grid["refresh_period_s"][index])
    return (f"{grid['mram_cell'][index]}, {grid['read_voltage_mv'][index]} mV, "
            f"{'SEC-DED' if grid['ecc'][index] == 'secded' else 'no ECC'}, "
            f"{'no refresh' if refresh == 0 else f'refresh {refresh} s'}")


def evaluate_condition(condition: str, design: dict, grid: dict):
    technology = load_technology("stt_mram_28nm")
    technology = technology.model_copy(update={"device_errors": technology.device_errors
                                               .model_copy(update=CONDITIONS[condition])})
    workload = mlp_workload(784, [1024, 1024], 10)
    return evaluate_batch(workload, technology, tiles=16, **design, **grid)


def best(result, meets: np.ndarray, least: str) -> int:
    first, second = ((result.energy_pj, result.area_mm2) if least == "energy"
                     else (result.area_mm2, result.energy_pj))
    return int(meets[np.lexsort((second[meets], first[meets]))[0]])


def rows(name: str, condition: str, runs: dict) -> list[list[str]]:
    grid = device_grid()
    result = evaluate_condition(condition, DESIGNS[name], grid)
    read_energy = sum(result.energy_by_component_pj[c] for c in READ_PATH)
    out, reference = [], {}
    for target in TARGETS:
        meets = np.flatnonzero(result.weight_error_rate <= target)
        if meets.size == 0:
            out.append([name, condition, f"{target:g}", "-",
                        "no device choice reaches it", *["-"] * 6])
            continue
        for least in ("energy", "area"):
            index = best(result, meets, least)
            value = result.energy_pj[index] if least == "energy" else result.area_mm2[index]
            reference.setdefault(least, (value, read_energy[index])
                                 if target == REFERENCE else None)
            ref = reference.get(least)
            saved = f"{1 - value / ref[0]:.1%}" if ref else "-"
            read_ratio = f"{ref[1] / read_energy[index]:.2f}x" if ref else "-"
            out.append([name, condition, f"{target:g}", least,
                        choice_words(grid, index), f"{result.weight_error_rate[index]:.2g}",
                        f"{result.energy_pj[index]:,.0f}", f"{result.area_mm2[index]:.4f}",
                        saved, read_ratio, accuracy_at(runs.get(name),
                                                       result.weight_error_rate[index])])
    return out


HEADER = ["design", "age, temperature", "target BER", "least", "device choice", "weight BER",
          "energy pJ", "area mm^2", "saved vs 1e-9", "read energy 1e-9 / this",
          "test accuracy %"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="?", help="ber_tolerance.py runs (optional)")
    parser.add_argument("--markdown", action="store_true", help="markdown tables")
    args = parser.parse_args()
    runs = load(args.runs) if args.runs else {}
    for name in DESIGNS:
        for condition in CONDITIONS:
            table = rows(name, condition, runs)
            print(f"\n### {name}, rates at {condition}\n")
            if args.markdown:
                print("| " + " | ".join(HEADER) + " |")
                print("| " + " | ".join("---" for _ in HEADER) + " |")
                for row in table:
                    print("| " + " | ".join(row) + " |")
            else:
                for row in table:
                    print("  ".join(row))


if __name__ == "__main__":
    main()
