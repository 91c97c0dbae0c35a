"""Which preset numbers move the headline figures: a one-at-a-time sweep over the preset's ranges.

    python experiments/sensitivity.py                          # tables + docs/sensitivity.png
    python experiments/sensitivity.py --markdown --plot PATH   # as in docs/hwmodel-validation.md

Headline figures: the example design's area and energy (examples/hw_fmnist_sc.yaml), and the
paper check's best area saving and best energy ratio over all its combinations (the figures
whose thresholds, 62 % and 2.1x, decide its two verdicts). Each ranged field of the preset is
set to its cost-lowering and its cost-raising bound (`Technology.at_corner(..., fields=[f])`)
with every other field at its nominal value; a tornado chart shows the fields that move each
figure most. Then, for each paper-check figure, a search over the vertices of the whole box of
ranges (start from every field's favourable bound, flip single fields while that improves)
finds its smallest and largest value (a local extreme over the vertices): a verdict that holds
at both holds across the ranges.
"""

from __future__ import annotations

import argparse
import functools
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import yaml  # noqa: E402

from hwmodel import design_from_document, evaluate, load_technology  # noqa: E402
from hwmodel.technology import Technology  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hw_fmnist_sc.yaml"
PLOT = ROOT / "docs" / "sensitivity.png"
SHOWN = 10  # fields per figure in the chart and the tables


# --- the paper check, through one adapter -----------------------------------------------------

def paper_figures(tech: Technology) -> dict[str, float]:
    """The paper check's two headline figures at `tech`: the best area saving and the best
    energy ratio over its combinations (codesign/paper_check.py; the one place this script
    reads it, so that its later extensions change only this function)."""
    from codesign.paper_check import paper_check

    check = paper_check(tech, _accuracy())
    return {"best_area_saving": max(row.area_reduction for row in check.rows),
            "best_energy_ratio": max(row.energy_ratio for row in check.rows)}


def paper_thresholds() -> dict[str, float]:
    from codesign.paper_check import PAPER

    return {"best_area_saving": PAPER.area_reduction, "best_energy_ratio": PAPER.energy_factor}


@functools.cache
def _accuracy():
    from codesign.paper_check import load_accuracy

    return load_accuracy()


# --- the figures ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    threshold: float | None = None  # a verdict's line: the figure reaches it or not


def example_figures(tech: Technology) -> dict[str, float]:
    design = design_from_document(yaml.safe_load(EXAMPLE.read_text()), EXAMPLE.parent)
    report = evaluate(design.build_workload(), design.architecture, tech)
    return {"example_area_mm2": report.area_mm2, "example_energy_uj": report.energy_pj * 1e-6}


def figures(tech: Technology) -> dict[str, float]:
    return {**example_figures(tech), **paper_figures(tech)}


def figure_specs() -> list[Figure]:
    threshold = paper_thresholds()
    return [
        Figure("example_area_mm2", "example design: area", "mm^2"),
        Figure("example_energy_uj", "example design: energy per inference", "uJ"),
        Figure("best_area_saving", "paper check: best area saving", "",
               threshold["best_area_saving"]),
        Figure("best_energy_ratio", "paper check: best energy ratio", "x",
               threshold["best_energy_ratio"]),
    ]


@dataclass(frozen=True)
class Swing:
    """One field swept alone: each figure at its cost-lowering and cost-raising bound."""

    field: str
    at_low: dict[str, float]
    at_high: dict[str, float]

    def width(self, figure: str) -> float:
        return abs(self.at_high[figure] - self.at_low[figure])


def sweep(tech: Technology, measure: Callable[[Technology], dict[str, float]]) -> list[Swing]:
    return [Swing(field, measure(tech.at_corner("low", [field])),
                  measure(tech.at_corner("high", [field]))) for field in tech.ranges]


def box_extreme(tech: Technology, figure: str, swings: list[Swing], largest: bool,
                measure: Callable[[Technology], dict[str, float]]) -> tuple[float, dict]:
    """The figure's largest (or smallest) value over the vertices of the box of ranges: start
    at each field's favourable bound (from the sweep), then flip single fields while one
    improves it. Returns the value and the vertex (field -> "low"/"high" cost bound)."""
    better = (lambda a, b: a > b) if largest else (lambda a, b: a < b)
    vertex = {s.field: ("high" if better(s.at_high[figure], s.at_low[figure]) else "low")
              for s in swings}

    def value(corners: dict[str, str]) -> float:
        chosen = {f: tech.cost_bound(f, corner) for f, corner in corners.items()}
        return measure(tech.with_values(chosen))[figure]

    best = value(vertex)
    for _ in range(3):  # passes; each keeps a flip only if it improves the figure
        improved = False
        for field in vertex:
            trial = {**vertex, field: "low" if vertex[field] == "high" else "high"}
            candidate = value(trial)
            if better(candidate, best):
                vertex, best, improved = trial, candidate, True
        if not improved:
            break
    return best, vertex


# --- presentation -------------------------------------------------------------------------------

def fmt(value: float, figure: Figure) -> str:
    if figure.unit == "":
        return f"{value:.1%}"
    return f"{value:.3g}x" if figure.unit == "x" else f"{value:.4g}"


def tornado(nominal: dict[str, float], swings: list[Swing], specs: list[Figure],
            path: Path) -> None:
    fig, axes = plt.subplots(len(specs), 1, figsize=(8.5, 3.1 * len(specs)))
    for ax, spec in zip(axes, specs, strict=True):
        top = sorted(swings, key=lambda s: s.width(spec.name), reverse=True)[:SHOWN][::-1]
        base = nominal[spec.name]
        for y, swing in enumerate(top):
            low, high = swing.at_low[spec.name], swing.at_high[spec.name]
            ax.barh(y, low - base, left=base, color="#4c72b0", height=0.7)
            ax.barh(y, high - base, left=base, color="#dd8452", height=0.7)
        ax.set_yticks(range(len(top)), [s.field for s in top], fontsize=7)
        ax.axvline(base, color="black", lw=0.8)
        if spec.threshold is not None:
            ax.axvline(spec.threshold, color="red", ls="--", lw=1,
                       label=f"the paper's claim ({fmt(spec.threshold, spec)})")
            ax.legend(fontsize=7, loc="lower right")
        unit = f" ({spec.unit})" if spec.unit and spec.unit != "x" else ""
        ax.set_title(f"{spec.label}{unit}: nominal {fmt(base, spec)}", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle("Preset fields swept alone over their ranges (blue: cost-lowering bound, "
                 "orange: cost-raising bound)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def print_tables(nominal, swings, specs, extremes, markdown: bool) -> None:
    for spec in specs:
        top = sorted(swings, key=lambda s: s.width(spec.name), reverse=True)[:SHOWN]
        print(f"\n{spec.label}: nominal {fmt(nominal[spec.name], spec)}")
        header = ["field", "at cost-lowering bound", "at cost-raising bound"]
        rows = [[s.field, fmt(s.at_low[spec.name], spec), fmt(s.at_high[spec.name], spec)]
                for s in top]
        if markdown:
            print("\n| " + " | ".join(header) + " |\n|" + " --- |" * 3)
            print("\n".join("| " + " | ".join(row) + " |" for row in rows))
        else:
            print("\n".join(f"  {row[0]:34} {row[1]:>10} {row[2]:>10}" for row in rows))
        if spec.name in extremes:
            print(textwrap.fill(verdict_line(spec, nominal, swings, extremes[spec.name]), 80))


def verdict_line(spec: Figure, nominal, swings, extreme) -> str:
    """Whether the figure reaches its threshold at nominal, alone per field, and over the box."""
    (low, _), (high, high_vertex) = extreme
    reaches = nominal[spec.name] >= spec.threshold
    flips = [s.field for s in swings
             if any((value >= spec.threshold) != reaches
                    for value in (s.at_low[spec.name], s.at_high[spec.name]))]
    span = f"over all the ranges {fmt(low, spec)} .. {fmt(high, spec)}"
    if (low >= spec.threshold) == (high >= spec.threshold):
        state = "reached" if reaches else "not reached"
        return f"-> {fmt(spec.threshold, spec)}: {state} at nominal and {span}: the verdict holds"
    alone = (f"flipped by {', '.join(flips)} alone" if flips
             else "flipped only by several fields together")
    return (f"-> {fmt(spec.threshold, spec)}: {'reached' if reaches else 'not reached'} at "
            f"nominal; {span}: the verdict flips inside the ranges ({alone})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technology", default="stt_mram_28nm", help="preset name or YAML path")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--plot", type=Path, default=PLOT, help="the tornado chart (PNG)")
    args = parser.parse_args(argv)
    try:
        tech = load_technology(args.technology)
    except ValueError as exc:
        print(f"--technology: {exc}", file=sys.stderr)
        return 2
    if not tech.ranges:
        print(f"--technology: {tech.name} has no ranges: nothing to sweep", file=sys.stderr)
        return 2
    if not args.plot.parent.is_dir():
        print(f"--plot: no directory {args.plot.parent}", file=sys.stderr)
        return 2
    specs = figure_specs()
    nominal = figures(tech)
    swings = sweep(tech, figures)
    extremes = {spec.name: (box_extreme(tech, spec.name, swings, False, paper_figures),
                            box_extreme(tech, spec.name, swings, True, paper_figures))
                for spec in specs if spec.threshold is not None}
    print(f"Preset {tech.name}: {len(tech.ranges)} ranged fields, each swept alone "
          f"({SHOWN} largest swings per figure)")
    print_tables(nominal, swings, specs, extremes, args.markdown)
    tornado(nominal, swings, specs, args.plot)
    print(f"\ntornado chart: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
