"""Trials per hour of the search with Ray (2 workers, 1 thread each) and with local worker
processes (2, 1 thread each: what `execution: {mode: local, workers: 2}` runs, listening on
nothing) against local execution (one training at a time, PyTorch using both cores), on a
small real Fashion-MNIST budget.

The searches train the same networks (enqueued in the same order), so only the execution
differs. They run in alternation, each round on fresh storage (local, processes, then Ray),
and the speed-ups are taken within each round and reported as their median and spread over the
rounds, so that drift of the machine falls on all. Ray starts once, before the rounds; its
start-up is timed separately and excluded from the steady-state ratio. The worker processes
start with each training (their start-up is inside their time).

    python benchmarks/ray_speedup.py [--rounds 3] [--networks 6] [--epochs 2] [--subset 1.0]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _timing import interleaved, spread

from codesign.engine.quiet import quiet_libraries
from codesign.engine.search import run_search
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace


def space_for(mode: str, args, folder: Path) -> SearchSpace:
    base = {
        "name": f"speed-{mode}",
        "data": {"dataset": "fashion_mnist", "batch_size": 128},
        "model": {"family": "mlp", "hidden_layers": 2, "widths": args.widths},
        "input": {"modes": ["sc"], "bitstream_lengths": [1, 4, 16], "sngs": ["ideal"],
                  "train_lengths": [8]},
        "hardware": {"tiles": [1, 16]},
        "budget": {"trials": args.networks, "epochs": args.epochs, "subset": args.subset},
        "sampler": {"kind": "random", "seed": 0},
        "output_dir": str(folder / mode),
        "storage": f"sqlite:///{folder / mode}.db",
        "execution": {"mode": "ray" if mode == "ray" else "local",
                      "workers": 1 if mode == "local" else 2},
    }
    probe = SearchSpace.model_validate(base)
    networks = [dict(network.params)
                for network in compile_problem(probe).design_space.networks()][: args.networks]
    return SearchSpace.model_validate({**base, "initial_networks": networks})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="local/Ray pairs, alternated")
    parser.add_argument("--networks", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=float, default=1.0)
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024])
    args = parser.parse_args()
    quiet_libraries()
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    startup_s = time.perf_counter() - started
    try:
        with tempfile.TemporaryDirectory() as folder:
            counter = iter(range(3 * args.rounds))

            def search(mode: str) -> Callable[[], None]:
                def run() -> None:
                    round_folder = Path(folder) / str(next(counter))
                    round_folder.mkdir()
                    run_search(space_for(mode, args, round_folder))
                return run

            samples = interleaved({"local": search("local"), "processes": search("processes"),
                                   "ray": search("ray")}, rounds=args.rounds, warmup=0)
    finally:
        ray.shutdown()

    local_s, ray_s = samples.median("local"), samples.median("ray")
    processes_s = samples.median("processes")
    print(f"processes (2 workers): {args.networks} networks in {processes_s:.1f} s = "
          f"{args.networks * 3600 / processes_s:.0f}/hour")
    print(f"local: {args.networks} networks in {local_s:.1f} s (median of {args.rounds}) = "
          f"{args.networks * 3600 / local_s:.0f}/hour")
    print(f"ray (2 workers): {args.networks} networks in {ray_s:.1f} s = "
          f"{args.networks * 3600 / ray_s:.0f}/hour, plus {startup_s:.1f} s to start Ray once")
    print(f"with start-up included (one search): {local_s / (ray_s + startup_s):.2f}x")
    speedups = samples.ratios("local", "ray")
    print(f"ray speed-up per round: {spread(speedups)}")
    print(f"ray_speedup: {statistics.median(speedups):.3f}")
    processes = samples.ratios("local", "processes")
    print(f"processes speed-up per round: {spread(processes)}")
    print(f"processes_speedup: {statistics.median(processes):.3f}")

if __name__ == "__main__":
    main()
