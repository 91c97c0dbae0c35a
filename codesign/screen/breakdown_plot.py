"""The picture of one hardware design: where its area and energy go, by component and by layer.

Three panels of stacked bars, from the `CostReport` that `codesign hw` prints as tables:
the shares of area and of energy by component, the same by layer (with the hardware every
layer shares), and each layer's energy by component in pJ (where an SC design's repeated
first layer shows). Components keep one colour in every panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backend_bases import FigureCanvasBase  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

from codesign.outputs import unwritable_reason  # noqa: E402
from codesign.screen.present import design_words, peak_words  # noqa: E402
from hwmodel import SHARED, CostReport, component_label  # noqa: E402

LABEL_SHARE = 0.05  # segments below this share of their bar carry no percentage


def figure_formats() -> list[str]:
    """File extensions matplotlib can write (png, pdf, svg, ...)."""
    return sorted(FigureCanvasBase.get_supported_filetypes())


def check_figure_path(path: Path) -> None:
    """Raise ValueError (one line) if a figure cannot be written at `path`: checked before any
    work, so that a bad path costs nothing and leaves nothing behind."""
    extension = path.suffix.lower().lstrip(".")
    if extension not in figure_formats() and not path.is_dir():
        known = ", ".join(figure_formats())
        raise ValueError(f"unknown figure format '{path.suffix or '(none)'}' (use {known})")
    problem = unwritable_reason(path)  # missing folders are created when the figure is written
    if problem:
        raise ValueError(problem)


def _colours(names: list[str]) -> dict[str, tuple]:
    """A colour per component, by its place in the breakdown (the same in every figure)."""
    palette = plt.get_cmap("tab20").colors
    return {name: palette[index % len(palette)] for index, name in enumerate(names)}


def _stack(axis: Axes, x: float, parts: Mapping[str, float], colours: Mapping[str, tuple],
           labels: bool) -> None:
    """One bar of 100 %: `parts` as shares, the larger ones labelled with their share."""
    total = sum(parts.values())
    bottom = 0.0
    for name, value in parts.items():
        share = value / total if total else 0.0
        axis.bar(x, 100 * share, bottom=100 * bottom, color=colours[name], width=0.6,
                 edgecolor="white", linewidth=0.5)
        if labels and share >= LABEL_SHARE:
            axis.text(x, 100 * (bottom + share / 2), f"{100 * share:.0f}%", ha="center",
                      va="center", fontsize=7)
        bottom += share


def _title(report: CostReport) -> str:
    encoding, hardware = design_words(report)
    return (f"{report.workload} on {report.technology}: {encoding}\n{hardware}\n"
            f"{peak_words(report)}")


def breakdown_png(report: CostReport, path: Path) -> Path:
    """Draw `report`'s breakdown into `path` (any format matplotlib writes)."""
    figure = breakdown_figure(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def breakdown_figure(report: CostReport) -> Figure:
    """Stacked bars of the area and energy of `report`, by component and by layer."""
    components = list(report.area_by_component_um2)  # the breakdown's order (hwmodel.costs)
    used = [name for name in components
            if report.area_by_component_um2.get(name) or report.energy_by_component_pj.get(name)]
    colours = _colours(components)
    layer_names = [layer.name for layer in report.layers]
    layer_palette = plt.get_cmap("Blues")
    layer_colours = {name: layer_palette(0.35 + 0.55 * i / max(1, len(layer_names) - 1))
                     for i, name in enumerate(layer_names)}
    layer_colours[SHARED] = (0.75, 0.75, 0.75, 1.0)

    figure, axes = plt.subplots(1, 3, figsize=(14, 5.6), layout="constrained",
                                gridspec_kw={"width_ratios": [1, 1, 1.6]})
    by_component, by_layer, per_layer = axes

    _stack(by_component, 0, {n: report.area_by_component_um2.get(n, 0.0) for n in used},
           colours, labels=True)
    _stack(by_component, 1, {n: report.energy_by_component_pj.get(n, 0.0) for n in used},
           colours, labels=True)
    by_component.set_title("by component")

    areas = {name: report.area_by_layer_um2.get(name, 0.0) for name in [*layer_names, SHARED]}
    energies = {name: report.energy_by_layer_pj.get(name, 0.0) for name in layer_names}
    _stack(by_layer, 0, areas, layer_colours, labels=True)
    _stack(by_layer, 1, energies, layer_colours, labels=True)
    by_layer.set_title("by layer")
    for axis in (by_component, by_layer):
        axis.set_xticks([0, 1], [f"area\n{report.area_mm2:.4g} mm²",
                                 f"energy\n{report.energy_pj:,.0f} pJ"])
        axis.set_ylabel("share of the total (%)")
        axis.set_ylim(0, 100)
        axis.set_xlim(-0.6, 1.6)
    by_layer.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=layer_colours[name])
                             for name in areas],
                    labels=[f"{name} (area only)" if name == SHARED else name for name in areas],
                    loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
                    frameon=False)

    for index, layer in enumerate(report.layers):
        bottom = 0.0
        for name in used:
            value = layer.energy_by_component_pj.get(name, 0.0)
            per_layer.bar(index, value, bottom=bottom, color=colours[name], width=0.6,
                          edgecolor="white", linewidth=0.5)
            bottom += value
        per_layer.text(index, bottom, f"{bottom:,.0f}", ha="center", va="bottom", fontsize=8)
    per_layer.set_xticks(range(len(layer_names)),
                         [f"{layer.name}: {layer.fan_in}->{layer.outputs}\n"
                          f"{layer.repetitions} run{'s' if layer.repetitions > 1 else ''}\n"
                          f"busiest cycle {layer.peak_current_a:.3g} A"
                          for layer in report.layers], fontsize=8)
    per_layer.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    per_layer.set_ylabel("energy per inference (pJ)")
    per_layer.set_title("energy of each layer, by component")
    per_layer.grid(axis="y", alpha=0.3)

    figure.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=colours[name]) for name in used],
                  labels=[component_label(name) for name in used], loc="outside right upper",
                  fontsize=8, frameon=False,
                  title="component")
    figure.suptitle(_title(report), fontsize=10)
    return figure
