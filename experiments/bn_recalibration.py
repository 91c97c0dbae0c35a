"""Does re-estimating batch-norm statistics at the deployed N recover the accuracy a network
trained at one N loses at other N?

A chip is built for one bitstream length, and the batch norm that precedes each sign folds
into that chip's thresholds, so per-N statistics cost nothing in hardware. For each saved run
of `accuracy_vs_n.py` (an adapted run's best checkpoint, or for a non-adapted run the
conventional weights it deploys) and each N, this evaluates the test set twice at that N with
the same seeded streams: as trained, and after replacing every batch norm's running statistics
by their average over `--batches` training batches encoded at N (weights untouched). Results
go to RUNS/bn_recalibrated/NAME-seedS.json (the format of `accuracy_vs_n.py`, so
`plot_accuracy_vs_n.py RUNS/bn_recalibrated ...` tabulates them).

    CODESIGN_DATA_DIR=../shared/data python experiments/bn_recalibration.py \
        runs/experiments/cifar10 --name adapted_first_layer_ideal non_adapted_first_layer_ideal
"""

from __future__ import annotations

import argparse
import copy
import json
from itertools import islice
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torchmetrics.classification import MulticlassAccuracy

from codesign.engine.quiet import quiet_libraries
from trainer.config import TrainConfig
from trainer.fit import datamodule_for
from trainer.inference import class_scores
from trainer.module import SCBNNModule


@torch.no_grad()
def test_accuracy(module: SCBNNModule, loader, length: int, seed: int,
                  device: str = "cpu") -> float:
    """Accuracy at one N, streams drawn from `seed` (identical for both variants)."""
    module.to(device).network.eval()
    generator = torch.Generator(device=device).manual_seed(seed)
    metric = MulticlassAccuracy(module.network.num_classes, average="micro").to(device)
    for pixels, labels in loader:
        scores = class_scores(module.network, module.deploy_encoding, pixels.to(device),
                              [length], generator)
        metric(scores[0], labels.to(device))
    return float(metric.compute())


@torch.no_grad()
def recalibrate(module: SCBNNModule, loader, length: int, batches: int, seed: int,
                device: str = "cpu") -> None:
    """Running statistics of every batch norm: the plain average over `batches` training
    batches encoded at `length` (momentum None), weights and affine parameters unchanged."""
    norms = [m for m in module.network.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
    module.to(device).network.train()
    generator = torch.Generator(device=device).manual_seed(seed)
    for pixels, _ in islice(loader, batches):
        class_scores(module.network, module.deploy_encoding, pixels.to(device), [length],
                     generator)
    module.network.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="a folder of accuracy_vs_n.py results")
    parser.add_argument("--name", nargs="+", default=["adapted_first_layer_ideal"])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--lengths", type=int, nargs="+", help="default: each run's eval N")
    parser.add_argument("--device", default="cpu", help="e.g. cuda (a GPU run's networks)")
    args = parser.parse_args()
    quiet_libraries()
    (args.runs / "bn_recalibrated").mkdir(exist_ok=True)
    for name in args.name:
        paths = sorted(args.runs.glob(f"{name}-seed*.json"))
        if not paths:
            parser.error(f"no {name}-seed*.json in {args.runs}")
        rows = [compare(path, args.batches, args.lengths, args.device) for path in paths]
        print(f"{name}: test accuracy (%) at each N, mean ± std over {len(rows)} seeds")
        print("| N | as trained | BN re-estimated at N | difference |")
        print("| --- | --- | --- | --- |")
        for n in rows[0][0]:
            before = np.array([r[0][n] for r in rows]) * 100
            after = np.array([r[1][n] for r in rows]) * 100
            print(f"| {n} | {before.mean():.2f} ± {before.std():.2f} | "
                  f"{after.mean():.2f} ± {after.std():.2f} | {(after - before).mean():+.2f} |")


def compare(path: Path, batches: int, lengths: list[int] | None = None,
            device: str = "cpu") -> tuple[dict[int, float], dict[int, float]]:
    """Test accuracy at each N of one run, as trained and with re-estimated batch norms."""
    run = json.loads(path.read_text())
    weights = run.get("checkpoint") or run["weights_from"]
    config = TrainConfig.model_validate(run["config"])
    data = datamodule_for(config)
    data.setup("fit")
    data.setup("test")
    trained = SCBNNModule(run["config"], data.input_shape, data.num_classes)
    trained.network.load_state_dict(SCBNNModule.from_checkpoint(weights).network.state_dict())
    lengths = lengths or trained.eval_lengths
    as_trained = {n: test_accuracy(trained, data.test_dataloader(), n, config.seed, device)
                  for n in lengths}
    recalibrated = {}
    for n in lengths:
        module = copy.deepcopy(trained)
        recalibrate(module, data.train_dataloader(), n, batches, config.seed + 1, device)
        recalibrated[n] = test_accuracy(module, data.test_dataloader(), n, config.seed, device)
    out = path.parent / "bn_recalibrated" / path.name
    out.write_text(json.dumps({
        "config": run["config"], "weights_from": weights, "recalibration_batches": batches,
        "test_accuracy": {str(n): a for n, a in recalibrated.items()},
        "test_accuracy_as_trained": {str(n): a for n, a in as_trained.items()},
    }, indent=2))
    return as_trained, recalibrated


if __name__ == "__main__":
    main()
