"""Trials per hour of the search with Ray (2 workers, 1 thread each) against local execution
(one training at a time, PyTorch using both cores), on a small real Fashion-MNIST budget.

Both runs train the same networks (enqueued in the same order), so only the execution differs.
Ray's start-up is timed separately and excluded from the steady-state ratio.

    python benchmarks/ray_speedup.py [--networks 6] [--epochs 2] [--subset 1.0] [--widths ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from codesign.compose import enumerate_networks
from codesign.quiet import quiet_libraries
from codesign.search import run_search
from codesign.space import SearchSpace


def space_for(mode: str, args, folder: Path) -> SearchSpace:
    base = {
        "name": f"speed-{mode}",
        "data": {"dataset": "fashion_mnist", "batch_size": 128},
        "model": {"family": "mlp", "hidden_layers": 2, "widths": args.widths},
        "input": {"modes": ["sc"], "bitstream_lengths": [1, 4, 16], "sng_kinds": ["ideal"],
                  "train_lengths": [8]},
        "hardware": {"tiles": [1, 16]},
        "budget": {"trials": args.networks, "epochs": args.epochs, "subset": args.subset},
        "sampler": {"kind": "random", "seed": 0},
        "output_dir": str(folder / mode),
        "storage": f"sqlite:///{folder / mode}.db",
        "execution": {"mode": mode, "workers": 2 if mode == "ray" else 1},
    }
    probe = SearchSpace.model_validate(base)
    networks = [choice.params() for choice in enumerate_networks(probe)][: args.networks]
    return SearchSpace.model_validate({**base, "initial_networks": networks})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=float, default=1.0)
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024])
    args = parser.parse_args()
    quiet_libraries()
    import ray

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run_search(space_for("local", args, Path(folder)))
        local_s = time.perf_counter() - started

        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        startup_s = time.perf_counter() - started
        try:
            started = time.perf_counter()
            run_search(space_for("ray", args, Path(folder)))
            ray_s = time.perf_counter() - started
        finally:
            ray.shutdown()

    per_hour = {name: args.networks * 3600 / seconds
                for name, seconds in (("local", local_s), ("ray", ray_s))}
    print(f"local: {args.networks} networks in {local_s:.1f} s = {per_hour['local']:.0f}/hour")
    print(f"ray (2 workers): {args.networks} networks in {ray_s:.1f} s = "
          f"{per_hour['ray']:.0f}/hour, plus {startup_s:.1f} s to start Ray once")
    print(f"with start-up included: {local_s / (ray_s + startup_s):.2f}x")
    print(f"ray_speedup: {per_hour['ray'] / per_hour['local']:.3f}")


if __name__ == "__main__":
    main()
