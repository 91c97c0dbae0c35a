"""The design space, defined once: every parameter of a design point is one row of a table.

A row (`Parameter`) names the parameter, where the search space writes its values (a field path
such as `hardware.tiles`, or a rule over several fields), the condition under which it exists
(on the values chosen before it), its choices given earlier ones, whether it is a number, and
how a design shows it (the column of a table it goes to, and its text there). Compiled against a
space (`compile_design_space`), each row holds its values, and the `DesignSpace` gives:

* `suggest_network`: the network a sampler proposes (define-by-run, conditional; numbers as
  ordered integers, `Ordinal`, so that samplers see their order);
* `networks`: every network the space allows (hypervolume scales, initial networks);
* `hardware_configurations`: every hardware configuration of a trained network, swept
  analytically (no retraining);
* `distributions`: Optuna's distributions for both studies (numbers as integer distributions,
  so that samplers and the dashboard order them);
* `optuna_params`: a network's values as the network study's parameters (to enqueue it);
* `network`: a chosen network as plain parameters, with the key two equal choices share;
* `describe`: a design's parameters as the columns of a table (every row shows itself).

The co-design decomposition is in the stages: `network` rows change the trained weights (one
training each); `hardware` rows never do. Device rows (cell, read voltage, ECC) are hardware
rows too: they change the bit-error rate the trained weights are read with, which the trained
network's evaluation covers (every rate of the space, no retraining). A hardware row whose
`field` is an `hwmodel.Architecture` field passes its value to the design. Adding a parameter
is one row (and, if it is new to the space, its field in `codesign/problem/space.py`).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution

from codesign.problem.kinds import deployments, sng_source
from codesign.problem.space import ConvSpace, MLPSpace, SearchSpace
from hwmodel import (
    ErrorCorrection,
    FirstLayerDataflow,
    FirstLayerMode,
    MramCell,
    Organisation,
    PopcountCircuit,
    Schedule,
)
from hwmodel.kinds import Kind
from trainer.config import InputMode, MergePoint, TrainingMode

Chosen = Mapping[str, Any]
Column = Literal["network", "input", "hardware", "N"]  # where a design's table shows a row
COLUMN_JOINS: dict[str, str] = {"network": "-", "input": " ", "hardware": " ", "N": " "}
INPUT_BITS = 8  # 8-bit pixels (the Architecture default): the bit-serial layer 1 runs 8 times


def _always(chosen: Chosen) -> bool:
    return True


@dataclass(frozen=True)
class Parameter:
    """One dimension of the design space (see the module doc)."""

    name: str
    source: str | Callable[[SearchSpace], Sequence[Any]]  # a field path, or a rule
    stage: Literal["network", "hardware"]
    applies: Callable[[Chosen], bool] = _always
    choices: Callable[[Sequence[Any], Chosen], Sequence[Any]] | None = None  # (domain, chosen)
    numeric: bool = False
    description: str = ""
    column: Column | None = None  # default: `input` for network rows, else `hardware`
    show: Callable[[Any], str] | None = None  # its text in that column (default: name=value)
    field: str | None = None  # the Architecture field it sets (hardware rows; default: name)
    domain: tuple[Any, ...] = ()  # every value it takes in the space (once compiled)

    def bind(self, space: SearchSpace) -> Parameter:
        """This row with its values in `space`."""
        if callable(self.source):
            values = self.source(space)
        else:
            values = space
            for part in self.source.split("."):
                values = getattr(values, part)
        return dataclasses.replace(self, domain=tuple(values))

    def values(self, chosen: Chosen) -> list[Any]:
        return list(self.choices(self.domain, chosen) if self.choices else self.domain)

    def distribution(self, numeric: bool) -> BaseDistribution:
        if numeric and self.numeric:  # a log scale where the values allow one (not 0)
            return IntDistribution(min(self.domain), max(self.domain), log=min(self.domain) > 0)
        return CategoricalDistribution([v if self.numeric else str(v) for v in self.domain])

    @property
    def shown_in(self) -> Column:
        return self.column or ("input" if self.stage == "network" else "hardware")

    def text(self, value: Any) -> str:
        return self.show(value) if self.show else f"{self.name}={value}"

    @property
    def architecture_field(self) -> str:
        return self.field or self.name


# --- how rows show themselves ---------------------------------------------------------------


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def _short(family: type[Kind], omit: str | None = None) -> Callable[[Any], str]:
    """A kind by its short name (`hwmodel.kinds`), the `omit` value (a default) not at all."""
    return lambda value: "" if value == omit else family.get(str(value)).short


def _with(prefix: str = "", suffix: str = "") -> Callable[[Any], str]:
    return lambda value: f"{prefix}{value}{suffix}"


# --- the rows --------------------------------------------------------------------------------


def _sc(chosen: Chosen) -> bool:
    return chosen["input_mode"] == InputMode.SC


def _trained_at_n(chosen: Chosen) -> bool:
    return (_sc(chosen) and chosen["training_mode"] == TrainingMode.ADAPTED
            and chosen["merge_point"] == MergePoint.FIRST_LAYER)


def _mlp_rows(model: MLPSpace) -> list[Parameter]:
    return [Parameter(f"width_{index}", "model.widths", "network", numeric=True,
                      description=f"neurons of hidden layer {index}", column="network", show=str)
            for index in range(1, model.hidden_layers + 1)]


def _conv_rows(model: ConvSpace) -> list[Parameter]:
    return [
        Parameter("base_channels", "model.base_channels", "network", numeric=True,
                  description="channels of the first conv stage (doubling per stage)",
                  column="network", show=_with("conv")),
        Parameter("fc_width", "model.fc_widths", "network", numeric=True,
                  description="neurons of each dense layer", column="network", show=str),
    ]


MODEL_ROWS: dict[str, Callable[[Any], list[Parameter]]] = {"mlp": _mlp_rows, "conv": _conv_rows}

INPUT_ROWS = [
    Parameter("merge_point", "input.merge_points", "network", _sc,
              show=lambda merge: f"{str(merge).split('_')[0]}-merge"),
    Parameter("sng_kind", "input.sng_kinds", "network", _sc,
              show=lambda kind: sng_source(kind).short),
    Parameter("training_mode", "input.training_modes", "network", _sc,
              show=lambda mode: str(mode).replace("_", "-")),
    Parameter("train_length", "input.train_lengths", "network", _trained_at_n, numeric=True,
              description="N the network is trained at (first-layer merge)", show=_with("@")),
]


def _first_layers(space: SearchSpace) -> list[str]:
    """The first-layer hardware of the space's input modes (fixed-point ones as listed)."""
    return [mode for input_mode in space.input.modes for mode in deployments(input_mode)
            if FirstLayerMode.get(mode).stochastic
            or mode in space.hardware.fixed_point_first_layers]


def _first_layer_choices(domain: Sequence[str], chosen: Chosen) -> list[str]:
    return [mode for mode in deployments(chosen["input_mode"]) if mode in domain]


def _stochastic(chosen: Chosen) -> bool:
    return FirstLayerMode.get(chosen["first_layer_hw"]).stochastic


def _uses_tiles(chosen: Chosen) -> bool:
    return Organisation.get(chosen["organisation"]).uses_tiles


def _layer1_repeats(chosen: Chosen) -> bool:
    """The dataflow matters only where layer 1 runs several times in a row (not with the
    output merge, which runs every layer per pass)."""
    mode = FirstLayerMode.get(chosen["first_layer_hw"])
    passes = mode.repetitions(chosen.get("bitstream_length", 1), INPUT_BITS)
    output_merge = mode.stochastic and chosen.get("merge_point") == MergePoint.OUTPUT
    return bool(passes > 1) and not output_merge


def _own_logic(chosen: Chosen) -> bool:
    """The organisation gives every layer its own logic: its layers may be pipelined."""
    return Organisation.get(chosen["organisation"]).layers_own_logic


def _multibit(chosen: Chosen) -> bool:
    """A parallel fixed-point first layer, whose datapath may be folded."""
    return FirstLayerMode.get(chosen["first_layer_hw"]).multibit_datapath


def _rows_within(domain: Sequence[int], chosen: Chosen) -> list[int]:
    """Rows sensed at once: at most the array's rows."""
    return [rows for rows in domain if rows <= chosen["array_rows"]]


def _dataflow_choices(domain: Sequence[str], chosen: Chosen) -> list[str]:
    mode = FirstLayerMode.get(chosen["first_layer_hw"])
    deterministic = "sng_kind" in chosen and sng_source(chosen["sng_kind"]).deterministic
    return [name for name in domain
            if FirstLayerDataflow.get(name).problem(mode, deterministic, False) is None]


HARDWARE_ROWS = [
    Parameter("first_layer_hw", _first_layers, "hardware", choices=_first_layer_choices,
              description="the first layer's hardware (hwmodel first_layer_mode)",
              show=_short(FirstLayerMode), field="first_layer_mode"),
    Parameter("bitstream_length", "input.bitstream_lengths", "hardware", _stochastic,
              numeric=True, description="N at deployment", column="N", show=str),
    Parameter("organisation", "hardware.organisations", "hardware", show=_short(Organisation)),
    Parameter("tiles", "hardware.tiles", "hardware", _uses_tiles, numeric=True,
              show=_with("x")),
    Parameter("array_rows", "hardware.array_rows", "hardware", numeric=True,
              show=_with(suffix="r")),
    Parameter("parallel_rows", "hardware.parallel_rows", "hardware", numeric=True,
              choices=_rows_within, description="rows each array senses at once",
              show=lambda rows: "" if rows == 1 else f"rd{rows}"),
    Parameter("schedule", "hardware.schedules", "hardware", _own_logic,
              description="layers one after another, or pipelined across inferences",
              show=_short(Schedule, omit="sequential")),
    Parameter("first_layer_fold", "hardware.first_layer_folds", "hardware", _multibit,
              numeric=True, description="cycles the parallel layer-1 datapath is reused over",
              show=lambda fold: "" if fold == 1 else f"fold{fold}"),
    Parameter("first_layer_dataflow", "hardware.first_layer_dataflows", "hardware",
              _layer1_repeats, choices=_dataflow_choices, show=_short(FirstLayerDataflow)),
    Parameter("popcount_circuit", "hardware.popcount_circuits", "hardware",
              show=_short(PopcountCircuit)),
    # device choices: they set the weights' bit-error rate, so the accuracy of the point too
    Parameter("mram_cell", "hardware.mram_cells", "hardware",
              description="how a weight bit is stored and sensed", show=_short(MramCell)),
    Parameter("read_voltage_mv", "hardware.read_voltages_mv", "hardware", numeric=True,
              description="read bias of the junctions", show=_with("@", "mV")),
    Parameter("ecc", "hardware.ecc", "hardware", description="error correction of the weight "
              "rows", show=_short(ErrorCorrection, omit="none")),
    Parameter("refresh_period_s", "hardware.refresh_periods_s", "hardware", numeric=True,
              description="rewrite the weights every this many seconds (0: never)",
              show=lambda period: "" if int(period) == 0 else f"refresh/{int(period)}s"),
]


def compile_design_space(space: SearchSpace) -> DesignSpace:
    """Every row of the space with its values, in the order conditions need them."""
    rows = [
        Parameter("input_mode", "input.modes", "network", show=_words),
        *MODEL_ROWS[space.model.family](space.model),
        *INPUT_ROWS,
        *HARDWARE_ROWS,
    ]
    return DesignSpace(tuple(row.bind(space) for row in rows))


# --- what the table gives ----------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """The choices that change trained weights, as recorded on trials (absent ones left out)."""

    params: Mapping[str, Any]

    def key(self) -> str:
        """Identical for two choices that would train the same network."""
        return "|".join(f"{name}={value}" for name, value in self.params.items())

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    @property
    def input_mode(self) -> InputMode:
        return InputMode(self.params["input_mode"])

    @property
    def is_sc(self) -> bool:
        return self.input_mode == InputMode.SC


@dataclass(frozen=True)
class DesignSpace:
    """The compiled rows (see the module doc)."""

    parameters: tuple[Parameter, ...]

    @property
    def network_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.stage == "network")

    @property
    def hardware_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.stage == "hardware")

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    def network(self, params: Mapping[str, Any]) -> Network:
        """The network part of a trial's parameters (a design point's extra ones ignored)."""
        chosen: dict[str, Any] = {}
        for parameter in self.network_parameters:
            if parameter.applies(chosen):
                chosen[parameter.name] = params[parameter.name]
        return Network(chosen)

    def networks(self) -> list[Network]:
        return [Network(params) for params in _walk(self.network_parameters, {})]

    def hardware_configurations(self, network: Network) -> list[dict[str, Any]]:
        """Every hardware choice of a network: its design points' extra parameters."""
        rows = self.hardware_parameters
        return [{row.name: combination[row.name] for row in rows if row.name in combination}
                for combination in _walk(rows, dict(network.params))]

    def count_designs(self) -> int:
        """Design points of the whole space (every network, every hardware configuration):
        counted once per space, without building the configurations (the main job's 5
        million took two walks of a minute at each search's start)."""
        return self._design_count

    @functools.cached_property
    def _design_count(self) -> int:
        rows = self.hardware_parameters
        return sum(1 for network in self.networks() for _ in _walk(rows, dict(network.params)))

    def suggest_network(self, trial: Any, ordinal: bool = True) -> Network:
        """Ask an Optuna trial for the training-relevant choices (the factorized search's
        trial); `ordinal=False` asks numbers as categorical choices (a network study created
        before `Ordinal`, `codesign.engine.study.network_encoding`)."""
        return Network(_suggest(trial, self.network_parameters, {}, ordinal))

    def suggest_hardware(self, trial: Any, network: Network) -> dict[str, Any]:
        """Ask the same trial for one hardware configuration of `network` too: a plain joint
        search, one design point per training (benchmarks/search_efficiency.py compares it
        with the factorized search, which enumerates the configurations instead)."""
        rows = self.hardware_parameters
        chosen = _suggest(trial, rows, dict(network.params))
        return {row.name: chosen[row.name] for row in rows if row.name in chosen}

    def optuna_params(self, params: Mapping[str, Any], ordinal: bool = True) -> dict[str, Any]:
        """A network's values as the parameters `suggest_network` records (what
        `study.enqueue_trial` takes: `initial_networks` are written in values)."""
        asked: dict[str, Any] = {}
        chosen: dict[str, Any] = {}
        for parameter in self.network_parameters:
            if not parameter.applies(chosen) or parameter.name not in params:
                continue
            question = _question(parameter, chosen, ordinal)
            chosen[parameter.name] = params[parameter.name]
            if question is not None:
                asked[question.name] = question.param(params[parameter.name])
        return asked

    def distributions(self, stage: Literal["network", "design"]) -> dict[str, BaseDistribution]:
        """Optuna distributions: the network study's as `suggest_network` asks them (numbers
        as `Ordinal`s, under their parameter names); the design study's (recorded, never
        sampled) with numbers as integer distributions of their values (log scale where the
        values allow one), under the rows' names."""
        if stage == "design":
            return {row.name: row.distribution(numeric=True) for row in self.parameters}
        questions = (_question(row, {}, ordinal=True) for row in self.network_parameters)
        return {q.name: q.distribution for q in questions if q is not None}

    def check_networks(self, networks: Sequence[Mapping[str, Any]],
                       field: str = "initial_networks") -> None:
        """Raise ValueError naming `field[i]` if a network is not one of the space."""
        allowed = {network.key() for network in self.networks()}
        for index, params in enumerate(networks):
            try:
                network = self.network(params)
            except (KeyError, TypeError, ValueError):
                network = None
            if (network is None or network.key() not in allowed
                    or set(params) != set(network.params)):
                raise ValueError(f"{field}[{index}]: not a network of this space: {params}")

    def extremes(self) -> list[DesignSpace]:
        """This space with every numeric network row at its smallest value, then at its
        largest (the hardware and memory checks need those, not every combination)."""
        return [DesignSpace(tuple(
            dataclasses.replace(row, domain=(pick(row.domain),))
            if row.stage == "network" and row.numeric else row for row in self.parameters))
            for pick in (min, max)]

    def describe(self, params: Mapping[str, Any]) -> dict[Column, str]:
        """A design's parameters as table columns: each row's text in its column."""
        words: dict[Column, list[str]] = {column: [] for column in COLUMN_JOINS}  # type: ignore
        for row in self.parameters:
            if row.name in params:
                text = row.text(params[row.name])
                if text:
                    words[row.shown_in].append(text)
        return {column: COLUMN_JOINS[column].join(parts) or "-"
                for column, parts in words.items()}  # type: ignore[misc]


def _walk(rows: Sequence[Parameter], chosen: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every combination of `rows` that exists under its conditions, depth first."""
    if not rows:
        yield dict(chosen)
        return
    row, rest = rows[0], rows[1:]
    if not row.applies(chosen):
        yield from _walk(rest, chosen)
        return
    for value in row.values(chosen):
        chosen[row.name] = value
        yield from _walk(rest, chosen)
        del chosen[row.name]


@dataclass(frozen=True)
class Ordinal:
    """How a sampler is asked for a numeric row: as an integer, so that it sees the order.

    Optuna's integer distributions hold evenly spaced values, so a sorted choice list is asked
    as the value itself where it is evenly spaced (`[16, 32, 48]`: step 16, the parameter
    keeps the row's name; log scale where every integer in range is a choice); as the log2
    exponent where its values are powers of two with evenly spaced exponents
    (`[64, 256, 1024]` is `log2_width_1` in 6..10 step 2); else as its rank in the sorted
    list (`rank_refresh_period_s` 0..k). The value a code stands for is recorded too
    (`_suggest`), so every output shows real values."""

    row: str
    values: tuple[int, ...]  # ascending
    scale: Literal["value", "log2", "rank"]

    @classmethod
    def of(cls, row: str, values: Sequence[int]) -> Ordinal:
        ordered = tuple(sorted(int(v) for v in values))
        if _evenly_spaced(ordered):
            return cls(row, ordered, "value")
        powers = all(v > 0 and v & (v - 1) == 0 for v in ordered)
        if powers and _evenly_spaced([v.bit_length() - 1 for v in ordered]):
            return cls(row, ordered, "log2")
        return cls(row, ordered, "rank")

    @property
    def name(self) -> str:
        return self.row if self.scale == "value" else f"{self.scale}_{self.row}"

    def code(self, value: int) -> int:
        if self.scale == "value":
            return int(value)
        if self.scale == "log2":
            return int(value).bit_length() - 1
        return self.values.index(int(value))

    def value(self, code: int) -> int:
        if self.scale == "value":
            return int(code)
        return 2 ** int(code) if self.scale == "log2" else self.values[int(code)]

    @property
    def distribution(self) -> IntDistribution:
        codes = [self.code(v) for v in self.values]
        step = codes[1] - codes[0] if len(codes) > 1 else 1
        log = self.scale == "value" and step == 1 and codes[0] > 0
        return IntDistribution(codes[0], codes[-1], log=log, step=step)


def _evenly_spaced(values: Sequence[int]) -> bool:
    return len({b - a for a, b in itertools.pairwise(values)}) <= 1


@dataclass(frozen=True)
class _Question:
    """What a trial is asked for one row: under which name, and how its answer is read."""

    name: str
    choices: list[Any]  # the values it may take here (text for a non-numeric row)
    ordinal: Ordinal | None  # None: a categorical choice

    @property
    def distribution(self) -> BaseDistribution:
        if self.ordinal is not None:
            return self.ordinal.distribution
        return CategoricalDistribution(self.choices)

    def ask(self, trial: Any) -> Any:
        if self.ordinal is None:
            return trial.suggest_categorical(self.name, self.choices)
        d = self.ordinal.distribution
        return self.ordinal.value(trial.suggest_int(self.name, d.low, d.high, step=d.step,
                                                    log=d.log))

    def param(self, value: Any) -> Any:
        """`value` as this question's Optuna parameter."""
        if self.ordinal is not None:
            return self.ordinal.code(value)
        return value if isinstance(value, int) else str(value)


def _question(parameter: Parameter, chosen: Chosen, ordinal: bool) -> _Question | None:
    """How a trial is asked for `parameter` given the choices before it (None: one choice,
    not asked). A row whose choices depend on earlier ones is asked under a name that lists
    them, since an Optuna distribution may not change under one name."""
    values = [v if parameter.numeric else str(v) for v in parameter.values(chosen)]
    domain = [v if parameter.numeric else str(v) for v in parameter.domain]
    if len(values) == 1 and values != domain:
        return None
    encoding = Ordinal.of(parameter.name, values) if ordinal and parameter.numeric else None
    name = encoding.name if encoding else parameter.name
    if values != domain:
        name = f"{name}[{'|'.join(map(str, values))}]"
    return _Question(name, values, encoding)


def _suggest(trial: Any, rows: Sequence[Parameter], chosen: dict[str, Any],
             ordinal: bool = True) -> dict[str, Any]:
    """Ask an Optuna trial for `rows` (define-by-run, conditional on what is chosen): numbers
    as `Ordinal`s (with `ordinal`; else as categorical choices, as studies created before
    were asked), recording the value of each code as a user attribute named after its row."""
    for parameter in rows:
        if not parameter.applies(chosen):
            continue
        question = _question(parameter, chosen, ordinal)
        if question is None:  # the one value there is
            only = parameter.values(chosen)[0]
            chosen[parameter.name] = only if parameter.numeric else str(only)
            continue
        chosen[parameter.name] = question.ask(trial)
        if question.name != parameter.name:
            trial.set_user_attr(parameter.name, chosen[parameter.name])
    return chosen


__all__ = ["DesignSpace", "Network", "Ordinal", "Parameter", "compile_design_space"]
