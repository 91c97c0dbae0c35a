"""How long recording a trained network takes, this code against another revision, run
alternately: the steps of the search's `_record` before the storage, on the networks of a
kept main job.

For each network, each revision's code (a git worktree for the other) rebuilds the network's
design points and takes its outcome from its network trial (the accuracies the search
recorded), then writes its design table (`write_design_table`), finds the network's front
among its measured points (`network_front`) and builds its design trials (`design_trials`),
in a process of its own. The script checks that both revisions wrote the same table (its
decompressed text) and kept the same design points, and prints the seconds of each and
their ratio, round by round.

    python benchmarks/recording_revisions.py --folder DIR --against REV [--network 1 6 0]
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
import gzip, hashlib, json, sys, tempfile, time
from pathlib import Path
import optuna
from codesign.engine.quiet import quiet_libraries
from codesign.engine.storage import open_storage
from codesign.engine.study import (design_trials, is_measured, load_network_study,
                                   network_front, problem_of, write_design_table)
quiet_libraries()
folder, name, number = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
journal = folder / "new.log"
storage = open_storage(f"journal:{journal}" if journal.exists()
                       else f"sqlite:///{folder / 'new.db'}")
problem = problem_of(optuna.load_study(study_name=name, storage=storage), storage)
trial = load_network_study(storage, name).trials[number]
key = trial.user_attrs["network_key"]
network = next(n for n in problem.design_space.networks() if n.key() == key)
points = problem.hardware_points(network, problem.cost_technology())
outcome = dict(trial.user_attrs)
with tempfile.TemporaryDirectory() as temporary:
    table = Path(temporary) / "network.csv.gz"
    started = time.perf_counter()
    write_design_table(table, problem, network, points, outcome)
    measured = [p for p in points if is_measured(outcome, p)]
    kept = [p for p in network_front(problem, measured, outcome)
            if is_measured(outcome, p, "test")]
    trials = design_trials(problem, network, kept, outcome, number)
    seconds = time.perf_counter() - started
    with gzip.open(table, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
print(json.dumps({"seconds": seconds, "points": len(points), "table": digest,
                  "kept": sorted(json.dumps(t.params, sort_keys=True) for t in trials)}))
"""


def main() -> None:
    alternate_from_command_line(__doc__, ONE_NETWORK, [1, 6, 0], compared=["table", "kept"],
                                agreement="same table and design points",
                                speedup="recording_speedup")


if __name__ == "__main__":
    main()
