"""Hardware against N for the Fashion-MNIST MLP 784-1024-1024-10, and the paper's two
hardware claims placed on our accuracy-energy and accuracy-area fronts.

Costs come from `hwmodel` (default preset, 16 tiles, 256x256 arrays); accuracies from the runs
of `fmnist_accuracy_vs_n.py` (mean over seeds). The SC hardware of an `ideal` SNG is the MTJ
true RNG; LFSR and Sobol map to their own generators.

    python experiments/hardware_vs_n.py runs/experiments/fashion_mnist docs/fmnist_hardware.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plot_accuracy_vs_n import load_runs  # noqa: E402

from hwmodel import evaluate_batch, load_technology, mlp_workload  # noqa: E402

LENGTHS = np.array([1, 2, 4, 8, 16, 32, 64])
TILES = 16
PAPER_AREA_REDUCTION = 0.62
PAPER_ENERGY_FACTOR, PAPER_ACCURACY_COST = 2.1, 1.4
SC_HARDWARE = {"ideal": "mtj_trng", "lfsr": "lfsr", "sobol": "sobol"}


def costs(sng: str, merge: str):
    technology = load_technology("stt_mram_28nm")
    workload = mlp_workload(784, [1024, 1024], 10)
    return evaluate_batch(workload, technology, first_layer_mode="sc", sng_kind=sng,
                          merge_point=merge, bitstream_length=LENGTHS, tiles=TILES)


def baseline(mode: str):
    technology = load_technology("stt_mram_28nm")
    result = evaluate_batch(mlp_workload(784, [1024, 1024], 10), technology,
                            first_layer_mode=mode, tiles=np.array([TILES]))
    return float(result.energy_pj[0]), float(result.area_mm2[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    runs = load_runs(args.runs)
    conventional = 100 * np.mean(runs["conventional"][1])
    base = {mode: baseline(mode) for mode in ("fixed_point_parallel", "fixed_point_bit_serial")}

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    for sng in ("ideal", "lfsr", "sobol"):
        for merge, style in (("first_layer", "-"), ("output", ":")):
            result = costs(SC_HARDWARE[sng], merge)
            label = f"SC {merge}, {SC_HARDWARE[sng]}"
            axes[0].plot(LENGTHS, result.energy_pj, style, marker="o", label=label)
            if merge == "first_layer":
                axes[1].plot(LENGTHS, result.area_mm2, style, marker="o", label=label)
    for mode, (energy, area) in base.items():
        for axis, value in ((axes[0], energy), (axes[1], area)):
            axis.axhline(value, color="k", linestyle="--" if "parallel" in mode else "-.",
                         label=f"conventional, {mode.removeprefix('fixed_point_')}")
    axes[0].set(xscale="log", yscale="log", xlabel="bitstream length N",
                ylabel="energy per inference (pJ)", title=f"energy ({TILES} tiles)")
    axes[1].set(xscale="log", xlabel="bitstream length N", ylabel="area (mm$^2$)",
                title=f"area ({TILES} tiles)")

    rows = []
    for name, sng, merge in (("adapted_first_layer_ideal", "ideal", "first_layer"),
                             ("adapted_first_layer_lfsr", "lfsr", "first_layer"),
                             ("adapted_first_layer_sobol", "sobol", "first_layer"),
                             ("adapted_output_ideal", "ideal", "output")):
        if name not in runs:
            continue
        accuracy = np.array([100 * np.mean(runs[name][n]) for n in LENGTHS])
        result = costs(SC_HARDWARE[sng], merge)
        axes[2].plot(result.energy_pj, accuracy, marker="o", label=name)
        for index, n in enumerate(LENGTHS):
            rows.append((name, int(n), accuracy[index], float(result.energy_pj[index]),
                         float(result.area_mm2[index])))
    for mode, (energy, _) in base.items():
        axes[2].scatter([energy], [conventional], marker="s", s=60, zorder=3,
                        label=f"conventional, {mode.removeprefix('fixed_point_')}")
    axes[2].axhline(conventional - PAPER_ACCURACY_COST, color="0.5", linestyle=":",
                    label=f"conventional - {PAPER_ACCURACY_COST} points")
    axes[2].set(xscale="log", xlabel="energy per inference (pJ)", ylabel="test accuracy (%)",
                title="accuracy against energy")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=130)

    print(f"conventional test accuracy (mean over seeds): {conventional:.2f}%")
    for mode, (energy, area) in base.items():
        print(f"conventional {mode}: {energy:,.0f} pJ, {area:.4f} mm2")
    print("| design | N | test accuracy % | energy pJ | area mm2 | parallel / SC energy | "
          "bit-serial / SC energy | area saved vs parallel | area saved vs bit-serial |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, n, accuracy, energy, area in rows:
        par, ser = base["fixed_point_parallel"], base["fixed_point_bit_serial"]
        print(f"| {name} | {n} | {accuracy:.2f} | {energy:,.0f} | {area:.4f} | "
              f"{par[0] / energy:.2f} | {ser[0] / energy:.2f} | "
              f"{100 * (1 - area / par[1]):.1f}% | {100 * (1 - area / ser[1]):.1f}% |")
    within = [r for r in rows if r[0] == "adapted_first_layer_ideal"
              and r[2] >= conventional - PAPER_ACCURACY_COST]
    if within:
        name, n, accuracy, energy, area = min(within, key=lambda r: r[1])
        print(f"smallest N within {PAPER_ACCURACY_COST} points (SC-adapted, ideal, first "
              f"layer): N={n}, {accuracy:.2f}%; baseline / SC energy: "
              f"{base['fixed_point_parallel'][0] / energy:.2f} (parallel), "
              f"{base['fixed_point_bit_serial'][0] / energy:.2f} (bit-serial); "
              f"the paper reports {PAPER_ENERGY_FACTOR}")


if __name__ == "__main__":
    main()
