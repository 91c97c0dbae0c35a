"""Which pairs a lazy evaluation tests: those beating their thresholds, against only those
with a design point the search records (on the network's own front: `trainer.evaluation_plan`,
step 3), side by side on a network a main job trained.

The network's plan is rebuilt as the search sent it (`benchmarks/_kept_network.py`). Its
validation accuracies are measured once, as the search measures them (clean at every N, then
the pairs worth validating, hopeless rates cut); then, round-robin, the test split is measured
at the pairs each rule picks. The script checks that the pairs the new rule tests are those
the search recorded (the kept main job ran one network at a time, so each network was sent
the front it was recorded against), and that both arms measure the same accuracies where both
measure.

    python benchmarks/test_selection.py --folder DIR [--name fmnist] [--network 1] [--rounds 2]

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR`. Prints each arm's
seconds by round and the pairs and rates it tests, and last `testing_ratio` (own front /
thresholds, median over rounds).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._kept_network import kept_network_from_command_line  # noqa: E402
from benchmarks._timing import interleaved, spread  # noqa: E402
from trainer.evaluation_plan import Measured  # noqa: E402


def main() -> None:
    kept, args = kept_network_from_command_line(__doc__)
    plan, run = kept.plan, kept.measure
    clean, worth, cutoff = kept.validation_start()
    swept = run("val", worth, cutoff)
    validated = plan.accuracies(clean, swept.sweep)
    picked = {"thresholds": replace(plan, points={}).worth_testing(validated),
              "own_front": plan.worth_testing(validated)}
    results: dict[str, Measured] = {}

    def arm(name: str):
        def test() -> None:
            results[name] = run("test", picked[name])
        return test

    samples = interleaved({name: arm(name) for name in picked}, rounds=args.rounds, warmup=0)
    tested = {name: plan.accuracies(results[name].clean, results[name].sweep)
              for name in picked}
    same_values = all(tested["thresholds"][pair] == value
                      for pair, value in tested["own_front"].items())
    covers = kept.recorded == picked["own_front"]  # a sequential search: the same front
    print(f"network {args.network} ({kept.key}): {len(plan.thresholds)} pairs, "
          f"{len(validated)} validated, {len(kept.recorded)} with design points recorded")
    for name, pairs in picked.items():
        seconds = ", ".join(f"{s:.1f}" for s in samples.seconds[name])
        print(f"  {name:10}: {seconds} s; {len(pairs)} pairs tested, "
              f"{len({r for _, r in pairs})} rates")
    print(f"the pairs tested are those recorded: {covers}; same values: {same_values}")
    print(f"testing_ratio: {spread(samples.ratios('own_front', 'thresholds'))}")
    if not (covers and same_values):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
