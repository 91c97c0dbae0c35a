"""The design space is one table (`codesign.problem.design_space`): what a sampler can propose, what
enumeration lists, the Optuna distributions and the conditions must all follow from it."""

from __future__ import annotations

import itertools

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, IntDistribution

from codesign.problem.design_space import DesignSpace, Ordinal, compile_design_space
from codesign.problem.space import SearchSpace
from hwmodel import Organisation


def space(**sections) -> DesignSpace:
    base = {
        "name": "t",
        "model": {"family": "mlp", "hidden_layers": 2, "widths": [16, 32]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4, 16],
                  "sngs": ["ideal", "sobol"], "merge_points": ["first_layer", "output"],
                  "training_modes": ["adapted", "non_adapted"], "train_lengths": [4, 8]},
        "hardware": {"tiles": [1, 4], "organisations": list(Organisation.names()),
                     "array_rows": [64, 256],
                     "first_layer_dataflows": ["reread", "row_latched",
                                               "row_latched_regenerated"],
                     "popcount_circuits": ["ripple_tree", "compressor_tree"]},
    }
    for key, value in sections.items():
        base[key] = {**base[key], **value}
    return compile_design_space(SearchSpace.model_validate(base))


def test_networks_are_every_combination_of_the_network_rows_under_their_conditions() -> None:
    """Counted by hand: 2 x 2 widths; per SNG, the first-layer merge adapted at 2 train lengths
    or non-adapted (3), the output merge adapted or not (2), and no train length there."""
    s = space()
    widths = 2 * 2
    assert len(s.networks()) == widths + widths * 2 * (3 + 2)
    keys = [network.key() for network in s.networks()]
    assert len(set(keys)) == len(keys)
    for network in s.networks():
        has_length = "train_length" in network.params
        assert has_length == (network.is_sc and network["training_mode"] == "adapted"
                              and network["merge_point"] == "first_layer")
        assert network.is_sc == ("sng_kind" in network.params)


def test_a_sampler_proposes_exactly_the_enumerated_networks() -> None:
    s = space()
    enumerated = {network.key() for network in s.networks()}
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    proposed = set()
    for _ in range(600):
        trial = study.ask()
        proposed.add(s.suggest_network(trial).key())
        study.tell(trial, 0.0)
    assert proposed == enumerated


def test_hardware_rows_exist_only_where_they_apply() -> None:
    s = space()
    for network in s.networks():
        configurations = s.hardware_configurations(network)
        assert configurations and len({str(c) for c in configurations}) == len(configurations)
        for hardware in configurations:
            organisation = Organisation.get(hardware["organisation"])
            assert ("tiles" in hardware) == organisation.uses_tiles
            assert ("bitstream_length" in hardware) == network.is_sc
            repeats = (hardware["first_layer_hw"] == "fixed_point_bit_serial"
                       or (network.is_sc and network["merge_point"] == "first_layer"
                           and hardware["bitstream_length"] > 1))
            assert ("first_layer_dataflow" in hardware) == repeats
            if hardware.get("first_layer_dataflow") == "row_latched_regenerated":
                assert network.get("sng_kind") == "sobol"  # the ideal source cannot regenerate


def test_hardware_configurations_counted_by_hand() -> None:
    """A fixed-point network: 2 first layers x 2 rows x 2 circuits x (shared: 2 tiles,
    per-array 1, neuron-parallel 1); the bit-serial one adds its 3 dataflows less the
    regenerated one (no generator): x 2."""
    s = space()
    fixed = next(n for n in s.networks() if not n.is_sc)
    per_organisation = 2 + 1 + 1
    parallel = per_organisation * 2 * 2
    bit_serial = per_organisation * 2 * 2 * 2
    assert len(s.hardware_configurations(fixed)) == parallel + bit_serial
    assert s.count_designs() == sum(len(s.hardware_configurations(n))
                                   for n in s.networks())


def test_a_joint_trial_proposes_only_valid_configurations() -> None:
    s = space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(200):
        trial = study.ask()
        network = s.suggest_network(trial)
        hardware = s.suggest_hardware(trial, network)
        assert hardware in s.hardware_configurations(network)
        study.tell(trial, 0.0)


def test_design_distributions_are_numeric_where_the_row_is() -> None:
    s = space()
    design = s.distributions("design")
    assert set(design) == set(s.names)
    assert design["bitstream_length"] == IntDistribution(1, 16, log=True)
    assert design["tiles"] == IntDistribution(1, 4, log=True)
    assert design["array_rows"] == IntDistribution(64, 256, log=True)
    assert isinstance(design["organisation"], CategoricalDistribution)
    network = s.distributions("network")
    assert network["width_1"] == IntDistribution(16, 32, step=16)  # evenly spaced: values
    assert network["train_length"] == IntDistribution(4, 8, step=4)
    assert isinstance(network["sng_kind"], CategoricalDistribution)
    assert "tiles" not in network


@pytest.mark.parametrize(("values", "name", "codes"), [
    ([64, 256, 1024], "log2_w", [6, 8, 10]),  # powers of two, exponents step 2
    ([256, 512, 1024], "log2_w", [8, 9, 10]),
    ([16, 32, 48], "w", [16, 32, 48]),  # evenly spaced: the values themselves
    ([1, 2, 3, 4], "w", [1, 2, 3, 4]),
    ([8], "w", [8]),
    ([0, 3600, 86400], "rank_w", [0, 1, 2]),  # neither: the rank
    ([16, 32, 128], "rank_w", [0, 1, 2]),
])
def test_an_ordinal_distribution_holds_exactly_the_ordered_codes(values, name, codes) -> None:
    ordinal = Ordinal.of("w", list(reversed(values)))  # the order written does not matter
    assert ordinal.name == name
    assert [ordinal.code(v) for v in values] == codes  # ascending with the value
    assert [ordinal.value(c) for c in codes] == values
    d = ordinal.distribution
    assert list(range(d.low, d.high + 1, d.step)) == codes  # every code a value, no other
    assert d.log == (name == "w" and d.step == 1 and d.low > 0)  # log: every integer a value


def test_a_sampler_sees_numbers_in_order_and_the_trial_records_their_values() -> None:
    s = space(model={"widths": [64, 128, 256, 512]}, input={"train_lengths": [4, 8, 16]})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    seen = set()
    for _ in range(60):
        trial = study.ask()
        network = s.suggest_network(trial)
        for row in ("width_1", "width_2"):
            assert trial.distributions[f"log2_{row}"] == IntDistribution(6, 9)
            assert network[row] == 2 ** trial.params[f"log2_{row}"]
            assert trial.user_attrs[row] == network[row]  # the value, for every reader
        if "train_length" in network.params:
            assert trial.distributions["log2_train_length"] == IntDistribution(2, 4)
            assert trial.user_attrs["train_length"] == network["train_length"]
        assert network.key() in {n.key() for n in s.networks()}
        seen.add(network["width_1"])
        study.tell(trial, 0.0)
    assert seen == {64, 128, 256, 512}


@pytest.mark.parametrize("ordinal", [True, False])
def test_a_networks_optuna_params_ask_for_that_network(ordinal) -> None:
    """What `initial_networks` (values) become when enqueued, in either encoding."""
    s = space(model={"widths": [64, 128, 256]}, input={"train_lengths": [4, 8, 16]})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for network in s.networks()[::5]:
        study.enqueue_trial(s.optuna_params(network.params, ordinal))
        trial = study.ask()
        assert s.suggest_network(trial, ordinal).key() == network.key()
        assert set(trial.params) == set(s.optuna_params(network.params, ordinal))
        study.tell(trial, 0.0)


def test_a_network_is_read_back_from_a_design_points_params() -> None:
    s = space()
    for network, hardware in itertools.islice(
            ((n, h) for n in s.networks() for h in s.hardware_configurations(n)), 50):
        params = {**network.params, **hardware}
        assert s.network(params).key() == network.key()


@pytest.mark.parametrize("params", [
    {"input_mode": "fixed_point", "width_1": 16, "width_2": 64},  # 64 is not a width
    {"input_mode": "fixed_point", "width_1": 16},  # width_2 missing
    {"input_mode": "fixed_point", "width_1": 16, "width_2": 16, "sng_kind": "ideal"},
])
def test_initial_networks_outside_the_space_are_named(params) -> None:
    s = space()
    with pytest.raises(ValueError, match=r"initial_networks\[0\]"):
        s.check_networks([params])
