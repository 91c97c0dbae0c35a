"""Synthesize a block with Yosys and count what it became.

The script (Yosys 0.23, Debian's `yosys` package):

    read_verilog block.v
    synth -flatten -top <top>
    dfflegalize -cell $_DFF_P_ 01
    abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX
    opt_clean
    stat -json ; stat -tech cmos

`dfflegalize` turns the flip-flops with enable or synchronous reset that `synth` infers into
plain D flip-flops plus gates before the final ABC run, so that every register costs a DFF_X1
and its enable or load logic is mapped (and counted) like any other logic; `stat -tech cmos`
then counts transistors for all cells. Areas follow `rtl.cells` (NanGate X1, scaled to the
node like the hardware model's preset).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from rtl.cells import FLIP_FLOP_CELLS, NAND2_AREA_UM2_45NM, cell_area_um2, node_scale
from rtl.spec import BlockSpec
from rtl.verilog import to_verilog

ABC_GATES = "AND,NAND,OR,NOR,XOR,XNOR,MUX"
SCRIPT = """read_verilog {verilog}
synth -flatten -top {top}
dfflegalize -cell $_DFF_P_ 01
abc -g {gates}
opt_clean
tee -q -o {stat_json} stat -json
tee -q -o {stat_cmos} stat -tech cmos
"""


class SynthesisError(RuntimeError):
    """Yosys is missing or failed; the message holds the end of its log."""


class SynthesisResult(BaseModel):
    """What a block became: gates by Yosys type, flip-flops, transistors and area."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top: str
    yosys_version: str
    script: str
    cells_by_type: dict[str, int]
    flip_flops: int
    logic_cells: int
    transistors: int
    node_nm: float
    area_um2: float
    area_by_type_um2: dict[str, float]
    nand2_equivalents: float

    @property
    def logic_area_um2(self) -> float:
        return self.area_um2 - sum(self.area_by_type_um2.get(c, 0.0) for c in FLIP_FLOP_CELLS)


def find_yosys(executable: str = "yosys") -> str | None:
    """Path of the Yosys executable, or None where it is not installed."""
    return shutil.which(executable)


def synthesize(
    spec: BlockSpec, node_nm: float = 28.0, yosys: str = "yosys", timeout_s: float = 600.0
) -> SynthesisResult:
    """Generate `spec`'s Verilog, synthesize it and count the result (see module docstring)."""
    return synthesize_verilog(to_verilog(spec), spec.top_name, node_nm, yosys, timeout_s)


def synthesize_verilog(
    verilog: str,
    top: str,
    node_nm: float = 28.0,
    yosys: str = "yosys",
    timeout_s: float = 600.0,
) -> SynthesisResult:
    script = SCRIPT.format(verilog="block.v", top=top, gates=ABC_GATES,
                           stat_json="stat.json", stat_cmos="stat_cmos.txt")
    files = _run_yosys(verilog, top, script, ("stat.json", "stat_cmos.txt"), yosys, timeout_s)
    return _result(json.loads(files["stat.json"]), files["stat_cmos.txt"], top, script,
                   node_nm)


def synthesized_netlist(spec: BlockSpec, yosys: str = "yosys",
                        timeout_s: float = 600.0) -> dict:
    """The gate netlist `synthesize` counts (Yosys' JSON of the top module: ports, cells and
    their connections), for simulating it (`rtl.netlist`)."""
    script = SCRIPT.format(verilog="block.v", top=spec.top_name, gates=ABC_GATES,
                           stat_json="stat.json", stat_cmos="stat_cmos.txt")
    script += "write_json netlist.json\n"
    files = _run_yosys(to_verilog(spec), spec.top_name, script, ("netlist.json",), yosys,
                       timeout_s)
    return json.loads(files["netlist.json"])["modules"][spec.top_name]


def _run_yosys(verilog: str, top: str, script: str, outputs: tuple[str, ...], yosys: str,
               timeout_s: float) -> dict[str, str]:
    """Run a synthesis script on `verilog` in a scratch folder; the named output files."""
    executable = find_yosys(yosys)
    if executable is None:
        raise SynthesisError(f"{yosys!r} is not on PATH (Debian: apt-get install yosys)")
    with tempfile.TemporaryDirectory(prefix="rtl-synth-") as tmp:
        folder = Path(tmp)
        (folder / "block.v").write_text(verilog)
        (folder / "synth.ys").write_text(script)
        run = subprocess.run(
            [executable, "-q", "-s", "synth.ys"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if run.returncode != 0:
            tail = (run.stdout + run.stderr)[-2000:]
            raise SynthesisError(f"yosys failed on {top}:\n{tail}")
        return {name: (folder / name).read_text() for name in outputs}


def _result(stat: dict, cmos: str, top: str, script: str, node_nm: float) -> SynthesisResult:
    cells = {str(k): int(v) for k, v in stat["design"]["num_cells_by_type"].items()}
    match = re.search(r"Estimated number of transistors:\s*(\d+)", cmos)
    if match is None:
        raise SynthesisError(f"no transistor count in Yosys' `stat -tech cmos` for {top}")
    area_by_type = {cell: count * cell_area_um2(cell, node_nm) for cell, count in cells.items()}
    area = sum(area_by_type.values())
    flip_flops = sum(count for cell, count in cells.items() if cell in FLIP_FLOP_CELLS)
    return SynthesisResult(
        top=top,
        yosys_version=str(stat.get("creator", "")),
        script=script,
        cells_by_type=cells,
        flip_flops=flip_flops,
        logic_cells=sum(cells.values()) - flip_flops,
        transistors=int(match.group(1)),
        node_nm=node_nm,
        area_um2=area,
        area_by_type_um2=area_by_type,
        nand2_equivalents=area / (NAND2_AREA_UM2_45NM * node_scale(node_nm)),
    )
