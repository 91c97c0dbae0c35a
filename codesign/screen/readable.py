"""Numbers as a person reads them: three significant digits and an SI prefix (41.2 us, not
41,205 ns), and the way back (`read_back`), so that a test can check that a table's number is
the recorded one, not a cut copy of it.

The study records every metric in its objective's unit (`codesign.problem.objectives`); a unit built
on an SI base unit (pJ, ns, A, mW) is rescaled to the prefix that puts the number in
[1, 1000); any other unit (mm2, A/mm2, mm2 us) keeps itself, its number to three significant
digits. CSV and JSON keep every digit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

SIGNIFICANT_DIGITS = 3
# a unit -> its SI base unit and the power of ten that takes one of it to the base unit
SI_UNITS: dict[str, tuple[str, int]] = {
    "pJ": ("J", -12), "nJ": ("J", -9), "ns": ("s", -9), "us": ("s", -6), "s": ("s", 0),
    "A": ("A", 0), "mW": ("W", -3), "W": ("W", 0),
}
PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}
PREFIX_POWERS = {symbol: power for power, symbol in PREFIXES.items()}


def significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """`value` to `digits` significant digits, never in exponent notation for a number a
    table shows (41.2, 785, 0.0123, 1234: a whole number keeps all its digits)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def readable(value: float, unit: str) -> str:
    """`41.2 us` for 41,205 ns; `89.12%` for an accuracy (a fraction); `0.0123 mm2`."""
    if unit == "%":
        return f"{100 * value:.2f}%"
    if unit not in SI_UNITS or value == 0 or not math.isfinite(value):
        return f"{significant(value)} {unit}"
    base, exponent = SI_UNITS[unit]
    power = _prefix_power(value, exponent)
    mantissa = value * 10.0 ** (exponent - power)
    if abs(float(significant(mantissa))) >= 1000 and power + 3 in PREFIXES:  # 999.7 -> 1.00 k
        power, mantissa = power + 3, float(significant(mantissa)) / 1000
    return f"{significant(mantissa)} {PREFIXES[power]}{base}"


def _prefix_power(value: float, exponent: int) -> int:
    """The power of ten of the SI prefix that puts `value` (in a unit 10^exponent of its base
    unit) in [1, 1000), within the prefixes known."""
    power = 3 * math.floor((math.log10(abs(value)) + exponent) / 3)
    return min(max(power, min(PREFIXES)), max(PREFIXES))


_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(\S*(?: \S+)?)\s*$")


def read_back(text: str, unit: str) -> float:
    """The value in `unit` that `readable` printed as `text` (a ValueError if `text` is not a
    whole number with a unit: a cut or folded cell)."""
    match = _NUMBER.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a number with a unit")
    number, written = float(match.group(1)), match.group(2)
    if unit == "%":
        if written not in ("%", ""):
            raise ValueError(f"{text!r} is not a percentage")
        return number / 100
    if written == unit:
        return number
    if unit in SI_UNITS:
        base, exponent = SI_UNITS[unit]
        prefix = written[: -len(base)] if written.endswith(base) else None
        if prefix in PREFIX_POWERS:
            return number * 10.0 ** (PREFIX_POWERS[prefix] - exponent)
    raise ValueError(f"{text!r}: unit {written!r} is not {unit} or an SI multiple of it")


def column_scale(values: Sequence[float], unit: str) -> tuple[str, float]:
    """One unit for a table's column of `values` (recorded in `unit`): the SI prefix of their
    median, and the factor that takes a value to it (`41.2` under `us` for 41,205 ns). A
    value far from the median keeps its three significant digits (0.00123, 1234)."""
    if unit == "%":
        return "%", 100.0
    finite = sorted(abs(v) for v in values if v and math.isfinite(v))
    if unit not in SI_UNITS or not finite:
        return unit, 1.0
    base, exponent = SI_UNITS[unit]
    power = _prefix_power(finite[len(finite) // 2], exponent)
    return f"{PREFIXES[power]}{base}", 10.0 ** (exponent - power)
