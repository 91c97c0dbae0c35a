"""A batch of many designs equals many batches of one (the scalar report), component by
component, and the batch path validates what it is given."""

from __future__ import annotations

import numpy as np
import pytest

from hwmodel import (
    Architecture,
    FirstLayerDataflow,
    FirstLayerMode,
    LayerShape,
    Organisation,
    PopcountCircuit,
    Workload,
    architectures_to_columns,
    conv_workload,
    evaluate,
    evaluate_batch,
    mlp_workload,
)

WORKLOADS = {
    "fmnist": mlp_workload(784, [1024, 1024], 10),
    "conv": conv_workload((3, 16, 16), [16, 32, 64], 2, [128], 10),
    "single_layer": mlp_workload(50, [], 3),
    "odd_conv": Workload(
        layers=[
            LayerShape(
                name="c",
                kind="conv",
                inputs=3,
                outputs=5,
                kernel=3,
                positions=16,
                input_positions=36,
            )
        ]
    ),
}


def random_architectures(rng: np.random.Generator, count: int) -> list[Architecture]:
    """Random valid designs over every kind of every family."""
    designs = []
    while len(designs) < count:
        bits = int(rng.integers(1, 12))
        rows = int(rng.choice([16, 64, 100, 256, 512]))
        fields = dict(
            organisation=str(rng.choice(Organisation.names())),
            popcount_circuit=str(rng.choice(PopcountCircuit.names())),
            first_layer_dataflow=str(rng.choice(FirstLayerDataflow.names())),
            array_rows=rows,
            parallel_rows=int(rng.choice([1, 2, 7, rows])),
            schedule=str(rng.choice(["sequential", "layer_pipelined"])),
            first_layer_fold=int(rng.integers(1, 9)),
            array_cols=int(rng.choice([8, 32, 100, 256, 300, 1024])),
            tiles=int(rng.integers(1, 80)),
            first_layer_mode=str(rng.choice(FirstLayerMode.names())),
            sng_kind=str(rng.choice(["lfsr", "sobol", "mtj_trng"])),
            sng_sharing=int(rng.integers(1, 100)),
            lfsr_width_bits=int(rng.integers(max(3, bits), 33)),
            input_bits=bits,
            merge_point=str(rng.choice(["first_layer", "output"])),
            bitstream_length=int(rng.integers(1, 300)),
            mram_cell=str(rng.choice(["1t1mtj", "2t2mtj"])),
            read_voltage_mv=int(rng.integers(30, 250)),
            ecc=str(rng.choice(["none", "secded"])),
            refresh_period_s=int(rng.choice([0, 600, 3600, 86400 * 30])),
        )
        try:
            designs.append(Architecture(**fields))
        except ValueError:  # an invalid combination (e.g. a latched output merge): draw again
            continue
    return designs


def assert_close(batch_value: float, scalar_value: float) -> None:
    assert batch_value == pytest.approx(scalar_value, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_batch_equals_scalar_on_random_designs(tech, name) -> None:
    workload = WORKLOADS[name]
    designs = random_architectures(np.random.default_rng(len(name)), 60)
    batch = evaluate_batch(workload, tech, architectures_to_columns(designs))
    assert len(batch) == len(designs)
    for index, design in enumerate(designs):
        report = evaluate(workload, design, tech)
        row = batch.row(index)
        for key in (
            "area_um2",
            "area_mm2",
            "energy_pj",
            "latency_ns",
            "interval_ns",
            "inferences_per_s",
            "average_power_mw",
            "peak_power_mw",
            "peak_current_a",
            "peak_current_a_per_mm2",
            "power_density_mw_per_mm2",
            "area_latency_mm2_us",
            "energy_delay_nj_us",
        ):
            assert_close(row[key], getattr(report, key))
        assert row["effective_bitstream_length"] == report.effective_bitstream_length
        for key, value in report.area_by_component_um2.items():
            assert_close(row["area_by_component_um2"][key], value)
        for key, value in report.energy_by_component_pj.items():
            assert_close(row["energy_by_component_pj"][key], value)
        scalar_counts = report.counts.model_dump()
        for key, value in row["counts"].items():
            assert value == scalar_counts[key], key


def test_scalars_broadcast_against_arrays(fmnist, tech) -> None:
    n = np.array([1, 4, 16])
    batch = evaluate_batch(fmnist, tech, first_layer_mode="sc", bitstream_length=n, tiles=8)
    expected = [
        evaluate(
            fmnist, Architecture(first_layer_mode="sc", bitstream_length=int(k), tiles=8), tech
        )
        for k in n
    ]
    assert np.allclose(batch.energy_pj, [r.energy_pj for r in expected], rtol=1e-12)
    grid = evaluate_batch(
        fmnist, tech, first_layer_mode="sc", bitstream_length=n[:, None], tiles=np.array([1, 2])
    )
    assert len(grid) == 6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_layer_mode": "sc", "tiles": np.array([1, 0])}, "tiles: values must be >= 1"),
        (
            {"first_layer_mode": "sc", "bitstream_length": 2.5},
            "bitstream_length: values must be integers",
        ),
        ({"first_layer_mode": np.array(["sc", "fp"])}, "first_layer_mode: 'fp' is not one of"),
        ({"first_layer_mode": "sc", "sng_kind": "none"}, "sng_kind"),
        ({"first_layer_mode": "sc", "colour": 3}, "unknown architecture field(s): colour"),
        ({"tiles": 3}, "first_layer_mode: required"),
        ({"first_layer_mode": "sc", "array_rows": 64, "parallel_rows": np.array([64, 128])},
         "parallel_rows: must be at most array_rows"),
        ({"first_layer_mode": "sc", "organisation": np.array(["tile_per_array", "shared_tiles"]),
          "schedule": "layer_pipelined"},
         "schedule: layer_pipelined: shared_tiles serves one layer at a time"),
    ],
)
def test_batch_validates_fields(fmnist, tech, fields, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate_batch(fmnist, tech, **fields)


def test_groups_and_chunks_give_the_same_designs(tech, monkeypatch) -> None:
    """Designs are evaluated by organisation group and in chunks: any chunk size gives the
    same totals, breakdowns, energy per layer and counts, in the callers' order."""
    import hwmodel.core

    workload = WORKLOADS["conv"]
    columns = architectures_to_columns(random_architectures(np.random.default_rng(7), 50))
    whole = evaluate_batch(workload, tech, columns)
    monkeypatch.setattr(hwmodel.core, "CHUNK_DESIGNS", 7)
    chunked = evaluate_batch(workload, tech, columns)
    assert len(chunked.parts) > 3
    for index in range(len(whole)):
        assert chunked.row(index) == whole.row(index)
    by_layer = sum(whole.energy_by_layer_pj.values())
    assert np.allclose(by_layer, whole.energy_pj, rtol=1e-12)
