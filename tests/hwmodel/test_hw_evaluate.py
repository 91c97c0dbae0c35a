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
    """Tiles change the time (leakage, the sequencer) and the chip's side, which the bus to
    the tiles spans; nothing else."""
    few, many = (evaluate(fmnist, arch(tiles=t), tech) for t in (2, 16))
    dynamic = [
        r.energy_pj
        - r.energy_by_component_pj["leakage"]
        - r.energy_by_component_pj["registers_control"]
        - r.energy_by_component_pj["interconnect"]
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
    # leakage: nW * ns = 1e-6 pJ, over the hardware's CMOS area (not its cells, nor the
    # placement's whitespace and the wires' channels)
    cmos = (report.area_um2 - report.counts.arrays * 256 * 256 * 2 * tech.mram.cell_area_um2
            - report.area_by_component_um2["placement"]
            - report.area_by_component_um2["interconnect"])
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


# --- organisations, dataflows, popcount circuits --------------------------------------------


ORGANISATIONS = ("shared_tiles", "tile_per_array", "neuron_parallel")


@pytest.mark.parametrize("mode", MODES)
def test_every_organisation_reads_the_same_bits(fmnist, tech, mode) -> None:
    """The organisation moves logic and time, never the memory reads of a dataflow."""
    reports = [evaluate(fmnist, arch(organisation=o, first_layer_mode=mode), tech)
               for o in ORGANISATIONS]
    assert len({r.counts.bits_read for r in reports}) == 1
    assert len({r.energy_by_component_pj["mram_arrays"] for r in reports}) == 1


def test_parallelism_buys_latency_with_area(fmnist, tech) -> None:
    """Shared tiles, a tile per array and neuron-parallel with every row sensed at once."""
    shared, per_array, neuron = (evaluate(fmnist, arch(organisation=o, tiles=4,
                                                       parallel_rows=256 if o == ORGANISATIONS[2]
                                                       else 1), tech)
                                 for o in ORGANISATIONS)
    assert neuron.latency_ns < per_array.latency_ns < shared.latency_ns
    assert neuron.area_um2 > per_array.area_um2 > shared.area_um2
    for report in (per_array, neuron):  # tiles only size the shared pool
        other = evaluate(fmnist, report.architecture.model_copy(update={"tiles": 64}), tech)
        assert other.area_um2 == report.area_um2 and other.energy_pj == report.energy_pj


def test_tile_per_array_runs_every_array_of_a_layer_at_once(fmnist, tech) -> None:
    report = evaluate(fmnist, arch(organisation="tile_per_array"), tech)
    for layer in report.layers:
        assert layer.busy_units == layer.arrays
        rows_per_array = -(-layer.weight_rows // layer.arrays)
        # the passes follow each other: one pipeline fill per layer
        assert layer.cycles == layer.repetitions * layer.positions * rows_per_array + 3


def test_neuron_parallel_takes_one_step_per_position_and_pass(small_conv, tech) -> None:
    """Every row sensed at once: a step per position and pass, one pipeline fill."""
    report = evaluate(small_conv, arch(organisation="neuron_parallel", bitstream_length=4,
                                       parallel_rows=256), tech)
    for layer in report.layers:
        assert layer.busy_units == layer.outputs
        assert layer.cycles == layer.repetitions * layer.positions + 3
        assert layer.popcounts == layer.outputs * layer.positions * layer.repetitions


@pytest.mark.parametrize("organisation", ORGANISATIONS)
def test_compressor_trees_are_smaller_than_ripple_trees(fmnist, tech, organisation) -> None:
    ripple, compressor = (
        evaluate(fmnist, arch(organisation=organisation, popcount_circuit=c), tech)
        for c in ("ripple_tree", "compressor_tree"))
    assert compressor.area_by_component_um2["popcount"] < ripple.area_by_component_um2["popcount"]
    assert compressor.energy_by_component_pj["popcount"] < (
        ripple.energy_by_component_pj["popcount"])
    assert compressor.counts.bits_read == ripple.counts.bits_read


@pytest.mark.parametrize("mode", ["sc", "fixed_point_bit_serial"])
def test_a_latched_first_layer_senses_each_row_once(fmnist, tech, mode) -> None:
    reread, latched = (evaluate(fmnist, arch(first_layer_mode=mode, first_layer_dataflow=d), tech)
                       for d in ("reread", "row_latched"))
    first_reread, first_latched = reread.layers[0], latched.layers[0]
    assert first_reread.row_reads == first_reread.repetitions * first_latched.row_reads
    assert first_latched.row_reads == first_latched.weight_rows
    assert first_latched.popcounts == first_reread.popcounts  # the same XNOR-popcounts
    assert latched.energy_by_component_pj["mram_arrays"] < (
        reread.energy_by_component_pj["mram_arrays"])
    assert latched.area_by_component_um2["xnor"] > 0 == reread.area_by_component_um2["xnor"]
    # dense layer 1 (one position): a neuron's slices follow each other, no partial sums
    assert latched.area_by_component_um2["partial_sum_buffer"] == 0
    assert reread.area_by_component_um2["partial_sum_buffer"] > 0


def test_the_sc_image_is_stored_or_regenerated(fmnist, tech) -> None:
    stored = evaluate(fmnist, arch(first_layer_dataflow="row_latched"), tech)
    regenerated = evaluate(fmnist, arch(first_layer_dataflow="row_latched_regenerated"), tech)
    image_bits = 784 * 8  # pixels x N flip-flops
    assert stored.area_by_component_um2["layer_inputs"] - (
        regenerated.area_by_component_um2["layer_inputs"]) == pytest.approx(
        image_bits * tech.logic.flip_flop.area_um2)
    # regenerating: one random number per delivered pixel bit and per sharing group
    delivered = regenerated.layers[0].input_bits_delivered
    assert regenerated.counts.comparator_evaluations == delivered
    assert stored.counts.comparator_evaluations == 784 * 8


@pytest.mark.parametrize(("fields", "message"), [
    (dict(first_layer_dataflow="row_latched", merge_point="output"), "output merge"),
    (dict(first_layer_dataflow="row_latched", first_layer_mode="fixed_point_parallel"),
     "runs layer 1 once"),
    (dict(first_layer_dataflow="row_latched_regenerated", sng_kind="mtj_trng"),
     "true RNG cannot regenerate"),
    (dict(first_layer_dataflow="row_latched_regenerated",
          first_layer_mode="fixed_point_bit_serial"), "no SNG"),
])
def test_dataflows_that_cannot_serve_a_design_are_refused(fields, message) -> None:
    with pytest.raises(ValueError, match=message):
        arch(**fields)


def test_the_multi_bit_datapath_exists_only_where_layer_1_runs(fmnist, tech) -> None:
    """Layer 1 of the MLP uses 17 arrays: with 64 shared tiles, 17 carry the multi-bit tree."""
    from hwmodel.components import ripple_tree_adders

    report = evaluate(fmnist, arch(first_layer_mode="fixed_point_parallel", tiles=64), tech)
    assert report.layers[0].arrays == 17
    fa, ha = tech.logic.full_adder.area_um2, tech.logic.half_adder.area_um2

    def tree(bits: int) -> float:
        full, half = ripple_tree_adders(256, bits)
        return full * fa + half * ha

    expected = 17 * tree(9) + (64 - 17) * tree(1)
    assert report.area_by_component_um2["popcount"] == pytest.approx(expected)


def test_activations_are_read_once_per_layer_and_pass(fmnist, tech) -> None:
    for merge, passes in (("first_layer", 1), ("output", 8)):
        report = evaluate(fmnist, arch(merge_point=merge), tech)
        assert report.counts.activation_bits_read == passes * (1024 + 1024)
