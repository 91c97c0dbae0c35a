"""Drive the blocks in Amaranth's simulator and return plain numbers.

These are the RTL side of the bit-exact tests: they never compute a result themselves, they
only set ports, clock the design and read ports back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from amaranth.lib.wiring import Out
from amaranth.sim import Simulator

from rtl.accumulator import AccumulatorSpec
from rtl.lfsr_sng import LfsrSngSpec
from rtl.sobol_sng import SobolSngSpec

CLOCK_PERIOD_S = 1e-6


def pack(values: Sequence[int], width: int) -> int:
    """Fields of `width` bits, element 0 in the low bits (two's complement if negative)."""
    mask = (1 << width) - 1
    return sum((int(v) & mask) << (width * i) for i, v in enumerate(values))


def unpack(word: int, width: int, count: int) -> list[int]:
    return [(word >> (width * i)) & ((1 << width) - 1) for i in range(count)]


def to_signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def sng_stream(spec: LfsrSngSpec | SobolSngSpec, pixels: Sequence[int], length: int) -> np.ndarray:
    """Stream bits (length, positions): `start` for one cycle, then `step` every cycle."""
    if len(pixels) != spec.positions:
        raise ValueError(f"need {spec.positions} pixels, got {len(pixels)}")
    dut = spec.build()
    rows: list[int] = []

    async def bench(ctx) -> None:
        if getattr(spec, "direction_storage", "hardwired") == "registers":
            ctx.set(dut.scan_enable, 1)
            for bit in spec.scan_sequence():
                ctx.set(dut.scan_in, bit)
                await ctx.tick()
            ctx.set(dut.scan_enable, 0)
        ctx.set(dut.pixels, pack(pixels, spec.pixel_bits))
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        ctx.set(dut.step, 1)
        for _ in range(length):
            rows.append(ctx.get(dut.stream))
            await ctx.tick()

    _run(dut, bench, clocked=True)
    return np.array([unpack(row, 1, spec.positions) for row in rows], dtype=bool).reshape(
        length, spec.positions
    )


def evaluate(spec, vectors: Sequence[Mapping[str, int]]) -> list[dict[str, int]]:
    """Set each vector's input ports on a combinational block, read every output port."""
    dut = spec.build()
    outputs = [name for name, member in dut.signature.members.items() if member.flow == Out]
    results: list[dict[str, int]] = []

    async def bench(ctx) -> None:
        for vector in vectors:
            for name, value in vector.items():
                ctx.set(getattr(dut, name), int(value))
            results.append({name: ctx.get(getattr(dut, name)) for name in outputs})

    _run(dut, bench, clocked=False)
    return results


def accumulate(spec: AccumulatorSpec, steps: Sequence[tuple[int, int, int]]) -> list[int]:
    """Clock the accumulator once per (clear, enable, addend); the register after each."""
    dut = spec.build()
    values: list[int] = []

    async def bench(ctx) -> None:
        for clear, enable, addend in steps:
            ctx.set(dut.clear, int(clear))
            ctx.set(dut.enable, int(enable))
            ctx.set(dut.addend, int(addend) & ((1 << spec.addend_bits) - 1))
            await ctx.tick()
            values.append(ctx.get(dut.value))

    _run(dut, bench, clocked=True)
    return values


def _run(dut, bench, clocked: bool) -> None:
    sim = Simulator(dut)
    if clocked:
        sim.add_clock(CLOCK_PERIOD_S)
    sim.add_testbench(bench)
    sim.run()
