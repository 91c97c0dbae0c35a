"""Block specifications: strict, frozen, validated; the package stays a leaf."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

import rtl
from rtl.accumulator import AccumulatorSpec
from rtl.lfsr_sng import LfsrSngSpec
from rtl.popcount import PopcountSpec
from rtl.sobol_sng import SobolSngSpec, torch_first_word

LFSR = {
    "width_bits": 8,
    "taps": (8, 6, 5, 4),
    "seeds": (5, 9),
    "sharing": 2,
    "wiring": ((7, 6, 5, 4), (0, 3, 2, 1)),
    "comparator_bits": 4,
    "positions": 4,
}


def test_lfsr_spec_accepts_a_valid_bank() -> None:
    spec = LfsrSngSpec(**LFSR)
    assert spec.groups == 2 and spec.source_bits == 8


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seeds": (5,)}, "seeds"),
        ({"seeds": (0, 9)}, "seeds"),
        ({"seeds": (5, 256)}, "seeds"),
        ({"taps": (9, 6)}, "taps"),
        ({"wiring": ((7, 6, 5, 4),)}, "wiring"),
        ({"wiring": ((7, 6, 5, 8), (0, 3, 2, 1))}, "wiring"),
        ({"comparator_bits": 9, "wiring": ((7,) * 9, (0,) * 9)}, "comparator_bits"),
        ({"sharing": 0}, "sharing"),
        ({"width": 8}, "Extra inputs"),  # unknown key
    ],
)
def test_lfsr_spec_rejects_and_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        LfsrSngSpec(**(LFSR | change))


def test_specs_are_frozen() -> None:
    spec = PopcountSpec(inputs=16)
    with pytest.raises(ValidationError):
        spec.inputs = 32  # type: ignore[misc]
    with pytest.raises(ValidationError, match="addend_bits"):
        AccumulatorSpec(accumulator_bits=4, addend_bits=5)


def test_sobol_spec_checks_table_shapes() -> None:
    base = {
        "positions": 2,
        "comparator_bits": 3,
        "counter_bits": 2,
        "wiring": ((2, 1, 0),),
        "directions": ((4, 6), (4, 2)),
        "shifts": (1, 7),
    }
    assert SobolSngSpec(**base).initial_words == (1, 7)
    with pytest.raises(ValidationError, match="counter_bits"):
        SobolSngSpec(**(base | {"directions": ((4,), (4,))}))
    with pytest.raises(ValidationError, match="3-bit"):
        SobolSngSpec(**(base | {"shifts": (1, 8)}))
    with pytest.raises(ValidationError, match="hardwired"):
        SobolSngSpec(**(base | {"first_words": (2, 7), "direction_storage": "registers"}))


def test_torch_first_word_rounds_like_float32() -> None:
    # 2^24 + 1 is not a float32: it rounds to 2^24 (ties to even); 2^30 - 1 rounds up to 2^30
    assert torch_first_word((1 << 24) + 1, comparator_bits=30) == 1 << 24
    assert torch_first_word((1 << 30) - 1, comparator_bits=8) == 256
    assert torch_first_word((173 << 22) + (1 << 22) - 32, comparator_bits=8) == 174
    assert torch_first_word(173 << 22, comparator_bits=8) == 173


def test_rtl_imports_only_amaranth_numpy_pydantic_and_stdlib() -> None:
    allowed = {"amaranth", "numpy", "pydantic", "rtl"} | set(sys.stdlib_module_names)
    imported = set()
    for path in Path(rtl.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert "amaranth" in imported and "pydantic" in imported
    assert imported <= allowed, imported - allowed
