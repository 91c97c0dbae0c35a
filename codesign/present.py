"""Presentation: every table and line the commands show, in one place.

Commands parse, call the libraries, and hand the results to these functions. Tables are built
for a terminal of any width: columns fold rather than cut, and the number formats come from
the objective table (`codesign.objectives`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table

from codesign.objectives import ACCURACY, OBJECTIVES
from codesign.space import SearchSpace
from hwmodel import CostReport
from trainer.config import InputMode, MergePoint, TrainingMode

SHORT = {
    "sc": "sc", "fixed_point_parallel": "parallel", "fixed_point_bit_serial": "bit-serial",
    "shared_tiles": "shared", "tile_per_array": "per-array", "neuron_parallel": "neuron-par",
    "reread": "reread", "row_latched": "latched", "row_latched_regenerated": "latched-regen",
    "ripple_tree": "ripple", "compressor_tree": "compressor",
}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False)


def show(out: Console, items: Iterable[RenderableType]) -> None:
    """Print a command's result: its parts separated by a blank line."""
    for index, item in enumerate(items):
        if index:
            out.print()
        out.print(item)


def table(title: str | None, columns: Sequence[tuple[str, str]], **options: Any) -> Table:
    """A table whose cells fold when the terminal is narrow (numbers are never cut); a rule
    under the header, two spaces between columns and no frame, so that it stays legible at 80
    columns and when piped (rich then assumes 80)."""
    options = {"box": box.SIMPLE_HEAD, "show_edge": False, "padding": (0, 1, 0, 0), **options}
    result = Table(title=title, **options)
    for name, justify in columns:
        result.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return result


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


# --- design points -----------------------------------------------------------------------------


def describe_network(params: Mapping[str, Any]) -> str:
    """784-1024-1024 style for MLPs, conv c/f for conv networks."""
    if "width_1" in params:
        widths, index = [], 1
        while f"width_{index}" in params:
            widths.append(str(params[f"width_{index}"]))
            index += 1
        return "-".join(widths)
    return f"conv {params.get('base_channels')}/{params.get('fc_width')}"


def describe_input(params: Mapping[str, Any]) -> str:
    if params["input_mode"] != InputMode.SC:
        return "fixed point"
    training = "adapted" if params.get("training_mode") == TrainingMode.ADAPTED else "non-adapt."
    trained_at = f"@{params['train_length']}" if "train_length" in params else ""
    merge = "first" if params.get("merge_point") == MergePoint.FIRST_LAYER else "output"
    return f"{params.get('sng_kind')} {merge} {training}{trained_at}"


def describe_hardware(params: Mapping[str, Any]) -> str:
    """The design point's hardware: first layer, organisation (tiles), dataflow, circuit."""
    parts = [SHORT.get(params.get("first_layer_hw", ""), params.get("first_layer_hw", "?"))]
    organisation = params.get("organisation")
    if organisation:
        tiles = f"x{params['tiles']}" if "tiles" in params else ""
        parts.append(f"{SHORT.get(organisation, organisation)}{tiles}")
    if "array_rows" in params:
        parts.append(f"{params['array_rows']}r")
    if "first_layer_dataflow" in params:
        parts.append(SHORT.get(params["first_layer_dataflow"], params["first_layer_dataflow"]))
    if "popcount_circuit" in params:
        parts.append(SHORT.get(params["popcount_circuit"], params["popcount_circuit"]))
    if "mram_cell" in params:  # device choices: they set the bit-error rate
        parts.append(f"{params['mram_cell']}@{params.get('read_voltage_mv', '?')}mV")
    if params.get("ecc", "none") != "none":
        parts.append(str(params["ecc"]))
    return " ".join(parts)


def front_table(trials: Iterable, space: SearchSpace, title: str,
                limit: int | None = None) -> Table:
    """Design points with their choices and every objective (test accuracy beside val)."""
    costs = [OBJECTIVES[name] for name in space.objectives if OBJECTIVES[name] is not ACCURACY]
    columns = [("#", "right"), ("network", "left"), ("input", "left"), ("hardware", "left"),
               ("N", "right"), (ACCURACY.heading, "right"), ("test acc (%)", "right"),
               *[(o.heading, "right") for o in costs]]
    result = table(title, columns)
    for trial in list(trials)[:limit]:
        attrs, params = trial.user_attrs, trial.params
        result.add_row(
            str(trial.number), describe_network(params), describe_input(params),
            describe_hardware(params), str(params.get("bitstream_length", "-")),
            ACCURACY.format(ACCURACY.value(attrs)), ACCURACY.format(attrs["test_accuracy"]),
            *[o.format(o.value(attrs)) for o in costs],
        )
    return result


# --- a hardware report -----------------------------------------------------------------------


def hw_report(report: CostReport) -> list[RenderableType]:
    arch = report.architecture
    if arch.is_sc:
        encoding = (f"sc, {arch.sng_kind} SNG shared by {arch.sng_sharing}, merge at "
                    f"{arch.merge_point}, N={report.effective_bitstream_length}")
    else:
        encoding = f"{arch.first_layer_mode}, {arch.input_bits}-bit pixels"
    organisation = arch.organisation + (f" ({arch.tiles} tiles)" if arch.organisation ==
                                        "shared_tiles" else "")
    header = (f"[bold]{report.workload}[/] on [bold]{report.technology}[/]: {encoding}; "
              f"{organisation}, {arch.array_rows}x{arch.array_cols} arrays, "
              f"{arch.first_layer_dataflow}, {arch.popcount_circuit}")

    totals = table("Totals (per inference)", [("quantity", "left"), ("value", "right")],
                   show_header=False)
    totals.add_row("area", f"{number(report.area_um2)} um^2 = {report.area_mm2:.4f} mm^2")
    totals.add_row("energy", f"{number(report.energy_pj)} pJ")
    totals.add_row("latency", f"{number(report.latency_ns)} ns")
    totals.add_row("throughput", f"{number(report.inferences_per_s)} inferences/s")
    totals.add_row("average power", f"{report.average_power_mw:.3f} mW")
    ecc = "no ECC" if arch.ecc == "none" else arch.ecc
    totals.add_row("bit-error rate", f"{report.bit_error_rate:.2e} read, "
                   f"{report.weight_error_rate:.2e} after {ecc} "
                   f"({arch.mram_cell}, {arch.read_voltage_mv} mV)")

    components = table("Breakdown by component", [
        ("component", "left"), ("area um^2", "right"), ("area", "right"),
        ("energy pJ", "right"), ("energy", "right")])
    for name, area in report.area_by_component_um2.items():
        energy = report.energy_by_component_pj[name]
        components.add_row(name, number(area), share(area, report.area_um2), number(energy),
                           share(energy, report.energy_pj))
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
        rows.add_row(SHORT[row.organisation], SHORT[row.popcount_circuit], SHORT[row.dataflow],
                     SHORT[row.baseline],
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


def _verdict(claim: str, rows: list, key: str) -> str:
    if not rows:
        return f"[bold]{claim}[/]: reproduced by no combination."
    best = max(rows, key=lambda r: getattr(r, key))
    names = sorted({f"{SHORT[r.organisation]}/{SHORT[r.baseline]}" for r in rows})
    return (f"[bold]{claim}[/]: reached by {len(rows)} combinations "
            f"({', '.join(names)}); best {SHORT[best.organisation]} {SHORT[best.popcount_circuit]}"
            f" {SHORT[best.dataflow]} vs {SHORT[best.baseline]}.")


# --- RTL --------------------------------------------------------------------------------------


def rtl_table(rows: list[dict], node_nm: float, synthesized: bool) -> Table:
    """Each block: the model's primitives and area, and (synthesized) area and ratio."""
    columns = [("block", "left"), ("model primitives", "left"), ("model um^2", "right")]
    if synthesized:
        columns += [(f"synth um^2 ({node_nm:g} nm)", "right"), ("synth/model", "right")]
    result = table("Logic blocks" + (": the model against Yosys" if synthesized else ""), columns)
    for row in rows:
        cells = [row["name"], row["model_primitives"], number(row["model_area_um2"])]
        if synthesized:
            cells += [number(row["synthesized_area_um2"]),
                      f"{row['synthesized_over_model']:.2f}"]
        result.add_row(*cells)
    return result


# --- training ----------------------------------------------------------------------------------


def train_result(config, result) -> list[RenderableType]:
    sc = config.input.mode == InputMode.SC
    accuracy = table(f"{config.name}: test accuracy ({config.data.dataset})",
                     [("N", "right"), ("test accuracy", "right")])
    for length, value in result.test_accuracy.items():
        accuracy.add_row(str(length) if sc else "-", percent(value))
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
    return [*parts, summary, f"checkpoint: {result.checkpoint_path}"]


def error_sweep(sweep, sc: bool) -> Table:
    """Test accuracy with the weights flipped at each bit-error rate: mean +- std over maps."""
    result = table(f"test accuracy with weight bit errors (mean ± std over {sweep.maps} "
                   "error maps)", [("bit-error rate", "right"),
                                   *[(f"N={n}" if sc else "accuracy", "right")
                                     for n in sweep.lengths]])
    mean, spread = sweep.mean(), sweep.spread()
    for ber in sweep.bers:
        result.add_row(f"{ber:.2g}", *[f"{percent(mean[ber][n])} ± {100 * spread[ber][n]:.2f}"
                                       for n in sweep.lengths])
    return result
