"""The search space compiled once (`codesign.problem.compiled`), and what the concepts own: an SNG
kind its parameters (one correspondence read forward, as the check and in reverse), a parameter
its text in the tables, an objective its limit's reading and its normalisation."""

from __future__ import annotations

import itertools

import numpy as np
import optuna
import pytest
from pydantic import ValidationError

from codesign.engine.pareto import hypervolume
from codesign.engine.storage import open_storage
from codesign.engine.study import IDENTITY_ATTR, StudyMismatch, open_studies
from codesign.problem.compiled import compile_problem, search_identity
from codesign.problem.design_agreement import disagreement
from codesign.problem.kinds import SngSource, sng_source, source_of_generator
from codesign.problem.objectives import ACCURACY, Goals, Objective
from codesign.problem.rtl_design import sng_config_for
from codesign.problem.space import SearchSpace
from hwmodel import Generator, HardwareDesign
from trainer.config import SNGKind, TrainConfig

RICH = {
    "name": "rich",
    "model": {"family": "mlp", "hidden_layers": 2, "widths": [16, 32]},
    "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4, 16],
              "sngs": ["ideal", {"kind": "lfsr", "width": 12}, "sobol"],
              "merge_points": ["first_layer", "output"], "train_lengths": [4]},
    "hardware": {"tiles": [1, 4], "organisations": ["shared_tiles", "tile_per_array",
                                                    "neuron_parallel"],
                 "array_rows": [64, 256],
                 "first_layer_dataflows": ["reread", "row_latched", "row_latched_regenerated"],
                 "popcount_circuits": ["ripple_tree", "compressor_tree"],
                 "mram_cells": ["1t1mtj", "2t2mtj"], "read_voltages_mv": [100, 200],
                 "ecc": ["none", "secded"]},
}


def test_every_sng_kind_of_the_trainer_has_exactly_one_source_and_generator():
    """The one correspondence: forward (kind -> generator) and back are inverse."""
    assert set(SngSource.registry) == {kind.value for kind in SNGKind}
    for name, source in SngSource.registry.items():
        assert source.generator in Generator.registry
        assert source_of_generator(source.generator) is source is sng_source(name)


def test_the_lfsr_width_is_the_lfsr_entrys_own_parameter():
    problem = compile_problem(SearchSpace.model_validate(RICH))
    network = next(n for n in problem.design_space.networks() if n.get("sng_kind") == "lfsr")
    config = problem.train_config(network, "out")
    assert config.input.sng.kind == "lfsr" and config.input.sng.width == 12
    hardware = problem.design_space.hardware_configurations(network)[0]
    fields = problem.recipe.architecture_fields(network, hardware)
    assert fields["sng_kind"] == "lfsr" and fields["lfsr_width_bits"] == 12
    design = HardwareDesign.model_validate({
        "workload": problem.recipe.workload_spec(network), "technology": "stt_mram_28nm",
        "architecture": fields})
    # the check: the two sections agree, and a width that differs is named
    assert disagreement(config, design) is None
    narrower = design.model_copy(update={"architecture": design.architecture.model_copy(
        update={"lfsr_width_bits": 16})})
    assert disagreement(config, narrower) == ("hardware.architecture.lfsr_width_bits is 16, "
                                              "but training.input.sng.width is 12")
    # the reverse: a bare hardware design's generator becomes the trainer's SNG, width kept
    assert sng_config_for(design, None).model_dump(include={"kind", "width"}) == {
        "kind": "lfsr", "width": 12}
    for kind in ("ideal", "sobol"):  # the other kinds have no width
        other = next(n for n in problem.design_space.networks() if n.get("sng_kind") == kind)
        hardware = problem.design_space.hardware_configurations(other)[0]
        assert "lfsr_width_bits" not in problem.recipe.architecture_fields(other, hardware)


def test_the_old_sng_spelling_reads_as_the_new_one():
    old = SearchSpace.model_validate({"name": "old", "input": {
        "sng_kinds": ["ideal", "lfsr"], "lfsr_width": 12}})
    new = SearchSpace.model_validate({"name": "old", "input": {
        "sngs": ["ideal", {"kind": "lfsr", "width": 12}]}})
    assert old == new and search_identity(old) == search_identity(new)
    without = SearchSpace.model_validate({"name": "old", "input": {"sng_kinds": ["sobol"],
                                                                    "lfsr_width": 12}})
    assert [choice.kind for choice in without.input.sngs] == ["sobol"]
    with pytest.raises(ValidationError, match="sng_kinds is the old spelling of sngs"):
        SearchSpace.model_validate({"name": "x", "input": {"sng_kinds": ["lfsr"],
                                                           "sngs": ["lfsr"]}})
    with pytest.raises(ValidationError, match="lfsr is listed twice"):
        SearchSpace.model_validate({"name": "x", "input": {"sngs": ["lfsr", "lfsr"]}})


def test_a_study_written_with_the_old_spelling_resumes(tmp_path):
    """Stored identities are read in today's spelling: a study is not refused for it."""
    storage = open_storage(f"sqlite:///{tmp_path / 'old.db'}")
    problem = compile_problem(SearchSpace.model_validate(
        {"name": "old", "input": {"sngs": ["ideal", {"kind": "lfsr", "width": 12}]}}))
    designs, _ = open_studies(problem, storage)
    old_identity = problem.identity.replace(
        '"sngs": [{"kind": "ideal"}, {"kind": "lfsr", "width": 12}]',
        '"sng_kinds": ["ideal", "lfsr"], "lfsr_width": 12')
    assert old_identity != problem.identity
    storage.set_study_system_attr(storage.get_study_id_from_name("old"), IDENTITY_ATTR,
                                  old_identity)
    open_studies(problem, storage)  # resumed
    other = compile_problem(SearchSpace.model_validate(
        {"name": "old", "input": {"sngs": ["ideal", {"kind": "lfsr", "width": 16}]}}))
    with pytest.raises(StudyMismatch):
        open_studies(other, storage)


@pytest.mark.parametrize(("section", "field", "value"), [
    ("hardware", "tiles", 4), ("hardware", "organisations", "neuron_parallel"),
    ("input", "sngs", "sobol"), ("input", "bitstream_lengths", 8), ("model", "widths", 64),
])
def test_a_single_value_is_a_list_of_one(section, field, value):
    written = {field: value, **({"family": "mlp"} if section == "model" else {})}
    space = SearchSpace.model_validate({"name": "x", section: written})
    written = getattr(getattr(space, section), field)
    assert [getattr(v, "kind", v) for v in written] == [value]


def test_designs_that_differ_in_any_parameter_print_differently():
    """Every row shows itself in the tables: no two configurations share a description."""
    space = compile_problem(SearchSpace.model_validate(RICH)).design_space
    for network in space.networks()[::7]:
        texts = [str(space.describe({**network.params, **hardware}))
                 for hardware in space.hardware_configurations(network)]
        assert len(set(texts)) == len(texts)
    networks = [str(space.describe(network.params)) for network in space.networks()]
    assert len(set(networks)) == len(networks)


THROUGHPUT = Objective("throughput", "inferences_per_s", "maximize", "throughput", "inf/s",
                       "min_inferences_per_s", "inferences_per_s")


def test_a_maximised_cost_limit_is_a_number_not_an_accuracy():
    assert THROUGHPUT.parse_limit(5000.0) == 5000.0
    assert ACCURACY.parse_limit(89.0) == pytest.approx(0.89)
    with pytest.raises(ValueError):
        THROUGHPUT.parse_limit(0.0)
    goals = Goals((ACCURACY, THROUGHPUT), ())
    assert goals.directions == ["maximize", "maximize"]


def _trial(accuracy: float, throughput: float):
    return optuna.trial.create_trial(values=[accuracy, throughput], user_attrs={
        "val_accuracy": accuracy, "inferences_per_s": throughput})


def test_the_hypervolume_of_a_maximised_cost_is_normalised_into_the_unit_box():
    """Losses 1 - accuracy and 1 - throughput / largest: the dominated area of the points,
    computed by hand, and never above 1 (values beyond the scale are clipped)."""
    points = [(0.9, 2e5), (0.8, 6e5), (0.5, 1e6)]
    largest = 1e6
    value = hypervolume([_trial(*p) for p in points], (ACCURACY, THROUGHPUT),
                        {"inferences_per_s": largest})
    losses = sorted((1 - a, 1 - t / largest) for a, t in points)
    area, previous = 0.0, 1.0  # staircase of the dominated region inside (1, 1)
    for x, y in losses:
        if y < previous:
            area += (1 - x) * (previous - y)
            previous = y
    assert value == pytest.approx(area)
    beyond = hypervolume([_trial(1.0, 5e6)], (ACCURACY, THROUGHPUT),
                         {"inferences_per_s": largest})
    assert beyond == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    many = [_trial(a, t) for a, t in zip(rng.uniform(0, 1, 30), rng.uniform(0, 3e6, 30),
                                         strict=True)]
    assert 0.0 <= hypervolume(many, (ACCURACY, THROUGHPUT), {"inferences_per_s": 1e6}) <= 1.0


def test_compiling_keeps_the_spaces_identity_and_every_row():
    space = SearchSpace.model_validate(RICH)
    problem = compile_problem(space)
    assert problem.identity == search_identity(space)
    assert SearchSpace.model_validate_json(problem.document) == space
    assert problem.goals.metric_names == ["accuracy", "energy_pj", "area_mm2"]
    assert problem.recipe.fixed_architecture == {"array_cols": 256}
    names = problem.design_space.names
    assert names[:3] == ["input_mode", "width_1", "width_2"]
    assert set(itertools.chain(problem.design_space.distributions("design"))) == set(names)


def test_an_unknown_sng_kind_of_a_training_config_is_one_line():
    with pytest.raises(ValueError, match="SNG kind 'halton' is not known to codesign"):
        sng_source("halton")
    config = TrainConfig.model_validate({"input": {"mode": "sc", "sng": {"kind": "ideal"}}})
    assert sng_source(config.input.sng.kind).generator == "mtj_trng"
