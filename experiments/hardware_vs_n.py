"""Hardware against N for the Fashion-MNIST MLP 784-1024-1024-10, on every organisation, with
the measured accuracy at each N: where SC saves area or energy, and at what accuracy.

Costs come from `hwmodel` (default preset, 256x256 arrays, 16 tiles for shared designs, ripple
popcounts, every organisation reading one row of each array at once: the neuron-parallel
design that senses every row at once is far over the buildability limits, `hw
--paper-check`); accuracies are the 3-seed means of docs/reproduction.md section 1
(`codesign/data/fmnist_accuracy_vs_n.json`, or --accuracy). Each SNG kind maps to its hardware
generator through `codesign.problem.kinds` (ideal -> MTJ true RNG); each SC design uses the
dataflows its generator allows, and each baseline the dataflow it pairs with
(`codesign.problem.paper_check`).

    python experiments/hardware_vs_n.py docs/fmnist_hardware.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from codesign.problem.kinds import sng_source  # noqa: E402
from codesign.problem.paper_check import (  # noqa: E402
    ACCURACY_FILE,
    BASELINES,
    PAPER,
    dataflows_for,
    load_accuracy,
)
from hwmodel import (  # noqa: E402
    FirstLayerDataflow,
    FirstLayerMode,
    Organisation,
    evaluate_batch,
    load_technology,
    mlp_workload,
)
from trainer.config import SNGKind  # noqa: E402

LENGTHS = np.array([1, 2, 4, 8, 16, 32, 64])
COMMON = {"tiles": 16, "array_rows": 256, "popcount_circuit": "ripple_tree"}
BASELINE_DATAFLOW = {"fixed_point_parallel": "reread", "fixed_point_bit_serial": "row_latched"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the figure (PNG)")
    parser.add_argument("--accuracy", type=Path, default=ACCURACY_FILE)
    args = parser.parse_args()
    accuracy = load_accuracy(args.accuracy)
    technology = load_technology("stt_mram_28nm")
    network = PAPER.network
    workload = mlp_workload(network[0], list(network[1:-1]), network[-1])
    organisations = Organisation.names()

    figure, axes = plt.subplots(2, len(organisations), figsize=(5.2 * len(organisations), 8.5),
                                constrained_layout=True, sharey="row")
    print(f"conventional test accuracy: {100 * accuracy.conventional:.2f}%")
    print("| organisation | design | N | test accuracy % | energy pJ | area mm2 | "
          "parallel / SC energy | bit-serial / SC energy | area saved vs parallel |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for column, organisation in enumerate(organisations):
        energy_axis, accuracy_axis = axes[0, column], axes[1, column]
        base = {}
        for baseline in BASELINES:
            result = evaluate_batch(workload, technology, organisation=organisation,
                                    first_layer_mode=baseline,
                                    first_layer_dataflow=BASELINE_DATAFLOW[baseline],
                                    sng_kind="none", **COMMON)
            base[baseline] = (float(result.energy_pj[0]), float(result.area_mm2[0]))
            style = "--" if baseline == "fixed_point_parallel" else "-."
            label = f"conventional, {FirstLayerMode.get(baseline).short}"
            energy_axis.axhline(base[baseline][0], color="k", linestyle=style, label=label)
            accuracy_axis.scatter([base[baseline][0]], [100 * accuracy.conventional],
                                  marker="s" if style == "--" else "D", color="k", zorder=3,
                                  label=label)
        parallel, serial = base["fixed_point_parallel"], base["fixed_point_bit_serial"]
        for sng in (SNGKind.IDEAL, SNGKind.SOBOL):
            measured = accuracy.sc[sng]
            for dataflow in dataflows_for(sng_source(sng)):
                result = evaluate_batch(workload, technology, organisation=organisation,
                                        first_layer_mode="sc", first_layer_dataflow=dataflow,
                                        sng_kind=sng_source(sng).generator,
                                        bitstream_length=LENGTHS, **COMMON)
                label = f"SC {sng.value}, {FirstLayerDataflow.get(dataflow).short}"
                energy_axis.plot(LENGTHS, result.energy_pj, marker="o", label=label)
                accuracies = [100 * measured[int(n)] for n in LENGTHS]
                accuracy_axis.plot(result.energy_pj, accuracies, marker="o", label=label)
                for index, n in enumerate(LENGTHS):
                    energy, area = float(result.energy_pj[index]), float(result.area_mm2[index])
                    print(f"| {Organisation.get(organisation).short} | {label} | {n} | "
                          f"{accuracies[index]:.2f} | {energy:,.0f} | {area:.4f} | "
                          f"{parallel[0] / energy:.2f} | {serial[0] / energy:.2f} | "
                          f"{100 * (1 - area / parallel[1]):.1f}% |")
        for baseline, (energy, area) in base.items():
            print(f"| {Organisation.get(organisation).short} | conventional, "
                  f"{FirstLayerMode.get(baseline).short} | - | "
                  f"{100 * accuracy.conventional:.2f} | {energy:,.0f} | {area:.4f} | | | |")
        energy_axis.set(xscale="log", yscale="log", xlabel="bitstream length N",
                        title=f"{organisation}: energy per inference")
        accuracy_axis.axhline(100 * accuracy.conventional - PAPER.accuracy_cost_points,
                              color="0.5", linestyle=":",
                              label=f"conventional - {PAPER.accuracy_cost_points} points")
        accuracy_axis.set(xscale="log", xlabel="energy per inference (pJ)",
                          title=f"{organisation}: accuracy against energy")
        for axis in (energy_axis, accuracy_axis):
            axis.xaxis.set_minor_formatter(NullFormatter())
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7)
    axes[0, 0].set_ylabel("energy per inference (pJ)")
    axes[1, 0].set_ylabel("test accuracy (%), mean of 3 seeds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
