"""Where does the ideal SNG's accuracy gap to the conventional network come from?

For SC-adapted networks of `accuracy_vs_n.py` (first-layer merge), at the deployed N, per seed:
test accuracy as trained, with batch norms re-estimated at N (`bn_recalibration.py`, run
first; its JSON under RUNS/bn_recalibrated), and the same weights fed the fixed-point input
2x - 1 (the stream's mean: the limit of N to infinity, no stream noise). Against the
conventional network trained with the same recipe and budget (any JSON with `test_accuracy`
and `seed` in its config: `accuracy_vs_n.py` or `lr_sensitivity.py` runs). The difference
between the clean-input and the as-trained column is what the stream noise costs the trained
weights; between the conventional network and the clean-input column, what training on noisy
streams cost the weights.

    CODESIGN_DATA_DIR=../shared/data python experiments/ideal_gap.py \\
        runs/experiments/cifar10_gap_glorot --names adapted_first_layer_ideal \\
        --conventional 'runs/lr_sensitivity/cifar10/glorot-0.001-seed*.json'
"""

from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path

import numpy as np
from bn_recalibration import test_accuracy

from codesign.engine.quiet import quiet_libraries
from trainer.config import TrainConfig
from trainer.encoding import FixedPointEncoding
from trainer.fit import datamodule_for
from trainer.module import SCBNNModule


def accuracy_of(run: dict, length: int) -> float:
    accuracy = run["test_accuracy"]
    return accuracy if isinstance(accuracy, float) else accuracy.get(str(length), accuracy["1"])


def clean_input_accuracy(run: dict) -> float:
    """The run's kept weights with the fixed-point first-layer input 2x - 1."""
    config = TrainConfig.model_validate(run["config"])
    data = datamodule_for(config)
    data.setup("test")
    module = SCBNNModule.from_checkpoint(run["checkpoint"])
    module.deploy_encoding = FixedPointEncoding()
    return test_accuracy(module, data.test_dataloader(), 1, config.seed)


def rows_of(folder: Path, name: str, length: int) -> dict[int, tuple[float, float, float]]:
    """seed -> (as trained, BN re-estimated at N, fixed-point input), in %."""
    rows = {}
    for path in sorted(folder.glob(f"{name}-seed*.json")):
        run = json.loads(path.read_text())
        recalibrated = folder / "bn_recalibrated" / path.name
        after = (accuracy_of(json.loads(recalibrated.read_text()), length)
                 if recalibrated.exists() else float("nan"))
        rows[run["config"]["seed"]] = tuple(100 * value for value in (
            accuracy_of(run, length), after, clean_input_accuracy(run)))
    return rows


def cell(values) -> str:
    return f"{np.mean(values):.2f} ± {np.std(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="a folder of accuracy_vs_n.py results")
    parser.add_argument("--names", nargs="+", default=["adapted_first_layer_ideal"])
    parser.add_argument("--conventional", required=True, help="glob of the conventional runs")
    parser.add_argument("--length", type=int, default=16, help="the deployed N")
    args = parser.parse_args()
    quiet_libraries()
    conventional = {json.loads(Path(p).read_text())["config"]["seed"]:
                    100 * accuracy_of(json.loads(Path(p).read_text()), 1)
                    for p in sorted(glob.glob(args.conventional))}
    if not conventional:
        parser.error(f"no conventional run matches {args.conventional}")
    print(f"test accuracy (%) at N = {args.length}, mean ± std over seeds; "
          f"conventional {cell(list(conventional.values()))} ({len(conventional)} seeds)")
    print("| run | seeds | as trained | BN re-estimated at N | fixed-point input |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.names:
        rows = rows_of(args.runs, name, args.length)
        columns = list(zip(*rows.values(), strict=True))
        print(f"| {name} | {len(rows)} | " + " | ".join(cell(c) for c in columns) + " |")


if __name__ == "__main__":
    main()
