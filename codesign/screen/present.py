"""Presentation: every table and line the commands show, in one place.

Commands parse, call the libraries, and hand the results to these functions. Tables are built
for a terminal of any width: columns fold rather than cut, and the number formats come from
the objective table (`codesign.problem.objectives`). Whatever comes from outside the program (a
path, a name, a storage URL, a stored error) is shown through `shown` (markup) or `printable` (plain
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
from codesign.problem.compiled import Problem
from codesign.problem.objectives import ACCURACY, hardware_objectives
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


FRONT_ORDER = "val acc, most accurate first"  # the order of `pareto_front`
CUT_MARK = "…"  # what rich puts where it cuts a description to fit


def front_view(front: Sequence, problem: Problem, title: str, top: int | None,
               width: int) -> list[RenderableType]:
    """A front as a person reads it: a line saying how many design points it holds, how
    many are shown and in which order, then the table (`front_table`) and, where a
    description had to be cut, how to see it all. With `top` smaller than the front, the
    rows are spread along it (`codesign.screen.front_sample`), not its first rows."""
    from codesign.screen.front_sample import per_network_cap, spread_along_front

    rows = list(front) if top is None else spread_along_front(front, top)
    how = "" if len(rows) == len(front) else (
        f" (spread along the front, at most {per_network_cap(front, len(rows))} a network)")
    heading = (f"{title}: {len(front):,} design points on the front, {len(rows):,} shown"
               f"{how}, sorted by {FRONT_ORDER}" if front else f"{title}: no design point "
               "on the front yet")
    tables, cut = front_table(rows, problem, width)
    parts: list[RenderableType] = [heading]
    if rows:
        parts += tables
    notes = [f"{CUT_MARK} marks a description cut to fit {width} columns"] if cut else []
    if len(rows) < len(front) or cut:
        notes.append("--format csv lists every design point of the front with every field")
    if rows:
        notes.append("numbers to 3 significant digits; every shown design point is within "
                     "the study's limits")
    if notes:
        parts.append("; ".join(notes))
    return parts


def front_columns(problem: Problem, trials: Sequence) -> list[tuple[str, list[str]]]:
    """The numbers of a front's rows, each column a (heading, cells) pair: accuracy
    (validation, then test, %), then every searched cost in one unit a column, SI-scaled to
    the column's values (`codesign.screen.readable.column_scale`), three significant digits. The
    heading's last line is the unit. The costs only bounded are in CSV and JSON."""
    from codesign.screen.readable import column_scale, significant

    def accuracy(attribute: str) -> list[str]:
        return [f"{100 * t.user_attrs[attribute]:.2f}" for t in trials]

    columns = [("val\n(%)", accuracy(ACCURACY.attribute)),
               ("test\n(%)", accuracy("test_accuracy"))]
    for cost in problem.goals.costs:
        values = [cost.value(t.user_attrs) for t in trials]
        unit, factor = column_scale(values, cost.unit)
        columns.append(("\n".join([*cost.label.split(" ", 1), f"({unit})"]),
                        [significant(v * factor) for v in values]))
    lines = max(heading.count("\n") for heading, _ in columns)
    return [("\n" * (lines - heading.count("\n")) + heading, cells)
            for heading, cells in columns]


MIN_DESCRIPTION_ROOM = 30  # narrower, the descriptions go to a table of their own


def front_table(trials: Sequence, problem: Problem, width: int = 80
                ) -> tuple[list[Table], bool]:
    """Design points one a line: trial, network (with its input encoding), hardware, N, then
    the numbers (`front_columns`). Numbers are never cut or folded; the two descriptions
    share what width is left, cut with CUT_MARK where they must be; with too little left
    (many objectives), they go to a second table keyed by the trial. Returns the tables
    and whether a description was cut."""
    trials = list(trials)
    described = [problem.design_space.describe(trial.params) for trial in trials]
    text = [[" ".join(p for p in (d["network"], d["input"]) if p != "-"), d["hardware"]]
            for d in described]
    fixed = [("#", [str(t.number) for t in trials]), ("N", [d["N"] for d in described]),
             *front_columns(problem, trials)]
    widths = [max([len(line) for line in heading.split("\n")] + [len(c) for c in cells])
              for heading, cells in fixed]
    room = width - sum(w + 2 for w in widths) - 4  # 2 between columns
    apart = room < MIN_DESCRIPTION_ROOM
    if apart:
        room = width - widths[0] - 6
    limits = _description_widths(text, room)
    described_columns = [("network", "left", limits[0]), ("hardware", "left", limits[1])]
    numbers = _table([(fixed[0][0], "right", None), *([] if apart else described_columns),
                      *[(heading, "right", None) for heading, _ in fixed[1:]]])
    descriptions = _table([("#", "right", None), *described_columns])
    for index, row in enumerate(text):
        cells = [cells[index] for _, cells in fixed]
        words = [shown(cell) for cell in row]
        numbers.add_row(cells[0], *([] if apart else words), *cells[1:])
        descriptions.add_row(cells[0], *words)
    cut = any(len(row[0]) > limits[0] or len(row[1]) > limits[1] for row in text)
    return ([numbers, descriptions] if apart else [numbers]), cut


def _description_widths(text: Sequence[Sequence[str]], room: int) -> tuple[int, int]:
    """The widths of the network and hardware texts within `room`: the network up to 2/5 of
    it (and no wider than its longest), the hardware the rest."""
    network = min(max((len(row[0]) for row in text), default=1), max(8, room * 2 // 5))
    return network, max(4, room - network)


def _table(columns: Sequence[tuple[str, str, int | None]]) -> Table:
    """A table whose cells never wrap: numbers whole, texts cut with CUT_MARK at their width."""
    result = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    for name, justify, limit in columns:
        result.add_column(name, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                          overflow="ellipsis" if limit else "fold", max_width=limit)
    return result


def front_records(trials: Iterable, problem: Problem) -> list[dict[str, Any]]:
    """Design points as rows with named columns (CSV, JSON): the trial, its training run,
    every parameter of the space, and every recorded metric in the study's units (accuracy
    as a fraction, as in the study and an exported design; `codesign.problem.objectives`), and the
    band of area, energy and latency over the technology's ranges
    (`codesign.engine.front_bands`)."""
    from codesign.engine.front_bands import front_bands

    trials = list(trials)
    bands = front_bands(trials, problem)
    names = problem.design_space.names
    return [{"design_trial": trial.number, "network_trial": trial.user_attrs["network_trial"],
             **{name: trial.params.get(name) for name in names},
             **{name: trial.user_attrs.get(name) for name in problem.recorded},
             **bands[trial.number]}
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
                  top: int, width: int = 80) -> list[RenderableType]:
    """`status`: whether the search is finished (or which budget stopped it), its counts in
    the vocabulary of docs/search.md, failures, and the front spread over `top` rows."""
    networks = progress["networks"]
    stop = progress.get("last_stop") or {}
    running = networks["running"] > 0
    state = (f"running: {progress['networks_counted']:,} of {progress['budget']:,} networks "
             "counted so far" if running and progress['networks_counted'] < progress['budget']
             else budget_state(stop.get("stopped_by", ""), stop.get("because", ""),
                               progress["networks_counted"], progress["budget"],
                               float(stop.get("wall_time_s") or 0) or None))
    counts = (f"study [bold]{shown(progress['study'])}[/]: {state}\n"
              f"networks: {networks['trained']} trained, "
              f"{networks['stopped_early']} stopped early, {networks['failed']} failed, "
              f"{networks['rejected_by_budgets']} rejected by the limits, "
              f"{networks['running']} running, {networks['interrupted']} interrupted"
              f"{cut_by_wall_time(networks.get('cut_by_wall_time', 0))}; "
              f"design points: {progress['design_points_costed']:,} costed, "
              f"{progress['design_points']:,} recorded, {len(front):,} on the front")
    if progress.get("time_s"):
        counts += "\n" + time_line(progress["time_s"])
    for failure in progress["failures"]:
        counts += (f"\n  network #{failure['network_trial']} failed: "
                   f"{shown(failure['error'])}")
    parts: list[RenderableType] = [counts]
    if problem.cost_corner != "nominal":  # a robust search (hardware.cost_corner)
        parts.append(f"costs at the {problem.cost_corner} corner of "
                     f"{shown(problem.technology)}'s ranges")
    if front:
        best = front[0].user_attrs
        parts.append(f"most accurate design point: #{front[0].number}, val "
                     f"{percent(best['val_accuracy'])}, test {percent(best['test_accuracy'])} "
                     "(--pick max-accuracy)")
    parts += front_view(front, problem, "Pareto front", top, width)
    return parts


def pareto_report(problem: Problem, front: Sequence, top: int | None,
                  history: Sequence[tuple[int, float]], files: Sequence,
                  width: int = 80) -> list[RenderableType]:
    parts = front_view(front, problem, f"{shown(problem.name)}: Pareto front", top, width)
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
    costs = [f"{o.label} {o.format(metrics[o.attribute])} {o.unit}" for o in hardware_objectives()
             if o.attribute in metrics]
    line = (f"design trial {design_trial} -> {shown(path)}: val "
            f"{percent(metrics['val_accuracy'])}, test {percent(metrics['test_accuracy'])} "
            f"({design_accuracy_condition(document)}); " + ", ".join(costs))
    if document["checkpoint"]:
        return line + f"\nweights -> {shown(document['checkpoint'])} (beside it)"
    return line + (f"\n[yellow]note:[/] no weights exported: {shown(missing_checkpoint)} is gone "
                   "(`train` retrains the design; `evaluate` needs the weights)")


def design_accuracy_condition(document: Mapping[str, Any]) -> str:
    """What an exported design's accuracy was measured under: its weight bit-error rate (or
    none), over how many error maps and which statistic of them, at which N."""
    ber = document["device_errors"]["evaluated_error_rate"]
    maps = document["training"]["weight_errors"]["maps"]
    metrics = document["metrics"]
    if not ber:
        errors = "clean: no weight bit errors"
    elif maps == 1:
        errors = f"at weight bit-error rate {ber:.2g}, on 1 error map"
    elif metrics.get("accuracy_over_maps") == "low_percentile":
        errors = (f"at weight bit-error rate {ber:.2g}, {metrics['accuracy_percentile']:g}th "
                  f"percentile over {maps} error maps")
    else:
        errors = f"at weight bit-error rate {ber:.2g}, mean over {maps} error maps"
    sc = document.get("stochastic_computing")
    return errors + (f", N = {sc['bitstream_length']}" if sc else ", fixed-point input")


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


def search_interrupted(left_running: Sequence[int]) -> str:
    """The line a signal ends a search with; `left_running`: the trials the storage would not
    fail, which the next run fails at its start (their driver is gone) and trains again."""
    if not left_running:
        return ("[yellow]interrupted:[/] finished trainings are kept, none is left running; "
                "run the same command again to resume")
    trials = ", ".join(f"#{number}" for number in left_running)
    return (f"[yellow]interrupted:[/] finished trainings are kept; the storage would not fail "
            f"network trial {trials}, left RUNNING: the same command again fails it at its "
            "start and trains the network again")


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
    parts = [f"front {size} design points, HV {front.get('hypervolume', 0.0):.4f}"] if size else []
    parts.append(f"ETA {duration(eta_s)}" if eta_s is not None else "ETA -")
    return "; ".join(parts)


def search_stopped_note(front: Mapping[str, float], because: str) -> str:
    """The progress bar's last note: the front, and why the search stopped (no ETA)."""
    size = int(front.get("front_size", 0))
    parts = [f"front {size} design points, HV {front.get('hypervolume', 0.0):.4f}"] if size else []
    return "; ".join([*parts, f"stopped: {because}" if because else "stopped"])


def search_resumed_line(done: int, budget: int, front: Mapping[str, float]) -> str:
    """A resumed search's first line of the log (piped: the bar that would say it is off)."""
    return (f"resumed: {done} of {budget} networks done; front "
            f"{int(front.get('front_size', 0))} design points, "
            f"HV {front.get('hypervolume', 0.0):.4f}")


def search_event_line(event, budget: int, took_s: float | None) -> str:
    """One line per network the search finishes: trained, stopped, cut by the wall time,
    failed or rejected."""
    data = event.data
    label = network_label(event.network_trial, data["ordinal"], budget)
    took = f" in {duration(took_s)}" if took_s is not None else ""
    if event.kind == "trained":
        accuracy = max(data["val_accuracy"].values())
        return (f"{label} trained{took}: val acc {percent(accuracy)}, "
                f"{data['design_points']} design points recorded; front "
                f"{data['front_size']} design points, HV {data['hypervolume']:.4f}")
    if event.kind == "failed":
        return f"[red]{label} failed{took}:[/] {shown(event.message)}"
    if event.kind == "out_of_time":
        return (f"{label} cut after {data['stopped_at']} epoch(s){took} by the wall time; "
                "not recorded, the next run goes on from its last epoch")
    if event.kind == "stopped":
        why = (halving_reason(data) if data.get("stopped_by") == "halving" else
               f"none of its designs could reach the front (needs > "
               f"{percent(data.get('accuracy_to_beat', 0.0))})")
        return (f"{label} stopped after {data['stopped_at']} epoch(s){took}: at best val acc "
                f"{percent(max(data['val_curve']))}, {why}; not recorded")
    return (f"{label} rejected before training: no hardware configuration fits the "
            "budgets")


def cut_by_wall_time(count: int) -> str:
    """The trainings the wall time cut, for a line of counts (nothing when none)."""
    return (f", {count} cut by the wall time (the next run goes on from their last epoch)"
            if count else "")


def halving_reason(data: Mapping[str, Any]) -> str:
    """Why successive halving stopped a network, with the accuracy it needed at its rung."""
    needed = (data.get("goes_on_at") or {}).get(str(data["stopped_at"]))
    need = ("" if needed is None else f"needs >= {percent(needed)}; " if needed <= 1.0
            else "no accuracy would do; ")
    return f"it ranked below the top 1/eta of the networks at that rung ({need}successive halving)"


def time_line(time_s: Mapping[str, float]) -> str:
    """Where the time went (`codesign.engine.timing`): the parts, and the share after training."""
    parts = ", ".join(f"{part} {duration(time_s[part])}"
                      for part in ("costing", "training", "testing", "recording", "rest"))
    return (f"time: {duration(time_s['wall'])} wall; {parts}; after training "
            f"{percent(time_s['after_training_share'])} of the wall time")


def budget_state(stopped_by: str, because: str, counted: int, budget: int,
                 wall_time_s: float | None = None) -> str:
    """Why a search stopped and how much of its budget of networks is done, in the words of
    docs/search.md: whether it is finished, and if a budget cut it short, which one."""
    done = f"{counted:,} of {budget:,} networks done"
    if stopped_by == "trials" or (not stopped_by and counted >= budget):
        return f"finished: {done} (budget.trials)"
    if stopped_by == "wall_time":
        limit = f": {wall_time_s:g} s" if wall_time_s else ""
        return (f"[yellow]stopped by its wall-time budget[/] (budget.wall_time_s{limit}) "
                f"with {done}: running the same search command again continues it "
                f"({budget - counted:,} networks left, a fresh wall time)")
    if stopped_by == "exhausted":
        return f"stopped: {because}, with {done}"
    return f"not finished: {done}: running the same search command again continues it"


def search_summary(summary, front: Sequence, problem: Problem, flags: str, rerun: str,
                   width: int = 80) -> list[RenderableType]:
    """What a search run did: why it stopped (which budget), its counts in the vocabulary of
    docs/search.md, the front, and the commands that come next (or the one that continues)."""
    state = budget_state(summary.stopped_by, summary.stopped_because,
                         summary.networks_counted, summary.budget_trials, summary.wall_time_s)
    counts = (f"{state}\nthis run: {summary.networks_trained} networks trained, "
              f"{summary.networks_stopped} stopped early, {summary.networks_failed} failed, "
              f"{summary.networks_rejected} rejected by the "
              f"limits{cut_by_wall_time(summary.networks_out_of_time)}; "
              f"{summary.design_points_costed:,} design points costed, "
              f"{summary.design_points:,} recorded")
    if summary.time_s:
        counts += "\n" + time_line(summary.time_s)
    parts: list[RenderableType] = [counts, *front_view(front, problem, "Pareto front", 10,
                                                         width)]
    commands = "\n".join(f"  python -m codesign {command} {flags}{extra}" for command, extra in (
        ("pareto", ""), ("dashboard", ""), ("export", " --pick knee -o design.yaml")))
    if summary.networks_counted < summary.budget_trials and summary.stopped_by != "exhausted":
        parts.append(verbatim(f"continue:\n  {rerun}"))
    parts.append(verbatim(f"next:\n{commands}"))
    return parts


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
        folds = FirstLayerMode.get(arch.first_layer_mode).multibit_datapath
        if folds and arch.first_layer_fold > 1:
            encoding += f", folded over {arch.first_layer_fold} cycles"
    uses_tiles = Organisation.get(arch.organisation).uses_tiles
    organisation = arch.organisation + (f" ({arch.tiles} tiles)" if uses_tiles else "")
    if arch.schedule != "sequential":
        organisation += f", {arch.schedule}"
    ecc = "no ECC" if arch.ecc == "none" else arch.ecc
    return encoding, (f"{organisation}, {arch.array_rows}x{arch.array_cols} arrays reading "
                      f"{arch.parallel_rows} row{'s' if arch.parallel_rows > 1 else ''} at "
                      f"once, {arch.first_layer_dataflow}, {arch.popcount_circuit}, "
                      f"{arch.mram_cell} at {arch.read_voltage_mv} mV, {ecc}")


def peak_words(report: CostReport) -> str:
    """The busiest cycle and the average power in one line (`hw --plot`'s title)."""
    return (f"busiest cycle {report.peak_current_a:.3g} A "
            f"({report.peak_current_a_per_mm2:.3g} A/mm²), {report.peak_power_mw:,.4g} mW; "
            f"average {report.average_power_mw:,.4g} mW "
            f"({report.power_density_mw_per_mm2:,.4g} mW/mm²)")


def limit_rows(report: CostReport) -> list[tuple[str, str]]:
    """Each default buildability limit of a search (`codesign.problem.objectives`) against the
    design: the limit, the design's value and whether it fits."""
    rows = []
    for item in hardware_objectives():
        if item.default_limit is None:
            continue
        value = float(getattr(report, item.metric))
        fits = item.violation(value, item.default_limit) <= 0
        verdict = "[green]within[/]" if fits else (
            f"[red]{value / item.default_limit:,.1f}x over[/]")
        rows.append((f"{item.label} limit", f"{item.format(value)} <= "
                     f"{item.default_limit:g} {item.unit}: {verdict}"))
    return rows


def band_rows(report: CostReport) -> list[tuple[str, str]]:
    """The totals' low-high over the technology's ranges (`hwmodel.corners`), if computed."""
    shown_bands = (("area", "area_mm2", "mm^2", "{:.4f}"), ("energy", "energy_pj", "pJ", "{:,.1f}"),
                   ("latency", "latency_ns", "ns", "{:,.1f}"))
    return [(f"{label} low-high", f"{style.format(band.low)}-{style.format(band.high)} {unit} "
             "(the ranges' corners)")
            for label, metric, unit, style in shown_bands
            if (band := report.bands.get(metric)) is not None]


def hw_report(report: CostReport) -> list[RenderableType]:
    encoding, hardware = design_words(report)
    header = (f"[bold]{shown(report.workload)}[/] on [bold]{shown(report.technology)}[/]: "
              f"{shown(encoding)}; {shown(hardware)}")

    totals = table("Totals (per inference)", [("quantity", "left"), ("value", "right")],
                   show_header=False)
    totals.add_row("area", f"{number(report.area_um2)} um^2 = {report.area_mm2:.4f} mm^2")
    totals.add_row("energy", f"{number(report.energy_pj)} pJ")
    totals.add_row("latency", f"{number(report.latency_ns)} ns")
    for name, value in band_rows(report):
        totals.add_row(name, value)
    if report.interval_ns != report.latency_ns:
        totals.add_row("interval", f"{number(report.interval_ns)} ns (layers pipelined)")
    totals.add_row("throughput", f"{number(report.inferences_per_s)} inferences/s")
    totals.add_row("average power", f"{report.average_power_mw:,.3f} mW = "
                   f"{report.power_density_mw_per_mm2:,.1f} mW/mm^2")
    totals.add_row("busiest cycle", f"{report.peak_power_mw:,.3f} mW, "
                   f"{report.peak_current_a:.4g} A = {report.peak_current_a_per_mm2:.3g} A/mm^2")
    for name, value in limit_rows(report):
        totals.add_row(name, value)
    totals.add_row("area x latency", f"{report.area_latency_mm2_us:.4g} mm^2 us")
    totals.add_row("energy x delay", f"{report.energy_delay_nj_us:,.4g} nJ us")
    totals.add_row("bit-error rate", f"{report.bit_error_rate:.2e} read, "
                   f"{report.weight_error_rate:.2e} as the network sees it")
    errors = error_budget_table(report)

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
    cycles = table("Busiest cycle by layer", [
        ("layer", "left"), ("rows read\nat once", "right"), ("tree\ninputs", "right"),
        ("power\nmW", "right"), ("current\nA", "right")])
    for layer in report.layers:
        shape = f"{layer.fan_in}->{layer.outputs}" + (
            f" @{layer.positions}" if layer.positions > 1 else "")
        layers.add_row(layer.name, shape, f"{layer.arrays:,}", f"{layer.repetitions:,}",
                       f"{layer.busy_units:,}", f"{layer.cycles:,}", number(layer.area_um2, 0),
                       number(layer.energy_pj, 0))
        cycles.add_row(layer.name, f"{layer.rows_at_once:,}", f"{layer.tree_width:,}",
                        f"{layer.peak_power_mw:,.3f}", f"{layer.peak_current_a:.4g}")
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
    if report.bit_error_rate >= NEAR_RANDOM_BER:
        header += (f"\n[yellow]note:[/] at {report.error_budget.age_s / YEAR_S:.3g} years the "
                   f"weights read nearly at random ({report.bit_error_rate:.2g}): read at a lower "
                   "voltage or refresh them (hw --read-voltages shows the trade)")
    return [header, totals, errors, components, layers, cycles, counts]


NEAR_RANDOM_BER = 0.1
YEAR_S = 365 * 24 * 3600.0


def celsius(kelvin: float) -> str:
    return f"{kelvin - 273.15:.0f} C"


def error_budget_table(report: CostReport) -> Table:
    """Where the bit-error rate comes from, at the rated age and temperature."""
    budget = report.error_budget
    title = (f"Bit errors at {budget.age_s / YEAR_S:.3g} years, {celsius(budget.temperature_k)}"
             f" ({budget.reads:.3g} reads of the most-read weight since written, "
             f"{budget.reads_per_inference:g} per inference)")
    errors = table(title, [("cause", "left"), ("rate", "right")], show_header=False)
    for cause, rate in budget.by_cause.items():
        errors.add_row(cause.replace("_", " "), f"{rate:.2e}")
    errors.add_row("[bold]stored bit", f"{report.bit_error_rate:.2e}")
    errors.add_row("[bold]weight (after ECC)", f"{report.weight_error_rate:.2e}")
    return errors


def read_voltage_table(points, report: CostReport, operating_k: float,
                       worst_case_k: float) -> Table:
    """A design's bit-error rates and energy against the read voltage (`hw --read-voltages`):
    decision errors fall and read disturb rises with the voltage, so the rate at end of life
    has a minimum."""
    age = report.error_budget.age_s / YEAR_S
    rated = report.error_budget.temperature_k
    out = table(f"Read voltage: bit-error rates at {age:.3g} years ({report.architecture.mram_cell}"
                f", refresh {report.architecture.refresh_period_s or 'never'})", [
        ("mV", "right"), ("energy pJ", "right"), ("decision", "right"),
        (f"disturb {celsius(rated)}", "right"), (f"BER {celsius(operating_k)}", "right"),
        (f"BER {celsius(worst_case_k)}", "right"), ("weight", "right")])
    kept = [point for point in points if point.refused is None]
    best = min(kept, key=lambda point: point.bit_error_rate, default=None)
    for point in kept:
        mark = " *" if point is best else ""
        out.add_row(f"{point.read_voltage_mv}{mark}", number(point.energy_pj, 0),
                    f"{point.by_cause['decision']:.1e}", f"{point.by_cause['read_disturb']:.1e}",
                    f"{point.bit_error_rate_operating:.1e}",
                    f"{point.bit_error_rate_worst_case:.1e}", f"{point.weight_error_rate:.1e}")
    refused = [point.read_voltage_mv for point in points if point.refused]
    notes = [f"* the least bit-error rate at {celsius(rated)}"] if best else []
    if refused:
        notes.append(f"refused: {', '.join(map(str, refused))} mV (the read current comes too "
                     "close to the critical current: the read would switch cells)")
    out.caption = "\n".join(notes) or None
    return out


# --- the paper check ---------------------------------------------------------------------------


def paper_check(check) -> list[RenderableType]:
    """The check's header, a table per view (rows grouped by organisation, read parallelism
    and baseline: the range over popcount circuits and dataflows) and a verdict per claim
    and view; every combination is in --json."""
    from codesign.problem.paper_check import VIEWS

    claims = check.claims
    n = check.bitstream_length
    low, nominal, high = check.sense_amplifier_area_um2
    limits = ", ".join(f"{value:g} {_unit(metric)}" for metric, value in check.limits.items())
    header = (
        f"[bold]Paper check[/]: {check.workload} on [bold]{check.technology}[/]; SC: "
        f"{check.sng} SNG, first-layer merge; {check.array_rows}-row arrays, shared designs "
        f"with {check.tiles} tiles.\nOperating point: "
        + (f"N = {n}, the shortest N within {claims['accuracy_cost_points']} points of the "
           f"conventional BNN (SC {percent(check.sc_accuracy)} vs "
           f"{percent(check.conventional_accuracy)}; {check.accuracy_source})"
           if n is not None else "no measured N is within the paper's accuracy cost")
        + f"\nSense amplifier {nominal:g} um^2, range {low:g}-{high:g} (low: "
          f"{check.sense_amplifier_sources[0]}; high: {check.sense_amplifier_sources[1]}). "
          f"Buildable: both designs within {limits}."
    )
    parts: list[RenderableType] = [header]
    for view, meaning in VIEWS.items():
        parts.append(_view_table(check, view, meaning))
    parts.append("area saving: 1 - SC / baseline area, over popcount circuits and dataflows "
                 "(sense amplifier low..high in brackets); energy x: baseline / SC energy; "
                 "speed: SC inferences/s over the baseline's; built: SC / baseline within "
                 "the limits.")
    for view in VIEWS:
        area, energy = check.reproducing(view)
        parts.append(_verdict(f"{claims['area_reduction']:.0%} area", view, check.in_view(view),
                              area, "area_reduction"))
        parts.append(_verdict(f"{claims['energy_factor']}x energy", view, check.in_view(view),
                              energy, "energy_ratio"))
    parts += [verdict_range(verdict) for verdict in check.verdicts]
    return parts


def verdict_range(verdict) -> str:
    """A verdict across the preset's ranges: the best buildable figure's span and the single
    numbers that flip it, with where."""
    value = (lambda v: "none built" if v is None else f"{v:.0%}") \
        if verdict.claim == "area_reduction" else \
        (lambda v: "none built" if v is None else f"{v:.2f}x")
    claim = (f"{verdict.threshold:.0%} area" if verdict.claim == "area_reduction"
             else f"{verdict.threshold:g}x energy")
    text = (f"{claim}, {verdict.view.replace('_', ' ')}, across the ranges: best buildable "
            f"{value(verdict.nominal)} ({value(verdict.low)} .. {value(verdict.high)}): ")
    if verdict.holds:
        return text + ("reached throughout them." if verdict.reached
                       else "reached nowhere in them.")
    flips = "; ".join(f"{flip.field} {flip.nominal:g} -> {flip.value:.3g} (range end "
                      f"{flip.bound:g})" for flip in verdict.flipped_by)
    return text + "flips inside them, " + (
        f"alone at {flips}." if flips else "only by several numbers together.")


def _unit(metric: str) -> str:
    return next((o.unit for o in hardware_objectives() if o.metric == metric), "")


def _spread(values: list[float], text) -> str:
    low, high = min(values), max(values)
    return text(low) if f"{text(low)}" == f"{text(high)}" else f"{text(low)}..{text(high)}"


def _view_table(check, view: str, meaning: str) -> Table:
    result = table(f"{view.replace('_', ' ')}: {meaning}", [
        ("organisation", "left"), ("baseline", "left"), ("area saving", "right"),
        ("energy x", "right"), ("speed", "right"), ("built", "left")])
    groups: dict[tuple, list] = {}
    for row in check.in_view(view):
        groups.setdefault((row.organisation, row.parallel_rows, row.baseline,
                           row.baseline_fold), []).append(row)
    for (organisation, rows, baseline, fold), members in groups.items():
        every = "every row" if rows == check.array_rows else f"{rows} row{'s' * (rows > 1)}"
        name = f"{Organisation.get(organisation).short}, {every}"
        base = FirstLayerMode.get(baseline).short + (f" x{fold}" if fold > 1 else "")
        saving = _spread([r.area_reduction for r in members], lambda v: f"{v:.0%}")
        sa = _spread([r.area_reduction_low for r in members]
                     + [r.area_reduction_high for r in members], lambda v: f"{v:.0%}")
        built = "/".join(("yes" if all(getattr(r, key) for r in members) else
                          "no" if not any(getattr(r, key) for r in members) else "some")
                         for key in ("sc_buildable", "baseline_buildable"))
        result.add_row(name, base, f"{saving} [{sa}]",
                       _spread([r.energy_ratio for r in members], lambda v: f"{v:.2f}"),
                       _spread([r.throughput_ratio for r in members], lambda v: f"{v:.2f}"),
                       built)
    return result


def _combination(row) -> str:
    """A paper-check row's organisation, read parallelism, circuit, dataflow and baseline by
    their kinds' short names (`hwmodel.kinds`)."""
    fold = f" x{row.baseline_fold}" if row.baseline_fold > 1 else ""
    return (f"{Organisation.get(row.organisation).short} {row.parallel_rows}-row "
            f"{PopcountCircuit.get(row.popcount_circuit).short} "
            f"{FirstLayerDataflow.get(row.dataflow).short} vs "
            f"{FirstLayerMode.get(row.baseline).short}{fold}")


def _verdict(claim: str, view: str, rows: list, reaching: list, key: str) -> str:
    """Whether a claim holds in a view: by how many combinations, and by buildable ones."""
    where = view.replace("_", " ")
    built = [r for r in rows if r.buildable]
    best = max(built, key=lambda r: getattr(r, key)) if built else None
    value = (lambda v: f"{v:.0%}") if key == "area_reduction" else (lambda v: f"{v:.2f}x")
    best_text = (f"; best buildable: {value(getattr(best, key))} ({_combination(best)})"
                 if best is not None else "; no combination is buildable")
    reached_built = [r for r in reaching if r.buildable]
    if not reaching:
        return f"[bold]{claim}, {where}[/]: no{best_text}."
    if not reached_built:
        return (f"[bold]{claim}, {where}[/]: [red]only over the buildability limits[/] "
                f"({len(reaching)} combinations){best_text}.")
    return (f"[bold]{claim}, {where}[/]: yes, {len(reached_built)} buildable combinations"
            f"{best_text}.")


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
    return table(f"{shown(config.name)}: clean test accuracy, no weight bit errors "
                 f"({config.data.dataset})",
                 [("N" if sc else "input", "right"), ("test accuracy", "right")],
                 [(str(length) if sc else "fixed-point", percent(value))
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
    (chips), and in parentheses their low percentile (the bad chips); on one map (one chip)
    there is no spread, and the one accuracy is shown alone."""
    one = sweep.maps == 1
    over = ("on 1 error map (one chip: no spread over chips)" if one else
            f"mean ± std ({sweep.percentile:g}th percentile) over {sweep.maps} error maps")
    result = table(f"test accuracy with weight bit errors: {over}, "
                   f"{sweep.structure.describe()}",
                   [("bit-error rate", "right"), *[(f"N={n}" if sc else "accuracy", "right")
                                                   for n in sweep.lengths]])
    mean, spread, low = sweep.mean(), sweep.spread(), sweep.low()
    for ber in sweep.bers:
        result.add_row(f"{ber:.2g}", *[percent(mean[ber][n]) if one else
                                       f"{percent(mean[ber][n])} ± {100 * spread[ber][n]:.2f} "
                                       f"({percent(low[ber][n])})" for n in sweep.lengths])
    return result
