"""How long testing a trained network takes, this code against another revision, run
alternately: the lazy evaluation the search ran on the networks of a kept main job.

For each network, each revision's code (a git worktree for the other) loads the kept
checkpoint, rebuilds the plan the search sent it (`benchmarks/_kept_network.py`) and runs
`trainer.evaluation_plan.evaluate_lazily` on it, in a process of its own: the validation
split at every N, the error sweep where a pair could matter, the test split where a point
is recorded. Each run prints what it measured; the script checks that both revisions
measured the same pairs with the same accuracies, and prints the seconds of each and their
ratio, round by round.

    python benchmarks/testing_revisions.py --folder DIR --against REV [--network 0 1 2]
        [--rounds 2]

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._timing import spread  # noqa: E402
from benchmarks.review_commands import checkout  # noqa: E402

# what each revision runs: only names both revisions have
ONE_NETWORK = """
import json, sys, time
from pathlib import Path
from benchmarks._kept_network import kept_network
from codesign.engine.quiet import quiet_libraries
from trainer.evaluation_plan import evaluate_lazily
quiet_libraries()
kept = kept_network(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
started = time.perf_counter()
measured = evaluate_lazily(kept.module, kept.datamodule, kept.plan)
seconds = time.perf_counter() - started
found = {}
for split, result in measured.items():
    accuracies = kept.plan.accuracies(result.clean, result.sweep)
    found[split] = sorted([n, rate, accuracies[(n, rate)]] for n, rate in result.pairs)
print(json.dumps({"seconds": seconds, "measured": found}))
"""


def tested(code: Path, folder: Path, name: str, network: int) -> dict:
    """One network's lazy evaluation with the codesign of `code`: seconds and accuracies."""
    done = subprocess.run([sys.executable, "-c", ONE_NETWORK, str(folder), name, str(network)],
                          cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--name", default="fmnist")
    parser.add_argument("--against", required=True, help="the revision to compare with")
    parser.add_argument("--network", type=int, nargs="+", default=[0, 1, 2],
                        help="network trial numbers")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    folder = args.folder.resolve()
    with checkout(args.against) as other:
        for network in args.network:
            seconds: dict[str, list[float]] = {"this": [], args.against: []}
            for round_ in range(args.rounds):
                runs = {name: tested(code, folder, args.name, network)
                        for name, code in (("this", ROOT), (args.against, other))}
                if runs["this"]["measured"] != runs[args.against]["measured"]:
                    raise SystemExit(f"network {network}: the revisions measured different "
                                     "pairs or accuracies")
                for name, run in runs.items():
                    seconds[name].append(run["seconds"])
                print(f"network {network}, round {round_ + 1}: this "
                      f"{seconds['this'][-1]:.1f} s, {args.against} "
                      f"{seconds[args.against][-1]:.1f} s; same pairs and accuracies",
                      flush=True)
            ratios = [old / new for old, new in zip(seconds[args.against], seconds["this"],
                                                     strict=True)]
            print(f"network {network}: this {spread(seconds['this'], 1)} s, {args.against} "
                  f"{spread(seconds[args.against], 1)} s; testing_speedup {spread(ratios)}",
                  flush=True)


if __name__ == "__main__":
    main()
