"""Specs: presets, technology errors, architecture and workload validation, the design file."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

import hwmodel
from hwmodel import (
    Architecture,
    HardwareDesign,
    Technology,
    TechnologyError,
    available_presets,
    design_from_document,
    load_technology,
)
from hwmodel.technology_presets import resolve_technology_path

PRESET = Path(hwmodel.__file__).parent / "presets" / "stt_mram_28nm.yaml"


def preset_data() -> dict:
    return yaml.safe_load(PRESET.read_text())


def write(tmp_path: Path, data: dict, name: str = "tech.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_default_preset_loads_and_cites_its_numbers() -> None:
    assert "stt_mram_28nm" in available_presets()
    tech = load_technology()
    assert tech.node_nm == 28 and tech.device_errors is not None
    assert tech.calibration == []
    # every technology section has a source entry
    cited = " ".join(tech.sources)
    for section in (
        "clock_mhz",
        "mram.",
        "device_errors.",
        "sense_amplifier.",
        "logic.",
        "sram.",
        "mtj_trng.",
        "control.",
        "leakage.",
    ):
        assert section in cited, section


def test_preset_by_path(tmp_path) -> None:
    path = write(tmp_path, preset_data())
    assert load_technology(str(path)) == load_technology()
    assert resolve_technology_path("tech.yaml", base_dir=tmp_path) == tmp_path / "tech.yaml"


def test_unknown_key_is_named(tmp_path) -> None:
    data = preset_data()
    data["mram"]["cell_area_um3"] = 1.0
    with pytest.raises(TechnologyError, match=r"tech\.yaml: mram\.cell_area_um3: unknown key"):
        load_technology(str(write(tmp_path, data)))


def test_negative_value_is_named(tmp_path) -> None:
    data = preset_data()
    data["logic"]["full_adder"]["area_um2"] = -1.65
    with pytest.raises(
        TechnologyError, match=r"logic\.full_adder\.area_um2: Input should be greater than 0"
    ):
        load_technology(str(write(tmp_path, data)))


def test_missing_field_is_named(tmp_path) -> None:
    data = preset_data()
    del data["sense_amplifier"]["energy_fj"]
    with pytest.raises(TechnologyError, match=r"sense_amplifier\.energy_fj: Field required"):
        load_technology(str(write(tmp_path, data)))


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(TechnologyError, match="stt_mram_28nm"):
        load_technology("no_such_node")


def test_technology_model_rejects_out_of_range() -> None:
    data = preset_data()
    data["device_errors"]["write_error_rate"] = 0.6
    with pytest.raises(pydantic.ValidationError, match="write_error_rate"):
        Technology.model_validate(data)


def test_cells_per_bit_in_a_technology_points_to_the_architecture() -> None:
    """A technology written before the cell became a design choice gets one line saying
    where it went (an exported design keeps its whole technology)."""
    data = preset_data()
    data["mram"]["cells_per_bit"] = 2
    with pytest.raises(pydantic.ValidationError, match="architecture.mram_cell"):
        Technology.model_validate(data)


def test_architecture_validation() -> None:
    with pytest.raises(pydantic.ValidationError, match="needs a stochastic number generator"):
        Architecture(first_layer_mode="sc", sng_kind="none")
    with pytest.raises(pydantic.ValidationError, match="lfsr_width_bits"):
        Architecture(first_layer_mode="sc", lfsr_width_bits=4, input_bits=8)
    with pytest.raises(pydantic.ValidationError, match="extra_forbidden|Extra inputs"):
        Architecture(first_layer_mode="sc", tile=3)
    with pytest.raises(pydantic.ValidationError, match="merge_point"):
        Architecture(first_layer_mode="sc", merge_point="middle")
    assert (
        Architecture(
            first_layer_mode="fixed_point_parallel", sng_kind="none"
        ).effective_bitstream_length
        == 1
    )


def test_workload_specs_build_layer_shapes() -> None:
    design = HardwareDesign.model_validate(
        {
            "workload": {
                "kind": "conv",
                "input_shape": [3, 32, 32],
                "channels": [64, 64, 128],
                "pool_every": 2,
                "hidden": [256],
                "num_classes": 10,
            },
            "architecture": {"first_layer_mode": "sc", "bitstream_length": 4},
            "technology": "stt_mram_28nm",
        }
    )
    layers = design.build_workload().layers
    assert [layer.name for layer in layers] == ["conv1", "conv2", "conv3", "fc1", "fc2"]
    assert [layer.positions for layer in layers[:3]] == [1024, 1024, 256]
    assert layers[0].fan_in == 27 and layers[0].input_values == 3 * 32 * 32
    assert layers[3].fan_in == 128 * 16 * 16  # one pool after conv2; conv3 keeps 16x16
    explicit = HardwareDesign.model_validate(
        {
            "workload": {
                "layers": [
                    {"name": "a", "inputs": 10, "outputs": 4},
                    {"name": "b", "inputs": 4, "outputs": 2},
                ]
            },
            "architecture": {"first_layer_mode": "fixed_point_parallel"},
        }
    )
    assert explicit.build_workload().total_weights == 48
    assert explicit.technology == load_technology()


def test_workload_errors_name_the_field() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"workload\.mlp\.hidden\.0"):
        HardwareDesign.model_validate(
            {
                "workload": {"kind": "mlp", "input_size": 784, "hidden": [0], "num_classes": 10},
                "architecture": {"first_layer_mode": "sc"},
            }
        )
    with pytest.raises(pydantic.ValidationError, match="set kind to mlp or conv"):
        HardwareDesign.model_validate(
            {"workload": {"kind": "rnn"}, "architecture": {"first_layer_mode": "sc"}}
        )
    with pytest.raises(pydantic.ValidationError, match="unique"):
        HardwareDesign.model_validate(
            {
                "workload": {"layers": [{"name": "a", "inputs": 1, "outputs": 1}] * 2},
                "architecture": {"first_layer_mode": "sc"},
            }
        )


def test_hardware_section_of_an_exported_design(tmp_path) -> None:
    write(tmp_path, preset_data(), "my_tech.yaml")
    inner = {
        "workload": {"kind": "mlp", "input_size": 784, "hidden": [64], "num_classes": 10},
        "architecture": {"first_layer_mode": "sc", "bitstream_length": 2},
        "technology": "my_tech.yaml",
    }
    design = design_from_document(
        {"hardware": inner, "metrics": {"accuracy": 0.9}}, base_dir=tmp_path
    )
    assert design.architecture.bitstream_length == 2
    assert design.evaluate().energy_pj > 0
    dumped = design.model_dump(mode="json")
    assert HardwareDesign.model_validate(dumped) == design  # an export round-trips
