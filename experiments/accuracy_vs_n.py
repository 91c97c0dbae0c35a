"""Test accuracy against bitstream length N for every encoding, training mode and SNG.

Fashion-MNIST with the MLP 784-1024-1024-10, or CIFAR-10 with a CPU-sized VGG-style conv BNN
(on the project's machines CIFAR-10 is a JPEG-decoded copy: say so beside its numbers).
Trains, for each seed: the conventional BNN (fixed point), threshold binarization, SC-adapted
with the first-layer merge for each SNG (ideal, LFSR, Sobol; trained at N = 16), the same with
the ideal SNG trained over N = 4..64, and SC-adapted with the output merge (ideal). SC
non-adapted needs no training of its own: it is the conventional network deployed with
stochastic inputs, evaluated here for each SNG and both merges. Every run is saved as JSON
under --out and skipped when present, so the script resumes.

    python experiments/accuracy_vs_n.py --dataset fashion_mnist --seeds 0 1 2
    CODESIGN_DATA_DIR=../shared/data python experiments/accuracy_vs_n.py --dataset cifar10 \
        --seeds 0 1 2 --epochs 5 --subset 0.5 --only conventional threshold \
        adapted_first_layer_ideal adapted_output_ideal non_adapted_first_layer_ideal \
        non_adapted_output_ideal adapted_first_layer_lfsr adapted_first_layer_sobol \
        non_adapted_first_layer_lfsr non_adapted_first_layer_sobol \
        adapted_first_layer_ideal_mixed_n
    python experiments/plot_accuracy_vs_n.py runs/experiments/fashion_mnist \
        docs/fmnist_accuracy_vs_n.png

CIFAR-10 at the field's size (BinaryNet's VGG, `examples/cifar10_vgg.yaml`) on a GPU:

    CODESIGN_DATA_DIR=../shared/data python experiments/accuracy_vs_n.py --dataset cifar10_vgg \
        --seeds 0 --epochs 40 --accelerator gpu --precision 16-mixed \
        --only conventional adapted_first_layer_ideal adapted_first_layer_sobol
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codesign.engine.quiet import quiet_libraries
from trainer.config import TrainConfig
from trainer.data import SCDataModule
from trainer.device import resolve_accelerator
from trainer.evaluate import evaluate_module
from trainer.fit import datamodule_for, fit
from trainer.module import SCBNNModule

LENGTHS = [1, 2, 4, 8, 16, 32, 64]
SC_INPUT = {"mode": "sc", "length": 16, "eval_lengths": LENGTHS}
FIRST = {**SC_INPUT, "merge_point": "first_layer"}
TRAINED = {
    "conventional": {"mode": "fixed_point"},
    "threshold": {"mode": "threshold"},
    "adapted_first_layer_ideal": {**FIRST, "sng": {"kind": "ideal"}},
    "adapted_first_layer_lfsr": {**FIRST, "sng": {"kind": "lfsr"}},
    "adapted_first_layer_sobol": {**FIRST, "sng": {"kind": "sobol"}},
    "adapted_output_ideal": {**SC_INPUT, "merge_point": "output", "train_lengths": [1],
                             "sng": {"kind": "ideal"}},
    # each batch drawn at one of several N: does it remove the loss at N other than 16?
    "adapted_first_layer_ideal_mixed_n": {**SC_INPUT, "merge_point": "first_layer",
                                          "train_lengths": [4, 8, 16, 32, 64],
                                          "sng": {"kind": "ideal"}},
}
NON_ADAPTED = {
    f"non_adapted_{merge}_{sng}": {**SC_INPUT, "training": "non_adapted", "merge_point": merge,
                                   "sng": {"kind": sng}}
    for merge in ("first_layer", "output") for sng in ("ideal", "lfsr", "sobol")
}


DATASETS = {
    "fashion_mnist": {"data": {"dataset": "fashion_mnist"},
                      "model": {"kind": "mlp", "hidden": [1024, 1024]}},
    # CPU-sized: channels (16, 16, 32, 32, 64, 64), one dense layer of 128
    "cifar10": {"data": {"dataset": "cifar10", "augment": True, "batch_size": 128},
                "model": {"kind": "conv", "channels": [16, 16, 32, 32, 64, 64],
                          "pool_every": 2, "hidden": [128]}},
    # the field's size: BinaryNet's CIFAR-10 VGG, as examples/cifar10_vgg.yaml (a GPU's work)
    "cifar10_vgg": {"data": {"dataset": "cifar10", "augment": True, "batch_size": 256},
                    "model": {"kind": "conv", "channels": [128, 128, 256, 256, 512, 512],
                              "pool_every": 2, "hidden": [1024, 1024]},
                    "optim": {"lr": 0.005}},
}


def optim_fields(args, preset: dict) -> dict:
    """The preset's optimiser fields, or a named recipe's (`trainer.recipes`); --lr on top."""
    fields = {"recipe": args.recipe} if args.recipe else dict(preset.get("optim", {}))
    return {**fields, "lr": args.lr} if args.lr else fields


def base_config(args, name: str, seed: int, input_config: dict) -> TrainConfig:
    preset = DATASETS[args.dataset]
    return TrainConfig.model_validate({
        "name": f"{name}-seed{seed}", "seed": seed,
        "data": {**preset["data"], "subset": args.subset},
        "model": preset["model"],
        "input": {**input_config, "sng": {**input_config.get("sng", {"kind": "ideal"}),
                                          "seed": seed}},
        "optim": {**optim_fields(args, preset), "epochs": args.epochs,
                  "max_time_s": args.max_time_s},
        "output_dir": str(args.out / "checkpoints"),
        "accelerator": args.accelerator,
        "precision": args.precision,
    })


def save(path: Path, config: TrainConfig, accuracy: dict[int, float], extra: dict) -> None:
    path.write_text(json.dumps({"config": config.model_dump(mode="json"),
                                "test_accuracy": {str(n): a for n, a in accuracy.items()},
                                **extra}, indent=2))


def evaluate_non_adapted(conventional: Path, config: TrainConfig, data: SCDataModule) -> dict:
    """The conventional network's weights, deployed with the stochastic encoding."""
    trained = SCBNNModule.from_checkpoint(conventional)
    module = SCBNNModule(config.model_dump(mode="json"), data.input_shape, data.num_classes)
    module.network.load_state_dict(trained.network.state_dict())
    return evaluate_module(module, data, "test", resolve_accelerator(config.accelerator)).accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="fashion_mnist")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--subset", type=float, default=1.0, help="class-balanced fraction")
    parser.add_argument("--out", type=Path, help="default runs/experiments/DATASET")
    parser.add_argument("--only", nargs="*", help="run only these names")
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"), default="auto")
    parser.add_argument("--precision", choices=("32-true", "16-mixed"), default="32-true")
    parser.add_argument("--max-time-s", type=float, help="stop each training after this long")
    parser.add_argument("--recipe", help="a training recipe (trainer.recipes), else the preset's")
    parser.add_argument("--lr", type=float, help="override the learning rate")
    args = parser.parse_args()
    args.out = args.out or Path("runs/experiments") / args.dataset
    quiet_libraries()
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        for name, input_config in TRAINED.items():
            path = args.out / f"{name}-seed{seed}.json"
            if path.exists() or (args.only and name not in args.only):
                continue
            config = base_config(args, name, seed, input_config)
            result = fit(config)
            save(path, config, result.test_accuracy,
                 {"checkpoint": str(result.checkpoint_path), "train_time_s": result.train_time_s,
                  "val_accuracy": result.val_accuracy, "epochs_run": result.epochs_run,
                  "device": result.device_name})
            print(f"{path.name}: {result.test_accuracy}", flush=True)
        for name, input_config in NON_ADAPTED.items():
            path = args.out / f"{name}-seed{seed}.json"
            if path.exists() or (args.only and name not in args.only):
                continue
            conventional = json.loads((args.out / f"conventional-seed{seed}.json").read_text())
            config = base_config(args, name, seed, input_config)
            data = datamodule_for(config)
            data.setup("test")
            accuracy = evaluate_non_adapted(Path(conventional["checkpoint"]), config, data)
            save(path, config, accuracy, {"weights_from": conventional["checkpoint"]})
            print(f"{path.name}: {accuracy}", flush=True)


if __name__ == "__main__":
    main()
