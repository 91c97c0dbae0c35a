"""The common base of every block specification.

A block is built from plain parameters only (numbers, tuples of numbers), so that the
hardware model, the trainer and the search can describe the same circuit without importing
each other: `rtl` depends on amaranth, numpy and pydantic alone.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BlockSpec(BaseModel):
    """Frozen, strict: an unknown or mistyped field is an error that names it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The Verilog module name of the block (also Yosys' `-top`).
    top_name: str = "block"
