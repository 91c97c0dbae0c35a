"""From a block specification to Verilog text and to the tally of what was built."""

from __future__ import annotations

from amaranth.back import verilog
from amaranth.hdl import Fragment

from rtl.gates import GateTally


def to_verilog(spec) -> str:
    """Synthesizable Verilog of `spec`'s block, module name `spec.top_name`; clock `clk`
    (the `sync` domain; `rst` is a port but no register uses it: every block has its own
    start or clear input)."""
    return verilog.convert(spec.build(), name=spec.top_name, emit_src=False)


def structure(spec) -> GateTally:
    """The slices the builder created for `spec` (full and half adders after constant
    folding, comparator slices, XNORs, flip-flops)."""
    block = spec.build()
    Fragment.get(block, None)
    return block.tally
