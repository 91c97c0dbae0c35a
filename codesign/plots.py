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
from codesign.objectives import ACCURACY, OBJECTIVES  # noqa: E402
from codesign.space import SearchSpace  # noqa: E402

FIRST_LAYER_MARKERS = {"sc": "o", "fixed_point_parallel": "s", "fixed_point_bit_serial": "^"}


def _series(trials: Sequence[FrozenTrial], objective) -> list[float]:
    scale = 100.0 if objective.unit == "%" else 1.0
    return [scale * objective.value(t.user_attrs) for t in trials]


def pareto_png(
    feasible: Sequence[FrozenTrial], front: Sequence[FrozenTrial], space: SearchSpace,
    title: str, path: Path, knee: FrozenTrial | None = None,
) -> Path:
    """Accuracy (percent) against every cost objective of the space, one panel each; the
    front highlighted by first-layer hardware, the knee marked."""
    costs = [OBJECTIVES[name] for name in space.objectives if OBJECTIVES[name] is not ACCURACY]
    figure, axes = plt.subplots(1, len(costs), figsize=(5.2 * len(costs), 4.6),
                                constrained_layout=True, squeeze=False)
    for axis, cost in zip(axes[0], costs, strict=True):
        axis.scatter(_series(feasible, cost), _series(feasible, ACCURACY), s=6, color="0.78",
                     label="feasible design points")
        for mode, marker in FIRST_LAYER_MARKERS.items():
            chosen = [t for t in front if t.params.get("first_layer_hw") == mode]
            if chosen:
                axis.scatter(_series(chosen, cost), _series(chosen, ACCURACY), s=26,
                             marker=marker, label=f"front: {mode}")
        if knee is not None:
            axis.scatter(_series([knee], cost), _series([knee], ACCURACY), s=160,
                         facecolors="none", edgecolors="red", linewidths=1.5, label="knee")
        axis.set_xscale("log")
        axis.set_xlabel(f"{cost.label} ({cost.unit})")
        axis.set_ylabel("validation accuracy (%)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc="lower right")
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
