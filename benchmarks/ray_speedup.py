"""Trials per hour of the search with Ray (2 workers, 1 thread each) against local execution
(one training at a time, PyTorch using both cores), on a small real Fashion-MNIST budget.

Both searches train the same networks (enqueued in the same order), so only the execution
differs. They run in alternation, each round on fresh storage (local, then Ray), and the
speed-up is taken within each round and reported as its median and spread over the rounds, so
that drift of the machine falls on both. Ray starts once, before the rounds; its start-up is
timed separately and excluded from the steady-state ratio.

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

from codesign.problem import compile_problem
from codesign.quiet import quiet_libraries
from codesign.search import run_search
from codesign.space import SearchSpace


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
        "execution": {"mode": mode, "workers": 2 if mode == "ray" else 1},
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
            counter = iter(range(2 * args.rounds))

            def search(mode: str) -> Callable[[], None]:
                def run() -> None:
                    round_folder = Path(folder) / str(next(counter))
                    round_folder.mkdir()
                    run_search(space_for(mode, args, round_folder))
                return run

            samples = interleaved({"local": search("local"), "ray": search("ray")},
                                  rounds=args.rounds, warmup=0)
    finally:
        ray.shutdown()

    local_s, ray_s = samples.median("local"), samples.median("ray")
    print(f"local: {args.networks} networks in {local_s:.1f} s (median of {args.rounds}) = "
          f"{args.networks * 3600 / local_s:.0f}/hour")
    print(f"ray (2 workers): {args.networks} networks in {ray_s:.1f} s = "
          f"{args.networks * 3600 / ray_s:.0f}/hour, plus {startup_s:.1f} s to start Ray once")
    print(f"with start-up included (one search): {local_s / (ray_s + startup_s):.2f}x")
    speedups = samples.ratios("local", "ray")
    print(f"ray speed-up per round: {spread(speedups)}")
    print(f"ray_speedup: {statistics.median(speedups):.3f}")

if __name__ == "__main__":
    main()
