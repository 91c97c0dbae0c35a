"""The scalar evaluator: monotonicity, conservation, units and the merge-point semantics."""

from __future__ import annotations

import pytest

from hwmodel import COMPONENTS, Architecture, evaluate, mlp_workload
from hwmodel.report import SHARED

MODES = ("sc", "fixed_point_parallel", "fixed_point_bit_serial")


def arch(**fields) -> Architecture:
    return Architecture(**{"first_layer_mode": "sc", "bitstream_length": 8, **fields})


# --- monotonicity ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_more_tiles_more_area_no_more_latency(fmnist, tech, mode) -> None:
    reports = [
        evaluate(fmnist, arch(first_layer_mode=mode, tiles=t), tech) for t in (1, 2, 4, 16, 64)
    ]
    for fewer, more in zip(reports, reports[1:], strict=False):
        assert more.area_um2 > fewer.area_um2
        assert more.latency_ns <= fewer.latency_ns
    assert reports[-1].latency_ns < reports[0].latency_ns


def test_tiles_barely_change_dynamic_energy(fmnist, tech) -> None:
    few, many = (evaluate(fmnist, arch(tiles=t), tech) for t in (2, 16))
    dynamic = [
        r.energy_pj
        - r.energy_by_component_pj["leakage"]
        - r.energy_by_component_pj["registers_control"]
        for r in (few, many)
    ]
    assert dynamic[0] == pytest.approx(dynamic[1], rel=1e-12)


@pytest.mark.parametrize("merge", ["first_layer", "output"])
@pytest.mark.parametrize("sng", ["lfsr", "sobol", "mtj_trng"])
def test_larger_n_more_sc_energy(fmnist, tech, merge, sng) -> None:
    energies = [
        evaluate(fmnist, arch(bitstream_length=n, merge_point=merge, sng_kind=sng), tech).energy_pj
        for n in (1, 2, 4, 8, 64)
    ]
    assert energies == sorted(energies) and len(set(energies)) == len(energies)


def test_wider_layers_more_memory(tech) -> None:
    areas = [
        evaluate(mlp_workload(784, [h, h], 10), arch(), tech).area_by_component_um2["mram_arrays"]
        for h in (128, 256, 512, 1024, 2048)
    ]
    assert areas == sorted(areas) and len(set(areas)) == len(areas)


def test_memory_follows_weights(fmnist, tech) -> None:
    report = evaluate(fmnist, arch(), tech)
    cells = report.counts.mram_cells
    assert cells >= 2 * fmnist.total_weights  # differential bits, all weights stored
    assert cells < 2 * 1.6 * fmnist.total_weights  # and no more than the slicing waste


# --- conservation and units ------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("merge", ["first_layer", "output"])
def test_breakdowns_sum_to_totals(fmnist, small_conv, tech, mode, merge) -> None:
    for workload in (fmnist, small_conv):
        report = evaluate(workload, arch(first_layer_mode=mode, merge_point=merge), tech)
        assert set(report.area_by_component_um2) == set(COMPONENTS)
        assert sum(report.area_by_component_um2.values()) == pytest.approx(
            report.area_um2, rel=1e-12
        )
        assert sum(report.energy_by_component_pj.values()) == pytest.approx(
            report.energy_pj, rel=1e-12
        )
        assert sum(report.area_by_layer_um2.values()) == pytest.approx(report.area_um2, rel=1e-12)
        assert sum(report.energy_by_layer_pj.values()) == pytest.approx(report.energy_pj, rel=1e-12)
        assert report.area_by_layer_um2[SHARED] > 0
        for layer in report.layers:
            assert sum(layer.energy_by_component_pj.values()) == pytest.approx(
                layer.energy_pj, rel=1e-12
            )
        assert sum(layer.latency_ns for layer in report.layers) == pytest.approx(report.latency_ns)
        assert sum(layer.cycles for layer in report.layers) == report.counts.cycles
        assert sum(layer.row_reads for layer in report.layers) == report.counts.row_reads


def test_units(fmnist, tech) -> None:
    report = evaluate(fmnist, arch(), tech)
    assert report.area_mm2 == pytest.approx(report.area_um2 / 1e6, rel=1e-12)
    assert report.inferences_per_s == pytest.approx(1e9 / report.latency_ns, rel=1e-12)
    assert report.latency_ns == pytest.approx(report.counts.cycles * 1e3 / tech.clock_mhz)
    assert report.average_power_mw == pytest.approx(report.energy_pj / report.latency_ns)
    # leakage: nW * ns = 1e-6 pJ
    cmos = report.area_um2 - report.counts.arrays * 256 * 256 * 2 * tech.mram.cell_area_um2
    power_nw = (
        tech.leakage.logic_nw_per_um2 * cmos
        + tech.mram.leakage_nw_per_cell * report.counts.mram_cells
    )
    expected = power_nw * report.latency_ns * 1e-6
    assert report.energy_by_component_pj["leakage"] == pytest.approx(expected, rel=1e-12)
    # bits read = row reads * columns + threshold words
    layer = report.layers[0]
    assert (
        layer.bits_read
        == layer.row_reads * 256 + layer.threshold_comparisons * layer.accumulator_bits
    )


def test_counts_are_physical(fmnist, tech) -> None:
    report = evaluate(fmnist, arch(bitstream_length=8, sng_sharing=4), tech)
    counts = report.counts
    assert counts.sng_generators == 784 // 4
    assert counts.random_numbers == 196 * 8
    assert counts.random_bits_generated == 196 * 8 * 8  # generators * input_bits * N
    assert counts.comparator_evaluations == 784 * 8
    assert counts.popcounts == counts.row_reads
    assert counts.weight_bits == fmnist.total_weights


# --- what repeats N times ------------------------------------------------------------------


def test_first_layer_merge_repeats_only_layer_one(fmnist, tech) -> None:
    one, many = (evaluate(fmnist, arch(bitstream_length=n), tech) for n in (1, 16))
    assert many.layers[0].row_reads == 16 * one.layers[0].row_reads
    assert [layer.row_reads for layer in many.layers[1:]] == [
        layer.row_reads for layer in one.layers[1:]
    ]
    assert many.layers[0].threshold_comparisons == one.layers[0].threshold_comparisons
    assert many.area_by_component_um2["partial_sum_buffer"] > 0
    assert one.area_by_component_um2["partial_sum_buffer"] == 0


def test_output_merge_repeats_everything(fmnist, tech) -> None:
    one, many = (
        evaluate(fmnist, arch(bitstream_length=n, merge_point="output"), tech) for n in (1, 16)
    )
    for a, b in zip(one.layers, many.layers, strict=True):
        assert b.row_reads == 16 * a.row_reads
    assert many.area_by_component_um2["partial_sum_buffer"] == 0
    assert (
        many.energy_by_component_pj["output_scores"]
        > 16 * one.energy_by_component_pj["output_scores"] * 0.99
    )


@pytest.mark.parametrize("mode", ["fixed_point_parallel", "fixed_point_bit_serial"])
def test_fixed_point_ignores_n_and_sng(fmnist, tech, mode) -> None:
    base = evaluate(fmnist, arch(first_layer_mode=mode, bitstream_length=1, sng_kind="none"), tech)
    other = evaluate(
        fmnist,
        arch(first_layer_mode=mode, bitstream_length=64, sng_kind="mtj_trng", merge_point="output"),
        tech,
    )
    assert other.effective_bitstream_length == 1
    assert other.energy_pj == base.energy_pj and other.area_um2 == base.area_um2
    assert base.area_by_component_um2["sng"] == 0 and base.counts.random_bits_generated == 0


def test_bit_serial_reads_layer_one_per_bit_plane(fmnist, tech) -> None:
    parallel = evaluate(fmnist, arch(first_layer_mode="fixed_point_parallel"), tech)
    serial = evaluate(fmnist, arch(first_layer_mode="fixed_point_bit_serial"), tech)
    assert serial.layers[0].row_reads == 8 * parallel.layers[0].row_reads
    assert serial.area_um2 < parallel.area_um2  # binary datapath + wider accumulators only
    assert serial.area_by_component_um2["popcount"] < parallel.area_by_component_um2["popcount"]


def test_sc_removes_the_multi_bit_datapath(fmnist, tech) -> None:
    sc = evaluate(fmnist, arch(), tech)
    parallel = evaluate(fmnist, arch(first_layer_mode="fixed_point_parallel"), tech)
    assert sc.area_by_component_um2["popcount"] < parallel.area_by_component_um2["popcount"] / 4
    assert sc.area_by_component_um2["sng"] > 0


def test_conv_layers_pack_small_fan_in(small_conv, tech) -> None:
    report = evaluate(small_conv, arch(first_layer_mode="fixed_point_parallel"), tech)
    conv1 = report.layers[0]
    assert conv1.fan_in == 27 and conv1.neurons_per_row == 8 and conv1.positions == 256
    assert report.layers[-1].kind == "dense"
