"""What the driver works out from a network's design points when it launches its training,
per point against by column, side by side.

Before a training leaves, the driver checks every design point of the network against the
hardware budgets and reads its searched costs (to reject the network, for early stopping's
and halving's thresholds, for the lazy evaluation's plan): tens of thousands of points a
network in the main job, and a network that halving stops after one epoch trains for
seconds. Per point (each point's bounds through `Goals.violations`, its costs one
`HardwarePoint.metric` at a time: the way it was) against by column
(`Problem.fits_hardware_budgets`, `Problem.oriented_costs`: each bound and cost on the
batch's column).

    python benchmarks/launch_costing.py [--space search_spaces/fmnist.yaml] [--rounds 5]

Times both on the space's initial networks (interleaved rounds), checks they agree, and
prints each network's paired ratio `by_column_speedup` (per point / by column).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._timing import interleaved, spread  # noqa: E402
from codesign.problem.compiled import compile_problem  # noqa: E402
from codesign.problem.config_io import read_yaml  # noqa: E402
from codesign.problem.space import SearchSpace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "fmnist.yaml")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    problem = compile_problem(SearchSpace.model_validate(read_yaml(args.space)))
    technology = problem.cost_technology()
    costs = problem.goals.costs
    for params in problem.initial_networks:
        network = problem.design_space.network(params)
        points = problem.hardware_points(network, technology)

        def per_point(points=points) -> tuple[list[bool], list[list[float]]]:
            fits = [all(value <= 0 for value in problem.goals.violations(
                lambda o, p=p: p.metric(o.metric), sources=("hardware",)).values())
                for p in points]
            return fits, [[o.oriented(p.metric(o.metric)) for o in costs] for p in points]

        def by_column(points=points) -> tuple[list[bool], list[list[float]]]:
            return (problem.fits_hardware_budgets(points).tolist(),
                    problem.oriented_costs(points).tolist())

        assert per_point() == by_column(), "the two ways disagree"
        samples = interleaved({"per point": per_point, "by column": by_column},
                              rounds=args.rounds, warmup=0)
        print(f"{network.key()}: {len(points):,} design points; per point "
              f"{samples.median('per point'):.3f} s, by column "
              f"{samples.median('by column'):.3f} s")
        print(f"by_column_speedup: {spread(samples.ratios('per point', 'by column'), 1)}")


if __name__ == "__main__":
    main()
