"""Ranges in technology presets: their validation, corners, and a corner computed by hand.

The hand-computed corner follows docs/hwmodel.md sections 2-6 for one 8 -> 4 dense layer
(the workload's only layer, so also its output layer), with the costs of a small technology
whose ranges have round bounds; nothing is taken from the evaluator.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml

from hwmodel import (
    Architecture,
    Technology,
    TechnologyError,
    architectures_to_columns,
    evaluate,
    evaluate_batch,
    load_technology,
    mlp_workload,
    resolve_technology_path,
)
from hwmodel.technology import UNRANGED_COST_FIELDS

PRESET = load_technology("stt_mram_28nm")


def numeric_paths(tech: Technology) -> list[str]:
    """Every number of a technology by dotted path (not its ranges, sources or names)."""
    paths = []

    def walk(prefix: str, data: dict) -> None:
        for key, value in data.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(f"{path}.", value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                paths.append(path)

    walk("", tech.model_dump(exclude={"ranges", "sources", "calibration"}))
    return paths


def design_columns() -> dict:
    """Designs that use every cost of the model: each organisation, first-layer mode,
    generator, cell and ECC choice (a latched dataflow for the SC ones)."""
    designs = []
    for organisation, cell, ecc in itertools.product(
            ("shared_tiles", "tile_per_array", "neuron_parallel"), ("1t1mtj", "2t2mtj"),
            ("none", "secded")):
        common = dict(organisation=organisation, mram_cell=cell, ecc=ecc, tiles=4)
        designs += [Architecture(first_layer_mode=mode, sng_kind="none", **common)
                    for mode in ("fixed_point_parallel", "fixed_point_bit_serial")]
        designs += [Architecture(first_layer_mode="sc", sng_kind=kind, bitstream_length=4,
                                 first_layer_dataflow=flow, **common)
                    for kind, flow in (("lfsr", "reread"), ("sobol", "row_latched"),
                                       ("mtj_trng", "row_latched"))]
    return architectures_to_columns(designs)


def costs(tech: Technology) -> np.ndarray:
    result = evaluate_batch(mlp_workload(64, [32], 10), tech, design_columns())
    return np.stack([result.area_um2, result.energy_pj, result.latency_ns])


def test_every_number_that_moves_a_cost_has_a_range() -> None:
    """Perturb each number of the preset alone: those that move some design's area, energy
    or latency are exactly the ranged ones and the documented exceptions."""
    base = costs(PRESET)
    bare = PRESET.model_copy(update={"ranges": {}})  # a bumped number may leave its range
    moving = set()
    for path in numeric_paths(PRESET):
        value = PRESET.value(path)
        bumped = value + 1 if isinstance(value, int) else value * 1.5 + 1e-3
        if not np.allclose(costs(bare.with_values({path: bumped})), base, rtol=1e-12):
            moving.add(path)
    assert moving - set(UNRANGED_COST_FIELDS) == set(PRESET.ranges)
    assert set(UNRANGED_COST_FIELDS) <= moving


def test_each_range_holds_its_nominal_and_names_two_sources() -> None:
    for path, interval in PRESET.ranges.items():
        assert interval.low <= PRESET.value(path) <= interval.high, path
        assert interval.source_low.strip() and interval.source_high.strip(), path


def test_corners_bound_the_nominal_costs() -> None:
    """Every field at its cost-lowering bound lowers every cost of every design, and the
    cost-raising corner raises them: the direction of each field is right."""
    low, nominal, high = (costs(t) for t in (PRESET.at_corner("low"), PRESET,
                                             PRESET.at_corner("high")))
    assert np.all(low <= nominal * (1 + 1e-12)) and np.all(nominal <= high * (1 + 1e-12))
    assert np.all(low[0] < high[0]) and np.all(low[1] < high[1]) and np.all(low[2] < high[2])


def test_at_corner_picks_the_cost_bound_of_each_field() -> None:
    high = PRESET.at_corner("high")
    assert high.clock_mhz == PRESET.ranges["clock_mhz"].low  # the slowest clock costs most
    assert high.mram.read_energy_fj_per_cell == PRESET.ranges["mram.read_energy_fj_per_cell"].high
    low = PRESET.at_corner("low", fields=["clock_mhz"])
    assert low.clock_mhz == PRESET.ranges["clock_mhz"].high
    assert low.mram == PRESET.mram and low.ranges == PRESET.ranges
    with pytest.raises(ValueError, match="logic.nope: no range"):
        PRESET.at_corner("high", fields=["logic.nope"])
    with pytest.raises(ValueError, match="mram.nope: no such field"):
        PRESET.with_values({"mram.nope": 1.0})
    with pytest.raises(ValueError, match="corner must be"):
        PRESET.at_corner("middle")  # type: ignore[arg-type]


# --- validation: one line naming the field ------------------------------------------------

def preset_with_range(tmp_path, path: str, entry: dict | None, **document) -> str:
    data = yaml.safe_load(resolve_technology_path("stt_mram_28nm").read_text())
    data.update(document)
    if entry is not None:
        data["ranges"] = {**data["ranges"], path: entry}
    out = tmp_path / "tech.yaml"
    out.write_text(yaml.safe_dump(data))
    return str(out)


SOURCES = {"source_low": "a", "source_high": "b"}


@pytest.mark.parametrize(("path", "entry", "message"), [
    ("mram.nope", {"low": 1, "high": 2, **SOURCES}, "ranges.mram.nope: no such field"),
    ("name", {"low": 1, "high": 2, **SOURCES}, "ranges.name: not a number"),
    ("logic.full_adder", {"low": 1, "high": 2, **SOURCES},
     "ranges.logic.full_adder: not a number"),
    ("mram.cell_area_um2", {"low": 0.04, "high": 0.05, **SOURCES},
     "ranges.mram.cell_area_um2: the nominal value 0.036 is outside low 0.04 .. high 0.05"),
    ("clock_mhz", {"low": 100, "high": 150, **SOURCES},
     "ranges.clock_mhz: the nominal value 200 is outside low 100 .. high 150"),
    ("mram.cell_area_um2", {"low": -1, "high": 0.05, **SOURCES},
     "ranges.mram.cell_area_um2: low -1: cell_area_um2: Input should be greater than 0"),
    ("mram.reference_columns", {"low": 1.5, "high": 2, **SOURCES},
     "ranges.mram.reference_columns: low 1.5: reference_columns: Input should be a valid"),
    ("mram.cell_area_um2", {"low": 0.03, "high": 0.05, "source_low": "a"},
     "ranges.mram.cell_area_um2.source_high: Field required"),
    ("mram.cell_area_um2", {"low": 0.03, "high": 0.05, "source_low": "", "source_high": "b"},
     "ranges.mram.cell_area_um2.source_low: String should have at least 1 character"),
])
def test_bad_ranges_are_one_line_naming_the_field(tmp_path, path, entry, message) -> None:
    with pytest.raises(TechnologyError) as caught:
        load_technology(preset_with_range(tmp_path, path, entry))
    text = str(caught.value)
    assert "\n" not in text and text.startswith(str(tmp_path)) and message in text, text


def test_a_range_of_an_absent_section_names_it(tmp_path) -> None:
    file = preset_with_range(tmp_path, "device_errors.tmr", {"low": 1, "high": 2, **SOURCES},
                             device_errors=None)
    with pytest.raises(TechnologyError, match=r"ranges\.device_errors\.tmr: no such field"):
        load_technology(file)


# --- a corner computed by hand ------------------------------------------------------------

# Nominal values are round; the cost-raising bound of each field (its `high`, except the
# clock's `low`) is what the hand computation uses. Areas um^2, energies fJ, 2t2mtj cells.
HIGH = {
    "clock_mhz": 100.0,  # the low bound: 10 ns cycles
    "mram.cell_area_um2": 0.2, "mram.read_energy_fj_per_cell": 40.0,
    "mram.leakage_nw_per_cell": 0.5, "mram.row_activation_energy_fj": 300.0,
    "mram.row_periphery_area_um2": 3.0, "mram.column_periphery_area_um2": 5.0,
    "mram.array_overhead_area_um2": 1000.0,
    "sense_amplifier.area_um2": 20.0, "sense_amplifier.energy_fj": 100.0,
    "logic.full_adder.area_um2": 2.0, "logic.full_adder.energy_fj": 3.0,
    "logic.half_adder.area_um2": 1.5, "logic.half_adder.energy_fj": 2.0,
    "logic.flip_flop.area_um2": 2.5, "logic.flip_flop.energy_fj": 6.0,
    "logic.comparator_bit.area_um2": 1.5, "logic.comparator_bit.energy_fj": 2.5,
    "logic.mux2.area_um2": 1.0, "logic.mux2.energy_fj": 1.5,
    "sram.area_um2_per_bit": 0.5, "sram.read_energy_fj_per_bit": 50.0,
    "sram.write_energy_fj_per_bit": 60.0,
    "control.area_um2": 2000.0, "control.energy_fj_per_cycle": 1000.0,
    "leakage.logic_nw_per_um2": 10.0,
}


def small_technology() -> Technology:
    gate = {"area_um2": 1.0, "energy_fj": 1.0}
    nominal = {
        "name": "small", "node_nm": 28, "clock_mhz": 200, "supply_v": 0.9,
        "mram": {"cell_area_um2": 0.1, "read_energy_fj_per_cell": 20, "leakage_nw_per_cell": 0.1,
                 "row_activation_energy_fj": 100, "row_periphery_area_um2": 1,
                 "column_periphery_area_um2": 2, "array_overhead_area_um2": 500},
        "sense_amplifier": gate, "sram": {"area_um2_per_bit": 0.25, "read_energy_fj_per_bit": 20,
                                          "write_energy_fj_per_bit": 25},
        "logic": {name: gate for name in ("full_adder", "half_adder", "flip_flop", "xnor",
                                          "comparator_bit", "mux2", "and2")},
        "mtj_trng": {"area_um2": 1.0, "energy_fj_per_bit": 1.0},
        "control": {"area_um2": 1000, "energy_fj_per_cycle": 500},
        "leakage": {"logic_nw_per_um2": 1},
    }
    ranges = {path: {"low": 0.5 * Technology.model_validate(nominal).value(path), "high": high,
                     "source_low": "test", "source_high": "test"}
              for path, high in HIGH.items()}
    ranges["clock_mhz"] = {"low": 100, "high": 400, "source_low": "t", "source_high": "t"}
    return Technology.model_validate({**nominal, "ranges": ranges})


def test_high_corner_of_one_dense_layer_by_hand() -> None:
    """fc1: 8 -> 4 dense, bit-serial fixed point (B = 2), one shared tile of 8 x 8 arrays,
    2t2mtj (cpb = 2, no reference), no ECC (docs/hwmodel.md sections 2-6):
    k = floor(8 / next_pow2(8)) = 1, s = 1, W = 4, range 2^2 - 1 = 3, signed:
    a = bit_length(8 * 3) + 1 = 6; output layer: no threshold rows; A = ceil(4 / 8) = 1;
    r = B = 2, E = P W r = 8 row reads and tree evaluations; cycles ceil(8 / 1) + 3 * 2 = 14.
    Tree FA(8, 1), ripple: 4 half adders, then 2 x (2+2 bits: 1 HA + 1 FA), then 3+3 bits
    (1 HA + 2 FA) = 4 FA + 7 HA. Pipeline bits bit_length(8) = 4, row counter
    bit_length(7) = 3; score bits bit_length(8 * 3) + 1 = 6; partial sums M P a = 24 bits."""
    h = HIGH
    fa, ha, ff = "logic.full_adder", "logic.half_adder", "logic.flip_flop"
    cmp_area = h["logic.comparator_bit.area_um2"]
    cells_area = 8 * 8 * 2 * h["mram.cell_area_um2"]
    area = {
        "mram_arrays": cells_area + 8 * h["mram.row_periphery_area_um2"]
        + 8 * h["mram.column_periphery_area_um2"] + h["mram.array_overhead_area_um2"],
        "sense_amplifiers": 8 * h["sense_amplifier.area_um2"],  # lanes T C
        "popcount": 4 * h[f"{fa}.area_um2"] + 7 * h[f"{ha}.area_um2"],
        "accumulators": 6 * (h[f"{fa}.area_um2"] + h[f"{ff}.area_um2"]),  # T k a
        "threshold": 6 * cmp_area,  # T k a comparator bits
        "input_register": 8 * 2 * h[f"{ff}.area_um2"],  # V B
        "partial_sum_buffer": 24 * h["sram.area_um2_per_bit"],
        "output_scores": 4 * 6 * h[f"{ff}.area_um2"],
        "registers_control": (4 + 3) * h[f"{ff}.area_um2"] + h["control.area_um2"],
    }
    total_area = sum(area.values())
    latency_ns = 14 * 1e3 / h["clock_mhz"]
    energy = {
        "mram_arrays": 8 * (h["mram.row_activation_energy_fj"]
                            + 8 * 2 * h["mram.read_energy_fj_per_cell"]),
        "sense_amplifiers": 8 * 8 * h["sense_amplifier.energy_fj"],
        "popcount": 8 * (4 * h[f"{fa}.energy_fj"] + 7 * h[f"{ha}.energy_fj"]),
        "accumulators": 8 * 6 * (h[f"{fa}.energy_fj"] + h[f"{ff}.energy_fj"]),
        "input_register": 16 * h[f"{ff}.energy_fj"],
        "layer_inputs": 8 * 8 * h["logic.mux2.energy_fj"],  # delivered bits E C, width 1
        "partial_sum_buffer": 2 * 24 * (h["sram.read_energy_fj_per_bit"]
                                        + h["sram.write_energy_fj_per_bit"]),
        "output_scores": 4 * 6 * h[f"{ff}.energy_fj"],
        "registers_control": 8 * 4 * h[f"{ff}.energy_fj"]
        + 14 * h["control.energy_fj_per_cycle"],
        # nW x ns = 1e-18 J = 1e-3 fJ: CMOS area and cells leak for the whole latency
        "leakage": ((total_area - cells_area) * h["leakage.logic_nw_per_um2"]
                    + 128 * h["mram.leakage_nw_per_cell"]) * latency_ns * 1e-3,
    }
    design = Architecture(organisation="shared_tiles", tiles=1, array_rows=8, array_cols=8,
                          first_layer_mode="fixed_point_bit_serial", input_bits=2,
                          sng_kind="none", mram_cell="2t2mtj")
    report = evaluate(mlp_workload(8, [], 4), design, small_technology().at_corner("high"))
    assert report.latency_ns == pytest.approx(latency_ns)
    for name, value in area.items():
        assert report.area_by_component_um2[name] == pytest.approx(value), name
    for name, value in energy.items():
        assert report.energy_by_component_pj[name] * 1e3 == pytest.approx(value), name
    assert report.area_um2 == pytest.approx(total_area)
    assert report.energy_pj * 1e3 == pytest.approx(sum(energy.values()))
