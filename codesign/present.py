"""Presentation: every table and line the commands show, in one place.

Commands parse, call the libraries, and hand the results to these functions. Tables are built
for a terminal of any width: columns fold rather than cut, and the number formats come from
the objective table (`codesign.objectives`). Whatever comes from outside the program (a path, a
name, a storage URL, a stored error) is shown through `shown` (markup) or `printable` (plain
text): its control characters escaped, its brackets never read as markup.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from codesign.errors import printable
from codesign.objectives import ACCURACY, hardware_objectives
from codesign.problem import Problem
from hwmodel import (
    CostReport,
    FirstLayerDataflow,
    FirstLayerMode,
    Organisation,
    PopcountCircuit,
    component_label,
)
from trainer.config import InputMode


def shown(value: Any) -> str:
    """`value` for a string that rich reads as markup: control characters escaped
    (`codesign.errors.printable`), and `[` never starting a style."""
    return escape(printable(value))


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False)


def show(out: Console, items: Iterable[RenderableType]) -> None:
    """Print a command's result: its parts separated by a blank line. A `verbatim` part
    (commands to copy) is never wrapped."""
    for index, item in enumerate(items):
        if index:
            out.print()
        out.print(item, soft_wrap=isinstance(item, Text) and bool(item.no_wrap))


def verbatim(text: str) -> Text:
    """Lines printed as they are (control characters escaped): a wrapped command line cannot
    be copied."""
    return Text("\n".join(printable(line) for line in text.split("\n")), no_wrap=True)


MAX_UNBROKEN_WORD = 10  # longer words may be broken to fit 80 columns; shorter ones never


def table(title: str | None, columns: Sequence[tuple[str, str]],
          rows: Iterable[Sequence[str]] = (), **options: Any) -> Table:
    """A table whose cells fold when the terminal is narrow (numbers are never cut); a rule
    under the header, two spaces between columns and no frame, so that it stays legible at 80
    columns and when piped (rich then assumes 80). With `rows`, each column is at least as
    wide as its longest word (up to MAX_UNBROKEN_WORD), so folding breaks lines between
    words, not inside them."""
    options = {"box": box.SIMPLE_HEAD, "show_edge": False, "padding": (0, 1, 0, 0),
               "min_width": min(len(title or ""), 80) or None, **options}
    rows = [list(row) for row in rows]
    result = Table(title=title, **options)
    for index, (name, justify) in enumerate(columns):
        words = [word for row in rows for word in str(row[index]).split()] + name.split()
        widest = max((len(word) for word in words), default=0)
        result.add_column(name, justify=justify, overflow="fold",  # type: ignore[arg-type]
                          min_width=min(widest, MAX_UNBROKEN_WORD) or None)
    for row in rows:
        result.add_row(*(shown(cell) for cell in row))
    return result


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


# --- design points -----------------------------------------------------------------------------


def front_table(trials: Iterable, problem: Problem, title: str,
                limit: int | None = None) -> Table:
    """Design points with their choices and every objective (test accuracy beside val). Each
    parameter shows itself in its column (`codesign.design_space`): designs that differ in
    any parameter print differently."""
    costs = problem.goals.costs
    columns = [("#", "right"), ("network", "left"), ("input", "left"), ("hardware", "left"),
               ("N", "right"), (ACCURACY.heading, "right"), ("test acc\n(%)", "right"),
               *[(o.heading, "right") for o in costs]]
    rows = []
    for trial in list(trials)[:limit]:
        described = problem.design_space.describe(trial.params)
        rows.append([str(trial.number), described["network"], described["input"],
                     described["hardware"], described["N"],
                     ACCURACY.format(ACCURACY.value(trial.user_attrs)),
                     ACCURACY.format(trial.user_attrs["test_accuracy"]),
                     *[o.format(o.value(trial.user_attrs)) for o in costs]])
    return table(title, columns, rows)


def front_records(trials: Iterable, problem: Problem) -> list[dict[str, Any]]:
    """Design points as rows with named columns (CSV, JSON): the trial, its training run,
    every parameter of the space, and every recorded metric in the study's units (accuracy
    as a fraction, as in the study and an exported design; `codesign.objectives`)."""
    names = problem.design_space.names
    return [{"design_trial": trial.number, "network_trial": trial.user_attrs["network_trial"],
             **{name: trial.params.get(name) for name in names},
             **{name: trial.user_attrs.get(name) for name in problem.recorded}}
            for trial in trials]


def print_csv(records: Sequence[Mapping[str, Any]]) -> None:
    """Rows to stdout as CSV, the header from the first row (no rows: nothing printed)."""
    if not records:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def status_report(progress: Mapping[str, Any], front: Sequence, problem: Problem,
                  top: int) -> list[RenderableType]:
    networks = progress["networks"]
    counts = (f"study [bold]{shown(progress['study'])}[/]: {progress['networks_counted']}/"
              f"{progress['budget']} networks ({networks['trained']} trained, "
              f"{networks['stopped_early']} stopped early, {networks['failed']} failed, "
              f"{networks['rejected_by_budgets']} rejected by "
              f"budgets, {networks['running']} running, {networks['interrupted']} "
              f"interrupted); {progress['design_points']} design points")
    counts += "\n" + time_line(progress["time_s"])
    for failure in progress["failures"]:
        counts += (f"\n  network #{failure['network_trial']} failed: "
                   f"{shown(failure['error'])}")
    parts: list[RenderableType] = [counts]
    if front:
        best = front[0].user_attrs
        parts.append(f"most accurate design: val {percent(best['val_accuracy'])}, "
                     f"test {percent(best['test_accuracy'])}")
    parts.append(front_table(front, problem, f"Pareto front: {len(front)} designs", limit=top))
    return parts


def pareto_report(problem: Problem, front: Sequence, top: int | None,
                  history: Sequence[tuple[int, float]], files: Sequence) -> list[RenderableType]:
    parts: list[RenderableType] = [
        front_table(front, problem,
                    f"{shown(problem.name)}: Pareto front ({len(front)} designs)", limit=top)]
    if history:
        parts.append(f"hypervolume after {history[-1][0]} training runs: {history[-1][1]:.4f} "
                     "(objectives normalised: 1 - accuracy, cost / largest cost in the space)")
    parts.append(wrote(files))
    return parts


def wrote(files: Sequence) -> Text:
    return verbatim("\n".join(f"wrote {path}" for path in files))


def exported(design_trial: int, document: Mapping[str, Any], path, missing_checkpoint
             ) -> str:
    metrics = document["metrics"]
    costs = [f"{o.format(metrics[o.attribute])} {o.unit}" for o in hardware_objectives()
             if o.attribute in metrics]
    line = (f"design trial {design_trial} -> {shown(path)}: val "
            f"{percent(metrics['val_accuracy'])}, test {percent(metrics['test_accuracy'])}, "
            + ", ".join(costs))
    if document["checkpoint"]:
        return line + f"\nweights -> {shown(document['checkpoint'])} (beside it)"
    return line + (f"\n[yellow]note:[/] no weights exported: {shown(missing_checkpoint)} is gone "
                   "(`train` retrains the design; `evaluate` needs the weights)")


# --- the search's progress -----------------------------------------------------------------


def duration(seconds: float) -> str:
    """`42 s`, `3 min 05 s`, `2 h 10 min`: what a person reads at a glance."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def network_label(network_trial: int, ordinal: int, budget: int) -> str:
    """`network 4/6 (trial #7)`: which network of the budget, and its trial in NAME:networks
    (duplicates, rejections and interrupted runs also take trial numbers)."""
    return f"network {ordinal}/{budget} (trial #{network_trial})"


def search_opening(name: str, storage: str) -> str:
    return f"study [bold]{shown(name)}[/] in {shown(storage)}"


def local_ray_exposure(auth_mode: str | None) -> str:
    """What `search --expose` opens with a local Ray (measured with `ss -ltnp`, Ray 2.60)."""
    guard = ("[bold red]with no authentication (RAY_AUTH_MODE=disabled): anyone who can reach "
             "this machine can run code in it[/]" if (auth_mode or "").lower() == "disabled"
             else "guarded by Ray's token authentication")
    return ("[yellow]exposed:[/] the local Ray's servers (GCS, raylet, object manager, "
            "workers, dashboard agent, runtime-env agent) listen on every network interface "
            f"of this machine, {guard}")


def dashboard_serving(storage: str, host: str, port: int, exposed: bool) -> str:
    line = (f"optuna-dashboard on {shown(storage)}: http://{shown(host)}:{port}/ "
            "(Ctrl-C stops)")
    if not exposed:
        return line
    return line + (f"\n[yellow]exposed:[/] anyone who can reach this machine on port {port} "
                   "can read every study in this storage and change it (notes, trial states, "
                   "delete studies): optuna-dashboard has no authentication")


def search_progress_note(front: Mapping[str, float], eta_s: float | None) -> str:
    size = int(front.get("front_size", 0))
    parts = [f"front {size} designs, HV {front.get('hypervolume', 0.0):.4f}"] if size else []
    parts.append(f"ETA {duration(eta_s)}" if eta_s is not None else "ETA -")
    return "; ".join(parts)


def search_event_line(event, budget: int, took_s: float | None) -> str:
    """One line per network the search finishes: trained, failed or rejected."""
    data = event.data
    label = network_label(event.network_trial, data["ordinal"], budget)
    took = f" in {duration(took_s)}" if took_s is not None else ""
    if event.kind == "trained":
        accuracy = max(data["val_accuracy"].values())
        return (f"{label} trained{took}: val acc {percent(accuracy)}, "
                f"{data['design_points']} designs; front {data['front_size']}, "
                f"HV {data['hypervolume']:.4f}")
    if event.kind == "failed":
        return f"[red]{label} failed{took}:[/] {shown(event.message)}"
    if event.kind == "stopped":
        return (f"{label} stopped after {data['stopped_at']} epoch(s){took}: at best val acc "
                f"{percent(max(data['val_curve']))}, none of its designs could reach the front "
                f"(needs > {percent(data.get('accuracy_to_beat', 0.0))}); not recorded")
    return (f"{label} rejected before training: no hardware configuration fits the "
            "budgets")


def time_line(time_s: Mapping[str, float]) -> str:
    """Where the time went (`codesign.timing`): the parts, and the share after training."""
    parts = ", ".join(f"{part} {duration(time_s[part])}"
                      for part in ("costing", "training", "testing", "recording"))
    return (f"time: {duration(time_s['wall'])} wall; {parts}; after training "
            f"{percent(time_s['after_training_share'])} of the wall time")


def search_summary(summary, front: Sequence, problem: Problem,
                   flags: str) -> list[RenderableType]:
    counts = (f"{summary.stopped_because}: {summary.networks_trained} networks trained, "
              f"{summary.networks_stopped} stopped early, {summary.networks_failed} failed, "
              f"{summary.networks_rejected} rejected by "
              f"budgets; {summary.design_points} design points recorded")
    table_ = front_table(front, problem, f"Pareto front ({len(front)} designs, top 10)",
                         limit=10)
    commands = "\n".join(f"  python -m codesign {command} {flags}{extra}" for command, extra in (
        ("pareto", ""), ("dashboard", ""), ("export", " --pick knee -o design.yaml")))
    return [counts, time_line(summary.time_s), table_, verbatim(f"next:\n{commands}")]


# --- a hardware report -----------------------------------------------------------------------


def design_words(report: CostReport) -> tuple[str, str]:
    """A hardware design in words, wherever one is shown (the `hw` header, the breakdown
    figure): its input encoding, and its organisation, arrays, dataflow, popcount and device
    choices."""
    arch = report.architecture
    if arch.is_sc:
        encoding = (f"sc, {arch.sng_kind} SNG shared by {arch.sng_sharing}, merge at "
                    f"{arch.merge_point}, N={report.effective_bitstream_length}")
    else:
        encoding = f"{arch.first_layer_mode}, {arch.input_bits}-bit pixels"
    uses_tiles = Organisation.get(arch.organisation).uses_tiles
    organisation = arch.organisation + (f" ({arch.tiles} tiles)" if uses_tiles else "")
    ecc = "no ECC" if arch.ecc == "none" else arch.ecc
    return encoding, (f"{organisation}, {arch.array_rows}x{arch.array_cols} arrays, "
                      f"{arch.first_layer_dataflow}, {arch.popcount_circuit}, "
                      f"{arch.mram_cell} at {arch.read_voltage_mv} mV, {ecc}")


def hw_report(report: CostReport) -> list[RenderableType]:
    encoding, hardware = design_words(report)
    header = (f"[bold]{shown(report.workload)}[/] on [bold]{shown(report.technology)}[/]: "
              f"{shown(encoding)}; {shown(hardware)}")

    totals = table("Totals (per inference)", [("quantity", "left"), ("value", "right")],
                   show_header=False)
    totals.add_row("area", f"{number(report.area_um2)} um^2 = {report.area_mm2:.4f} mm^2")
    totals.add_row("energy", f"{number(report.energy_pj)} pJ")
    totals.add_row("latency", f"{number(report.latency_ns)} ns")
    totals.add_row("throughput", f"{number(report.inferences_per_s)} inferences/s")
    totals.add_row("average power", f"{report.average_power_mw:.3f} mW")
    totals.add_row("bit-error rate", f"{report.bit_error_rate:.2e} read, "
                   f"{report.weight_error_rate:.2e} as the network sees it")

    components = table("Breakdown by component", [
        ("component", "left"), ("area um^2", "right"), ("area", "right"),
        ("energy pJ", "right"), ("energy", "right")])
    for name, area in report.area_by_component_um2.items():
        energy = report.energy_by_component_pj[name]
        components.add_row(component_label(name), number(area), share(area, report.area_um2),
                           number(energy), share(energy, report.energy_pj))
    components.add_row("[bold]total", number(report.area_um2), "", number(report.energy_pj), "")

    layers = table("Breakdown by layer (area: hardware used by that layer alone)", [
        ("layer", "left"), ("shape", "left"), ("arrays", "right"), ("runs", "right"),
        ("units", "right"), ("cycles", "right"), ("area um^2", "right"), ("energy pJ", "right")])
    for layer in report.layers:
        shape = f"{layer.fan_in}->{layer.outputs}" + (
            f" @{layer.positions}" if layer.positions > 1 else "")
        layers.add_row(layer.name, shape, f"{layer.arrays:,}", f"{layer.repetitions:,}",
                       f"{layer.busy_units:,}", f"{layer.cycles:,}", number(layer.area_um2, 0),
                       number(layer.energy_pj, 0))
    shared = report.area_by_layer_um2.get("shared", 0.0)
    layers.add_row("shared", "tiles, buffers", "", "", "", "", number(shared, 0), "")

    counts = table("Counts (per inference)", [("count", "left"), ("value", "right")],
                   show_header=False)
    for name, value in report.counts.model_dump().items():
        counts.add_row(name.replace("_", " "), f"{value:,}")
    busiest = max((layer.arrays for layer in report.layers), default=0)
    arch = report.architecture
    if Organisation.get(arch.organisation).uses_tiles and arch.tiles > busiest:
        header += (f"\n[yellow]note:[/] {arch.tiles:,} tiles, but no layer has more than "
                   f"{busiest:,} arrays: at most {busiest:,} tiles work at once, the others "
                   "only add area")
    return [header, totals, components, layers, counts]


# --- the paper check ---------------------------------------------------------------------------


def paper_check(check) -> list[RenderableType]:
    claims = check.claims
    n = check.bitstream_length
    header = (
        f"[bold]Paper check[/]: {check.workload} on [bold]{check.technology}[/]; SC: "
        f"{check.sng} SNG, first-layer merge; {check.array_rows}-row arrays, shared designs "
        f"with {check.tiles} tiles.\nOperating point: "
        + (f"N = {n}, the shortest N within {claims['accuracy_cost_points']} points of the "
           f"conventional BNN (SC {percent(check.sc_accuracy)} vs "
           f"{percent(check.conventional_accuracy)}; {check.accuracy_source})"
           if n is not None else "no measured N is within the paper's accuracy cost")
    )
    rows = table(
        f"Area saving and energy ratio (paper: {claims['area_reduction']:.0%} less area, "
        f"{claims['energy_factor']}x less energy)",
        [("organisation", "left"), ("popcount", "left"), ("dataflow", "left"),
         ("baseline", "left"), ("area\nsaving", "right"), (f"energy x\nN={n}", "right"),
         ("free L1\nx", "right")])
    for row in check.rows:
        rows.add_row(*_combination(row),
                     ("[green]" if row.reaches_area else "") + f"{row.area_reduction:.1%}",
                     ("[green]" if row.reaches_energy else "") + f"{row.energy_ratio:.2f}x",
                     f"{row.free_layer1_ratio:.2f}x")
    area, energy = check.reproducing()
    verdict = [
        _verdict(f"{claims['area_reduction']:.0%} area", area, "area_reduction"),
        _verdict(f"{claims['energy_factor']}x energy", energy, "energy_ratio"),
    ]
    note = ("energy x: baseline / SC energy; free L1 x: the most a free first layer could "
            "give against that baseline (baseline / its energy without layer 1).")
    return [header, rows, note, *verdict]


def _combination(row) -> tuple[str, str, str, str]:
    """A paper-check row's organisation, circuit, dataflow and baseline by their kinds' short
    names (`hwmodel.kinds`)."""
    return (Organisation.get(row.organisation).short,
            PopcountCircuit.get(row.popcount_circuit).short,
            FirstLayerDataflow.get(row.dataflow).short, FirstLayerMode.get(row.baseline).short)


def _verdict(claim: str, rows: list, key: str) -> str:
    if not rows:
        return f"[bold]{claim}[/]: reproduced by no combination."
    best = max(rows, key=lambda r: getattr(r, key))
    names = sorted({"/".join(_combination(r)[::3]) for r in rows})
    organisation, circuit, dataflow, baseline = _combination(best)
    return (f"[bold]{claim}[/]: reached by {len(rows)} combinations "
            f"({', '.join(names)}); best {organisation} {circuit} {dataflow} vs {baseline}.")


# --- RTL --------------------------------------------------------------------------------------


def rtl_table(rows: list[dict], node_nm: float, synthesized: bool) -> Table:
    """Each block: the model's primitives and area, and (synthesized) area and ratio."""
    columns = [("block", "left"), ("model primitives", "left"), ("model\num^2", "right")]
    if synthesized:
        columns += [(f"synth um^2\n{node_nm:g} nm", "right"), ("synth/\nmodel", "right")]
    result = table("Logic blocks" + (": the model against Yosys" if synthesized else ""), columns)
    for row in rows:
        cells = [row["name"], row["model_primitives"], number(row["model_area_um2"])]
        if synthesized:
            cells += [number(row["synthesized_area_um2"]),
                      f"{row['synthesized_over_model']:.2f}"]
        result.add_row(*cells)
    return result


# --- training ----------------------------------------------------------------------------------


def accuracy_table(config, accuracy: Mapping[int, float]) -> Table:
    """Test accuracy at each N (one row, N "-", without SC)."""
    sc = config.input.mode == InputMode.SC
    return table(f"{shown(config.name)}: test accuracy ({config.data.dataset})",
                 [("N", "right"), ("test accuracy", "right")],
                 [(str(length) if sc else "-", percent(value))
                  for length, value in accuracy.items()])


def evaluation(config, accuracy: Mapping[int, float], sweep,
               checkpoint) -> list[RenderableType]:
    """`codesign evaluate`: clean accuracy by N, and with the design's weight bit errors."""
    errors = [] if sweep is None else [error_sweep(sweep, config.input.mode == InputMode.SC)]
    return [accuracy_table(config, accuracy), *errors,
            verbatim(f"weights: {checkpoint} (evaluated, not retrained)")]


def train_result(config, result) -> list[RenderableType]:
    sc = config.input.mode == InputMode.SC
    accuracy = accuracy_table(config, result.test_accuracy)
    encoding = (f" ({config.input.training}, merge {config.input.merge_point}, "
                f"SNG {config.input.sng.kind})" if sc else "")
    summary = (f"input {config.input.mode}{encoding}; {result.epochs_run} epochs in "
               f"{result.train_time_s:.0f} s on {result.device_name}; best validation "
               f"accuracy {percent(result.val_accuracy)}")
    if config.weight_errors.train_ber > 0:
        summary += f"; error-aware (weights flipped at {config.weight_errors.train_ber:g})"
    parts: list[RenderableType] = [accuracy]
    if result.test_error_sweep is not None:
        parts.append(error_sweep(result.test_error_sweep, sc))
    return [*parts, summary, f"checkpoint: {shown(result.checkpoint_path)}"]


def error_sweep(sweep, sc: bool) -> Table:
    """Test accuracy with the weights flipped at each bit-error rate: mean ± std over the maps
    (chips), and in parentheses their low percentile (the bad chips)."""
    result = table(f"test accuracy with weight bit errors: mean ± std "
                   f"({sweep.percentile:g}th percentile) over {sweep.maps} error maps, "
                   f"{sweep.structure.describe()}",
                   [("bit-error rate", "right"), *[(f"N={n}" if sc else "accuracy", "right")
                                                   for n in sweep.lengths]])
    mean, spread, low = sweep.mean(), sweep.spread(), sweep.low()
    for ber in sweep.bers:
        result.add_row(f"{ber:.2g}", *[f"{percent(mean[ber][n])} ± {100 * spread[ber][n]:.2f} "
                                       f"({percent(low[ber][n])})" for n in sweep.lengths])
    return result
