"""A lazy evaluation's validation error sweep with and without cutting hopeless pairs part
way (`trainer.bit_errors.SweepCutoff`), side by side on a network a main job trained.

The network's plan is rebuilt as the search sent it (`benchmarks/_kept_network.py`).
Its clean validation accuracy is measured once; then, round-robin, the validation sweep of
the pairs worth validating is measured whole and with the cut. Both must leave the same
pairs worth testing, and every pair the cut one measured must equal the whole one (checked).

    python benchmarks/sweep_cutoff.py --folder DIR [--name fmnist] [--network 1] [--rounds 2]

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR`.
Prints each arm's seconds by round, the pairs validated and cut, and last `cutoff_speedup`
(whole / cut, median over rounds).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._kept_network import kept_network_from_command_line  # noqa: E402
from benchmarks._timing import interleaved, spread  # noqa: E402
from trainer.evaluation_plan import Measured  # noqa: E402


def main() -> None:
    kept, args = kept_network_from_command_line(__doc__)
    plan = kept.plan
    clean, worth, cutoff = kept.validation_start()
    results: dict[str, Measured] = {}

    def arm(name: str):
        def run() -> None:
            results[name] = kept.measure("val", worth, cutoff if name == "cut" else None)
        return run

    samples = interleaved({name: arm(name) for name in ("whole", "cut")},
                          rounds=args.rounds, warmup=0)
    whole, cut = results["whole"], results["cut"]
    same_tests = (plan.worth_testing(plan.accuracies(clean, whole.sweep))
                  == plan.worth_testing(plan.accuracies(clean, cut.sweep)))
    by_pair = {name: plan.accuracies({}, results[name].sweep) for name in results}
    same_values = all(by_pair["whole"][pair] == value for pair, value in by_pair["cut"].items())
    print(f"network {args.network} ({kept.key}), validation split, "
          f"{len(worth)} pairs worth validating of {len(plan.thresholds)}")
    for name in ("whole", "cut"):
        seconds = ", ".join(f"{s:.1f}" for s in samples.seconds[name])
        print(f"  {name:5}: {seconds} s; pairs measured {len(results[name].pairs)}, "
              f"cut {len(results[name].cut)}")
    print(f"same pairs worth testing: {same_tests}; cut values equal whole: {same_values}")
    print(f"cutoff_speedup: {spread(samples.ratios('whole', 'cut'))}")
    if not (same_tests and same_values):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
