"""Figures of a study: the Pareto front as PNG (matplotlib) and interactive HTML (plotly)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import optuna
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # not pyplot: no GUI state, and a third less to import
from matplotlib.ticker import FuncFormatter
from optuna.trial import FrozenTrial

from codesign.problem.compiled import Problem
from codesign.problem.objectives import ACCURACY, hardware_objectives
from codesign.problem.paper_check import PAPER, REFERENCE_ORGANISATION, ReferenceDesign
from hwmodel import FirstLayerMode

DESIGN_MARKERS = ("o", "s", "^", "v", "<", ">", "p", "h")  # the front, by first-layer mode
REFERENCE_MARKERS = ("*", "P", "X", "d", "H", "8")  # the paper's designs, by first-layer mode
CLAIM_MARKER = "D"


def first_layer_marker(mode: str, markers: Sequence[str] = DESIGN_MARKERS) -> str:
    """A first-layer mode's marker: its place in the registry (`hwmodel.FirstLayerMode`)."""
    return markers[FirstLayerMode.names().index(mode) % len(markers)]


def _series(trials: Sequence[FrozenTrial], objective) -> list[float]:
    scale = 100.0 if objective.unit == "%" else 1.0
    return [scale * objective.value(t.user_attrs) for t in trials]


def _label_log_axis(axis: Axes) -> None:
    """Plain numbers on a log x axis: each decade, and 2 and 5 within it when the axis spans
    less than two decades (matplotlib's default minor labels, 3x10^-2 and so on, collide)."""

    def label(value: float, _position: int) -> str:
        low, high = axis.get_xlim()
        mantissa = round(value / 10 ** math.floor(math.log10(value)), 6)
        shown = (1,) if math.log10(high / low) > 2 else (1, 2, 5)
        if mantissa not in shown:
            return ""
        return f"{value:,.0f}" if value >= 1 else f"{value:g}"

    axis.xaxis.set_major_formatter(FuncFormatter(label))
    axis.xaxis.set_minor_formatter(FuncFormatter(label))


BAND_LABEL = "cost band over the technology's ranges (low .. high corner)"


def _band_bars(axis: Axes, trials: Sequence[FrozenTrial], cost, bands, colour) -> None:
    """Each trial's low..high span of `cost` as a horizontal error bar, for the trials whose
    band of that metric is known (none: nothing drawn)."""
    banded = [t for t in trials if f"{cost.metric}_low" in bands.get(t.number, {})]
    if not banded:
        return
    values = _series(banded, cost)
    low = [bands[t.number][f"{cost.metric}_low"] for t in banded]
    high = [bands[t.number][f"{cost.metric}_high"] for t in banded]
    axis.errorbar(values, _series(banded, ACCURACY),
                  xerr=[[v - lo for v, lo in zip(values, low, strict=True)],
                        [hi - v for v, hi in zip(values, high, strict=True)]],
                  fmt="none", ecolor=colour, elinewidth=0.9, capsize=2, alpha=0.7,
                  label=BAND_LABEL)


def _reference_caption(references: Sequence[ReferenceDesign]) -> str:
    if not references:
        return ""
    fields = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in REFERENCE_ORGANISATION.items())
    return (f"Black: the paper's MLP {'-'.join(map(str, PAPER.network))} costed by the same "
            f"hardware model ({fields}), with its measured test accuracy (3 seeds); hollow "
            f"diamond: the SC-BNN as the paper claims it against the parallel baseline "
            f"({100 * PAPER.area_reduction:.0f}% less area, {PAPER.energy_factor}x less energy, "
            f"{PAPER.accuracy_cost_points} points less accurate). Designs: validation accuracy.")


def pareto_png(
    feasible: Sequence[FrozenTrial], front: Sequence[FrozenTrial], problem: Problem,
    title: str, path: Path, knee: FrozenTrial | None = None,
    references: Sequence[ReferenceDesign] = (),
    bands: Mapping[int, Mapping[str, float]] | None = None,
) -> Path:
    figure = pareto_figure(feasible, front, problem, title, knee, references, bands)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    return path


def pareto_figure(
    feasible: Sequence[FrozenTrial], front: Sequence[FrozenTrial], problem: Problem,
    title: str, knee: FrozenTrial | None = None, references: Sequence[ReferenceDesign] = (),
    bands: Mapping[int, Mapping[str, float]] | None = None,
) -> Figure:
    """Accuracy (percent) against the hardware costs the search trades, and energy, area and
    latency where it does not (`Objective.drawn`), one panel each: the front by first-layer
    hardware, each front point's cost band as a horizontal error bar where `bands` has it
    (trial number -> `{metric}_low`/`_high`, `codesign.engine.front_bands.design_bands`), the knee,
    and the paper's reference designs; one legend for every panel, a caption for the
    references."""
    costs = tuple(dict.fromkeys([*problem.goals.costs,
                                 *(o for o in hardware_objectives() if o.drawn)]))
    figure = Figure(figsize=(4.6 * len(costs) + 3.2, 4.8), layout="constrained")
    axes = figure.subplots(1, len(costs), squeeze=False)
    for axis, cost in zip(axes[0], costs, strict=True):
        axis.scatter(_series(feasible, cost), _series(feasible, ACCURACY), s=6, color="0.78",
                     label="feasible design points")
        for mode in FirstLayerMode.names():
            marker = first_layer_marker(mode)
            chosen = [t for t in front if t.params.get("first_layer_hw") == mode]
            if chosen:
                points = axis.scatter(_series(chosen, cost), _series(chosen, ACCURACY), s=26,
                                      marker=marker, label=f"Pareto front: {mode}")
                _band_bars(axis, chosen, cost, bands or {}, points.get_facecolor()[0])
        if knee is not None:
            axis.scatter(_series([knee], cost), _series([knee], ACCURACY), s=170,
                         facecolors="none", edgecolors="red", linewidths=1.6,
                         label=f"knee (trial {knee.number})")
        for reference in references:
            value = reference.costs.get(cost.metric)
            if value is None:  # the claimed point: the paper claims energy and area only
                continue
            axis.scatter([value], [100 * reference.accuracy], s=70, zorder=3,
                         marker=CLAIM_MARKER if reference.claimed else first_layer_marker(
                             reference.first_layer_mode, REFERENCE_MARKERS),
                         facecolors="none" if reference.claimed else "black",
                         edgecolors="black", label=f"paper: {reference.name}")
        axis.set_xscale("log")
        _label_log_axis(axis)
        searched = "" if cost in problem.goals.searched else ", not searched"
        axis.set_xlabel(f"{cost.label} ({cost.unit}{searched})")
        axis.set_ylabel("accuracy (%)")
        axis.grid(alpha=0.3)
    legend: dict[str, Artist] = {}  # every panel's entries (the claim has no latency)
    for axis in axes[0]:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    figure.legend(list(legend.values()), list(legend), loc="outside right upper", fontsize=8,
                  frameon=False)
    figure.suptitle(title)
    caption = _reference_caption(references)
    if caption:
        figure.supxlabel(textwrap.fill(caption, 200), fontsize=8, x=0.02, ha="left")
    return figure


def hypervolume_png(history: Sequence[tuple[int, float]], title: str, path: Path) -> Path:
    figure = Figure(figsize=(6, 4), layout="constrained")
    axis = figure.subplots()
    axis.plot([n for n, _ in history], [h for _, h in history], marker="o")
    axis.set_xlabel("training runs")
    axis.set_ylabel("hypervolume (normalised objectives)")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    return path


def pareto_html(study: optuna.Study, problem: Problem, path: Path) -> Path:
    """Optuna's interactive Pareto-front plot, self-contained (works offline).

    Optuna draws at most three objectives: with four, the first three (accuracy, energy,
    area) are drawn and latency stays in the hover text of the dashboard.
    """
    names = problem.goals.metric_names[:3]
    figure = optuna.visualization.plot_pareto_front(
        study,
        target_names=names,
        include_dominated_trials=True,
        targets=lambda trial: tuple(trial.values[:3]),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.write_html(str(path), include_plotlyjs=True)
    return path
