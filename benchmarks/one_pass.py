"""A split's pairs measured in one test pass, each rate at its own lengths, against a pass per
group of rates that share their lengths (what `trainer.evaluation_plan.measure` did before),
side by side on a network a main job trained.

The network's plan is rebuilt as the search sent it (`benchmarks/_kept_network.py`). Its clean
validation accuracies are measured once; then, round-robin, each arm measures the validation
sweep (the pairs worth validating, hopeless rates cut) and the test split (the pairs worth
testing), as the search does. A pass per group is `measure` called once per group with that
group's pairs (one group: every rate at every length of the pass, as before). The script checks
that both arms measure the same pairs, cut the same ones and give the same counts.

    python benchmarks/one_pass.py --folder DIR [--name fmnist] [--network 1] [--rounds 2]

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR`. Prints each arm's
seconds by round, the groups a split's pairs fall in, and last `one_pass_ratio` (one pass /
a pass per group, median over rounds).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._kept_network import kept_network_from_command_line  # noqa: E402
from benchmarks._timing import interleaved, spread  # noqa: E402
from trainer.evaluation_plan import Measured, Pair  # noqa: E402


def groups(pairs: set[Pair]) -> list[set[Pair]]:
    """The pairs by group of rates asked at the same lengths (a pass each, before)."""
    lengths_by_rate: dict[float, tuple[int, ...]] = {}
    for n, rate in sorted(pairs):
        lengths_by_rate[rate] = (*lengths_by_rate.get(rate, ()), n)
    by_lengths: dict[tuple[int, ...], set[Pair]] = {}
    for rate, lengths in lengths_by_rate.items():
        by_lengths.setdefault(lengths, set()).update((n, rate) for n in lengths)
    return list(by_lengths.values())


def main() -> None:
    kept, args = kept_network_from_command_line(__doc__)
    plan, run = kept.plan, kept.measure
    clean, worth, cutoff = kept.validation_start()
    tested = plan.worth_testing(plan.accuracies(clean, run("val", worth, cutoff).sweep))
    splits = {"val": (worth, cutoff), "test": (tested, None)}
    results: dict[str, dict[str, list[Measured]]] = {}

    def one_pass() -> None:
        results["one_pass"] = {split: [run(split, pairs, cut)]
                               for split, (pairs, cut) in splits.items()}

    def by_group() -> None:
        results["by_group"] = {split: [run(split, group, cut) for group in groups(pairs)]
                               for split, (pairs, cut) in splits.items()}

    samples = interleaved({"one_pass": one_pass, "by_group": by_group},
                          rounds=args.rounds, warmup=0)
    same = all(_counts(results["one_pass"][split]) == _counts(results["by_group"][split])
               for split in splits)
    print(f"network {args.network} ({kept.key}): {len(plan.thresholds)} pairs")
    for split, (pairs, _) in splits.items():
        print(f"  {split}: {len(pairs)} pairs, {len(groups(pairs))} groups of rates "
              f"asked at the same lengths")
    for name, seconds in samples.seconds.items():
        print(f"  {name:9}: {', '.join(f'{s:.1f}' for s in seconds)} s")
    print(f"same pairs, cuts and counts: {same}")
    print(f"one_pass_ratio: {spread(samples.ratios('one_pass', 'by_group'))}")
    if not same:
        raise SystemExit(1)


def _counts(parts: list[Measured]) -> dict:
    """What the passes measured: pairs, cut pairs, clean accuracies, correct counts by
    measured (pair, map)."""
    counts: dict = {"pairs": set(), "cut": set(), "clean": {}}
    for part in parts:
        counts["pairs"] |= part.pairs
        counts["cut"] |= part.cut
        counts["clean"].update(part.clean)
        sweep = part.sweep
        if sweep is None:
            continue
        for b, rate in enumerate(sweep.bers):
            for i, n in enumerate(sweep.lengths):
                if (n, rate) in part.pairs:
                    counts[(n, rate)] = sweep.correct[b, :, i].tolist()
    return counts


if __name__ == "__main__":
    main()
