"""Figures of a study: the Pareto front as PNG (matplotlib) and interactive HTML (plotly)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import optuna  # noqa: E402
from optuna.trial import FrozenTrial  # noqa: E402

from codesign.compose import metric_names  # noqa: E402
from codesign.space import SearchSpace  # noqa: E402


def _series(trials: Sequence[FrozenTrial], name: str) -> list[float]:
    return [t.user_attrs[name] for t in trials]


def pareto_png(
    feasible: Sequence[FrozenTrial], front: Sequence[FrozenTrial], title: str, path: Path
) -> Path:
    """Accuracy against energy and against area; the front highlighted, SC and fixed-point
    first layers told apart."""
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    for axis, cost, label in (
        (axes[0], "energy_pj", "energy per inference (pJ)"),
        (axes[1], "area_mm2", "area (mm$^2$)"),
    ):
        axis.scatter(_series(feasible, cost), _series(feasible, "val_accuracy"), s=8,
                     color="0.75", label="feasible design points")
        for mode, marker in (("sc", "o"), ("fixed_point_parallel", "s"),
                             ("fixed_point_bit_serial", "^")):
            chosen = [t for t in front if t.params.get("first_layer_hw") == mode]
            if chosen:
                axis.scatter(_series(chosen, cost), _series(chosen, "val_accuracy"), s=28,
                             marker=marker, label=f"Pareto front ({mode})")
        axis.set_xscale("log")
        axis.set_xlabel(label)
        axis.set_ylabel("validation accuracy")
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    figure.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def hypervolume_png(history: Sequence[tuple[int, float]], title: str, path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(6, 4), constrained_layout=True)
    axis.plot([n for n, _ in history], [h for _, h in history], marker="o")
    axis.set_xlabel("training runs")
    axis.set_ylabel("hypervolume (normalised objectives)")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def pareto_html(study: optuna.Study, space: SearchSpace, path: Path) -> Path:
    """Optuna's interactive Pareto-front plot, self-contained (works offline).

    Optuna draws at most three objectives: with four, the first three (accuracy, energy,
    area) are drawn and latency stays in the hover text of the dashboard.
    """
    names = metric_names(space)[:3]
    figure = optuna.visualization.plot_pareto_front(
        study,
        target_names=names,
        include_dominated_trials=True,
        targets=lambda trial: tuple(trial.values[:3]),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.write_html(str(path), include_plotlyjs=True)
    return path
