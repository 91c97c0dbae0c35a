"""Plot and tabulate accuracy under clustered against independent weight errors, from the JSON
runs of `structured_errors.py`.

For every case and rate, each seed's maps (chips) give a mean, a 10th percentile (numpy's
linear interpolation) and a standard deviation; the tables give the mean ± std over seeds of
the first, the mean over seeds of the others, and the worst chip of all seeds. The figure
shows the mean and the 10th percentile against the rate (left) and every chip (right).

    python experiments/plot_structured_errors.py runs/experiments/structured \
        docs/structured_errors.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PERCENTILE = 10.0
STYLES = {"iid": "tab:gray", "2t2mtj": "tab:blue", "1t1mtj": "tab:red",
          "1t1mtj_reference": "tab:orange"}
LABELS = {"iid": "independent (i.i.d.)", "2t2mtj": "2t2mtj: column offsets",
          "1t1mtj": "1t1mtj: column offsets + row references",
          "1t1mtj_reference": "1t1mtj: row references alone"}


def load(folder: Path) -> tuple[dict[str, dict], np.ndarray]:
    """case -> {"bers", "accuracy": (seeds, rates, maps), "shares", "voltages"}, and the
    clean accuracy of each seed."""
    runs = [json.loads(p.read_text()) for p in sorted(folder.glob("sc_adapted-seed*.json"))]
    cases: dict[str, dict] = {}
    for case in STYLES:
        done = [run["cases"][case] for run in runs if case in run.get("cases", {})]
        if len(done) == len(runs) and done:
            cases[case] = {"bers": done[0]["bers"],
                           "accuracy": np.array([np.array(d["correct"]) / d["total"]
                                                 for d in done]),
                           "shares": done[0]["structure"],
                           "voltages": done[0]["read_voltage_mv"]}
    return cases, np.array([run["test_accuracy"] for run in runs])


def summary(accuracy: np.ndarray) -> dict[str, np.ndarray]:
    """Per rate: seeds' means (mean, std), mean over seeds of the percentile and of the map
    std, the worst chip of all seeds."""
    mean = accuracy.mean(axis=2)
    return {"mean": mean.mean(axis=0), "seed_std": mean.std(axis=0),
            "low": np.percentile(accuracy, PERCENTILE, axis=2).mean(axis=0),
            "map_std": accuracy.std(axis=2, ddof=1).mean(axis=0),
            "worst": accuracy.min(axis=(0, 2))}


def against_iid(accuracy: np.ndarray, iid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rate: the mean over seeds of (map mean - i.i.d. map mean), paired by seed (the
    same network and input draw), and its standard error from the maps' spread."""
    maps = accuracy.shape[2]
    difference = (accuracy.mean(axis=2) - iid.mean(axis=2)).mean(axis=0)
    variance = (accuracy.var(axis=2, ddof=1) + iid.var(axis=2, ddof=1)) / maps  # per seed
    return difference, np.sqrt(variance.sum(axis=0)) / accuracy.shape[0]


def tables(cases: dict[str, dict], clean: np.ndarray) -> str:
    bers = next(iter(cases.values()))["bers"]
    head = "| case | " + " | ".join(f"{b:g}" for b in bers) + " |"
    rule = "| --- | " + " | ".join("---" for _ in bers) + " |"
    seeds = len(clean)
    lines = [f"Clean: {100 * clean.mean():.2f} ± {100 * clean.std():.2f} % ({seeds} seeds)",
             "", "Mean over chips (mean ± std over seeds):", "", head, rule]
    stats = {case: summary(run["accuracy"]) for case, run in cases.items()}
    for case, s in stats.items():
        lines.append(f"| {case} | " + " | ".join(
            f"{100 * m:.2f} ± {100 * d:.2f}" for m, d in zip(s["mean"], s["seed_std"],
                                                            strict=True)) + " |")
    lines += ["", f"{PERCENTILE:g}th percentile of chips / std between chips / worst chip:",
              "", head, rule]
    for case, s in stats.items():
        lines.append(f"| {case} | " + " | ".join(
            f"{100 * lo:.2f} / {100 * sd:.2f} / {100 * w:.2f}"
            for lo, sd, w in zip(s["low"], s["map_std"], s["worst"], strict=True)) + " |")
    if "iid" in cases:
        lines += ["", "Mean over chips minus i.i.d. (points; mean over seeds ± standard error "
                  "of the map sampling):", "", head, rule]
        for case, run in cases.items():
            if case != "iid":
                difference, error = against_iid(run["accuracy"], cases["iid"]["accuracy"])
                lines.append(f"| {case} | " + " | ".join(
                    f"{100 * d:+.2f} ± {100 * e:.2f}" for d, e in zip(difference, error,
                                                                     strict=True)) + " |")
    lines += ["", "Shares of the read noise (column, reference) and read voltage:", "",
              head, rule]
    for case, run in cases.items():
        if case == "iid":
            continue
        cells = []
        for shares, voltage in zip(run["shares"], run["voltages"], strict=True):
            share = shares["structure"]
            cells.append(f"{share.get('column', 0):.2f}, {share.get('reference', 0):.2f}; "
                         f"{voltage:.0f} mV")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figure(cases: dict[str, dict], clean: np.ndarray, out: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4))
    width = 0.11
    for k, (case, run) in enumerate(cases.items()):
        color, bers = STYLES[case], np.array(run["bers"])
        s = summary(run["accuracy"])
        left.plot(bers, 100 * s["mean"], "-o", color=color, markersize=3, label=LABELS[case])
        left.plot(bers, 100 * s["low"], "--", color=color, linewidth=1)
        offset = (k - (len(cases) - 1) / 2) * width
        for b, ber in enumerate(bers):
            chips = 100 * run["accuracy"][:, b, :].ravel()
            right.scatter(np.full(chips.size, np.log10(ber) + offset), chips, s=5,
                          color=color, alpha=0.5, label=LABELS[case] if b == 0 else None)
    for axis in (left, right):
        axis.axhline(100 * clean.mean(), color="black", linewidth=0.8, linestyle=":")
        axis.set_ylabel("test accuracy (%)")
        axis.grid(True, alpha=0.3)
    left.set_xscale("log")
    left.set_xlabel("weight bit-error rate (mean)")
    left.set_title("mean over chips (solid) and 10th percentile (dashed)", fontsize=10)
    left.legend(fontsize=7, loc="lower left")
    right.set_xlabel("log10 weight bit-error rate")
    right.set_title("every chip (maps of all seeds)", fontsize=10)
    right.legend(fontsize=7, loc="lower left")
    fig.suptitle("Fashion-MNIST MLP 784-1024-1024-10, SC-adapted, N = 16: clustered against "
                 "independent weight errors (clean: dotted)", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="the --out folder of structured_errors.py")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    cases, clean = load(args.runs)
    if not cases:
        raise SystemExit(f"{args.runs}: no complete case in any sc_adapted-seed*.json")
    print(tables(cases, clean))
    figure(cases, clean, args.out)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
