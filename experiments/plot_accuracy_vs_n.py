"""Plot test accuracy against N (mean and min-max over seeds) from the JSON runs of
`accuracy_vs_n.py` (either dataset), and print the table.

    python experiments/plot_accuracy_vs_n.py RUNS_DIR OUT.png [--title TITLE]
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

PANELS = {
    "encodings and training (ideal SNG where SC)": [
        "conventional", "threshold", "non_adapted_first_layer_ideal", "non_adapted_output_ideal",
        "adapted_first_layer_ideal", "adapted_first_layer_ideal_mixed_n", "adapted_output_ideal"],
    "SNG kinds (first-layer merge)": [
        "adapted_first_layer_ideal", "adapted_first_layer_lfsr", "adapted_first_layer_sobol",
        "non_adapted_first_layer_ideal", "non_adapted_first_layer_lfsr",
        "non_adapted_first_layer_sobol"],
}


def load_runs(folder: Path) -> dict[str, dict[int, list[float]]]:
    """name -> N -> accuracies over seeds."""
    runs: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(folder.glob("*-seed*.json")):
        name = re.sub(r"-seed\d+$", "", path.stem)
        for n, accuracy in json.loads(path.read_text())["test_accuracy"].items():
            runs[name][int(n)].append(accuracy)
    return runs


def summary_table(runs) -> str:
    lengths = sorted({n for by_n in runs.values() for n in by_n if n > 1} | {1})
    lines = ["| run | seeds | " + " | ".join(f"N={n}" for n in lengths) + " |",
             "| --- | --- | " + " | ".join("---" for _ in lengths) + " |"]
    for name in sorted(runs):
        by_n = runs[name]
        seeds = len(next(iter(by_n.values())))
        cells = []
        for n in lengths:
            values = by_n.get(n, by_n.get(1) if len(by_n) == 1 else None)
            cells.append(f"{100 * np.mean(values):.2f} ± {100 * np.std(values):.2f}"
                         if values else "")
        lines.append(f"| {name} | {seeds} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    runs = load_runs(args.runs)
    all_lengths = sorted({n for by_n in runs.values() for n in by_n})
    figure, axes = plt.subplots(1, len(PANELS), figsize=(13, 4.8), constrained_layout=True)
    for axis, (title, names) in zip(axes, PANELS.items(), strict=True):
        for name in names:
            if name not in runs:
                continue
            by_n = runs[name]
            lengths = all_lengths if len(by_n) == 1 else sorted(by_n)
            values = [by_n[n] if len(by_n) > 1 else by_n[1] for n in lengths]
            mean = np.array([np.mean(v) for v in values]) * 100
            low = np.array([np.min(v) for v in values]) * 100
            high = np.array([np.max(v) for v in values]) * 100
            style = "--" if len(by_n) == 1 else "-"
            axis.plot(lengths, mean, style, marker="" if len(by_n) == 1 else "o", label=name)
            axis.fill_between(lengths, low, high, alpha=0.2)
        axis.set_xscale("log", base=2)
        axis.set_xlabel("bitstream length N")
        axis.set_ylabel("test accuracy (%), mean and min-max over seeds")
        axis.set_title(title)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc="lower right")
    if args.title:
        figure.suptitle(args.title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=130)
    print(summary_table(runs))


if __name__ == "__main__":
    main()
