"""Composing a design point: a network becomes a training config and a workload, its hardware
configurations become Architectures scored in one batch, and a point becomes objective and
constraint values in the space's order and convention."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from codesign.problem.compiled import Problem, compile_problem
from codesign.problem.design_space import Network
from codesign.problem.kinds import SngSource, sng_source
from codesign.problem.space import SearchSpace
from hwmodel import Architecture, WorkloadSpec, evaluate


def space(**sections) -> Problem:
    base = {
        "name": "t",
        "model": {"family": "mlp", "hidden_layers": 2, "widths": [16, 32]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4, 16],
                  "sngs": ["ideal", {"kind": "lfsr", "width": 12}, "sobol"],
                  "merge_points": ["first_layer", "output"], "train_lengths": [8],
                  "sng_sharing": 2},
        "hardware": {"tiles": [1, 4], "organisations": ["shared_tiles", "neuron_parallel"],
                     "first_layer_dataflows": ["reread", "row_latched"], "array_cols": 128},
        "budget": {"epochs": 3, "subset": 0.5},
        "objectives": ["accuracy", "energy", "area", "latency"],
    }
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return compile_problem(SearchSpace.model_validate(base))


def network(s: Problem, **wanted) -> Network:
    return next(n for n in s.design_space.networks()
                if all(n.get(key) == value for key, value in wanted.items()))


def test_an_adapted_first_layer_network_trains_at_its_length_and_evaluates_every_n() -> None:
    s = space()
    chosen = network(s, input_mode="sc", sng_kind="lfsr", merge_point="first_layer",
                     width_1=32, width_2=16)
    config = s.train_config(chosen, "out")
    assert config.model.hidden == [32, 16]
    assert config.input.mode == "sc" and config.input.merge_point == "first_layer"
    assert config.input.length == 8 and config.input.train_lengths is None
    assert config.input.eval_lengths == [1, 4, 16]
    assert config.input.sng.kind == "lfsr" and config.input.sng.width == 12
    assert config.input.sng.sharing == 2
    assert (config.optim.epochs, config.data.subset, config.output_dir) == (3, 0.5, "out")


def test_an_adapted_output_merge_network_trains_on_single_bit_planes() -> None:
    s = space()
    chosen = network(s, input_mode="sc", merge_point="output", training_mode="adapted")
    assert s.train_config(chosen, "out").input.train_lengths == [1]


def test_a_fixed_point_network_has_no_stochastic_input() -> None:
    s = space()
    config = s.train_config(network(s, input_mode="fixed_point"), "out")
    assert config.input.mode == "fixed_point"


def test_the_workload_has_the_networks_layers() -> None:
    s = space()
    chosen = network(s, input_mode="fixed_point", width_1=32, width_2=16)
    workload = TypeAdapter(WorkloadSpec).validate_python(s.recipe.workload_spec(chosen)).build()
    assert [(layer.fan_in, layer.outputs) for layer in workload.layers] == [
        (784, 32), (32, 16), (16, 10)]


@pytest.mark.parametrize("sng", list(SngSource.registry))
def test_architecture_fields_realise_the_networks_source(sng) -> None:
    s = space()
    chosen = network(s, input_mode="sc", sng_kind=sng)
    hardware = s.design_space.hardware_configurations(chosen)[0]
    fields = s.recipe.architecture_fields(chosen, hardware)
    assert fields["sng_kind"] == sng_source(sng).generator
    assert fields["first_layer_mode"] == hardware["first_layer_hw"] == "sc"
    assert fields["array_cols"] == 128 and fields["sng_sharing"] == 2
    assert fields["merge_point"] == chosen["merge_point"]
    Architecture(**fields)  # a valid design


def test_fixed_point_designs_have_no_generator() -> None:
    s = space()
    chosen = network(s, input_mode="fixed_point")
    for hardware in s.design_space.hardware_configurations(chosen):
        fields = s.recipe.architecture_fields(chosen, hardware)
        assert fields["sng_kind"] == "none"
        assert fields["first_layer_mode"] in ("fixed_point_parallel", "fixed_point_bit_serial")


def test_every_point_of_the_batch_equals_a_scalar_evaluation(tech) -> None:
    s = space()
    for chosen in (network(s, input_mode="sc", sng_kind="sobol"),
                   network(s, input_mode="fixed_point")):
        workload = TypeAdapter(WorkloadSpec).validate_python(s.recipe.workload_spec(chosen)).build()
        points = s.hardware_points(chosen, tech)
        assert [p.params for p in points] == s.design_space.hardware_configurations(chosen)
        for point in points:
            report = evaluate(workload, Architecture(**point.architecture), tech)
            assert point.energy_pj == pytest.approx(report.energy_pj, rel=1e-12)
            assert point.area_mm2 == pytest.approx(report.area_mm2, rel=1e-12)
            assert point.latency_ns == pytest.approx(report.latency_ns, rel=1e-12)


def _batch_from_designs(s: Problem, chosen: Network, tech):
    """The batch built as it was before `hardware_batch`: each design point's Architecture
    fields as a dict, then one column per field (the reference)."""
    from hwmodel import evaluate_batch, parse_workload_spec

    configurations = s.design_space.hardware_configurations(chosen)
    designs = [s.recipe.architecture_fields(chosen, hw) for hw in configurations]
    defaults = {name: info.default for name, info in Architecture.model_fields.items()}
    names = sorted({key for design in designs for key in design})
    columns = {name: np.asarray([d.get(name, defaults[name]) for d in designs])
               for name in names}
    workload = parse_workload_spec(s.recipe.workload_spec(chosen))
    return evaluate_batch(workload.build(), tech, columns)


def test_the_batch_built_by_columns_is_the_batch_built_by_designs(tech) -> None:
    """Every network of a space with SC (three SNGs, both merge points) and fixed-point
    inputs: the same totals as the batch of per-design dicts, exactly."""
    s = space()
    for chosen in s.design_space.networks():
        batch, reference = s.hardware_batch(chosen, tech), _batch_from_designs(s, chosen, tech)
        for total in ("energy_pj", "area_mm2", "latency_ns", "weight_error_rate",
                      "peak_current_a", "peak_power_mw"):
            assert np.array_equal(getattr(batch, total), getattr(reference, total)), total


def test_the_space_scales_are_its_largest_costs(tech) -> None:
    """`cost_scales` from the batches' columns: the largest of every point's metric."""
    from codesign.engine.pareto import cost_scales
    from codesign.problem.objectives import hardware_objectives

    s = space()
    points = [p for n in s.design_space.networks() for p in s.hardware_points(n, tech)]
    assert cost_scales(s, tech) == {o.metric: max(p.metric(o.metric) for p in points)
                                    for o in hardware_objectives()}


def test_objective_values_follow_the_spaces_order(tech) -> None:
    s = space(objectives=["area", "accuracy", "latency"])
    point = s.hardware_points(network(s, input_mode="fixed_point"), tech)[0]
    assert s.values(point, 0.875) == [point.area_mm2, 0.875, point.latency_ns]


def test_violations_are_positive_exactly_where_a_budget_is_broken(tech) -> None:
    s = space()
    points = s.hardware_points(network(s, input_mode="sc", sng_kind="ideal"), tech)
    areas = sorted(p.area_mm2 for p in points)
    limit = (areas[0] + areas[-1]) / 2
    bounded = space(constraints={"max_area_mm2": limit, "min_accuracy": 0.8})
    for point in points:
        found = bounded.violations(point, 0.9)
        assert (found["area_mm2"] > 0) == (point.area_mm2 > limit)
        assert found["accuracy"] == pytest.approx(0.8 - 0.9)
        assert bounded.fits_hardware_budget(point) == (point.area_mm2 <= limit)
    # a space bounds the busiest cycle's current density and the power density unless it
    # writes null; these small designs meet both
    assert set(space().violations(points[0], 0.9)) == {
        "peak_current_a", "peak_current_a_per_mm2", "power_density_mw_per_mm2"}
    assert all(value <= 0 for value in space().violations(points[0], 0.9).values())
    unbounded = space(constraints={"max_peak_current_a": None,
                                   "max_peak_current_a_per_mm2": None,
                                   "max_power_density_mw_per_mm2": None})
    assert unbounded.violations(points[0], 0.9) == {}


def test_error_rates_round_up_to_the_grid():
    """A point's accuracy is evaluated at its rate rounded up to 1, 2, 3 or 5 x 10^k, at
    least 1e-9 and at most 0.5: never better than its own rate, at most 2x worse."""
    from codesign.problem.compose import ERROR_RATE_FLOOR, evaluated_error_rate

    cases = {0.0: 0.0, 1e-15: 1e-9, 1e-9: 1e-9, 1.1e-9: 2e-9, 2e-6: 2e-6, 2.0000001e-6: 3e-6,
             3.2e-4: 5e-4, 5.1e-3: 1e-2, 0.04: 0.05, 0.3: 0.3, 0.31: 0.5, 0.5: 0.5}
    for rate, expected in cases.items():
        assert evaluated_error_rate(rate) == expected, rate
    rng = np.random.default_rng(0)
    rates = 10.0 ** rng.uniform(-12, np.log10(0.5), 2000)
    grid = np.array([evaluated_error_rate(r) for r in rates])
    assert np.all(grid >= rates) and np.all(grid <= np.maximum(2 * rates, ERROR_RATE_FLOOR))
    assert len(set(grid)) <= 4 * 9 + 1  # 4 a decade from 1e-9 to 0.5
    # the bisection against a plain search of the grid, decade by decade, on rates at, just
    # around and between grid values
    on_grid = np.array([float(f"{m}e{p}") for m in (1, 2, 3, 5) for p in range(-10, 1)])
    near = np.concatenate([on_grid * (1 + e) for e in (-1e-11, -1e-13, 0.0, 1e-13, 1e-11)])
    for rate in [*rates, *near, *10.0 ** rng.uniform(-9, 0.5, 2000), 2.0, 7.0, 30.0]:
        assert evaluated_error_rate(rate) == _rounded_up_decade_by_decade(rate), rate


def _rounded_up_decade_by_decade(rate: float) -> float:
    """The grid rate the first value of 1, 2, 3, 5 x 10^k from the decade below the rate's
    up reaches (within a relative 1e-12), at least 1e-9 and at most 0.5."""
    import math

    rate = max(float(rate), 1e-9)
    decade = math.floor(math.log10(rate))
    for power in (decade - 1, decade, decade + 1):
        for mantissa in (1, 2, 3, 5):
            if float(f"{mantissa}e{power}") >= rate * (1 - 1e-12):
                return min(float(f"{mantissa}e{power}"), 0.5)
    raise AssertionError(rate)


def test_budgets_and_costs_by_column_equal_the_points_one_by_one(tech) -> None:
    """`fits_hardware_budgets` and `oriented_costs` read the batches' columns; the plain
    reference reads each point's `metric` through the bounds' own violations. Points of two
    networks (two batches), interleaved, with bounds on costs searched and not searched."""
    s = space()
    first = s.hardware_points(network(s, input_mode="sc", sng_kind="ideal"), tech)
    second = s.hardware_points(network(s, input_mode="fixed_point"), tech)
    points = [p for pair in zip(first, second, strict=False) for p in pair]
    middle = {name: float(np.median([p.metric(name) for p in points]))
              for name in ("area_mm2", "latency_ns", "peak_power_mw")}
    bounded = space(objectives=["accuracy", "energy", "area", "latency"],
                    constraints={"max_area_mm2": middle["area_mm2"],
                                 "max_latency_ns": middle["latency_ns"],
                                 "max_peak_power_mw": middle["peak_power_mw"]})
    fits = bounded.fits_hardware_budgets(points)
    reference = [all(v <= 0 for v in bounded.goals.violations(
        lambda o, p=p: p.metric(o.metric), sources=("hardware",)).values()) for p in points]
    assert fits.tolist() == reference and 0 < fits.sum() < len(points)
    assert [bounded.fits_hardware_budget(p) for p in points] == reference
    assert bounded.oriented_costs(points).tolist() == [
        [o.oriented(p.metric(o.metric)) for o in bounded.goals.costs] for p in points]
    assert bounded.oriented_costs([]).shape == (0, 3)
