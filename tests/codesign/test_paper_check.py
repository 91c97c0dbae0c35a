"""The paper check: the operating point from measured accuracy, and every combination's
ratios equal to the hardware model's own evaluations."""

import pytest

from codesign.paper_check import PAPER, MeasuredAccuracy, load_accuracy, paper_check
from hwmodel import Architecture, FirstLayerDataflow, Organisation, PopcountCircuit, evaluate
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
    expected = len(Organisation.names()) * len(PopcountCircuit.names()) * len(dataflows) * 2
    assert len(check.rows) == expected
    workload = mlp(784, [1024, 1024], 10)
    row = next(r for r in check.rows if r.organisation == "tile_per_array"
               and r.dataflow == "row_latched" and r.baseline == "fixed_point_bit_serial"
               and r.popcount_circuit == "compressor_tree")
    common = dict(organisation="tile_per_array", popcount_circuit="compressor_tree", tiles=8,
                  array_rows=128, first_layer_dataflow="row_latched")
    sc = evaluate(workload, Architecture(first_layer_mode="sc", sng_kind="lfsr",
                                         bitstream_length=4, **common), tech)
    base = evaluate(workload, Architecture(first_layer_mode="fixed_point_bit_serial",
                                           sng_kind="none", **common), tech)
    assert row.area_reduction == pytest.approx(1 - sc.area_um2 / base.area_um2, rel=1e-12)
    assert row.energy_ratio == pytest.approx(base.energy_pj / sc.energy_pj, rel=1e-12)
    layer1 = base.energy_by_layer_pj["fc1"]
    assert row.free_layer1_ratio == pytest.approx(base.energy_pj / (base.energy_pj - layer1))
    for r in check.rows:
        assert r.reaches_area == (r.area_reduction >= PAPER.area_reduction)
        assert r.reaches_energy == (r.energy_ratio >= PAPER.energy_factor)
        # an SC design pays for layers 2.. like its baseline: its ratio stays under the bound
        assert r.energy_ratio <= r.free_layer1_ratio * 1.05


def test_a_true_rng_cannot_regenerate(tech):
    check = paper_check(tech, _accuracy({4: 0.89}), "ideal")
    assert "row_latched_regenerated" not in {r.dataflow for r in check.rows}
