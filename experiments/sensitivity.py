"""Which preset numbers move the headline figures: a one-at-a-time sweep over the preset's ranges.

    python experiments/sensitivity.py                          # tables + docs/sensitivity.png
    python experiments/sensitivity.py --markdown --plot PATH   # as in docs/hwmodel-validation.md

Headline figures: the example design's area and energy (examples/hw_fmnist_sc.yaml), and the
paper check's best area saving and best energy ratio (the figures whose thresholds, 62 % and
2.1x, decide its verdicts), raw and at equal throughput, each over the buildable combinations
(within the default buildability limits: what the check's verdicts judge) and over all of
them, buildable or not (the second column of the chart). Each ranged field of the preset is
set to its cost-lowering and its cost-raising bound (`Technology.at_corner(..., fields=[f])`)
with every other field at its nominal value; a tornado chart shows the fields that move each
figure most. Then, for each paper-check figure, a search over the vertices of the whole box of
ranges (start from every field's favourable bound, flip single fields while that improves)
finds its smallest and largest value (a local extreme over the vertices); its span is those
and every value of the sweep: a verdict that holds at both ends holds across the ranges.
Under each verdict: where a single number flips it (the paper check's bisection), and, over
all designs, how many combinations reach the claim and which buildability limits they break.
"""

from __future__ import annotations

import argparse
import collections
import functools
import math
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

PAPER_VIEWS = {"raw": "raw", "equal_throughput": "at equal throughput"}  # `paper_check.VIEWS`
OVER = {"buildable": "over buildable designs", "all": "over all designs, buildable or not"}
CLAIMS = {  # figure -> (the paper's claim in `PAPER`, the check row's field, label, unit)
    "area_saving": ("area_reduction", "area_reduction", "best area saving", ""),
    "energy_ratio": ("energy_factor", "energy_ratio", "best energy ratio", "x"),
}


def paper_name(view: str, claim: str, over: str) -> str:
    return f"{view}_{claim}_{over}"


def paper_figures(tech: Technology) -> dict[str, float]:
    """The paper check's headline figures at `tech`: in each view, the best area saving and the
    best energy ratio over its buildable combinations (as its verdicts judge them: -inf where
    none is buildable) and over all of them, buildable or not (codesign/problem/paper_check.py; the
    one place this script reads it, with `reaching_rows`)."""
    from codesign.problem.paper_check import paper_check

    check = paper_check(tech, _accuracy())
    found = {}
    for view in PAPER_VIEWS:
        rows = check.in_view(view)
        for over, chosen in (("buildable", [r for r in rows if r.buildable]), ("all", rows)):
            for claim, (_, field, _, _) in CLAIMS.items():
                found[paper_name(view, claim, over)] = max(
                    (getattr(r, field) for r in chosen), default=-math.inf)
    return found


def reaching_rows(tech: Technology, view: str, claim: str) -> list:
    """The paper check's rows of `view` that reach the paper's `claim` at `tech`."""
    from codesign.problem.paper_check import paper_check

    field, threshold = CLAIMS[claim][1], paper_thresholds()[claim]
    return [r for r in paper_check(tech, _accuracy()).in_view(view)
            if getattr(r, field) >= threshold]


def paper_thresholds() -> dict[str, float]:
    from codesign.problem.paper_check import PAPER

    return {claim: getattr(PAPER, attr) for claim, (attr, _, _, _) in CLAIMS.items()}


@functools.cache
def _accuracy():
    from codesign.problem.paper_check import load_accuracy

    return load_accuracy()


# --- the figures ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    threshold: float | None = None  # a verdict's line: the figure reaches it or not
    view: str | None = None  # a paper-check figure: its view, claim and designs (`OVER`)
    claim: str | None = None
    over: str | None = None


def example_figures(tech: Technology) -> dict[str, float]:
    design = design_from_document(yaml.safe_load(EXAMPLE.read_text()), EXAMPLE.parent)
    report = evaluate(design.build_workload(), design.architecture, tech)
    return {"example_area_mm2": report.area_mm2, "example_energy_uj": report.energy_pj * 1e-6}


def figures(tech: Technology) -> dict[str, float]:
    return {**example_figures(tech), **paper_figures(tech)}


def figure_specs() -> list[Figure]:
    """The example's two figures, then each paper-check figure over buildable designs beside
    the same over all designs (the order of the chart's two columns)."""
    threshold = paper_thresholds()
    specs = [Figure("example_area_mm2", "example design: area", "mm^2"),
             Figure("example_energy_uj", "example design: energy per inference", "uJ")]
    for view, view_label in PAPER_VIEWS.items():
        for claim, (_, _, label, unit) in CLAIMS.items():
            specs += [Figure(paper_name(view, claim, over), f"paper check {view_label}: {label} "
                             f"{over_label}", unit, threshold[claim], view, claim, over)
                      for over, over_label in OVER.items()]
    return specs


@dataclass(frozen=True)
class Swing:
    """One field swept alone: each figure at its cost-lowering and cost-raising bound."""

    field: str
    at_low: dict[str, float]
    at_high: dict[str, float]

    def width(self, figure: str) -> float:
        """The swing; infinite where one bound leaves no buildable design (-inf), 0 at both."""
        low, high = self.at_low[figure], self.at_high[figure]
        return 0.0 if low == high else abs(high - low)


def sweep(tech: Technology, measure: Callable[[Technology], dict[str, float]]) -> list[Swing]:
    return [Swing(field, measure(tech.at_corner("low", [field])),
                  measure(tech.at_corner("high", [field])))
            for field in tech.cost_range_fields]  # the device's error fields move no cost


def box_extreme(tech: Technology, figure: str, swings: list[Swing], largest: bool,
                measure: Callable[[Technology], dict[str, float]],
                seen: dict | None = None) -> tuple[float, dict]:
    """The figure's largest (or smallest) value over the vertices of the box of ranges: start
    at each field's favourable bound (from the sweep), then flip single fields while one
    improves it. Returns the value and the vertex (field -> "low"/"high" cost bound). `seen`
    keeps each measured vertex's figures for the next search (the figures share vertices)."""
    seen = {} if seen is None else seen
    better = (lambda a, b: a > b) if largest else (lambda a, b: a < b)
    vertex = {s.field: ("high" if better(s.at_high[figure], s.at_low[figure]) else "low")
              for s in swings}

    def value(corners: dict[str, str]) -> float:
        key = tuple(sorted(corners.items()))
        if key not in seen:
            seen[key] = measure(at_vertex(tech, corners))
        return seen[key][figure]

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


def at_vertex(tech: Technology, corners: dict[str, str]) -> Technology:
    """The technology with each field at its "low" or "high" cost bound."""
    return tech.with_values({f: tech.cost_bound(f, corner) for f, corner in corners.items()})


# --- presentation -------------------------------------------------------------------------------

def fmt(value: float, figure: Figure) -> str:
    if not math.isfinite(value):
        return "none"  # no buildable design
    if figure.unit == "":
        return f"{value:.1%}"
    return f"{value:.3g}x" if figure.unit == "x" else f"{value:.4g}"


def tornado(nominal: dict[str, float], swings: list[Swing], specs: list[Figure],
            path: Path) -> None:
    """Two columns: the example's area and energy, then each paper-check figure over
    buildable designs (left) beside the same over all designs (right)."""
    fig, axes = plt.subplots((len(specs) + 1) // 2, 2, figsize=(13, 2.9 * (len(specs) + 1) // 2))
    for ax, spec in zip(axes.flat, specs, strict=False):
        top = sorted(swings, key=lambda s: s.width(spec.name), reverse=True)[:SHOWN][::-1]
        base = nominal[spec.name]
        for y, swing in enumerate(top):
            for value, colour in ((swing.at_low[spec.name], "#4c72b0"),
                                  (swing.at_high[spec.name], "#dd8452")):
                if math.isfinite(value) and math.isfinite(base):  # none buildable: no bar
                    ax.barh(y, value - base, left=base, color=colour, height=0.7)
        ax.set_yticks(range(len(top)), [s.field for s in top], fontsize=7)
        ax.axvline(base, color="black", lw=0.8)
        if spec.threshold is not None:
            ax.axvline(spec.threshold, color="red", ls="--", lw=1,
                       label=f"the paper's claim ({fmt(spec.threshold, spec)})")
            ax.legend(fontsize=7, loc="lower right")
        unit = f" ({spec.unit})" if spec.unit and spec.unit != "x" else ""
        title = textwrap.fill(f"{spec.label}{unit}: nominal {fmt(base, spec)}", 70)
        ax.set_title(title, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes.flat[len(specs):]:
        ax.set_visible(False)
    fig.suptitle("Preset fields swept alone over their ranges (blue: cost-lowering bound, "
                 "orange: cost-raising bound)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def print_tables(nominal, swings, specs, extremes, markdown: bool,
                 notes: dict[str, list[str]] | None = None) -> None:
    """Each figure's largest swings; under each verdict figure, its verdict line and `notes`
    (flipping values, the limits its reaching designs break)."""
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
        for note in (notes or {}).get(spec.name, []):
            print(textwrap.fill(note, 80))


def verdict_line(spec: Figure, nominal, swings, extreme) -> str:
    """Whether the figure reaches its threshold at nominal, alone per field, and over the box
    (its span: the box's extremes and every value of the sweep, those where no design is
    buildable left out, as in the paper check's verdicts)."""
    seen = [value for value in (nominal[spec.name], *(v for v, _ in extreme),
                                *(getattr(s, end)[spec.name] for s in swings
                                  for end in ("at_low", "at_high")))
            if math.isfinite(value)]
    low, high = min(seen, default=-math.inf), max(seen, default=-math.inf)
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


def flip_notes(tech: Technology, specs: list[Figure]) -> dict[str, list[str]]:
    """Where each number that alone flips a paper-check figure's verdict flips it (the paper
    check's own bisection, `verdicts_across_ranges`, applied to every figure here)."""
    from codesign.problem.paper_check import verdicts_across_ranges

    claim_of = {spec.name: CLAIMS[spec.claim][0] for spec in specs if spec.claim}
    verdicts = verdicts_across_ranges(tech, lambda t: {
        (name, claim): value for name, value in paper_figures(t).items()
        for claim in [claim_of[name]]})
    by_name = {spec.name: spec for spec in specs}
    return {v.view: [f"   {flip.field} flips it at {flip.value:.4g} (nominal {flip.nominal:.4g}, "
                     f"bound {flip.bound:.4g})" for flip in v.flipped_by]
            for v in verdicts if by_name[v.view].claim}


def limit_notes(tech: Technology, specs: list[Figure],
                extremes: dict[str, tuple]) -> dict[str, list[str]]:
    """For each figure over all designs, the combinations that reach the paper's claim at
    nominal and at the box's largest vertex, and the buildability limits their designs break."""
    notes: dict[str, list[str]] = {}
    for spec in specs:
        if spec.over != "all":
            continue
        (_, _), (_, vertex) = extremes[spec.name]
        for where, at in (("at nominal", tech), ("at the largest vertex", at_vertex(tech, vertex))):
            rows = reaching_rows(at, spec.view, spec.claim)
            if rows:
                notes.setdefault(spec.name, []).append(f"   {where}: {limits_broken(rows)}")
    return notes


def limits_broken(rows: list) -> str:
    """How many combinations reach a claim, how many are buildable, and the limits broken."""
    broken = collections.Counter(metric for row in rows
                                 for metric in {*row.sc_over_limits, *row.baseline_over_limits})
    built = sum(row.buildable for row in rows)
    over = ", ".join(f"{metric} by {count}" for metric, count in broken.most_common())
    return (f"{len(rows)} combinations reach it, {built} buildable; limits broken (by SC or "
            f"baseline): {over or 'none'}")


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
    seen: dict = {}
    extremes = {spec.name: (box_extreme(tech, spec.name, swings, False, paper_figures, seen),
                            box_extreme(tech, spec.name, swings, True, paper_figures, seen))
                for spec in specs if spec.threshold is not None}
    notes = flip_notes(tech, specs)
    for name, lines in limit_notes(tech, specs, extremes).items():
        notes.setdefault(name, []).extend(lines)
    print(f"Preset {tech.name}: {len(tech.cost_range_fields)} ranged cost fields, each swept alone "
          f"({SHOWN} largest swings per figure)")
    print_tables(nominal, swings, specs, extremes, args.markdown, notes)
    tornado(nominal, swings, specs, args.plot)
    print(f"\ntornado chart: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
