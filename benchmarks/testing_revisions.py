"""How long testing a trained network takes, this code against another revision, run
alternately: the lazy evaluation the search ran on the networks of a kept main job.

For each network, each revision's code (a git worktree for the other) loads the kept
checkpoint, rebuilds the plan the search sent it (`benchmarks/_kept_network.py`) and runs
`trainer.evaluation_plan.evaluate_lazily` on it, in a process of its own: the validation
split at every N, the error sweep where a pair could matter, the test split where a point
is recorded. Each run prints what it measured; the script checks that both revisions
tested the same pairs with the same accuracies (what the search records; a revision may cut
more of the validation sweep, whose pairs cut are below their thresholds), and prints the
seconds of each and their ratio, round by round.

    python benchmarks/testing_revisions.py --folder DIR --against REV [--network 0 1 2]
        [--rounds 2]

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._revisions import alternate_from_command_line  # noqa: E402

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
print(json.dumps({"seconds": seconds, "tested": found["test"], "validated": found["val"]}))
"""


def main() -> None:
    alternate_from_command_line(__doc__, ONE_NETWORK, [0, 1, 2], compared=["tested"],
                                agreement="same pairs tested, same accuracies",
                                speedup="testing_speedup")


if __name__ == "__main__":
    main()
