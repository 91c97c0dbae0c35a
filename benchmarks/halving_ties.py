"""Successive halving's ties, told apart or not: the multi-fidelity search of
`benchmarks/search_efficiency.py` with `halving.ties: together` and `hypervolume`, side by
side over several sampler and training seeds.

With three costs, a network is often on its rung's front by cost alone, so a level shared by
most networks goes on together and halving stops little; `ties: hypervolume` ranks a level by
what each network's points add to its layer (SMS-EMOA's tie-break), which stops more. This
measures what that costs in front and saves in epochs. Each training seed's reference is the
factorized search's final front (every network trained in full: the most the space's
searches find here); each pair of runs alternates which rule goes first, so drift cancels.

    python benchmarks/halving_ties.py [--sampler-seeds 0 1 2] [--training-seeds 0 1]
        [--halving 3] [--networks 24] [--epochs 4] [--subset 0.05]

Lines: by seeds and rule, the final hypervolume's gap to the reference, epochs trained,
networks trained in full, and the epochs after which the search came within 0.001 of the
reference; last, by rule, the means, then `epochs_ratio` (hypervolume over together) and
`gap_difference` (hypervolume's mean gap minus together's; negative: a lower front).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from search_efficiency import benchmark_space, searched

from codesign.engine.pareto import cost_scales
from codesign.engine.quiet import quiet_libraries
from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study
from codesign.problem.compiled import compile_problem
from hwmodel import load_technology

RULES = ("together", "hypervolume")
CLOSE = 0.001  # of the reference hypervolume: "reached it"


def run(args: argparse.Namespace, folder: Path, name: str, multi_fidelity: bool) -> dict:
    """One search: its hypervolume history, epochs, networks trained in full."""
    space = benchmark_space(args, folder, name, multi_fidelity)
    problem = compile_problem(space)
    history = searched(space, cost_scales(problem, load_technology(problem.technology)))
    networks = load_network_study(open_storage(space.storage_url), name).trials
    full = sum(1 for t in networks if t.user_attrs.get("outcome") == "trained")
    return {"history": history, "epochs": history[-1][0] if history else 0,
            "hypervolume": history[-1][1] if history else 0.0, "full": full}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sampler-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--training-seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--halving", type=int, default=3, metavar="ETA")
    parser.add_argument("--networks", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--subset", type=float, default=0.05)
    args = parser.parse_args()
    quiet_libraries()
    rows: dict[str, list[dict]] = {rule: [] for rule in RULES}
    print(f"{'seeds':>9}  {'rule':>11}  {'HV gap':>8}  {'epochs':>6}  {'full':>4}  "
          f"{'within 0.001 after':>18}")
    with tempfile.TemporaryDirectory() as scratch:
        for training_seed in args.training_seeds:
            base = argparse.Namespace(**vars(args), seed=args.sampler_seeds[0],
                                      training_seed=training_seed, data_root=None,
                                      ties="together")
            reference = run(base, Path(scratch) / f"t{training_seed}", "factorized", False)
            print(f"training seed {training_seed}: factorized reference HV "
                  f"{reference['hypervolume']:.4f} after {reference['epochs']} epochs")
            for order, sampler_seed in enumerate(args.sampler_seeds):
                for rule in RULES if order % 2 == 0 else reversed(RULES):
                    spec = argparse.Namespace(**{**vars(base), "seed": sampler_seed,
                                                 "ties": rule})
                    folder = Path(scratch) / f"t{training_seed}s{sampler_seed}{rule}"
                    result = run(spec, folder, "multi_fidelity", True)
                    target = reference["hypervolume"] - CLOSE
                    reached = next((e for e, h in result["history"] if h >= target), None)
                    result["gap"] = result["hypervolume"] - reference["hypervolume"]
                    rows[rule].append(result)
                    print(f"{f's{sampler_seed} t{training_seed}':>9}  {rule:>11}  "
                          f"{result['gap']:>+8.4f}  {result['epochs']:>6}  {result['full']:>4}"
                          f"  {reached if reached is not None else '-':>18}")
    means = {}
    for rule in RULES:
        runs = rows[rule]
        means[rule] = {key: sum(r[key] for r in runs) / len(runs)
                       for key in ("gap", "epochs", "full")}
        print(f"{rule}: mean HV gap {means[rule]['gap']:+.4f}, mean epochs "
              f"{means[rule]['epochs']:.1f}, mean networks in full {means[rule]['full']:.1f}")
    print(f"epochs_ratio: {means['hypervolume']['epochs'] / means['together']['epochs']:.3f}")
    print(f"gap_difference: {means['hypervolume']['gap'] - means['together']['gap']:+.4f}")


if __name__ == "__main__":
    main()
