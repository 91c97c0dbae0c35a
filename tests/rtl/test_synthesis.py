"""Yosys on the smallest blocks: gate counts, flip-flops, area, and a formal proof that the
comparator circuit equals the trainer's comparison. Marked `rtl` (CI: `pytest -m rtl`);
skipped where Yosys is not installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rtl.cells import NAND2_AREA_UM2_45NM, NANGATE45_X1_AREA_UM2, YOSYS_TO_NANGATE
from rtl.lfsr_sng import LfsrSngSpec
from rtl.popcount import PopcountSpec
from rtl.sc_comparator import ScComparatorSpec
from rtl.sobol_sng import SobolSngSpec
from rtl.synthesis import find_yosys, synthesize
from rtl.verilog import to_verilog

pytestmark = [
    pytest.mark.rtl,
    pytest.mark.skipif(
        find_yosys() is None,
        reason="yosys is not on PATH: install it (Debian: apt-get install yosys; setup.sh does)",
    ),
]

SCALE_28NM = (28 / 45) ** 2


@pytest.mark.parametrize("circuit", ["ripple_tree", "compressor_tree"])
def test_popcount16_synthesizes_to_gates_with_consistent_area(circuit: str) -> None:
    result = synthesize(PopcountSpec(inputs=16, circuit=circuit))
    assert result.flip_flops == 0
    assert result.logic_cells == sum(result.cells_by_type.values()) > 40
    expected = sum(
        count * NANGATE45_X1_AREA_UM2[YOSYS_TO_NANGATE[cell]] * SCALE_28NM
        for cell, count in result.cells_by_type.items()
    )
    assert result.area_um2 == pytest.approx(expected)
    assert result.nand2_equivalents == pytest.approx(expected / (NAND2_AREA_UM2_45NM * SCALE_28NM))
    assert 2 * result.logic_cells <= result.transistors <= 12 * result.logic_cells
    assert "Yosys" in result.yosys_version


def test_compressor_popcount_is_smaller_than_ripple_tree() -> None:
    ripple = synthesize(PopcountSpec(inputs=64))
    compressor = synthesize(PopcountSpec(inputs=64, circuit="compressor_tree"))
    assert compressor.area_um2 < ripple.area_um2
    assert compressor.transistors < ripple.transistors


def test_lfsr_bank_keeps_one_flip_flop_per_state_bit() -> None:
    spec = LfsrSngSpec(
        width_bits=8,
        taps=(8, 6, 5, 4),
        seeds=(5, 9),
        sharing=2,
        wiring=((7, 6, 5, 4, 3, 2, 1, 0), (0, 3, 2, 1, 7, 6, 5, 4)),
        positions=4,
    )
    result = synthesize(spec)
    assert result.flip_flops == 16  # two 8-bit LFSRs; no register for pixels or outputs
    assert result.cells_by_type["$_DFF_P_"] == 16
    assert result.logic_area_um2 == pytest.approx(result.area_um2 - 16 * 4.522 * SCALE_28NM)


def test_sobol_bank_shares_its_counter() -> None:
    spec = SobolSngSpec(
        positions=2,
        comparator_bits=4,
        counter_bits=4,
        wiring=((3, 2, 1, 0),),
        directions=((8, 12, 10, 15), (8, 4, 6, 9)),
        shifts=(3, 5),
    )
    assert synthesize(spec).flip_flops == 4 + 2 * 4  # one counter, a state per generator


def _prove(tmp_path: Path, k: int, relation: str) -> subprocess.CompletedProcess:
    """Ask Yosys' SAT solver whether the comparator equals `w * 255 <relation> p * 2^k`
    for every 8-bit pixel and k-bit word."""
    (tmp_path / "dut.v").write_text(to_verilog(ScComparatorSpec(comparator_bits=k)))
    (tmp_path / "miter.v").write_text(
        f"""module miter(input [7:0] p, input [{k - 1}:0] w, output ok);
  wire b;
  sc_comparator dut(.pixel(p), .word(w), .stream_bit(b));
  wire [{k + 8}:0] lhs = w * 9'd255;
  wire [{k + 8}:0] rhs = {{p, {k}'b0}};
  assign ok = b == (lhs {relation} rhs);
endmodule
"""
    )
    script = "read_verilog dut.v miter.v; prep -top miter; flatten; sat -prove ok 1 -verify"
    return subprocess.run(
        [find_yosys(), "-q", "-p", script], cwd=tmp_path, capture_output=True, text=True
    )


@pytest.mark.parametrize("k", [4, 8, 11])
def test_comparator_is_formally_equal_to_the_trainer_comparison(tmp_path: Path, k: int) -> None:
    assert _prove(tmp_path, k, "<").returncode == 0


def test_formal_check_detects_a_wrong_comparison(tmp_path: Path) -> None:
    assert _prove(tmp_path, 8, "<=").returncode != 0
