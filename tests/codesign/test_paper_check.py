"""The paper check: the operating point from measured accuracy, and every combination's
ratios equal to the hardware model's own evaluations."""

import pytest

from codesign.problem.paper_check import PAPER, MeasuredAccuracy, load_accuracy, paper_check
from hwmodel import (
    Architecture,
    FirstLayerDataflow,
    Organisation,
    PopcountCircuit,
    evaluate,
    load_technology,
)
from hwmodel import mlp_workload as mlp


def _accuracy(sc_points: dict[int, float], conventional: float = 0.90) -> MeasuredAccuracy:
    return MeasuredAccuracy(dataset="unit", source="test", conventional=conventional,
                            sc={"ideal": sc_points, "lfsr": sc_points, "sobol": sc_points})


def test_operating_point_is_the_shortest_n_within_the_accuracy_cost():
    accuracy = _accuracy({1: 0.80, 2: 0.885, 4: 0.886, 8: 0.899})
    assert accuracy.operating_point("ideal", 1.4) == 4  # 90.0 - 88.6 = 1.4 points
    assert accuracy.operating_point("ideal", 1.6) == 2
    assert _accuracy({1: 0.5, 8: 0.6}).operating_point("ideal", 1.4) is None


def test_the_shipped_measurements_put_the_ideal_sng_at_n8():
    measured = load_accuracy()
    assert measured.operating_point("ideal", PAPER.accuracy_cost_points) == 8
    assert measured.operating_point("sobol", PAPER.accuracy_cost_points) == 4


def test_every_combination_is_the_models_own_evaluation(tech):
    check = paper_check(tech, _accuracy({2: 0.80, 4: 0.89}), "lfsr", tiles=8, array_rows=128)
    assert check.bitstream_length == 4
    dataflows = FirstLayerDataflow.names()  # lfsr is deterministic: all three apply
    views = {"raw": 2, "equal_throughput": 1, "equal_latency": 1}  # baselines per view
    expected = (len(Organisation.names()) * 2 * len(PopcountCircuit.names()) * len(dataflows)
                * sum(views.values()))  # one row and every row of the arrays at once
    assert len(check.rows) == expected
    assert {r.parallel_rows for r in check.rows} == {1, 128}
    workload = mlp(784, [1024, 1024], 10)
    common = dict(organisation="tile_per_array", popcount_circuit="compressor_tree", tiles=8,
                  array_rows=128, parallel_rows=1)
    sc = evaluate(workload, Architecture(first_layer_mode="sc", sng_kind="lfsr",
                                         bitstream_length=4, first_layer_dataflow="row_latched",
                                         **common), tech)

    def row(view, baseline):
        return next(r for r in check.rows if r.organisation == "tile_per_array"
                    and r.parallel_rows == 1 and r.dataflow == "row_latched"
                    and r.popcount_circuit == "compressor_tree" and r.view == view
                    and r.baseline == baseline)

    raw = row("raw", "fixed_point_bit_serial")
    base = evaluate(workload, Architecture(first_layer_mode="fixed_point_bit_serial",
                                           sng_kind="none", first_layer_dataflow="row_latched",
                                           **common), tech)
    assert raw.area_reduction == pytest.approx(1 - sc.area_um2 / base.area_um2, rel=1e-12)
    assert raw.energy_ratio == pytest.approx(base.energy_pj / sc.energy_pj, rel=1e-12)
    layer1 = base.energy_by_layer_pj["fc1"]
    assert raw.free_layer1_ratio == pytest.approx(base.energy_pj / (base.energy_pj - layer1))
    # equal latency: the parallel baseline folded over N = 4 cycles, both sequential
    latency = row("equal_latency", "fixed_point_parallel")
    folded = evaluate(workload, Architecture(first_layer_mode="fixed_point_parallel",
                                             sng_kind="none", first_layer_fold=4, **common),
                      tech)
    assert (latency.baseline_fold, latency.schedule) == (4, "sequential")
    assert latency.area_reduction == pytest.approx(1 - sc.area_um2 / folded.area_um2, rel=1e-12)
    assert latency.baseline_latency_ns == pytest.approx(folded.latency_ns)
    # equal throughput: both pipelined on an organisation whose layers have their own logic
    throughput = row("equal_throughput", "fixed_point_parallel")
    assert throughput.schedule == "layer_pipelined" and throughput.baseline_fold == 4
    assert throughput.throughput_ratio == pytest.approx(1.0, rel=0.05)
    # the sense amplifier at the ends of its sourced range
    low = tech.at_corner("low", fields=["sense_amplifier.area_um2"])
    sc_low = evaluate(workload, sc.architecture, low)
    base_low = evaluate(workload, base.architecture, low)
    assert raw.area_reduction_low == pytest.approx(1 - sc_low.area_um2 / base_low.area_um2)
    assert check.sense_amplifier_area_um2 == (tech.ranges["sense_amplifier.area_um2"].low,
                                              tech.sense_amplifier.area_um2,
                                              tech.ranges["sense_amplifier.area_um2"].high)
    for r in check.rows:
        assert r.reaches_area == (r.area_reduction >= PAPER.area_reduction)
        assert r.reaches_energy == (r.energy_ratio >= PAPER.energy_factor)
        # an SC design pays for layers 2.. like its baseline: its ratio stays under the bound
        if r.view == "raw":
            assert r.energy_ratio <= r.free_layer1_ratio * 1.05


def test_every_row_says_whether_both_designs_can_be_built(tech):
    """The paper's fully parallel neuron-parallel design is far over the default limits; the
    same organisation reading one row of each array at once is within them, N x 256 cycles
    for layer 1 instead of N."""
    check = paper_check(tech, _accuracy({8: 0.89}), "ideal")
    workload = mlp(784, [1024, 1024], 10)
    full, one = (evaluate(workload, Architecture(
        organisation="neuron_parallel", first_layer_mode="sc", sng_kind="mtj_trng",
        bitstream_length=8, parallel_rows=rows), tech) for rows in (256, 1))
    assert full.peak_current_a > 10 * check.limits["peak_current_a"]
    assert full.peak_current_a_per_mm2 > 3 * check.limits["peak_current_a_per_mm2"]
    assert one.peak_current_a_per_mm2 <= check.limits["peak_current_a_per_mm2"]
    assert one.peak_current_a <= check.limits["peak_current_a"]
    assert (full.layers[0].cycles, one.layers[0].cycles) == (8 + 3, 8 * 256 + 3)
    rows = [r for r in check.in_view("raw") if r.organisation == "neuron_parallel"]
    assert not any(r.sc_buildable for r in rows if r.parallel_rows == 256)
    assert all(r.sc_buildable for r in rows if r.parallel_rows == 1)
    broken = {metric for metric, limit in check.limits.items()  # the limits `full` breaks
              if getattr(full, metric) > limit}
    assert {"peak_current_a", "peak_current_a_per_mm2"} <= broken
    for row in rows:  # the broken limits name exactly what makes a design unbuildable
        assert row.sc_buildable == (not row.sc_over_limits)
        assert row.baseline_buildable == (not row.baseline_over_limits)
    assert {"peak_current_a", "peak_current_a_per_mm2"} <= {
        metric for r in rows if r.parallel_rows == 256 and r.dataflow == "reread"
        and r.popcount_circuit == "ripple_tree" for metric in r.sc_over_limits}


def test_a_true_rng_cannot_regenerate(tech):
    check = paper_check(tech, _accuracy({4: 0.89}), "ideal")
    assert "row_latched_regenerated" not in {r.dataflow for r in check.rows}


def test_a_verdict_across_the_ranges_names_the_number_that_flips_it_and_where() -> None:
    """A figure linear in one ranged number (and flat in the others): its span, and the
    flip found by bisection where the line crosses the threshold, by hand."""
    from codesign.problem.paper_check import verdicts_across_ranges

    tech = load_technology("stt_mram_28nm")
    field = "sense_amplifier.area_um2"
    low, high = tech.ranges[field].low, tech.ranges[field].high
    nominal = tech.value(field)

    def measure(t):  # area saving 0.9 at the low bound, falling 0.02 per um^2
        return {("raw", "area_reduction"): 0.9 - 0.02 * (t.value(field) - low),
                ("raw", "energy_factor"): 3.0}

    area, energy = verdicts_across_ranges(tech, measure)
    assert area.nominal == pytest.approx(0.9 - 0.02 * (nominal - low))
    assert (area.low, area.high) == pytest.approx((0.9 - 0.02 * (high - low), 0.9))
    assert area.reached and not area.holds
    crossing = low + (0.9 - PAPER.area_reduction) / 0.02  # 0.9 - 0.02 (x - low) = 0.62
    [flip] = area.flipped_by
    assert flip.field == field and flip.bound == high and flip.nominal == nominal
    assert flip.value == pytest.approx(crossing, abs=2e-3 * (high - nominal))
    assert energy.holds and energy.reached and not energy.flipped_by
    assert energy.low == energy.high == 3.0


def test_the_paper_check_gives_each_verdict_across_the_ranges(capsys) -> None:
    from codesign.cli import main

    assert main(["hw", "--paper-check"]) == 0
    out = capsys.readouterr().out
    assert "across the ranges" in out
    check = paper_check(load_technology("stt_mram_28nm"), load_accuracy(), ranges=True)
    assert {(v.view, v.claim) for v in check.verdicts} == {
        (view, claim) for view in ("raw", "equal_throughput", "equal_latency")
        for claim in ("area_reduction", "energy_factor")}
    for verdict in check.verdicts:
        assert verdict.low <= verdict.nominal <= verdict.high
        ends = (verdict.low >= verdict.threshold, verdict.high >= verdict.threshold)
        assert verdict.holds == (ends == (verdict.reached, verdict.reached))
