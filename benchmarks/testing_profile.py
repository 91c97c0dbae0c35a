"""Where testing a trained network goes: a profile of the lazy evaluation the search ran on
a network of a kept main job (`benchmarks/_kept_network.py`), its most costly calls.

Not a comparison: it says what to speed up next, and, run on two revisions, which calls a
change moved (`benchmarks/testing_revisions.py` measures the change itself).

    python benchmarks/testing_profile.py --folder DIR [--name fmnist] [--network 1]
        [--top 25]

DIR is a main job kept by `benchmarks/main_job_schedules.py --keep DIR`. Prints the
seconds and the pairs measured, then the calls by their own time and by their time with
what they call (cProfile's `tottime` and `cumtime`).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._kept_network import kept_network_from, kept_network_options  # noqa: E402
from trainer.evaluation_plan import counts, evaluate_lazily  # noqa: E402


def main() -> None:
    parser = kept_network_options(__doc__, rounds=False)
    parser.add_argument("--top", type=int, default=25, help="calls printed in each order")
    kept, args = kept_network_from(parser.parse_args())
    profile = cProfile.Profile()
    started = time.perf_counter()
    with profile:
        measured = evaluate_lazily(kept.module, kept.datamodule, kept.plan)
    seconds = time.perf_counter() - started
    print(f"network {args.network}: {seconds:.1f} s under the profiler; "
          f"{counts(kept.plan, measured)}")
    for order in ("tottime", "cumulative"):
        pstats.Stats(profile, stream=sys.stdout).sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
