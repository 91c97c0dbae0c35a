"""The device choices of docs/hwmodel.md section 12 over a chip's life: cost and bit-error
rates by cause, for the MLP 784-1024-1024-10 (SC with an LFSR per pixel, N = 16, reread, 16
shared tiles of 256 x 256 arrays) with the preset's lifetime (10 years, 30 inferences/s).

Each row: a device choice (cell, read voltage, ECC, refresh period), its area and energy, the
rates by cause at the end of life at 85 C (the preset's rating), and the total rate a stored
bit reads wrong at 27 C and 85 C, and a weight after ECC at 85 C.

    python experiments/device_lifetime.py [--markdown]
"""

from __future__ import annotations

import argparse

import numpy as np

from hwmodel import evaluate_batch, load_technology, mlp_workload
from hwmodel.device_errors import CAUSES

CHOICES = [  # (cell, read mV, ECC, refresh s)
    ("2t2mtj", 200, "none", 0), ("2t2mtj", 100, "none", 0), ("2t2mtj", 100, "none", 3600),
    ("2t2mtj", 70, "none", 0), ("2t2mtj", 60, "none", 0), ("2t2mtj", 90, "secded", 3600),
    ("1t1mtj", 100, "none", 0), ("1t1mtj", 100, "none", 3600), ("1t1mtj", 130, "none", 3600),
    ("1t1mtj", 100, "secded", 3600),
]


def evaluate(rated: str):
    tech = load_technology("stt_mram_28nm")
    tech = tech.model_copy(update={"device_errors": tech.device_errors.model_copy(
        update={"rated_temperature": rated})})
    cells, volts, eccs, refresh = (np.array(column) for column in zip(*CHOICES, strict=True))
    return evaluate_batch(mlp_workload(784, [1024, 1024], 10), tech, first_layer_mode="sc",
                          sng_kind="lfsr", bitstream_length=16, tiles=16, mram_cell=cells,
                          read_voltage_mv=volts, ecc=eccs, refresh_period_s=refresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    hot, cool = evaluate("worst_case"), evaluate("operating")
    header = ["cell", "read", "ECC", "refresh", "area mm^2", "energy pJ",
              *(f"{cause.replace('_', ' ')} 85 C" for cause in CAUSES), "bit 27 C", "bit 85 C",
              "weight 85 C"]
    print("| " + " | ".join(header) + " |" if args.markdown else "  ".join(header))
    if args.markdown:
        print("| " + " | ".join("---" for _ in header) + " |")
    for index, (cell, volts, ecc, refresh) in enumerate(CHOICES):
        row = [cell, f"{volts} mV", ecc, "never" if refresh == 0 else f"{refresh} s",
               f"{hot.area_mm2[index]:.4f}", f"{hot.energy_pj[index]:,.0f}",
               *(f"{hot.bit_error_rate_by_cause[c][index]:.1e}" for c in CAUSES),
               f"{cool.bit_error_rate[index]:.1e}", f"{hot.bit_error_rate[index]:.1e}",
               f"{hot.weight_error_rate[index]:.1e}"]
        print("| " + " | ".join(row) + " |" if args.markdown else "  ".join(row))


if __name__ == "__main__":
    main()
