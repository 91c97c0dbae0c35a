"""Costing a whole space before a search starts, two ways, side by side.

A search normalises its hypervolume by the largest value of every hardware objective over
the space (`codesign.engine.pareto.cost_scales`), so it costs every design point of the
space before its first training: 5.2 million in the main job's. Per point (each design's
Architecture fields as a dict, a `HardwarePoint` each, its metrics read one by one; the way
it was) against by column (`Problem.hardware_batch`: the fields a network fixes are one
value, the rest read from the configurations, maxima taken on the batch's columns).

    python benchmarks/space_costing.py [--space search_spaces/fmnist.yaml] [--networks 6]
        [--rounds 3]

Times both on `--networks` networks spread over the space (interleaved rounds), checks they
find the same maxima, and prints the paired ratio and each way's time projected to the
whole space.
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
from codesign.problem.objectives import hardware_objectives  # noqa: E402
from codesign.problem.space import SearchSpace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "fmnist.yaml")
    parser.add_argument("--networks", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    problem = compile_problem(SearchSpace.model_validate(read_yaml(args.space)))
    technology = problem.cost_technology()
    networks = problem.design_space.networks()
    sample = networks[:: max(1, len(networks) // args.networks)][: args.networks]
    metrics = [o.metric for o in hardware_objectives()]

    def per_point() -> dict[str, float]:
        points = [p for n in sample for p in problem.hardware_points(n, technology)]
        return {m: max(p.metric(m) for p in points) for m in metrics}

    def by_column() -> dict[str, float]:
        batches = [problem.hardware_batch(n, technology) for n in sample]
        return {m: max(float(getattr(b, m).max()) for b in batches) for m in metrics}

    assert per_point() == by_column(), "the two ways find different maxima"
    samples = interleaved({"per point": per_point, "by column": by_column},
                          rounds=args.rounds, warmup=0)
    points = sum(len(problem.design_space.hardware_configurations(n)) for n in sample)
    print(f"{args.space.name}: {len(sample)} of {len(networks)} networks, {points:,} design "
          f"points")
    for name in ("per point", "by column"):
        projected = samples.median(name) * len(networks) / len(sample)
        print(f"{name:10s} {samples.median(name):6.2f} s, the whole space ~{projected:.0f} s")
    print(f"speedup (per point / by column): {spread(samples.ratios('per point', 'by column'))}")


if __name__ == "__main__":
    main()
