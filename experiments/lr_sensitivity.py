"""Is binary-network training step-size limited? Test accuracy against the learning rate,
with and without BinaryNet's per-layer scaling, and Bop across its threshold (issue 24).

For each seed, trains the conventional network (fixed-point first layer) with Adam at every
rate of --lrs, once with one rate for every parameter (`lr_scaling: none`, the `adam`
recipe) and once with each binary layer's rate multiplied by BinaryNet's Glorot factor
(`lr_scaling: glorot`), and with Bop (binary weights; Adam at --bop-adam-lr for batch norm)
at every threshold of --taus. Everything else is the shipped recipe: cosine schedule over
--epochs, batch size and network of the dataset's preset. Every run is saved as JSON under
--out and skipped when present, so the script resumes; several workers started with the
same arguments share the runs (each claims one by creating NAME.running). `report` prints
the table and draws the figure from one or more such folders.

    python experiments/lr_sensitivity.py run --dataset fashion_mnist --subset 0.2 --epochs 3
    CODESIGN_DATA_DIR=../shared/data python experiments/lr_sensitivity.py run \\
        --dataset cifar10 --subset 0.2 --epochs 3
    python experiments/lr_sensitivity.py report runs/lr_sensitivity/fashion_mnist \\
        runs/lr_sensitivity/cifar10 --figure docs/lr_sensitivity.png

On the project's machines CIFAR-10 is a JPEG-decoded copy: say so beside its numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]
TAUS = [1e-8, 1e-7, 1e-6, 1e-5]
PRESETS = {
    "fashion_mnist": {"data": {"dataset": "fashion_mnist"},
                      "model": {"kind": "mlp", "hidden": [1024, 1024]}},
    # examples/cifar10_conv_small.yaml at half its width (what the shared 2-core machine
    # affords): the network of docs/reproduction.md, section 4
    "cifar10": {"data": {"dataset": "cifar10", "augment": True, "batch_size": 128},
                "model": {"kind": "conv", "channels": [16, 16, 32, 32, 64, 64],
                          "pool_every": 2, "hidden": [128]}},
}
VARIANTS = {"adam": "one Adam rate", "glorot": "Adam, BinaryNet's per-layer scaling"}
RUN_NAME = re.compile(r"^(?P<kind>adam|glorot|bop)-(?P<value>[0-9.e+-]+)-seed(?P<seed>\d+)$")


def run_optim(kind: str, value: float, args) -> dict:
    if kind == "bop":
        return {"recipe": "adam", "optimizer": "bop", "bop_threshold": value,
                "bop_gamma": args.bop_gamma, "lr": args.bop_adam_lr}
    return {"recipe": "adam", "lr": value, "lr_scaling": "none" if kind == "adam" else "glorot"}


def planned_runs(args) -> list[tuple[str, float, int]]:
    runs = [(kind, lr, seed) for seed in args.seeds for kind in args.variants
            for lr in args.lrs]
    return runs + [("bop", tau, seed) for seed in args.seeds for tau in args.taus]


def claimed(marker: Path) -> bool:
    """Create `marker` unless it exists: several workers share one --out, each run once.
    A killed worker leaves its marker; delete NAME.running to train that run again."""
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


def train_all(args) -> None:
    import torch

    from codesign.engine.quiet import quiet_libraries
    from trainer.config import TrainConfig
    from trainer.fit import fit

    quiet_libraries()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    preset = PRESETS[args.dataset]
    for kind, value, seed in planned_runs(args):
        name = f"{kind}-{value:g}-seed{seed}"
        path = args.out / f"{name}.json"
        if path.exists() or not claimed(path.with_suffix(".running")):
            continue
        config = TrainConfig.model_validate({
            "name": name, "seed": seed,
            "data": {**preset["data"], "subset": args.subset},
            "model": preset["model"],
            "input": {"mode": "fixed_point"},
            "optim": {**run_optim(kind, value, args), "epochs": args.epochs},
            "output_dir": str(args.out / "checkpoints"),
            "accelerator": "cpu",
        })
        started = time.perf_counter()
        result = fit(config)
        path.write_text(json.dumps({
            "config": config.model_dump(mode="json"),
            "test_accuracy": result.test_accuracy[1], "val_accuracy": result.val_accuracy,
            "train_time_s": result.train_time_s, "wall_s": time.perf_counter() - started,
            "device": result.device_name,
        }, indent=2))
        path.with_suffix(".running").unlink()
        print(f"{name}: {100 * result.test_accuracy[1]:.2f}% "
              f"({result.train_time_s:.0f} s training)", flush=True)


def load(folder: Path) -> dict[str, dict[float, list[float]]]:
    """kind -> lr or tau -> test accuracies over seeds."""
    results: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(folder.glob("*.json")):
        match = RUN_NAME.match(path.stem)
        if match:
            accuracy = json.loads(path.read_text())["test_accuracy"]
            results[match["kind"]][float(match["value"])].append(100 * accuracy)
    return results


def cell(values: list[float]) -> str:
    return f"{np.mean(values):.2f} ± {np.std(values):.2f} ({len(values)})"


def table(results, kinds, heading: str) -> str:
    values = sorted({v for kind in kinds for v in results.get(kind, {})})
    lines = [f"| {heading} | " + " | ".join(f"{v:g}" for v in values) + " |",
             "| --- | " + " | ".join("---" for _ in values) + " |"]
    for kind in kinds:
        if kind in results:
            label = VARIANTS.get(kind, "Bop")
            lines.append(f"| {label} | " + " | ".join(
                cell(results[kind][v]) if v in results[kind] else "" for v in values) + " |")
    return "\n".join(lines)


def decade_spreads(results, kinds) -> str:
    """Sensitivity in one number a window: for each rate lr with 10 lr in the grid, the
    largest minus the smallest mean accuracy over the rates in [lr, 10 lr], in points."""
    means = {kind: {lr: np.mean(v) for lr, v in results[kind].items()}
             for kind in kinds if kind in results}
    rates = sorted({lr for m in means.values() for lr in m})
    starts = [lr for lr in rates if any(np.isclose(x, 10 * lr) for x in rates)]
    lines = ["| spread (points) over [lr, 10 lr], lr = | "
             + " | ".join(f"{lr:g}" for lr in starts) + " |",
             "| --- | " + " | ".join("---" for _ in starts) + " |"]
    for kind, by_rate in means.items():
        cells = []
        for lr in starts:
            window = [m for x, m in by_rate.items() if lr * 0.999 <= x <= 10 * lr * 1.001]
            complete = any(np.isclose(x, lr) for x in by_rate) and any(
                np.isclose(x, 10 * lr) for x in by_rate)
            cells.append(f"{max(window) - min(window):.2f}" if complete else "")
        lines.append(f"| {VARIANTS[kind]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(folders: list[Path], all_results: list, figure: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(folders), 2, figsize=(10, 3.6 * len(folders)), squeeze=False,
                             sharey="row")
    for row, (folder, results) in enumerate(zip(folders, all_results, strict=True)):
        left, right = axes[row]
        for kind, label in VARIANTS.items():
            if kind in results:
                xs = sorted(results[kind])
                means = [np.mean(results[kind][x]) for x in xs]
                stds = [np.std(results[kind][x]) for x in xs]
                left.errorbar(xs, means, yerr=stds, marker="o", capsize=3, label=label)
        left.set(xscale="log", xlabel="Adam learning rate lr", ylabel="test accuracy (%)",
                 title=f"{folder.name}: Adam")
        left.legend(fontsize=8)
        if "bop" in results:
            xs = sorted(results["bop"])
            right.errorbar(xs, [np.mean(results["bop"][x]) for x in xs],
                           yerr=[np.std(results["bop"][x]) for x in xs], marker="s",
                           capsize=3, color="tab:green")
            right.set(xscale="log", xlabel="Bop threshold tau", title=f"{folder.name}: Bop")
            right.grid(alpha=0.3)
        else:
            right.text(0.5, 0.5, f"{folder.name}: Bop not run", ha="center",
                       transform=right.transAxes)
            right.set_axis_off()
        left.grid(alpha=0.3)
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)


def report(args) -> None:
    all_results = [load(folder) for folder in args.folders]
    for folder, results in zip(args.folders, all_results, strict=True):
        print(f"{folder}: test accuracy (%), mean ± std over seeds (seeds)\n")
        print(table(results, list(VARIANTS), "lr"))
        print()
        print(decade_spreads(results, list(VARIANTS)))
        print()
        if "bop" in results:
            print(table(results, ["bop"], "tau"))
            print()
    if args.figure:
        plot(args.folders, all_results, args.figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="train every (variant, rate, seed) not yet saved")
    run.add_argument("--dataset", choices=sorted(PRESETS), default="fashion_mnist")
    run.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    run.add_argument("--epochs", type=int, default=3)
    run.add_argument("--subset", type=float, default=0.2, help="class-balanced fraction")
    run.add_argument("--lrs", type=float, nargs="+", default=LRS)
    run.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    run.add_argument("--taus", type=float, nargs="*", default=TAUS, help="none: no Bop runs")
    run.add_argument("--bop-gamma", type=float, default=1e-2)
    run.add_argument("--bop-adam-lr", type=float, default=1e-2, help="batch norm, with Bop")
    run.add_argument("--threads", type=int, default=1, help="torch threads (shared machine)")
    run.add_argument("--out", type=Path, help="default runs/lr_sensitivity/DATASET")
    rep = commands.add_parser("report", help="table and figure from saved runs")
    rep.add_argument("folders", type=Path, nargs="+")
    rep.add_argument("--figure", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        args.out = args.out or Path("runs/lr_sensitivity") / args.dataset
        train_all(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
