"""Test accuracy against the weight bit-error rate: do BNNs tolerate BER ~1e-3 without ECC?

Hirtzlin et al. (NANOARCH 2019, arXiv:1908.04085) report that binarized networks tolerate
STT-MRAM bit-error rates up to ~1e-3 with little loss, so error correction can be dropped;
with training that sees the errors, RRAM BNNs tolerated ~4e-2 (AICAS 2019, arXiv:1904.03652).
This trains, for each seed, the conventional BNN (fixed-point first layer) and the SC-adapted
one (ideal SNG, first-layer merge, trained at N = 16), each once plainly and once error-aware
(weights flipped at `--train-ber` in every step), and evaluates every kept checkpoint on the
test set with its weights flipped at each rate of `--bers` by `--maps` seeded error maps (no
retraining; the SC networks at N = 16; `sweep_time_s` in each JSON). Networks as in
accuracy_vs_n.py (Fashion-MNIST MLP 784-1024-1024-10; a CPU-sized conv BNN on CIFAR-10, which
on the project's machines is a JPEG-decoded copy: say so beside its numbers). Every run is
saved as JSON under --out and skipped when present.

    nice python experiments/ber_tolerance.py --dataset fashion_mnist --seeds 0 1 2
    CODESIGN_DATA_DIR=../shared/data nice python experiments/ber_tolerance.py \
        --dataset cifar10 --seeds 0 1 2 --epochs 5 --subset 0.5 --maps 3 \
        --bers 0 1e-4 1e-3 3e-3 1e-2 3e-2 1e-1
    python experiments/plot_ber_tolerance.py runs/experiments/ber docs/ber_tolerance.png
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from accuracy_vs_n import base_config

from codesign.engine.quiet import quiet_libraries
from trainer.device import resolve_accelerator
from trainer.evaluate import evaluate_module
from trainer.fit import datamodule_for, fit

DEPLOYED_N = 16
BERS = [0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
NETWORKS = {
    "conventional": {"mode": "fixed_point"},
    "sc_adapted": {"mode": "sc", "length": DEPLOYED_N, "eval_lengths": [DEPLOYED_N],
                   "merge_point": "first_layer", "sng": {"kind": "ideal"}},
}


def run_names(train_ber: float) -> dict[str, tuple[dict, float]]:
    """name -> (input section, training BER): each network plainly and error-aware."""
    return {
        **{name: (network, 0.0) for name, network in NETWORKS.items()},
        **{f"{name}_error_aware": (network, train_ber) for name, network in NETWORKS.items()},
    }


def test_sweep(module, config, bers, maps: int, seed: int):
    """The kept checkpoint on the test set at every rate (`maps` seeded maps each), in one
    test pass (validation is not swept: nothing here is selected on it)."""
    data = datamodule_for(config)
    data.setup("test")
    module.errors = replace(module.errors.at(bers), maps=maps, seed=seed)
    started = time.perf_counter()
    tested = evaluate_module(module, data, "test", resolve_accelerator(config.accelerator))
    return tested.sweep, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["fashion_mnist", "cifar10"],
                        default="fashion_mnist")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--subset", type=float, default=1.0, help="class-balanced fraction")
    parser.add_argument("--train-ber", type=float, default=1e-2,
                        help="flip rate of error-aware training")
    parser.add_argument("--bers", type=float, nargs="+", default=BERS)
    parser.add_argument("--maps", type=int, default=5, help="error maps per evaluated BER")
    parser.add_argument("--out", type=Path, help="default runs/experiments/ber/DATASET")
    parser.add_argument("--only", nargs="*", help="run only these names")
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"), default="cpu")
    args = parser.parse_args()
    args.out = args.out or Path("runs/experiments/ber") / args.dataset
    args.precision, args.max_time_s = "32-true", None  # what base_config reads
    quiet_libraries()
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        for name, (input_config, train_ber) in run_names(args.train_ber).items():
            path = args.out / f"{name}-seed{seed}.json"
            if path.exists() or (args.only and name not in args.only):
                continue
            config = base_config(args, name, seed, input_config)
            config = config.model_validate({**config.model_dump(mode="json"), "weight_errors": {
                "train_ber": train_ber, "maps": args.maps, "seed": seed}})
            result = fit(config)
            sweep, sweep_s = test_sweep(result.module, config, args.bers, args.maps, seed)
            path.write_text(json.dumps({
                "config": config.model_dump(mode="json"),
                "dataset": args.dataset,
                "train_ber": train_ber,
                "test_accuracy": {str(n): a for n, a in result.test_accuracy.items()},
                "accuracy_by_ber": {f"{ber:g}": by_n[sweep.lengths[-1]]
                                    for ber, by_n in sweep.mean().items()},
                "spread_by_ber": {f"{ber:g}": by_n[sweep.lengths[-1]]
                                  for ber, by_n in sweep.spread().items()},
                "test_error_sweep": sweep.to_json(),
                "checkpoint": str(result.checkpoint_path),
                "train_time_s": result.train_time_s,
                "sweep_time_s": sweep_s,
                "epochs_run": result.epochs_run,
                "device": result.device_name,
            }, indent=2))
            print(f"{path.name}: clean {result.test_accuracy}, "
                  f"at 1e-3 {sweep.mean().get(1e-3)}", flush=True)


if __name__ == "__main__":
    main()
