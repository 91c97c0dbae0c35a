"""Plot test accuracy against the weight bit-error rate from the JSON runs of
`ber_tolerance.py` (one panel per dataset folder), and print the tables.

Each run holds, for every BER, the accuracy of each seeded error map; a seed's value is the
mean over its maps. The figure shows the mean over seeds and their min-max; the table gives
mean ± std over seeds, the largest tested BER within 0.5 and 1 point of the same network
without errors, and the mean spread between maps (one chip against another).

    python experiments/plot_ber_tolerance.py runs/experiments/ber docs/ber_tolerance.png
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

TITLES = {"fashion_mnist": "Fashion-MNIST, MLP 784-1024-1024-10",
          "cifar10": "CIFAR-10 (JPEG-decoded copy), conv BNN 16-16-32-32-64-64-128"}
STYLES = {"conventional": ("tab:blue", "-"), "conventional_error_aware": ("tab:blue", "--"),
          "sc_adapted": ("tab:red", "-"), "sc_adapted_error_aware": ("tab:red", "--")}
ZERO_AT = 3e-6  # where BER 0 is drawn on the log axis


def load(folder: Path) -> dict[str, dict]:
    """name -> {"bers", "by_seed": (seeds, bers) map-mean accuracy, "map_std": (seeds, bers),
    "train_ber"}."""
    runs: dict[str, dict] = defaultdict(lambda: {"by_seed": [], "map_std": []})
    for path in sorted(folder.glob("*-seed*.json")):
        name = re.sub(r"-seed\d+$", "", path.stem)
        data = json.loads(path.read_text())
        sweep = data["test_error_sweep"]
        accuracy = np.array(sweep["correct"])[..., -1] / sweep["total"]  # (bers, maps)
        runs[name]["bers"] = sweep["bers"]
        runs[name]["train_ber"] = data["train_ber"]
        runs[name]["by_seed"].append(accuracy.mean(axis=1))
        runs[name]["map_std"].append(accuracy.std(axis=1, ddof=1) if accuracy.shape[1] > 1
                                     else np.zeros(len(sweep["bers"])))
    return {name: {**run, "by_seed": np.array(run["by_seed"]),
                   "map_std": np.array(run["map_std"])} for name, run in runs.items()}


def tolerated(bers: list[float], mean: np.ndarray, points: float) -> float:
    """The largest tested BER up to which the mean stays within `points` of BER 0."""
    within = [ber for ber, accuracy in zip(bers, mean, strict=True)
              if 100 * (mean[0] - accuracy) <= points]
    largest = 0.0
    for ber in bers:  # contiguous from 0
        if ber not in within:
            break
        largest = ber
    return largest


def table(runs: dict[str, dict]) -> str:
    bers = next(iter(runs.values()))["bers"]
    lines = ["| network | training | seeds | " + " | ".join(f"{b:g}" for b in bers)
             + " | within 0.5 pt | within 1 pt | map spread at 1e-2 |",
             "| --- | --- | --- | " + " | ".join("---" for _ in bers) + " | --- | --- | --- |"]
    for name in sorted(runs):
        run = runs[name]
        mean, std = run["by_seed"].mean(axis=0), run["by_seed"].std(axis=0)
        cells = [f"{100 * m:.2f} ± {100 * s:.2f}" for m, s in zip(mean, std, strict=True)]
        spread = run["map_std"].mean(axis=0)
        at = dict(zip(run["bers"], spread, strict=True)).get(1e-2)
        training = f"flips at {run['train_ber']:g}" if run["train_ber"] else "plain"
        network = name.removesuffix("_error_aware")
        lines.append(f"| {network} | {training} | {len(run['by_seed'])} | " + " | ".join(cells)
                     + f" | {tolerated(run['bers'], mean, 0.5):g} | "
                     f"{tolerated(run['bers'], mean, 1.0):g} | "
                     + (f"{100 * at:.2f}" if at is not None else "-") + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="folder of dataset folders (ber_tolerance.py)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    datasets = [d for d in sorted(args.runs.iterdir()) if d.is_dir() and any(d.glob("*.json"))]
    figure, axes = plt.subplots(1, len(datasets), figsize=(6.2 * len(datasets), 4.4),
                                squeeze=False)
    for axis, folder in zip(axes[0], datasets, strict=True):
        runs = load(folder)
        print(f"\n### {TITLES.get(folder.name, folder.name)}\n\n{table(runs)}")
        for name in sorted(runs):
            run = runs[name]
            x = [ber if ber > 0 else ZERO_AT for ber in run["bers"]]
            color, line = STYLES.get(name, ("gray", ":"))
            mean = 100 * run["by_seed"].mean(axis=0)
            axis.plot(x, mean, line, color=color, marker="o", markersize=3, label=name)
            axis.fill_between(x, 100 * run["by_seed"].min(axis=0),
                              100 * run["by_seed"].max(axis=0), color=color, alpha=0.12)
        axis.axvline(1e-3, color="gray", linewidth=0.8, linestyle=":")
        axis.set_xscale("log")
        axis.set_xlabel("weight bit-error rate (0 drawn at the left edge)")
        axis.set_ylabel("test accuracy (%)")
        axis.set_title(TITLES.get(folder.name, folder.name), fontsize=10)
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize=8, loc="lower left")
    figure.suptitle("Weight bit errors, no retraining (mean of seeds, min-max shaded)",
                    fontsize=10)
    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=130)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
