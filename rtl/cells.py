"""Areas of the gates Yosys' ABC emits, taken from the NanGate FreePDK45 Open Cell Library.

The hardware model's preset (`hwmodel/presets/stt_mram_28nm.yaml`) sizes its logic with
NanGate FreePDK45 X1 cells scaled to 28 nm by (28/45)^2; synthesized netlists are converted
the same way, so model and synthesis share one library. Areas are the X1 cells of
`NangateOpenCellLibrary_typical.lib` (NanGate Open Cell Library, FreePDK45). Every cell is one
1.4 um row high and a whole number of 0.19 um placement sites wide, i.e. a multiple of
0.266 um^2; the preset quotes AND2_X1 (1.064), FA_X1 (~4.26), DFF_X1 (~4.52), XNOR2_X1 (~1.60)
and MUX2_X1 (~1.86) from the same file.

| Yosys cell | NanGate cell | sites | area (um^2, 45 nm) |
| --- | --- | --- | --- |
| $_NOT_ | INV_X1 | 2 | 0.532 |
| $_BUF_ | BUF_X1 | 3 | 0.798 |
| $_NAND_ | NAND2_X1 | 3 | 0.798 |
| $_NOR_ | NOR2_X1 | 3 | 0.798 |
| $_AND_ | AND2_X1 | 4 | 1.064 |
| $_OR_ | OR2_X1 | 4 | 1.064 |
| $_XOR_ | XOR2_X1 | 6 | 1.596 |
| $_XNOR_ | XNOR2_X1 | 6 | 1.596 |
| $_MUX_ | MUX2_X1 | 7 | 1.862 |
| $_DFF_P_ | DFF_X1 | 17 | 4.522 |

FA_X1 (16 sites, 4.256) and HA_X1 (10 sites, 2.660) are listed for the comparison with the
model's full adder; ABC's generic gate mapping never emits them, so a synthesized full adder
costs its gates (two XOR2 and a MUX2 or NAND2s, ~4.8-5.1 um^2 at 45 nm) rather than one FA_X1.
A NAND2 gate equivalent (GE) is 0.798 um^2 at 45 nm, the same in every node after scaling.
"""

from __future__ import annotations

NANGATE45_X1_AREA_UM2: dict[str, float] = {
    "INV_X1": 0.532,
    "BUF_X1": 0.798,
    "NAND2_X1": 0.798,
    "NOR2_X1": 0.798,
    "AND2_X1": 1.064,
    "OR2_X1": 1.064,
    "XOR2_X1": 1.596,
    "XNOR2_X1": 1.596,
    "MUX2_X1": 1.862,
    "DFF_X1": 4.522,
    "FA_X1": 4.256,
    "HA_X1": 2.660,
}

YOSYS_TO_NANGATE: dict[str, str] = {
    "$_NOT_": "INV_X1",
    "$_BUF_": "BUF_X1",
    "$_NAND_": "NAND2_X1",
    "$_NOR_": "NOR2_X1",
    "$_AND_": "AND2_X1",
    "$_OR_": "OR2_X1",
    "$_XOR_": "XOR2_X1",
    "$_XNOR_": "XNOR2_X1",
    "$_MUX_": "MUX2_X1",
    "$_DFF_P_": "DFF_X1",
}

FLIP_FLOP_CELLS = frozenset({"$_DFF_P_"})
LIBRARY_NODE_NM = 45.0
NAND2_AREA_UM2_45NM = NANGATE45_X1_AREA_UM2["NAND2_X1"]


def node_scale(node_nm: float) -> float:
    """Area scale from the 45 nm library to `node_nm`: (node / 45)^2, as the preset does."""
    return (node_nm / LIBRARY_NODE_NM) ** 2


def cell_area_um2(yosys_cell: str, node_nm: float = 28.0) -> float:
    """Area of one Yosys gate at `node_nm`; an unknown gate is an error, never zero."""
    try:
        cell = YOSYS_TO_NANGATE[yosys_cell]
    except KeyError:
        raise ValueError(f"no NanGate cell for Yosys gate {yosys_cell!r}") from None
    return NANGATE45_X1_AREA_UM2[cell] * node_scale(node_nm)
