"""Designs scored per second: the numpy batch API against the scalar `evaluate`, one run.

Fashion-MNIST MLP 784-1024-1024-10 on the default preset; random valid designs varying every
architecture field (organisation, dataflow, popcount circuit, N, tiles, array geometry, rows
sensed at once, schedule, first-layer mode and fold, merge point, SNG kind and sharing, input
bits, MRAM cell, read voltage, ECC, refresh period). Both APIs are timed round-robin and the
medians compared; a sample of designs is also checked for equal results. The scalar call is
the same evaluator on a batch of one, plus the report. The last line is the batch rate.

    python benchmarks/hw_throughput.py [--designs 100000] [--scalar-designs 500] [--rounds 5]
    python benchmarks/hw_throughput.py --corners [--designs 100000] [--rounds 5]

--corners times the nominal batch against `evaluate_corners` (the batch at the low corner,
nominal and the high corner of the preset's ranges, `hwmodel.corners`), round-robin, and
prints the cost of corners as a paired ratio.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import interleaved, spread

from hwmodel import (
    Architecture,
    evaluate,
    evaluate_batch,
    evaluate_corners,
    load_technology,
    mlp_workload,
)


def random_columns(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """Random designs over the whole space; dataflows only where they apply (else reread)."""
    mode = rng.choice(["sc", "fixed_point_parallel", "fixed_point_bit_serial"], count)
    merge = rng.choice(["first_layer", "output"], count)
    sng = rng.choice(["lfsr", "sobol", "mtj_trng"], count)
    dataflow = rng.choice(["reread", "row_latched", "row_latched_regenerated"], count)
    repeats = (mode == "fixed_point_bit_serial") | ((mode == "sc") & (merge == "first_layer"))
    dataflow = np.where(repeats, dataflow, "reread")
    regenerate_ok = (mode == "sc") & (sng != "mtj_trng")
    dataflow = np.where((dataflow == "row_latched_regenerated") & ~regenerate_ok, "row_latched",
                        dataflow)
    organisation = rng.choice(["shared_tiles", "tile_per_array", "neuron_parallel"], count)
    rows = rng.choice([64, 128, 256, 512], count)
    schedule = np.where(organisation == "shared_tiles", "sequential",
                        rng.choice(["sequential", "layer_pipelined"], count))
    return {
        "organisation": organisation,
        "schedule": schedule,
        "parallel_rows": np.minimum(rng.choice([1, 4, 16, 64, 512], count), rows),
        "first_layer_fold": rng.integers(1, 17, count),
        "first_layer_dataflow": dataflow,
        "popcount_circuit": rng.choice(["ripple_tree", "compressor_tree"], count),
        "array_rows": rows,
        "array_cols": rng.choice([64, 128, 256, 512], count),
        "tiles": rng.integers(1, 129, count),
        "first_layer_mode": mode,
        "sng_kind": sng,
        "sng_sharing": rng.integers(1, 65, count),
        "input_bits": rng.integers(4, 9, count),
        "merge_point": merge,
        "bitstream_length": rng.integers(1, 257, count),
        "mram_cell": rng.choice(["1t1mtj", "2t2mtj"], count),
        "read_voltage_mv": rng.integers(50, 301, count),
        "ecc": rng.choice(["none", "secded"], count),
        "refresh_period_s": rng.choice([0, 3600, 86400], count),
    }


def corners_cost(workload, tech, columns, rounds: int) -> None:
    """Nominal alone against the three corners, round-robin: the paired ratio."""
    designs = len(next(iter(columns.values())))
    samples = interleaved({"nominal": lambda: evaluate_batch(workload, tech, columns),
                           "corners": lambda: evaluate_corners(workload, tech, columns)},
                          rounds=rounds)
    seconds = samples.medians()
    print(f"workload: {workload.name} 784-1024-1024-10, technology: {tech.name}, "
          f"{len(tech.cost_range_fields)} ranged cost fields")
    print(f"nominal: {designs} designs in {seconds['nominal'] * 1e3:.1f} ms (median)")
    print(f"corners: {designs} designs in {seconds['corners'] * 1e3:.1f} ms (median)")
    print(f"corners_over_nominal: {spread(samples.ratios('corners', 'nominal'))}")
    print(f"nominal designs_per_s: {designs / seconds['nominal']:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=100_000, help="designs per batch call")
    parser.add_argument(
        "--scalar-designs", type=int, default=500, help="designs per scalar measurement"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corners", action="store_true",
                        help="time nominal against low / nominal / high corners instead")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    tech = load_technology("stt_mram_28nm")
    workload = mlp_workload(784, [1024, 1024], 10)
    columns = random_columns(rng, args.designs)
    if args.corners:
        corners_cost(workload, tech, columns, args.rounds)
        return
    sample = range(min(args.scalar_designs, args.designs))
    architectures = [
        Architecture(**{name: values[i].item() for name, values in columns.items()}) for i in sample
    ]

    def run_batch() -> None:
        evaluate_batch(workload, tech, columns)

    def run_scalar() -> None:
        for arch in architectures:
            evaluate(workload, arch, tech)

    samples = interleaved({"batch": run_batch, "scalar": run_scalar}, rounds=args.rounds)
    seconds = samples.medians()
    batch_rate = args.designs / seconds["batch"]
    scalar_rate = len(architectures) / seconds["scalar"]
    per_design = [
        (scalar / len(architectures)) / (batch / args.designs)
        for batch, scalar in zip(samples.seconds["batch"], samples.seconds["scalar"], strict=True)
    ]
    batch_rates = [args.designs / batch / 1e6 for batch in samples.seconds["batch"]]

    result = evaluate_batch(workload, tech, columns)
    worst = max(
        abs(result.energy_pj[i] - evaluate(workload, arch, tech).energy_pj) / result.energy_pj[i]
        for i, arch in zip(sample, architectures, strict=True)
    )
    print(f"workload: {workload.name} 784-1024-1024-10, technology: {tech.name}")
    print(f"batch:  {args.designs} designs in {seconds['batch'] * 1e3:.1f} ms (median)")
    print(f"scalar: {len(architectures)} designs in {seconds['scalar'] * 1e3:.1f} ms (median)")
    print(f"max relative energy difference batch vs scalar: {worst:.1e}")
    print(f"scalar_designs_per_s: {scalar_rate:.0f} ({1e6 / scalar_rate:.0f} us per report)")
    print(f"batch rate, million designs/s: {spread(batch_rates)}")
    print(f"batch_over_scalar: {spread(per_design, 0)}")
    print(f"designs_per_s: {batch_rate:.0f}")


if __name__ == "__main__":
    main()
