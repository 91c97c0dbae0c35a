"""The paper check returns data (the CLI presents it) and reports, without fitting."""

from __future__ import annotations

import math

from hwmodel import Architecture, paper_check
from hwmodel.paper_check import BASELINES, MERGES


def test_paper_check_returns_consistent_data(tech) -> None:
    check = paper_check(technology=tech)
    assert check.paper_area_reduction == 0.62 and check.paper_energy_factor == 2.1
    assert check.calibration == []
    assert [d.label.split(" ")[0] for d in check.designs] == ["sc", *BASELINES]
    sc, parallel, _ = check.designs
    assert math.isclose(
        check.area_reduction_vs["fixed_point_parallel"], 1 - sc.area_um2 / parallel.area_um2
    )
    for mode in BASELINES:
        low, high = check.area_reduction_range_over_n[mode]
        assert low <= check.area_reduction_vs[mode] <= high
    for merge in MERGES:
        ratios = [
            r.ratio_vs["fixed_point_bit_serial"]
            for r in check.energy_rows
            if r.merge_point == merge
        ]
        assert ratios == sorted(ratios, reverse=True)  # SC energy grows with N
    assert {(s.merge_point, s.baseline) for s in check.energy_summary} == {
        (m, b) for m in MERGES for b in BASELINES
    }
    reductions = [row.area_reduction_vs["fixed_point_parallel"] for row in check.tile_rows]
    assert reductions == sorted(reductions)  # the multi-bit datapath is per tile
    assert {row.sng_kind for row in check.sng_rows} == {"lfsr", "sobol", "mtj_trng"}


def test_paper_check_uses_the_given_architecture(tech) -> None:
    arch = Architecture(
        first_layer_mode="sc", sng_kind="mtj_trng", sng_sharing=16, tiles=32, bitstream_length=4
    )
    check = paper_check(technology=tech, architecture=arch)
    assert check.architecture == arch and check.reference_n == 4
