"""The design space, defined once: every parameter of a design point is one row of a table.

A row names the parameter, the values it may take in a search space, the condition under which
it exists (on the values chosen before it), and whether it is a number. From the table come:

* `suggest_network`: the network a sampler proposes (define-by-run, conditional);
* `enumerate_networks`: every network a space allows (hypervolume scales, initial networks);
* `hardware_configurations`: every hardware configuration of a trained network, swept
  analytically (no retraining);
* `distributions`: Optuna's distributions for both studies (numbers as numeric distributions,
  so the dashboard orders them);
* `Network`: a chosen network as plain parameters, with the key two equal choices share.

The co-design decomposition is in the stages: `network` rows change the trained weights (one
training each); `hardware` rows never do. Device rows (cell, read voltage, ECC) are hardware
rows too: they change the bit-error rate the trained weights are read with, which the trained
network's evaluation covers (every rate of the space, no retraining). Adding a parameter is
one row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution

from codesign.kinds import FIRST_LAYER_MODES, hardware_sng
from codesign.space import ConvSpace, MLPSpace, SearchSpace
from hwmodel import FirstLayerDataflow, FirstLayerMode, Generator, Organisation
from trainer.config import InputMode, MergePoint, TrainingMode

Chosen = Mapping[str, Any]
INPUT_BITS = 8  # 8-bit pixels (the Architecture default): the bit-serial layer 1 runs 8 times


def _always(space: SearchSpace, chosen: Chosen) -> bool:
    return True


@dataclass(frozen=True)
class Parameter:
    """One dimension of the design space."""

    name: str
    domain: Callable[[SearchSpace], Sequence[Any]]  # every value it can take in the space
    stage: Literal["network", "hardware"]
    applies: Callable[[SearchSpace, Chosen], bool] = _always
    choices: Callable[[SearchSpace, Chosen], Sequence[Any]] | None = None  # default: domain
    numeric: bool = False
    description: str = ""

    def values(self, space: SearchSpace, chosen: Chosen) -> list[Any]:
        values = self.choices(space, chosen) if self.choices else self.domain(space)
        return list(values)

    def distribution(self, space: SearchSpace, numeric: bool) -> BaseDistribution:
        domain = list(self.domain(space))
        if numeric and self.numeric:
            return IntDistribution(min(domain), max(domain), log=True)
        return CategoricalDistribution([str(v) if not self.numeric else v for v in domain])


# --- the rows --------------------------------------------------------------------------------


def _sc(space: SearchSpace, chosen: Chosen) -> bool:
    return chosen["input_mode"] == InputMode.SC


def _trained_at_n(space: SearchSpace, chosen: Chosen) -> bool:
    return (_sc(space, chosen) and chosen["training_mode"] == TrainingMode.ADAPTED
            and chosen["merge_point"] == MergePoint.FIRST_LAYER)


def _model_rows(space: SearchSpace) -> list[Parameter]:
    """The model family's own parameters."""
    model = space.model
    if isinstance(model, MLPSpace):
        return [Parameter(f"width_{index}", lambda s: s.model.widths, "network", numeric=True,
                          description=f"neurons of hidden layer {index}")
                for index in range(1, model.hidden_layers + 1)]
    assert isinstance(model, ConvSpace)
    return [
        Parameter("base_channels", lambda s: s.model.base_channels, "network", numeric=True,
                  description="channels of the first conv stage (doubling per stage)"),
        Parameter("fc_width", lambda s: s.model.fc_widths, "network", numeric=True,
                  description="neurons of each dense layer"),
    ]


INPUT_ROWS = [
    Parameter("merge_point", lambda s: s.input.merge_points, "network", _sc),
    Parameter("sng_kind", lambda s: s.input.sng_kinds, "network", _sc),
    Parameter("training_mode", lambda s: s.input.training_modes, "network", _sc),
    Parameter("train_length", lambda s: s.input.train_lengths, "network", _trained_at_n,
              numeric=True, description="N the network is trained at (first-layer merge)"),
]


def _first_layers(space: SearchSpace) -> list[str]:
    modes = []
    for mode in space.input.modes:
        modes += [m for m in FIRST_LAYER_MODES[InputMode(mode)]
                  if m == "sc" or m in space.hardware.fixed_point_first_layers]
    return modes


def _first_layer_choices(space: SearchSpace, chosen: Chosen) -> list[str]:
    return [mode for mode in FIRST_LAYER_MODES[InputMode(chosen["input_mode"])]
            if mode in _first_layers(space)]


def _stochastic(space: SearchSpace, chosen: Chosen) -> bool:
    return FirstLayerMode.get(chosen["first_layer_hw"]).stochastic


def _uses_tiles(space: SearchSpace, chosen: Chosen) -> bool:
    return Organisation.get(chosen["organisation"]).uses_tiles


def _layer1_repeats(space: SearchSpace, chosen: Chosen) -> bool:
    """The dataflow matters only where layer 1 runs several times in a row (not with the
    output merge, which runs every layer per pass)."""
    mode = FirstLayerMode.get(chosen["first_layer_hw"])
    passes = mode.repetitions(chosen.get("bitstream_length", 1), INPUT_BITS)
    output_merge = mode.stochastic and chosen.get("merge_point") == MergePoint.OUTPUT
    return bool(passes > 1) and not output_merge


def _dataflow_choices(space: SearchSpace, chosen: Chosen) -> list[str]:
    mode = FirstLayerMode.get(chosen["first_layer_hw"])
    generator = hardware_sng(chosen.get("sng_kind"))
    deterministic = generator in Generator.registry and Generator.get(generator).deterministic
    return [name for name in space.hardware.first_layer_dataflows
            if FirstLayerDataflow.get(name).problem(mode, deterministic, False) is None]


HARDWARE_ROWS = [
    Parameter("first_layer_hw", _first_layers, "hardware", choices=_first_layer_choices,
              description="the first layer's hardware (hwmodel first_layer_mode)"),
    Parameter("bitstream_length", lambda s: s.input.bitstream_lengths, "hardware", _stochastic,
              numeric=True, description="N at deployment"),
    Parameter("organisation", lambda s: s.hardware.organisations, "hardware"),
    Parameter("tiles", lambda s: s.hardware.tiles, "hardware", _uses_tiles, numeric=True),
    Parameter("array_rows", lambda s: s.hardware.array_rows, "hardware", numeric=True),
    Parameter("first_layer_dataflow", lambda s: s.hardware.first_layer_dataflows, "hardware",
              _layer1_repeats, choices=_dataflow_choices),
    Parameter("popcount_circuit", lambda s: s.hardware.popcount_circuits, "hardware"),
    # device choices: they set the weights' bit-error rate, so the accuracy of the point too
    Parameter("mram_cell", lambda s: s.hardware.mram_cells, "hardware",
              description="how a weight bit is stored and sensed"),
    Parameter("read_voltage_mv", lambda s: s.hardware.read_voltages_mv, "hardware",
              numeric=True, description="read bias of the junctions"),
    Parameter("ecc", lambda s: s.hardware.ecc, "hardware",
              description="error correction of the weight rows"),
]


def parameters(space: SearchSpace) -> list[Parameter]:
    """Every row of the space, in the order conditions need them."""
    return [
        Parameter("input_mode", lambda s: s.input.modes, "network"),
        *_model_rows(space),
        *INPUT_ROWS,
        *HARDWARE_ROWS,
    ]


def network_parameters(space: SearchSpace) -> list[Parameter]:
    return [p for p in parameters(space) if p.stage == "network"]


def hardware_parameters(space: SearchSpace) -> list[Parameter]:
    return [p for p in parameters(space) if p.stage == "hardware"]


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

    @classmethod
    def from_params(cls, params: Mapping[str, Any], space: SearchSpace) -> Network:
        """The network part of a trial's parameters (a design point's extra ones ignored)."""
        chosen: dict[str, Any] = {}
        for parameter in network_parameters(space):
            if parameter.applies(space, chosen):
                chosen[parameter.name] = params[parameter.name]
        return cls(chosen)


def _walk(space: SearchSpace, rows: Sequence[Parameter], chosen: dict[str, Any],
          ) -> Iterator[dict[str, Any]]:
    """Every combination of `rows` that exists under its conditions, depth first."""
    if not rows:
        yield dict(chosen)
        return
    row, rest = rows[0], rows[1:]
    if not row.applies(space, chosen):
        yield from _walk(space, rest, chosen)
        return
    for value in row.values(space, chosen):
        chosen[row.name] = value
        yield from _walk(space, rest, chosen)
        del chosen[row.name]


def enumerate_networks(space: SearchSpace) -> list[Network]:
    return [Network(params) for params in _walk(space, network_parameters(space), {})]


def hardware_configurations(space: SearchSpace, network: Network) -> list[dict[str, Any]]:
    """Every hardware choice of a network: its design points' extra parameters."""
    rows = hardware_parameters(space)
    designs = []
    for combination in _walk(space, rows, dict(network.params)):
        designs.append({row.name: combination[row.name] for row in rows if row.name in combination})
    return designs


def _suggest(trial: Any, space: SearchSpace, rows: Sequence[Parameter],
             chosen: dict[str, Any]) -> dict[str, Any]:
    """Ask an Optuna trial for `rows` (define-by-run, conditional on what is chosen). A row
    whose choices depend on earlier ones is asked under a name that lists them, since an
    Optuna distribution may not change under one name; one choice is not asked at all."""
    for parameter in rows:
        if not parameter.applies(space, chosen):
            continue
        values = [v if parameter.numeric else str(v) for v in parameter.values(space, chosen)]
        domain = [v if parameter.numeric else str(v) for v in parameter.domain(space)]
        if len(values) == 1 and values != domain:
            chosen[parameter.name] = values[0]
            continue
        name = parameter.name if values == domain else f"{parameter.name}[{'|'.join(values)}]"
        chosen[parameter.name] = trial.suggest_categorical(name, values)
    return chosen


def suggest_network(trial: Any, space: SearchSpace) -> Network:
    """Ask an Optuna trial for the training-relevant choices (the factorized search's trial)."""
    return Network(_suggest(trial, space, network_parameters(space), {}))


def suggest_hardware(trial: Any, space: SearchSpace, network: Network) -> dict[str, Any]:
    """Ask the same trial for one hardware configuration of `network` too: a plain joint
    search, one design point per training (benchmarks/search_efficiency.py compares it with
    the factorized search, which enumerates the configurations instead)."""
    rows = hardware_parameters(space)
    chosen = _suggest(trial, space, rows, dict(network.params))
    return {row.name: chosen[row.name] for row in rows if row.name in chosen}


def distributions(space: SearchSpace, stage: Literal["network", "design"],
                  ) -> dict[str, BaseDistribution]:
    """Optuna distributions: categorical for the sampler's network study; numeric numbers in
    the design study, whose trials are recorded, never sampled."""
    rows = network_parameters(space) if stage == "network" else parameters(space)
    return {row.name: row.distribution(space, numeric=stage == "design") for row in rows}


def check_initial_networks(space: SearchSpace) -> None:
    """Raise ValueError naming `initial_networks[i]` if one is not a network of the space."""
    allowed = {network.key(): network for network in enumerate_networks(space)}
    for index, params in enumerate(space.initial_networks):
        try:
            network = Network.from_params(params, space)
        except (KeyError, TypeError, ValueError):
            network = None
        if network is None or network.key() not in allowed or set(params) != set(network.params):
            raise ValueError(f"initial_networks[{index}]: not a network of this space: {params}")


def count_designs(space: SearchSpace) -> int:
    """Design points of the whole space (every network, every hardware configuration)."""
    return sum(len(hardware_configurations(space, n)) for n in enumerate_networks(space))


__all__ = [
    "Network", "Parameter", "check_initial_networks", "count_designs", "distributions",
    "enumerate_networks", "hardware_configurations", "hardware_parameters",
    "network_parameters", "parameters", "suggest_hardware", "suggest_network",
]
